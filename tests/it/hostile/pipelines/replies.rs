//! Hostile pipelines (e, f): out-of-band pushes between replies, and error replies where a
//! value is expected.

use super::drip::{drip_key, SEGMENT};
use super::*;

// ---------------------------------------------------------------------------------------------
// (e) Out-of-band pushes between replies
// ---------------------------------------------------------------------------------------------

#[test]
fn pipeline_pushes_between_replies_are_skipped() {
    let large = "é日🦀".repeat(2_000);
    let raw = concat(&[
        PUSH,
        &bulk(b"a"),
        &bulk(b"b"),
        PUSH,
        PUSH,
        &bulk(large.as_bytes()),
        PUSH,
        b"$-1\r\n",
        PUSH,
        &bulk(b""),
        // After the last reply: left for the next command, which skips it.
        PUSH,
    ]);
    let expected: Vec<Option<String>> = vec![
        Some("a".into()),
        Some("b".into()),
        Some(large.clone()),
        None,
        Some(String::new()),
    ];
    differential_all("pushes", 5, batch_script(5, &raw, false), |what, o| {
        if what.ends_with("Vec<Vec<String>>") {
            // Bulk strings are no arrays: the conversion fails, the connection stays in step.
            assert!(
                matches!(o.result, Err(Error::Conversion { .. })),
                "{what}: {}",
                brief(&o.result)
            );
        } else {
            assert!(o.result.is_ok(), "{what}: {}", brief(&o.result));
        }
        assert!(!o.broken, "{what}");
        assert_eq!(o.next, PONG, "{what}");
    });
    let o = differential::<Vec<Option<String>>>("values", 5, batch_script(5, &raw, false));
    assert_eq!(o.result.unwrap(), expected);

    // RESP3 attributes ahead of replies are looked through, alike on both paths.
    let raw = concat(&[
        b"|1\r\n+ttl\r\n:5\r\n",
        &bulk(b"a"),
        PUSH,
        b"|1\r\n+ttl\r\n:6\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
        b"|1\r\n+ttl\r\n:7\r\n$-1\r\n",
    ]);
    differential_all("attributes", 3, batch_script(3, &raw, false), |what, o| {
        assert!(!o.broken, "{what}");
        assert_eq!(o.next, PONG, "{what}");
    });
    let o = differential::<Vec<Value>>("attributes", 3, batch_script(3, &raw, false));
    assert!(matches!(&o.result.unwrap()[0], Value::Attribute { .. }));

    // Arrays between pushes, for a `Vec<Vec<String>>`.
    let raw = concat(&[
        b"*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
        PUSH,
        b"*0\r\n",
        PUSH,
        b"*1\r\n$1\r\nz\r\n",
    ]);
    let o = differential::<Vec<Vec<String>>>("arrays", 3, batch_script(3, &raw, false));
    assert_eq!(
        o.result.unwrap(),
        vec![
            vec!["x".to_string(), "y".to_string()],
            vec![],
            vec!["z".to_string()]
        ]
    );
    assert_eq!(o.next, PONG);

    // One byte at a time, pushes included.
    let raw = concat(&[
        PUSH,
        &bulk("日本".as_bytes()),
        PUSH,
        b"$-1\r\n",
        PUSH,
        &bulk(b"z"),
    ]);
    let mut script = vec![Step::Read; 3];
    for &b in &raw {
        script.push(Step::Write(vec![b]));
        script.push(Step::Pause(Duration::from_micros(300)));
    }
    script.extend([Step::Read, Step::Write(b"+PONG\r\n".to_vec())]);
    let o = differential::<Vec<Option<String>>>("dripped", 3, script);
    assert_eq!(
        o.result.unwrap(),
        vec![Some("日本".to_string()), None, Some("z".to_string())]
    );
    assert_eq!(o.next, PONG);
}

#[test]
fn pipeline_attributed_error_reply_after_a_conversion_error() {
    // GET, GET, GET answered: "a", an array (no String: a conversion error), and an error
    // reply carrying a RESP3 attribute. It is an error reply all the same: the batch fails
    // with it, named (`Error::Pipeline`), on both paths, over the conversion complaint.
    let raw = concat(&[
        &bulk(b"a"),
        b"*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
        b"|1\r\n+why\r\n+because\r\n-ERR attributed\r\n",
    ]);
    let o = differential::<Vec<Option<String>>>("attributed", 3, batch_script(3, &raw, false));
    assert!(
        matches!(&o.result, Err(Error::Pipeline { index: 2, source, .. })
            if matches!(&**source, Error::Server { message, .. } if message == "ERR attributed")),
        "{}",
        brief(&o.result)
    );
    assert_eq!(o.next, PONG);
}

