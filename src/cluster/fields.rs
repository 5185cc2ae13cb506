//! Reading the nested replies of `CLUSTER SHARDS`, `CLUSTER SLOTS` and `COMMAND`, which come
//! as RESP3 maps or as RESP2's flat key-value arrays.

use crate::resp::Value;

/// An array's (or set's) items.
pub(super) fn list(value: Value) -> Option<Vec<Value>> {
    match value.into_data() {
        Value::Array(items) | Value::Set(items) => Some(items),
        _ => None,
    }
}

/// A map's entries: a RESP3 map, or RESP2's flat `[key, value, key, value...]`.
pub(super) fn pairs(value: Value) -> Option<Vec<(Value, Value)>> {
    match value.into_data() {
        Value::Map(entries) => Some(entries),
        Value::Array(items) if items.len() % 2 == 0 => {
            let mut items = items.into_iter();
            let mut entries = Vec::with_capacity(items.len() / 2);
            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                entries.push((k, v));
            }
            Some(entries)
        }
        _ => None,
    }
}

/// A string's bytes, whichever string type carried it.
pub(super) fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::Bulk(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        Value::Verbatim { text, .. } => Some(text),
        Value::Attribute { data, .. } => bytes(data),
        _ => None,
    }
}

/// An integer, or a string of digits.
pub(super) fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        Value::Attribute { data, .. } => int(data),
        other => std::str::from_utf8(bytes(other)?).ok()?.parse().ok(),
    }
}

/// The `n`th reply in `bytes`, for tests of replies captured from real servers.
#[cfg(test)]
pub(super) fn nth_reply(bytes: &[u8], n: usize) -> Value {
    use crate::resp::{parse, Limits};
    let mut at = 0;
    for i in 0.. {
        let (value, used) = parse(&bytes[at..], &Limits::default()).unwrap().unwrap();
        if i == n {
            return value;
        }
        at += used;
    }
    unreachable!()
}
