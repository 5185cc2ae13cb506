//! Lua scripting against real servers: `Script`, the `ScriptingCommands`, and Redis 7 functions.
//!
//! Every test runs in RESP2 and RESP3 unless it says otherwise. Error texts are asserted exactly
//! as redis-server 7.0.15 sends them, so the docs can quote them.

use crate::support::{RedisServer, PROTOCOLS};
use redline::{
    cmd, script_sha, Client, Commands, ConnectionLike, Error, FlushMode, Protocol, RestorePolicy,
    Script, ScriptingCommands, ServerErrorKind, Value,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const MULTIPLY: &str =
    "local value = redis.call('GET', KEYS[1]) value = tonumber(value) return value * ARGV[1]";

const BUSY_TEXT: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const NOTBUSY_TEXT: &str = "NOTBUSY No scripts in execution right now.";
const UNKILLABLE_TEXT: &str = "UNKILLABLE Sorry the script already executed write commands \
     against the dataset. You can either wait the script termination or kill the server in a \
     hard way using the SHUTDOWN NOSAVE command.";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `INFO commandstats`, as command name -> field -> value (`calls`, `failed_calls`, ...).
fn commandstats(client: &Client) -> HashMap<String, HashMap<String, String>> {
    let text: String = client
        .query(cmd("INFO").arg("commandstats"))
        .expect("INFO commandstats");
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("cmdstat_") else {
            continue;
        };
        let (name, fields) = rest.split_once(':').expect("cmdstat line has a colon");
        let fields = fields
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        out.insert(name.to_string(), fields);
    }
    out
}

/// A counter from `commandstats`, 0 when the command was never counted.
fn stat(stats: &HashMap<String, HashMap<String, String>>, command: &str, field: &str) -> u64 {
    stats
        .get(command)
        .and_then(|f| f.get(field))
        .map_or(0, |v| v.parse().expect("integer counter"))
}

fn reset_stats(client: &Client) {
    client
        .query::<()>(cmd("CONFIG").arg("RESETSTAT"))
        .expect("CONFIG RESETSTAT");
}

/// Polls with a plain command until the server answers BUSY; returns that error.
fn wait_for_busy(client: &Client) -> Error {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.get::<Option<String>>("probe") {
            Err(e) if e.server_kind() == Some(ServerErrorKind::Busy) => return e,
            Ok(_) => {}
            Err(other) => panic!("while waiting for BUSY: {other:?}"),
        }
        assert!(
            Instant::now() < deadline,
            "the server never reported BUSY while the script ran"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn assert_server_error(
    result: Result<impl std::fmt::Debug, Error>,
    kind: ServerErrorKind,
    text: &str,
) {
    match result {
        Err(Error::Server { kind: k, message }) => {
            assert_eq!(k, kind, "{message}");
            assert_eq!(message, text);
        }
        other => panic!("expected a {kind:?} server error {text:?}, got {other:?}"),
    }
}

/// Asserts an `Error::Script` with exactly this message, SHA1 and line.
fn assert_script_error(
    result: Result<impl std::fmt::Debug, Error>,
    text: &str,
    expected_sha: Option<&str>,
    expected_line: Option<u32>,
) {
    match result {
        Err(e @ Error::Script { .. }) => {
            assert_eq!(e.server_kind(), Some(ServerErrorKind::Err));
            assert_eq!(e.to_string(), format!("script error: {text}"));
            let Error::Script { message, sha, line } = e else {
                unreachable!()
            };
            assert_eq!(message, text);
            assert_eq!(sha.as_deref(), expected_sha);
            assert_eq!(line, expected_line);
        }
        other => panic!("expected a script error {text:?}, got {other:?}"),
    }
}

fn is_lower_hex_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

// ---------------------------------------------------------------------------------------------
// Script: the walkthrough, registration, reloading
// ---------------------------------------------------------------------------------------------

#[test]
fn walkthrough_multiply_on_two_servers() {
    let first = RedisServer::start();
    let second = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = first.client_with(protocol);
        let client2 = second.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        client2.script_flush(FlushMode::Sync).unwrap();

        client.set("foo", 2).unwrap();
        let multiply = client.register_script(MULTIPLY);
        assert_eq!(multiply.call::<i64>("foo", 5).unwrap(), 10);

        client2.set("foo", 3).unwrap();
        assert_eq!(client2.script_exists(&[multiply.sha()]).unwrap(), [false]);
        assert_eq!(multiply.call_on::<i64, _>(&client2, "foo", 5).unwrap(), 15);
        // It loaded itself on the second server, and the first still works.
        assert_eq!(client2.script_exists(&[multiply.sha()]).unwrap(), [true]);
        assert_eq!(multiply.call::<i64>("foo", 5).unwrap(), 10);

        // Also on a dedicated connection of the second server.
        let conn = client2.get_connection().unwrap();
        assert_eq!(multiply.call_on::<i64, _>(&conn, "foo", 7).unwrap(), 21);
        assert!(std::ptr::eq(multiply.client(), &client));
    }
}

#[test]
fn register_script_makes_no_server_call() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        reset_stats(&client);

        let source = "return 'registered'";
        let script = client.register_script(source);
        let stats = commandstats(&client);
        let scripting: Vec<&String> = stats
            .keys()
            .filter(|name| name.starts_with("eval") || name.starts_with("script"))
            .collect();
        assert!(scripting.is_empty(), "{scripting:?}");
        assert_eq!(client.script_exists(&[script.sha()]).unwrap(), [false]);
        assert!(!script.exists().unwrap());

        // The local SHA1 is the server's, in lower-case hex.
        assert!(is_lower_hex_sha(script.sha()), "{}", script.sha());
        assert_eq!(script.sha(), script_sha(source));
        assert_eq!(client.script_load(source).unwrap(), script.sha());
        assert_eq!(script.source(), Some(source.as_bytes()));
        assert_eq!(
            script_sha("return 1"),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
    }
}

