//! Transactions, `WATCH` conflicts and retries.

use super::*;

// ---------------------------------------------------------------------------------------------
// Transactions and WATCH
// ---------------------------------------------------------------------------------------------

#[test]
fn transaction_retries_after_a_watch_conflict() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let other = server.client();
        client.set("k", 1).unwrap();
        let mut attempts = 0;
        let (ok, value): (bool, i64) = client
            .transaction(["k"], |conn, pipe| {
                attempts += 1;
                let current: i64 = conn.get("k")?;
                if attempts == 1 {
                    // Another client changes the key between WATCH and EXEC.
                    other.set("k", 100)?;
                }
                pipe.set("k", current + 1).get("k");
                Ok(())
            })
            .unwrap();
        assert_eq!(attempts, 2, "{protocol:?}");
        assert!(ok);
        assert_eq!(value, 101);
        assert_eq!(client.get::<i64>("k").unwrap(), 101);
    }
}

#[test]
fn transaction_with_a_script_and_a_conflict() {
    let server = RedisServer::start();
    let client = server.client();
    let other = server.client();
    let multiply = client.register_script(MULTIPLY);
    client.set("k", 2).unwrap();
    let mut attempts = 0;
    let (product,): (i64,) = client
        .transaction(["k"], |conn, pipe| {
            attempts += 1;
            let current: i64 = conn.get("k")?;
            if attempts == 1 {
                other.set("k", 3)?;
                // A flush as well: the script must still get loaded for the retry.
                other.script_flush(FlushMode::Sync)?;
            }
            pipe.set("k", current).ignore().script(&multiply, "k", 10);
            Ok(())
        })
        .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(product, 30);
}

#[test]
fn four_threads_increment_one_key_with_transactions() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("counter", 0).unwrap();
        let attempts = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..250 {
                        let _: Vec<Value> = client
                            .transaction(["counter"], |conn, pipe| {
                                attempts.fetch_add(1, Ordering::Relaxed);
                                let n: i64 = conn.get("counter")?;
                                pipe.set("counter", n + 1);
                                Ok(())
                            })
                            .unwrap();
                    }
                });
            }
        });
        assert_eq!(client.get::<i64>("counter").unwrap(), 1000, "{protocol:?}");
        let attempts = attempts.into_inner();
        assert!(attempts >= 1000);
        println!("{protocol:?}: 1000 transactions took {attempts} attempts");
    }
}

#[test]
fn transaction_closure_error_is_returned_and_leaves_no_watch() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.builder().protocol(protocol).max_idle(1).build();
        let other = server.client();
        client.flushdb().unwrap();
        client.set("k", 1).unwrap();
        client.set("text", "abc").unwrap();
        let mut calls = 0;
        let err = client
            .transaction(["k"], |conn, pipe| {
                calls += 1;
                pipe.set("k", 2);
                let _: i64 = conn.incr("text")?; // fails: not an integer
                Ok(())
            })
            .map(|(): ()| ())
            .unwrap_err();
        assert_eq!(calls, 1, "a closure error is not retried");
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
        assert!(err.to_string().contains("not an integer"), "{err}");
        assert_eq!(client.get::<i64>("k").unwrap(), 1, "nothing was queued");

        // The pooled connection went back clean: change the watched key elsewhere, then an
        // atomic batch on the same (only) pooled connection must not see a conflict.
        assert_eq!(client.idle_connections(), 1);
        other.set("k", 50).unwrap();
        let (v,): (i64,) = client
            .pipeline()
            .atomic()
            .incr_by("k", 1)
            .execute()
            .unwrap();
        assert_eq!(v, 51, "{protocol:?}");

        // A user error value works the same way.
        let err = client
            .transaction(["k"], |_, _| {
                Err(Error::InvalidArgument {
                    reason: "refused by the closure".into(),
                })
            })
            .map(|(): ()| ())
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument { reason } if reason == "refused by the closure"),
            "{err:?}"
        );
        other.set("k", 60).unwrap();
        let (v,): (i64,) = client
            .pipeline()
            .atomic()
            .incr_by("k", 1)
            .execute()
            .unwrap();
        assert_eq!(v, 61);
    }
}

#[test]
fn transaction_that_queues_nothing_leaves_no_watch() {
    let server = RedisServer::start();
    let client = server.builder().max_idle(1).build();
    let other = server.client();
    client.set("k", 1).unwrap();
    // A read-only "transaction": the closure decides there is nothing to write.
    let out: Vec<Value> = client
        .transaction(["k"], |conn, _pipe| {
            let _: i64 = conn.get("k")?;
            Ok(())
        })
        .unwrap();
    assert!(out.is_empty());
    assert_eq!(client.idle_connections(), 1);
    // The watched key changes; a later atomic batch on the same pooled connection must not
    // be aborted by a WATCH left behind.
    other.set("k", 2).unwrap();
    let (v,): (i64,) = client
        .pipeline()
        .atomic()
        .incr_by("k", 1)
        .execute()
        .expect("a WATCH from an earlier empty transaction aborted this batch");
    assert_eq!(v, 3);
}

