//! Script preload costs: loads, checks and round trips per pipeline.

use super::*;

// ---------------------------------------------------------------------------------------------
// Script preload: how many loads, checks and round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn commandstats_names_on_this_server() {
    // Documents the field names the other tests rely on.
    let server = RedisServer::start();
    let client = server.client();
    let observer = server.client();
    let sha = client.script_load("return 1").unwrap();
    client.script_exists(&[&sha]).unwrap();
    client.evalsha::<i64>(&sha, (), ()).unwrap();
    let stats = Stats::of(&observer);
    if server_kind().redis_version >= (7, 0, 0) {
        assert_eq!(stats.calls("script|load"), 1, "{stats:?}");
        assert_eq!(stats.calls("script|exists"), 1, "{stats:?}");
    } else {
        // Redis 6 counts every SCRIPT subcommand as `script`.
        assert_eq!(stats.calls("script"), 2, "{stats:?}");
    }
    assert_eq!(stats.calls("evalsha"), 1, "{stats:?}");
}

#[test]
fn two_script_objects_with_one_body_are_loaded_once() {
    let server = RedisServer::start();
    let client = server.client();
    let observer = server.client();
    let a = client.register_script(MULTIPLY);
    let b = client.register_script(MULTIPLY);
    assert_eq!(a.sha(), b.sha());
    let conn = client.get_connection().unwrap();
    let before = Stats::of(&observer);
    let (_, x, y, z): ((), i64, i64, i64) = conn
        .pipeline()
        .set("n", 3)
        .script(&a, "n", 2)
        .script(&b, "n", 3)
        .script(&a, "n", 4)
        .execute()
        .unwrap();
    let after = Stats::of(&observer);
    assert_eq!((x, y, z), (6, 9, 12));
    assert_eq!(script_deltas(&before, &after), (1, 0, 3));
}

#[test]
fn hundred_distinct_small_scripts_are_each_loaded_once() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let observer = server.client();
        client.script_flush(FlushMode::Sync).unwrap();
        let scripts: Vec<_> = (0..100)
            .map(|i| client.register_script(format!("return {i} + tonumber(ARGV[1])")))
            .collect();
        let conn = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let mut pipe = conn.pipeline();
        for (i, s) in scripts.iter().enumerate() {
            pipe.script(s, (), 1000);
            // Every script twice, so that a second use is not a second load.
            pipe.script(s, (), i as i64);
        }
        let results: Vec<i64> = pipe.execute().unwrap();
        let after = Stats::of(&observer);
        let expected: Vec<i64> = (0..100).flat_map(|i| [i + 1000, 2 * i]).collect();
        assert_eq!(results, expected);
        assert_eq!(
            script_deltas(&before, &after),
            (100, 0, 200),
            "{protocol:?}"
        );
    }
}

#[test]
fn scripts_over_the_inline_limit_cost_one_script_exists() {
    let server = RedisServer::start();
    let client = server.client();
    let observer = server.client();
    // 100 scripts of about 1 KiB each: 100 KiB in all, over the 64 KiB inline limit.
    let scripts: Vec<_> = (0..100)
        .map(|i| client.register_script(format!("-- {}\nreturn {i}", "y".repeat(1024))))
        .collect();
    // Ten of them are already in the server's cache.
    for s in &scripts[..10] {
        s.load().unwrap();
    }
    let conn = client.get_connection().unwrap();
    let before = Stats::of(&observer);
    let mut pipe = conn.pipeline();
    for s in &scripts {
        pipe.script(s, (), ());
    }
    let results: Vec<i64> = pipe.execute().unwrap();
    let after = Stats::of(&observer);
    assert_eq!(results, (0..100).collect::<Vec<i64>>());
    assert_eq!(script_deltas(&before, &after), (90, 1, 100));

    // Now the connection knows all of them.
    let before = Stats::of(&observer);
    let mut pipe = conn.pipeline();
    for s in &scripts {
        pipe.script(s, (), ());
    }
    pipe.execute::<()>().unwrap();
    let after = Stats::of(&observer);
    assert_eq!(script_deltas(&before, &after), (0, 0, 100));
}

