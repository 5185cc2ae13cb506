//! Hostile replies to pipelines whose replies are read straight into the caller's type
//! (`execute::<T>()` on a plain batch: the virtual array of `src/batch/stream.rs`).
//!
//! Each outcome is asserted exactly and, where the fake can replay the same bytes, compared
//! with the old path on a second connection: `execute_raw()`, then the pipeline's error rule
//! (the first error reply is `Error::Pipeline`) and `T::from_value`. After any failure the
//! connection is either in step (the next command gets its own reply) or broken
//! (`is_broken()`; a pooled client's next call works on a fresh connection). Every wait is
//! bounded by the client's read timeout.

use super::streaming::largest_allocation_during;
use super::*;
use redline::{FromValue, Pipeline, Protocol};
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::mpsc;
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A bulk string frame.
fn bulk(payload: &[u8]) -> Vec<u8> {
    let mut f = format!("${}\r\n", payload.len()).into_bytes();
    f.extend_from_slice(payload);
    f.extend_from_slice(b"\r\n");
    f
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// An invalidation push, as a RESP3 server sends them to a client that tracks keys.
const PUSH: &[u8] = b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n";

/// The fake server's answer to the `PING` after a batch.
const PONG: &str = "Ok(\"PONG\")";
const BROKEN: &str = "Err(Broken)";

/// Queues `n` GETs (`k0`, `k1`, ...).
fn gets(pipe: &mut Pipeline<'_>, n: usize) {
    for i in 0..n {
        pipe.cmd(cmd("GET").arg(format!("k{i}")));
    }
}

/// A connection's script: read the `n` commands of a batch, write `raw` (then close, if
/// `close`), and answer one `PING` if the client sends it.
fn batch_script(n: usize, raw: &[u8], close: bool) -> Vec<Step> {
    let mut steps = vec![Step::Read; n];
    steps.push(Step::Write(raw.to_vec()));
    if close {
        steps.push(Step::Close);
    } else {
        steps.extend([Step::Read, Step::Write(b"+PONG\r\n".to_vec())]);
    }
    steps
}

/// How one batch ended on a dedicated connection.
struct Outcome<T> {
    result: Result<T, Error>,
    broken: bool,
    /// What a `PING` right after got.
    next: String,
}

fn outcome<T>(conn: &Connection, result: Result<T, Error>) -> Outcome<T> {
    let broken = conn.is_broken();
    let next = format!("{:?}", conn.ping());
    Outcome {
        result,
        broken,
        next,
    }
}

/// An outcome with its value dropped, to check outcomes of several types alike.
fn erase<T>(o: Outcome<T>) -> Outcome<()> {
    Outcome {
        result: o.result.map(drop),
        broken: o.broken,
        next: o.next,
    }
}

/// The parts of an `Error::Pipeline`, or a failed test.
fn pipeline_parts(e: Error) -> (usize, String, Error) {
    match e {
        Error::Pipeline {
            index,
            command,
            source,
        } => (index, command, *source),
        other => panic!("expected Error::Pipeline, got {other:?}"),
    }
}

/// The old path: the raw replies, the pipeline's error rule, then `T::from_value`.
fn from_raw<T: FromValue>(raw: Result<Vec<Value>, Error>) -> Result<T, Error> {
    let raw = raw?;
    // An error reply counts under RESP3 attributes too.
    let first = raw.iter().enumerate().find_map(|(index, v)| match v {
        Value::Error(message) => Some((index, message.clone())),
        Value::Attribute { data, .. } => match &**data {
            Value::Error(message) => Some((index, message.clone())),
            _ => None,
        },
        _ => None,
    });
    if let Some((index, message)) = first {
        return Err(Error::Pipeline {
            index,
            command: "GET".to_string(),
            source: Box::new(Error::from_server_reply(message)),
        });
    }
    T::from_value(Value::Array(raw))
}

fn brief<T: Debug>(r: &Result<T, Error>) -> String {
    let s = format!("{r:?}");
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

/// Equal values, or the same error (for `Error::Pipeline`: the same index and source).
fn assert_same<T: PartialEq + Debug>(what: &str, got: &Result<T, Error>, want: &Result<T, Error>) {
    match (got, want) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "{what}: streamed {} but the oracle gave {}",
            brief(got),
            brief(want)
        ),
        (
            Err(Error::Pipeline {
                index,
                source,
                command,
                ..
            }),
            Err(Error::Pipeline {
                index: want_index,
                source: want_source,
                ..
            }),
        ) => {
            assert_eq!(index, want_index, "{what}");
            assert_eq!(format!("{source:?}"), format!("{want_source:?}"), "{what}");
            assert!(command.starts_with("GET k"), "{what}: {command}");
        }
        (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}"),
        _ => panic!(
            "{what}: streamed {} but the oracle gave {}",
            brief(got),
            brief(want)
        ),
    }
}

