//! Hostile replies to calls whose replies are decoded straight into the caller's type
//! (`lrange` into `Vec<String>`, `hgetall` into `HashMap<String, String>`, ...).
//!
//! Each outcome is asserted exactly, and compared with the old path on the same bytes: the
//! whole reply decoded to a [`Value`], then converted (`T::from_value(conn.req(cmd)?)`). Both
//! must give the same value or error, leave the connection broken or not alike, and agree on
//! what the next command gets.

use super::*;
use redline::resp::Limits;
use redline::FromValue;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Debug;

/// The system allocator, noting the largest single request made by a thread that asked for
/// it (see [`largest_allocation_during`]).
struct Tracking;

thread_local! {
    /// `Some(largest request so far)` while this thread is measuring.
    static LARGEST: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| {
        if let Some(seen) = largest.get() {
            largest.set(Some(seen.max(size)));
        }
    });
}

// SAFETY: every call is passed on unchanged to `System`; `note` only touches a `Cell` in a
// const-initialised thread local (no allocation, no destructor).
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Runs `f` and returns its result with the largest single allocation it made on this
/// thread (the client reads on the caller's thread).
pub(super) fn largest_allocation_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|l| l.set(Some(0)));
    let result = f();
    let largest = LARGEST.with(|l| l.replace(None)).unwrap_or(0);
    (result, largest)
}

/// What one call came to on a dedicated connection.
struct Outcome<T> {
    result: Result<T, Error>,
    broken: bool,
    /// What a `PING` right after got.
    next: String,
}

/// The script of one connection: read the command, write `raw` (then close, if `close`), and
/// answer one `PING` if the client sends it.
fn script(raw: &[u8], close: bool) -> Vec<Step> {
    let mut steps = reply(raw, close);
    if !close {
        steps.extend([Step::Read, Step::Write(b"+PONG\r\n".to_vec())]);
    }
    steps
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

/// Debug text of a result, short enough for a failure message.
fn brief<T: Debug>(r: &Result<T, Error>) -> String {
    let s = format!("{r:?}");
    if s.len() > 300 {
        format!("{}...", &s[..300])
    } else {
        s
    }
}

/// Runs `call` (the streaming path) and the oracle on two connections that get the same
/// `script`, asserts that they agree in every respect, and returns the streamed outcome.
fn differential_with<T, F>(what: &str, script: Vec<Step>, limits: Limits, call: F) -> Outcome<T>
where
    T: FromValue + PartialEq + Debug,
    F: Fn(&Connection) -> Result<T, Error>,
{
    let fake = Fake::repeat(2, script);
    let info = fake
        .builder()
        .limits(limits)
        .build()
        .connection_info()
        .clone();
    let conn = Connection::open(&info).unwrap();
    let streamed = outcome(&conn, call(&conn));
    drop(conn);
    let conn = Connection::open(&info).unwrap();
    let old = outcome(&conn, conn.req(&cmd("X")).and_then(T::from_value));
    match (&streamed.result, &old.result) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "{what}: streamed {} but the oracle gave {}",
            brief(&streamed.result),
            brief(&old.result)
        ),
        (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}"),
        _ => panic!(
            "{what}: streamed {} but the oracle gave {}",
            brief(&streamed.result),
            brief(&old.result)
        ),
    }
    assert_eq!(streamed.broken, old.broken, "{what}: broken");
    assert_eq!(streamed.next, old.next, "{what}: the next command");
    streamed
}

fn differential<T, F>(what: &str, raw: &[u8], close: bool, call: F) -> Outcome<T>
where
    T: FromValue + PartialEq + Debug,
    F: Fn(&Connection) -> Result<T, Error>,
{
    differential_with(what, script(raw, close), Limits::default(), call)
}

fn lrange(conn: &Connection) -> Result<Vec<String>, Error> {
    conn.lrange("k", 0, -1)
}

fn hgetall(conn: &Connection) -> Result<HashMap<String, String>, Error> {
    conn.hgetall("k")
}

/// What `Outcome::next` holds after a `PING` answered in step, and on a broken connection.
const PONG: &str = "Ok(\"PONG\")";
const BROKEN: &str = "Err(Broken)";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A bulk string frame.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = format!("${}\r\n", payload.len()).into_bytes();
    f.extend_from_slice(payload);
    f.extend_from_slice(b"\r\n");
    f
}

