//! Replies decoded straight from the read buffer into the caller's type (`Vec`, `HashMap`,
//! and whatever falls back to the general decoder) agree with the old path, which decodes the
//! whole reply to a [`Value`] and converts it afterwards: `T::from_value(conn.req(cmd)?)`,
//! the oracle every test here compares with.
//!
//! The fast paths take bulk payloads of at most 16 KiB that are wholly in the 64 KiB read
//! buffer; the lists below cross both limits, in both protocols, on pooled clients and on
//! dedicated connections.

use super::*;
use redline::FromValue;
use std::fmt::Debug;

/// The fast-path limit on a bulk payload.
const FAST: usize = 16 * 1024;

/// The old path: the whole reply decoded to a `Value`, then converted.
fn oracle<T: FromValue>(target: &impl ConnectionLike, c: &Cmd) -> Result<T, Error> {
    T::from_value(target.req(c)?)
}

/// A short description of a result, for failure messages (values can be megabytes).
fn brief<T: Debug>(r: &Result<T, Error>) -> String {
    let mut s = format!("{r:?}");
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("...");
    }
    s
}

/// Asserts that two results are the same value, or the same error.
fn assert_same<T: PartialEq + Debug>(streamed: &Result<T, Error>, old: &Result<T, Error>) {
    match (streamed, old) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "streamed and oracle values differ: {} vs {}",
            brief(streamed),
            brief(old)
        ),
        (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
        _ => panic!(
            "streamed {} but the oracle gave {}",
            brief(streamed),
            brief(old)
        ),
    }
}

/// Runs `c` through the streaming path (`Commands::query`) and through the oracle, asserts
/// that they agree, and returns the streamed result.
fn agree<T, C>(target: &C, c: &Cmd) -> Result<T, Error>
where
    T: FromValue + PartialEq + Debug,
    C: ConnectionLike,
{
    let streamed = Commands::query::<T>(target, c);
    let old = oracle::<T>(target, c);
    assert_same(&streamed, &old);
    streamed
}

fn lrange_cmd(key: &str) -> Cmd {
    command(&["LRANGE", key, "0", "-1"])
}

/// A small deterministic generator (64-bit LCG), so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// An ASCII element of exactly `len` bytes that names its index `i` as far as it fits.
fn element(i: usize, len: usize) -> String {
    let tag = format!("<{i}>");
    tag.bytes()
        .chain((0..).map(|j| b'a' + ((i + j) % 26) as u8))
        .take(len)
        .map(char::from)
        .collect()
}

/// Replaces the list at `key` with `items`, in batches.
fn fill_list<I: AsRef<[u8]>>(conn: &Connection, key: &str, items: &[I]) {
    conn.del(key).unwrap();
    for batch in items.chunks(5000) {
        let batch: Vec<&[u8]> = batch.iter().map(|b| b.as_ref()).collect();
        conn.rpush(key, &batch).unwrap();
    }
    assert_eq!(conn.llen(key).unwrap(), items.len() as i64);
}

/// The special sizes: around the fast-path limit, and over the 64 KiB read buffer.
const SIZES: [usize; 7] = [0, 1, FAST - 1, FAST, FAST + 1, 40 * 1024, 100 * 1024];

/// 100,000 elements: mostly short, about 1 in 100 of a special size (in a varying order), and
/// every special size at both ends, ascending and descending.
fn mixed_list() -> Vec<String> {
    let mut rng = Lcg(0x5eed);
    let mut sizes: Vec<usize> = SIZES.iter().rev().copied().collect();
    while sizes.len() < 100_000 - SIZES.len() {
        let r = rng.next() as usize;
        sizes.push(if r % 100 == 0 {
            SIZES[(r / 100) % SIZES.len()]
        } else {
            r % 33
        });
    }
    sizes.extend(SIZES);
    sizes
        .into_iter()
        .enumerate()
        .map(|(i, len)| element(i, len))
        .collect()
}

