//! The helpers added for everyday use (`SET` with options, `GETEX`, `GETDEL`, `UNLINK`,
//! `INCRBYFLOAT`, `HMGET`, `HINCRBYFLOAT`, `ZRANK`, ranges by score, `PUBLISH`) against a real
//! server in both protocols, and a pipeline built from them.

use super::*;
use redline::{
    Expiry, FunctionStats, LibraryInfo, ScriptingCommands, SetOptions, StreamEntry, ZRangeOptions,
};
use std::time::{SystemTime, UNIX_EPOCH};

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

#[test]
fn set_with_options() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let k = |s: &str| format!("{protocol:?}:{s}");

        // NX, with PX: set once, then refused (nil reads as false).
        let lock = SetOptions::default().nx().px(30_000);
        assert!(c.set_options::<bool>(k("lock"), "me", lock).unwrap());
        assert!(!c.set_options::<bool>(k("lock"), "you", lock).unwrap());
        let pttl = c.pttl(k("lock")).unwrap();
        assert!((1..=30_000).contains(&pttl), "pttl {pttl}");
        // GET returns the old value; KEEPTTL keeps the expiry a plain SET would drop.
        let swap = SetOptions::default().get().keep_ttl();
        let old: Option<String> = c.set_options(k("lock"), "you", swap).unwrap();
        assert_eq!(old.as_deref(), Some("me"));
        assert!(c.pttl(k("lock")).unwrap() > 0);
        let old: Option<String> = c.set_options(k("fresh"), 1, swap).unwrap();
        assert_eq!(old, None);
        // XX: only an existing key.
        let xx = SetOptions::default().xx();
        assert!(!c.set_options::<bool>(k("missing"), 1, xx).unwrap());
        assert_eq!(c.exists(k("missing")).unwrap(), 0);
        assert!(c.set_options::<bool>(k("fresh"), 2, xx).unwrap());
        assert_eq!(c.get::<i64>(k("fresh")).unwrap(), 2);
        // A plain SET through set_options removes the expiry.
        c.set_options::<()>(k("lock"), "plain", SetOptions::default())
            .unwrap();
        assert_eq!(c.ttl(k("lock")).unwrap(), -1);
        // EX, EXAT, PXAT.
        c.set_options::<()>(k("ex"), 1, SetOptions::default().ex(100))
            .unwrap();
        let ttl = c.ttl(k("ex")).unwrap();
        assert!((1..=100).contains(&ttl), "ttl {ttl}");
        let at = unix_now().as_secs() + 100;
        c.set_options::<()>(k("exat"), 1, SetOptions::default().exat(at))
            .unwrap();
        let ttl = c.ttl(k("exat")).unwrap();
        assert!((1..=100).contains(&ttl), "ttl {ttl}");
        let at = unix_now().as_millis() as u64 + 100_000;
        c.set_options::<()>(k("pxat"), 1, SetOptions::default().pxat(at))
            .unwrap();
        let pttl = c.pttl(k("pxat")).unwrap();
        assert!((1..=100_000).contains(&pttl), "pttl {pttl}");
    }
}

#[test]
fn getex_getdel_unlink_incr_by_float() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let k = |s: &str| format!("{protocol:?}:{s}");

        c.set(k("s"), "v").unwrap();
        let v: Option<String> = c.getex(k("s"), Expiry::Ex(50)).unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        assert!((1..=50).contains(&c.ttl(k("s")).unwrap()));
        let _: String = c.getex(k("s"), Expiry::Px(80_000)).unwrap();
        assert!(c.pttl(k("s")).unwrap() > 50_000);
        let _: String = c
            .getex(k("s"), Expiry::ExAt(unix_now().as_secs() + 30))
            .unwrap();
        assert!((1..=30).contains(&c.ttl(k("s")).unwrap()));
        let at = unix_now().as_millis() as u64 + 20_000;
        let _: String = c.getex(k("s"), Expiry::PxAt(at)).unwrap();
        assert!((1..=20_000).contains(&c.pttl(k("s")).unwrap()));
        let _: String = c.getex(k("s"), Expiry::Persist).unwrap();
        assert_eq!(c.ttl(k("s")).unwrap(), -1);
        let none: Option<String> = c.getex(k("missing"), Expiry::Persist).unwrap();
        assert_eq!(none, None);

        let v: Option<String> = c.getdel(k("s")).unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        assert_eq!(c.exists(k("s")).unwrap(), 0);
        assert_eq!(c.getdel::<Option<String>>(k("s")).unwrap(), None);

        c.mset(&[(k("a"), 1), (k("b"), 2)]).unwrap();
        assert_eq!(c.unlink([k("a"), k("b"), k("missing")]).unwrap(), 2);
        assert_eq!(c.exists([k("a"), k("b")]).unwrap(), 0);

        c.set(k("t"), 10).unwrap();
        assert_eq!(c.incr_by_float(k("t"), 1.5).unwrap(), 11.5);
        assert_eq!(c.incr_by_float(k("t"), -1).unwrap(), 10.5);
        assert_eq!(c.incr_by_float(k("t"), 0.25f32).unwrap(), 10.75);
        assert_eq!(c.get::<f64>(k("t")).unwrap(), 10.75);
        let err = c.incr_by_float(k("t"), f64::NAN).unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
    }
}

