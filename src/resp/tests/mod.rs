//! Unit tests of the protocol layer; compiled only under #[cfg(test)] (see ../mod.rs).
//!
//! A table of valid frames of every RESP2/RESP3 type and every prefix of them (`frames`),
//! streaming at every split point and `pending_bulk` (`stream`), hostile input (each with
//! its exact `ProtocolError`) and limits (`hostile`), inputs the fuzz targets found (`fuzzed`),
//! property tests against `write_value` (`props`), the encoders (`encode`), and `Value` helpers and formatting (`value`).

use super::*;

mod encode;
mod frames;
mod fuzzed;
mod hostile;
mod props;
mod stream;
mod value;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

pub(super) fn bulk(b: &[u8]) -> Value {
    Value::Bulk(b.to_vec())
}

pub(super) fn status(s: &str) -> Value {
    Value::SimpleString(s.to_owned())
}

pub(super) fn err(s: &str) -> Value {
    Value::Error(s.to_owned())
}

pub(super) fn attr(data: Value, attributes: Vec<(Value, Value)>) -> Value {
    Value::Attribute {
        data: Box::new(data),
        attributes: attributes.into_boxed_slice(),
    }
}

pub(super) fn show(bytes: &[u8]) -> String {
    format!("{:?}", Escaped(bytes))
}

/// Equality where doubles compare bit for bit (so `-0.0` differs from `0.0`) and any NaN equals
/// any NaN.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    fn all(a: &[Value], b: &[Value]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
    }
    fn pairs(a: &[(Value, Value)], b: &[(Value, Value)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
    }
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::Array(x), Value::Array(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Push(x), Value::Push(y)) => all(x, y),
        (Value::Map(x), Value::Map(y)) => pairs(x, y),
        (
            Value::Attribute {
                data: d1,
                attributes: a1,
            },
            Value::Attribute {
                data: d2,
                attributes: a2,
            },
        ) => same(d1, d2) && pairs(a1, a2),
        _ => a == b,
    }
}

#[track_caller]
pub(super) fn assert_same(got: &Value, want: &Value, context: &str) {
    assert!(same(got, want), "{context}\n got: {got:?}\nwant: {want:?}");
}

/// Feeds `chunks` to one decoder the way a connection does: append the new bytes to a buffer,
/// decode, drop what was consumed, keep the rest for the next call. Returns every value decoded
/// and checks the decoder's bookkeeping on the way.
pub(super) fn decode_chunks<'a>(
    limits: Limits,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<Value>, ProtocolError> {
    let mut decoder = Decoder::new(limits);
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let (used, value) = decoder.decode(&buf)?;
            assert!(used <= buf.len(), "consumed {used} of {} bytes", buf.len());
            buf.drain(..used);
            match value {
                Some(value) => {
                    assert!(decoder.is_idle(), "decoder busy after a whole reply");
                    out.push(value);
                }
                None => {
                    // Asking again without new bytes makes no progress and changes nothing.
                    let again = decoder.decode(&buf)?;
                    assert_eq!(again, (0, None), "progress without new bytes");
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// A small deterministic PRNG (xorshift64*), so the random-chunk tests need no extra crate.
pub(super) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

pub(super) fn split_random<'a>(bytes: &'a [u8], rng: &mut Rng, max_chunk: usize) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let n = rng.range(1, max_chunk).min(bytes.len() - at);
        chunks.push(&bytes[at..at + n]);
        at += n;
    }
    chunks
}

pub(super) fn limits() -> Limits {
    Limits::default()
}

pub(super) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out
}