/// Runs a batch of `n` GETs answered by `script` with `execute::<T>()` and, on a second
/// connection given the same script, with `execute_raw()`; asserts they agree in result,
/// brokenness and what the next command gets; returns the streamed outcome.
fn differential<T>(what: &str, n: usize, script: Vec<Step>) -> Outcome<T>
where
    T: FromValue + PartialEq + Debug,
{
    let fake = Fake::repeat(2, script);
    let conn = fake.connection();
    let mut pipe = conn.pipeline();
    gets(&mut pipe, n);
    let streamed = outcome(&conn, pipe.execute::<T>());
    drop(pipe);
    drop(conn);
    let conn = fake.connection();
    let mut pipe = conn.pipeline();
    gets(&mut pipe, n);
    let old = outcome(&conn, from_raw::<T>(pipe.execute_raw()));
    assert_same(what, &streamed.result, &old.result);
    assert_eq!(streamed.broken, old.broken, "{what}: broken");
    assert_eq!(streamed.next, old.next, "{what}: the next command");
    streamed
}

/// `differential` for the types these tests read GET replies into (and a 5-tuple for a batch
/// of five); `check` gets each outcome, named `<what> as <type>`.
fn differential_all(what: &str, n: usize, script: Vec<Step>, check: impl Fn(&str, &Outcome<()>)) {
    fn one<T: FromValue + PartialEq + Debug>(
        what: &str,
        label: &str,
        n: usize,
        script: &[Step],
        check: &dyn Fn(&str, &Outcome<()>),
    ) {
        let what = format!("{what} as {label}");
        check(&what, &erase(differential::<T>(&what, n, script.to_vec())));
    }
    let s = &script;
    one::<Vec<Option<String>>>(what, "Vec<Option<String>>", n, s, &check);
    one::<Vec<Value>>(what, "Vec<Value>", n, s, &check);
    one::<Vec<Option<Vec<u8>>>>(what, "Vec<Option<Vec<u8>>>", n, s, &check);
    one::<Vec<Vec<String>>>(what, "Vec<Vec<String>>", n, s, &check);
    if n == 5 {
        type Five = (
            Option<String>,
            Value,
            Option<Vec<u8>>,
            Value,
            Option<String>,
        );
        one::<Five>(what, "a 5-tuple", n, s, &check);
    }
}

fn assert_eof(what: &str, o: &Outcome<()>) {
    assert!(
        matches!(&o.result, Err(Error::Io { source: e, .. }) if e.kind() == ErrorKind::UnexpectedEof),
        "{what}: {}",
        brief(&o.result)
    );
    assert!(o.broken, "{what}");
    assert_eq!(o.next, BROKEN, "{what}");
}

fn is_not_redis(what: &str, o: &Outcome<()>) {
    assert!(
        matches!(&o.result, Err(Error::NotRedis { first_bytes, .. }) if first_bytes.starts_with("\"?oops")),
        "{what}: {}",
        brief(&o.result)
    );
    assert!(o.broken, "{what}");
    assert_eq!(o.next, BROKEN, "{what}");
}

