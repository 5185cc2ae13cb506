//! Malformed frames: lengths, line ends, type bytes, scalars, aggregates, nesting.

use super::*;
use std::collections::HashMap;

#[test]
fn negative_bulk_length() {
    assert_discarded(b"$-5\r\n", false, protocol(ProtocolError::InvalidLength));
}

#[test]
fn non_numeric_bulk_length() {
    assert_discarded(b"$abc\r\n", false, protocol(ProtocolError::InvalidLength));
    assert_discarded(b"$\r\n", false, protocol(ProtocolError::InvalidLength));
    assert_discarded(
        b"$1 \r\nx\r\n",
        false,
        protocol(ProtocolError::InvalidLength),
    );
}

#[test]
fn overflowing_bulk_length() {
    assert_discarded(
        b"$99999999999999999999\r\n",
        false,
        protocol(ProtocolError::InvalidLength),
    );
    assert_discarded(
        b"$9223372036854775808\r\n",
        false,
        protocol(ProtocolError::InvalidLength),
    );
}

#[test]
fn bulk_over_512_mib() {
    let header = format!("${}\r\n", 512 * 1024 * 1024 + 1);
    assert_discarded(
        header.as_bytes(),
        false,
        protocol(ProtocolError::BulkTooLarge),
    );
    // i64::MAX is a valid number but far over the limit.
    assert_discarded(
        b"$9223372036854775807\r\n",
        false,
        protocol(ProtocolError::BulkTooLarge),
    );
}

#[test]
fn huge_bulk_then_close_is_eof() {
    // 100 MB claimed, 10 bytes sent: an EOF error, without waiting for (or allocating) the
    // rest.
    assert_discarded(b"$100000000\r\n0123456789", true, eof);
    // The same for a small bulk that is cut short.
    assert_discarded(b"$10\r\n01234", true, eof);
    // A large payload (read straight into the reply's buffer) that is whole but lacks its
    // CRLF when the server closes.
    let mut whole = b"$100000\r\n".to_vec();
    whole.extend(std::iter::repeat(b'p').take(100_000));
    assert_discarded(&whole, true, eof);
    whole.push(b'\r');
    assert_discarded(&whole, true, eof);
}

#[test]
fn large_bulk_with_bad_terminator() {
    // The large-payload path checks the CRLF as the small one does.
    let mut reply = b"$100000\r\n".to_vec();
    reply.extend(std::iter::repeat(b'p').take(100_000));
    reply.extend_from_slice(b"XY");
    assert_discarded(&reply, false, protocol(ProtocolError::MissingCrlf));
}

#[test]
fn large_bulk_is_read_whole() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let mut raw_reply = format!("${}\r\n", payload.len()).into_bytes();
    raw_reply.extend_from_slice(&payload);
    raw_reply.extend_from_slice(b"\r\n+PONG\r\n");
    // The large reply and the next one arrive together; both are read right.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(raw_reply[..1000].to_vec()),
        Step::Pause(Duration::from_millis(20)),
        Step::Write(raw_reply[1000..].to_vec()),
        Step::Read,
        Step::Write(b"$2\r\nok\r\n".to_vec()),
    ]]);
    let conn = fake.connection();
    let got: Vec<u8> = conn.get("k").unwrap();
    assert!(got == payload, "the large payload came back different");
    // The pipelined +PONG was not a reply to anything we sent; recv reads it.
    assert_eq!(conn.recv().unwrap(), Value::SimpleString("PONG".into()));
    assert_eq!(conn.get::<String>("k").unwrap(), "ok");
}

#[test]
fn missing_crlf_after_payload() {
    assert_discarded(b"$3\r\nfooXY", false, protocol(ProtocolError::MissingCrlf));
    assert_discarded(
        b"$3\r\nfoo\n\n",
        false,
        protocol(ProtocolError::MissingCrlf),
    );
    // A header line ended by a bare \n.
    assert_discarded(b":12\n", false, protocol(ProtocolError::MissingCrlf));
    // Bytes where the payload should end (the bulk claims 3, 5 arrive).
    assert_discarded(
        b"$3\r\nfoobar\r\n",
        false,
        protocol(ProtocolError::MissingCrlf),
    );
}

#[test]
fn unknown_type_byte() {
    // As the first bytes a server sends: something other than Redis listens there.
    assert_discarded(b"?what\r\n", false, not_redis("\"?what\\r\\n\""));
    assert_discarded(b"hello\r\n", false, not_redis("\"hello\\r\\n\""));
    assert_discarded(b"\0\r\n", false, not_redis("\"\\x00\\r\\n\""));
    // A first reply that began as RESP, with a bad type byte inside it (in the same read):
    // a protocol error (found by the typed_reply fuzz target).
    assert_discarded(
        b"*2\r\n*1\r\n:1\r\n?x\r\n",
        false,
        protocol(ProtocolError::UnknownType(b'?')),
    );
    // After a reply that was RESP: a protocol error.
    for (raw, byte) in [
        (&b"?what\r\n"[..], b'?'),
        (b"hello\r\n", b'h'),
        (b"\0\r\n", 0),
    ] {
        let mut script = pong();
        script.extend(reply(raw, false));
        let fake = Fake::start(vec![script]);
        let conn = fake.connection();
        assert_eq!(conn.ping().unwrap(), "PONG");
        let err = conn.req(cmd("GET").arg("k")).unwrap_err();
        assert!(protocol(ProtocolError::UnknownType(byte))(&err), "{err:?}");
        assert!(conn.is_broken());
    }
}

