//! Turning replies into Rust values.

use super::read_reply;
use super::ReplyStream;
use crate::error::{Error, Result};
use crate::resp::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

/// A type a reply can be converted into.
///
/// Conversions look through RESP3 attributes. An error reply met anywhere in the value (an
/// element of an array, say) becomes that server [`Error`], not a conversion error. Anything
/// else that does not fit is [`Error::Conversion`], naming the type asked for and what arrived.
///
/// | type | accepts |
/// |---|---|
/// | [`Value`] | anything, unchanged |
/// | `()` | anything but an error |
/// | integers | integers; bulk and status strings of digits; integral doubles |
/// | `f64`, `f32` | doubles, integers, numeric strings |
/// | `bool` | booleans; integers (0 is false); `OK`; nil (false) |
/// | `String`, `Vec<u8>` | bulk, status and verbatim strings; integers, doubles, big numbers (`String`) |
/// | `Option<T>` | nil as `None`, else `T` |
/// | `Vec<T>`, `HashSet`, `BTreeSet` | arrays, sets, pushes; a map as pairs when `T` is a pair |
/// | `HashMap`, `BTreeMap` | maps; arrays of alternating keys and values (RESP2 `HGETALL`); arrays of two-element arrays (RESP3 `ZRANGE ... WITHSCORES`) |
/// | tuples | arrays of exactly that length; in a `Vec`, also a flat array read in pairs |
///
/// # Example
///
/// ```
/// use redline::{FromValue, Value};
///
/// let reply = Value::Array(vec![Value::Bulk(b"a".to_vec()), Value::Int(1)]);
/// let (name, n): (String, i64) = FromValue::from_value(reply)?;
/// assert_eq!((name.as_str(), n), ("a", 1));
/// # Ok::<(), redline::Error>(())
/// ```
pub trait FromValue: Sized {
    /// Converts one reply.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Error, FromValue, Value};
    ///
    /// assert_eq!(i64::from_value(Value::Bulk(b"42".to_vec()))?, 42);
    /// assert_eq!(Option::<String>::from_value(Value::Nil)?, None);
    /// let err = String::from_value(Value::Error("WRONGTYPE not a string".into())).unwrap_err();
    /// assert!(matches!(err, Error::Server { .. }));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn from_value(value: Value) -> Result<Self>;

    /// Converts the elements of an aggregate. Pairs override this to also read a flat array
    /// (`k1 v1 k2 v2`) two at a time.
    #[doc(hidden)]
    fn from_values(items: Vec<Value>) -> Result<Vec<Self>> {
        // The error replies among the items, noted first (usually none, and then nothing is
        // allocated): the conversion below reuses the items' buffer where the layout allows,
        // so they cannot be looked at afterwards.
        let errors: Vec<(usize, Error)> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| matches!(item, Value::Error(_) | Value::Attribute { .. }))
            .filter_map(|(i, item)| nested_error(std::slice::from_ref(item)).map(|e| (i, e)))
            .collect();
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Self::from_value(item).map_err(|e| (i, e)))
            .collect::<std::result::Result<Vec<Self>, (usize, Error)>>()
            .map_err(|(at, e)| match e {
                // A server error further on wins over a complaint about this element's type.
                Error::Conversion { .. } => errors
                    .into_iter()
                    .find(|(i, _)| *i > at)
                    .map_or(e, |(_, server)| server),
                e => e,
            })
            .map(|mut out| {
                // A reused buffer of small elements (an `i64` in a `Value`'s place) would keep
                // several times the room it needs.
                if out.capacity() > 2 * out.len() {
                    out.shrink_to_fit();
                }
                out
            })
    }

    /// Whether a bulk string converts through [`FromValue::from_bulk`] without a `Value`.
    #[doc(hidden)]
    const FROM_BULK: bool = false;

    /// Converts a bulk string's payload, still in the read buffer.
    #[doc(hidden)]
    fn from_bulk(bytes: &[u8]) -> Result<Self> {
        Self::from_value(Value::Bulk(bytes.to_vec()))
    }

    /// Whether this type is text, so that [`FromValue::from_bulk_text`] is worth a UTF-8
    /// check of the buffered reply in one pass.
    #[doc(hidden)]
    const TEXT: bool = false;

    /// Converts a bulk string's payload already known to be UTF-8.
    #[doc(hidden)]
    fn from_bulk_text(text: &str) -> Result<Self> {
        Self::from_bulk(text.as_bytes())
    }

    /// Whether a `Vec<Self>` takes one element per value (pairs read a flat array two at a
    /// time, so they do not).
    #[doc(hidden)]
    const ONE_PER_ELEMENT: bool = false;

    /// Converts a reply while it arrives: containers override this to decode their elements
    /// straight from the connection's buffer. It must consume exactly one value, also when
    /// the conversion fails (unless the connection broke).
    #[doc(hidden)]
    fn read_reply<R: ReplyStream>(reader: &mut R) -> Result<Self> {
        if Self::FROM_BULK {
            if let Some(bytes) = reader.bulk()? {
                return Self::from_bulk(bytes);
            }
        }
        Self::from_value(reader.value()?)
    }
}

