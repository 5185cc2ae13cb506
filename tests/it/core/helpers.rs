//! The typed `Commands` helpers on a client, a connection and a reference, one test per family
//! (so a failure names it).

use super::*;

/// Runs a family's checks on a client, a dedicated connection and a reference to the client
/// (as generic code would hold one), in both protocols, each with its own key prefix. Returns
/// the server.
macro_rules! on_every_target {
    ($family:ident) => {{
        let server = RedisServer::start();
        for protocol in PROTOCOLS {
            let client = server.client_with(protocol);
            $family(&client, &format!("client-{protocol:?}"));
            let conn = client.get_connection().unwrap();
            $family(&conn, &format!("conn-{protocol:?}"));
            $family(&&client, &format!("ref-{protocol:?}"));
        }
        server
    }};
}

#[test]
fn helpers_strings() {
    on_every_target!(strings);
}

#[test]
fn helpers_keys() {
    on_every_target!(keys);
}

#[test]
fn helpers_hashes() {
    on_every_target!(hashes);
}

#[test]
fn helpers_lists() {
    on_every_target!(lists);
}

#[test]
fn helpers_sets() {
    on_every_target!(sets);
}

#[test]
fn helpers_sorted_sets() {
    on_every_target!(sorted_sets);
}

#[test]
fn helpers_server() {
    let server = on_every_target!(server);
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        client.set("before-flush", 1).unwrap();
        assert!(client.dbsize().unwrap() > 0);
        client.flushdb().unwrap();
        assert_eq!(client.dbsize().unwrap(), 0);
        assert_eq!(conn.dbsize().unwrap(), 0);
        conn.set("after-flush", 1).unwrap();
        conn.flushdb().unwrap();
        assert_eq!(client.dbsize().unwrap(), 0);
    }
}

/// Strings, counters, `MSET`/`MGET`.
fn strings<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    // Strings.
    c.set(k("s"), "hello").unwrap();
    assert_eq!(c.get::<String>(k("s")).unwrap(), "hello");
    assert_eq!(c.get::<Option<String>>(k("missing")).unwrap(), None);
    assert_eq!(c.append(k("s"), " world").unwrap(), 11);
    assert_eq!(c.strlen(k("s")).unwrap(), 11);
    assert_eq!(c.get::<String>(k("s")).unwrap(), "hello world");
    assert!(c.set_nx(k("nx"), 1).unwrap());
    assert!(!c.set_nx(k("nx"), 2).unwrap());
    assert_eq!(c.get::<i64>(k("nx")).unwrap(), 1);
    c.set(k("f"), 2.5).unwrap();
    assert_eq!(c.get::<f64>(k("f")).unwrap(), 2.5);

    // Counters.
    assert_eq!(c.incr(k("n")).unwrap(), 1);
    assert_eq!(c.incr_by(k("n"), 10).unwrap(), 11);
    assert_eq!(c.decr(k("n")).unwrap(), 10);
    assert_eq!(c.decr_by(k("n"), 20).unwrap(), -10);
    assert_eq!(c.get::<i64>(k("n")).unwrap(), -10);
    let err = c.incr(k("s")).unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");

    // MSET / MGET.
    c.mset(&[(k("a"), "1"), (k("b"), "2")]).unwrap();
    let got: Vec<Option<i64>> = c.mget(&[k("a"), k("missing"), k("b")]).unwrap();
    assert_eq!(got, [Some(1), None, Some(2)]);
    let (a, b): (String, String) = c.mget((k("a"), k("b"))).unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("1", "2"));
}

/// Keys and expiry.
fn keys<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    c.mset(&[(k("a"), "1"), (k("b"), "2")]).unwrap();
    assert_eq!(c.exists(&[k("a"), k("b"), k("missing")]).unwrap(), 2);
    assert_eq!(c.key_type(k("a")).unwrap(), "string");
    assert_eq!(c.key_type(k("missing")).unwrap(), "none");
    assert_eq!(c.ttl(k("a")).unwrap(), -1);
    assert_eq!(c.ttl(k("missing")).unwrap(), -2);
    assert_eq!(c.pttl(k("missing")).unwrap(), -2);
    assert!(c.expire(k("a"), 100).unwrap());
    assert!(!c.expire(k("missing"), 100).unwrap());
    let ttl = c.ttl(k("a")).unwrap();
    assert!((1..=100).contains(&ttl), "ttl {ttl}");
    let pttl = c.pttl(k("a")).unwrap();
    assert!((1..=100_000).contains(&pttl), "pttl {pttl}");
    assert!(c.persist(k("a")).unwrap());
    assert!(!c.persist(k("a")).unwrap());
    assert_eq!(c.ttl(k("a")).unwrap(), -1);
    assert!(c.pexpire(k("b"), 100_000).unwrap());
    assert!(c.pttl(k("b")).unwrap() > 0);
    c.set_ex(k("ex"), "v", 50).unwrap();
    let ttl = c.ttl(k("ex")).unwrap();
    assert!((1..=50).contains(&ttl), "ttl {ttl}");
    c.rename(k("ex"), k("renamed")).unwrap();
    assert_eq!(c.get::<String>(k("renamed")).unwrap(), "v");
    let err = c.rename(k("missing"), k("x")).unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
    assert_eq!(c.del(&[k("a"), k("b"), k("missing")]).unwrap(), 2);
    assert_eq!(c.exists(k("a")).unwrap(), 0);
}

