//! The core client against real servers: every reply type in RESP2 and RESP3, binary data, the
//! typed helpers, URLs and authentication, the pool, timeouts, restarts and blocking commands.

use crate::support::{RedisServer, PROTOCOLS};
use redline::{
    cmd, Client, Cmd, Commands, Connection, ConnectionInfo, ConnectionLike, Error, Operation,
    Protocol, ServerErrorKind, Value,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::Duration;

/// A command from whitespace-free words.
fn command(words: &[&str]) -> Cmd {
    let mut c = cmd(words[0]);
    for word in &words[1..] {
        c.arg(*word);
    }
    c
}

/// The raw reply of a command given as words.
fn raw(target: &impl ConnectionLike, words: &[&str]) -> Value {
    target
        .req(&command(words))
        .unwrap_or_else(|e| panic!("{words:?}: {e:?}"))
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

/// The value of a `key` in a RESP3 map, if present.
fn map_get<'a>(pairs: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    pairs.iter().find(|(k, _)| *k == bulk(key)).map(|(_, v)| v)
}

/// Waits until the server has `n` clients blocked in a blocking command.
fn wait_for_blocked_clients(client: &Client, n: usize) {
    let wanted = format!("blocked_clients:{n}\r\n");
    for _ in 0..2000 {
        if client.info(Some("clients")).unwrap().contains(&wanted) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("never saw {wanted:?}");
}

/// A TCP port on 127.0.0.1 with nothing listening.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn smoke_set_get_script_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("foo", 2).unwrap();
        let v: i64 = client.get("foo").unwrap();
        assert_eq!(v, 2);
        let multiply =
            client.register_script("return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]");
        assert_eq!(multiply.call::<i64>("foo", 5).unwrap(), 10);
        let (ok, product): (bool, i64) = client
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25));
        let hello: Value = client.query(&cmd("HELLO")).unwrap();
        match (protocol, hello) {
            (Protocol::Resp2, Value::Array(items)) => assert_eq!(items.len(), 14),
            (Protocol::Resp3, Value::Map(pairs)) => {
                assert_eq!(map_get(&pairs, "proto"), Some(&Value::Int(3)))
            }
            (p, other) => panic!("{p:?}: HELLO replied {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reply types
// ---------------------------------------------------------------------------------------------

#[test]
fn status_integer_bulk_and_nil_replies() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        assert_eq!(raw(&client, &["PING"]), Value::SimpleString("PONG".into()));
        assert_eq!(client.ping().unwrap(), "PONG");
        assert_eq!(raw(&client, &["SET", "k", "v"]), Value::Okay);
        let okay: String = client.query(&command(&["SET", "k", "v"])).unwrap();
        assert_eq!(okay, "OK");
        assert_eq!(raw(&client, &["GET", "k"]), bulk("v"));
        assert_eq!(raw(&client, &["STRLEN", "k"]), Value::Int(1));
        assert_eq!(raw(&client, &["INCRBY", "n", "-7"]), Value::Int(-7));
        assert_eq!(raw(&client, &["GET", "missing"]), Value::Nil);
        let missing: Option<String> = client.get("missing").unwrap();
        assert_eq!(missing, None);
        let missing: Option<Vec<u8>> = client.get("missing").unwrap();
        assert_eq!(missing, None);
        // A nil where a plain value is wanted is a conversion error, not a default.
        let err = client.get::<String>("missing").unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert!(!err.is_connection_broken());
        client.del(["k", "n"]).unwrap();
    }
}

#[test]
fn error_replies_are_typed_and_keep_the_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("str", "x").unwrap();
        let err = client.lpush("str", "y").unwrap_err();
        match &err {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::WrongType);
                assert_eq!(
                    message,
                    "WRONGTYPE Operation against a key holding the wrong kind of value"
                );
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongType));
        assert!(!err.is_connection_broken());
        // The connection survived the error reply and went back to the pool.
        assert_eq!(client.idle_connections(), 1);

        let err = client.query::<Value>(&cmd("NOSUCHCOMMAND")).unwrap_err();
        match &err {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::Err);
                assert!(
                    message.starts_with("ERR unknown command 'NOSUCHCOMMAND'"),
                    "{message}"
                );
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        assert_eq!(client.ping().unwrap(), "PONG");

        // An error reply inside an array stays a value in the raw reply, and becomes the
        // server error when converted.
        let script = "return {1, redis.error_reply('MYERR inner failure')}";
        let reply = raw(&client, &["EVAL", script, "0"]);
        assert_eq!(
            reply,
            Value::Array(vec![
                Value::Int(1),
                Value::Error("MYERR inner failure".into())
            ])
        );
        let err = client
            .query::<Vec<i64>>(&command(&["EVAL", script, "0"]))
            .unwrap_err();
        match err {
            Error::Server { kind, message } => {
                assert_eq!(kind, ServerErrorKind::Other);
                assert_eq!(message, "MYERR inner failure");
            }
            other => panic!("{protocol:?}: {other:?}"),
        }

        // On a dedicated connection too, an error reply does not break anything.
        let conn = client.get_connection().unwrap();
        let err = conn.lpush("str", "y").unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongType));
        assert!(!conn.is_broken());
        assert_eq!(conn.get::<String>("str").unwrap(), "x");
        client.del("str").unwrap();
    }
}

