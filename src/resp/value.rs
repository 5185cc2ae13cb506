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
