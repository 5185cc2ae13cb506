//! The connection pool: threads, dedicated connections, idle caps, the size limit and its
//! wait, stats, and `SCRIPT KILL` while every pooled connection is busy.

use super::*;
use redline::{PoolStats, ScriptCode, ScriptingCommands};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// The pool
// ---------------------------------------------------------------------------------------------

#[test]
fn pool_shared_across_threads() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let key = format!("counter:{protocol:?}");
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        client.incr(&key).unwrap();
                    }
                });
            }
        });
        assert_eq!(client.get::<i64>(&key).unwrap(), 8000);
        let idle = client.idle_connections();
        assert!((1..=8).contains(&idle), "idle {idle}");
        // The server agrees: it has exactly the pooled connections of this protocol (the
        // one running CLIENT LIST is one of them).
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        if supported!(server_kind().redis_version >= (7, 0, 0), NEEDS_RESP_FIELD) {
            let list: String = client.query(&command(&["CLIENT", "LIST"])).unwrap();
            let resp = format!("resp={proto}");
            let ours = list
                .lines()
                .filter(|l| l.split(' ').any(|field| field == resp))
                .count();
            assert_eq!(ours, idle, "{list}");
        }
        // A clone shares the pool.
        let clone = client.clone();
        clone.ping().unwrap();
        assert_eq!(clone.idle_connections(), client.idle_connections());
    }
}

#[test]
fn dedicated_connection_is_separate_from_pool() {
    let server = RedisServer::start();
    let client = server.client();
    client.ping().unwrap();
    assert_eq!(client.idle_connections(), 1);
    let pooled_id: i64 = client.query(&command(&["CLIENT", "ID"])).unwrap();

    let conn = client.get_connection().unwrap();
    let conn_id: i64 = conn.query(&command(&["CLIENT", "ID"])).unwrap();
    assert_ne!(conn_id, pooled_id);
    // The pooled connection stays the same one and the pool does not grow or shrink.
    assert_eq!(
        client.query::<i64>(&command(&["CLIENT", "ID"])).unwrap(),
        pooled_id
    );
    assert_eq!(client.idle_connections(), 1);
    // State on the dedicated connection does not leak into the pool.
    let _: () = conn.query(&command(&["SELECT", "5"])).unwrap();
    conn.set("in-db-5", 1).unwrap();
    assert_eq!(client.get::<Option<i64>>("in-db-5").unwrap(), None);
    drop(conn);
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(
        client.query::<i64>(&command(&["CLIENT", "ID"])).unwrap(),
        pooled_id
    );
}

#[test]
fn max_idle_caps_the_pool() {
    let server = RedisServer::start();
    let client = server.builder().max_idle(2).build();
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| {
                for _ in 0..200 {
                    client.incr("n").unwrap();
                }
            });
        }
    });
    assert_eq!(client.get::<i64>("n").unwrap(), 1200);
    assert!(client.idle_connections() <= 2);
}

// ---------------------------------------------------------------------------------------------
// Size limit, waiting, stats
// ---------------------------------------------------------------------------------------------

/// Sets a flag when dropped, also by a panic, to stop a watcher thread.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// (open, idle, in_use, opened, discarded, timeouts)
fn counts(stats: PoolStats) -> (usize, usize, usize, u64, u64, u64) {
    (
        stats.open,
        stats.idle,
        stats.in_use,
        stats.opened,
        stats.discarded,
        stats.timeouts,
    )
}

#[test]
fn max_connections_caps_the_pool_under_contention() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let name = format!("capped-{protocol:?}");
        let client = server
            .builder()
            .protocol(protocol)
            .client_name(&name)
            .max_connections(2)
            .build();
        let sampler = server
            .builder()
            .protocol(protocol)
            .client_name("sampler")
            .build();
        let ours = |sampler: &Client| {
            let list: String = sampler.query(&command(&["CLIENT", "LIST"])).unwrap();
            let tag = format!(" name={name} ");
            list.lines().filter(|l| l.contains(&tag)).count()
        };
        assert_eq!(ours(&sampler), 0);
        let key = format!("capped:{protocol:?}");
        let done = AtomicBool::new(false);
        let (most, samples) = std::thread::scope(|s| {
            let stop = SetOnDrop(&done);
            let watcher = s.spawn(|| {
                let (mut most, mut samples) = (0, 0);
                let deadline = Instant::now() + Duration::from_secs(60);
                // At least one sample: on a fast server the workers may finish before the
                // watcher's first look.
                loop {
                    most = most.max(ours(&sampler));
                    samples += 1;
                    if done.load(Ordering::SeqCst) || Instant::now() >= deadline {
                        break;
                    }
                }
                (most, samples)
            });
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        for _ in 0..200 {
                            client.incr(&key).unwrap();
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.join().unwrap();
            }
            drop(stop);
            watcher.join().unwrap()
        });
        assert_eq!(client.get::<i64>(&key).unwrap(), 1600);
        assert!(samples > 0);
        assert!(
            most <= 2,
            "the server saw {most} of our connections at once"
        );
        let stats = client.pool_stats();
        assert!((1..=2).contains(&stats.opened), "{stats:?}");
        assert!(stats.open <= 2, "{stats:?}");
        assert_eq!(
            (
                stats.in_use,
                stats.discarded,
                stats.timeouts,
                stats.max_size
            ),
            (0, 0, 0, 2),
            "{stats:?}"
        );
        // The server agrees with the stats once the workers are done.
        assert_eq!(ours(&sampler), stats.open);
    }
}

