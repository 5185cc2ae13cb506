//! A `ScriptCode` kept in a struct beside its client or in a `static`, and `SCRIPT FLUSH` seen
//! by every pooled connection.

use super::*;

// ---------------------------------------------------------------------------------------------
// ScriptCode in a struct and in a static
// ---------------------------------------------------------------------------------------------

const CAPPED: &str = "local n = redis.call('INCR', KEYS[1]) \
                      if n > tonumber(ARGV[1]) then return -1 end return n";

/// A script kept beside the client it runs on: no borrow between the fields.
struct Limiter {
    client: Client,
    script: ScriptCode,
    limit: i64,
}

impl Limiter {
    fn hit(&self, who: &str) -> redline::Result<bool> {
        let n: i64 = self.script.call_on(&self.client, who, self.limit)?;
        Ok(n >= 0)
    }
}

#[test]
fn script_code_in_a_struct_beside_its_client_from_many_threads() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        observer.flushdb().unwrap();
        observer.script_flush(FlushMode::Sync).unwrap();
        let loads = calls(&observer, "script|load");
        let limiter = Limiter {
            client: server.client_with(protocol),
            script: ScriptCode::new(CAPPED),
            limit: 300,
        };
        let allowed = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        if limiter.hit("ada").unwrap() {
                            allowed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(allowed.load(Ordering::Relaxed), 300, "{protocol:?}");
        assert_eq!(observer.get::<i64>("ada").unwrap(), 400);
        // Each thread's first call may have found it missing; none after its own load.
        let loaded = calls(&observer, "script|load") - loads;
        assert!((1..=8).contains(&loaded), "{loaded} loads");

        // The struct owns everything: it can move to a thread of its own.
        let limiter = Arc::new(limiter);
        let shared = Arc::clone(&limiter);
        let hit = std::thread::spawn(move || shared.hit("bob").unwrap());
        assert!(hit.join().unwrap());
        assert_eq!(observer.get::<i64>("bob").unwrap(), 1);
    }
}

static COUNTED: ScriptCode = ScriptCode::from_static(INCRBY);

#[test]
fn static_script_code_runs_on_clients_connections_and_pipelines() {
    let server = RedisServer::start();
    assert_eq!(COUNTED.sha(), script_sha(INCRBY));
    assert_eq!(COUNTED.source(), Some(INCRBY.as_bytes()));
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        client.script_flush(FlushMode::Sync).unwrap();
        assert!(!COUNTED.exists_on(&client).unwrap());

        assert_eq!(COUNTED.call_on::<i64, _>(&client, "s", 1).unwrap(), 1);
        assert!(COUNTED.exists_on(&client).unwrap());
        assert_eq!(COUNTED.bind(&client).call::<i64>("s", 2).unwrap(), 3);
        let conn = client.get_connection().unwrap();
        assert_eq!(COUNTED.call_on::<i64, _>(&conn, "s", 3).unwrap(), 6);
        let (a, b): (i64, i64) = client
            .pipeline()
            .script(&COUNTED, "s", 4)
            .script(&COUNTED, "s", 5)
            .execute()
            .unwrap();
        assert_eq!((a, b), (10, 15));

        // Flushed: a pipeline on a fresh client loads it again, and so does a call.
        client.script_flush(FlushMode::Sync).unwrap();
        let (c,): (i64,) = server
            .client_with(protocol)
            .pipeline()
            .script(&COUNTED, "s", 1)
            .execute()
            .unwrap();
        assert_eq!(c, 16);
        client.script_flush(FlushMode::Sync).unwrap();
        assert_eq!(COUNTED.call_on::<i64, _>(&conn, "s", 1).unwrap(), 17);

        // The same static from threads at once.
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..25 {
                        COUNTED.call_on::<i64, _>(&client, "t", 1).unwrap();
                    }
                });
            }
        });
        assert_eq!(client.get::<i64>("t").unwrap(), 100);
    }
}

#[test]
fn script_code_from_sha_runs_while_cached_then_is_noscript() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        let src = "return 'known'";
        let sha = client.script_load(src).unwrap();
        let code = ScriptCode::from_sha(&sha.to_uppercase()).unwrap();
        assert_eq!(code.sha(), sha);
        assert!(code.source().is_none());
        assert_eq!(code.call_on::<String, _>(&client, (), ()).unwrap(), "known");
        assert_eq!(code.bind(&client).call::<String>((), ()).unwrap(), "known");
        let t = ReqOnly::new(client.clone());
        assert_eq!(code.call_on::<String, _>(&t, (), ()).unwrap(), "known");
        assert_eq!(t.sent(), ["EVALSHA"]);

        client.script_flush(FlushMode::Sync).unwrap();
        let conn = client.get_connection().unwrap();
        for (what, result) in [
            ("client", code.call_on::<Value, _>(&client, (), ())),
            ("bound", code.bind(&client).call::<Value>((), ())),
            ("connection", code.call_on::<Value, _>(&conn, (), ())),
            ("req only", code.call_on::<Value, _>(&t, (), ())),
        ] {
            assert!(matches!(result, Err(Error::NoScript)), "{what}: {result:?}");
        }
        // Nothing to load it with: the req-only target tried EVALSHA alone.
        assert_eq!(t.sent(), ["EVALSHA"]);
        assert!(matches!(
            code.load_on(&client),
            Err(Error::InvalidArgument { .. })
        ));
        // In a pipeline, on the pool and through `req`, it is that command's NOSCRIPT.
        for target in [&client as &dyn ConnectionLike, &conn, &t] {
            let err = Pipeline::new(target)
                .set("k", 1)
                .script(&code, (), ())
                .execute::<Vec<Value>>()
                .unwrap_err();
            let (index, _, source) = pipeline_error(err);
            assert_eq!(index, 1);
            assert!(matches!(source, Error::NoScript), "{source:?}");
        }
    }
}

