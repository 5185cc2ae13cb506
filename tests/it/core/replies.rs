//! Every reply type in RESP2 and RESP3, `DEBUG PROTOCOL`, `INFO` and tracking pushes.

use super::*;

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
                    message.starts_with(&unknown_command_text("NOSUCHCOMMAND")),
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

/// The double `DEBUG PROTOCOL double` sends, and its RESP2 text: 3.141 from Redis 7.0 on;
/// Redis 6.2 sends pi to 12 digits, which RESP2 writes with 17.
// Literal values the servers send, not approximations of pi.
#[allow(clippy::approx_constant)]
fn debug_double() -> (f64, &'static str) {
    if server_kind().redis_version >= (7, 0, 0) {
        (3.141, "3.141")
    } else {
        (3.14159265359, "3.1415926535900001")
    }
}

/// `DEBUG PROTOCOL <type>` for every type, in both protocols, raw and converted.
#[test]
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
        let (double, double_text) = debug_double();
        assert_eq!(
            dp("double"),
            if resp3 {
                Value::Double(double)
            } else {
                bulk(double_text)
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
        assert_eq!(client.query::<f64>(&q("double")).unwrap(), double);
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
fn replies_display_like_redis_cli() {
    // Each expected text is what `redis-cli --no-raw` 7.0.15 printed for the same command
    // (`-3` for RESP3), except the big number, which redis-cli 7.0 cannot print.
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let resp3 = protocol == Protocol::Resp3;
        let shown = |words: &[&str]| raw(&client, words).to_string();

        assert_eq!(shown(&["SET", "k", "v"]), "OK");
        assert_eq!(shown(&["PING"]), "PONG");
        assert_eq!(shown(&["INCRBY", "n", "5"]), "(integer) 5");
        assert_eq!(shown(&["GET", "missing"]), "(nil)");
        assert_eq!(shown(&["LRANGE", "missing", "0", "-1"]), "(empty array)");
        client.rpush("list", ["a", "b", "c d"]).unwrap();
        assert_eq!(
            shown(&["LRANGE", "list", "0", "-1"]),
            "1) \"a\"\n2) \"b\"\n3) \"c d\""
        );
        client
            .set("bin", &b"a\nb\"c\\d\x01\x7f\xff \xc3\xa9\t\r\x07\x08"[..])
            .unwrap();
        assert_eq!(
            shown(&["GET", "bin"]),
            r#""a\nb\"c\\d\x01\x7f\xff \xc3\xa9\t\r\a\b""#
        );

        let nested = raw(&client, &["EVAL", "return {1,{2,{3,'x'},'y'},{}}", "0"]);
        assert_eq!(
            nested.to_string(),
            "1) (integer) 1\n\
             2) 1) (integer) 2\n   \
                2) 1) (integer) 3\n      \
                   2) \"x\"\n   \
                3) \"y\"\n\
             3) (empty array)"
        );
        let with_error = raw(
            &client,
            &["EVAL", "return {1, redis.error_reply('E x')}", "0"],
        );
        assert_eq!(with_error.to_string(), "1) (integer) 1\n2) (error) E x");

        client
            .hset_multiple("h", [("f1", "v1"), ("f2", "v2")])
            .unwrap();
        assert_eq!(
            shown(&["HGETALL", "h"]),
            if resp3 {
                "1# \"f1\" => \"v1\"\n2# \"f2\" => \"v2\""
            } else {
                "1) \"f1\"\n2) \"v1\"\n3) \"f2\"\n4) \"v2\""
            }
        );
        assert_eq!(
            shown(&["HGETALL", "missing"]),
            if resp3 {
                "(empty hash)"
            } else {
                "(empty array)"
            }
        );
        client.sadd("s", "a").unwrap();
        assert_eq!(
            shown(&["SMEMBERS", "s"]),
            if resp3 { "1~ \"a\"" } else { "1) \"a\"" }
        );

        if resp3 {
            let dp = |t: &str| shown(&["DEBUG", "PROTOCOL", t]);
            assert_eq!(dp("double"), format!("(double) {}", debug_double().0));
            assert_eq!(dp("true"), "(true)");
            assert_eq!(dp("false"), "(false)");
            assert_eq!(dp("verbatim"), "This is a verbatim\nstring");
            assert_eq!(
                dp("map"),
                "1# (integer) 0 => (false)\n2# (integer) 1 => (true)\n3# (integer) 2 => (false)"
            );
            assert_eq!(
                dp("bignum"),
                "(big number) 1234567999999999999999999999999999999"
            );
            assert_eq!(dp("attrib"), "\"Some real reply following the attribute\"");
            // A map value over several lines starts on the next line.
            let script = "redis.setresp(3) return {map={a={1,2}}}";
            assert_eq!(
                shown(&["EVAL", script, "0"]),
                "1# \"a\" => \n   1) (integer) 1\n   2) (integer) 2"
            );
        }
        client.del(["k", "n", "list", "bin", "h", "s"]).unwrap();
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
        let major = server_kind().redis_version.0;
        assert!(server_section.contains(&format!("redis_version:{major}.")));
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
