//! Large containers: a conversion that fails part-way leaves the connection in step; error
//! elements surface as server errors.

use super::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[test]
fn large_containers_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        conn.del(["l", "h", "s"]).unwrap();
        let items: Vec<String> = (0..5000).map(|i| format!("item-{i}")).collect();
        conn.rpush("l", &items).unwrap();
        let fields: Vec<(String, i64)> = (0..3000).map(|i| (format!("f{i}"), i)).collect();
        conn.hset_multiple("h", &fields).unwrap();
        conn.sadd("s", &items[..100]).unwrap();

        assert_eq!(conn.lrange::<Vec<String>>("l", 0, -1).unwrap(), items);
        assert_eq!(client.lrange::<Vec<String>>("l", 0, -1).unwrap(), items);
        let map: HashMap<String, i64> = conn.hgetall("h").unwrap();
        assert_eq!(map.len(), 3000);
        assert_eq!(map["f2999"], 2999);
        let sorted: BTreeMap<String, i64> = conn.hgetall("h").unwrap();
        assert_eq!(sorted.len(), 3000);
        let set: HashSet<String> = conn.smembers("s").unwrap();
        assert_eq!(set.len(), 100);
        let bset: BTreeSet<String> = conn.smembers("s").unwrap();
        assert!(bset.contains("item-99"));
        // Pairs read flat (RESP2) and nested (RESP3) layouts alike.
        let pairs: Vec<(String, i64)> = conn.hgetall("h").unwrap();
        assert_eq!(pairs.len(), 3000);
        // Empty and missing.
        assert!(conn
            .lrange::<Vec<String>>("nope", 0, -1)
            .unwrap()
            .is_empty());
        assert!(conn
            .hgetall::<HashMap<String, String>>("nope")
            .unwrap()
            .is_empty());
    }
}

#[test]
fn a_failed_element_drains_the_rest_and_keeps_the_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let conn = server.client_with(protocol).get_connection().unwrap();
        conn.del(["l", "h"]).unwrap();
        // The second of 2,000 elements is not UTF-8: the conversion fails, and the next reply
        // on the connection must still be the next command's.
        let mut items: Vec<Vec<u8>> = (0..2000).map(|i| format!("v{i}").into_bytes()).collect();
        items[1] = vec![0xff, 0xfe];
        conn.rpush("l", &items).unwrap();
        let err = conn.lrange::<Vec<String>>("l", 0, -1).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert!(!conn.is_broken());
        assert_eq!(conn.llen("l").unwrap(), 2000, "the next reply is its own");
        let raw: Vec<Vec<u8>> = conn.lrange("l", 0, -1).unwrap();
        assert_eq!(raw, items);

        conn.hset_multiple("h", [("a", "1"), ("b", "x"), ("c", "3")])
            .unwrap();
        let err = conn.hgetall::<HashMap<String, i64>>("h").unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(conn.hlen("h").unwrap(), 3, "the next reply is its own");
    }
}

#[test]
fn error_elements_surface_as_server_errors_and_the_connection_stays_in_step() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let conn = server.client_with(protocol).get_connection().unwrap();
        let script = "return {1, redis.error_reply('MYERR boom'), 3, 4}";
        let err = conn
            .query::<Vec<i64>>(cmd("EVAL").arg(script).arg(0))
            .unwrap_err();
        match &err {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::Other);
                assert_eq!(message, "MYERR boom");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(conn.ping().unwrap(), "PONG");
        // The raw reply still carries the error as a value.
        let raw: Vec<Value> = conn.query(cmd("EVAL").arg(script).arg(0)).unwrap();
        assert_eq!(raw.len(), 4);
        assert!(matches!(raw[1], Value::Error(_)));
    }
}