#[test]
fn arrays_and_nested_arrays() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.del("list").unwrap();
        assert_eq!(client.rpush("list", ["a", "b", "c"]).unwrap(), 3);
        assert_eq!(
            raw(&client, &["LRANGE", "list", "0", "-1"]),
            Value::Array(vec![bulk("a"), bulk("b"), bulk("c")])
        );
        let items: Vec<String> = client.lrange("list", 0, -1).unwrap();
        assert_eq!(items, ["a", "b", "c"]);
        assert_eq!(
            raw(&client, &["LRANGE", "empty", "0", "-1"]),
            Value::Array(vec![])
        );
        let empty: Vec<String> = client.lrange("empty", 0, -1).unwrap();
        assert!(empty.is_empty());

        let script = "return {1, {2, {3, 'x'}}, {}}";
        assert_eq!(
            raw(&client, &["EVAL", script, "0"]),
            Value::Array(vec![
                Value::Int(1),
                Value::Array(vec![
                    Value::Int(2),
                    Value::Array(vec![Value::Int(3), bulk("x")])
                ]),
                Value::Array(vec![]),
            ])
        );
        let (one, (two, (three, x)), empty): (i64, (i64, (i64, String)), Vec<i64>) =
            client.query(&command(&["EVAL", script, "0"])).unwrap();
        assert_eq!((one, two, three, x.as_str()), (1, 2, 3, "x"));
        assert!(empty.is_empty());
    }
}

#[test]
fn maps_and_sets() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.del(["h", "s"]).unwrap();
        client
            .hset_multiple("h", [("f1", "v1"), ("f2", "v2")])
            .unwrap();
        let map: HashMap<String, String> = client.hgetall("h").unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map["f1"], "v1");
        assert_eq!(map["f2"], "v2");
        let sorted: BTreeMap<String, String> = client.hgetall("h").unwrap();
        assert_eq!(sorted.keys().collect::<Vec<_>>(), ["f1", "f2"]);
        let pairs: Vec<(String, String)> = client.hgetall("h").unwrap();
        assert_eq!(pairs.len(), 2);
        let hraw = raw(&client, &["HGETALL", "h"]);
        match (protocol, &hraw) {
            (Protocol::Resp2, Value::Array(items)) => assert_eq!(items.len(), 4),
            (Protocol::Resp3, Value::Map(pairs)) => {
                assert_eq!(map_get(pairs, "f1"), Some(&bulk("v1")));
                assert_eq!(map_get(pairs, "f2"), Some(&bulk("v2")));
            }
            (p, other) => panic!("{p:?}: HGETALL replied {other:?}"),
        }
        let empty: HashMap<String, String> = client.hgetall("nohash").unwrap();
        assert!(empty.is_empty());

        client.sadd("s", ["a", "b", "c"]).unwrap();
        let set: HashSet<String> = client.smembers("s").unwrap();
        assert_eq!(set, ["a", "b", "c"].iter().map(|s| s.to_string()).collect());
        let sraw = raw(&client, &["SMEMBERS", "s"]);
        match (protocol, &sraw) {
            (Protocol::Resp2, Value::Array(items)) => assert_eq!(items.len(), 3),
            (Protocol::Resp3, Value::Set(items)) => {
                assert_eq!(items.len(), 3);
                assert!(items.contains(&bulk("b")));
            }
            (p, other) => panic!("{p:?}: SMEMBERS replied {other:?}"),
        }
    }
}

#[test]
fn doubles_booleans_and_lua_resp3_types() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.del("z").unwrap();
        client.zadd("z", "a", 1.5).unwrap();
        assert_eq!(client.zscore("z", "a").unwrap(), Some(1.5));
        assert_eq!(client.zscore("z", "nobody").unwrap(), None);
        let zraw = raw(&client, &["ZSCORE", "z", "a"]);
        let expected = match protocol {
            Protocol::Resp2 => bulk("1.5"),
            Protocol::Resp3 => Value::Double(1.5),
        };
        assert_eq!(zraw, expected, "{protocol:?}");
        let score: f64 = client.query(&command(&["ZSCORE", "z", "a"])).unwrap();
        assert_eq!(score, 1.5);
        assert_eq!(client.zincr_by("z", "a", 0.25).unwrap(), 1.75);

        // Lua scripts in RESP3 mode return RESP3 types (RESP2 clients get them downgraded).
        let t = raw(&client, &["EVAL", "redis.setresp(3); return true", "0"]);
        let f = raw(&client, &["EVAL", "redis.setresp(3); return false", "0"]);
        let d = raw(
            &client,
            &["EVAL", "redis.setresp(3); return {double=3.5}", "0"],
        );
        match protocol {
            Protocol::Resp2 => {
                assert_eq!(t, Value::Int(1));
                assert_eq!(f, Value::Int(0));
                assert_eq!(d, bulk("3.5"));
            }
            Protocol::Resp3 => {
                assert_eq!(t, Value::Boolean(true));
                assert_eq!(f, Value::Boolean(false));
                assert_eq!(d, Value::Double(3.5));
            }
        }
        let t: bool = client
            .query(&command(&["EVAL", "redis.setresp(3); return true", "0"]))
            .unwrap();
        let f: bool = client
            .query(&command(&["EVAL", "redis.setresp(3); return false", "0"]))
            .unwrap();
        assert!(t && !f);
        let d: f64 = client
            .query(&command(&[
                "EVAL",
                "redis.setresp(3); return {double=3.5}",
                "0",
            ]))
            .unwrap();
        assert_eq!(d, 3.5);
    }
}