/// A port where an HTTP server listens: the error says what answered, with its first bytes.
#[test]
fn an_http_server_is_not_a_redis_server() {
    let http = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    let fake = Fake::start(vec![reply(http, true)]);
    let err = fake.client().ping().unwrap_err();
    let addr = format!("redis://127.0.0.1:{}", fake.port());
    assert!(
        matches!(&err, Error::NotRedis { addr: a, .. } if *a == addr),
        "{err:?}"
    );
    assert!(err.is_connection_broken());
    assert_eq!(err.server_addr(), Some(addr.as_str()));
    assert_eq!(
        err.to_string(),
        format!("{addr} is not a Redis server: it sent \"HTTP/1.1 400 Bad Request\\r\\nConten\"")
    );
}

/// An SSH server speaks first: the check before the first request sees its banner.
#[test]
fn an_ssh_banner_is_not_a_redis_server() {
    let banner = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".to_vec();
    let fake = Fake::start(vec![vec![Step::Write(banner), Step::Read]]);
    let conn = fake.connection();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let err = conn.ping().unwrap_err();
    assert!(
        matches!(&err, Error::NotRedis { first_bytes, .. } if first_bytes.starts_with("\"SSH-2.0-OpenSSH")),
        "{err:?}"
    );
    assert!(conn.is_broken());
}

#[test]
fn invalid_scalars() {
    assert_discarded(b":12a\r\n", false, protocol(ProtocolError::InvalidInteger));
    assert_discarded(
        b":99999999999999999999\r\n",
        false,
        protocol(ProtocolError::InvalidInteger),
    );
    assert_discarded(b"#x\r\n", false, protocol(ProtocolError::InvalidBoolean));
    assert_discarded(b",1.5.5\r\n", false, protocol(ProtocolError::InvalidDouble));
    assert_discarded(
        b"(12x\r\n",
        false,
        protocol(ProtocolError::InvalidBigNumber),
    );
    assert_discarded(b"_x\r\n", false, protocol(ProtocolError::InvalidNull));
    assert_discarded(
        b"=3\r\ntxt\r\n",
        false,
        protocol(ProtocolError::InvalidVerbatim),
    );
    // A header line that never ends.
    let long = vec![b'*'; 10_000];
    assert_discarded(&long, false, protocol(ProtocolError::LineTooLong));
}

#[test]
fn huge_aggregate_claims() {
    // Over the 2^32 - 1 limit: refused at once.
    assert_discarded(
        b"*99999999999\r\n",
        true,
        protocol(ProtocolError::AggregateTooLarge),
    );
    assert_discarded(
        b"%99999999999\r\n",
        false,
        protocol(ProtocolError::AggregateTooLarge),
    );
    // Under the limit but never delivered: an EOF, not an allocation of 4 billion slots.
    assert_discarded(b"*4000000000\r\n:1\r\n", true, eof);
    assert_discarded(b"~4000000000\r\n", true, eof);
}

#[test]
fn deep_nesting_is_refused() {
    let mut deep = b"*1\r\n".repeat(1000);
    deep.extend_from_slice(b":1\r\n");
    assert_discarded(&deep, false, protocol(ProtocolError::TooDeep));
    // Just over the default depth of 128 as well; maps and attributes count too.
    let mut mixed = b"%1\r\n:1\r\n".repeat(100);
    mixed.extend_from_slice(&b"|1\r\n:1\r\n:1\r\n".repeat(40));
    mixed.extend_from_slice(b":1\r\n");
    assert_discarded(&mixed, false, protocol(ProtocolError::TooDeep));
}

#[test]
fn nesting_within_the_limit_is_fine() {
    let mut deep = b"*1\r\n".repeat(100);
    deep.extend_from_slice(b":7\r\n");
    let fake = Fake::start(vec![reply(&deep, false)]);
    let client = fake.client();
    let mut value = client.query::<Value>(cmd("GET").arg("k")).unwrap();
    for _ in 0..100 {
        value = match value {
            Value::Array(mut items) if items.len() == 1 => items.pop().unwrap(),
            other => panic!("{other:?}"),
        };
    }
    assert_eq!(value, Value::Int(7));
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn malformed_element_inside_an_array_breaks_the_connection() {
    // A bad element in the middle of an array read into a container is a protocol error that
    // discards the connection.
    for (bytes, expected) in [
        (
            &b"*3\r\n$1\r\na\r\n$-5\r\n$1\r\nc\r\n"[..],
            ProtocolError::InvalidLength,
        ),
        (
            b"*2\r\n$1\r\na\r\n@oops\r\n",
            ProtocolError::UnknownType(b'@'),
        ),
        (
            b"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:x\r\n",
            ProtocolError::InvalidInteger,
        ),
    ] {
        let fake = Fake::start(vec![reply(bytes, false)]);
        let conn = fake.connection();
        let err = conn
            .query::<HashMap<String, String>>(cmd("HGETALL").arg("k"))
            .unwrap_err();
        assert!(
            matches!(&err, Error::Protocol { source: e, .. } if *e == expected),
            "{err:?}"
        );
        assert!(conn.is_broken());
        assert!(matches!(conn.get::<String>("k"), Err(Error::Broken)));
    }
}

#[test]
fn array_cut_short_is_an_io_error() {
    let fake = Fake::start(vec![reply(b"*3\r\n$1\r\na\r\n$1\r\nb\r\n", true)]);
    let conn = fake.connection();
    let err = conn
        .query::<Vec<String>>(cmd("LRANGE").arg("k").arg(0).arg(-1))
        .unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(conn.is_broken());
}