#[test]
fn a_full_pool_times_out_after_its_wait_then_recovers() {
    let server = RedisServer::start();
    let client = server
        .builder()
        .max_connections(1)
        .pool_wait_timeout(Some(Duration::from_millis(200)))
        .build();
    client.ping().unwrap();
    let (held_tx, held_rx) = mpsc::channel();
    std::thread::scope(|s| {
        // A transaction holds the only pooled connection while its closure runs.
        let holder = s.spawn(|| {
            client.transaction::<_, (i64,), _>("held", |_conn, pipe| {
                let _ = held_tx.send(());
                std::thread::sleep(Duration::from_millis(1500));
                pipe.incr_by("held", 1);
                Ok(())
            })
        });
        held_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the holder got the connection");
        assert_eq!(counts(client.pool_stats()), (1, 0, 1, 1, 0, 0));

        let started = Instant::now();
        let err = client.get::<Option<i64>>("k").unwrap_err();
        let waited = started.elapsed();
        match &err {
            Error::PoolTimeout {
                max_connections: 1,
                waited,
            } => assert_eq!(*waited, Duration::from_millis(200)),
            other => panic!("expected PoolTimeout, got {other:?}"),
        }
        assert!(err.is_timeout());
        assert!(!err.is_connection_broken());
        assert!(
            waited >= Duration::from_millis(150) && waited < Duration::from_secs(1),
            "gave up after {waited:?}"
        );
        assert_eq!(client.pool_stats().timeouts, 1);

        // A script call and a pipeline wait and give up the same way.
        let script = ScriptCode::new("return 1").call_on::<i64, _>(&client, (), ());
        assert!(
            matches!(script, Err(Error::PoolTimeout { .. })),
            "{script:?}"
        );
        let pipe = client.pipeline().get("k").execute::<Vec<Value>>();
        assert!(matches!(pipe, Err(Error::PoolTimeout { .. })), "{pipe:?}");
        assert_eq!(client.pool_stats().timeouts, 3);

        assert_eq!(holder.join().unwrap().unwrap(), (1,));
    });
    // The connection came back: calls succeed on it, and nothing new was opened.
    assert_eq!(client.get::<i64>("held").unwrap(), 1);
    assert_eq!(counts(client.pool_stats()), (1, 1, 0, 1, 0, 3));
}

#[test]
fn pool_stats_count_open_idle_in_use_and_discarded() {
    let server = RedisServer::start();
    let killer = server.client();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .max_connections(4)
            .max_idle(1)
            .build();
        assert_eq!(counts(client.pool_stats()), (0, 0, 0, 0, 0, 0));
        assert_eq!(client.pool_stats().max_size, 4);
        client.ping().unwrap();
        assert_eq!(counts(client.pool_stats()), (1, 1, 0, 1, 0, 0));

        // During a transaction its connection is in use; a call made meanwhile opens a
        // second one, which goes back idle.
        let mut during = Vec::new();
        let _: Vec<Value> = client
            .transaction("k", |_conn, _pipe| {
                during.push(client.pool_stats());
                client.ping().unwrap();
                during.push(client.pool_stats());
                Ok(())
            })
            .unwrap();
        let during: Vec<_> = during.into_iter().map(counts).collect();
        assert_eq!(
            during,
            [(1, 0, 1, 1, 0, 0), (2, 1, 1, 2, 0, 0)],
            "{protocol:?}"
        );
        // Back from the transaction, past max_idle(1): that connection is discarded.
        assert_eq!(counts(client.pool_stats()), (1, 1, 0, 2, 1, 0));

        // A connection the server closed is discarded at the next checkout (idle ones are
        // probed after 1 ms), and the call runs on a fresh one.
        let id: i64 = client.query(&command(&["CLIENT", "ID"])).unwrap();
        let killed: i64 = killer
            .query(&command(&["CLIENT", "KILL", "ID", &id.to_string()]))
            .unwrap();
        assert_eq!(killed, 1);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(client.get::<Option<i64>>("nothing").unwrap(), None);
        assert_eq!(
            counts(client.pool_stats()),
            (1, 1, 0, 3, 2, 0),
            "{protocol:?}"
        );
        let fresh: i64 = client.query(&command(&["CLIENT", "ID"])).unwrap();
        assert_ne!(fresh, id);
    }
}