/// `DEBUG PROTOCOL <type>` for every type, in both protocols, raw and converted.
#[test]
// The server's double is literally 3.141, not an approximation of pi.
#[allow(clippy::approx_constant)]
fn debug_protocol_every_type() {
    let server = RedisServer::start();
    let bignum = "1234567999999999999999999999999999999";
    let attrib_text = "Some real reply following the attribute";
    let verbatim_text = "This is a verbatim\nstring";
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let resp3 = protocol == Protocol::Resp3;
        let dp = |t: &str| raw(&client, &["DEBUG", "PROTOCOL", t]);

        assert_eq!(dp("string"), bulk("Hello World"));
        assert_eq!(dp("integer"), Value::Int(12345));
        assert_eq!(
            dp("double"),
            if resp3 {
                Value::Double(3.141)
            } else {
                bulk("3.141")
            }
        );
        assert_eq!(
            dp("bignum"),
            if resp3 {
                Value::BigNumber(bignum.into())
            } else {
                bulk(bignum)
            }
        );
        assert_eq!(dp("null"), Value::Nil);
        let ints = vec![Value::Int(0), Value::Int(1), Value::Int(2)];
        assert_eq!(dp("array"), Value::Array(ints.clone()));
        assert_eq!(
            dp("set"),
            if resp3 {
                Value::Set(ints.clone())
            } else {
                Value::Array(ints.clone())
            }
        );
        let map = dp("map");
        if resp3 {
            assert_eq!(
                map,
                Value::Map(vec![
                    (Value::Int(0), Value::Boolean(false)),
                    (Value::Int(1), Value::Boolean(true)),
                    (Value::Int(2), Value::Boolean(false)),
                ])
            );
        } else {
            let flat = [0, 0, 1, 1, 2, 0].map(Value::Int).to_vec();
            assert_eq!(map, Value::Array(flat));
        }
        match (resp3, dp("attrib")) {
            (true, Value::Attribute { data, attributes }) => {
                assert_eq!(*data, bulk(attrib_text));
                assert_eq!(
                    attributes.to_vec(),
                    vec![(
                        bulk("key-popularity"),
                        Value::Array(vec![bulk("key:123"), Value::Int(90)])
                    )]
                );
            }
            (false, reply) => assert_eq!(reply, bulk(attrib_text)),
            (_, other) => panic!("attrib: {other:?}"),
        }
        assert_eq!(
            dp("true"),
            if resp3 {
                Value::Boolean(true)
            } else {
                Value::Int(1)
            }
        );
        assert_eq!(
            dp("false"),
            if resp3 {
                Value::Boolean(false)
            } else {
                Value::Int(0)
            }
        );
        assert_eq!(
            dp("verbatim"),
            if resp3 {
                Value::Verbatim {
                    format: *b"txt",
                    text: verbatim_text.as_bytes().to_vec(),
                }
            } else {
                bulk(verbatim_text)
            }
        );
        if resp3 {
            // A push, then the real reply: the push is skipped, the reply is ours.
            assert_eq!(dp("push"), bulk("Some real reply following the push reply"));
        } else {
            let err = client
                .query::<Value>(&command(&["DEBUG", "PROTOCOL", "push"]))
                .unwrap_err();
            match err {
                Error::Server { kind, message } => {
                    assert_eq!(kind, ServerErrorKind::Err);
                    assert_eq!(message, "ERR RESP2 is not supported by this command");
                }
                other => panic!("{other:?}"),
            }
        }

        // Conversions read every type the same way in both protocols.
        let q = |t: &str| command(&["DEBUG", "PROTOCOL", t]);
        assert_eq!(client.query::<String>(&q("string")).unwrap(), "Hello World");
        assert_eq!(client.query::<i64>(&q("integer")).unwrap(), 12345);
        assert_eq!(client.query::<f64>(&q("double")).unwrap(), 3.141);
        assert_eq!(client.query::<String>(&q("bignum")).unwrap(), bignum);
        let err = client.query::<i64>(&q("bignum")).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(client.query::<Option<i64>>(&q("null")).unwrap(), None);
        assert_eq!(client.query::<Vec<i64>>(&q("array")).unwrap(), [0, 1, 2]);
        let set: HashSet<i64> = client.query(&q("set")).unwrap();
        assert_eq!(set, HashSet::from([0, 1, 2]));
        let map: HashMap<i64, bool> = client.query(&q("map")).unwrap();
        assert_eq!(map, HashMap::from([(0, false), (1, true), (2, false)]));
        assert_eq!(client.query::<String>(&q("attrib")).unwrap(), attrib_text);
        assert!(client.query::<bool>(&q("true")).unwrap());
        assert!(!client.query::<bool>(&q("false")).unwrap());
        assert_eq!(
            client.query::<String>(&q("verbatim")).unwrap(),
            verbatim_text
        );
        assert_eq!(
            client.query::<Vec<u8>>(&q("verbatim")).unwrap(),
            verbatim_text.as_bytes()
        );
        // Nothing above broke the pooled connection.
        assert_eq!(client.idle_connections(), 1);
        assert_eq!(client.ping().unwrap(), "PONG");
    }
}