#[test]
fn streaming_lrange_of_100k_mixed_sizes_matches_the_oracle() {
    let server = RedisServer::start();
    let items = mixed_list();
    assert_eq!(items.len(), 100_000);
    for size in SIZES {
        assert!(items.iter().any(|s| s.len() == size), "{size}");
    }
    fill_list(&server.client().get_connection().unwrap(), "big", &items);
    let lrange = lrange_cmd("big");
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();

        // A dedicated connection: the helper, the inherent `query`, and the oracle.
        let got: Vec<String> = conn.lrange("big", 0, -1).unwrap();
        assert!(got == items, "{protocol:?}: Connection::lrange differs");
        let got: Vec<String> = conn.query(&lrange).unwrap();
        assert!(got == items, "{protocol:?}: Connection::query differs");
        let old: Vec<String> = oracle(&conn, &lrange).unwrap();
        assert!(old == items, "{protocol:?}: the oracle differs");

        // A pooled client, which keeps its connection afterwards.
        let got: Vec<String> = client.lrange("big", 0, -1).unwrap();
        assert!(got == items, "{protocol:?}: Client::lrange differs");
        let got: Vec<String> = client.query(&lrange).unwrap();
        assert!(got == items, "{protocol:?}: Client::query differs");
        assert_eq!(client.idle_connections(), 1);
        let old: Vec<String> = oracle(&client, &lrange).unwrap();
        assert!(
            old == items,
            "{protocol:?}: the oracle differs on the client"
        );

        // Other element types over the same reply.
        let bytes = agree::<Vec<Vec<u8>>, _>(&conn, &lrange).unwrap();
        assert_eq!(bytes.len(), items.len());
        assert!(bytes.iter().zip(&items).all(|(b, s)| b == s.as_bytes()));
        let opt = agree::<Vec<Option<String>>, _>(&client, &lrange).unwrap();
        assert!(opt.iter().zip(&items).all(|(o, s)| o.as_deref() == Some(s)));
        let values = agree::<Vec<Value>, _>(&conn, &lrange).unwrap();
        assert_eq!(values[7], bulk(&items[7]));
        let set = agree::<HashSet<String>, _>(&conn, &lrange).unwrap();
        assert_eq!(set.len(), items.iter().collect::<HashSet<_>>().len());

        // Still in step on both.
        assert_eq!(conn.ping().unwrap(), "PONG");
        assert_eq!(client.ping().unwrap(), "PONG");
        assert!(!conn.is_broken());
    }
}

/// Element sizes chosen so that, for some `pad`, the end of the first 64 KiB of the reply
/// falls on every byte from the end of one 16 KiB payload to the middle of the next header.
#[test]
fn streaming_lrange_with_the_buffer_end_at_every_offset_of_an_element() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        // Wire size of the reply up to the 4th element: `*6\r\n`, `$<pad>\r\n<pad>\r\n`, then
        // three 16 KiB elements of 16,394 bytes each. With a pad of 16,300 to 16,380 bytes the
        // 65,536th byte sweeps from within the 3rd payload, over its CRLF and the 4th header,
        // into the 4th payload.
        for pad in 16_300..16_380 {
            let sizes = [pad, FAST, FAST, FAST, FAST + 1, FAST - 1];
            let items: Vec<String> = sizes
                .iter()
                .enumerate()
                .map(|(i, &len)| element(i * 1000 + pad, len))
                .collect();
            fill_list(&writer, "aligned", &items);
            let got = agree::<Vec<String>, _>(&conn, &lrange_cmd("aligned")).unwrap();
            assert!(got == items, "{protocol:?} pad {pad}: differs");
            let got: Vec<Vec<u8>> = client.lrange("aligned", 0, -1).unwrap();
            assert!(
                got.iter().zip(&items).all(|(g, s)| g == s.as_bytes()) && got.len() == 6,
                "{protocol:?} pad {pad}: differs on the client"
            );
        }
        assert_eq!(conn.ping().unwrap(), "PONG");
    }
}