#[test]
fn bytes_source_with_non_utf8_literal() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        // 0xff, 0xfe, a lone continuation byte and a cut-off sequence: not UTF-8.
        let source: &[u8] = b"return '\xff\xfe\x80 raw \xc3('";
        let script = client.register_script(source);
        assert_eq!(script.source(), Some(source));
        assert_eq!(script.sha(), script_sha(source));
        let reply: Vec<u8> = script.call((), ()).unwrap();
        assert_eq!(reply, b"\xff\xfe\x80 raw \xc3(");
        assert_eq!(client.script_load(source).unwrap(), script.sha());
        // As a String it is a conversion error, not garbage.
        assert!(matches!(
            script.call::<String>((), ()),
            Err(Error::Conversion { .. })
        ));
    }
}

#[test]
fn reload_after_script_flush_counts_round_trips() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let script = client.register_script("return tonumber(ARGV[1]) + 1");
        assert_eq!(script.call::<i64>((), 1).unwrap(), 2);
        assert!(script.exists().unwrap());

        client.script_flush(FlushMode::Sync).unwrap();
        assert!(!script.exists().unwrap());
        reset_stats(&client);

        // First call after the flush: EVALSHA (NOSCRIPT), SCRIPT LOAD, EVALSHA.
        assert_eq!(script.call::<i64>((), 41).unwrap(), 42);
        let stats = commandstats(&client);
        assert_eq!(stat(&stats, "evalsha", "calls"), 2, "{stats:?}");
        assert_eq!(stat(&stats, "evalsha", "failed_calls"), 1, "{stats:?}");
        assert_eq!(stat(&stats, "script|load", "calls"), 1, "{stats:?}");
        assert!(!stats.contains_key("eval"), "never falls back to EVAL");

        // Second call: one EVALSHA, no load.
        assert_eq!(script.call::<i64>((), 9).unwrap(), 10);
        let stats = commandstats(&client);
        assert_eq!(stat(&stats, "evalsha", "calls"), 3, "{stats:?}");
        assert_eq!(stat(&stats, "evalsha", "failed_calls"), 1, "{stats:?}");
        assert_eq!(stat(&stats, "script|load", "calls"), 1, "{stats:?}");
        assert!(!stats.contains_key("eval"));
        assert!(script.exists().unwrap());
    }
}

