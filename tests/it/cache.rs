//! Client-side caching against real servers: what is served from the cache, invalidations
//! from other clients' writes, the documented guarantee under concurrent writes (8 reader
//! threads), prefixes, limits, scripts, and a lost tracking connection or server restart.

use crate::support::{has_redis7_scripting, RedisServer, PROTOCOLS};
use redline::{cmd, CacheOptions, Client, Commands, ConnectionLike};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

fn cached(server: &RedisServer, options: CacheOptions) -> Client {
    server.builder().client_cache(options).build()
}

#[test]
fn reads_are_served_from_the_cache_until_a_write_invalidates_them() {
    let server = RedisServer::start();
    let writer = server.client();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .client_cache(CacheOptions::new().prefix("c:"))
            .build();
        writer.set("c:a", 1).unwrap();
        assert_eq!(client.get::<i64>("c:a").unwrap(), 1);
        assert_eq!(client.get::<i64>("c:a").unwrap(), 1);
        let stats = client.cache_stats().unwrap();
        assert_eq!((stats.misses, stats.hits), (1, 1), "{protocol:?}");
        // Another client's write, then a round trip by this client (the guarantee's
        // condition): the next read goes to the server.
        writer.set("c:a", 2).unwrap();
        client.ping().unwrap();
        assert_eq!(client.get::<i64>("c:a").unwrap(), 2);
        // So does this client's own write.
        client.set("c:a", 3).unwrap();
        assert_eq!(client.get::<i64>("c:a").unwrap(), 3);
        // Hashes, MGET, missing keys.
        writer
            .hset_multiple("c:h", [("f", "x"), ("g", "y")])
            .unwrap();
        for _ in 0..2 {
            assert_eq!(client.hget::<String>("c:h", "f").unwrap(), "x");
            let all: HashMap<String, String> = client.hgetall("c:h").unwrap();
            assert_eq!(all.len(), 2);
            let both: Vec<Option<i64>> = client.mget(["c:a", "c:missing"]).unwrap();
            assert_eq!(both, [Some(3), None]);
        }
        writer.hset("c:h", "f", "z").unwrap();
        client.cache_sync().unwrap(); // the strict form of the round trip
        assert_eq!(client.hget::<String>("c:h", "f").unwrap(), "z");
        let all: HashMap<String, String> = client.hgetall("c:h").unwrap();
        assert_eq!(all["f"], "z");
        writer.set("c:missing", 9).unwrap();
        client.ping().unwrap();
        let both: Vec<Option<i64>> = client.mget(["c:a", "c:missing"]).unwrap();
        assert_eq!(both, [Some(3), Some(9)]);
        // Outside the prefixes: never cached.
        let before = client.cache_stats().unwrap();
        writer.set("other", 1).unwrap();
        let _: i64 = client.get("other").unwrap();
        let _: i64 = client.get("other").unwrap();
        let after = client.cache_stats().unwrap();
        assert_eq!((after.hits, after.misses), (before.hits, before.misses));
        // A flushed database empties the cache.
        let _: () = writer.query(&cmd("FLUSHDB")).unwrap();
        client.ping().unwrap();
        assert_eq!(client.get::<Option<i64>>("c:a").unwrap(), None);
        let stats = client.cache_stats().unwrap();
        assert!(stats.hits >= 3 && stats.invalidations >= 3, "{stats:?}");
    }
}

#[test]
fn read_only_scripts_are_cached_on_their_keys() {
    crate::support::skip_unless!(has_redis7_scripting(), crate::support::NEEDS_RO);
    let server = RedisServer::start();
    let writer = server.client();
    let client = cached(&server, CacheOptions::new());
    let sum = client.register_script(
        "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1]) + redis.call('GET', KEYS[2])",
    );
    writer.mset([("s:a", 1), ("s:b", 2)]).unwrap();
    assert_eq!(sum.call_ro::<i64>(["s:a", "s:b"], ()).unwrap(), 3);
    assert_eq!(sum.call_ro::<i64>(["s:a", "s:b"], ()).unwrap(), 3);
    assert_eq!(client.cache_stats().unwrap().hits, 1);
    // A write to either key invalidates the call.
    writer.set("s:b", 10).unwrap();
    client.ping().unwrap();
    assert_eq!(sum.call_ro::<i64>(["s:a", "s:b"], ()).unwrap(), 11);
    // A plain call is never cached.
    let before = client.cache_stats().unwrap();
    assert_eq!(sum.call::<i64>(["s:a", "s:b"], ()).unwrap(), 11);
    assert_eq!(client.cache_stats().unwrap().hits, before.hits);
}

