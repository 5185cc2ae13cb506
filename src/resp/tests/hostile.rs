//! Unit tests of hostile input and limits; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

// ---------------------------------------------------------------------------------------------
// 5: hostile input
// ---------------------------------------------------------------------------------------------

/// `input` must fail with exactly `expected`, in one piece and fed byte by byte.
#[track_caller]
fn assert_rejects(input: &[u8], limits: Limits, expected: ProtocolError) {
    assert_eq!(
        parse(input, &limits),
        Err(expected),
        "parse {}",
        show(input)
    );
    let mut decoder = Decoder::new(limits);
    let mut buf = Vec::new();
    let mut got = None;
    for &byte in input {
        buf.push(byte);
        match decoder.decode(&buf) {
            Ok((used, value)) => {
                assert!(value.is_none(), "{}: got {value:?}", show(input));
                buf.drain(..used);
            }
            Err(e) => {
                got = Some(e);
                break;
            }
        }
    }
    assert_eq!(got, Some(expected), "byte by byte {}", show(input));
}

#[test]
fn invalid_lengths() {
    let cases: &[&[u8]] = &[
        b"$-5\r\n",
        b"$-2\r\n",
        b"$abc\r\n",
        b"$\r\n",
        b"$-\r\n",
        b"$1.5\r\n",
        b"$ 1\r\n",
        b"$1 \r\n",
        b"$99999999999999999999\r\n",
        b"$9223372036854775808\r\n",
        b"*-2\r\n",
        b"*abc\r\n",
        b"*\r\n",
        b"*99999999999999999999\r\n",
        b"%-1\r\n",
        b"%-2\r\n",
        b"~-1\r\n",
        b">-1\r\n",
        b"|-1\r\n",
        b"!-1\r\n",
        b"=-1\r\n",
        b"!x\r\n",
        b"=\r\n",
        b"*1\r\n$-5\r\n",
    ];
    for input in cases {
        assert_rejects(input, limits(), ProtocolError::InvalidLength);
    }
}

#[test]
fn missing_crlf() {
    let cases: &[&[u8]] = &[
        // A bulk payload not followed by CRLF.
        b"$3\r\nfooXY",
        b"$3\r\nfoo\n\r",
        b"$3\r\nfoo\rX",
        b"$0\r\nXX",
        b"!3\r\nERRxx",
        b"=5\r\ntxt:axx",
        b"*2\r\n$1\r\naXY:1\r\n",
        // Lines ending in a bare \n.
        b"+OK\n",
        b"-ERR\n",
        b":1\n",
        b"$3\n",
        b"*1\n",
        b"#t\n",
        b"_\n",
        b"+\n",
        b"*1\r\n:1\n",
    ];
    for input in cases {
        assert_rejects(input, limits(), ProtocolError::MissingCrlf);
    }
}

#[test]
fn unknown_type_bytes() {
    for byte in [b'@', 0x00, b'a', b'\r', b'\n', b' ', b'0', b'/', 0x7f, 0xff] {
        let input = [byte, b'x', b'\r', b'\n'];
        assert_rejects(&input, limits(), ProtocolError::UnknownType(byte));
    }
    assert_rejects(
        b"*2\r\n:1\r\n@x\r\n",
        limits(),
        ProtocolError::UnknownType(b'@'),
    );
    assert_rejects(b"%1\r\n\x00", limits(), ProtocolError::UnknownType(0));
    // Detected from the type byte alone, before any line end.
    assert_eq!(
        parse(b"@", &limits()),
        Err(ProtocolError::UnknownType(b'@'))
    );
}