/// Binary payloads, including ones that look like RESP frames, of every size class.
fn binary_payloads() -> Vec<Vec<u8>> {
    let mut rng = Lcg(7);
    let mut random = |n: usize| -> Vec<u8> { (0..n).map(|_| rng.next() as u8).collect() };
    let crlfs = |n: usize| -> Vec<u8> { b"\r\n".iter().copied().cycle().take(n).collect() };
    vec![
        b"\r\n".to_vec(),
        Vec::new(),
        b"\r".to_vec(),
        b"\n".to_vec(),
        b"$3\r\nabc\r\n".to_vec(),
        b"*2\r\n$1\r\na\r\n".to_vec(),
        b"\r\n\r\n\r\n".to_vec(),
        (0..=255u8).collect(),
        b"-ERR not an error\r\n".to_vec(),
        crlfs(FAST - 1),
        crlfs(FAST),
        crlfs(FAST + 1),
        b"\0".to_vec(),
        random(FAST),
        random(40 * 1024),
        b"\xff\xfe\r\n\x00".to_vec(),
        random(100 * 1024),
        crlfs(3),
        random(FAST + 1),
        random(5),
    ]
}

#[test]
fn streaming_binary_payloads_with_crlf() {
    let server = RedisServer::start();
    let payloads = binary_payloads();
    fill_list(&server.client().get_connection().unwrap(), "bin", &payloads);
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let got: Vec<Vec<u8>> = conn.lrange("bin", 0, -1).unwrap();
        assert!(got == payloads, "{protocol:?}: Connection differs");
        let got: Vec<Vec<u8>> = client.lrange("bin", 0, -1).unwrap();
        assert!(got == payloads, "{protocol:?}: Client differs");
        let got = agree::<Vec<Vec<u8>>, _>(&conn, &lrange_cmd("bin")).unwrap();
        assert!(got == payloads);
        let got = agree::<Vec<Option<Vec<u8>>>, _>(&client, &lrange_cmd("bin")).unwrap();
        assert!(got
            .into_iter()
            .map(Option::unwrap)
            .eq(payloads.iter().cloned()));
        // The payloads are not all UTF-8: a String conversion fails the same way.
        let err = agree::<Vec<String>, _>(&conn, &lrange_cmd("bin")).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(conn.ping().unwrap(), "PONG");
    }
}

#[test]
fn streaming_non_utf8_element_fails_and_keeps_the_connection_in_step() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    let good: Vec<String> = (0..50).map(|i| element(i, i * 700)).collect();
    fill_list(&writer, "good", &good);
    // Where the bad element is, and how long: small ones are taken by the fast path, large
    // ones by the decoder.
    let bad_small = b"caf\xe9".to_vec();
    let mut bad_large = vec![b'z'; 3 * FAST];
    bad_large[FAST + 7] = 0xc3;
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        for bad in [&bad_small, &bad_large] {
            for at in [0, 1, 20, 49] {
                let mut items: Vec<Vec<u8>> = good.iter().map(|s| s.clone().into_bytes()).collect();
                items[at] = bad.clone();
                fill_list(&writer, "bad", &items);
                let what = format!("{protocol:?}, {} bytes at {at}", bad.len());

                // The same connection reports the conversion error, then answers in step.
                let err = conn.lrange::<Vec<String>>("bad", 0, -1).unwrap_err();
                match &err {
                    Error::Conversion { expected, got } => {
                        assert_eq!(*expected, "String", "{what}");
                        assert_eq!(
                            *got,
                            format!("{} bytes that are not UTF-8", bad.len()),
                            "{what}"
                        );
                    }
                    other => panic!("{what}: {other:?}"),
                }
                assert!(!conn.is_broken(), "{what}");
                assert_eq!(conn.ping().unwrap(), "PONG", "{what}");
                let next: Vec<String> = conn.lrange("good", 0, -1).unwrap();
                assert!(next == good, "{what}: the next lrange differs");
                let err2 = agree::<Vec<String>, _>(&conn, &lrange_cmd("bad")).unwrap_err();
                assert_eq!(format!("{err:?}"), format!("{err2:?}"), "{what}");
                assert_eq!(conn.ping().unwrap(), "PONG", "{what}");

                // The pooled client keeps its connection, which is still in step.
                let err = client.lrange::<Vec<String>>("bad", 0, -1).unwrap_err();
                assert!(matches!(err, Error::Conversion { .. }), "{what}: {err:?}");
                assert_eq!(client.idle_connections(), 1, "{what}");
                let next: Vec<String> = client.lrange("good", 0, -1).unwrap();
                assert!(next == good, "{what}: the client's next lrange differs");
                let raw: Vec<Vec<u8>> = client.lrange("bad", 0, -1).unwrap();
                assert!(raw == items, "{what}");
            }
        }
    }
}