#[test]
fn call_after_server_restart_reconnects_and_reloads() {
    let mut server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.del("restart:n").unwrap();
        let script = client.register_script("return redis.call('INCR', KEYS[1])");
        assert_eq!(script.call::<i64>("restart:n", ()).unwrap(), 1);
        assert_eq!(script.call::<i64>("restart:n", ()).unwrap(), 2);
        assert!(client.idle_connections() >= 1);

        server.restart();

        // Empty data set, empty script cache, the pooled connection is dead: all handled.
        assert_eq!(script.call::<i64>("restart:n", ()).unwrap(), 1);
        assert!(script.exists().unwrap());
        assert_eq!(script.call::<i64>("restart:n", ()).unwrap(), 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Reply types
// ---------------------------------------------------------------------------------------------

fn run(client: &Client, source: &str) -> Value {
    client
        .register_script(source)
        .call::<Value>((), ())
        .unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

#[test]
fn lua_reply_types_convert() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let resp3 = protocol == Protocol::Resp3;
        let client = server.client_with(protocol);
        let c = &client;

        // Integers and strings.
        assert_eq!(run(c, "return 42"), Value::Int(42));
        assert_eq!(run(c, "return -7"), Value::Int(-7));
        let n: i64 = c.register_script("return 42").call((), ()).unwrap();
        assert_eq!(n, 42);
        assert_eq!(run(c, "return 'hello'"), bulk("hello"));
        let s: String = c.register_script("return 'hello'").call((), ()).unwrap();
        assert_eq!(s, "hello");

        // Lua nil and false are nil; Option gives None.
        assert_eq!(run(c, "return nil"), Value::Nil);
        assert_eq!(run(c, "return false"), Value::Nil);
        let none: Option<i64> = c.register_script("return false").call((), ()).unwrap();
        assert_eq!(none, None);
        let none: Option<String> = c.register_script("return nil").call((), ()).unwrap();
        assert_eq!(none, None);
        let some: Option<i64> = c.register_script("return 5").call((), ()).unwrap();
        assert_eq!(some, Some(5));

        // Lua true is the integer 1 (without redis.setresp(3), in both protocols).
        assert_eq!(run(c, "return true"), Value::Int(1));
        assert!(c
            .register_script("return true")
            .call::<bool>((), ())
            .unwrap());

        // Floats are truncated to integers by the Lua-to-RESP conversion.
        assert_eq!(run(c, "return 3.99"), Value::Int(3));
        assert_eq!(run(c, "return -3.99"), Value::Int(-3));

        // Tables are arrays, nested; a nil ends the array.
        assert_eq!(
            run(c, "return {1, 'two', {3, {4, 'five'}}}"),
            Value::Array(vec![
                Value::Int(1),
                bulk("two"),
                Value::Array(vec![
                    Value::Int(3),
                    Value::Array(vec![Value::Int(4), bulk("five")]),
                ]),
            ])
        );
        let nested: (i64, String, (i64, (i64, String))) = c
            .register_script("return {1, 'two', {3, {4, 'five'}}}")
            .call((), ())
            .unwrap();
        assert_eq!(nested, (1, "two".into(), (3, (4, "five".into()))));
        assert_eq!(
            run(c, "return {1, 2, nil, 4}"),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        );
        assert_eq!(run(c, "return {}"), Value::Array(vec![]));

        // Status replies.
        assert_eq!(
            run(c, "return redis.status_reply('FINE')"),
            Value::SimpleString("FINE".into())
        );
        assert_eq!(run(c, "return redis.status_reply('OK')"), Value::Okay);
        let fine: String = c
            .register_script("return redis.status_reply('FINE')")
            .call((), ())
            .unwrap();
        assert_eq!(fine, "FINE");

        // Error replies made by the script: a server error with its own code.
        let boom = c.register_script("return redis.error_reply('MY_ERR boom')");
        assert_server_error(
            boom.call::<Value>((), ()),
            ServerErrorKind::Other,
            "MY_ERR boom",
        );
        let boom = c.register_script("return redis.error_reply('ERR plain')");
        assert_server_error(
            boom.call::<Value>((), ()),
            ServerErrorKind::Err,
            "ERR plain",
        );
        let boom = c.register_script("return {err='WRONGTYPE made up'}");
        assert_server_error(
            boom.call::<Value>((), ()),
            ServerErrorKind::WrongType,
            "WRONGTYPE made up",
        );
        // An error inside a table stays an element; converting the table surfaces it.
        let inner = c.register_script("return {1, redis.error_reply('INNER oops')}");
        assert_eq!(
            inner.call::<Value>((), ()).unwrap(),
            Value::Array(vec![Value::Int(1), Value::Error("INNER oops".into())])
        );
        assert_server_error(
            inner.call::<Vec<i64>>((), ()),
            ServerErrorKind::Other,
            "INNER oops",
        );

        // RESP3 types, with redis.setresp(3). On a RESP2 connection the server downgrades them.
        let map = run(c, "redis.setresp(3) return {map={a=1}}");
        let set = run(c, "redis.setresp(3) return {set={a=true}}");
        let double = run(c, "redis.setresp(3) return {double=2.75}");
        let t = run(c, "redis.setresp(3) return true");
        let f = run(c, "redis.setresp(3) return false");
        let nil = run(c, "redis.setresp(3) return nil");
        let big = run(
            c,
            "redis.setresp(3) return {big_number='123456789012345678901234567890'}",
        );
        let verbatim = run(
            c,
            "redis.setresp(3) return {verbatim_string={format='txt', string='hi'}}",
        );
        // A {map=...} table is converted even without redis.setresp(3).
        let map_without_setresp = run(c, "return {map={a=1}}");
        if resp3 {
            assert_eq!(map, Value::Map(vec![(bulk("a"), Value::Int(1))]));
            assert_eq!(set, Value::Set(vec![bulk("a")]));
            assert_eq!(double, Value::Double(2.75));
            assert_eq!(t, Value::Boolean(true));
            assert_eq!(f, Value::Boolean(false));
            assert_eq!(
                big,
                Value::BigNumber("123456789012345678901234567890".into())
            );
            assert_eq!(
                verbatim,
                Value::Verbatim {
                    format: *b"txt",
                    text: b"hi".to_vec()
                }
            );
            assert_eq!(
                map_without_setresp,
                Value::Map(vec![(bulk("a"), Value::Int(1))])
            );
        } else {
            assert_eq!(map, Value::Array(vec![bulk("a"), Value::Int(1)]));
            assert_eq!(set, Value::Array(vec![bulk("a")]));
            assert_eq!(double, bulk("2.75"));
            assert_eq!(t, Value::Int(1));
            assert_eq!(f, Value::Int(0));
            assert_eq!(big, bulk("123456789012345678901234567890"));
            assert_eq!(verbatim, bulk("hi"));
            assert_eq!(
                map_without_setresp,
                Value::Array(vec![bulk("a"), Value::Int(1)])
            );
        }
        assert_eq!(nil, Value::Nil);

        // The typed conversions read both protocols the same way.
        let m: HashMap<String, i64> = c
            .register_script("redis.setresp(3) return {map={a=1, b=2}}")
            .call((), ())
            .unwrap();
        assert_eq!(m, HashMap::from([("a".into(), 1), ("b".into(), 2)]));
        let s: std::collections::HashSet<String> = c
            .register_script("redis.setresp(3) return {set={a=true, b=true}}")
            .call((), ())
            .unwrap();
        assert_eq!(s, ["a".to_string(), "b".to_string()].into());
        let d: f64 = c
            .register_script("redis.setresp(3) return {double=2.75}")
            .call((), ())
            .unwrap();
        assert_eq!(d, 2.75);
        let b: bool = c
            .register_script("redis.setresp(3) return false")
            .call((), ())
            .unwrap();
        assert!(!b);
        let big: String = c
            .register_script("redis.setresp(3) return {big_number='-98765432109876543210'}")
            .call((), ())
            .unwrap();
        assert_eq!(big, "-98765432109876543210");
        let v: String = c
            .register_script(
                "redis.setresp(3) return {verbatim_string={format='txt', string='hi'}}",
            )
            .call((), ())
            .unwrap();
        assert_eq!(v, "hi");
    }
}

#[test]
fn redis_call_replies_seen_by_lua_round_trip() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.del("h").unwrap();
        client.hset("h", "f", "v").unwrap();
        // HGETALL inside the script: a flat array in RESP2 mode, a map after setresp(3).
        let resp2_view = run(&client, "return redis.call('HGETALL', 'h')");
        assert_eq!(resp2_view, Value::Array(vec![bulk("f"), bulk("v")]));
        let resp3_view = run(
            &client,
            "redis.setresp(3) return redis.call('HGETALL', 'h')",
        );
        if protocol == Protocol::Resp3 {
            assert_eq!(resp3_view, Value::Map(vec![(bulk("f"), bulk("v"))]));
        } else {
            assert_eq!(resp3_view, Value::Array(vec![bulk("f"), bulk("v")]));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn lua_runtime_and_compile_errors() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);

        let global =
            client.register_script("local a = 1\nlocal b = 2\nreturn undefined_global.field\n");
        let text = format!(
            "ERR user_script:3: Script attempted to access nonexistent global variable \
             'undefined_global' script: {}, on @user_script:3.",
            global.sha()
        );
        assert_script_error(
            global.call::<Value>((), ()),
            &text,
            Some(global.sha()),
            Some(3),
        );
        // Same classification through EVAL.
        assert_script_error(
            client.eval::<Value>(global.source().unwrap(), (), ()),
            &text,
            Some(global.sha()),
            Some(3),
        );

        let boom = client.register_script("local a = 1\nlocal b = 2\nerror('boom')\n");
        let text = format!(
            "ERR user_script:3: boom script: {}, on @user_script:3.",
            boom.sha()
        );
        assert_script_error(boom.call::<Value>((), ()), &text, Some(boom.sha()), Some(3));

        // A compile error: found by SCRIPT LOAD after the NOSCRIPT, so no SHA1 in the text.
        let syntax = client.register_script("local a = 1\nlocal b = 2\nretur 1\n");
        let text =
            "ERR Error compiling script (new function): user_script:3: '=' expected near '1'";
        assert_script_error(syntax.call::<Value>((), ()), text, None, Some(3));
        assert_script_error(syntax.load(), text, None, Some(3));
        assert_script_error(
            client.script_load(syntax.source().unwrap()),
            text,
            None,
            Some(3),
        );
        assert_script_error(
            client.eval::<Value>(syntax.source().unwrap(), (), ()),
            text,
            None,
            Some(3),
        );
        assert!(!syntax.exists().unwrap());

        // A failed script leaves the client usable.
        assert_eq!(client.ping().unwrap(), "PONG");
    }
}