#[test]
fn invalid_scalars() {
    use ProtocolError::*;
    let cases: &[(&[u8], ProtocolError)] = &[
        (b":abc\r\n", InvalidInteger),
        (b":\r\n", InvalidInteger),
        (b":-\r\n", InvalidInteger),
        (b":1.5\r\n", InvalidInteger),
        (b": 1\r\n", InvalidInteger),
        (b":9223372036854775808\r\n", InvalidInteger),
        (b":-9223372036854775809\r\n", InvalidInteger),
        (b":99999999999999999999\r\n", InvalidInteger),
        (b":12a\r\n", InvalidInteger),
        (b",abc\r\n", InvalidDouble),
        (b",\r\n", InvalidDouble),
        (b",1.2.3\r\n", InvalidDouble),
        (b",1e\r\n", InvalidDouble),
        (b",--1\r\n", InvalidDouble),
        (b",infinity\r\n", InvalidDouble),
        (b",NaN\r\n", InvalidDouble),
        (b",1,5\r\n", InvalidDouble),
        (b",\xff\r\n", InvalidDouble),
        (b"#x\r\n", InvalidBoolean),
        (b"#\r\n", InvalidBoolean),
        (b"#tt\r\n", InvalidBoolean),
        (b"#T\r\n", InvalidBoolean),
        (b"#1\r\n", InvalidBoolean),
        (b"(12a\r\n", InvalidBigNumber),
        (b"(\r\n", InvalidBigNumber),
        (b"(-\r\n", InvalidBigNumber),
        (b"(+1\r\n", InvalidBigNumber),
        (b"(1.5\r\n", InvalidBigNumber),
        (b"(--1\r\n", InvalidBigNumber),
        (b"_x\r\n", InvalidNull),
        (b"_ \r\n", InvalidNull),
        (b"_0\r\n", InvalidNull),
        (b"=3\r\nabc\r\n", InvalidVerbatim),
        (b"=0\r\n\r\n", InvalidVerbatim),
        (b"=4\r\ntxtx\r\n", InvalidVerbatim),
        (b"=8\r\ntxt-text\r\n", InvalidVerbatim),
        (b"*1\r\n#x\r\n", InvalidBoolean),
        (b"%1\r\n+k\r\n,abc\r\n", InvalidDouble),
    ];
    for (input, expected) in cases {
        assert_rejects(input, limits(), *expected);
    }
}

#[test]
fn bulk_longer_than_the_limit() {
    let small = Limits {
        max_bulk_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"$10\r\n0123456789\r\n", &small),
        Ok(Some((bulk(b"0123456789"), 17)))
    );
    assert_rejects(b"$11\r\n", small, ProtocolError::BulkTooLarge);
    assert_rejects(b"!11\r\n", small, ProtocolError::BulkTooLarge);
    assert_rejects(b"=11\r\n", small, ProtocolError::BulkTooLarge);
    assert_rejects(b"*1\r\n$1000\r\n", small, ProtocolError::BulkTooLarge);
    // Rejected from the header alone, even with the payload present.
    let mut input = b"$11\r\n01234567890\r\n".to_vec();
    assert_rejects(&input, small, ProtocolError::BulkTooLarge);
    input.truncate(5);
    assert_eq!(parse(&input, &small), Err(ProtocolError::BulkTooLarge));
    // Just above the default limit.
    assert_rejects(b"$536870913\r\n", limits(), ProtocolError::BulkTooLarge);
}

#[test]
fn status_lines_longer_than_the_bulk_limit() {
    let small = Limits {
        max_bulk_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"+0123456789\r\n", &small),
        Ok(Some((status("0123456789"), 13)))
    );
    assert_rejects(b"+01234567890\r\n", small, ProtocolError::LineTooLong);
    assert_rejects(b"-01234567890\r\n", small, ProtocolError::LineTooLong);
    assert_rejects(b"(01234567890\r\n", small, ProtocolError::LineTooLong);
    // Without any line end at all.
    assert_rejects(&[b'+'; 40], small, ProtocolError::LineTooLong);
}

#[test]
fn aggregate_longer_than_the_limit() {
    let small = Limits {
        max_aggregate_len: 3,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"*3\r\n:1\r\n:2\r\n:3\r\n", &small),
        Ok(Some((
            Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            16
        )))
    );
    for input in [
        &b"*4\r\n"[..],
        b"%4\r\n",
        b"~4\r\n",
        b">4\r\n",
        b"|4\r\n",
        b"*1\r\n*4\r\n",
        b"*4294967296\r\n",
    ] {
        assert_rejects(input, small, ProtocolError::AggregateTooLarge);
    }
    // Above the default limit of 2^32 - 1.
    assert_rejects(
        b"*4294967296\r\n",
        limits(),
        ProtocolError::AggregateTooLarge,
    );
    assert_rejects(
        b"%4294967296\r\n",
        limits(),
        ProtocolError::AggregateTooLarge,
    );
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut input = b"*1\r\n".repeat(depth);
    input.extend_from_slice(b":1\r\n");
    input
}