/// Hashes.
fn hashes<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    assert_eq!(c.hset(k("h"), "f", "v").unwrap(), 1);
    assert_eq!(c.hset(k("h"), "f", "v2").unwrap(), 0);
    assert_eq!(
        c.hset_multiple(k("h"), [("g", "1"), ("h", "2")]).unwrap(),
        2
    );
    assert_eq!(c.hget::<String>(k("h"), "f").unwrap(), "v2");
    assert_eq!(c.hget::<Option<String>>(k("h"), "nope").unwrap(), None);
    assert!(c.hexists(k("h"), "g").unwrap());
    assert!(!c.hexists(k("h"), "nope").unwrap());
    assert_eq!(c.hincr_by(k("h"), "g", 41).unwrap(), 42);
    assert_eq!(c.hlen(k("h")).unwrap(), 3);
    let all: HashMap<String, String> = c.hgetall(k("h")).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all["g"], "42");
    assert_eq!(c.hdel(k("h"), ["f", "nope"]).unwrap(), 1);
    assert_eq!(c.hlen(k("h")).unwrap(), 2);
}

/// Lists.
fn lists<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    assert_eq!(c.rpush(k("l"), ["b", "c"]).unwrap(), 2);
    assert_eq!(c.lpush(k("l"), "a").unwrap(), 3);
    assert_eq!(c.llen(k("l")).unwrap(), 3);
    assert_eq!(
        c.lrange::<Vec<String>>(k("l"), 0, -1).unwrap(),
        ["a", "b", "c"]
    );
    assert_eq!(c.lrange::<Vec<String>>(k("l"), 1, 1).unwrap(), ["b"]);
    assert_eq!(c.lpop::<String>(k("l")).unwrap(), "a");
    assert_eq!(c.rpop::<String>(k("l")).unwrap(), "c");
    assert_eq!(c.rpop::<Option<String>>(k("l")).unwrap(), Some("b".into()));
    assert_eq!(c.lpop::<Option<String>>(k("l")).unwrap(), None);
}

/// Sets.
fn sets<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    assert_eq!(c.sadd(k("set"), ["x", "y", "z", "x"]).unwrap(), 3);
    assert_eq!(c.scard(k("set")).unwrap(), 3);
    assert!(c.sismember(k("set"), "y").unwrap());
    assert!(!c.sismember(k("set"), "w").unwrap());
    assert_eq!(c.srem(k("set"), ["y", "w"]).unwrap(), 1);
    let members: HashSet<String> = c.smembers(k("set")).unwrap();
    assert_eq!(members, HashSet::from(["x".to_string(), "z".to_string()]));
    let mut members: Vec<String> = c.smembers(k("set")).unwrap();
    members.sort();
    assert_eq!(members, ["x", "z"]);
}

/// Sorted sets.
fn sorted_sets<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    assert_eq!(c.zadd(k("z"), "ada", 10.5).unwrap(), 1);
    assert_eq!(c.zadd(k("z"), "ada", 11.0).unwrap(), 0);
    assert_eq!(
        c.zadd_multiple(k("z"), [(1.25, "bob"), (-3.0, "cy")])
            .unwrap(),
        2
    );
    assert_eq!(c.zcard(k("z")).unwrap(), 3);
    assert_eq!(c.zscore(k("z"), "bob").unwrap(), Some(1.25));
    assert_eq!(c.zscore(k("z"), "nobody").unwrap(), None);
    assert_eq!(c.zincr_by(k("z"), "bob", 0.5).unwrap(), 1.75);
    assert_eq!(
        c.zrange::<Vec<String>>(k("z"), 0, -1).unwrap(),
        ["cy", "bob", "ada"]
    );
    let scored: Vec<(String, f64)> = c.zrange_withscores(k("z"), 0, -1).unwrap();
    assert_eq!(
        scored,
        [
            ("cy".to_string(), -3.0),
            ("bob".to_string(), 1.75),
            ("ada".to_string(), 11.0)
        ]
    );
    let top: Vec<(String, f64)> = c.zrange_withscores(k("z"), -1, -1).unwrap();
    assert_eq!(top, [("ada".to_string(), 11.0)]);
    let none: Vec<(String, f64)> = c.zrange_withscores(k("nozset"), 0, -1).unwrap();
    assert!(none.is_empty());
    assert_eq!(c.zrem(k("z"), ["cy", "nobody"]).unwrap(), 1);
    assert_eq!(c.zcard(k("z")).unwrap(), 2);
}

/// Server commands (with a few keys to count).
fn server<C: Commands>(c: &C, p: &str) {
    let k = |s: &str| format!("{p}:{s}");
    for i in 0..5 {
        c.set(k(&i.to_string()), i).unwrap();
    }
    assert_eq!(c.ping().unwrap(), "PONG");
    let info = c.info(None).unwrap();
    assert!(info.contains("redis_version"), "{info}");
    let keyspace = c.info(Some("keyspace")).unwrap();
    assert!(keyspace.starts_with("# Keyspace"), "{keyspace}");
    let n = c.query::<i64>(&cmd("DBSIZE")).unwrap();
    assert_eq!(c.dbsize().unwrap(), n);
    assert!(n >= 5, "dbsize {n}");
}