#[test]
fn wrongtype_inside_script_keeps_its_kind() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("a_string", "x").unwrap();
        let push = client.register_script("return redis.call('LPUSH', KEYS[1], 'a')");
        let text = format!(
            "WRONGTYPE Operation against a key holding the wrong kind of value script: {}, on \
             @user_script:1.",
            push.sha()
        );
        assert_server_error(
            push.call::<i64>("a_string", ()),
            ServerErrorKind::WrongType,
            &text,
        );
        // With redis.pcall the script gets the error as a table and returns it untouched.
        let pcall = client.register_script("return redis.pcall('LPUSH', KEYS[1], 'a')");
        assert_server_error(
            pcall.call::<i64>("a_string", ()),
            ServerErrorKind::WrongType,
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        );
        let v: String = client.get("a_string").unwrap();
        assert_eq!(v, "x");
    }
}

// ---------------------------------------------------------------------------------------------
// Big and binary payloads
// ---------------------------------------------------------------------------------------------

#[test]
fn huge_script_and_binary_args_round_trip() {
    let server = RedisServer::start();
    const MIB: usize = 1 << 20;
    let mut source = String::with_capacity(MIB + 64);
    source.push_str("-- ");
    source.extend(std::iter::repeat('p').take(MIB));
    source.push_str("\nreturn #ARGV[1]");
    let big_arg: Vec<u8> = (0..MIB).map(|i| (i * 7 % 256) as u8).collect();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();

        let huge = client.register_script(&source);
        assert_eq!(huge.call::<i64>((), "abc").unwrap(), 3);
        assert_eq!(huge.call::<i64>((), &big_arg).unwrap(), MIB as i64);
        assert_eq!(huge.load().unwrap(), huge.sha());

        let echo = client.register_script("return ARGV[1]");
        for arg in [
            &b"a\0b\0\0c"[..],
            b"\xff\xfe\x80\xc3(",
            b"\0",
            b"",
            b"\r\n$-1\r\n",
        ] {
            let back: Vec<u8> = echo.call((), arg).unwrap();
            assert_eq!(back, arg);
        }
        let back: Vec<u8> = echo.call((), &big_arg).unwrap();
        assert!(back == big_arg, "1 MiB argument came back different");

        // Keys are binary-safe too.
        let keys = client.register_script("return {KEYS[1], KEYS[2], ARGV[1]}");
        let out: Vec<Vec<u8>> = keys
            .call((&b"k\0\xff"[..], &b"\x80"[..]), &b"v\0"[..])
            .unwrap();
        assert_eq!(
            out,
            [b"k\0\xff".to_vec(), b"\x80".to_vec(), b"v\0".to_vec()]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// SCRIPT KILL, BUSY, NOTBUSY, UNKILLABLE
// ---------------------------------------------------------------------------------------------

const SPIN: &str = "local i = 0\nwhile true do i = i + 1 end\n";

#[test]
fn script_kill_stops_a_busy_read_only_script() {
    let server = RedisServer::start_with(&["--busy-reply-threshold", "100"]);
    for protocol in PROTOCOLS {
        // db != 0 and a name: a new connection's handshake needs SELECT (and in RESP2
        // CLIENT SETNAME), which a busy server refuses.
        let client = server
            .builder()
            .protocol(protocol)
            .db(3)
            .client_name("busy-test")
            .build();
        assert_eq!(client.connection_info().db(), 3);
        let spin = client.register_script(SPIN);

        let killed = std::thread::scope(|s| {
            let caller = s.spawn(|| spin.call::<Value>((), ()));
            let busy = wait_for_busy(&client);
            assert_server_error(Err::<(), _>(busy), ServerErrorKind::Busy, BUSY_TEXT);
            // A normal handshake is refused now (SELECT, and CLIENT SETNAME in RESP2) ...
            let refused = client.get_connection().map(drop);
            assert_server_error(refused, ServerErrorKind::Busy, BUSY_TEXT);
            // ... yet SCRIPT KILL gets through the same client.
            client
                .script_kill()
                .expect("SCRIPT KILL through the same client");
            caller.join().unwrap()
        });
        let text = format!(
            "ERR Script killed by user with SCRIPT KILL... script: {}, on @user_script:2.",
            spin.sha()
        );
        assert_script_error(killed, &text, Some(spin.sha()), Some(2));

        // Nothing runs any more.
        assert_server_error(client.script_kill(), ServerErrorKind::NotBusy, NOTBUSY_TEXT);
        assert_server_error(
            client.function_kill(),
            ServerErrorKind::NotBusy,
            NOTBUSY_TEXT,
        );

        // The client works again, on its database and with its name.
        client.set("after_kill", 1).unwrap();
        let name: String = client.query(cmd("CLIENT").arg("GETNAME")).unwrap();
        assert_eq!(name, "busy-test");
        let db0 = server.client_with(protocol);
        assert_eq!(db0.exists("after_kill").unwrap(), 0);
        client.del("after_kill").unwrap();
    }
}

#[test]
fn script_kill_with_nothing_running_is_notbusy() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        assert_server_error(client.script_kill(), ServerErrorKind::NotBusy, NOTBUSY_TEXT);
        let conn = client.get_connection().unwrap();
        assert_server_error(conn.script_kill(), ServerErrorKind::NotBusy, NOTBUSY_TEXT);
    }
}