#[test]
fn streaming_mget_with_missing_keys() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    let big = element(1, FAST + 1);
    let huge = element(2, 70 * 1024);
    let edge = element(3, FAST);
    writer
        .mset([
            ("a", "1"),
            ("e", ""),
            ("big", &big),
            ("huge", &huge),
            ("edge", &edge),
        ])
        .unwrap();
    let keys = ["a", "missing", "e", "big", "nope", "huge", "edge", "gone"];
    let expected: Vec<Option<String>> = vec![
        Some("1".into()),
        None,
        Some(String::new()),
        Some(big.clone()),
        None,
        Some(huge.clone()),
        Some(edge.clone()),
        None,
    ];
    let mut mget = cmd("MGET");
    mget.arg(&keys[..]);
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let got: Vec<Option<String>> = conn.mget(&keys[..]).unwrap();
        assert_eq!(got, expected, "{protocol:?}");
        let got: Vec<Option<String>> = client.mget(&keys[..]).unwrap();
        assert_eq!(got, expected, "{protocol:?}");
        let got = agree::<Vec<Option<String>>, _>(&conn, &mget).unwrap();
        assert_eq!(got, expected);
        let got = agree::<Vec<Option<Vec<u8>>>, _>(&client, &mget).unwrap();
        assert_eq!(got[3].as_deref(), Some(big.as_bytes()));
        assert_eq!(got[4], None);
        // All missing, and one key only.
        let got: Vec<Option<String>> = conn.mget(["x", "y", "z"]).unwrap();
        assert_eq!(got, vec![None, None, None]);
        let got: Vec<Option<String>> = conn.mget("a").unwrap();
        assert_eq!(got, vec![Some("1".to_string())]);
        // A nil cannot be a String: the same error as before, and in step.
        let err = agree::<Vec<String>, _>(&conn, &mget).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(conn.ping().unwrap(), "PONG");
        let got: Vec<Option<i64>> = client.mget(["a", "missing"]).unwrap();
        assert_eq!(got, vec![Some(1), None]);
    }
}

