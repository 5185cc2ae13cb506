//! `NOSCRIPT` after another client flushed the script cache.

use super::*;

// ---------------------------------------------------------------------------------------------
// NOSCRIPT after another client flushed the cache
// ---------------------------------------------------------------------------------------------

/// Another client flushes the cache between two batches. A batch whose scripts come to at
/// most 64 KiB loads them again in its own write and succeeds; a transaction loads inside
/// itself whatever the size. Only a plain batch whose scripts are over that limit, and known to
/// the connection, fails once with NOSCRIPT on that command (nothing replayed), and the next
/// batch loads it again.
#[test]
fn script_flushed_by_another_client_between_batches() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        for (atomic, large) in [(false, false), (true, false), (true, true), (false, true)] {
            let client = server.client_with(protocol);
            let other = server.client();
            let observer = server.client();
            client.flushdb().unwrap();
            let source = if large {
                format!("-- {}\n{MULTIPLY}", "x".repeat(66 * 1024))
            } else {
                MULTIPLY.to_string()
            };
            let multiply = client.register_script(source);
            let conn = client.get_connection().unwrap();
            let batch = |v: i64| {
                let mut pipe = conn.pipeline();
                if atomic {
                    pipe.atomic();
                }
                pipe.set("x", v)
                    .script(&multiply, "x", 2)
                    .set("y", v)
                    .execute::<((), i64, ())>()
            };
            let tag = format!("{protocol:?} atomic={atomic} large={large}");
            assert_eq!(batch(1).unwrap().1, 2);
            other.script_flush(FlushMode::Sync).unwrap();
            assert!(!multiply.exists().unwrap());

            if atomic || !large {
                let before = Stats::of(&observer);
                assert_eq!(batch(5).unwrap().1, 10, "{tag}");
                let after = Stats::of(&observer);
                assert_eq!(before.delta(&after, "script|load"), 1, "{tag}");
                assert_eq!(before.delta(&after, "set"), 2, "{tag}");
                assert!(multiply.exists().unwrap());
                continue;
            }
            // The connection believes the large script is cached: NOSCRIPT on that command,
            // the other commands applied, nothing replayed.
            let before = Stats::of(&observer);
            let err = batch(5).unwrap_err();
            let after = Stats::of(&observer);
            let (index, command, source) = pipeline_error(err);
            assert_eq!(index, 1, "{tag}");
            assert!(command.starts_with("EVALSHA"), "{command}");
            assert!(matches!(source, Error::NoScript), "{source:?}");
            assert_eq!(client.get::<i64>("x").unwrap(), 5);
            assert_eq!(client.get::<i64>("y").unwrap(), 5);
            assert_eq!(before.delta(&after, "set"), 2, "the batch was not replayed");
            assert_eq!(before.delta(&after, "evalsha"), 1);
            assert_eq!(before.delta(&after, "script|load"), 0);

            // The next batch on the same connection checks whether the large script is there
            // (SCRIPT EXISTS), loads it again and succeeds.
            let before = Stats::of(&observer);
            assert_eq!(batch(7).unwrap().1, 14, "{tag}");
            let after = Stats::of(&observer);
            assert_eq!(script_deltas(&before, &after), (1, 1, 1), "{tag}");
            assert!(multiply.exists().unwrap());
        }
    }
}

#[test]
fn flushed_script_with_execute_raw_gives_the_noscript_reply() {
    let server = RedisServer::start();
    let client = server.client();
    let other = server.client();
    // Over the inline limit: a known one is not loaded again with each batch.
    let multiply = client.register_script(format!("-- {}\n{MULTIPLY}", "x".repeat(66 * 1024)));
    let conn = client.get_connection().unwrap();
    conn.pipeline()
        .set("x", 3)
        .script(&multiply, "x", 3)
        .execute::<Vec<Value>>()
        .unwrap();
    other.script_flush(FlushMode::Async).unwrap();
    let raw = conn
        .pipeline()
        .set("x", 4)
        .script(&multiply, "x", 3)
        .execute_raw()
        .unwrap();
    assert_eq!(raw.len(), 2);
    assert_eq!(raw[0], Value::Okay);
    match &raw[1] {
        Value::Error(m) => assert!(m.starts_with("NOSCRIPT"), "{m}"),
        other => panic!("expected a NOSCRIPT error reply, got {other:?}"),
    }
    let raw = conn
        .pipeline()
        .script(&multiply, "x", 3)
        .execute_raw()
        .unwrap();
    assert_eq!(raw, vec![Value::Int(12)]);
}

#[test]
fn pooled_client_reloads_after_a_flush() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.builder().protocol(protocol).max_idle(1).build();
        let other = server.client();
        let multiply = client.register_script(MULTIPLY);
        let (_, v): ((), i64) = client
            .pipeline()
            .set("x", 2)
            .script(&multiply, "x", 2)
            .execute()
            .unwrap();
        assert_eq!(v, 4);
        other.script_flush(FlushMode::Sync).unwrap();
        // The first batch may see NOSCRIPT (the pooled connection knew the script), but the
        // one after it must succeed.
        let first = client
            .pipeline()
            .script(&multiply, "x", 3)
            .execute::<(i64,)>();
        if let Err(e) = first {
            let (index, _, source) = pipeline_error(e);
            assert_eq!(index, 0);
            assert!(matches!(source, Error::NoScript), "{source:?}");
        }
        let (v,): (i64,) = client
            .pipeline()
            .script(&multiply, "x", 3)
            .execute()
            .unwrap();
        assert_eq!(v, 6);
        // A plain Script::call after a flush reloads transparently.
        other.script_flush(FlushMode::Sync).unwrap();
        assert_eq!(multiply.call::<i64>("x", 4).unwrap(), 8);
    }
}

#[test]
fn a_script_that_failed_to_compile_is_not_remembered_as_cached() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let broken = client.register_script("return +");
    let err = broken.call_on::<(), _>(&conn, (), ()).unwrap_err();
    assert!(matches!(err, Error::Script { .. }), "{err:?}");
    // The same connection must still try to load it before a batch, and report the compile
    // error, not a NOSCRIPT from skipping the load.
    let err = conn
        .pipeline()
        .script(&broken, (), ())
        .execute::<Vec<Value>>()
        .unwrap_err();
    match err {
        Error::Pipeline { source, .. } => {
            assert!(matches!(*source, Error::Script { .. }), "{source:?}")
        }
        other => panic!("{other:?}"),
    }
}

/// An atomic batch that carries a script is all or nothing while another client flushes the
/// script cache every 5 ms: every batch succeeds (its scripts are loaded inside the
/// transaction), and the plain command beside the script was applied exactly as often as the
/// script ran.
#[test]
fn atomic_batches_stay_whole_under_a_flush_storm() {
    let server = RedisServer::start();
    let client = server.client();
    client.flushdb().unwrap();
    let bump = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (mut ok, mut failed) = (0i64, Vec::new());
    std::thread::scope(|s| {
        s.spawn(|| {
            let flusher = server.client();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                flusher.script_flush(FlushMode::Sync).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            let result: Result<(i64, i64), Error> = client
                .pipeline()
                .atomic()
                .incr_by("plain", 1)
                .script(&bump, "scripted", 1)
                .execute();
            match result {
                Ok((a, b)) if a == b => ok += 1,
                other => failed.push(format!("{other:?}")),
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    assert!(ok > 100, "only {ok} batches in 2 s");
    assert_eq!(client.get::<i64>("plain").unwrap(), ok);
    assert_eq!(client.get::<i64>("scripted").unwrap(), ok);
}