#[test]
fn preload_cost_counted_with_commandstats() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let observer = server.client();
        let tag = format!("{protocol:?}");
        let small = client.register_script(format!("-- {tag}\n{MULTIPLY}"));
        let large = client.register_script(large_source(&tag));
        assert!(large.source().unwrap().len() > 64 * 1024);
        let conn = client.get_connection().unwrap();

        // First batch with a new small script: one SCRIPT LOAD, no SCRIPT EXISTS.
        let before = Stats::of(&observer);
        let r: ((), i64, i64) = conn
            .pipeline()
            .set("k", 2)
            .script(&small, "k", 3)
            .script(&small, "k", 4)
            .execute()
            .unwrap();
        let after = Stats::of(&observer);
        assert_eq!(r, ((), 6, 8));
        assert_eq!(script_deltas(&before, &after), (1, 0, 2), "{tag} first");

        // Second batch on the same connection: the small script is loaded again in the batch's
        // own write (so that another client's SCRIPT FLUSH meanwhile cannot fail it), still no
        // SCRIPT EXISTS and no extra round trip.
        let before = Stats::of(&observer);
        let r: ((), i64, i64) = conn
            .pipeline()
            .set("k", 3)
            .script(&small, "k", 3)
            .script(&small, "k", 4)
            .execute()
            .unwrap();
        let after = Stats::of(&observer);
        assert_eq!(r, ((), 9, 12));
        assert_eq!(script_deltas(&before, &after), (1, 0, 2), "{tag} second");

        // A large script, new to the server: one SCRIPT EXISTS, one SCRIPT LOAD.
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn.pipeline().script(&large, (), 41).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 42);
        assert_eq!(
            script_deltas(&before, &after),
            (1, 1, 1),
            "{tag} large first"
        );

        // Again on the same connection: over the inline limit and known, nothing extra (the
        // one case where a foreign flush since the last load can still fail the batch).
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn.pipeline().script(&large, (), 1).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 2);
        assert_eq!(
            script_deltas(&before, &after),
            (0, 0, 1),
            "{tag} large again"
        );

        // A new connection, the large script already cached: one SCRIPT EXISTS, no load.
        let conn2 = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn2.pipeline().script(&large, (), 2).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 3);
        assert_eq!(
            script_deltas(&before, &after),
            (0, 1, 1),
            "{tag} large new conn"
        );

        // A new connection and a small script the server already has: loaded inline anyway
        // (cheaper than asking), still no SCRIPT EXISTS.
        let conn3 = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn3.pipeline().script(&small, "k", 1).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 3);
        assert_eq!(
            script_deltas(&before, &after),
            (1, 0, 1),
            "{tag} small new conn"
        );

        // Atomic, on a fresh connection, small + large together: both loaded inside the
        // transaction (no SCRIPT EXISTS: what it answers could be stale by EXEC).
        let conn4 = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let (a, b): (i64, i64) = conn4
            .pipeline()
            .atomic()
            .script(&small, "k", 2)
            .script(&large, (), 5)
            .execute()
            .unwrap();
        let after = Stats::of(&observer);
        assert_eq!((a, b), (6, 6));
        assert_eq!(
            script_deltas(&before, &after),
            (2, 0, 2),
            "{tag} mixed atomic"
        );
        assert_eq!(before.delta(&after, "multi"), 1);
        assert_eq!(before.delta(&after, "exec"), 1);
    }
}