/// An array of bulk strings.
fn array_of(payloads: &[&[u8]]) -> Vec<u8> {
    let mut f = format!("*{}\r\n", payloads.len()).into_bytes();
    for p in payloads {
        f.extend(frame(p));
    }
    f
}

fn assert_eof<T: Debug>(what: &str, o: &Outcome<T>) {
    assert!(
        matches!(&o.result, Err(Error::Io { source: e, .. }) if e.kind() == ErrorKind::UnexpectedEof),
        "{what}: {}",
        brief(&o.result)
    );
    assert!(o.broken, "{what}");
    assert_eq!(o.next, BROKEN, "{what}");
}

fn assert_protocol<T: Debug>(what: &str, o: &Outcome<T>, expected: ProtocolError) {
    assert!(
        matches!(&o.result, Err(Error::Protocol { source: p, .. }) if *p == expected),
        "{what}: expected {expected:?}, got {}",
        brief(&o.result)
    );
    assert!(o.broken, "{what}");
    assert_eq!(o.next, BROKEN, "{what}");
}

#[test]
fn streaming_array_truncated_mid_element_then_closed() {
    let o = differential("lrange", b"*3\r\n$1\r\na\r\n$5\r\nbc", true, lrange);
    assert_eof("lrange", &o);
    let o = differential(
        "hgetall",
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1",
        true,
        hgetall,
    );
    assert_eof("hgetall", &o);
    let o = differential(
        "map",
        b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n",
        true,
        hgetall,
    );
    assert_eof("map", &o);

    // Every prefix of a reply, cut there and closed: an EOF, never a value.
    let reply_l = array_of(&[b"a", b"", b"\r\n", &[b'x'; 20]]);
    for cut in 0..reply_l.len() {
        let what = format!("lrange cut at {cut}");
        assert_eof(&what, &differential(&what, &reply_l[..cut], true, lrange));
    }
    let mut reply_h = b"%2\r\n".to_vec();
    for p in [&b"k1"[..], b"v1", b"", b"\r\n"] {
        reply_h.extend(frame(p));
    }
    for cut in 0..reply_h.len() {
        let what = format!("hgetall cut at {cut}");
        assert_eof(&what, &differential(&what, &reply_h[..cut], true, hgetall));
    }
    // A payload over the fast-path limit, cut in its header, payload and CRLF.
    let big = vec![b'B'; 20_000];
    let reply_b = array_of(&[b"a", &big, b"z"]);
    let big_at = 4 + 7;
    for cut in [
        big_at,
        big_at + 3,
        big_at + 8,
        big_at + 9,
        big_at + 5000,
        big_at + 9 + 20_000,
        big_at + 9 + 20_001,
        reply_b.len() - 1,
    ] {
        let what = format!("large element cut at {cut}");
        assert_eof(&what, &differential(&what, &reply_b[..cut], true, lrange));
    }

    // The pooled client drops the connection; the next call gets a fresh one.
    let fake = Fake::start(vec![
        reply(b"*3\r\n$1\r\na\r\n$5\r\nbc", true),
        reply(&array_of(&[b"ok"]), false),
    ]);
    let client = fake.client();
    let err = client.lrange::<Vec<String>>("k", 0, -1).unwrap_err();
    assert!(
        matches!(&err, Error::Io { source: e, .. } if e.kind() == ErrorKind::UnexpectedEof),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(
        client.lrange::<Vec<String>>("k", 0, -1).unwrap(),
        strings(&["ok"])
    );
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn streaming_element_without_its_crlf() {
    let o = differential("2nd", b"*2\r\n$1\r\na\r\n$1\r\nbXX", false, lrange);
    assert_protocol("2nd", &o, ProtocolError::MissingCrlf);
    let o = differential("1st", b"*2\r\n$1\r\naXX$1\r\nb\r\n", false, lrange);
    assert_protocol("1st", &o, ProtocolError::MissingCrlf);
    let o = differential("bare LF", b"*2\r\n$1\r\na\r\n$1\r\nb\n\n", false, lrange);
    assert_protocol("bare LF", &o, ProtocolError::MissingCrlf);
    let o = differential("long", b"*2\r\n$1\r\na\r\n$3\r\nbcdef\r\n", false, lrange);
    assert_protocol("long", &o, ProtocolError::MissingCrlf);
    let o = differential("map", b"*2\r\n$1\r\na\r\n$1\r\nbXX", false, hgetall);
    assert_protocol("map", &o, ProtocolError::MissingCrlf);
    let o = differential("map key", b"%1\r\n$1\r\naXX$1\r\nb\r\n", false, hgetall);
    assert_protocol("map key", &o, ProtocolError::MissingCrlf);
    // Over the fast-path limit: the decoder's large-payload path checks the CRLF too.
    let mut large = b"*2\r\n$1\r\na\r\n".to_vec();
    large.extend(format!("${}\r\n", 20_000).bytes());
    large.extend(vec![b'p'; 20_000]);
    large.extend(b"XY");
    let o = differential("large", &large, false, lrange);
    assert_protocol("large", &o, ProtocolError::MissingCrlf);
}

#[test]
fn streaming_negative_element_length() {
    for (what, raw) in [
        ("2nd", &b"*2\r\n$1\r\na\r\n$-5\r\n"[..]),
        ("1st", b"*2\r\n$-5\r\n$1\r\na\r\n"),
        ("-2", b"*1\r\n$-2\r\n"),
    ] {
        let o = differential(what, raw, false, lrange);
        assert_protocol(what, &o, ProtocolError::InvalidLength);
    }
    let o = differential("map", b"*2\r\n$1\r\na\r\n$-5\r\n", false, hgetall);
    assert_protocol("map", &o, ProtocolError::InvalidLength);
    let o = differential("map key", b"%1\r\n$-5\r\n$1\r\na\r\n", false, hgetall);
    assert_protocol("map key", &o, ProtocolError::InvalidLength);
    // A nil element (-1) is not a protocol error: a String cannot be nil, an Option can.
    let o = differential("nil", b"*2\r\n$1\r\na\r\n$-1\r\n", false, lrange);
    assert!(matches!(o.result, Err(Error::Conversion { .. })));
    assert!(!o.broken);
    assert_eq!(o.next, PONG);
    let o = differential("nil", b"*2\r\n$1\r\na\r\n$-1\r\n", false, |c| {
        c.lrange::<Vec<Option<String>>>("k", 0, -1)
    });
    assert_eq!(o.result.unwrap(), vec![Some("a".to_string()), None]);
}

#[test]
fn streaming_huge_aggregate_claims_allocate_nothing_large() {
    const MAX: usize = 1024 * 1024;
    let cases: [(&str, &[u8], bool); 6] = [
        ("*99999999999999", b"*99999999999999\r\n", false),
        ("*99999999999", b"*99999999999\r\n$1\r\na\r\n", false),
        ("%99999999999999", b"%99999999999999\r\n", false),
        // Under the limit, never delivered: an EOF, with nothing reserved for the claim.
        ("*4000000000", b"*4000000000\r\n$1\r\na\r\n", true),
        (
            "*4000000000 pairs",
            b"*4000000000\r\n$1\r\na\r\n$1\r\nb\r\n",
            true,
        ),
        (
            "%4000000000",
            b"%4000000000\r\n$1\r\na\r\n$1\r\nb\r\n",
            true,
        ),
    ];
    for (what, raw, close) in cases {
        let fake = Fake::repeat(2, script(raw, close));
        for map in [false, true] {
            let conn = fake.connection();
            let (err, largest) = largest_allocation_during(|| {
                if map {
                    hgetall(&conn).map(drop).unwrap_err()
                } else {
                    lrange(&conn).map(drop).unwrap_err()
                }
            });
            assert!(
                largest < MAX,
                "{what} (map: {map}): allocated {largest} bytes at once"
            );
            if close {
                assert!(
                    matches!(&err, Error::Io { source: e, .. } if e.kind() == ErrorKind::UnexpectedEof),
                    "{what}: {err:?}"
                );
            } else {
                assert!(
                    matches!(
                        err,
                        Error::Protocol {
                            source: ProtocolError::AggregateTooLarge,
                            ..
                        }
                    ),
                    "{what}: {err:?}"
                );
            }
            assert!(conn.is_broken(), "{what}");
        }
        // The old path gives the same error.
        let o = differential(what, raw, close, lrange);
        assert!(o.broken);
    }
}

mod shapes;