#[test]
fn pipeline_pushes_on_a_resp3_connection() {
    // The same over a RESP3 handshake, with RESP3 nulls and a map reply.
    let hello = b"%1\r\n$5\r\nproto\r\n:3\r\n".to_vec();
    let raw = concat(&[
        PUSH,
        &bulk(b"a"),
        PUSH,
        b"_\r\n",
        b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n",
        PUSH,
    ]);
    let mut script = vec![Step::Read, Step::Write(hello)];
    script.extend(batch_script(3, &raw, false));
    let fake = Fake::repeat(2, script);
    let resp3 = fake.builder().protocol(Protocol::Resp3).build();
    let info = resp3.connection_info().clone();

    let conn = Connection::open(&info).unwrap();
    let mut pipe = conn.pipeline();
    gets(&mut pipe, 3);
    let got: Vec<Value> = pipe.execute().unwrap();
    assert_eq!(
        got,
        vec![
            Value::Bulk(b"a".to_vec()),
            Value::Nil,
            Value::Map(vec![(
                Value::Bulk(b"f".to_vec()),
                Value::Bulk(b"v".to_vec())
            )]),
        ]
    );
    assert_eq!(conn.ping().unwrap(), "PONG");

    let conn = Connection::open(&info).unwrap();
    let mut pipe = conn.pipeline();
    gets(&mut pipe, 3);
    let (a, nil, map): (String, Option<String>, HashMap<String, String>) = pipe.execute().unwrap();
    assert_eq!((a.as_str(), nil), ("a", None));
    assert_eq!(map["f"], "v");
    assert_eq!(conn.ping().unwrap(), "PONG");
}

// ---------------------------------------------------------------------------------------------
// (f) Error replies where a value is expected
// ---------------------------------------------------------------------------------------------

#[test]
fn pipeline_error_reply_where_a_string_is_expected() {
    let a = bulk(b"a");
    let b = bulk(b"b");
    let large = bulk(&[b'L'; 20_000]);
    let cases: [(&str, Vec<u8>, usize, &str); 7] = [
        ("middle", concat(&[&a, b"-ERR boom\r\n", &b]), 1, "ERR boom"),
        (
            "first",
            concat(&[b"-WRONGTYPE Operation against a key\r\n", &a, &b]),
            0,
            "WRONGTYPE Operation against a key",
        ),
        ("last", concat(&[&a, &b, b"-ERR last\r\n"]), 2, "ERR last"),
        (
            "RESP3 blob error",
            concat(&[&a, &b, b"!8\r\nERR blob\r\n"]),
            2,
            "ERR blob",
        ),
        (
            "after a nil (a conversion error for String)",
            concat(&[b"$-1\r\n", &a, b"-ERR late\r\n"]),
            2,
            "ERR late",
        ),
        (
            "two errors",
            concat(&[&a, b"-ERR one\r\n", b"-ERR two\r\n"]),
            1,
            "ERR one",
        ),
        (
            "after a large value",
            concat(&[&large, b"-ERR after\r\n", &a]),
            1,
            "ERR after",
        ),
    ];
    for (name, raw, index, message) in cases {
        let check = |what: &str, o: Outcome<()>| {
            match o.result {
                Err(Error::Pipeline {
                    index: got,
                    ref source,
                    ..
                }) => {
                    assert_eq!(got, index, "{what}");
                    assert!(
                        matches!(&**source, Error::Server { message: m, .. } if m == message),
                        "{what}: {source:?}"
                    );
                }
                ref other => panic!("{what}: {}", brief(other)),
            }
            assert!(!o.broken, "{what}");
            assert_eq!(o.next, PONG, "{what}");
        };
        let script = batch_script(3, &raw, false);
        let what = format!("{name} as Vec<String>");
        check(
            &what,
            erase(differential::<Vec<String>>(&what, 3, script.clone())),
        );
        let what = format!("{name} as Vec<Vec<String>>");
        check(
            &what,
            erase(differential::<Vec<Vec<String>>>(&what, 3, script.clone())),
        );
        let what = format!("{name} as Vec<i64>");
        check(
            &what,
            erase(differential::<Vec<i64>>(&what, 3, script.clone())),
        );
        let what = format!("{name} as a tuple");
        check(
            &what,
            erase(differential::<(String, String, String)>(&what, 3, script)),
        );
    }
}