#[test]
fn info_is_verbatim_in_resp3_and_text_in_both() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let info = client.info(None).unwrap();
        assert!(info.contains("redis_version:"), "{protocol:?}");
        let server_section = client.info(Some("server")).unwrap();
        assert!(
            server_section.starts_with("# Server\r\n"),
            "{server_section}"
        );
        assert!(server_section.contains("redis_version:7."));
        match (protocol, raw(&client, &["INFO", "server"])) {
            (Protocol::Resp2, Value::Bulk(text)) => assert!(text.starts_with(b"# Server")),
            (Protocol::Resp3, Value::Verbatim { format, text }) => {
                assert_eq!(&format, b"txt");
                assert!(text.starts_with(b"# Server"));
            }
            (p, other) => panic!("{p:?}: INFO replied {other:?}"),
        }
    }
}

/// Client-side caching: invalidation pushes arrive between replies, and never take the place
/// of the reply to the next command.
#[test]
fn tracking_invalidation_pushes_do_not_desync() {
    let server = RedisServer::start();
    let writer = server.client();
    let client = server.client_with(Protocol::Resp3);

    // On a dedicated connection: tracking state is per connection.
    let conn = client.get_connection().unwrap();
    let _: () = conn.query(&command(&["CLIENT", "TRACKING", "ON"])).unwrap();
    for i in 0..20 {
        // Reading the key makes the server track it for this connection.
        let seen: Option<i64> = conn.get("tracked").unwrap();
        assert_eq!(seen, if i == 0 { None } else { Some(i - 1) });
        // A write from another client queues an invalidation push on `conn` before the write
        // completes, so it is certainly ahead of the next reply.
        writer.set("tracked", i).unwrap();
        assert_eq!(conn.ping().unwrap(), "PONG");
        assert_eq!(conn.get::<i64>("tracked").unwrap(), i);
        // Our own write to a key we read: the push follows the +OK.
        conn.set("tracked", i).unwrap();
        assert_eq!(conn.incr("counter").unwrap(), i + 1);
        assert!(!conn.is_broken());
    }

    // On a pooled connection: whatever the pool does with the push, replies stay in step.
    let _: () = client
        .query(&command(&["CLIENT", "TRACKING", "ON"]))
        .unwrap();
    for i in 0..20 {
        let _: Option<i64> = client.get("tracked2").unwrap();
        writer.set("tracked2", i).unwrap();
        assert_eq!(client.ping().unwrap(), "PONG");
        assert_eq!(client.get::<i64>("tracked2").unwrap(), i);
    }
}

// ---------------------------------------------------------------------------------------------
// Binary and unusual data
// ---------------------------------------------------------------------------------------------

#[test]
fn binary_keys_and_values_round_trip() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b"nul\0key".to_vec(), b"nul\0\0value\0".to_vec()),
            (
                vec![0xff, 0xfe, 0x80, 0x00],
                vec![0xc3, 0x28, 0xa0, 0xa1, 0xff],
            ),
            (b"crlf\r\nkey".to_vec(), b"\r\n$3\r\nfoo\r\n*1\r\n".to_vec()),
            (b"all-bytes".to_vec(), (0..=255u8).collect()),
            (b"empty".to_vec(), Vec::new()),
            (Vec::new(), b"the empty key".to_vec()),
        ];
        for (key, value) in &cases {
            client.set(key, value).unwrap();
            let back: Vec<u8> = client.get(key).unwrap();
            assert_eq!(&back, value, "{protocol:?} key {key:?}");
            assert_eq!(client.strlen(key).unwrap(), value.len() as i64);
        }
        // Empty is not nil.
        let empty: Option<Vec<u8>> = client.get(b"empty".as_slice()).unwrap();
        assert_eq!(empty, Some(Vec::new()));
        let empty: String = client.get(b"empty".as_slice()).unwrap();
        assert_eq!(empty, "");
        // Invalid UTF-8 read as a String is a conversion error that keeps the connection.
        let err = client
            .get::<String>([0xff, 0xfe, 0x80, 0x00].as_slice())
            .unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(client.idle_connections(), 1);
        // Binary members in aggregates.
        client.del(b"binlist".as_slice()).unwrap();
        let members: Vec<Vec<u8>> = cases.iter().map(|(_, v)| v.clone()).collect();
        client.rpush(b"binlist".as_slice(), &members).unwrap();
        let back: Vec<Vec<u8>> = client.lrange(b"binlist".as_slice(), 0, -1).unwrap();
        assert_eq!(back, members);
        // MGET mixes present, empty and missing keys.
        let got: Vec<Option<Vec<u8>>> = client
            .mget((b"nul\0key".as_slice(), b"empty".as_slice(), "nope"))
            .unwrap();
        assert_eq!(
            got,
            vec![Some(b"nul\0\0value\0".to_vec()), Some(Vec::new()), None]
        );
    }
}

#[test]
fn ten_mib_value_round_trip() {
    let server = RedisServer::start();
    let value: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i % 251) as u8 ^ (i >> 13) as u8)
        .collect();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("big", &value).unwrap();
        assert_eq!(client.strlen("big").unwrap(), value.len() as i64);
        let back: Vec<u8> = client.get("big").unwrap();
        assert!(
            back == value,
            "{protocol:?}: the 10 MiB value came back different"
        );
        // The connection is still in step after the large reply.
        assert_eq!(client.ping().unwrap(), "PONG");
        let conn = client.get_connection().unwrap();
        let back: Vec<u8> = conn.get("big").unwrap();
        assert!(
            back == value,
            "{protocol:?}: different on a dedicated connection"
        );
        assert_eq!(conn.ping().unwrap(), "PONG");
        client.del("big").unwrap();
    }
}