fn is_protocol(expected: ProtocolError) -> impl Fn(&str, &Outcome<()>) {
    move |what, o| {
        assert!(
            matches!(&o.result, Err(Error::Protocol { source: p, .. }) if *p == expected),
            "{what}: expected {expected:?}, got {}",
            brief(&o.result)
        );
        assert!(o.broken, "{what}");
        assert_eq!(o.next, BROKEN, "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// (a) Truncated replies
// ---------------------------------------------------------------------------------------------

#[test]
fn pipeline_replies_cut_short_then_closed() {
    // Five GETs: a short value, an error reply, a value over the fast-path limit, nil, and
    // multi-byte text. Cut at every byte around the small replies and at points inside the
    // large one, then closed: an EOF every time (even after an error reply), never a value.
    let large = vec![b'B'; 20_000];
    let parts: [Vec<u8>; 5] = [
        bulk(b"one"),
        b"-ERR first\r\n".to_vec(),
        bulk(&large),
        b"$-1\r\n".to_vec(),
        bulk("é日🦀".as_bytes()),
    ];
    let raw = parts.concat();
    let large_at = parts[0].len() + parts[1].len();
    let large_end = large_at + parts[2].len();
    let mut cuts: Vec<usize> = (0..large_at + 10).collect();
    cuts.extend([
        large_at + 5_000,
        large_at + 16_384,
        large_end - 2,
        large_end - 1,
    ]);
    cuts.extend(large_end..raw.len());
    for cut in cuts {
        let what = format!("cut at {cut} of {}", raw.len());
        differential_all(&what, 5, batch_script(5, &raw[..cut], true), assert_eof);
    }

    // The same reply whole: the error reply is named, the connection stays in step.
    let o = differential::<Vec<Value>>("whole", 5, batch_script(5, &raw, false));
    let (index, _, source) = pipeline_parts(o.result.unwrap_err());
    assert_eq!(index, 1);
    assert_eq!(source.server_kind(), Some(redline::ServerErrorKind::Err));
    assert_eq!(o.next, PONG);

    // A pooled client drops the connection; its next call gets a fresh one.
    let cut = &raw[..large_at + 100];
    let fake = Fake::start(vec![batch_script(5, cut, true), pong()]);
    let client = fake.client();
    let mut pipe = client.pipeline();
    gets(&mut pipe, 5);
    let err = pipe.execute::<Vec<Option<String>>>().unwrap_err();
    assert!(
        matches!(&err, Error::Io { source: e, .. } if e.kind() == ErrorKind::UnexpectedEof),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");
    assert_eq!(client.idle_connections(), 1);
}

// ---------------------------------------------------------------------------------------------
// (b) Malformed frames
// ---------------------------------------------------------------------------------------------

#[test]
fn pipeline_malformed_frame_mid_batch() {
    let bad: [(&str, &[u8], ProtocolError); 6] = [
        (
            "bad type byte",
            b"?oops\r\n",
            ProtocolError::UnknownType(b'?'),
        ),
        ("$-5", b"$-5\r\n", ProtocolError::InvalidLength),
        (
            "$99999999999",
            b"$99999999999\r\n",
            ProtocolError::BulkTooLarge,
        ),
        (
            "$99999999999999999999",
            b"$99999999999999999999\r\n",
            ProtocolError::InvalidLength,
        ),
        (
            "*99999999999999",
            b"*99999999999999\r\n",
            ProtocolError::AggregateTooLarge,
        ),
        (
            "element $-5",
            b"*2\r\n$1\r\na\r\n$-5\r\n",
            ProtocolError::InvalidLength,
        ),
    ];
    let good = bulk(b"a");
    for (name, frame, expected) in bad {
        for at in [0, 2, 4] {
            let mut raw = Vec::new();
            for i in 0..5 {
                if i == at {
                    raw.extend_from_slice(frame);
                } else {
                    raw.extend_from_slice(&good);
                }
            }
            let what = format!("{name} as reply {at}");
            if at == 0 && matches!(expected, ProtocolError::UnknownType(_)) {
                // The very first bytes the server sent are not RESP at all.
                differential_all(&what, 5, batch_script(5, &raw, false), is_not_redis);
                continue;
            }
            differential_all(
                &what,
                5,
                batch_script(5, &raw, false),
                is_protocol(expected),
            );
        }
    }
}

#[test]
fn pipeline_malformed_frame_after_a_conversion_error() {
    // The conversion fails first; reading the rest of the batch (to stay in step) then meets
    // the malformed frame: a protocol error and a broken connection, as on the old path.
    let x = bulk(b"x");
    let one = bulk(b"1");
    let cases: [(&str, Vec<u8>, ProtocolError); 4] = [
        (
            "top level, then $-5",
            concat(&[&x, b"$-5\r\n", &one]),
            ProtocolError::InvalidLength,
        ),
        (
            "top level, then a bad type byte",
            concat(&[&x, &one, b"?\r\n"]),
            ProtocolError::UnknownType(b'?'),
        ),
        (
            "in an array, then $-5 in it",
            concat(&[b"*3\r\n", &x, b"$-5\r\n", &one, &one, &one]),
            ProtocolError::InvalidLength,
        ),
        (
            "in an array, then $-5 in the next reply",
            concat(&[b"*2\r\n", &x, &one, b"$-5\r\n", &one]),
            ProtocolError::InvalidLength,
        ),
    ];
    for (what, raw, expected) in cases {
        let check = is_protocol(expected);
        let o = differential::<Vec<i64>>(what, 3, batch_script(3, &raw, false));
        check(&format!("{what} as Vec<i64>"), &erase(o));
        let o = differential::<Vec<Vec<i64>>>(what, 3, batch_script(3, &raw, false));
        check(&format!("{what} as Vec<Vec<i64>>"), &erase(o));
        let o = differential::<Vec<Vec<Option<i64>>>>(what, 3, batch_script(3, &raw, false));
        check(&format!("{what} as Vec<Vec<Option<i64>>>"), &erase(o));
    }
}

#[test]
fn pipeline_huge_claims_allocate_nothing_large() {
    const MAX: usize = 1024 * 1024;
    let good = bulk(b"a");
    let cases: [(&str, &[u8], bool); 5] = [
        ("$99999999999", b"$99999999999\r\n", false),
        ("*99999999999999", b"*99999999999999\r\n", false),
        // Under the limits, never delivered: an EOF, with nothing reserved for the claim.
        ("$400000000", b"$400000000\r\n0123", true),
        ("*4000000000", b"*4000000000\r\n$1\r\na\r\n", true),
        (
            "%4000000000",
            b"%4000000000\r\n$1\r\na\r\n$1\r\nb\r\n",
            true,
        ),
    ];
    for (what, frame, close) in cases {
        let raw = concat(&[&good, frame]);
        let fake = Fake::repeat(3, batch_script(2, &raw, close));
        for kind in 0..3 {
            let conn = fake.connection();
            let mut pipe = conn.pipeline();
            gets(&mut pipe, 2);
            let (err, largest) = largest_allocation_during(|| match kind {
                0 => pipe.execute::<Vec<Value>>().map(drop).unwrap_err(),
                1 => pipe.execute::<Vec<Option<String>>>().map(drop).unwrap_err(),
                _ => pipe
                    .execute::<Vec<HashMap<String, String>>>()
                    .map(drop)
                    .unwrap_err(),
            });
            assert!(largest < MAX, "{what} ({kind}): allocated {largest} bytes");
            if close {
                assert!(
                    matches!(&err, Error::Io { source: e, .. } if e.kind() == ErrorKind::UnexpectedEof),
                    "{what} ({kind}): {err:?}"
                );
            } else {
                assert!(
                    matches!(err, Error::Protocol { source: _, .. }),
                    "{what} ({kind}): {err:?}"
                );
            }
            assert!(conn.is_broken(), "{what} ({kind})");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) More replies than commands
// ---------------------------------------------------------------------------------------------

fn strings(items: &[&str]) -> Vec<Option<String>> {
    items.iter().map(|s| Some(s.to_string())).collect()
}

#[test]
fn pipeline_stray_extra_reply_is_never_taken_by_the_next_command() {
    // Three GETs answered four times in one write (and once with the start of a fourth):
    // the batch gets its three replies; the next request finds the stray reply waiting,
    // fails with UnsolicitedReply without being sent, and breaks the connection.
    let replies = concat(&[&bulk(b"a"), &bulk(b"b"), &bulk(b"c")]);
    for (name, stray) in [
        ("whole", bulk(b"stray")),
        ("large", bulk(&[b's'; 20_000])),
        ("partial", b"*2\r\n:1\r\n".to_vec()),
        ("error", b"-ERR stray\r\n".to_vec()),
    ] {
        for kind in 0..4 {
            let what = format!("{name} stray ({kind})");
            let raw = concat(&[&replies, &stray]);
            let fake = Fake::start(vec![batch_script(3, &raw, false)]);
            let conn = fake.connection();
            let mut pipe = conn.pipeline();
            gets(&mut pipe, 3);
            let got: Vec<Option<String>> = match kind {
                0 => pipe.execute().unwrap(),
                1 => FromValue::from_value(Value::Array(pipe.execute::<Vec<Value>>().unwrap()))
                    .unwrap(),
                2 => {
                    let (a, b, c) = pipe.execute::<(String, String, String)>().unwrap();
                    vec![Some(a), Some(b), Some(c)]
                }
                _ => FromValue::from_value(Value::Array(pipe.execute_raw().unwrap())).unwrap(),
            };
            assert_eq!(got, strings(&["a", "b", "c"]), "{what}");
            let err = conn.get::<String>("k").unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Protocol {
                        source: ProtocolError::UnsolicitedReply,
                        ..
                    }
                ),
                "{what}: {err:?}"
            );
            assert!(conn.is_broken(), "{what}");
            // The GET was never sent.
            assert_eq!(fake.commands().len(), 3, "{what}");
        }
    }

    // A pooled client sees the stray reply when the connection comes back, drops it, and
    // answers the next call on a fresh connection.
    let raw = concat(&[&replies, &bulk(b"stray")]);
    let fake = Fake::start(vec![
        batch_script(3, &raw, false),
        reply(b"$4\r\nnext\r\n", false),
    ]);
    let client = fake.client();
    let mut pipe = client.pipeline();
    gets(&mut pipe, 3);
    let got: Vec<Option<String>> = pipe.execute().unwrap();
    assert_eq!(got, strings(&["a", "b", "c"]));
    assert_eq!(client.get::<String>("k").unwrap(), "next");
    assert_eq!(fake.commands().len(), 4);
}

#[test]
fn pipeline_stray_reply_arriving_late_is_caught_by_the_pool() {
    // The stray reply comes after the batch's replies were read: the pool's check at
    // checkout sees it and opens a fresh connection.
    let replies = concat(&[&bulk(b"a"), &bulk(b"b"), &bulk(b"c")]);
    let mut first = vec![Step::Read; 3];
    first.extend([
        Step::Write(replies.clone()),
        Step::Pause(Duration::from_millis(30)),
        Step::Write(bulk(b"stray")),
    ]);
    let fake = Fake::start(vec![first, reply(b"$4\r\nnext\r\n", false)]);
    let client = fake.client();
    let mut pipe = client.pipeline();
    gets(&mut pipe, 3);
    let got: Vec<Option<String>> = pipe.execute().unwrap();
    assert_eq!(got, strings(&["a", "b", "c"]));
    fake.wait_for_writes(2);
    std::thread::sleep(Duration::from_millis(20));
    let next = client.get::<String>("k").unwrap();
    assert_ne!(next, "stray", "the stray reply reached the next command");
    assert_eq!(next, "next");
}

#[test]
fn pipeline_stray_reply_arriving_late_on_a_dedicated_connection() {
    let replies = concat(&[&bulk(b"a"), &bulk(b"b"), &bulk(b"c")]);
    let mut script = vec![Step::Read; 3];
    script.extend([
        Step::Write(replies),
        Step::Pause(Duration::from_millis(30)),
        Step::Write(bulk(b"stray")),
        Step::Read,
        Step::Write(bulk(b"next")),
    ]);
    let fake = Fake::start(vec![script]);
    let conn = fake.connection();
    let mut pipe = conn.pipeline();
    gets(&mut pipe, 3);
    let got: Vec<Option<String>> = pipe.execute().unwrap();
    assert_eq!(got, strings(&["a", "b", "c"]));
    fake.wait_for_writes(2);
    std::thread::sleep(Duration::from_millis(20));
    let next = conn.get::<String>("k");
    assert!(
        matches!(
            next,
            Err(Error::Protocol {
                source: ProtocolError::UnsolicitedReply,
                ..
            })
        ),
        "the next command got {next:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// (d) Replies dripped across segment boundaries
// ---------------------------------------------------------------------------------------------

/// The batch size at which the pipeline starts a new segment (`src/batch/segments.rs`).
const SEGMENT: usize = 256 * 1024;
/// Key padding: each GET is about 2 KiB, so a segment holds about 129 of them.
const KEY_PAD: usize = 2000;

fn drip_key(i: usize) -> String {
    format!("{i:06}:{}", "p".repeat(KEY_PAD))
}

/// What the drip server holds for key `i`: nil, empty, short multi-byte text, or text over
/// the fast-path limit whose characters the drip cuts.
fn drip_value(i: usize) -> Option<Vec<u8>> {
    match i {
        i if i % 13 == 0 => None,
        i if i % 17 == 3 => Some(Vec::new()),
        i if i % 50 == 7 => Some("é日🦀\r\n".repeat(2_000).into_bytes()),
        i => Some(format!("v{i}-é日🦀").into_bytes()),
    }
}

/// A server for a batch larger than a segment: one thread reads the client's commands as
/// they come (so the client never blocks writing), the other answers each command once it
/// has arrived, one byte per write (large payloads in 997-byte pieces), pausing after every
/// byte of the replies around segment boundaries. It answers a `PING` and stops; it returns
/// every command it got.
fn drip_server(per_segment: usize) -> (u16, std::thread::JoinHandle<Vec<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return Vec::new();
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = stream.try_clone().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            while let Some(words) = read_command(&mut reader, &mut buf) {
                if tx.send(words).is_err() {
                    return;
                }
            }
        });
        let mut writer = stream;
        let mut seen: Vec<Vec<String>> = Vec::new();
        while let Ok(words) = rx.recv_timeout(Duration::from_secs(10)) {
            let i = seen.len();
            let (reply, ping) = match words.first().map(String::as_str) {
                Some("PING") => (b"+PONG\r\n".to_vec(), true),
                Some("GET") => {
                    let index: usize = words[1][..6].parse().unwrap();
                    match drip_value(index) {
                        Some(v) => (bulk(&v), false),
                        None => (b"$-1\r\n".to_vec(), false),
                    }
                }
                _ => (b"-ERR unexpected\r\n".to_vec(), false),
            };
            let near_boundary = i % per_segment < 3 || i % per_segment >= per_segment - 3;
            let piece = if reply.len() > 1000 { 997 } else { 1 };
            for chunk in reply.chunks(piece) {
                if writer.write_all(chunk).is_err() {
                    return seen;
                }
                if near_boundary {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
            seen.push(words);
            if ping {
                break;
            }
        }
        seen
    });
    (port, handle)
}

#[test]
fn pipeline_dripped_across_segment_boundaries() {
    let command_len = cmd("GET").arg(drip_key(0)).encoded().len();
    let per_segment = SEGMENT / command_len;
    let n = per_segment * 4 + 10;
    for kind in 0..3 {
        let (port, server) = drip_server(per_segment);
        let conn = Client::builder()
            .host("127.0.0.1")
            .port(port)
            .read_timeout(Some(Duration::from_secs(5)))
            .build()
            .get_connection()
            .unwrap();
        let mut pipe = conn.pipeline();
        let ignored = |i: usize| kind == 0 && i % 7 == 3;
        for i in 0..n {
            pipe.cmd(cmd("GET").arg(drip_key(i)));
            if ignored(i) {
                pipe.ignore();
            }
        }
        let started = Instant::now();
        let expected: Vec<Option<Vec<u8>>> =
            (0..n).filter(|&i| !ignored(i)).map(drip_value).collect();
        match kind {
            0 | 1 => {
                let got: Vec<Option<String>> = pipe.execute().unwrap();
                let got: Vec<Option<Vec<u8>>> =
                    got.into_iter().map(|v| v.map(String::into_bytes)).collect();
                assert!(got == expected, "kind {kind}: wrong values");
            }
            _ => {
                let got: Vec<Value> = pipe.execute().unwrap();
                let got: Vec<Option<Vec<u8>>> = FromValue::from_value(Value::Array(got)).unwrap();
                assert!(got == expected, "kind {kind}: wrong values");
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(conn.ping().unwrap(), "PONG", "kind {kind}");
        drop(conn);
        let seen = server.join().unwrap();
        assert_eq!(seen.len(), n + 1, "kind {kind}");
        for (i, words) in seen[..n].iter().enumerate() {
            assert_eq!(words[0], "GET");
            assert_eq!(
                words[1],
                drip_key(i),
                "kind {kind}: command {i} out of order"
            );
        }
    }
}

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