#[test]
fn pipeline_error_reply_of_an_ignored_command_is_still_named() {
    // GET k0, GET k1 (ignored), GET k2: k1's error is reported with its index in the batch,
    // though `execute_raw` leaves its reply out.
    let raw = concat(&[&bulk(b"a"), b"-ERR hidden\r\n", &bulk(b"c")]);
    let fake = Fake::repeat(2, batch_script(3, &raw, false));
    let queue = |pipe: &mut Pipeline<'_>| {
        pipe.cmd(cmd("GET").arg("k0"))
            .cmd(cmd("GET").arg("k1"))
            .ignore()
            .cmd(cmd("GET").arg("k2"));
    };
    let conn = fake.connection();
    let mut pipe = conn.pipeline();
    queue(&mut pipe);
    let err = pipe.execute::<Vec<String>>().unwrap_err();
    let (index, command, source) = pipeline_parts(err);
    assert_eq!(index, 1);
    assert_eq!(command, "GET k1");
    assert_eq!(
        format!("{source:?}"),
        format!("{:?}", Error::from_server_reply("ERR hidden".into()))
    );
    assert_eq!(conn.ping().unwrap(), "PONG");

    let conn = fake.connection();
    let mut pipe = conn.pipeline();
    queue(&mut pipe);
    let raw = pipe.execute_raw().unwrap();
    assert_eq!(
        raw,
        vec![Value::Bulk(b"a".to_vec()), Value::Bulk(b"c".to_vec())]
    );
    assert_eq!(conn.ping().unwrap(), "PONG");
}

#[test]
fn pipeline_error_reply_keeps_a_pooled_connection() {
    // One connection only: the batch with an error reply, then a PING on the same one.
    let raw = concat(&[&bulk(b"a"), b"-ERR boom\r\n", &bulk(b"b")]);
    let fake = Fake::start(vec![batch_script(3, &raw, false)]);
    let client = fake.client();
    let mut pipe = client.pipeline();
    gets(&mut pipe, 3);
    let (index, _, _) = pipeline_parts(pipe.execute::<Vec<String>>().unwrap_err());
    assert_eq!(index, 1);
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(client.ping().unwrap(), "PONG");
}

// ---------------------------------------------------------------------------------------------
// (g) A server that stalls mid-batch
// ---------------------------------------------------------------------------------------------

