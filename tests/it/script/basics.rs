//! `Script`: the walkthrough, registration and reloading.

use super::*;

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
        // Bound to the client it was registered on (`target()` replaced `client()`).
        let target = multiply.target() as *const dyn redline::ConnectionLike as *const u8;
        assert!(std::ptr::eq(
            target,
            &client as *const redline::Client as *const u8
        ));
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