#[test]
fn hmget_and_hincr_by_float() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let h = format!("{protocol:?}:h");
        c.hset_multiple(&h, [("name", "ada"), ("n", "1")]).unwrap();
        let values: Vec<Option<String>> = c.hmget(&h, ["name", "age", "n"]).unwrap();
        assert_eq!(values, [Some("ada".into()), None, Some("1".into())]);
        let (name, age): (String, Option<i64>) = c.hmget(&h, ("name", "age")).unwrap();
        assert_eq!((name.as_str(), age), ("ada", None));
        let none: Vec<Option<String>> = c.hmget("no-such-hash", "f").unwrap();
        assert_eq!(none, [None]);

        assert_eq!(c.hincr_by_float(&h, "n", 2.5).unwrap(), 3.5);
        assert_eq!(c.hincr_by_float(&h, "n", -1).unwrap(), 2.5);
        assert_eq!(c.hincr_by_float(&h, "new", 0.5).unwrap(), 0.5);
        let err = c.hincr_by_float(&h, "name", 1).unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
    }
}

#[test]
fn sorted_sets_by_score_and_rank() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let z = format!("{protocol:?}:z");
        // Integer and float scores alike.
        assert_eq!(c.zadd(&z, "a", 1).unwrap(), 1);
        assert_eq!(c.zadd(&z, "b", 2.5).unwrap(), 1);
        assert_eq!(c.zadd(&z, "c", 3u32).unwrap(), 1);
        assert_eq!(c.zincr_by(&z, "a", 1).unwrap(), 2.0);
        assert_eq!(c.zrank(&z, "a").unwrap(), Some(0));
        assert_eq!(c.zrank(&z, "c").unwrap(), Some(2));
        assert_eq!(c.zrank(&z, "nobody").unwrap(), None);
        assert_eq!(c.zrank("no-such-zset", "a").unwrap(), None);

        let names: Vec<String> = c.zrangebyscore(&z, 2.5, "+inf").unwrap();
        assert_eq!(names, ["b", "c"]);
        let names: Vec<String> = c.zrangebyscore(&z, "(2", 3).unwrap();
        assert_eq!(names, ["b", "c"]);
        let names: Vec<String> = c.zrangebyscore(&z, "-inf", "(2.5").unwrap();
        assert_eq!(names, ["a"]);
        let scored: Vec<(String, f64)> = c.zrangebyscore_withscores(&z, "-inf", "+inf").unwrap();
        let expected = [("a".into(), 2.0), ("b".into(), 2.5), ("c".into(), 3.0)];
        assert_eq!(scored, expected);
        let page: Vec<String> = c.zrangebyscore_limit(&z, "-inf", "+inf", 1, 1).unwrap();
        assert_eq!(page, ["b"]);

        let options = ZRangeOptions::default().rev().limit(0, 2).withscores();
        let top: Vec<(String, f64)> = c.zrange_byscore(&z, "+inf", "-inf", options).unwrap();
        assert_eq!(top, [("c".into(), 3.0), ("b".into(), 2.5)]);
        let all: Vec<String> = c
            .zrange_byscore(&z, 2, 3, ZRangeOptions::default())
            .unwrap();
        assert_eq!(all, ["a", "b", "c"]);
        let options = ZRangeOptions::default().limit(1, 5);
        let rest: Vec<String> = c.zrange_byscore(&z, "(1", "+inf", options).unwrap();
        assert_eq!(rest, ["b", "c"]);
        let scores: HashMap<String, f64> = c
            .zrange_byscore(&z, 0, 10, ZRangeOptions::default().withscores())
            .unwrap();
        assert_eq!(scores["b"], 2.5);

        assert_eq!(c.zremrangebyscore(&z, "-inf", "(3").unwrap(), 2);
        assert_eq!(c.zrange::<Vec<String>>(&z, 0, -1).unwrap(), ["c"]);
        let err = c.zrangebyscore::<Vec<String>>(&z, "low", 1).unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
    }
}

