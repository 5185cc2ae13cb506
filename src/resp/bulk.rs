//! Bulk strings (and blob errors and verbatim strings) whose payload is still arriving.

use super::limits::ProtocolError;
use super::Value;

/// A partial bulk's buffer grows to at most this many times the payload bytes received so far
/// (bounded by the claimed length), so it is reallocated (and copied) rarely.
const BULK_GROWTH: usize = 8;
/// A partial bulk may reserve this much (bounded by the claimed length) however few of its
/// bytes have arrived, so a payload of up to 64 KiB is allocated once, at its exact size.
const BULK_MIN_RESERVE: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BulkKind {
    Bulk,
    Error,
    Verbatim,
}

/// A bulk string whose payload is still arriving.
///
/// The decoder keeps `data.capacity()` at most `min(len, max(BULK_GROWTH × data.len(),
/// BULK_MIN_RESERVE))` (see `PartialBulk::push`); a caller filling the buffer through
/// `Decoder::pending_bulk` grows it by its own rules as it reads.
#[derive(Debug)]
pub(super) struct PartialBulk {
    pub(super) kind: BulkKind,
    pub(super) data: Vec<u8>,
    /// The claimed payload length: checked against `Limits`, never reserved up front.
    pub(super) len: usize,
}

impl PartialBulk {
    /// Appends payload bytes that have arrived. `bytes` must not take `data` past `len`.
    ///
    /// When the buffer is full it grows to `min(len, max(BULK_GROWTH × bytes received,
    /// BULK_MIN_RESERVE))`: geometric in what was received (so few reallocations for a large
    /// payload arriving in small pieces), never in what was merely claimed.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        let needed = self.data.len() + bytes.len();
        if needed > self.data.capacity() {
            let target = needed
                .saturating_mul(BULK_GROWTH)
                .max(BULK_MIN_RESERVE)
                .min(self.len)
                .max(needed);
            self.data.reserve_exact(target - self.data.len());
        }
        self.data.extend_from_slice(bytes);
    }
}

pub(super) fn finish_bulk(kind: BulkKind, mut data: Vec<u8>) -> Result<Value, ProtocolError> {
    Ok(match kind {
        BulkKind::Bulk => Value::Bulk(data),
        BulkKind::Error => Value::Error(match String::from_utf8(data) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
        BulkKind::Verbatim => {
            if data.len() < 4 || data[3] != b':' {
                return Err(ProtocolError::InvalidVerbatim);
            }
            let format = [data[0], data[1], data[2]];
            data.drain(..4);
            Value::Verbatim { format, text: data }
        }
    })
}