#[test]
fn the_limits_hold() {
    let server = RedisServer::start();
    let client = cached(
        &server,
        CacheOptions::new().max_entries(100).max_bytes(1 << 20),
    );
    for i in 0..1000 {
        client.set(format!("k{i}"), i).unwrap();
        let _: i64 = client.get(format!("k{i}")).unwrap();
    }
    let stats = client.cache_stats().unwrap();
    assert_eq!(stats.entries, 100);
    assert!(stats.evictions >= 900 - 100, "{stats:?}");
    // The most recent are still there.
    let _: i64 = client.get("k999").unwrap();
    assert_eq!(client.cache_stats().unwrap().hits, 1);
    let small = cached(&server, CacheOptions::new().max_bytes(4096));
    client.set("big", vec![b'x'; 10_000]).unwrap();
    for _ in 0..2 {
        let _: Vec<u8> = small.get("big").unwrap();
    }
    assert_eq!(
        small.cache_stats().unwrap().hits,
        0,
        "a reply over max_bytes is not kept"
    );
}

/// After a write's reply and one round trip by the reader, no read returns the value from
/// before the write: 8 threads read through the cache while another client writes.
#[test]
fn no_stale_read_after_a_write_and_a_round_trip() {
    let server = RedisServer::start();
    let writer = server.client();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .client_cache(CacheOptions::new().prefix("g:"))
            .build();
        writer.set("g:n", 0).unwrap();
        let acked = AtomicI64::new(0);
        let stop = AtomicBool::new(false);
        let (reads, stale) = std::thread::scope(|s| {
            let readers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let (mut reads, mut stale) = (0u64, 0u64);
                        while !stop.load(Ordering::Relaxed) {
                            let written = acked.load(Ordering::SeqCst);
                            client.ping().unwrap(); // the round trip
                            for _ in 0..5 {
                                let seen: i64 = client.get("g:n").unwrap();
                                reads += 1;
                                stale += u64::from(seen < written);
                            }
                        }
                        (reads, stale)
                    })
                })
                .collect();
            let started = Instant::now();
            let mut n = 0;
            while started.elapsed() < Duration::from_millis(1500) {
                n += 1;
                writer.set("g:n", n).unwrap();
                acked.store(n, Ordering::SeqCst);
                std::thread::sleep(Duration::from_micros(200));
            }
            stop.store(true, Ordering::Relaxed);
            readers
                .into_iter()
                .map(|r| r.join().unwrap())
                .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
        });
        let stats = client.cache_stats().unwrap();
        eprintln!("cache {protocol:?}: {reads} reads, {stale} stale, {stats:?}");
        assert_eq!(stale, 0);
        assert!(
            stats.hits > stats.misses,
            "the cache served little: {stats:?}"
        );
    }
}

#[test]
fn a_lost_tracking_connection_or_a_restart_empties_the_cache() {
    let mut server = RedisServer::start();
    let writer = server.client();
    let client = cached(&server, CacheOptions::new());
    writer.set("r:a", 1).unwrap();
    for _ in 0..2 {
        assert_eq!(client.get::<i64>("r:a").unwrap(), 1);
    }
    // Kill the tracking connection: the next read flushes, reconnects with tracking.
    let list: String = writer.query(cmd("CLIENT").arg("LIST")).unwrap();
    let id = list
        .lines()
        .find(|l| {
            l.split(' ')
                .any(|f| f.starts_with("flags=") && f.contains('t'))
        })
        .and_then(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
        .expect("a tracking connection")
        .to_string();
    let _: i64 = writer
        .query(cmd("CLIENT").arg("KILL").arg("ID").arg(&id))
        .unwrap();
    let flushes = client.cache_stats().unwrap().flushes;
    writer.set("r:a", 2).unwrap();
    client.ping().unwrap();
    assert_eq!(client.get::<i64>("r:a").unwrap(), 2);
    assert!(client.cache_stats().unwrap().flushes > flushes);
    // Tracking is back: another write is seen.
    assert_eq!(client.get::<i64>("r:a").unwrap(), 2);
    writer.set("r:a", 3).unwrap();
    client.ping().unwrap();
    assert_eq!(client.get::<i64>("r:a").unwrap(), 3);
    // A restart (empty dataset): nothing stale survives.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.get::<Option<i64>>("r:a") {
            Ok(v) => {
                assert_eq!(v, None);
                break;
            }
            Err(e) if Instant::now() < deadline => eprintln!("after restart: {e}"),
            Err(e) => panic!("{e}"),
        }
    }
    let _ = client.req(&cmd("PING"));
}