#[test]
fn streaming_hgetall_into_maps() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    writer.del(["h", "big", "nums", "large", "odd"]).unwrap();
    let fields: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("field:{i}"), element(i, i % 40)))
        .collect();
    for batch in fields.chunks(2000) {
        writer.hset_multiple("big", batch).unwrap();
    }
    let nums: Vec<(String, i64)> = (0..500).map(|i| (format!("n{i}"), i * 7 - 300)).collect();
    writer.hset_multiple("nums", &nums).unwrap();
    let large: Vec<(String, String)> = [0, 5, FAST - 1, FAST, FAST + 1, 40 * 1024, 100 * 1024]
        .iter()
        .enumerate()
        .map(|(i, &len)| (format!("v{len}"), element(i, len)))
        .collect();
    writer.hset_multiple("large", &large).unwrap();
    writer
        .hset_multiple("odd", [("a", "1"), ("b", "not a number"), ("c", "3")])
        .unwrap();

    let want_big: HashMap<String, String> = fields.iter().cloned().collect();
    let want_sorted: BTreeMap<String, String> = fields.iter().cloned().collect();
    let want_nums: HashMap<String, i64> = nums.iter().cloned().collect();
    let want_large: HashMap<String, String> = large.iter().cloned().collect();
    let hgetall = |key: &str| command(&["HGETALL", key]);

    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let p = protocol;

        let got: HashMap<String, String> = conn.hgetall("big").unwrap();
        assert!(got == want_big, "{p:?}: HashMap<String, String> differs");
        let got: HashMap<String, String> = client.hgetall("big").unwrap();
        assert!(got == want_big, "{p:?}: the client's HashMap differs");
        let got = agree::<HashMap<String, String>, _>(&conn, &hgetall("big")).unwrap();
        assert!(got == want_big);
        let got = agree::<BTreeMap<String, String>, _>(&client, &hgetall("big")).unwrap();
        assert!(got == want_sorted, "{p:?}: BTreeMap differs");
        let got = agree::<HashMap<String, Vec<u8>>, _>(&conn, &hgetall("big")).unwrap();
        assert_eq!(got.len(), 10_000);
        assert_eq!(got["field:9999"], want_big["field:9999"].as_bytes());
        let got = agree::<Vec<(String, String)>, _>(&conn, &hgetall("big")).unwrap();
        assert_eq!(got.len(), 10_000);

        let got: HashMap<String, i64> = conn.hgetall("nums").unwrap();
        assert_eq!(got, want_nums, "{p:?}");
        let got = agree::<HashMap<String, i64>, _>(&client, &hgetall("nums")).unwrap();
        assert_eq!(got, want_nums, "{p:?}");
        let got = agree::<BTreeMap<String, i64>, _>(&conn, &hgetall("nums")).unwrap();
        assert_eq!(got.len(), 500);
        assert_eq!(got["n0"], -300);

        // Values over the fast-path limit and over the read buffer.
        let got: HashMap<String, String> = conn.hgetall("large").unwrap();
        assert!(got == want_large, "{p:?}: large values differ");
        let got = agree::<HashMap<String, Vec<u8>>, _>(&client, &hgetall("large")).unwrap();
        assert_eq!(got.len(), large.len());
        for (k, v) in &large {
            assert_eq!(got[k], v.as_bytes(), "{p:?}: {k}");
        }

        // Empty (a missing key) in every type.
        assert!(agree::<HashMap<String, String>, _>(&conn, &hgetall("none"))
            .unwrap()
            .is_empty());
        assert!(agree::<HashMap<String, i64>, _>(&conn, &hgetall("none"))
            .unwrap()
            .is_empty());
        assert!(
            agree::<BTreeMap<String, String>, _>(&client, &hgetall("none"))
                .unwrap()
                .is_empty()
        );
        let empty: HashMap<String, Vec<u8>> = client.hgetall("none").unwrap();
        assert!(empty.is_empty());

        // A value that is not a number: the oracle's error, and the connection in step.
        let err = agree::<HashMap<String, i64>, _>(&conn, &hgetall("odd")).unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{p:?}: {err:?}");
        assert!(!conn.is_broken());
        assert_eq!(conn.hlen("odd").unwrap(), 3);
        let err = client.hgetall::<HashMap<String, i64>>("odd").unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{p:?}: {err:?}");
        assert_eq!(client.idle_connections(), 1);
        assert_eq!(client.hlen("odd").unwrap(), 3);

        // A hash into a type it cannot be: the same error either way, in step.
        let empty = agree::<HashMap<String, String>, _>(&conn, &lrange_cmd("none")).unwrap();
        assert!(empty.is_empty());
        conn.set("str", "x").unwrap();
        let err = agree::<HashMap<String, String>, _>(&conn, &hgetall("str")).unwrap_err();
        assert_eq!(
            err.server_kind(),
            Some(ServerErrorKind::WrongType),
            "{err:?}"
        );
        assert_eq!(conn.ping().unwrap(), "PONG");
    }
}