#[test]
fn pipeline_stall_mid_batch_times_out_promptly() {
    let timeout = Duration::from_millis(200);
    let a = bulk(b"a");
    let large = bulk(&[b'L'; 20_000]);
    let stalls: [(&str, Vec<u8>); 7] = [
        ("at a reply boundary", concat(&[&a, &a])),
        ("mid short payload", concat(&[&a, b"$5\r\nab"])),
        ("mid header", concat(&[&a, b"$"])),
        ("mid large payload", concat(&[&a, &large[..15_000]])),
        ("mid array", concat(&[&a, b"*3\r\n$1\r\nx\r\n"])),
        ("after a conversion error", concat(&[&bulk(b"x"), &a])),
        (
            "after a conversion error in an array",
            concat(&[b"*3\r\n$1\r\nx\r\n$1\r\n1\r\n"]),
        ),
    ];
    for (name, raw) in stalls {
        let fake = Fake::repeat(4, batch_script(4, &raw, false));
        for kind in 0..4 {
            let what = format!("{name} ({kind})");
            let conn = fake.connection();
            conn.set_read_timeout(Some(timeout)).unwrap();
            let mut pipe = conn.pipeline();
            gets(&mut pipe, 4);
            let started = Instant::now();
            let err = match kind {
                0 => pipe.execute::<Vec<Option<String>>>().map(drop),
                1 => pipe.execute::<Vec<i64>>().map(drop),
                2 => pipe.execute::<Vec<Vec<i64>>>().map(drop),
                _ => pipe.execute::<Vec<Value>>().map(drop),
            }
            .unwrap_err();
            let took = started.elapsed();
            assert!(
                matches!(
                    err,
                    Error::Timeout {
                        op: Operation::Read,
                        ..
                    }
                ),
                "{what}: {err:?}"
            );
            assert!(took < Duration::from_millis(1000), "{what}: took {took:?}");
            assert!(conn.is_broken(), "{what}");
            assert!(matches!(conn.ping(), Err(Error::Broken)), "{what}");
        }
    }

    // A pooled client drops the connection and answers the next call on a fresh one.
    let fake = Fake::start(vec![
        batch_script(4, &concat(&[&a, b"$5\r\nab"]), false),
        pong(),
    ]);
    let client = fake.builder().read_timeout(Some(timeout)).build();
    let mut pipe = client.pipeline();
    gets(&mut pipe, 4);
    let started = Instant::now();
    let err = pipe.execute::<Vec<String>>().unwrap_err();
    assert!(err.is_timeout() && err.is_connection_broken(), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");
}

/// A server for a batch of `n` long GETs (several segments) that answers the first command
/// with `first`, in parts with a pause after each, the third with an error reply, and every
/// other one with `*1\r\n$1\r\n1\r\n` as soon as it arrives (a reader thread takes the commands as they come). It stops when the
/// client hangs up and returns how many commands it received.
fn stalling_server(first: Vec<(Vec<u8>, Duration)>) -> (u16, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return 0;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = stream.try_clone().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            while read_command(&mut reader, &mut buf).is_some() {
                if tx.send(()).is_err() {
                    return;
                }
            }
        });
        let mut writer = stream;
        let mut seen = 0;
        while rx.recv_timeout(Duration::from_secs(10)).is_ok() {
            seen += 1;
            if seen == 1 {
                for (part, pause) in &first {
                    if writer.write_all(part).is_err() {
                        break;
                    }
                    std::thread::sleep(*pause);
                }
            } else if seen == 3 {
                let _ = writer.write_all(b"-ERR late\r\n");
            } else {
                let _ = writer.write_all(b"*1\r\n$1\r\n1\r\n");
            }
        }
        seen
    });
    (port, handle)
}

#[test]
fn pipeline_timeout_in_a_nested_reply_stops_the_batch() {
    let command_len = cmd("GET").arg(drip_key(0)).encoded().len();
    let per_segment = SEGMENT / command_len;
    let n = per_segment * 6;
    let timeout = Duration::from_millis(200);
    // Reply 0 is an array whose first element is no integer; its last element comes after
    // a pause longer than the client's read timeout (but shorter than two), then every other
    // reply comes promptly.
    let first = vec![
        (
            b"*3\r\n$1\r\nx\r\n$1\r\n1\r\n".to_vec(),
            Duration::from_millis(300),
        ),
        (b"$1\r\n1\r\n".to_vec(), Duration::ZERO),
    ];
    for nested in [false, true] {
        let (port, server) = stalling_server(first.clone());
        let conn = Client::builder()
            .host("127.0.0.1")
            .port(port)
            .read_timeout(Some(timeout))
            .build()
            .get_connection()
            .unwrap();
        let mut pipe = conn.pipeline();
        for i in 0..n {
            pipe.cmd(cmd("GET").arg(drip_key(i)));
        }
        let started = Instant::now();
        let err = if nested {
            pipe.execute::<Vec<Vec<i64>>>().map(drop)
        } else {
            pipe.execute::<Vec<Value>>().map(drop)
        }
        .unwrap_err();
        let took = started.elapsed();
        // Not the error reply further on: the connection broke first.
        assert!(err.is_timeout(), "nested={nested}: {err:?}");
        assert!(conn.is_broken());
        drop(conn);
        let received = server.join().unwrap();
        // Segments 0 and 1 were out before the first reply was read; nothing more may be sent
        // once the connection broke.
        assert!(
            received <= 2 * per_segment,
            "nested={nested}: the server received {received} of {n} commands \
             ({per_segment} per segment) after the timeout"
        );
        assert!(
            took < timeout + Duration::from_millis(150),
            "nested={nested}: took {took:?}"
        );
    }
}
