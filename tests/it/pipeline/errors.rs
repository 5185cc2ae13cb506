//! Errors in plain and atomic pipelines, and empty pipelines.

use super::*;

// ---------------------------------------------------------------------------------------------
// Errors in plain and atomic batches
// ---------------------------------------------------------------------------------------------

#[test]
fn error_in_the_middle_of_a_plain_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        client.set("text", "abc").unwrap();
        client.rpush("list", "x").unwrap();

        // "not an integer".
        let err = client
            .pipeline()
            .set("a", 1)
            .cmd(cmd("INCR").arg("text"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let message = err.to_string();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1, "{protocol:?}");
        assert_eq!(command, "INCR text");
        assert!(message.contains("INCR text"), "{message}");
        match &source {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::Err);
                assert_eq!(message, "ERR value is not an integer or out of range");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(client.get::<i64>("a").unwrap(), 1);
        assert_eq!(client.get::<i64>("b").unwrap(), 2);

        // WRONGTYPE, with a typed helper.
        let err = client
            .pipeline()
            .set("a", 10)
            .incr_by("list", 1)
            .set("b", 20)
            .execute::<((), i64, ())>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert_eq!(command, "INCRBY list 1");
        assert_eq!(source.server_kind(), Some(ServerErrorKind::WrongType));
        assert_eq!(client.get::<i64>("a").unwrap(), 10);
        assert_eq!(client.get::<i64>("b").unwrap(), 20);

        // Only the first error is returned, but every command ran.
        let err = client
            .pipeline()
            .cmd(cmd("INCR").arg("text"))
            .incr_by("list", 1)
            .set("c", 3)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 0);
        assert_eq!(client.get::<i64>("c").unwrap(), 3);

        // execute_raw: three replies, the error as a value.
        let raw = client
            .pipeline()
            .set("a", 100)
            .cmd(cmd("INCR").arg("text"))
            .set("b", 200)
            .execute_raw()
            .unwrap();
        assert_eq!(
            raw,
            vec![
                Value::Okay,
                Value::Error("ERR value is not an integer or out of range".into()),
                Value::Okay
            ]
        );
        assert_eq!(client.get::<i64>("b").unwrap(), 200);

        // The same on a dedicated connection, which stays in step afterwards.
        let conn = client.get_connection().unwrap();
        let err = conn
            .pipeline()
            .set("a", 1)
            .cmd(cmd("INCR").arg("text"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 1);
        assert!(!conn.is_broken());
        assert_eq!(conn.get::<String>("text").unwrap(), "abc");
        assert_eq!(conn.get::<i64>("b").unwrap(), 2);
    }
}

#[test]
fn atomic_results_and_runtime_error_without_rollback() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let multiply = client.register_script(MULTIPLY);

        let (ok, n, product, got): (bool, i64, i64, String) = client
            .pipeline()
            .atomic()
            .set("a", 3)
            .incr_by("a", 1)
            .script(&multiply, "a", 10)
            .get("a")
            .execute()
            .unwrap();
        assert_eq!((ok, n, product, got.as_str()), (true, 4, 40, "4"));

        // A run-time error inside EXEC: reported on its command; the others applied.
        client.set("text", "abc").unwrap();
        let err = client
            .pipeline()
            .atomic()
            .set("x", 1)
            .cmd(cmd("INCR").arg("text"))
            .set("y", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1, "{protocol:?}");
        assert_eq!(command, "INCR text");
        assert_eq!(source.server_kind(), Some(ServerErrorKind::Err));
        assert!(source.to_string().contains("not an integer"), "{source}");
        assert_eq!(client.get::<i64>("x").unwrap(), 1);
        assert_eq!(client.get::<i64>("y").unwrap(), 2);

        // execute_raw on an atomic batch: the EXEC replies, error included.
        let raw = client
            .pipeline()
            .atomic()
            .set("x", 10)
            .cmd(cmd("INCR").arg("text"))
            .incr_by("x", 5)
            .execute_raw()
            .unwrap();
        assert_eq!(
            raw,
            vec![
                Value::Okay,
                Value::Error("ERR value is not an integer or out of range".into()),
                Value::Int(15)
            ]
        );

        // On a dedicated connection, which stays in step.
        let conn = client.get_connection().unwrap();
        let err = conn
            .pipeline()
            .atomic()
            .incr_by("x", 1)
            .rpush("text", "v")
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, _, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert_eq!(source.server_kind(), Some(ServerErrorKind::WrongType));
        assert_eq!(conn.get::<i64>("x").unwrap(), 16);
    }
}

