//! Very large batches, a server dying or stalling mid-batch, and other batch edges.

use super::*;

// ---------------------------------------------------------------------------------------------
// Big batches and a dying server
// ---------------------------------------------------------------------------------------------

const MILLION: usize = 1_000_000;

#[test]
fn million_commands_in_one_pipeline() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let started = Instant::now();
    let mut pipe = conn.pipeline();
    for i in 0..MILLION {
        pipe.set(i, i);
    }
    let built = started.elapsed();
    let replies: Vec<Value> = pipe.execute().unwrap();
    let plain = started.elapsed();
    assert_eq!(replies.len(), MILLION);
    assert!(replies.iter().all(|r| *r == Value::Okay));
    assert_eq!(client.dbsize().unwrap(), MILLION as i64);

    // The same with every reply ignored, into `()`.
    let started = Instant::now();
    let mut pipe = conn.pipeline();
    for i in 0..MILLION {
        pipe.incr_by(i, 1).ignore();
    }
    pipe.execute::<()>().unwrap();
    let ignored = started.elapsed();
    assert_eq!(client.get::<i64>(MILLION - 1).unwrap(), MILLION as i64);
    assert_eq!(client.get::<i64>(0).unwrap(), 1);
    println!(
        "1,000,000 SETs: {plain:?} (queueing {built:?}); 1,000,000 ignored INCRBYs: {ignored:?}"
    );
}

#[test]
fn million_commands_in_one_atomic_pipeline() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let started = Instant::now();
    let mut pipe = conn.pipeline();
    pipe.atomic();
    for i in 0..MILLION {
        pipe.incr_by(i % 1000, 1);
    }
    let replies: Vec<i64> = pipe.execute().unwrap();
    let took = started.elapsed();
    assert_eq!(replies.len(), MILLION);
    assert_eq!(replies[0], 1);
    assert_eq!(replies[MILLION - 1], 1000);
    assert_eq!(client.get::<i64>(999).unwrap(), 1000);
    assert_eq!(client.dbsize().unwrap(), 1000);
    println!("1,000,000 INCRBYs in MULTI/EXEC: {took:?}");
}

#[test]
fn server_killed_mid_batch_gives_a_connection_error_and_the_client_recovers() {
    let mut server = RedisServer::start();
    let client = server
        .builder()
        .read_timeout(Some(Duration::from_secs(5)))
        .build();
    let multiply = client.register_script(MULTIPLY);
    client.set("warm", 1).unwrap();
    let dedicated = client.get_connection().unwrap();
    let watcher = server
        .builder()
        .read_timeout(Some(Duration::from_secs(5)))
        .build();

    let result = std::thread::scope(|s| {
        let server = &mut server;
        s.spawn(move || {
            // Kill once the server is well into the batch (whose middle holds two
            // DEBUG SLEEPs, so it cannot have finished).
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if watcher.exists("k50000").unwrap_or(0) == 1 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            server.kill();
        });
        let mut pipe = client.pipeline();
        for i in 0..100_000 {
            pipe.set(format!("k{i}"), i);
        }
        pipe.cmd(cmd("DEBUG").arg("SLEEP").arg(1));
        for i in 100_000..200_000 {
            pipe.set(format!("k{i}"), i);
        }
        pipe.cmd(cmd("DEBUG").arg("SLEEP").arg(1));
        pipe.set("last", 1);
        pipe.execute::<Vec<Value>>()
    });
    let err = result.expect_err("the server died during the batch");
    assert!(err.is_connection_broken(), "{err:?}");
    assert!(
        !err.is_timeout(),
        "a dead server is seen at once, not by timeout: {err:?}"
    );
    println!("batch on a killed server: {err}");
    assert_eq!(
        client.idle_connections(),
        0,
        "the broken connection was dropped"
    );

    server.restart();
    // The same client works again, scripts included (the new server's cache is empty).
    client.set("after", 1).unwrap();
    assert_eq!(client.get::<i64>("after").unwrap(), 1);
    let (_, v): ((), i64) = client
        .pipeline()
        .set("n", 4)
        .script(&multiply, "n", 5)
        .execute()
        .unwrap();
    assert_eq!(v, 20);
    assert_eq!(client.dbsize().unwrap(), 2, "the restarted server is empty");

    // A dedicated connection opened before the restart fails with a connection error, then
    // reports itself broken.
    let err = dedicated
        .pipeline()
        .set("x", 1)
        .execute::<Vec<Value>>()
        .unwrap_err();
    assert!(err.is_connection_broken(), "{err:?}");
    assert!(dedicated.is_broken());
    let err = dedicated.pipeline().get("x").execute_raw().unwrap_err();
    assert!(matches!(err, Error::Broken), "{err:?}");
}