#[test]
fn unicode_keys_and_values() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let pairs = [
            ("ключ", "значение"),
            ("🔑 emoji", "🦀 crab ✓"),
            ("日本語のキー", "値\u{0}with nul"),
            ("e\u{301}", "combining \u{301} accent"),
        ];
        for (k, v) in pairs {
            client.set(k, v).unwrap();
            assert_eq!(client.get::<String>(k).unwrap(), v);
            assert_eq!(client.strlen(k).unwrap(), v.len() as i64);
        }
        client.del("uh").unwrap();
        client.hset_multiple("uh", pairs).unwrap();
        let map: HashMap<String, String> = client.hgetall("uh").unwrap();
        assert_eq!(map["🔑 emoji"], "🦀 crab ✓");
        assert_eq!(map.len(), pairs.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Typed helpers
// ---------------------------------------------------------------------------------------------

/// Runs every helper of [`Commands`] on `c`, with keys under `p`.
fn exercise_helpers<C: Commands>(c: &C, p: &str) {
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

    // Keys and expiry.
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

    // Hashes.
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

    // Lists.
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

    // Sets.
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

    // Sorted sets.
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

    // Server.
    assert_eq!(c.ping().unwrap(), "PONG");
    let info = c.info(None).unwrap();
    assert!(info.contains("redis_version"), "{info}");
    let keyspace = c.info(Some("keyspace")).unwrap();
    assert!(keyspace.starts_with("# Keyspace"), "{keyspace}");
    let n = c.query::<i64>(&cmd("DBSIZE")).unwrap();
    assert_eq!(c.dbsize().unwrap(), n);
    assert!(n >= 5, "dbsize {n}");
}

#[test]
fn helpers_on_client_and_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        exercise_helpers(&client, &format!("client-{protocol:?}"));
        let conn = client.get_connection().unwrap();
        exercise_helpers(&conn, &format!("conn-{protocol:?}"));
        // And through a reference, as generic code would hold one.
        exercise_helpers(&&client, &format!("ref-{protocol:?}"));

        assert!(client.dbsize().unwrap() > 0);
        client.flushdb().unwrap();
        assert_eq!(client.dbsize().unwrap(), 0);
        assert_eq!(conn.dbsize().unwrap(), 0);
        conn.set("after-flush", 1).unwrap();
        conn.flushdb().unwrap();
        assert_eq!(client.dbsize().unwrap(), 0);
    }
}

// ---------------------------------------------------------------------------------------------
// URLs, configuration, authentication
// ---------------------------------------------------------------------------------------------

#[test]
fn url_db_selects_database() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let suffix = if protocol == Protocol::Resp3 {
            "?protocol=3"
        } else {
            ""
        };
        let key = format!("only-in-3:{protocol:?}");
        let c3 = Client::open(&format!("{}/3{suffix}", server.url())).unwrap();
        assert_eq!(c3.connection_info().db(), 3);
        assert_eq!(c3.connection_info().protocol(), protocol);
        c3.set(&key, "three").unwrap();
        let info: String = c3.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" db=3 "), "{info}");
        assert_eq!(c3.get::<String>(&key).unwrap(), "three");

        let c0 = server.client_with(protocol);
        assert_eq!(c0.get::<Option<String>>(&key).unwrap(), None);
        let conn = c0.get_connection().unwrap();
        let _: () = conn.query(&command(&["SELECT", "3"])).unwrap();
        assert_eq!(conn.get::<String>(&key).unwrap(), "three");

        // A dedicated connection of the db-3 client is on db 3 as well.
        let conn3 = c3.get_connection().unwrap();
        assert_eq!(conn3.get::<String>(&key).unwrap(), "three");
        // The builder does the same.
        let b3 = server.builder().protocol(protocol).db(3).build();
        assert_eq!(b3.get::<String>(&key).unwrap(), "three");
    }
}

#[test]
fn unix_socket_url() {
    let server = RedisServer::start();
    let path = server.unix_socket();
    for protocol in PROTOCOLS {
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let url = format!("unix://{}?db=2&protocol={proto}", path.display());
        let client = Client::open(&url).unwrap();
        assert_eq!(client.connection_info().db(), 2);
        assert_eq!(client.ping().unwrap(), "PONG");
        client.set("over-unix", proto).unwrap();
        let info: String = client.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" db=2 "), "{info}");
        assert!(info.contains(&format!(" resp={proto}")), "{info}");
        // A unix client reports its address as the socket path (laddr), not 127.0.0.1.
        assert!(info.contains("redis.sock"), "{info}");
        let tcp2 = server.builder().db(2).build();
        assert_eq!(tcp2.get::<i64>("over-unix").unwrap(), proto);
        let conn = client.get_connection().unwrap();
        assert_eq!(conn.protocol(), protocol);
        assert_eq!(conn.get::<i64>("over-unix").unwrap(), proto);
    }
    // The plain form without parameters.
    let client = Client::open(&format!("unix://{}", path.display())).unwrap();
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn protocol_param_yields_resp3() {
    let server = RedisServer::start();
    let resp3 = Client::open(&format!("{}?protocol=3", server.url())).unwrap();
    assert_eq!(resp3.connection_info().protocol(), Protocol::Resp3);
    match raw(&resp3, &["HELLO"]) {
        Value::Map(pairs) => {
            assert_eq!(map_get(&pairs, "proto"), Some(&Value::Int(3)));
            assert_eq!(map_get(&pairs, "server"), Some(&bulk("redis")));
        }
        other => panic!("HELLO in RESP3 replied {other:?}"),
    }
    assert_eq!(resp3.get_connection().unwrap().protocol(), Protocol::Resp3);

    let resp2 = Client::open(&server.url()).unwrap();
    assert_eq!(resp2.connection_info().protocol(), Protocol::Resp2);
    match raw(&resp2, &["HELLO"]) {
        Value::Array(items) => {
            let proto = items.iter().position(|v| *v == bulk("proto")).unwrap();
            assert_eq!(items[proto + 1], Value::Int(2));
        }
        other => panic!("HELLO in RESP2 replied {other:?}"),
    }
    for spelling in ["resp3", "RESP3"] {
        let c = Client::open(&format!("{}?protocol={spelling}", server.url())).unwrap();
        assert!(matches!(raw(&c, &["HELLO"]), Value::Map(_)));
    }
}