/// Strips attributes and turns an error reply into its [`Error`].
fn data(value: Value) -> Result<Value> {
    match value.into_data() {
        Value::Error(message) => Err(Error::from_server_reply(message)),
        other => Ok(other),
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self> {
        Ok(value)
    }
    // Every element converts to itself: the vector is kept, not copied (a million pipelined
    // replies would otherwise be held twice at the end of `execute::<Vec<Value>>()`).
    fn from_values(items: Vec<Value>) -> Result<Vec<Self>> {
        Ok(items)
    }
    const ONE_PER_ELEMENT: bool = true;
}

impl FromValue for () {
    fn from_value(value: Value) -> Result<Self> {
        data(value).map(drop)
    }
}

fn text_of(value: &Value) -> Option<&[u8]> {
    match value {
        Value::Bulk(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        Value::Okay => Some(b"OK"),
        Value::Verbatim { text, .. } => Some(text),
        Value::BigNumber(n) => Some(n.as_bytes()),
        _ => None,
    }
}

fn to_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        Value::Boolean(b) => Some(i64::from(*b)),
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.2e18 => Some(*d as i64),
        other => crate::resp::parse_i64(text_of(other)?),
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self> {
                let value = data(value)?;
                to_i64(&value)
                    .and_then(|i| <$t>::try_from(i).ok())
                    .ok_or_else(|| Error::conversion::<$t>(&value))
            }
            const ONE_PER_ELEMENT: bool = true;
        }
    )*};
}

int_from_value!(i8, i16, u16, i32, u32, i64, isize, usize);

impl FromValue for u64 {
    fn from_value(value: Value) -> Result<Self> {
        let value = data(value)?;
        // Text is parsed as u64 itself, so values above i64::MAX convert too.
        let parsed = match &value {
            Value::Int(_) | Value::Boolean(_) | Value::Double(_) => {
                to_i64(&value).and_then(|i| u64::try_from(i).ok())
            }
            other => text_of(other)
                .and_then(|t| std::str::from_utf8(t).ok())
                .and_then(|t| t.parse().ok()),
        };
        parsed.ok_or_else(|| Error::conversion::<u64>(&value))
    }
    const ONE_PER_ELEMENT: bool = true;
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self> {
        let value = data(value)?;
        let parsed = match &value {
            Value::Double(d) => Some(*d),
            Value::Int(i) => Some(*i as f64),
            other => text_of(other).and_then(|t| {
                let t = std::str::from_utf8(t).ok()?;
                // Redis writes infinities as inf/-inf; Rust's parser reads those too.
                t.parse().ok()
            }),
        };
        parsed.ok_or_else(|| Error::conversion::<f64>(&value))
    }
    const ONE_PER_ELEMENT: bool = true;
}