#[test]
fn values_larger_than_a_write_chunk_round_trip_intact() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        // Each value is 1 MiB (four times the 256 KiB write chunk), each one different.
        let values: Vec<Vec<u8>> = (0..12u8)
            .map(|i| {
                (0..1024 * 1024)
                    .map(|j: u32| (j as u8).wrapping_mul(31).wrapping_add(i))
                    .collect()
            })
            .collect();
        let mut pipe = conn.pipeline();
        for (i, v) in values.iter().enumerate() {
            pipe.set(format!("big:{i}"), v).ignore();
        }
        for i in 0..values.len() {
            pipe.get(format!("big:{i}"));
        }
        let got: Vec<Vec<u8>> = pipe.execute().unwrap();
        assert_eq!(got.len(), values.len());
        for (i, (got, want)) in got.iter().zip(&values).enumerate() {
            assert!(got == want, "{protocol:?}: value {i} differs");
        }
        // Atomic as well.
        let mut pipe = conn.pipeline();
        pipe.atomic();
        for (i, v) in values.iter().enumerate().take(4) {
            pipe.set(format!("big:{i}"), v).get(format!("big:{i}"));
        }
        let replies = pipe.execute_raw().unwrap();
        assert_eq!(replies.len(), 8);
        for (i, pair) in replies.chunks(2).enumerate() {
            assert_eq!(pair[0], Value::Okay);
            assert!(
                pair[1] == Value::Bulk(values[i].clone()),
                "atomic value {i}"
            );
        }
    }
}

#[test]
fn script_known_only_by_sha_in_a_pipeline() {
    let server = RedisServer::start();
    let client = server.client();
    let loaded = client.script_load(MULTIPLY).unwrap();
    let by_sha = redline::Script::from_sha(&client, &loaded).unwrap();
    let conn = client.get_connection().unwrap();
    let (_, v): ((), i64) = conn
        .pipeline()
        .set("k", 6)
        .script(&by_sha, "k", 7)
        .execute()
        .unwrap();
    assert_eq!(v, 42);

    // Without a source there is nothing to load: NOSCRIPT on that command, the rest ran.
    let missing =
        redline::Script::from_sha(&client, "0123456789abcdef0123456789abcdef01234567").unwrap();
    let err = conn
        .pipeline()
        .set("a", 1)
        .script(&missing, (), ())
        .set("b", 2)
        .execute::<Vec<Value>>()
        .unwrap_err();
    let (index, _, source) = pipeline_error(err);
    assert_eq!(index, 1);
    assert!(matches!(source, Error::NoScript), "{source:?}");
    assert_eq!(conn.get::<i64>("b").unwrap(), 2);
}