#[test]
fn client_name_is_set() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .client_name("redline-core-test")
            .build();
        let name: String = client.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "redline-core-test");
        let conn = client.get_connection().unwrap();
        let name: String = conn.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "redline-core-test");

        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let from_url = Client::open(&format!(
            "{}/1?protocol={proto}&client_name=from%2Durl",
            server.url()
        ))
        .unwrap();
        let name: String = from_url.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "from-url");
        let info: String = from_url.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" name=from-url "), "{info}");
        assert!(info.contains(" db=1 "), "{info}");

        // Without a name, GETNAME is nil.
        let anon = server.client_with(protocol);
        let name: Option<String> = anon.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, None);
    }
}

#[test]
fn password_auth() {
    let password = "s3cret-pw-XYZ";
    let wrong = "wrong-pw-QQQ";
    let server = RedisServer::start_with(&["--requirepass", password]);
    for protocol in PROTOCOLS {
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };

        let good = server
            .builder()
            .protocol(protocol)
            .password(password)
            .build();
        assert_eq!(good.ping().unwrap(), "PONG");
        good.set("authed", proto).unwrap();
        let conn = good.get_connection().unwrap();
        assert_eq!(conn.get::<i64>("authed").unwrap(), proto);
        let url = format!(
            "redis://:{password}@127.0.0.1:{}/0?protocol={proto}",
            server.port()
        );
        let from_url = Client::open(&url).unwrap();
        assert_eq!(from_url.ping().unwrap(), "PONG");
        let legacy = format!(
            "redis://{password}@127.0.0.1:{}?protocol={proto}",
            server.port()
        );
        assert_eq!(Client::open(&legacy).unwrap().ping().unwrap(), "PONG");

        // The password shows nowhere.
        for text in [
            format!("{good:?}"),
            format!("{:?}", good.connection_info()),
            format!("{conn:?}"),
            format!("{from_url:?}"),
            format!("{:?}", server.builder().password(password)),
            format!("{:?}", ConnectionInfo::from_url(&url).unwrap()),
        ] {
            assert!(!text.contains(password), "{text}");
        }

        // A wrong password.
        let bad = server.builder().protocol(protocol).password(wrong).build();
        let err = bad.ping().unwrap_err();
        match &err {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::WrongPass, "{message}");
                assert_eq!(
                    message,
                    "WRONGPASS invalid username-password pair or user is disabled."
                );
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        assert!(!err.to_string().contains(wrong), "{err}");
        assert!(!format!("{err:?}").contains(wrong), "{err:?}");
        assert!(!format!("{bad:?}").contains(wrong));
        assert_eq!(bad.idle_connections(), 0);
        let err = bad.get_connection().unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongPass));

        // No password: refused on the first command (RESP2) or in HELLO (RESP3).
        let none = server.client_with(protocol);
        let err = none.ping().unwrap_err();
        match &err {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::NoAuth, "{message}");
                assert!(message.starts_with("NOAUTH "), "{message}");
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        let err = none.set("k", "v").unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoAuth));
    }
}

#[test]
fn acl_user_auth() {
    let server = RedisServer::start();
    let admin = server.client();
    let _: () = admin
        .query(&command(&[
            "ACL",
            "SETUSER",
            "alice",
            "on",
            ">alice-pw-77",
            "~*",
            "+@all",
        ]))
        .unwrap();
    let _: () = admin
        .query(&command(&[
            "ACL",
            "SETUSER",
            "reader",
            "on",
            ">reader-pw-88",
            "~*",
            "+@read",
            "+ping",
        ]))
        .unwrap();
    admin.set("shared", "v").unwrap();
    for protocol in PROTOCOLS {
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let url = format!(
            "redis://alice:alice-pw-77@127.0.0.1:{}?protocol={proto}",
            server.port()
        );
        let alice = Client::open(&url).unwrap();
        assert_eq!(alice.connection_info().username(), Some("alice"));
        let who: String = alice.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");
        assert_eq!(alice.get::<String>("shared").unwrap(), "v");
        let conn = alice.get_connection().unwrap();
        let who: String = conn.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");
        assert!(!format!("{alice:?}").contains("alice-pw-77"));
        assert!(!format!("{:?}", alice.connection_info()).contains("alice-pw-77"));

        let built = server
            .builder()
            .protocol(protocol)
            .username("alice")
            .password("alice-pw-77")
            .build();
        let who: String = built.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");

        // A user limited by ACL: NOPERM for what it may not run.
        let reader = server
            .builder()
            .protocol(protocol)
            .username("reader")
            .password("reader-pw-88")
            .build();
        assert_eq!(reader.get::<String>("shared").unwrap(), "v");
        let err = reader.set("shared", "w").unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoPerm), "{err:?}");

        let bad = Client::open(&format!(
            "redis://alice:not-her-pw@127.0.0.1:{}?protocol={proto}",
            server.port()
        ))
        .unwrap();
        let err = bad.ping().unwrap_err();
        assert_eq!(
            err.server_kind(),
            Some(ServerErrorKind::WrongPass),
            "{err:?}"
        );
        assert!(!err.to_string().contains("not-her-pw"));
        let nobody = server
            .builder()
            .protocol(protocol)
            .username("nobody")
            .password("x")
            .build();
        let err = nobody.ping().unwrap_err();
        assert_eq!(
            err.server_kind(),
            Some(ServerErrorKind::WrongPass),
            "{err:?}"
        );
    }
}