#[test]
fn execabort_reports_the_command_that_failed_to_queue_and_applies_nothing() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let multiply = client.register_script(MULTIPLY);

        // Wrong arity.
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .script(&multiply, "a", 2)
            .cmd(cmd("SET").arg("onlykey"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 2, "{protocol:?}");
        assert_eq!(command, "SET onlykey");
        match &source {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::Err);
                assert_eq!(message, "ERR wrong number of arguments for 'set' command");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(client.exists(["a", "b"]).unwrap(), 0, "nothing applied");

        // Unknown command.
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .cmd(cmd("NOSUCHCOMMAND").arg("x"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert!(command.starts_with("NOSUCHCOMMAND"), "{command}");
        assert!(
            source
                .to_string()
                .contains(&unknown_command_text("NOSUCHCOMMAND")),
            "{source}"
        );
        assert_eq!(client.exists(["a", "b"]).unwrap(), 0, "nothing applied");

        // execute_raw reports the abort too (there are no per-command results).
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .cmd(&cmd("GET"))
            .execute_raw()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 1);
        assert_eq!(client.exists("a").unwrap(), 0);

        // The pooled connection is out of MULTI: a plain command works, and a later atomic
        // batch on it runs normally.
        assert_eq!(client.ping().unwrap(), "PONG");
        let (n,): (i64,) = client
            .pipeline()
            .atomic()
            .incr_by("c", 1)
            .execute()
            .unwrap();
        assert_eq!(n, 1);
    }
}

#[test]
fn ignore_drops_replies_but_not_errors() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        for atomic in [false, true] {
            let client = server.client_with(protocol);
            client.flushdb().unwrap();
            let multiply = client.register_script(MULTIPLY);
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let (product, got): (i64, String) = pipe
                .set("a", 2)
                .ignore()
                .script(&multiply, "a", 21)
                .incr_by("a", 1)
                .ignore()
                .get("a")
                .execute()
                .unwrap();
            assert_eq!((product, got.as_str()), (42, "3"), "atomic={atomic}");

            // All ignored: an empty result, and `()` works.
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let all: Vec<Value> = pipe
                .set("b", 1)
                .ignore()
                .incr_by("b", 1)
                .ignore()
                .execute()
                .unwrap();
            assert!(all.is_empty());
            assert_eq!(client.get::<i64>("b").unwrap(), 2);

            // An error in an ignored command is still reported, with its index among all
            // commands (ignored ones count).
            client.set("text", "abc").unwrap();
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let err = pipe
                .set("c", 1)
                .ignore()
                .cmd(cmd("INCR").arg("text"))
                .ignore()
                .get("c")
                .execute::<(String,)>()
                .unwrap_err();
            let (index, command, _) = pipeline_error(err);
            assert_eq!(
                (index, command.as_str()),
                (1, "INCR text"),
                "atomic={atomic}"
            );

            // execute_raw leaves ignored replies out.
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let raw = pipe
                .set("d", 1)
                .ignore()
                .incr_by("d", 5)
                .execute_raw()
                .unwrap();
            assert_eq!(raw, vec![Value::Int(6)]);

            // `ignore` on an empty pipeline does nothing.
            let mut pipe = client.pipeline();
            pipe.ignore().get("d");
            let (d,): (i64,) = pipe.execute().unwrap();
            assert_eq!(d, 6);
        }
    }
}

#[test]
fn empty_pipeline_needs_no_server() {
    // A client pointing at a port where nothing listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder().host("127.0.0.1").port(port).build();
    assert!(client
        .pipeline()
        .execute::<Vec<Value>>()
        .unwrap()
        .is_empty());
    assert!(client.pipeline().execute_raw().unwrap().is_empty());
    client.pipeline().atomic().execute::<()>().unwrap();
    let empty: Vec<i64> = client.pipeline().atomic().execute().unwrap();
    assert!(empty.is_empty());
    assert_eq!(client.idle_connections(), 0, "never connected");
    // The same client fails as it should once a command is queued.
    let err = client.pipeline().set("a", 1).execute::<()>().unwrap_err();
    assert!(err.is_connection_broken(), "{err:?}");

    // On a real server, an empty pipeline leaves commandstats as they were.
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let observer = server.client();
    let before = Stats::of(&observer);
    let script = client.register_script(MULTIPLY);
    let mut pipe = conn.pipeline();
    pipe.script(&script, "k", 1).set("x", 1);
    pipe.clear();
    assert!(pipe.execute::<Vec<Value>>().unwrap().is_empty());
    conn.pipeline().atomic().execute::<()>().unwrap();
    let after = Stats::of(&observer);
    let mut changed: Vec<_> = after
        .0
        .iter()
        .filter(|(name, calls)| name.as_str() != "info" && before.calls(name) != **calls)
        .collect();
    changed.sort();
    assert!(changed.is_empty(), "{changed:?}");
}
