//! Pipeline results in RESP2 and RESP3: scripts, functions and Lua errors.

use super::*;

// ---------------------------------------------------------------------------------------------
// Results in both protocols
// ---------------------------------------------------------------------------------------------

#[test]
fn seed_example_on_client_and_connection_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let multiply = client.register_script(MULTIPLY);

        // On the pooled client.
        let (ok, product): (bool, i64) = client
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25), "{protocol:?}");

        let values: Vec<Value> = client
            .pipeline()
            .set("foo", 6)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!(values, vec![Value::Okay, Value::Int(30)], "{protocol:?}");

        let raw = client
            .pipeline()
            .set("foo", 7)
            .script(&multiply, "foo", 5)
            .execute_raw()
            .unwrap();
        assert_eq!(raw, vec![Value::Okay, Value::Int(35)], "{protocol:?}");

        // On a dedicated connection, whose script cache starts empty.
        let conn = client.get_connection().unwrap();
        let (ok, product): (bool, i64) = conn
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25), "{protocol:?}");
        let raw = conn
            .pipeline()
            .set("foo", 8)
            .script(&multiply, "foo", 5)
            .execute_raw()
            .unwrap();
        assert_eq!(raw, vec![Value::Okay, Value::Int(40)], "{protocol:?}");

        // Atomic, same results.
        let (ok, product): (bool, i64) = conn
            .pipeline()
            .atomic()
            .set("foo", 9)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 45), "{protocol:?}");
    }
}

#[test]
fn replies_of_every_shape_convert_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let nested = client.register_script("return {1, 'two', {3, 'four'}}");
        #[allow(clippy::type_complexity)]
        let (set, missing, hset, map, list_len, nested_value, members): (
            (),
            Option<String>,
            i64,
            HashMap<String, String>,
            i64,
            Value,
            Vec<String>,
        ) = client
            .pipeline()
            .set("s", "v")
            .get("missing")
            .hset("h", "f", "x")
            .cmd(cmd("HGETALL").arg("h"))
            .rpush("l", ["a", "b", "c"])
            .script(&nested, (), ())
            .cmd(cmd("LRANGE").arg("l").arg(0).arg(-1))
            .execute()
            .unwrap();
        let () = set;
        assert_eq!(missing, None);
        assert_eq!(hset, 1);
        assert_eq!(map, HashMap::from([("f".to_string(), "x".to_string())]));
        assert_eq!(list_len, 3);
        assert_eq!(
            nested_value,
            Value::Array(vec![
                Value::Int(1),
                Value::Bulk(b"two".to_vec()),
                Value::Array(vec![Value::Int(3), Value::Bulk(b"four".to_vec())]),
            ]),
            "{protocol:?}"
        );
        assert_eq!(members, ["a", "b", "c"]);

        // The raw HGETALL reply is the protocol's own shape.
        let raw = client
            .pipeline()
            .cmd(cmd("HGETALL").arg("h"))
            .execute_raw()
            .unwrap();
        let expected = match protocol {
            Protocol::Resp2 => {
                Value::Array(vec![Value::Bulk(b"f".to_vec()), Value::Bulk(b"x".to_vec())])
            }
            Protocol::Resp3 => Value::Map(vec![(
                Value::Bulk(b"f".to_vec()),
                Value::Bulk(b"x".to_vec()),
            )]),
        };
        assert_eq!(raw, vec![expected]);
    }
}

#[test]
fn pipeline_is_reusable_after_execute_and_clear() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let mut pipe = conn.pipeline();
    assert!(pipe.is_empty());
    pipe.set("a", 1).incr_by("a", 2);
    assert_eq!(pipe.len(), 2);
    let (_, a): ((), i64) = pipe.execute().unwrap();
    assert_eq!(a, 3);
    assert!(pipe.is_empty(), "execute empties the queue");

    pipe.incr_by("a", 10);
    pipe.clear();
    assert!(pipe.is_empty());
    pipe.get("a");
    let (a,): (i64,) = pipe.execute().unwrap();
    assert_eq!(a, 3, "a cleared command never ran");

    // After an error the queue is emptied too, and the connection is in step.
    pipe.set("str", "x").incr_by("str", 1).get("a");
    pipe.execute::<Vec<Value>>().unwrap_err();
    assert!(pipe.is_empty());
    pipe.get("str");
    let (s,): (String,) = pipe.execute().unwrap();
    assert_eq!(s, "x");
    assert_eq!(conn.get::<i64>("a").unwrap(), 3);
}