#[test]
fn manual_watch_on_a_connection_gives_watch_conflict() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let other = server.client();
        client.set("k", 1).unwrap();
        let conn = client.get_connection().unwrap();
        conn.query::<()>(cmd("WATCH").arg("k")).unwrap();
        other.set("k", 2).unwrap();
        let err = conn
            .pipeline()
            .atomic()
            .set("k", 3)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert!(matches!(err, Error::WatchConflict), "{protocol:?}: {err:?}");
        assert_eq!(client.get::<i64>("k").unwrap(), 2);
        // EXEC cleared the WATCH; the connection is still usable.
        other.set("k", 4).unwrap();
        let (v,): (i64,) = conn.pipeline().atomic().incr_by("k", 1).execute().unwrap();
        assert_eq!(v, 5);
    }
}

#[test]
fn a_transaction_failing_before_exec_leaves_no_watch() {
    // A user who may not run SCRIPT LOAD: the load a transaction queues after MULTI is
    // refused, so the batch fails (EXEC aborts it) with the key watched. The connection must
    // go back to the pool without that WATCH. (A transaction used to fail before EXEC here, at
    // a SCRIPT EXISTS ahead of MULTI; it now loads its scripts inside MULTI and asks nothing.)
    let server = RedisServer::start();
    let admin = server.client();
    // Redis 6.2 cannot take one subcommand away: no SCRIPT at all there.
    let deny = if server_kind().redis_version >= (7, 0, 0) {
        "-script|load"
    } else {
        "-script"
    };
    let _: () = admin
        .query(
            cmd("ACL")
                .arg("SETUSER")
                .arg("limited")
                .arg("on")
                .arg(">pw")
                .arg("~*")
                .arg("+@all")
                .arg(deny),
        )
        .unwrap();
    let client = server
        .builder()
        .username("limited")
        .password("pw")
        .max_idle(1)
        .build();
    let big = client.register_script(format!("-- {}\nreturn 1", "x".repeat(70 * 1024)));
    let err = client
        .transaction(["watched"], |_conn, pipe| {
            pipe.script(&big, (), ());
            Ok(())
        })
        .map(|_: Vec<Value>| ())
        .unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::NoPerm), "{err:?}");
    // Another client changes the key the failed transaction watched.
    admin.set("watched", 1).unwrap();
    // An unrelated transaction on the same pooled connection must not see a stale WATCH.
    let (ok,): (bool,) = client
        .pipeline()
        .atomic()
        .set("other", 1)
        .execute()
        .unwrap();
    assert!(ok);
}

#[test]
fn transaction_gives_up_after_its_attempts_on_watch_conflicts() {
    let server = RedisServer::start();
    let client = server.client();
    let other = server.client();
    client.set("contended", 0).unwrap();
    // Another client writes the watched key inside every attempt: EXEC is always refused.
    let mut attempts = 0;
    let err = client
        .transaction_retries::<_, (), _>(["contended"], 3, |conn, pipe| {
            attempts += 1;
            let n: i64 = conn.get("contended")?;
            other.set("contended", n + 100).unwrap();
            pipe.set("contended", n + 1).ignore();
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::WatchConflict), "{err:?}");
    assert_eq!(attempts, 3);
    assert_eq!(client.get::<i64>("contended").unwrap(), 300);
    // The pooled connection carries no WATCH: a transaction on it goes through at once.
    let mut again = 0;
    client
        .transaction_retries::<_, (), _>(["contended"], 1, |_, pipe| {
            again += 1;
            pipe.set("contended", 7).ignore();
            Ok(())
        })
        .unwrap();
    assert_eq!((again, client.get::<i64>("contended").unwrap()), (1, 7));
}

/// A user denied `MULTI`: the server refuses it, and then runs every command queued behind it
/// as a plain command, one by one. An atomic batch must refuse to run instead, applying nothing.
#[test]
fn an_atomic_batch_is_refused_whole_when_multi_is_denied() {
    let server = RedisServer::start();
    let admin = server.client();
    let _: () = admin
        .query(
            cmd("ACL")
                .arg("SETUSER")
                .arg("nomulti")
                .arg("on")
                .arg(">pw")
                .arg("~*")
                .arg("+@all")
                .arg("-multi"),
        )
        .unwrap();
    let client = server.builder().username("nomulti").password("pw").build();
    let script = client.register_script("return redis.call('SET', KEYS[1], ARGV[1])");
    for _ in 0..2 {
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .script(&script, "b", 2)
            .incr("c")
            .execute::<()>()
            .unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoPerm), "{err:?}");
        let applied: i64 = admin
            .query(cmd("EXISTS").arg("a").arg("b").arg("c"))
            .unwrap();
        assert_eq!(
            applied, 0,
            "a refused transaction applied some of its commands"
        );
    }
    // The same connection still works for what the user may do.
    client.set("d", 4).unwrap();
    let (d,): (i64,) = client.pipeline().get("d").execute().unwrap();
    assert_eq!(d, 4);
    // On a Connection too.
    let conn = client.get_connection().unwrap();
    let err = conn
        .pipeline()
        .atomic()
        .set("a", 1)
        .execute::<()>()
        .unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::NoPerm), "{err:?}");
    assert_eq!(admin.exists("a").unwrap(), 0);
}