#[test]
fn script_that_wrote_is_unkillable() {
    for protocol in PROTOCOLS {
        let mut server = RedisServer::start_with(&["--busy-reply-threshold", "100"]);
        let client = server
            .builder()
            .protocol(protocol)
            .db(2)
            .client_name("unkillable-test")
            .build();
        let writer = client.register_script(
            "redis.call('SET', KEYS[1], 'v')\nlocal i = 0\nwhile true do i = i + 1 end\n",
        );
        let caller_result = std::thread::scope(|s| {
            let caller = s.spawn(|| writer.call::<Value>("written", ()));
            let busy = wait_for_busy(&client);
            assert_server_error(Err::<(), _>(busy), ServerErrorKind::Busy, BUSY_TEXT);
            assert_server_error(
                client.script_kill(),
                ServerErrorKind::Unkillable,
                UNKILLABLE_TEXT,
            );
            // Still busy; only SHUTDOWN NOSAVE (or killing the process) ends it. Sent with
            // the handshake a busy server accepts; the server exits without replying.
            let shutdown = client.req_while_busy(cmd("SHUTDOWN").arg("NOSAVE"));
            match shutdown {
                Err(e) => assert!(e.is_connection_broken(), "{e:?}"),
                Ok(v) => panic!("SHUTDOWN NOSAVE replied {v:?}"),
            }
            caller.join().unwrap()
        });
        match caller_result {
            Err(e) => assert!(e.is_connection_broken(), "{e:?}"),
            Ok(v) => panic!("the looping script returned {v:?}"),
        }
        server.kill();
    }
}

// ---------------------------------------------------------------------------------------------
// Read-only calls
// ---------------------------------------------------------------------------------------------

#[test]
fn call_ro_refuses_writes_and_reloads() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        client.set("ro:k", "value").unwrap();

        let writer = client.register_script("redis.call('SET', KEYS[1], ARGV[1]) return 1");
        let text = format!(
            "ERR Write commands are not allowed from read-only scripts. script: {}, on \
             @user_script:1.",
            writer.sha()
        );
        assert_script_error(
            writer.call_ro::<i64>("ro:k", "changed"),
            &text,
            Some(writer.sha()),
            Some(1),
        );
        let v: String = client.get("ro:k").unwrap();
        assert_eq!(v, "value");
        // The same script is fine with EVALSHA.
        assert_eq!(writer.call::<i64>("ro:k", "changed").unwrap(), 1);
        client.set("ro:k", "value").unwrap();

        let reader = client.register_script("return redis.call('GET', KEYS[1])");
        assert_eq!(reader.call_ro::<String>("ro:k", ()).unwrap(), "value");

        client.script_flush(FlushMode::Sync).unwrap();
        reset_stats(&client);
        assert_eq!(reader.call_ro::<String>("ro:k", ()).unwrap(), "value");
        let stats = commandstats(&client);
        assert_eq!(stat(&stats, "evalsha_ro", "calls"), 2, "{stats:?}");
        assert_eq!(stat(&stats, "evalsha_ro", "failed_calls"), 1, "{stats:?}");
        assert_eq!(stat(&stats, "script|load", "calls"), 1, "{stats:?}");
        assert_eq!(stat(&stats, "evalsha", "calls"), 0, "{stats:?}");

        // On another target too.
        let conn = client.get_connection().unwrap();
        assert_eq!(
            reader.call_ro_on::<String, _>(&conn, "ro:k", ()).unwrap(),
            "value"
        );

        // A script declaring no-writes refuses writes even with EVALSHA.
        let flagged = client
            .register_script("#!lua flags=no-writes\nredis.call('SET', KEYS[1], 'x')\nreturn 1");
        let text = format!(
            "ERR Write commands are not allowed from read-only scripts. script: {}, on \
             @user_script:2.",
            flagged.sha()
        );
        assert_script_error(
            flagged.call::<i64>("ro:k", ()),
            &text,
            Some(flagged.sha()),
            Some(2),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Script::from_sha, load, exists
// ---------------------------------------------------------------------------------------------

#[test]
fn from_sha_works_until_flush() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let sha = client.script_load("return ARGV[1] * 3").unwrap();
        let script = Script::from_sha(&client, &sha.to_ascii_uppercase()).unwrap();
        assert_eq!(script.sha(), sha);
        assert_eq!(script.source(), None);
        assert_eq!(script.call::<i64>((), 4).unwrap(), 12);
        assert!(script.exists().unwrap());
        assert!(matches!(script.load(), Err(Error::InvalidArgument { .. })));

        client.script_flush(FlushMode::Sync).unwrap();
        assert!(matches!(script.call::<i64>((), 4), Err(Error::NoScript)));
        assert!(matches!(script.call_ro::<i64>((), 4), Err(Error::NoScript)));
        assert!(!script.exists().unwrap());

        for bad in [
            "",
            "abc",
            &sha[..39],
            &format!("{sha}0"),
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
            " e0e1f9fabfc9d4800c877a703b823ac0578ff8d",
        ] {
            assert!(
                matches!(
                    Script::from_sha(&client, bad),
                    Err(Error::InvalidArgument { .. })
                ),
                "{bad:?}"
            );
        }
    }
}

