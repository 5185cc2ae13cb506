//! The scripting walkthrough of `docs/scripting.md`: a script on two servers, its round trips,
//! read-only calls, errors, and Redis 7 functions.
//!
//! Run with `cargo run --example scripting`. It uses `REDIS_URL` and `REDIS_URL2` (defaults
//! `redis://127.0.0.1:6379` and `redis://127.0.0.1:6380`), starting throwaway servers for the
//! ones that do not answer.

mod common;

use redline::{Commands, Error, FlushMode, ScriptingCommands};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (r, _s1) = common::connect()?;
    let (r2, _s2) = common::connect_to("REDIS_URL2", "redis://127.0.0.1:6380")?;

    let multiply = r.register_script(
        "local value = redis.call('GET', KEYS[1])
         value = tonumber(value)
         return value * ARGV[1]",
    );
    println!("registered {} (no server call yet)", multiply.sha());

    r.set("foo", 2)?;
    println!("multiply(foo=2, 5) = {}", multiply.call::<i64>("foo", 5)?);

    // The same script on another client, of another server: it loads itself there.
    r2.set("foo", 3)?;
    println!(
        "on the second server: multiply(foo=3, 5) = {}",
        multiply.call_on::<i64, _>(&r2, "foo", 5)?
    );

    // The cache is volatile: after a flush the next call reloads (EVALSHA, SCRIPT LOAD, EVALSHA).
    // Only on a server this example started: flushing someone's cache is not an example's job.
    if _s1.is_some() {
        r.script_flush(FlushMode::Sync)?;
        println!("after SCRIPT FLUSH: {}", multiply.call::<i64>("foo", 5)?);
    }

    // Read-only scripts run with EVALSHA_RO; the server refuses writes in them.
    let peek = r.register_script("return redis.call('GET', KEYS[1])");
    println!(
        "read-only GET foo = {:?}",
        peek.call_ro::<Option<String>>("foo", ())?
    );
    let sneaky = r.register_script("return redis.call('SET', KEYS[1], 'x')");
    match sneaky.call_ro::<()>("foo", ()) {
        Err(e) => println!("a write in EVALSHA_RO is refused: {e}"),
        Ok(()) => println!("unexpected: the write went through"),
    }

    // Lua errors carry the script's SHA1, the line and the error without the server's tail.
    let broken = r.register_script("local a = 1\nlocal b = 2\nreturn undefined_global.x");
    match broken.call::<()>((), ()) {
        Err(Error::Script {
            line, sha, reason, ..
        }) => println!("Lua error on line {line:?} of {sha:?}: {reason}"),
        other => println!("unexpected: {other:?}"),
    }

    // Redis 7 functions.
    let library = r.function_load(
        "#!lua name=walkthrough\n\
         redis.register_function('double', function(keys, args) return args[1] * 2 end)",
        true,
    )?;
    println!(
        "loaded library {library}: double(21) = {}",
        r.fcall::<i64>("double", (), 21)?
    );
    for lib in r.function_list(Some("walk*"), false)? {
        let names: Vec<_> = lib.functions.iter().map(|f| f.name.as_str()).collect();
        println!("library {} ({}) has {names:?}", lib.name, lib.engine);
    }
    r.function_delete("walkthrough")?;
    r.del("foo")?;
    r2.del("foo")?;
    Ok(())
}