#[test]
fn nesting_deeper_than_the_limit() {
    assert_rejects(&nested_arrays(200), limits(), ProtocolError::TooDeep);
    assert_rejects(&nested_arrays(129), limits(), ProtocolError::TooDeep);
    // The default depth itself is allowed.
    let input = nested_arrays(128);
    let (mut value, used) = parse(&input, &limits()).unwrap().unwrap();
    assert_eq!(used, input.len());
    let mut depth = 0;
    while let Value::Array(mut items) = value {
        assert_eq!(items.len(), 1);
        value = items.pop().unwrap();
        depth += 1;
    }
    assert_eq!((depth, value), (128, Value::Int(1)));

    let shallow = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    assert!(parse(&nested_arrays(2), &shallow).unwrap().is_some());
    assert_rejects(&nested_arrays(3), shallow, ProtocolError::TooDeep);
    // Every aggregate type counts, and so do attributes.
    assert_rejects(b"%1\r\n~1\r\n>1\r\n", shallow, ProtocolError::TooDeep);
    assert_rejects(b"|1\r\n*1\r\n*1\r\n", shallow, ProtocolError::TooDeep);
    // Huge depth of pushes is refused without recursion.
    assert_rejects(&b">1\r\n".repeat(100_000), limits(), ProtocolError::TooDeep);
}

#[test]
fn header_line_too_long() {
    // No CRLF within 64 bytes of a header: hostile.
    let mut long = b"$".to_vec();
    long.extend_from_slice(&[b'1'; 70]);
    assert_rejects(&long, limits(), ProtocolError::LineTooLong);
    let mut long = b":".to_vec();
    long.extend_from_slice(&[b'9'; 70]);
    assert_rejects(&long, limits(), ProtocolError::LineTooLong);
    assert_rejects(&[b'*'; 65], limits(), ProtocolError::LineTooLong);
    assert_rejects(&[b'#'; 100], limits(), ProtocolError::LineTooLong);
    assert_rejects(&[b'_'; 100], limits(), ProtocolError::LineTooLong);
    // A short one is merely incomplete.
    assert_eq!(parse(b"$123", &limits()), Ok(None));
    assert_eq!(parse(&[b'*'; 64], &limits()), Ok(None));
    // Inside an aggregate too.
    let mut nested = b"*2\r\n:1\r\n:".to_vec();
    nested.extend_from_slice(&[b'1'; 100]);
    assert_rejects(&nested, limits(), ProtocolError::LineTooLong);
    // Doubles get a longer line, but not an endless one.
    let mut double = b",1".to_vec();
    double.extend_from_slice(&[b'0'; 300]);
    assert_eq!(parse(&double, &limits()), Ok(None));
    double.extend_from_slice(b"\r\n");
    assert_eq!(
        parse(&double, &limits()),
        Ok(Some((Value::Double(1e300), double.len())))
    );
    let mut endless = b",1".to_vec();
    endless.extend_from_slice(&[b'0'; 1000]);
    assert_rejects(&endless, limits(), ProtocolError::LineTooLong);
}

#[test]
fn huge_claimed_aggregates_wait_without_allocating() {
    for header in [
        &b"*4294967295\r\n"[..],
        b"~4294967295\r\n",
        b">4294967295\r\n",
        b"%4294967295\r\n",
        b"|4294967295\r\n",
    ] {
        let mut input = header.to_vec();
        input.extend_from_slice(b":1\r\n:2\r\n:3\r\n");
        assert_eq!(parse(&input, &limits()), Ok(None), "{}", show(&input));
        let values = decode_chunks(limits(), input.chunks(3)).unwrap();
        assert!(values.is_empty());
    }
}

#[test]
fn huge_claims_with_unbounded_limits_do_not_panic() {
    // A caller may lift the limits; claimed lengths must still not overflow arithmetic.
    let open = Limits {
        max_bulk_len: usize::MAX,
        max_aggregate_len: usize::MAX,
        max_depth: 128,
    };
    for input in [
        &b"%9223372036854775807\r\n:1\r\n"[..],
        b"|9223372036854775807\r\n:1\r\n",
        b"*9223372036854775807\r\n:1\r\n",
        b"$9223372036854775807\r\nabc",
        b"!9223372036854775807\r\nabc",
    ] {
        let outcome = std::panic::catch_unwind(|| parse(input, &open));
        assert_eq!(
            outcome.ok(),
            Some(Ok(None)),
            "{} must wait for more bytes",
            show(input)
        );
    }
}