#[test]
fn fcall_and_fcall_ro_in_a_pipeline() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let lib = client
            .function_load(
                "#!lua name=pipelib\n\
                 redis.register_function('bump', function(keys, args) \
                   return redis.call('INCRBY', keys[1], args[1]) end)\n\
                 redis.register_function{function_name='peek', \
                   callback=function(keys, args) return redis.call('GET', keys[1]) end, \
                   flags={'no-writes'}}",
                true,
            )
            .unwrap();
        assert_eq!(lib, "pipelib");
        client.del("counter").unwrap();

        let (a, b, peeked): (i64, i64, String) = client
            .pipeline()
            .fcall("bump", "counter", 2)
            .fcall("bump", "counter", 3)
            .fcall_ro("peek", "counter", ())
            .execute()
            .unwrap();
        assert_eq!((a, b, peeked.as_str()), (2, 5, "5"), "{protocol:?}");

        // Atomic, and on a dedicated connection.
        let conn = client.get_connection().unwrap();
        let (a, peeked): (i64, i64) = conn
            .pipeline()
            .atomic()
            .fcall("bump", "counter", 10)
            .fcall_ro("peek", "counter", ())
            .execute()
            .unwrap();
        assert_eq!((a, peeked), (15, 15));

        // A missing function is reported on its command.
        let err = client
            .pipeline()
            .fcall("bump", "counter", 1)
            .fcall("nope", (), ())
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert!(command.contains("FCALL nope"), "{command}");
        assert_eq!(
            source.server_kind(),
            Some(ServerErrorKind::Err),
            "{source:?}"
        );
        assert!(
            source.to_string().contains("Function not found"),
            "{source}"
        );
        assert_eq!(client.get::<i64>("counter").unwrap(), 16);

        // A write through FCALL_RO is refused.
        let err = client
            .pipeline()
            .fcall_ro("bump", "counter", 1)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, _, source) = pipeline_error(err);
        assert_eq!(index, 0);
        assert!(
            source
                .to_string()
                .contains("Can not execute a script with write flag using *_ro command"),
            "{source}"
        );
        assert_eq!(client.get::<i64>("counter").unwrap(), 16);
    }
}

#[test]
fn script_ro_in_a_pipeline() {
    skip_unless!(has_redis7_scripting(), NEEDS_RO);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let read = client.register_script("return redis.call('GET', KEYS[1])");
        let write = client.register_script("return redis.call('SET', KEYS[1], ARGV[1])");
        let conn = client.get_connection().unwrap();
        let (set, got, got_rw): (bool, String, String) = conn
            .pipeline()
            .set("k", "v1")
            .script_ro(&read, "k", ())
            .script(&read, "k", ())
            .execute()
            .unwrap();
        assert!(set);
        assert_eq!((got.as_str(), got_rw.as_str()), ("v1", "v1"));

        // A write from a read-only call fails on that command only.
        let err = conn
            .pipeline()
            .script_ro(&write, "k", "v2")
            .script(&write, "k2", "v3")
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 0);
        assert!(command.starts_with("EVALSHA_RO"), "{command}");
        assert!(
            source
                .to_string()
                .contains("Write commands are not allowed from read-only scripts"),
            "{source:?}"
        );
        assert_eq!(conn.get::<String>("k").unwrap(), "v1");
        assert_eq!(conn.get::<String>("k2").unwrap(), "v3");
    }
}

#[test]
fn lua_errors_in_a_pipeline_name_the_command_and_script() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let failing = client.register_script("local x = 1\nerror('boom')");
        let err = client
            .pipeline()
            .set("a", 1)
            .script(&failing, (), ())
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        // The reason is found through the pipeline error.
        assert_eq!(err.script_reason(), Some("boom"));
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert!(command.starts_with("EVALSHA"), "{command}");
        match source {
            Error::Script {
                message,
                reason,
                sha,
                line,
            } => {
                assert!(message.contains("boom"), "{message}");
                assert_eq!(reason, "boom");
                assert_eq!(sha.as_deref(), Some(failing.sha()));
                assert_eq!(line, Some(2));
            }
            other => panic!("{protocol:?}: expected Error::Script, got {other:?}"),
        }
        assert_eq!(client.get::<i64>("b").unwrap(), 2);

        // redis.error_reply with a made-up code.
        let custom = client.register_script("return redis.error_reply('MYERR custom failure')");
        let raw = client
            .pipeline()
            .script(&custom, (), ())
            .execute_raw()
            .unwrap();
        assert_eq!(raw, vec![Value::Error("MYERR custom failure".into())]);

        // A compile error: the inline SCRIPT LOAD fails, the batch still runs, and the error
        // is reported on the command that calls the script.
        client.del(["a", "b"]).unwrap();
        let broken = client.register_script("return +");
        for atomic in [false, true] {
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let err = pipe
                .set("a", 1)
                .script(&broken, (), ())
                .set("b", 2)
                .execute::<Vec<Value>>()
                .unwrap_err();
            let (index, _, source) = pipeline_error(err);
            assert_eq!(index, 1, "atomic={atomic}");
            match &source {
                Error::Script {
                    message, reason, ..
                } => {
                    assert!(message.contains("Error compiling script"), "{message}");
                    assert_eq!(reason, "unexpected symbol near '+'");
                }
                other => panic!("{protocol:?} atomic={atomic}: expected Script, got {other:?}"),
            }
            assert_eq!(client.get::<i64>("a").unwrap(), 1);
            assert_eq!(client.get::<i64>("b").unwrap(), 2);
            // The pooled connection is still in step.
            assert_eq!(client.ping().unwrap(), "PONG");
        }
    }
}