/// A password with characters that URLs reserve: percent-encoded it works; left raw, the
/// error must still not show it.
#[test]
fn url_password_with_reserved_characters() {
    let server = RedisServer::start();
    let admin = server.client();
    let password = "p@ss:w/rd?#%&=x";
    let _: () = admin
        .query(
            cmd("ACL")
                .arg("SETUSER")
                .arg("bob")
                .arg("on")
                .arg(format!(">{password}"))
                .arg("~*")
                .arg("+@all"),
        )
        .unwrap();
    for proto in [2, 3] {
        let url = format!(
            "redis://bob:p%40ss%3Aw%2Frd%3F%23%25%26%3Dx@127.0.0.1:{}/4?protocol={proto}&client_name=combo",
            server.port()
        );
        let client = Client::open(&url).unwrap();
        let info: String = client.query(&command(&["CLIENT", "INFO"])).unwrap();
        for part in [
            " db=4 ",
            " name=combo ",
            " user=bob ",
            &format!(" resp={proto}"),
        ] {
            assert!(info.contains(part), "{part:?} not in {info}");
        }
        assert!(!format!("{client:?}").contains("w/rd"));
        // The password given as a query parameter (also percent-encoded).
        let url = format!(
            "redis://127.0.0.1:{}?username=bob&password=p%40ss%3Aw%2Frd%3F%23%25%26%3Dx&protocol={proto}",
            server.port()
        );
        let who: String = Client::open(&url)
            .unwrap()
            .query(&command(&["ACL", "WHOAMI"]))
            .unwrap();
        assert_eq!(who, "bob");
    }
}

/// `InvalidUrl` says what is wrong without echoing the password, even when an unencoded `/`
/// or `?` in the password cuts the URL in the wrong place.
#[test]
fn url_errors_never_show_the_password() {
    for url in [
        "redis://alice:hunter2/secret@127.0.0.1:6379",
        "redis://alice:hunter2?secret@127.0.0.1",
        "redis://:hunter2/secret@127.0.0.1",
        "redis://alice:hunter2%zz@127.0.0.1",
        "redis://alice:hunter2@127.0.0.1:6379/x",
        "redis://alice:hunter2@127.0.0.1:99999",
        "redis://alice:hunter2@127.0.0.1:6379?password=hunter2&db=x",
        "redis://alice:hunter2@127.0.0.1:6379?bogus=1",
        "unix:///tmp/x.sock?password=hunter2&bogus=1",
    ] {
        match ConnectionInfo::from_url(url) {
            Ok(info) => assert!(!format!("{info:?}").contains("hunter2"), "{url}"),
            Err(err) => {
                assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
                assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
                assert!(!format!("{err:?}").contains("hunter2"), "{url}: {err:?}");
            }
        }
        if let Err(err) = Client::open(url) {
            assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
        }
    }
}

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
        let list: String = client.query(&command(&["CLIENT", "LIST"])).unwrap();
        let ours = list
            .lines()
            .filter(|l| l.ends_with(&format!(" resp={proto}")))
            .count();
        assert_eq!(ours, idle, "{list}");
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
// Timeouts, failures, restarts
// ---------------------------------------------------------------------------------------------