#[test]
fn load_and_exists() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        let script = client.register_script("return 'loaded'");
        assert!(!script.exists().unwrap());
        assert_eq!(script.load().unwrap(), script.sha());
        assert!(script.exists().unwrap());
        // Loaded scripts are callable with the raw command.
        assert_eq!(
            client.evalsha::<String>(script.sha(), (), ()).unwrap(),
            "loaded"
        );
        client.script_flush(FlushMode::Sync).unwrap();
        assert!(!script.exists().unwrap());

        let other = server.client_with(protocol);
        assert_eq!(script.load_on(&other).unwrap(), script.sha());
        assert!(script.exists().unwrap());
    }
}

#[test]
fn scripting_commands() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        client.set("sc:k", "v").unwrap();

        let n: i64 = client.eval("return #KEYS + #ARGV", ["a", "b"], 1).unwrap();
        assert_eq!(n, 3);
        let keys_and_args: (String, String, String) = client
            .eval("return {KEYS[1], KEYS[2], ARGV[1]}", ("x", "y"), "z")
            .unwrap();
        assert_eq!(keys_and_args, ("x".into(), "y".into(), "z".into()));
        let got: String = client
            .eval_ro("return redis.call('GET', KEYS[1])", "sc:k", ())
            .unwrap();
        assert_eq!(got, "v");
        let write = "return redis.call('SET', KEYS[1], 'w')";
        let text = format!(
            "ERR Write commands are not allowed from read-only scripts. script: {}, on \
             @user_script:1.",
            script_sha(write)
        );
        assert_script_error(
            client.eval_ro::<()>(write, "sc:k", ()),
            &text,
            Some(&script_sha(write)),
            Some(1),
        );

        let a = client
            .script_load("return redis.call('GET', KEYS[1])")
            .unwrap();
        assert_eq!(a, script_sha("return redis.call('GET', KEYS[1])"));
        let b = script_sha("return 'never loaded'");
        assert_eq!(client.script_exists(&[&a, &b]).unwrap(), [true, false]);
        assert_eq!(client.evalsha::<String>(&a, "sc:k", ()).unwrap(), "v");
        assert_eq!(client.evalsha_ro::<String>(&a, "sc:k", ()).unwrap(), "v");
        assert!(matches!(
            client.evalsha::<String>(&b, (), ()),
            Err(Error::NoScript)
        ));
        assert!(matches!(
            client.evalsha_ro::<String>(&b, (), ()),
            Err(Error::NoScript)
        ));

        for mode in [FlushMode::Sync, FlushMode::Async, FlushMode::Default] {
            client
                .script_load("return redis.call('GET', KEYS[1])")
                .unwrap();
            assert_eq!(client.script_exists(&[&a]).unwrap(), [true]);
            client.script_flush(mode).unwrap();
            assert_eq!(client.script_exists(&[&a]).unwrap(), [false], "{mode:?}");
        }

        // The same helpers on a dedicated connection.
        let conn = client.get_connection().unwrap();
        let n: i64 = conn.eval("return 7", (), ()).unwrap();
        assert_eq!(n, 7);
        assert_eq!(
            conn.script_load("return 7").unwrap(),
            script_sha("return 7")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[test]
fn eight_threads_share_one_script_and_client() {
    const THREADS: i64 = 8;
    const CALLS: i64 = 10_000;
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        client.del("threads:counter").unwrap();
        reset_stats(&client);
        let script = client
            .register_script("local n = redis.call('INCRBY', KEYS[1], 1) return {n, ARGV[1] * 2}");
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let script = &script;
                s.spawn(move || {
                    let mut last = 0;
                    for i in 0..CALLS {
                        let arg = t * 100_000 + i;
                        let (n, doubled): (i64, i64) = script.call("threads:counter", arg).unwrap();
                        assert_eq!(doubled, arg * 2);
                        assert!(n > last && n <= THREADS * CALLS, "{n} after {last}");
                        last = n;
                    }
                });
            }
        });
        let total: i64 = client.get("threads:counter").unwrap();
        assert_eq!(total, THREADS * CALLS);
        assert!(client.idle_connections() <= THREADS as usize);

        let stats = commandstats(&client);
        let loads = stat(&stats, "script|load", "calls");
        let evalshas = stat(&stats, "evalsha", "calls");
        assert!((1..=THREADS as u64).contains(&loads), "{stats:?}");
        assert_eq!(evalshas, (THREADS * CALLS) as u64 + loads, "{stats:?}");
        assert!(!stats.contains_key("eval"));
    }
}