#[test]
fn script_code_round_trips_through_a_script() {
    let server = RedisServer::start();
    let client = server.client();
    client.set("m", 3).unwrap();
    let script = client.register_script(MULTIPLY);
    let code: ScriptCode = script.code().clone();
    assert_eq!(code.sha(), script.sha());
    assert_eq!(code.source(), script.source());
    assert_eq!(&code, script.code());
    assert_eq!(code.source(), Some(MULTIPLY.as_bytes()));

    let rebound = code.bind(&client);
    assert_eq!(rebound.sha(), script.sha());
    assert_eq!(rebound.call::<i64>("m", 4).unwrap(), 12);
    assert_eq!(script.call::<i64>("m", 5).unwrap(), 15);

    // Known by its SHA1 alone it is the same script, and runs while the server has it.
    let by_sha = ScriptCode::from_sha(script.sha()).unwrap();
    assert_eq!(by_sha, code);
    assert_eq!(by_sha.call_on::<i64, _>(&client, "m", 2).unwrap(), 6);
    assert_ne!(ScriptCode::new("return 2"), code);

    // The code outlives the script it came from; Debug shows the SHA1, not the source.
    drop(script);
    assert_eq!(code.call_on::<i64, _>(&client, "m", 1).unwrap(), 3);
    let shown = format!("{code:?}");
    assert!(shown.contains(code.sha()), "{shown}");
    assert!(!shown.contains("redis.call"), "{shown}");
}

#[test]
fn pipeline_after_its_own_connections_script_flush_loads_the_script() {
    let server = RedisServer::start();
    let mut failures = Vec::new();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let conn = client.get_connection().unwrap();
        let run = |target: &dyn ConnectionLike| {
            Pipeline::new(target)
                .script(&COUNTED, "own", 1)
                .execute::<(i64,)>()
        };
        for (what, target) in [
            ("connection", &conn as &dyn ConnectionLike),
            ("client", &client),
        ] {
            client.del("own").unwrap();
            run(target).unwrap();
            // The flush goes through the very connection that runs the next batch (the
            // client's pool holds one connection here).
            target.script_flush(FlushMode::Sync).unwrap();
            assert_eq!(client.pool_stats().open, 1);
            let again = run(target);
            if !matches!(again, Ok((2,))) {
                failures.push(format!("{what} {protocol:?}: {again:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// After a `SCRIPT FLUSH` sent through one pooled connection, no connection of that client
/// believes the script is loaded: every one's next pipeline (plain or atomic) loads it in its
/// own write, and nothing is partly applied.
#[test]
fn script_flush_through_a_client_reaches_every_pooled_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let threads = 6;
        let run_all = |atomic: bool| {
            std::thread::scope(|s| {
                for t in 0..threads {
                    let client = &client;
                    s.spawn(move || {
                        let key = format!("flush:{t}");
                        let mut pipe = client.pipeline();
                        if atomic {
                            pipe.atomic();
                        }
                        let (set, n): (bool, i64) = pipe
                            .set(format!("{key}:side"), 1)
                            .script(&COUNTED, &key, 1)
                            .execute()
                            .unwrap_or_else(|e| panic!("{protocol:?} atomic={atomic}: {e}"));
                        assert!(set);
                        n
                    });
                }
            })
        };
        // Warm several pooled connections, each learning the script is loaded.
        for _ in 0..3 {
            run_all(false);
        }
        let opened = client.pool_stats().open;
        assert!(
            opened >= 2,
            "{protocol:?}: only {opened} pooled connections"
        );
        for atomic in [false, true, false] {
            client.script_flush(FlushMode::Sync).unwrap();
            run_all(atomic);
        }
        for t in 0..threads {
            assert_eq!(
                client.get::<i64>(format!("flush:{t}")).unwrap(),
                6,
                "{protocol:?}"
            );
        }
    }
}

/// The same, deterministic: a connection that learned the script, then sat idle while another
/// connection of the pool sent `SCRIPT FLUSH`, must load the script again in its next batch.
#[test]
fn a_flush_on_one_pooled_connection_is_seen_by_another() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        // Runs `f` on the pool while another pooled connection is held busy, so that `f` gets
        // a different connection than the one on top of the idle stack.
        let beside_a_held_one = |f: &dyn Fn()| {
            let (held, release) = (Barrier::new(2), Barrier::new(2));
            std::thread::scope(|s| {
                s.spawn(|| {
                    client
                        .transaction::<_, (), _>(["w"], |_, _| {
                            held.wait();
                            release.wait();
                            Ok(())
                        })
                        .unwrap();
                });
                held.wait();
                f();
                release.wait();
            });
        };
        let run = || {
            let (n,): (i64,) = client
                .pipeline()
                .script(&COUNTED, "seen", 1)
                .execute()
                .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
            n
        };
        // Two connections: A (held above, then on top of the idle stack) and B.
        run();
        beside_a_held_one(&|| {
            run();
        });
        assert_eq!(client.pool_stats().open, 2, "{protocol:?}");
        // Both know the script now: each ran it (B in the closure, A before).
        beside_a_held_one(&|| {
            run();
        });
        // The flush goes out on the connection on top of the stack...
        client.script_flush(FlushMode::Sync).unwrap();
        // ...and the other one, which ran the script before, runs the next batch.
        beside_a_held_one(&|| {
            run();
        });
        assert_eq!(client.get::<i64>("seen").unwrap(), 4, "{protocol:?}");
    }
}
