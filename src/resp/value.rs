//! The reply type: one variant for every RESP2 and RESP3 type.

use std::fmt;

/// One reply from the server, as parsed from RESP2 or RESP3.
///
/// Null replies of every protocol (`$-1`, `*-1`, RESP3 `_`) are [`Value::Nil`]. The common `+OK`
/// status is [`Value::Okay`] so that the most frequent reply costs no allocation; any other
/// status is a [`Value::SimpleString`].
///
/// Error replies are values too ([`Value::Error`]): inside an array (a transaction's `EXEC`, a
/// script's table) they sit beside the other elements. Converting a reply with
/// [`FromValue`](crate::FromValue) turns an error value into [`Error`](crate::Error).
///
/// # Example
///
/// ```
/// use redline::resp::{parse, Limits};
/// use redline::Value;
///
/// let (value, used) = parse(b"*2\r\n:1\r\n$3\r\nfoo\r\n", &Limits::default())?.unwrap();
/// assert_eq!(used, 17);
/// assert_eq!(value, Value::Array(vec![Value::Int(1), Value::Bulk(b"foo".to_vec())]));
/// # Ok::<(), redline::resp::ProtocolError>(())
/// ```
#[derive(Clone, PartialEq)]
pub enum Value {
    /// A null of any kind: `$-1`, `*-1` or RESP3 `_`.
    Nil,
    /// The status `+OK`.
    Okay,
    /// Any other status reply (`+QUEUED`, `+PONG`, ...).
    SimpleString(String),
    /// An error reply (`-ERR ...` or RESP3 blob error `!`), kept as the server sent it.
    Error(String),
    /// A signed 64-bit integer (`:`).
    Int(i64),
    /// A binary-safe bulk string (`$`).
    Bulk(Vec<u8>),
    /// An array (`*`).
    Array(Vec<Value>),
    /// A RESP3 map (`%`), in the order the server sent it.
    Map(Vec<(Value, Value)>),
    /// A RESP3 set (`~`), in the order the server sent it.
    Set(Vec<Value>),
    /// A RESP3 double (`,`), including `inf`, `-inf` and `nan`.
    Double(f64),
    /// A RESP3 boolean (`#t` / `#f`).
    Boolean(bool),
    /// A RESP3 big number (`(`), as its decimal digits with an optional leading `-`.
    BigNumber(String),
    /// A RESP3 verbatim string (`=`): a three-letter format (`txt`, `mkd`) and the text.
    Verbatim {
        /// The format, such as `txt` or `mkd`.
        format: [u8; 3],
        /// The text itself.
        text: Vec<u8>,
    },
    /// A RESP3 out-of-band push (`>`), such as a client-tracking invalidation.
    Push(Vec<Value>),
    /// A RESP3 attribute (`|`) and the reply it annotates. Conversions look through it.
    Attribute {
        /// The reply the attributes belong to.
        data: Box<Value>,
        /// The attribute map.
        attributes: Box<[(Value, Value)]>,
    },
}

impl Value {
    /// Returns the reply under any attributes.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Value;
    ///
    /// let annotated = Value::Attribute {
    ///     data: Box::new(Value::Int(7)),
    ///     attributes: vec![(Value::SimpleString("ttl".into()), Value::Int(3600))].into(),
    /// };
    /// assert_eq!(annotated.into_data(), Value::Int(7));
    /// ```
    pub fn into_data(self) -> Value {
        match self {
            Value::Attribute { data, .. } => data.into_data(),
            other => other,
        }
    }

    /// Returns `true` for [`Value::Nil`].
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{parse, Limits};
    ///
    /// for null in [&b"$-1\r\n"[..], b"*-1\r\n", b"_\r\n"] {
    ///     let (value, _) = parse(null, &Limits::default())?.unwrap();
    ///     assert!(value.is_nil());
    /// }
    ///
    /// # Ok::<(), redline::resp::ProtocolError>(())
    /// ```
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// A short description of the kind of value, for error messages (never its bytes).
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Nil => "nil".into(),
            Value::Okay => "status OK".into(),
            Value::SimpleString(_) => "status string".into(),
            Value::Error(_) => "error reply".into(),
            Value::Int(i) => format!("integer {i}"),
            Value::Bulk(b) => format!("bulk string of {} bytes", b.len()),
            Value::Array(a) => format!("array of {} elements", a.len()),
            Value::Map(m) => format!("map of {} entries", m.len()),
            Value::Set(s) => format!("set of {} elements", s.len()),
            Value::Double(d) => format!("double {d}"),
            Value::Boolean(b) => format!("boolean {b}"),
            Value::BigNumber(_) => "big number".into(),
            Value::Verbatim { text, .. } => format!("verbatim string of {} bytes", text.len()),
            Value::Push(p) => format!("push of {} elements", p.len()),
            Value::Attribute { data, .. } => data.describe(),
        }
    }
}