#[test]
fn streaming_zrange_withscores_into_pairs_and_maps() {
    let server = RedisServer::start();
    let writer = server.client().get_connection().unwrap();
    let scored: Vec<(f64, String)> = vec![
        (-2.25, "neg".into()),
        (0.0, "zero".into()),
        (1.5, "one-and-a-half".into()),
        (1e10, element(0, FAST + 3)),
        (0.1, String::new()),
        (f64::INFINITY, "inf".into()),
        (f64::NEG_INFINITY, "-inf".into()),
        (3.0, element(1, 40 * 1024)),
    ];
    writer.del("z").unwrap();
    for (score, member) in &scored {
        writer.zadd("z", member, *score).unwrap();
    }
    let mut expected: Vec<(String, f64)> = scored.iter().map(|(s, m)| (m.clone(), *s)).collect();
    expected.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    let as_map: HashMap<String, f64> = expected.iter().cloned().collect();
    let zrange = command(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]);

    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        // RESP2 replies a flat array, RESP3 an array of pairs.
        match raw(&conn, &["ZRANGE", "z", "0", "0", "WITHSCORES"]) {
            Value::Array(items) if protocol == Protocol::Resp2 => assert_eq!(items.len(), 2),
            Value::Array(items) => {
                assert!(matches!(&items[..], [Value::Array(pair)] if pair.len() == 2))
            }
            other => panic!("{other:?}"),
        }
        let got: Vec<(String, f64)> = conn.zrange_withscores("z", 0, -1).unwrap();
        assert_eq!(got, expected, "{protocol:?}");
        let got: HashMap<String, f64> = conn.zrange_withscores("z", 0, -1).unwrap();
        assert_eq!(got, as_map, "{protocol:?}");
        let got: HashMap<String, f64> = client.zrange_withscores("z", 0, -1).unwrap();
        assert_eq!(got, as_map, "{protocol:?}");
        let got = agree::<Vec<(String, f64)>, _>(&client, &zrange).unwrap();
        assert_eq!(got, expected);
        let got = agree::<HashMap<String, f64>, _>(&conn, &zrange).unwrap();
        assert_eq!(got, as_map);
        let got = agree::<BTreeMap<String, f64>, _>(&conn, &zrange).unwrap();
        assert_eq!(got.len(), expected.len());
        let got = agree::<HashMap<String, String>, _>(&conn, &zrange).unwrap();
        assert_eq!(got["neg"], "-2.25");
        // Flat in RESP2 (strings), pairs in RESP3 (not strings): whatever the oracle says.
        let flat = agree::<Vec<String>, _>(&conn, &zrange);
        match protocol {
            Protocol::Resp2 => assert_eq!(flat.unwrap().len(), 2 * expected.len()),
            _ => assert!(matches!(flat, Err(Error::Conversion { .. })), "{flat:?}"),
        }
        // Optional pairs: one element per value (`Option` does not read flat arrays in pairs),
        // so RESP2's flat array fails and RESP3's pairs convert.
        let optional = agree::<Vec<Option<(String, f64)>>, _>(&conn, &zrange);
        match protocol {
            Protocol::Resp2 => assert!(
                matches!(optional, Err(Error::Conversion { .. })),
                "{optional:?}"
            ),
            _ => assert_eq!(optional.unwrap().len(), expected.len()),
        }
        let one = agree::<HashMap<String, f64>, _>(
            &conn,
            &command(&["ZRANGE", "z", "0", "0", "WITHSCORES"]),
        )
        .unwrap();
        assert_eq!(
            one,
            HashMap::from([("-inf".to_string(), f64::NEG_INFINITY)])
        );
        assert_eq!(conn.ping().unwrap(), "PONG");
    }
}

mod mixed;
