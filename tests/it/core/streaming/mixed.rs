//! Streamed replies from scripts (nested tables), error elements, pushes ahead of a reply,
//! multibyte text across buffer ends, integers read as strings.

use super::*;

fn eval(script: &str) -> Cmd {
    let mut c = cmd("EVAL");
    c.arg(script).arg(0);
    c
}

#[test]
fn streaming_nested_tables_from_eval() {
    let server = RedisServer::start();
    let big = element(9, FAST + 10);
    let strings = format!("return {{{{'a', 'b'}}, {{}}, {{'c'}}, {{'{big}', ''}}}}");
    let numbers = "return {{1, 2, 3}, {}, {-4}, {5, 6}}";
    let deep = "return {{{1}, {2, 3}}, {}, {{}, {4}}}";
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let got = agree::<Vec<Vec<String>>, _>(&conn, &eval(&strings)).unwrap();
        assert_eq!(
            got,
            vec![
                vec!["a".to_string(), "b".to_string()],
                vec![],
                vec!["c".to_string()],
                vec![big.clone(), String::new()],
            ],
            "{protocol:?}"
        );
        let got = agree::<Vec<Vec<i64>>, _>(&client, &eval(numbers)).unwrap();
        assert_eq!(got, vec![vec![1, 2, 3], vec![], vec![-4], vec![5, 6]]);
        let got: Vec<Vec<i64>> = conn.query(&eval(numbers)).unwrap();
        assert_eq!(got, vec![vec![1, 2, 3], vec![], vec![-4], vec![5, 6]]);
        let got = agree::<Vec<Vec<Vec<i64>>>, _>(&conn, &eval(deep)).unwrap();
        assert_eq!(
            got,
            vec![vec![vec![1], vec![2, 3]], vec![], vec![vec![], vec![4]]]
        );
        let got = agree::<Vec<Vec<Value>>, _>(&conn, &eval(deep)).unwrap();
        assert_eq!(got.len(), 3);
        // Integers read as strings, strings that are numbers read as integers.
        let got = agree::<Vec<Vec<String>>, _>(&conn, &eval(numbers)).unwrap();
        assert_eq!(got[0], vec!["1", "2", "3"]);
        let got = agree::<Vec<Vec<i64>>, _>(&conn, &eval("return {{'7', '-8'}, {9}}")).unwrap();
        assert_eq!(got, vec![vec![7, -8], vec![9]]);
        // A shape that does not fit: the oracle's error, then in step.
        let err = agree::<Vec<Vec<i64>>, _>(&conn, &eval("return {{1}, 2, {3}}")).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        let err = agree::<Vec<Vec<i64>>, _>(&conn, &eval("return {{1, 'x'}, {3}}")).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(conn.ping().unwrap(), "PONG");
        assert_eq!(client.ping().unwrap(), "PONG");
    }
}

fn assert_myerr(err: &Error, message: &str) {
    match err {
        Error::Server { kind, message: m } => {
            assert_eq!(*kind, ServerErrorKind::Other, "{err:?}");
            assert_eq!(m, message);
        }
        other => panic!("expected the server error {message:?}, got {other:?}"),
    }
}

