//! An arbitrary `Value`, built from the bytes by a small generator, through `FromValue` for
//! the common types.
//!
//! Checks: no conversion panics; and, as the `FromValue` table promises, `Option<T>` is `None`
//! exactly for nil (through attributes) and otherwise what `T` gives.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redline::{FromValue, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;

/// Reads the input front to back; past its end every read is 0.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    /// A short byte string: its length first.
    fn bytes(&mut self) -> Vec<u8> {
        let n = usize::from(self.byte() % 24);
        self.take(n).to_vec()
    }

    /// Text that is often numeric, the shape the conversions look at most.
    fn text(&mut self) -> String {
        match self.byte() % 4 {
            0 => i64::from_le_bytes(self.eight()).to_string(),
            1 => f64::from_le_bytes(self.eight()).to_string(),
            _ => String::from_utf8_lossy(&self.bytes()).into_owned(),
        }
    }

    fn eight(&mut self) -> [u8; 8] {
        let mut out = [0u8; 8];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }
}

fn value(input: &mut Bytes<'_>, depth: usize) -> Value {
    let kind = input.byte();
    // Aggregates only while shallow; past that, leaves.
    let kind = if depth >= 5 { kind % 10 } else { kind % 16 };
    let count = |input: &mut Bytes<'_>| usize::from(input.byte() % 6);
    match kind {
        0 => Value::Nil,
        1 => Value::Okay,
        2 => Value::SimpleString(input.text()),
        3 => Value::Error(input.text()),
        4 => Value::Int(i64::from_le_bytes(input.eight())),
        5 => {
            let small = input.byte();
            Value::Int(i64::from(small) - 128)
        }
        6 => match input.byte() % 3 {
            0 => Value::Bulk(input.text().into_bytes()),
            _ => Value::Bulk(input.bytes()),
        },
        7 => Value::Double(f64::from_le_bytes(input.eight())),
        8 => Value::Boolean(input.byte() & 1 == 1),
        9 => match input.byte() % 2 {
            0 => Value::BigNumber(input.text()),
            _ => {
                let format = [input.byte(), input.byte(), input.byte()];
                Value::Verbatim {
                    format,
                    text: input.bytes(),
                }
            }
        },
        10 | 11 => {
            let n = count(input);
            Value::Array((0..n).map(|_| value(input, depth + 1)).collect())
        }
        12 => {
            let n = count(input);
            Value::Map(
                (0..n)
                    .map(|_| (value(input, depth + 1), value(input, depth + 1)))
                    .collect(),
            )
        }
        13 => {
            let n = count(input);
            Value::Set((0..n).map(|_| value(input, depth + 1)).collect())
        }
        14 => {
            let n = count(input);
            Value::Push((0..n).map(|_| value(input, depth + 1)).collect())
        }
        _ => {
            let n = count(input);
            let attributes = (0..n)
                .map(|_| (value(input, depth + 1), value(input, depth + 1)))
                .collect::<Vec<_>>()
                .into_boxed_slice();
            Value::Attribute {
                data: Box::new(value(input, depth + 1)),
                attributes,
            }
        }
    }
}

/// Converts into `T`, and checks `Option<T>` against it.
fn convert<T: FromValue + Debug>(v: &Value) {
    let plain = T::from_value(v.clone());
    let optional = Option::<T>::from_value(v.clone());
    match v.clone().into_data() {
        Value::Nil => assert!(
            matches!(optional, Ok(None)),
            "nil as Option<{}>: {optional:?}",
            std::any::type_name::<T>()
        ),
        // An error reply fails both, the same way.
        _ => assert_eq!(
            format!("{:?}", plain.map(Some)),
            format!("{optional:?}"),
            "{v:?} as {}",
            std::any::type_name::<T>()
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let v = value(&mut input, 0);
    // `Option<Value>` strips attributes and fails on an error reply, `Value` keeps both.
    let _ = Value::from_value(v.clone());
    convert::<()>(&v);
    convert::<i64>(&v);
    convert::<i8>(&v);
    convert::<u16>(&v);
    convert::<u32>(&v);
    convert::<u64>(&v);
    convert::<usize>(&v);
    convert::<f64>(&v);
    convert::<f32>(&v);
    convert::<bool>(&v);
    convert::<String>(&v);
    convert::<Vec<u8>>(&v);
    convert::<Vec<String>>(&v);
    convert::<Vec<i64>>(&v);
    convert::<Vec<Option<i64>>>(&v);
    convert::<Vec<Value>>(&v);
    convert::<Vec<Vec<u8>>>(&v);
    convert::<Vec<(String, f64)>>(&v);
    convert::<Vec<(String, String, i64)>>(&v);
    convert::<BTreeSet<i64>>(&v);
    convert::<BTreeMap<String, String>>(&v);
    convert::<BTreeMap<String, Vec<i64>>>(&v);
    convert::<(String,)>(&v);
    convert::<(String, i64)>(&v);
    convert::<(i64, Value, Option<String>)>(&v);
    convert::<(bool, f64, Vec<u8>, String)>(&v);
    convert::<Vec<Vec<Option<String>>>>(&v);
    // Hash maps and sets print in hash order, so only converted (no Option comparison by text).
    let _ = HashSet::<String>::from_value(v.clone());
    let _ = HashMap::<String, String>::from_value(v.clone());
    let _ = HashMap::<String, i64>::from_value(v.clone());
    let _ = HashMap::<Vec<u8>, Vec<String>>::from_value(v.clone());
    let _ = Option::<HashMap<String, Value>>::from_value(v);
});