impl FromValue for f32 {
    fn from_value(value: Value) -> Result<Self> {
        f64::from_value(value).map(|f| f as f32)
    }
    const ONE_PER_ELEMENT: bool = true;
}

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self> {
        let value = data(value)?;
        match &value {
            Value::Boolean(b) => Ok(*b),
            Value::Nil => Ok(false),
            Value::Okay => Ok(true),
            other => to_i64(other)
                .map(|i| i != 0)
                .ok_or_else(|| Error::conversion::<bool>(&value)),
        }
    }
    const ONE_PER_ELEMENT: bool = true;
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self> {
        match data(value)? {
            Value::Bulk(b) => Ok(b),
            Value::Verbatim { text, .. } => Ok(text),
            Value::SimpleString(s) => Ok(s.into_bytes()),
            Value::Okay => Ok(b"OK".to_vec()),
            other => Err(Error::conversion::<Vec<u8>>(&other)),
        }
    }
    const ONE_PER_ELEMENT: bool = true;
    const FROM_BULK: bool = true;
    fn from_bulk(bytes: &[u8]) -> Result<Self> {
        Ok(bytes.to_vec())
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self> {
        // The common case first, before the general unwrapping: a bulk string, moved in place.
        let value = match value {
            Value::Bulk(bytes) => return utf8(bytes),
            other => data(other)?,
        };
        let bytes = match value {
            Value::Bulk(b) | Value::Verbatim { text: b, .. } => b,
            Value::SimpleString(s) | Value::BigNumber(s) => return Ok(s),
            Value::Okay => return Ok("OK".into()),
            Value::Int(i) => return Ok(i.to_string()),
            Value::Double(d) => return Ok(d.to_string()),
            other => return Err(Error::conversion::<String>(&other)),
        };
        utf8(bytes)
    }
    const ONE_PER_ELEMENT: bool = true;
    const FROM_BULK: bool = true;
    fn from_bulk(bytes: &[u8]) -> Result<Self> {
        // Checked while the bytes are still in the cache, then copied once.
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => Err(not_utf8(bytes.len())),
        }
    }
    const TEXT: bool = true;
    fn from_bulk_text(text: &str) -> Result<Self> {
        Ok(text.to_owned())
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| not_utf8(e.as_bytes().len()))
}

