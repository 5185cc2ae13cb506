//! The text of header lines: lengths, integers, doubles and big numbers, and the plain bulk
//! header that the fast paths take without the general scanner.

use super::limits::ProtocolError;

/// The header `$<digits>\r\n` of a bulk string, whole at the front of `buf`, with at most 7
/// digits: the payload's length and the header's. `None` for anything else, including a
/// header not yet complete; the general path judges those.
#[inline(always)]
fn bulk_header(buf: &[u8]) -> Option<(usize, usize)> {
    if buf.first() != Some(&b'$') {
        return None;
    }
    let mut len: usize = 0;
    for i in 1..9 {
        match *buf.get(i)? {
            d @ b'0'..=b'9' => len = len * 10 + usize::from(d - b'0'),
            b'\r' if i > 1 => return (buf.get(i + 1) == Some(&b'\n')).then_some((len, i + 2)),
            _ => return None,
        }
    }
    None
}

/// The bulk string at `pos` in `buf` if its header is plain (see [`bulk_header`]), its payload
/// at most `max_len` bytes and all of it, with its CRLF, present: where the payload starts, its
/// length, and where the bulk ends. `None` leaves the bytes to the general decoder.
#[inline(always)]
pub(crate) fn whole_bulk(buf: &[u8], pos: usize, max_len: usize) -> Option<(usize, usize, usize)> {
    let (len, used) = bulk_header(buf.get(pos..)?)?;
    let start = pos + used;
    if len > max_len || buf.get(start + len..start + len + 2)? != b"\r\n" {
        return None;
    }
    Some((start, len, start + len + 2))
}

/// Parses a decimal `i64`: optional `-`, 1 to 19 digits, no overflow.
pub(crate) fn parse_i64(line: &[u8]) -> Option<i64> {
    let (negative, digits) = match line.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, line),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        n = if negative {
            n.checked_mul(10)?.checked_sub(digit)?
        } else {
            n.checked_mul(10)?.checked_add(digit)?
        };
    }
    Some(n)
}

/// Parses a length: a non-negative count, or -1 (a null) where `null_ok`.
pub(super) fn parse_len(line: &[u8], null_ok: bool) -> Result<Option<usize>, ProtocolError> {
    match parse_i64(line) {
        Some(-1) if null_ok => Ok(None),
        Some(n) if n >= 0 => usize::try_from(n)
            .map(Some)
            .map_err(|_| ProtocolError::InvalidLength),
        _ => Err(ProtocolError::InvalidLength),
    }
}

pub(super) fn parse_double(line: &[u8]) -> Result<f64, ProtocolError> {
    let text = std::str::from_utf8(line).map_err(|_| ProtocolError::InvalidDouble)?;
    // Rust also accepts "infinity" and "+nan"; RESP3 only promises these spellings and digits.
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if !(plain || matches!(text, "inf" | "-inf" | "+inf" | "nan" | "-nan")) {
        return Err(ProtocolError::InvalidDouble);
    }
    text.parse().map_err(|_| ProtocolError::InvalidDouble)
}

pub(super) fn parse_big_number(line: &[u8]) -> Result<String, ProtocolError> {
    let digits = line.strip_prefix(b"-").unwrap_or(line);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::InvalidBigNumber);
    }
    // All ASCII, so this never fails; map the impossible case rather than unwrap.
    String::from_utf8(line.to_vec()).map_err(|_| ProtocolError::InvalidBigNumber)
}