#[test]
fn streaming_error_elements_win_and_keep_the_connection_in_step() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let check_in_step = |what: &str| {
            assert!(!conn.is_broken(), "{protocol:?} {what}");
            assert_eq!(conn.ping().unwrap(), "PONG", "{protocol:?} {what}");
            let n: Vec<i64> = conn.query(&eval("return {4, 5, 6}")).unwrap();
            assert_eq!(n, vec![4, 5, 6], "{protocol:?} {what}");
        };

        let s = "return {1, redis.error_reply('MYERR boom'), 3}";
        let err = conn.query::<Vec<i64>>(&eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR boom");
        check_in_step(s);
        let err = agree::<Vec<i64>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR boom");
        check_in_step(s);
        let err = client.query::<Vec<i64>>(&eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR boom");
        assert_eq!(client.idle_connections(), 1);

        // The conversion error of 'x' loses to the error element after it.
        let s = "return {'x', redis.error_reply('MYERR e')}";
        let err = conn.query::<Vec<i64>>(&eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR e");
        check_in_step(s);
        let err = agree::<Vec<i64>, _>(&client, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR e");
        // ... also when the bad element and the error are far apart, and for strings.
        let s = "local t = {} for i = 1, 3000 do t[i] = 'v' .. i end \
                 t[2] = {1} t[2999] = redis.error_reply('MYERR late') return t";
        let err = agree::<Vec<String>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR late");
        check_in_step(s);
        // An error element first is that error.
        let s = "return {redis.error_reply('MYERR first'), 'x', 2}";
        let err = agree::<Vec<String>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR first");
        check_in_step(s);

        // Nested: an error inside an inner table; an error after a bad inner table.
        let s = "return {{'x', redis.error_reply('MYERR inner')}, {2}}";
        let err = agree::<Vec<Vec<i64>>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR inner");
        check_in_step(s);
        let s = "return {{1, 'x'}, {2}, redis.error_reply('MYERR outer')}";
        let err = agree::<Vec<Vec<i64>>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR outer");
        check_in_step(s);

        // Maps: the first failure in order, whatever it is (as the oracle does).
        let s = "return {'a', redis.error_reply('MYERR m'), 'b', 2}";
        let err = agree::<HashMap<String, i64>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR m");
        check_in_step(s);
        let s = "return {'a', 'x', 'b', redis.error_reply('MYERR m')}";
        let err = agree::<HashMap<String, i64>, _>(&conn, &eval(s)).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        check_in_step(s);
        let s = "return {'a', '1', redis.error_reply('MYERR odd')}";
        let err = agree::<HashMap<String, String>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR odd");
        check_in_step(s);
        // The whole reply an error.
        let s = "return redis.error_reply('MYERR whole')";
        let err = agree::<Vec<i64>, _>(&conn, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR whole");
        let err = agree::<HashMap<String, String>, _>(&client, &eval(s)).unwrap_err();
        assert_myerr(&err, "MYERR whole");
        check_in_step(s);
    }
}

/// RESP3 client-side caching: an invalidation push queued ahead of a streamed reply is
/// skipped, not taken for the reply or for one of its elements.
#[test]
fn streaming_skips_tracking_pushes_ahead_of_the_reply() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    let items: Vec<String> = (0..3000).map(|i| element(i, i % 50)).collect();
    fill_list(&writer, "list", &items);
    let fields: HashMap<String, String> = (0..100)
        .map(|i| (format!("f{i}"), element(i, 10)))
        .collect();
    let pairs: Vec<(&String, &String)> = fields.iter().collect();
    writer.hset_multiple("hash", &pairs).unwrap();

    let client = server.client_with(Protocol::Resp3);
    let conn = client.get_connection().unwrap();
    let _: () = conn.query(&command(&["CLIENT", "TRACKING", "on"])).unwrap();

    // First show that the server does queue a push here.
    let _: Option<String> = conn.get("tracked").unwrap();
    writer.set("tracked", "changed").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    match conn.recv().unwrap() {
        Value::Push(items) => assert_eq!(items[0], bulk("invalidate")),
        other => panic!("expected an invalidation push, got {other:?}"),
    }

    for i in 0..20 {
        // Reading the key makes the server track it for this connection; a write from
        // another client then queues an invalidation push before the next reply.
        let seen: Option<String> = conn.get("tracked").unwrap();
        assert!(seen.is_some());
        writer.set("tracked", i).unwrap();
        if i % 2 == 0 {
            // Give the push time to arrive before the command is even sent.
            std::thread::sleep(Duration::from_millis(5));
        }
        let got: Vec<String> = conn.lrange("list", 0, -1).unwrap();
        assert!(got == items, "round {i}: the list differs");
        // Our own write to a tracked key: the push follows the +OK.
        let _: Option<String> = conn.get("tracked").unwrap();
        conn.set("tracked", i).unwrap();
        let got: HashMap<String, String> = conn.hgetall("hash").unwrap();
        assert_eq!(got, fields, "round {i}");
        assert!(!conn.is_broken());
    }
    // Still in step, and no push was taken for a reply.
    assert_eq!(conn.ping().unwrap(), "PONG");
    let got: Vec<Option<String>> = conn.mget(["tracked", "nope"]).unwrap();
    assert_eq!(got, vec![Some("19".to_string()), None]);
}

/// Text elements of 1- to 4-byte characters: the fast path checks the buffered bytes as UTF-8
/// in one pass, and the end of the 64 KiB read buffer falls inside multi-byte characters at
/// many points of a 200,000-element reply. Every element must come back exactly; a bad byte
/// in the middle of such text must fail as before and leave the connection in step.
#[test]
fn streaming_multibyte_text_across_buffer_ends() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    let alphabet = ["a", "é", "€", "𝄞", "ü", "中"];
    let mut rng = Lcg(7);
    let items: Vec<String> = (0..200_000)
        .map(|i| {
            let n = 1 + (rng.next() % 9) as usize;
            let mut s: String = (0..n)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect();
            s.push_str(&i.to_string());
            s
        })
        .collect();
    fill_list(&writer, "text", &items);
    let mut bad: Vec<Vec<u8>> = items[..5_000]
        .iter()
        .map(|s| s.clone().into_bytes())
        .collect();
    // A lone continuation byte, then a character cut short, deep in the list.
    bad[3_000].push(0x80);
    bad[4_000].extend_from_slice(&"€".as_bytes()[..2]);
    fill_list(&writer, "bad", &bad);
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let got: Vec<String> = agree(&conn, &lrange_cmd("text")).unwrap();
        assert!(got == items, "{protocol:?}: multibyte text differs");
        let got: Vec<Option<String>> = agree(&client, &lrange_cmd("text")).unwrap();
        assert!(
            got.iter()
                .zip(&items)
                .all(|(a, b)| a.as_deref() == Some(b.as_str())),
            "{protocol:?}: Option<String> differs"
        );
        let err = agree::<Vec<String>, _>(&conn, &lrange_cmd("bad")).unwrap_err();
        match &err {
            Error::Conversion { got, .. } => assert_eq!(
                *got,
                format!("{} bytes that are not UTF-8", bad[3_000].len()),
                "{protocol:?}"
            ),
            other => panic!("{protocol:?}: {other:?}"),
        }
        assert_eq!(conn.ping().unwrap(), "PONG", "{protocol:?}");
        let again: Vec<String> = conn.lrange("text", 0, 9).unwrap();
        assert_eq!(again, items[..10], "{protocol:?}");
    }
}

/// Elements the bulk fast path does not take (integers), alone and alternating with short
/// bulk strings, into `Vec<String>`: each element costs the same as in a plain list (the
/// UTF-8 check covers only the bulk strings taken, not the whole buffer once per element).
#[test]
fn streaming_integers_among_strings_into_strings() {
    let server = RedisServer::start();
    let script = "local t = {} for i = 1, 200000 do \
                  if ARGV[1] == 'mixed' and i % 2 == 0 then t[i] = 'é' .. i else t[i] = i end \
                  end return t";
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        for shape in ["ints", "mixed"] {
            let mut c = eval(script);
            c.arg(shape);
            let got: Vec<String> = agree(&client, &c).unwrap();
            assert_eq!(got.len(), 200_000, "{protocol:?} {shape}");
            for (i, item) in got.iter().enumerate() {
                let n = i + 1;
                let want = if shape == "mixed" && n % 2 == 0 {
                    format!("é{n}")
                } else {
                    n.to_string()
                };
                assert_eq!(*item, want, "{protocol:?} {shape} element {i}");
            }
        }
    }
}