// ---------------------------------------------------------------------------------------------
// Functions (Redis 7)
// ---------------------------------------------------------------------------------------------

const MYLIB: &str =
    "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)";
const ROLIB: &str = "#!lua name=rolib
redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}}
redis.register_function('setter', function(keys, args) return redis.call('SET', keys[1], args[1]) end)
redis.register_function{function_name='described', callback=function(keys, args) return 1 end, description='says one', flags={'no-writes', 'allow-stale'}}
redis.register_function{function_name='ro_writer', callback=function(keys, args)
  return redis.call('SET', keys[1], 'x')
end, flags={'no-writes'}}";
const OTHERLIB: &str =
    "#!lua name=otherlib\nredis.register_function('hello', function() return 'Hello World' end)";
const FUNCTION_NOT_FOUND: &str = "ERR Function not found";

#[test]
fn function_load_replace_and_fcall() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();

        assert_eq!(client.function_load(MYLIB, false).unwrap(), "mylib");
        assert_server_error(
            client.function_load(MYLIB, false),
            ServerErrorKind::Err,
            "ERR Library 'mylib' already exists",
        );
        assert_eq!(client.function_load(MYLIB, true).unwrap(), "mylib");
        assert_eq!(
            client.fcall::<String>("myfunc", (), "hello").unwrap(),
            "hello"
        );
        // A function without the no-writes flag cannot run with FCALL_RO, even if it reads.
        let ro_refused = "ERR Can not execute a script with write flag using *_ro command.";
        assert_server_error(
            client.fcall_ro::<String>("myfunc", (), "hello"),
            ServerErrorKind::Err,
            ro_refused,
        );

        assert_eq!(client.function_load(ROLIB, false).unwrap(), "rolib");
        client.fcall::<()>("setter", "f:k", "v1").unwrap();
        assert_eq!(client.fcall_ro::<String>("ro", "f:k", ()).unwrap(), "v1");
        assert_eq!(client.fcall::<String>("ro", "f:k", ()).unwrap(), "v1");
        assert_server_error(
            client.fcall_ro::<()>("setter", "f:k", "v2"),
            ServerErrorKind::Err,
            ro_refused,
        );
        let v: String = client.get("f:k").unwrap();
        assert_eq!(v, "v1");
        // A no-writes function that writes anyway: a script error naming the function.
        assert_script_error(
            client.fcall::<()>("ro_writer", "f:k", ()),
            "ERR Write commands are not allowed from read-only scripts. script: ro_writer, on \
             @user_function:6.",
            None,
            Some(6),
        );
        assert_server_error(
            client.fcall::<()>("nofunc", (), ()),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );
        // A library without the shebang, and one with a compile error.
        assert_server_error(
            client.function_load(
                "redis.register_function('x', function() return 1 end)",
                false,
            ),
            ServerErrorKind::Err,
            "ERR Missing library metadata",
        );
        assert_script_error(
            client.function_load("#!lua name=broken\nlocal x = = 1", false),
            "ERR Error compiling function: user_function:2: unexpected symbol near '='",
            None,
            Some(2),
        );
    }
}

#[test]
fn function_list_is_typed() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();
        assert!(client.function_list(None, false).unwrap().is_empty());
        client.function_load(MYLIB, false).unwrap();
        client.function_load(ROLIB, false).unwrap();

        let mut libs = client.function_list(None, false).unwrap();
        libs.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = libs.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["mylib", "rolib"]);
        for lib in &libs {
            assert_eq!(lib.engine, "LUA");
            assert_eq!(lib.code, None);
        }
        assert_eq!(libs[0].functions.len(), 1);
        let myfunc = &libs[0].functions[0];
        assert_eq!(myfunc.name, "myfunc");
        assert_eq!(myfunc.description, None);
        assert!(myfunc.flags.is_empty());

        let mut functions = libs[1].functions.clone();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        let summary: Vec<(&str, Option<&str>, Vec<&str>)> = functions
            .iter()
            .map(|f| {
                let mut flags: Vec<&str> = f.flags.iter().map(String::as_str).collect();
                flags.sort_unstable();
                (f.name.as_str(), f.description.as_deref(), flags)
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "described",
                    Some("says one"),
                    vec!["allow-stale", "no-writes"]
                ),
                ("ro", None, vec!["no-writes"]),
                ("ro_writer", None, vec!["no-writes"]),
                ("setter", None, vec![]),
            ]
        );

        let with_code = client.function_list(Some("my*"), true).unwrap();
        assert_eq!(with_code.len(), 1);
        assert_eq!(with_code[0].name, "mylib");
        assert_eq!(with_code[0].code.as_deref(), Some(MYLIB));
        assert_eq!(with_code[0].functions, libs[0].functions);

        let all_code = client.function_list(None, true).unwrap();
        assert!(all_code.iter().all(|l| l.code.is_some()));
        assert!(client
            .function_list(Some("nomatch*"), true)
            .unwrap()
            .is_empty());
    }
}

