//! Lua reply types in both protocols, and big and binary payloads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Reply types
// ---------------------------------------------------------------------------------------------

#[test]
fn lua_reply_types_convert() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let resp3 = protocol == Protocol::Resp3;
        let client = server.client_with(protocol);
        let c = &client;

        // Integers and strings.
        assert_eq!(run(c, "return 42"), Value::Int(42));
        assert_eq!(run(c, "return -7"), Value::Int(-7));
        let n: i64 = c.register_script("return 42").call((), ()).unwrap();
        assert_eq!(n, 42);
        assert_eq!(run(c, "return 'hello'"), bulk("hello"));
        let s: String = c.register_script("return 'hello'").call((), ()).unwrap();
        assert_eq!(s, "hello");

        // Lua nil and false are nil; Option gives None.
        assert_eq!(run(c, "return nil"), Value::Nil);
        assert_eq!(run(c, "return false"), Value::Nil);
        let none: Option<i64> = c.register_script("return false").call((), ()).unwrap();
        assert_eq!(none, None);
        let none: Option<String> = c.register_script("return nil").call((), ()).unwrap();
        assert_eq!(none, None);
        let some: Option<i64> = c.register_script("return 5").call((), ()).unwrap();
        assert_eq!(some, Some(5));

        // Lua true is the integer 1 (without redis.setresp(3), in both protocols).
        assert_eq!(run(c, "return true"), Value::Int(1));
        assert!(c
            .register_script("return true")
            .call::<bool>((), ())
            .unwrap());

        // Floats are truncated to integers by the Lua-to-RESP conversion.
        assert_eq!(run(c, "return 3.99"), Value::Int(3));
        assert_eq!(run(c, "return -3.99"), Value::Int(-3));

        // Tables are arrays, nested; a nil ends the array.
        assert_eq!(
            run(c, "return {1, 'two', {3, {4, 'five'}}}"),
            Value::Array(vec![
                Value::Int(1),
                bulk("two"),
                Value::Array(vec![
                    Value::Int(3),
                    Value::Array(vec![Value::Int(4), bulk("five")]),
                ]),
            ])
        );
        let nested: (i64, String, (i64, (i64, String))) = c
            .register_script("return {1, 'two', {3, {4, 'five'}}}")
            .call((), ())
            .unwrap();
        assert_eq!(nested, (1, "two".into(), (3, (4, "five".into()))));
        assert_eq!(
            run(c, "return {1, 2, nil, 4}"),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        );
        assert_eq!(run(c, "return {}"), Value::Array(vec![]));

        // Status replies.
        assert_eq!(
            run(c, "return redis.status_reply('FINE')"),
            Value::SimpleString("FINE".into())
        );
        assert_eq!(run(c, "return redis.status_reply('OK')"), Value::Okay);
        let fine: String = c
            .register_script("return redis.status_reply('FINE')")
            .call((), ())
            .unwrap();
        assert_eq!(fine, "FINE");

        // Error replies made by the script: a server error with its own code.
        let boom = c.register_script("return redis.error_reply('MY_ERR boom')");
        assert_server_error(
            boom.call::<Value>((), ()),
            ServerErrorKind::Other,
            "MY_ERR boom",
        );
        let boom = c.register_script("return redis.error_reply('ERR plain')");
        assert_server_error(
            boom.call::<Value>((), ()),
            ServerErrorKind::Err,
            "ERR plain",
        );
        let boom = c.register_script("return {err='WRONGTYPE made up'}");
        assert_server_error(
            boom.call::<Value>((), ()),
            ServerErrorKind::WrongType,
            "WRONGTYPE made up",
        );
        // An error inside a table stays an element; converting the table surfaces it.
        let inner = c.register_script("return {1, redis.error_reply('INNER oops')}");
        assert_eq!(
            inner.call::<Value>((), ()).unwrap(),
            Value::Array(vec![Value::Int(1), Value::Error("INNER oops".into())])
        );
        assert_server_error(
            inner.call::<Vec<i64>>((), ()),
            ServerErrorKind::Other,
            "INNER oops",
        );

        // RESP3 types, with redis.setresp(3). On a RESP2 connection the server downgrades them.
        let map = run(c, "redis.setresp(3) return {map={a=1}}");
        let set = run(c, "redis.setresp(3) return {set={a=true}}");
        let double = run(c, "redis.setresp(3) return {double=2.75}");
        let t = run(c, "redis.setresp(3) return true");
        let f = run(c, "redis.setresp(3) return false");
        let nil = run(c, "redis.setresp(3) return nil");
        let big = run(
            c,
            "redis.setresp(3) return {big_number='123456789012345678901234567890'}",
        );
        let verbatim = run(
            c,
            "redis.setresp(3) return {verbatim_string={format='txt', string='hi'}}",
        );
        // A {map=...} table is converted even without redis.setresp(3).
        let map_without_setresp = run(c, "return {map={a=1}}");
        // Redis 6.2 returns both as empty tables.
        let big_and_verbatim = supported!(
            server_kind().redis_version >= (7, 0, 0),
            "Lua big_number and verbatim_string replies came in Redis 7.0"
        );
        if resp3 {
            assert_eq!(map, Value::Map(vec![(bulk("a"), Value::Int(1))]));
            assert_eq!(set, Value::Set(vec![bulk("a")]));
            assert_eq!(double, Value::Double(2.75));
            assert_eq!(t, Value::Boolean(true));
            assert_eq!(f, Value::Boolean(false));
            if big_and_verbatim {
                assert_eq!(
                    big,
                    Value::BigNumber("123456789012345678901234567890".into())
                );
                assert_eq!(
                    verbatim,
                    Value::Verbatim {
                        format: *b"txt",
                        text: b"hi".to_vec()
                    }
                );
            }
            assert_eq!(
                map_without_setresp,
                Value::Map(vec![(bulk("a"), Value::Int(1))])
            );
        } else {
            assert_eq!(map, Value::Array(vec![bulk("a"), Value::Int(1)]));
            assert_eq!(set, Value::Array(vec![bulk("a")]));
            assert_eq!(double, bulk("2.75"));
            assert_eq!(t, Value::Int(1));
            assert_eq!(f, Value::Int(0));
            if big_and_verbatim {
                assert_eq!(big, bulk("123456789012345678901234567890"));
                assert_eq!(verbatim, bulk("hi"));
            }
            assert_eq!(
                map_without_setresp,
                Value::Array(vec![bulk("a"), Value::Int(1)])
            );
        }
        assert_eq!(nil, Value::Nil);

        // The typed conversions read both protocols the same way.
        let m: HashMap<String, i64> = c
            .register_script("redis.setresp(3) return {map={a=1, b=2}}")
            .call((), ())
            .unwrap();
        assert_eq!(m, HashMap::from([("a".into(), 1), ("b".into(), 2)]));
        let s: std::collections::HashSet<String> = c
            .register_script("redis.setresp(3) return {set={a=true, b=true}}")
            .call((), ())
            .unwrap();
        assert_eq!(s, ["a".to_string(), "b".to_string()].into());
        let d: f64 = c
            .register_script("redis.setresp(3) return {double=2.75}")
            .call((), ())
            .unwrap();
        assert_eq!(d, 2.75);
        let b: bool = c
            .register_script("redis.setresp(3) return false")
            .call((), ())
            .unwrap();
        assert!(!b);
        if !big_and_verbatim {
            continue;
        }
        let big: String = c
            .register_script("redis.setresp(3) return {big_number='-98765432109876543210'}")
            .call((), ())
            .unwrap();
        assert_eq!(big, "-98765432109876543210");
        let v: String = c
            .register_script(
                "redis.setresp(3) return {verbatim_string={format='txt', string='hi'}}",
            )
            .call((), ())
            .unwrap();
        assert_eq!(v, "hi");
    }
}

