//! Encoders that append RESP to a caller's buffer, allocating nothing of their own.

use super::Value;
use std::io::Write as _;

/// Appends the decimal form of `n`, without going through `format!`.
///
/// # Example
///
/// ```
/// let mut out = Vec::new();
/// redline::resp::write_int(&mut out, -1234);
/// assert_eq!(out, b"-1234");
/// ```
pub fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// Appends the decimal form of `n`.
pub fn write_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    out.extend_from_slice(decimal(n, &mut digits));
}

/// Formats `n` into the end of `buf` and returns the digits.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    // Most lengths and argument counts are one or two digits.
    if n < 10 {
        buf[19] = b'0' + n as u8;
        return &buf[19..];
    }
    if n < 100 {
        buf[18] = b'0' + (n / 10) as u8;
        buf[19] = b'0' + (n % 10) as u8;
        return &buf[18..];
    }
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

/// Appends `f` the way Redis reads floats: `inf`, `-inf`, or the shortest decimal that
/// round-trips. Formats on the stack, not into a `String`.
pub fn write_f64(out: &mut Vec<u8>, f: f64) {
    let mut buf = [0u8; 32];
    out.extend_from_slice(float(f, &mut buf));
}

/// Formats `f` into `buf` and returns the bytes used.
pub(crate) fn float(f: f64, buf: &mut [u8; 32]) -> &[u8] {
    if f.is_infinite() {
        return if f > 0.0 { b"inf" } else { b"-inf" };
    }
    if f.is_nan() {
        return b"nan";
    }
    let mut cursor = &mut buf[..];
    // Exponent form keeps huge and tiny magnitudes short; 32 bytes hold any f64 in `{:e}`,
    // and the plain form is used only where it is at most 17 digits and a point.
    let written = if f != 0.0 && !(1e-5..1e16).contains(&f.abs()) {
        write!(cursor, "{f:e}")
    } else {
        write!(cursor, "{f}")
    };
    let used = 32 - cursor.len();
    match written {
        Ok(()) => &buf[..used],
        // Cannot happen for an f64 in 32 bytes; "nan" is refused by the server, not a panic.
        Err(_) => b"nan",
    }
}

/// Appends an array header `*<n>\r\n`.
pub fn write_array_header(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    write_u64(out, n as u64);
    out.extend_from_slice(b"\r\n");
}

/// Appends one bulk string `$<len>\r\n<data>\r\n`.
pub fn write_bulk(out: &mut Vec<u8>, data: &[u8]) {
    let len = data.len();
    out.reserve(len + 25);
    // Most arguments are shorter than 100 bytes: their prefix is one fixed-size store.
    if len < 10 {
        out.extend_from_slice(&[b'$', b'0' + len as u8, b'\r', b'\n']);
    } else if len < 100 {
        let (tens, ones) = (b'0' + (len / 10) as u8, b'0' + (len % 10) as u8);
        out.extend_from_slice(&[b'$', tens, ones, b'\r', b'\n']);
    } else {
        let mut digits = [0u8; 20];
        out.push(b'$');
        out.extend_from_slice(decimal(len as u64, &mut digits));
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends a whole command: an array of bulk strings.
///
/// # Example
///
/// ```
/// let mut out = Vec::new();
/// redline::resp::write_command(&mut out, &[b"GET".as_slice(), b"k"]);
/// assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
/// ```
pub fn write_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    write_array_header(out, args.len());
    for arg in args {
        write_bulk(out, arg);
    }
}

/// Appends `value` as RESP3 (RESP2 where the type exists in both).
///
/// This is how a server would send it; clients send only commands. It serves tests, fake
/// servers and fuzzers: whatever it writes, [`parse`](super::parse) reads back as `value`.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    fn line(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
        out.push(kind);
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    fn header(out: &mut Vec<u8>, kind: u8, n: usize) {
        out.push(kind);
        write_u64(out, n as u64);
        out.extend_from_slice(b"\r\n");
    }
    fn pairs(out: &mut Vec<u8>, kind: u8, entries: &[(Value, Value)]) {
        header(out, kind, entries.len());
        for (k, v) in entries {
            write_value(out, k);
            write_value(out, v);
        }
    }
    match value {
        Value::Nil => out.extend_from_slice(b"_\r\n"),
        Value::Okay => out.extend_from_slice(b"+OK\r\n"),
        Value::SimpleString(s) => line(out, b'+', s.as_bytes()),
        // A line cannot hold CR or LF; the blob form can.
        Value::Error(s) if s.contains(['\r', '\n']) => {
            header(out, b'!', s.len());
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Value::Error(s) => line(out, b'-', s.as_bytes()),
        Value::Int(i) => {
            out.push(b':');
            write_int(out, *i);
            out.extend_from_slice(b"\r\n");
        }
        Value::Bulk(b) => write_bulk(out, b),
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            let kind = match value {
                Value::Array(_) => b'*',
                Value::Set(_) => b'~',
                _ => b'>',
            };
            header(out, kind, items.len());
            for item in items {
                write_value(out, item);
            }
        }
        Value::Map(entries) => pairs(out, b'%', entries),
        Value::Double(d) => {
            out.push(b',');
            write_f64(out, *d);
            out.extend_from_slice(b"\r\n");
        }
        Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Value::BigNumber(n) => line(out, b'(', n.as_bytes()),
        Value::Verbatim { format, text } => {
            header(out, b'=', text.len() + 4);
            out.extend_from_slice(format);
            out.push(b':');
            out.extend_from_slice(text);
            out.extend_from_slice(b"\r\n");
        }
        Value::Attribute { data, attributes } => {
            pairs(out, b'|', attributes);
            write_value(out, data);
        }
    }
}