/// Bulk strings print as text where they are UTF-8 and escaped otherwise, so that binary replies
/// stay readable in test failures.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Okay => f.write_str("Okay"),
            Value::SimpleString(s) => write!(f, "SimpleString({s:?})"),
            Value::Error(s) => write!(f, "Error({s:?})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Bulk(b) => write!(f, "Bulk({:?})", Escaped(b)),
            Value::Array(a) => f.debug_tuple("Array").field(a).finish(),
            Value::Map(m) => f.debug_tuple("Map").field(m).finish(),
            Value::Set(s) => f.debug_tuple("Set").field(s).finish(),
            Value::Double(d) => write!(f, "Double({d})"),
            Value::Boolean(b) => write!(f, "Boolean({b})"),
            Value::BigNumber(n) => write!(f, "BigNumber({n})"),
            Value::Verbatim { format, text } => {
                write!(f, "Verbatim({:?}, {:?})", Escaped(format), Escaped(text))
            }
            Value::Push(p) => f.debug_tuple("Push").field(p).finish(),
            Value::Attribute { data, attributes } => f
                .debug_struct("Attribute")
                .field("data", data)
                .field("attributes", attributes)
                .finish(),
        }
    }
}

/// Prints the reply the way `redis-cli` shows it in a terminal, so that a tool can show any
/// reply: `"hello"` for a bulk string (quoted, with `\n`, `\"`, `\xNN` and the like for bytes
/// that are not printable ASCII), `(integer) 5`, `(nil)`, `OK` for a status, `(error) ERR ...`,
/// `(double) 1.5`, `(true)`, `(big number) 123`, and aggregates as numbered lines with nested
/// ones indented: `1) ` for arrays and pushes, `1~ ` for sets, `1# "key" => "value"` for maps,
/// `(empty array)`, `(empty set)`, `(empty hash)` and `(empty push)` when empty. A verbatim
/// string prints as its text and an attribute as the reply it annotates. There is no trailing
/// newline.
///
/// Where the output can differ from `redis-cli`'s: a double prints as the shortest text that
/// reads back as the same `f64`, switching to exponent form (`1e+300`) where C's `%g` does,
/// while `redis-cli` prints the server's own text (Redis 7.0 sends `0.1` as
/// `0.10000000000000001`); bytes of a verbatim string that are not UTF-8 become `U+FFFD`; and
/// `redis-cli` 7.0 cannot show big numbers or attributes at all.
///
/// # Example
///
/// ```
/// use redline::Value;
///
/// let reply = Value::Array(vec![
///     Value::Int(1),
///     Value::Array(vec![Value::Int(2), Value::Bulk(b"x\n".to_vec())]),
/// ]);
/// assert_eq!(reply.to_string(), "1) (integer) 1\n2) 1) (integer) 2\n   2) \"x\\n\"");
///
/// let hash = Value::Map(vec![(Value::Bulk(b"f1".to_vec()), Value::Bulk(b"v1".to_vec()))]);
/// assert_eq!(hash.to_string(), r#"1# "f1" => "v1""#);
/// assert_eq!(Value::Nil.to_string(), "(nil)");
/// ```
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tty(self, f, 0)
    }
}

