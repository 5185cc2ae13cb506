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

mod drip;
mod replies;