#[test]
fn function_delete_and_flush() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();
        client.function_load(MYLIB, false).unwrap();
        assert_eq!(client.fcall::<String>("myfunc", (), "x").unwrap(), "x");
        client.function_delete("mylib").unwrap();
        assert_server_error(
            client.fcall::<String>("myfunc", (), "x"),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );
        assert_server_error(
            client.function_delete("mylib"),
            ServerErrorKind::Err,
            "ERR Library not found",
        );
        // Loadable again without replace once deleted.
        assert_eq!(client.function_load(MYLIB, false).unwrap(), "mylib");

        for mode in [FlushMode::Sync, FlushMode::Async, FlushMode::Default] {
            client.function_load(MYLIB, true).unwrap();
            client.function_load(OTHERLIB, true).unwrap();
            assert_eq!(client.function_list(None, false).unwrap().len(), 2);
            client.function_flush(mode).unwrap();
            assert!(
                client.function_list(None, false).unwrap().is_empty(),
                "{mode:?}"
            );
            assert_server_error(
                client.fcall::<String>("hello", (), ()),
                ServerErrorKind::Err,
                FUNCTION_NOT_FOUND,
            );
        }
    }
}

#[test]
fn function_dump_and_restore() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();
        client.function_load(MYLIB, false).unwrap();
        let payload = client.function_dump().unwrap();
        assert!(!payload.is_empty());

        client.function_flush(FlushMode::Sync).unwrap();
        assert_server_error(
            client.fcall::<String>("myfunc", (), "x"),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );

        client
            .function_restore(&payload, RestorePolicy::Append)
            .unwrap();
        assert_eq!(
            client.fcall::<String>("myfunc", (), "back").unwrap(),
            "back"
        );

        // Appending a library that exists fails; replacing works.
        let append_again = client.function_restore(&payload, RestorePolicy::Append);
        assert_server_error(
            append_again,
            ServerErrorKind::Err,
            "ERR Library mylib already exists",
        );
        client
            .function_restore(&payload, RestorePolicy::Replace)
            .unwrap();
        assert_eq!(client.fcall::<String>("myfunc", (), "r").unwrap(), "r");

        // FLUSH drops the libraries that are not in the payload.
        client.function_load(OTHERLIB, false).unwrap();
        assert_eq!(
            client.fcall::<String>("hello", (), ()).unwrap(),
            "Hello World"
        );
        client
            .function_restore(&payload, RestorePolicy::Flush)
            .unwrap();
        assert_server_error(
            client.fcall::<String>("hello", (), ()),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );
        let libs = client.function_list(None, true).unwrap();
        assert_eq!(libs.len(), 1);
        assert_eq!(libs[0].code.as_deref(), Some(MYLIB));

        assert_server_error(
            client.function_restore(b"not a payload", RestorePolicy::Append),
            ServerErrorKind::Err,
            "ERR DUMP payload version or checksum are wrong",
        );
    }
}

#[test]
fn function_stats_and_kill_when_idle() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();

        let stats = client.function_stats().unwrap();
        assert_eq!(stats.running_script, None);
        let lua = stats.engines["LUA"];
        assert_eq!((lua.libraries_count, lua.functions_count), (0, 0));

        client.function_load(MYLIB, false).unwrap();
        client.function_load(ROLIB, false).unwrap();
        let stats = client.function_stats().unwrap();
        assert_eq!(stats.running_script, None);
        assert_eq!(stats.engines.len(), 1, "{stats:?}");
        let lua = stats.engines["LUA"];
        assert_eq!((lua.libraries_count, lua.functions_count), (2, 5));

        assert_server_error(
            client.function_kill(),
            ServerErrorKind::NotBusy,
            NOTBUSY_TEXT,
        );
    }
}

#[test]
fn function_kill_stops_a_running_function() {
    let server = RedisServer::start_with(&["--busy-reply-threshold", "100"]);
    let spinlib = "#!lua name=spinlib\nredis.register_function{function_name='spin', \
                   callback=function(keys, args)\nlocal i = 0 while true do i = i + 1 end\nend, \
                   flags={'no-writes'}}";
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .db(5)
            .client_name("function-kill-test")
            .build();
        client.function_load(spinlib, true).unwrap();

        let killed = std::thread::scope(|s| {
            let caller = s.spawn(|| client.fcall::<Value>("spin", (), "arg1"));
            let busy = wait_for_busy(&client);
            assert_server_error(
                Err::<(), _>(busy),
                ServerErrorKind::Busy,
                "BUSY Redis is busy running a script. You can only call FUNCTION KILL or \
                 SHUTDOWN NOSAVE.",
            );
            // FUNCTION STATS gets through too, and names the running function.
            let stats = client.function_stats().unwrap();
            let running = stats.running_script.expect("a running function");
            assert_eq!(running.name, "spin");
            assert_eq!(running.command, ["FCALL", "spin", "0", "arg1"]);
            assert!(running.duration_ms >= 0);
            // SCRIPT KILL does not stop a function.
            assert_server_error(
                client.script_kill(),
                ServerErrorKind::Busy,
                "BUSY Redis is busy running a script. You can only call FUNCTION KILL or \
                 SHUTDOWN NOSAVE.",
            );
            client.function_kill().expect("FUNCTION KILL");
            caller.join().unwrap()
        });
        assert_script_error(
            killed,
            "ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:3.",
            None,
            Some(3),
        );
        assert_server_error(
            client.function_kill(),
            ServerErrorKind::NotBusy,
            NOTBUSY_TEXT,
        );
        assert_eq!(client.function_stats().unwrap().running_script, None);
    }
}
