//! Read-only calls, `Script::from_sha`, load, exists, the scripting commands, threads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Read-only calls
// ---------------------------------------------------------------------------------------------

#[test]
fn call_ro_refuses_writes_and_reloads() {
    skip_unless!(has_redis7_scripting(), NEEDS_RO);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        client.set("ro:k", "value").unwrap();

        let writer = client.register_script("redis.call('SET', KEYS[1], ARGV[1]) return 1");
        let text = script_error_text(
            "ERR Write commands are not allowed from read-only scripts.",
            writer.sha(),
            "@user_script:1",
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
        let text = script_error_text(
            "ERR Write commands are not allowed from read-only scripts.",
            flagged.sha(),
            "@user_script:2",
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
        if supported!(has_redis7_scripting(), NEEDS_RO) {
            assert!(matches!(script.call_ro::<i64>((), 4), Err(Error::NoScript)));
        }
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
        let read_only = supported!(has_redis7_scripting(), NEEDS_RO);
        if read_only {
            let got: String = client
                .eval_ro("return redis.call('GET', KEYS[1])", "sc:k", ())
                .unwrap();
            assert_eq!(got, "v");
            let write = "return redis.call('SET', KEYS[1], 'w')";
            let text = script_error_text(
                "ERR Write commands are not allowed from read-only scripts.",
                &script_sha(write),
                "@user_script:1",
            );
            assert_script_error(
                client.eval_ro::<()>(write, "sc:k", ()),
                &text,
                named_sha(&script_sha(write)),
                Some(1),
            );
        }

        let a = client
            .script_load("return redis.call('GET', KEYS[1])")
            .unwrap();
        assert_eq!(a, script_sha("return redis.call('GET', KEYS[1])"));
        let b = script_sha("return 'never loaded'");
        assert_eq!(client.script_exists(&[&a, &b]).unwrap(), [true, false]);
        assert_eq!(client.evalsha::<String>(&a, "sc:k", ()).unwrap(), "v");
        assert!(matches!(
            client.evalsha::<String>(&b, (), ()),
            Err(Error::NoScript)
        ));
        if read_only {
            assert_eq!(client.evalsha_ro::<String>(&a, "sc:k", ()).unwrap(), "v");
            assert!(matches!(
                client.evalsha_ro::<String>(&b, (), ()),
                Err(Error::NoScript)
            ));
        }

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