#[test]
fn publish_counts_the_subscribers() {
    let server = RedisServer::start();
    let client = server.client();
    assert_eq!(client.publish("news", "nobody listens").unwrap(), 0);
    // A RESP2 connection in subscriber mode (it is dropped afterwards, never reused).
    let subscriber = client.get_connection().unwrap();
    subscriber.req(cmd("SUBSCRIBE").arg("news")).unwrap();
    for protocol in PROTOCOLS {
        let publisher = server.client_with(protocol);
        assert_eq!(publisher.publish("news", "hello").unwrap(), 1);
        assert_eq!(publisher.publish(b"other".as_slice(), "x").unwrap(), 0);
    }
}

#[test]
fn a_pipeline_of_new_helpers() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let k = |s: &str| format!("{protocol:?}:{s}");
        client.hset_multiple(k("h"), [("name", "ada")]).unwrap();
        client.zadd_multiple(k("z"), [(1, "a"), (2, "b")]).unwrap();

        type Replies = (
            bool,
            Option<String>,
            Option<String>,
            Option<String>,
            Vec<Option<String>>,
            f64,
            f64,
            Option<i64>,
            Vec<(String, f64)>,
            i64,
            i64,
            String,
        );
        let replies: Replies = client
            .pipeline()
            .set_options(k("s"), "v1", SetOptions::default().nx().ex(100))
            .set_options(k("s"), "v2", SetOptions::default().get())
            .getex(k("s"), Expiry::Persist)
            .getdel(k("s"))
            .hmget(k("h"), ["name", "age"])
            .hincr_by_float(k("h"), "score", 1.5)
            .incr_by_float(k("f"), 2)
            .zrank(k("z"), "b")
            .zrangebyscore_withscores(k("z"), "(1", "+inf")
            .unlink([k("h"), k("z")])
            .publish("news", "x")
            .xadd(k("stream"), "5-1", [("f", "v")])
            .execute()
            .unwrap();
        assert_eq!(
            replies,
            (
                true,
                Some("v1".into()),
                Some("v2".into()),
                Some("v2".into()),
                vec![Some("ada".into()), None],
                1.5,
                2.0,
                Some(1),
                vec![("b".into(), 2.0)],
                2,
                0,
                "5-1".into(),
            )
        );

        // Typed replies that need more than a scalar: stream entries, function libraries and
        // statistics.
        if !supported!(has_redis7_scripting(), NEEDS_FUNCTIONS) {
            continue;
        }
        let library = "#!lua name=newlib\nredis.register_function('one', function() return 1 end)";
        let (_, entries, len, libraries, stats, one): (
            String,
            Vec<StreamEntry>,
            i64,
            Vec<LibraryInfo>,
            FunctionStats,
            i64,
        ) = client
            .pipeline()
            .function_load(library, true)
            .xrange(k("stream"), "-", "+")
            .xlen(k("stream"))
            .function_list(Some("newlib"), false)
            .function_stats()
            .fcall("one", (), ())
            .execute()
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id, "5-1");
        assert_eq!(entries[0].get("f"), Some(&b"v"[..]));
        assert_eq!(len, 1);
        assert_eq!(libraries.len(), 1);
        assert_eq!(libraries[0].name, "newlib");
        assert_eq!(libraries[0].functions[0].name, "one");
        assert!(stats.running_script.is_none());
        assert!(stats.engines["LUA"].functions_count >= 1);
        assert_eq!(one, 1);
        // The same typed replies directly, through the shared conversions.
        assert_eq!(
            client.function_list(Some("newlib"), false).unwrap(),
            libraries
        );
        assert_eq!(client.function_stats().unwrap().engines, stats.engines);
    }
}