/// One reply in `redis-cli`'s terminal format (`cliFormatReplyTTY`). `indent` is the number of
/// spaces that start every line of an aggregate after its first: the first line continues the
/// parent's `N) `.
fn tty(value: &Value, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
    match value {
        Value::Nil => f.write_str("(nil)"),
        Value::Okay => f.write_str("OK"),
        Value::SimpleString(s) => f.write_str(s),
        Value::Error(s) => write!(f, "(error) {s}"),
        Value::Int(i) => write!(f, "(integer) {i}"),
        Value::Bulk(b) => quoted(f, b),
        Value::Double(d) => {
            f.write_str("(double) ")?;
            double(f, *d)
        }
        Value::Boolean(b) => f.write_str(if *b { "(true)" } else { "(false)" }),
        Value::BigNumber(n) => write!(f, "(big number) {n}"),
        Value::Verbatim { text, .. } => f.write_str(&String::from_utf8_lossy(text)),
        Value::Array(items) => list(f, items, ')', "(empty array)", indent),
        Value::Set(items) => list(f, items, '~', "(empty set)", indent),
        Value::Push(items) => list(f, items, ')', "(empty push)", indent),
        Value::Map(pairs) => numbered(f, pairs, '#', "(empty hash)", indent, |f, (k, v), inner| {
            tty(k, f, inner)?;
            f.write_str(" => ")?;
            // A value over several lines starts on its own line, or its later lines would not
            // line up with its first.
            if spans_lines(v) {
                write!(f, "\n{:inner$}", "")?;
            }
            tty(v, f, inner)
        }),
        Value::Attribute { data, .. } => tty(data, f, indent),
    }
}

fn list(
    f: &mut fmt::Formatter<'_>,
    items: &[Value],
    separator: char,
    empty: &str,
    indent: usize,
) -> fmt::Result {
    numbered(f, items, separator, empty, indent, |f, item, inner| {
        tty(item, f, inner)
    })
}

/// Numbered lines, `1) ` to `N) `, the numbers right-aligned to the widest; nested aggregates
/// are indented past the number.
fn numbered<T>(
    f: &mut fmt::Formatter<'_>,
    entries: &[T],
    separator: char,
    empty: &str,
    indent: usize,
    mut entry: impl FnMut(&mut fmt::Formatter<'_>, &T, usize) -> fmt::Result,
) -> fmt::Result {
    if entries.is_empty() {
        return f.write_str(empty);
    }
    let width = entries.len().to_string().len();
    let inner = indent + width + 2;
    for (i, item) in entries.iter().enumerate() {
        if i > 0 {
            write!(f, "\n{:indent$}", "")?;
        }
        write!(f, "{:>width$}{separator} ", i + 1)?;
        entry(f, item, inner)?;
    }
    Ok(())
}

/// Whether `redis-cli` prints the value over more than one line (`cliIsMultilineValueTTY`).
fn spans_lines(value: &Value) -> bool {
    match value {
        Value::Array(items) | Value::Set(items) | Value::Push(items) => match items.as_slice() {
            [] => false,
            [one] => spans_lines(one),
            _ => true,
        },
        Value::Map(pairs) => match pairs.as_slice() {
            [] => false,
            [(_, one)] => spans_lines(one),
            _ => true,
        },
        Value::Attribute { data, .. } => spans_lines(data),
        _ => false,
    }
}

/// A bulk string quoted the way `redis-cli` does (`sdscatrepr`): printable ASCII as is, C
/// escapes for the usual control characters, `\xNN` for any other byte.
fn quoted(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("\"")?;
    for &b in bytes {
        match b {
            b'\\' => f.write_str("\\\\")?,
            b'"' => f.write_str("\\\"")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            0x07 => f.write_str("\\a")?,
            0x08 => f.write_str("\\b")?,
            b' '..=b'~' => fmt::Write::write_char(f, char::from(b))?,
            _ => write!(f, "\\x{b:02x}")?,
        }
    }
    f.write_str("\"")
}

/// A double as the shortest text that reads back the same, in exponent form where C's `%g`
/// would use it: Rust's `Display` never does, and would print `1e300` as 301 digits.
fn double(f: &mut fmt::Formatter<'_>, d: f64) -> fmt::Result {
    if d.is_nan() {
        return f.write_str("nan");
    }
    if d.is_infinite() {
        return f.write_str(if d > 0.0 { "inf" } else { "-inf" });
    }
    let scientific = format!("{d:e}");
    let parts = scientific
        .split_once('e')
        .and_then(|(mantissa, exp)| Some((mantissa, exp.parse::<i32>().ok()?)));
    match parts {
        Some((mantissa, exp)) if !(-4..17).contains(&exp) => {
            let sign = if exp < 0 { '-' } else { '+' };
            write!(f, "{mantissa}e{sign}{:02}", exp.unsigned_abs())
        }
        _ => write!(f, "{d}"),
    }
}

/// Formats bytes as a string literal, escaping what is not printable ASCII.
pub(crate) struct Escaped<'a>(pub &'a [u8]);

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0 {
            for c in std::ascii::escape_default(b) {
                fmt::Write::write_char(f, c as char)?;
            }
        }
        f.write_str("\"")
    }
}