#[test]
fn preload_round_trips_counted_with_a_proxy() {
    let server = RedisServer::start();
    let observer = server.client();
    for protocol in PROTOCOLS {
        observer.script_flush(FlushMode::Sync).unwrap();
        let proxy = CountingProxy::start(server.port());
        let client = Client::builder()
            .host("127.0.0.1")
            .port(proxy.port())
            .protocol(protocol)
            .read_timeout(Some(Duration::from_secs(10)))
            .build();
        let small = client.register_script(MULTIPLY);
        let other_small = client.register_script("return 'other'");
        let large = client.register_script(large_source("proxy"));
        let conn = client.get_connection().unwrap();
        let tag = format!("{protocol:?}");

        // New small script: the SCRIPT LOAD travels in the batch's one write.
        let mark = proxy.flight_count();
        let r: ((), i64, i64) = conn
            .pipeline()
            .set("k", 2)
            .script(&small, "k", 3)
            .script(&small, "k", 4)
            .execute()
            .unwrap();
        assert_eq!(r, ((), 6, 8));
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&["SCRIPT LOAD", "SET", "EVALSHA", "EVALSHA"])],
            "{tag}"
        );

        // Known small script: loaded again, in the same one flight.
        let mark = proxy.flight_count();
        conn.pipeline()
            .set("k", 2)
            .script(&small, "k", 3)
            .execute::<Vec<Value>>()
            .unwrap();
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&["SCRIPT LOAD", "SET", "EVALSHA"])],
            "{tag}"
        );

        // Atomic with a known and a new small script: both loaded inside the transaction, right
        // after MULTI (whatever the connection believes). The connection's first transaction
        // sends MULTI alone (a server that refuses it would run the rest one by one); later
        // ones send everything in one write.
        for first in [true, false] {
            let mark = proxy.flight_count();
            let (s, o): (i64, String) = conn
                .pipeline()
                .atomic()
                .script(&small, "k", 5)
                .script(&other_small, (), ())
                .execute()
                .unwrap();
            assert_eq!((s, o.as_str()), (10, "other"));
            let body = ["SCRIPT LOAD", "SCRIPT LOAD", "EVALSHA", "EVALSHA", "EXEC"];
            let expected = if first {
                vec![names(&["MULTI"]), names(&body)]
            } else {
                vec![names(&[&["MULTI"][..], &body[..]].concat())]
            };
            assert_eq!(proxy.flights_since(mark), expected, "{tag} first: {first}");
        }

        // Large new script: one SCRIPT EXISTS round trip, then LOAD + batch in one write.
        let mark = proxy.flight_count();
        let (v,): (i64,) = conn.pipeline().script(&large, (), 1).execute().unwrap();
        assert_eq!(v, 2);
        assert_eq!(
            proxy.flights_since(mark),
            vec![
                names(&["SCRIPT EXISTS"]),
                names(&["SCRIPT LOAD", "EVALSHA"])
            ],
            "{tag}"
        );

        // A second connection: the large script is cached, so EXISTS then just the batch.
        let conn2 = client.get_connection().unwrap();
        let mark = proxy.flight_count();
        let (v,): (i64,) = conn2.pipeline().script(&large, (), 2).execute().unwrap();
        assert_eq!(v, 3);
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&["SCRIPT EXISTS"]), names(&["EVALSHA"])],
            "{tag}"
        );

        // An empty pipeline sends nothing, atomic or not.
        let mark = proxy.flight_count();
        assert!(conn.pipeline().execute::<Vec<Value>>().unwrap().is_empty());
        assert!(conn.pipeline().atomic().execute_raw().unwrap().is_empty());
        conn.pipeline().atomic().execute::<()>().unwrap();
        assert_eq!(proxy.flight_count(), mark, "{tag}");

        // A batch of 2,000 commands (about 60 KiB) is one write.
        let mark = proxy.flight_count();
        let mut pipe = conn.pipeline();
        for i in 0..2000 {
            pipe.set(format!("key:{i}"), i);
        }
        let replies: Vec<Value> = pipe.execute().unwrap();
        assert_eq!(replies.len(), 2000);
        let flights = proxy.flights_since(mark);
        assert_eq!(flights.len(), 1, "{tag}");
        assert_eq!(flights[0].len(), 2000);
        assert!(proxy.connections.load(Ordering::SeqCst) >= 2);
    }
}