/// `total_connections_received` from `INFO stats`.
fn connections_received(observer: &Client) -> u64 {
    let text = observer.info(Some("stats")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .expect("total_connections_received")
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn function_stats_reuses_the_pooled_connection() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    let observer = server.client();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let before = connections_received(&observer);
        for _ in 0..20 {
            let stats = client.function_stats().unwrap();
            assert!(stats.running_script.is_none());
            assert!(stats.engines.contains_key("LUA"), "{:?}", stats.engines);
        }
        let after = connections_received(&observer);
        assert_eq!(
            after - before,
            1,
            "{protocol:?}: one connection for 20 calls"
        );
        assert_eq!(counts(client.pool_stats()), (1, 1, 0, 1, 0, 0));
    }
}

// ---------------------------------------------------------------------------------------------
// SCRIPT KILL while the only pooled connection runs the script
// ---------------------------------------------------------------------------------------------

/// Kills the server if the test panics, so a spinning script cannot hang it.
struct KillOnPanic<'a>(&'a mut RedisServer);

impl Drop for KillOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.kill();
        }
    }
}

#[test]
fn script_kill_gets_through_while_the_only_pooled_connection_runs_the_script() {
    let mut server = RedisServer::start_with(&["--lua-time-limit", "100"]);
    for protocol in PROTOCOLS {
        // db != 0 and a name: a normal handshake needs SELECT, which a busy server refuses.
        let client = server
            .builder()
            .protocol(protocol)
            .db(3)
            .client_name("spin-pool")
            .max_connections(1)
            .pool_wait_timeout(Some(Duration::from_millis(300)))
            .build();
        let observer = server.client_with(protocol);
        observer.ping().unwrap(); // connected before the server gets busy
        client.ping().unwrap();
        let spin = ScriptCode::new("local i = 0\nwhile true do i = i + 1 end\n");
        spin.load_on(&client).unwrap();

        let spun = std::thread::scope(|s| {
            let _guard = KillOnPanic(&mut server);
            let caller = s.spawn(|| spin.call_on::<Value, _>(&client, (), ()));
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match observer.get::<Option<String>>("probe") {
                    Err(e) if e.server_kind() == Some(ServerErrorKind::Busy) => break,
                    Ok(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    other => panic!("the server never got busy: {other:?}"),
                }
            }
            // The pool is exhausted: an ordinary call waits and gives up...
            let waited = client.get::<Option<i64>>("k");
            assert!(
                matches!(waited, Err(Error::PoolTimeout { .. })),
                "{waited:?}"
            );
            // ... but SCRIPT KILL gets through, on a busy-safe connection of its own.
            client.script_kill().expect("SCRIPT KILL");
            caller.join().unwrap()
        });
        match spun {
            Err(Error::Script { message, .. }) => {
                assert!(message.contains("Script killed by user"), "{message}")
            }
            other => panic!("the spinning script returned {other:?}"),
        }

        // The pool recovers: the script's connection came back in step, on its db with its
        // name, and the SCRIPT KILL connection was never pooled.
        client.set("after_kill", 1).unwrap();
        assert_eq!(client.get::<i64>("after_kill").unwrap(), 1);
        let name: String = client.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "spin-pool");
        assert_eq!(observer.exists("after_kill").unwrap(), 0, "db 0 untouched");
        assert_eq!(
            counts(client.pool_stats()),
            (1, 1, 0, 1, 0, 1),
            "{protocol:?}"
        );
        client.del("after_kill").unwrap();
    }
}

/// After `fork()`, the child's calls never go through the parent's pooled connections: it
/// opens its own, and the parent's connection still works afterwards.
#[test]
fn a_forked_child_opens_its_own_connections() {
    let server = RedisServer::start();
    let client = server.client();
    let parent_id: i64 = client.query(&command(&["CLIENT", "ID"])).unwrap();
    assert_eq!(client.pool_stats().idle, 1);
    // SAFETY (test only): the child uses only this thread's client and leaves with `_exit`,
    // running no destructor of the parent's test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = match client.query::<i64>(&command(&["CLIENT", "ID"])) {
            Ok(id) if id != parent_id && client.incr("forked").is_ok() => 0,
            Ok(_) => 1,
            Err(_) => 2,
        };
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        // SAFETY: waits for our own child without blocking.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            break;
        }
        if std::time::Instant::now() > deadline {
            // SAFETY: our own child, stuck.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the forked child did not finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(libc::WIFEXITED(status), "status {status}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "the child reused the parent's connection"
    );
    assert_eq!(client.get::<i64>("forked").unwrap(), 1);
    // The parent's pooled connection is the same one, still in step.
    let again: i64 = client.query(&command(&["CLIENT", "ID"])).unwrap();
    assert_eq!(again, parent_id);
}