#[test]
fn redis_call_replies_seen_by_lua_round_trip() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.del("h").unwrap();
        client.hset("h", "f", "v").unwrap();
        // HGETALL inside the script: a flat array in RESP2 mode, a map after setresp(3).
        let resp2_view = run(&client, "return redis.call('HGETALL', 'h')");
        assert_eq!(resp2_view, Value::Array(vec![bulk("f"), bulk("v")]));
        let resp3_view = run(
            &client,
            "redis.setresp(3) return redis.call('HGETALL', 'h')",
        );
        if protocol == Protocol::Resp3 {
            assert_eq!(resp3_view, Value::Map(vec![(bulk("f"), bulk("v"))]));
        } else {
            assert_eq!(resp3_view, Value::Array(vec![bulk("f"), bulk("v")]));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Big and binary payloads
// ---------------------------------------------------------------------------------------------

#[test]
fn huge_script_and_binary_args_round_trip() {
    let server = RedisServer::start();
    const MIB: usize = 1 << 20;
    let mut source = String::with_capacity(MIB + 64);
    source.push_str("-- ");
    source.extend(std::iter::repeat('p').take(MIB));
    source.push_str("\nreturn #ARGV[1]");
    let big_arg: Vec<u8> = (0..MIB).map(|i| (i * 7 % 256) as u8).collect();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();

        let huge = client.register_script(&source);
        assert_eq!(huge.call::<i64>((), "abc").unwrap(), 3);
        assert_eq!(huge.call::<i64>((), &big_arg).unwrap(), MIB as i64);
        assert_eq!(huge.load().unwrap(), huge.sha());

        let echo = client.register_script("return ARGV[1]");
        for arg in [
            &b"a\0b\0\0c"[..],
            b"\xff\xfe\x80\xc3(",
            b"\0",
            b"",
            b"\r\n$-1\r\n",
        ] {
            let back: Vec<u8> = echo.call((), arg).unwrap();
            assert_eq!(back, arg);
        }
        let back: Vec<u8> = echo.call((), &big_arg).unwrap();
        assert!(back == big_arg, "1 MiB argument came back different");

        // Keys are binary-safe too.
        let keys = client.register_script("return {KEYS[1], KEYS[2], ARGV[1]}");
        let out: Vec<Vec<u8>> = keys
            .call((&b"k\0\xff"[..], &b"\x80"[..]), &b"v\0"[..])
            .unwrap();
        assert_eq!(
            out,
            [b"k\0\xff".to_vec(), b"\x80".to_vec(), b"v\0".to_vec()]
        );
    }
}
