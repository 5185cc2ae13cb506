//! The first steps: commands, a Lua script, and a pipeline that carries it.
//!
//! Run with `cargo run --example quickstart`. It uses the server at `REDIS_URL`
//! (default `redis://127.0.0.1:6379`), or starts a throwaway one if nothing answers there.

mod common;

use redline::{cmd, Commands};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _server) = common::connect()?;

    // Typed helpers for the common commands, and `cmd` for everything else.
    client.set("quickstart:foo", 2)?;
    let value: i64 = client.get("quickstart:foo")?;
    let length: i64 = client.query(cmd("STRLEN").arg("quickstart:foo"))?;
    println!("foo = {value} ({length} byte)");

    // A script is known by its SHA1, computed here; it loads itself on first use.
    let multiply = client.register_script(
        "local value = redis.call('GET', KEYS[1])
         return tonumber(value) * ARGV[1]",
    );
    let product: i64 = multiply.call("quickstart:foo", 5)?;
    println!("multiply(foo, 5) = {product}  (script {})", multiply.sha());

    // A pipeline sends everything in one write; scripts in it are loaded first if needed.
    let (ok, product): (bool, i64) = client
        .pipeline()
        .set("quickstart:foo", 5)
        .script(&multiply, "quickstart:foo", 5)
        .execute()?;
    println!("pipeline: SET -> {ok}, multiply -> {product}");

    client.del("quickstart:foo")?;
    Ok(())
}