#[test]
fn read_timeout_discards_the_connection() {
    let server = RedisServer::start();
    // A client without a timeout: its PING returns once the server is done sleeping.
    let barrier = server.client();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .read_timeout(Some(Duration::from_millis(200)))
            .build();
        assert_eq!(client.ping().unwrap(), "PONG");
        assert_eq!(client.idle_connections(), 1);
        let err = client
            .query::<()>(&command(&["DEBUG", "SLEEP", "1"]))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    op: Operation::Read
                }
            ),
            "{protocol:?}: {err:?}"
        );
        assert!(err.is_timeout());
        assert!(err.is_connection_broken());
        assert_eq!(client.idle_connections(), 0);
        barrier.ping().unwrap();
        // The late +OK of DEBUG SLEEP went to the discarded connection, not to us.
        assert_eq!(client.ping().unwrap(), "PONG");
        assert_eq!(client.idle_connections(), 1);

        // A dedicated connection is broken for good.
        let conn = client.get_connection().unwrap();
        assert_eq!(conn.read_timeout(), Some(Duration::from_millis(200)));
        let err = conn
            .query::<()>(&command(&["DEBUG", "SLEEP", "1"]))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    op: Operation::Read
                }
            ),
            "{err:?}"
        );
        assert!(conn.is_broken());
        barrier.ping().unwrap();
        let err = conn.ping().unwrap_err();
        assert!(matches!(err, Error::Broken), "{err:?}");
        assert!(err.is_connection_broken());
        assert!(matches!(conn.recv(), Err(Error::Broken)));
        assert!(matches!(conn.send(&cmd("PING")), Err(Error::Broken)));

        // A blocking command that outlives the timeout only blocks its own connection.
        let err = client
            .query::<Option<Value>>(&command(&["BLPOP", "nothing", "1"]))
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(client.ping().unwrap(), "PONG");

        // The same timeout from the URL.
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let from_url = Client::open(&format!(
            "{}?read_timeout=200ms&protocol={proto}",
            server.url()
        ))
        .unwrap();
        assert_eq!(
            from_url.connection_info().read_timeout(),
            Some(Duration::from_millis(200))
        );
        let err = from_url
            .query::<Option<Value>>(&command(&["BLPOP", "nothing", "1"]))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    op: Operation::Read
                }
            ),
            "{err:?}"
        );
        assert_eq!(from_url.idle_connections(), 0);
        assert_eq!(from_url.ping().unwrap(), "PONG");
    }
}

#[test]
fn connect_to_closed_port_fails_fast() {
    let port = closed_port();
    let client = Client::builder()
        .host("127.0.0.1")
        .port(port)
        .connect_timeout(Some(Duration::from_secs(2)))
        .build();
    let err = client.ping().unwrap_err();
    match &err {
        Error::Io(e) => assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(err.is_io());
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
    let err = Connection::open(client.connection_info()).unwrap_err();
    assert!(matches!(&err, Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused));
    let err = client.get_connection().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    // Also over a unix socket that does not exist.
    let err = Client::open("unix:///nonexistent/redline.sock")
        .unwrap()
        .ping()
        .unwrap_err();
    assert!(err.is_io(), "{err:?}");
}

#[test]
fn connect_timeout_when_the_backlog_is_full() {
    // A listener that never accepts: once its backlog is full the kernel drops further SYNs,
    // so a connect can only time out. (An "unroutable" address is no good here: sandboxes
    // may proxy outbound connections.)
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    let mut full = false;
    for _ in 0..4096 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => fillers.push(s),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
                full = true;
                break;
            }
        }
    }
    assert!(
        full,
        "the backlog never filled after {} connects",
        fillers.len()
    );
    let client = Client::builder()
        .host("127.0.0.1")
        .port(addr.port())
        .connect_timeout(Some(Duration::from_millis(200)))
        .build();
    let err = client.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Connect
            }
        ),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(err.is_connection_broken());
    assert_eq!(err.to_string(), "timed out while connecting");
    assert_eq!(client.idle_connections(), 0);
}

#[test]
fn server_restart_reconnects_pool_and_breaks_dedicated() {
    let mut server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("before", 1).unwrap();
        assert_eq!(client.idle_connections(), 1);
        let conn = client.get_connection().unwrap();
        assert_eq!(conn.ping().unwrap(), "PONG");

        server.restart();

        // The dead pooled connection is noticed at checkout; the call goes on a new one.
        assert_eq!(client.get::<Option<i64>>("before").unwrap(), None);
        assert_eq!(client.idle_connections(), 1);
        client.set("after", 2).unwrap();
        assert_eq!(client.get::<i64>("after").unwrap(), 2);

        // The dedicated connection sees the closed socket, then stays broken.
        let err = conn.ping().unwrap_err();
        assert!(err.is_io(), "{protocol:?}: {err:?}");
        assert!(conn.is_broken());
        let err = conn.ping().unwrap_err();
        assert!(matches!(err, Error::Broken), "{err:?}");
    }
}

#[test]
fn server_killed_gives_io_then_recovers_after_restart() {
    let mut server = RedisServer::start();
    let client = server.client();
    client.set("k", 1).unwrap();
    server.kill();
    let err = client.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert_eq!(client.idle_connections(), 0);
    server.restart();
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn blocking_pop_on_dedicated_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let key = format!("queue:{protocol:?}");
        let conn = client.get_connection().unwrap();
        let popped: Option<(String, String)> = conn.query(&command(&["BLPOP", &key, "1"])).unwrap();
        assert_eq!(popped, None);
        let raw_timeout = conn.req(&command(&["BLPOP", &key, "1"])).unwrap();
        assert_eq!(raw_timeout, Value::Nil);
        assert!(!conn.is_broken());

        std::thread::scope(|s| {
            s.spawn(|| {
                wait_for_blocked_clients(&client, 1);
                client.rpush(&key, "job-1").unwrap();
            });
            let popped: Option<(String, String)> =
                conn.query(&command(&["BLPOP", &key, "30"])).unwrap();
            assert_eq!(popped, Some((key.clone(), "job-1".to_string())));
        });
        // The connection is in step afterwards.
        assert_eq!(conn.ping().unwrap(), "PONG");
        assert_eq!(conn.llen(&key).unwrap(), 0);

        // A read timeout around a blocking command can be lifted for it.
        conn.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        conn.set_read_timeout(None).unwrap();
        assert_eq!(conn.read_timeout(), None);
        let popped: Option<(String, String)> = conn.query(&command(&["BLPOP", &key, "1"])).unwrap();
        assert_eq!(popped, None);
    }
}
