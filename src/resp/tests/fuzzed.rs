//! Inputs found by the fuzz targets (`fuzz/`), kept as regression tests; compiled only under
//! #[cfg(test)] (see ../mod.rs). Each is checked in one buffer and fed byte by byte.

use super::*;

/// The outcome of decoding `input` as a connection would: in one buffer, or a byte at a time.
fn decode_all(
    input: &[u8],
    limits: Limits,
    byte_by_byte: bool,
) -> Result<Vec<Value>, ProtocolError> {
    let mut decoder = Decoder::new(limits);
    let mut values = Vec::new();
    let mut buf = Vec::new();
    let step = if byte_by_byte { 1 } else { input.len().max(1) };
    for chunk in input.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            let (used, value) = decoder.decode(&buf)?;
            buf.drain(..used);
            match value {
                Some(value) => values.push(value),
                None => break,
            }
        }
    }
    Ok(values)
}

#[track_caller]
fn assert_outcome(input: &[u8], limits: Limits, expected: Result<Vec<Value>, ProtocolError>) {
    assert_eq!(
        decode_all(input, limits, false),
        expected,
        "one buffer: {}",
        show(input)
    );
    assert_eq!(
        decode_all(input, limits, true),
        expected,
        "byte by byte: {}",
        show(input)
    );
}

/// resp_decode: `+OK` took a fast path that skipped the status-line limit, so with
/// `max_bulk_len` under 2 it was accepted in one buffer and refused when fed in pieces.
#[test]
fn ok_status_respects_a_tiny_line_limit() {
    let tiny = Limits {
        max_bulk_len: 0,
        max_aggregate_len: 0,
        max_depth: 0,
    };
    assert_outcome(b"+OK\r\n", tiny, Err(ProtocolError::LineTooLong));
    let one = Limits {
        max_bulk_len: 1,
        ..Limits::default()
    };
    assert_outcome(b"+OK\r\n", one, Err(ProtocolError::LineTooLong));
    let two = Limits {
        max_bulk_len: 2,
        ..Limits::default()
    };
    assert_outcome(b"+OK\r\n+OK\r\n", two, Ok(vec![Value::Okay, Value::Okay]));
}