fn not_utf8(len: usize) -> Error {
    Error::Conversion {
        expected: "String",
        got: format!("{len} bytes that are not UTF-8"),
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self> {
        match data(value)? {
            Value::Nil => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
    // `Option` does not override `from_values`: one element per value, whatever `T` is.
    const ONE_PER_ELEMENT: bool = true;
    // `$-1` is not taken by the bulk fast path, so it reaches `from_value` as nil.
    const FROM_BULK: bool = T::FROM_BULK;
    fn from_bulk(bytes: &[u8]) -> Result<Self> {
        T::from_bulk(bytes).map(Some)
    }
    const TEXT: bool = T::TEXT;
    fn from_bulk_text(text: &str) -> Result<Self> {
        T::from_bulk_text(text).map(Some)
    }
}

/// The first error reply among `items`, as its [`Error`]: a server error inside an aggregate
/// must win over any complaint about the aggregate's shape.
pub(crate) fn nested_error(items: &[Value]) -> Option<Error> {
    items.iter().find_map(|item| match item {
        Value::Error(message) => Some(Error::from_server_reply(message.clone())),
        Value::Attribute { data, .. } => nested_error(std::slice::from_ref(data)),
        _ => None,
    })
}

/// The elements of a sequence reply, or of a map read as alternating keys and values.
fn elements<C: ?Sized>(value: Value) -> Result<Vec<Value>> {
    match data(value)? {
        Value::Array(items) | Value::Set(items) | Value::Push(items) => Ok(items),
        Value::Map(pairs) => {
            let mut flat = Vec::with_capacity(pairs.len() * 2);
            for (k, v) in pairs {
                flat.push(k);
                flat.push(v);
            }
            Ok(flat)
        }
        other => Err(Error::conversion::<C>(&other)),
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Self> {
        // A map arrives flattened; pairs then read it two at a time.
        T::from_values(elements::<Self>(value)?)
    }
    const ONE_PER_ELEMENT: bool = true;

    fn read_reply<R: ReplyStream>(reader: &mut R) -> Result<Self> {
        read_reply::vec(reader)
    }
}

impl<T: FromValue + Eq + Hash, S: BuildHasher + Default> FromValue for HashSet<T, S> {
    const ONE_PER_ELEMENT: bool = true;

    fn from_value(value: Value) -> Result<Self> {
        T::from_values(elements::<Self>(value)?).map(|v| v.into_iter().collect())
    }
}

impl<T: FromValue + Ord> FromValue for BTreeSet<T> {
    const ONE_PER_ELEMENT: bool = true;

    fn from_value(value: Value) -> Result<Self> {
        T::from_values(elements::<Self>(value)?).map(|v| v.into_iter().collect())
    }
}

/// Key/value pairs from a RESP3 map or a flat RESP2 array.
fn pairs<C: ?Sized>(value: Value) -> Result<Vec<(Value, Value)>> {
    match data(value)? {
        Value::Map(pairs) => Ok(pairs),
        // RESP3 replies pairs as two-element arrays (ZRANGE ... WITHSCORES).
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i, Value::Array(pair) if pair.len() == 2)) =>
        {
            Ok(items
                .into_iter()
                .filter_map(|pair| match pair {
                    Value::Array(pair) => {
                        let mut it = pair.into_iter();
                        Some((it.next()?, it.next()?))
                    }
                    _ => None,
                })
                .collect())
        }
        Value::Array(items) if items.len() % 2 != 0 => match nested_error(&items) {
            Some(e) => Err(e),
            None => Err(Error::conversion::<C>(&Value::Array(items))),
        },
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            Ok(out)
        }
        other => Err(Error::conversion::<C>(&other)),
    }
}

impl<K, V, S> FromValue for HashMap<K, V, S>
where
    K: FromValue + Eq + Hash,
    V: FromValue,
    S: BuildHasher + Default,
{
    fn from_value(value: Value) -> Result<Self> {
        let entries = pairs::<Self>(value)?;
        let mut map = HashMap::with_capacity_and_hasher(entries.len(), S::default());
        for (k, v) in entries {
            map.insert(K::from_value(k)?, V::from_value(v)?);
        }
        Ok(map)
    }
    const ONE_PER_ELEMENT: bool = true;

    fn read_reply<R: ReplyStream>(reader: &mut R) -> Result<Self> {
        read_reply::map(reader)
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    const ONE_PER_ELEMENT: bool = true;

    fn from_value(value: Value) -> Result<Self> {
        let mut map = BTreeMap::new();
        for (k, v) in pairs::<Self>(value)? {
            map.insert(K::from_value(k)?, V::from_value(v)?);
        }
        Ok(map)
    }
}

fn is_aggregate(value: &Value) -> bool {
    match value {
        Value::Attribute { data, .. } => is_aggregate(data),
        Value::Array(_) | Value::Set(_) | Value::Map(_) => true,
        _ => false,
    }
}

macro_rules! tuple_from_value {
    ($n:literal: $($name:ident)*) => {
        impl<$($name: FromValue),*> FromValue for ($($name,)*) {
            #[allow(non_snake_case)]
            fn from_value(value: Value) -> Result<Self> {
                let items = elements::<Self>(value)?;
                if items.len() != $n {
                    if let Some(e) = nested_error(&items) {
                        return Err(e);
                    }
                    return Err(Error::Conversion {
                        expected: std::any::type_name::<Self>(),
                        got: format!("{} elements", items.len()),
                    });
                }
                let mut it = items.into_iter();
                $(let $name = $name::from_value(it.next().unwrap_or(Value::Nil))?;)*
                Ok(($($name,)*))
            }

            // For 1-tuples the modulo below is never reached (they return early).
            #[allow(non_snake_case, clippy::modulo_one)]
            fn from_values(items: Vec<Value>) -> Result<Vec<Self>> {
                let nested = items.iter().all(is_aggregate);
                if nested || $n == 1 {
                    return items.into_iter().map(Self::from_value).collect();
                }
                // A flat array (HGETALL in RESP2, ZRANGE WITHSCORES): read $n at a time.
                if items.len() % $n != 0 {
                    if let Some(e) = nested_error(&items) {
                        return Err(e);
                    }
                    return Err(Error::Conversion {
                        expected: std::any::type_name::<Vec<Self>>(),
                        got: format!("flat array of {} elements", items.len()),
                    });
                }
                let mut out = Vec::with_capacity(items.len() / $n);
                let mut it = items.into_iter();
                while it.len() > 0 {
                    $(let $name = $name::from_value(it.next().unwrap_or(Value::Nil))?;)*
                    out.push(($($name,)*));
                }
                Ok(out)
            }
        }
    };
}

tuple_from_value!(1: A);
tuple_from_value!(2: A B);
tuple_from_value!(3: A B C);
tuple_from_value!(4: A B C D);
tuple_from_value!(5: A B C D E);
tuple_from_value!(6: A B C D E F);
tuple_from_value!(7: A B C D E F G);
tuple_from_value!(8: A B C D E F G H);
tuple_from_value!(9: A B C D E F G H I);
tuple_from_value!(10: A B C D E F G H I J);
tuple_from_value!(11: A B C D E F G H I J K);
tuple_from_value!(12: A B C D E F G H I J K L);