#[test]
fn resp3_pushes_between_replies_do_not_shift_results() {
    let server = RedisServer::start();
    let client = server.client_with(Protocol::Resp3);
    let conn = client.get_connection().unwrap();
    // The connection tracks the key it reads, then changes it itself: the server sends an
    // invalidation push in the middle of this batch's replies.
    let replies = conn
        .pipeline()
        .cmd(cmd("CLIENT").arg("TRACKING").arg("ON"))
        .get("tracked")
        .set("tracked", 2)
        .get("tracked")
        .incr_by("n", 1)
        .execute_raw()
        .unwrap();
    assert_eq!(
        replies,
        vec![
            Value::Okay,
            Value::Nil,
            Value::Okay,
            Value::Bulk(b"2".to_vec()),
            Value::Int(1)
        ]
    );
    // Another client's write sends one more push before the next batch's replies.
    server.client().set("tracked", 3).unwrap();
    let (a, b): (i64, Option<i64>) = conn
        .pipeline()
        .get("tracked")
        .get("none")
        .execute()
        .unwrap();
    assert_eq!((a, b), (3, None));
}

#[test]
fn pipeline_errors_hide_secrets_and_cut_long_commands() {
    let server = RedisServer::start();
    let client = server.client();
    let err = client
        .pipeline()
        .cmd(cmd("AUTH").arg("someone").arg("hunter2"))
        .execute::<Vec<Value>>()
        .unwrap_err();
    let text = err.to_string();
    let (index, command, source) = pipeline_error(err);
    assert_eq!(index, 0);
    assert!(
        !command.contains("hunter2") && !text.contains("hunter2"),
        "{text}"
    );
    assert!(command.starts_with("AUTH"), "{command}");
    assert_eq!(
        source.server_kind(),
        Some(ServerErrorKind::WrongPass),
        "{source:?}"
    );

    let long_key = "k".repeat(10_000);
    client.set(&long_key, "text").unwrap();
    let err = client
        .pipeline()
        .cmd(cmd("INCR").arg(&long_key))
        .execute::<Vec<Value>>()
        .unwrap_err();
    let (_, command, _) = pipeline_error(err);
    assert!(command.starts_with("INCR kkkk"), "{command}");
    assert!(command.len() < 300, "{} bytes", command.len());
}

#[test]
fn read_timeout_mid_batch_discards_the_connection() {
    let server = RedisServer::start();
    let client = server
        .builder()
        .read_timeout(Some(Duration::from_millis(200)))
        .build();
    let err = client
        .pipeline()
        .set("a", 1)
        .cmd(cmd("DEBUG").arg("SLEEP").arg("0.6"))
        .set("a", 2)
        .get("a")
        .execute::<Vec<Value>>()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
    // The next call gets its own reply, not one left over from the batch (the server may
    // still be asleep, so wait for it with a client without a timeout).
    let patient = server.client();
    assert_eq!(patient.ping().unwrap(), "PONG");
    assert_eq!(client.get::<i64>("a").unwrap(), 2);
    let (a, b): (i64, Option<i64>) = client.pipeline().get("a").get("b").execute().unwrap();
    assert_eq!((a, b), (2, None));

    // A dedicated connection is broken for good.
    let conn = client.get_connection().unwrap();
    let err = conn
        .pipeline()
        .cmd(cmd("DEBUG").arg("SLEEP").arg("0.6"))
        .execute::<()>()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let err = conn.pipeline().get("a").execute::<()>().unwrap_err();
    assert!(matches!(err, Error::Broken), "{err:?}");
}

#[test]
fn pipelines_over_a_unix_socket_and_on_another_db() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = Client::builder()
            .unix_socket(server.unix_socket())
            .db(3)
            .protocol(protocol)
            .build();
        let multiply = client.register_script(MULTIPLY);
        let (_, v, size): ((), i64, i64) = client
            .pipeline()
            .atomic()
            .set("u", 6)
            .script(&multiply, "u", 7)
            .cmd(&cmd("DBSIZE"))
            .execute()
            .unwrap();
        assert_eq!((v, size), (42, 1), "{protocol:?}");
        // Written to db 3, not db 0.
        let db0 = server.client();
        assert_eq!(db0.exists("u").unwrap(), 0);
        let db3 = server.builder().db(3).build();
        assert_eq!(db3.get::<i64>("u").unwrap(), 6);
    }
}
