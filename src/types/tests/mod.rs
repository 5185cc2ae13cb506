//! Unit tests of reply conversions; compiled only under #[cfg(test)] (see ../mod.rs).
//!
//! `FromValue` for scalars (`scalars`), strings, options and `Value` (`strings`),
//! collections, tuples and pairs read from flat arrays (`collections`), attributes
//! (`attributes`), and how server errors and conversion errors come out (`errors`).

use crate::error::ServerErrorKind;
use crate::resp::Value;
use crate::types::FromValue;
use crate::Error;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;

mod attributes;
mod collections;
mod errors;
mod scalars;
mod strings;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

pub(super) fn conv<T: FromValue>(value: Value) -> crate::Result<T> {
    T::from_value(value)
}

#[track_caller]
pub(super) fn ok<T: FromValue + Debug>(value: Value) -> T {
    match T::from_value(value.clone()) {
        Ok(t) => t,
        Err(e) => panic!("{value:?} into {}: {e:?}", std::any::type_name::<T>()),
    }
}

pub(super) fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

pub(super) fn status(s: &str) -> Value {
    Value::SimpleString(s.to_owned())
}

pub(super) fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}

pub(super) fn attr(data: Value) -> Value {
    Value::Attribute {
        data: Box::new(data),
        attributes: vec![(status("ttl"), Value::Int(3600))].into_boxed_slice(),
    }
}

pub(super) const WRONGTYPE: &str =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Converting `value` into `T` must be a conversion error that names `expected` (a part of the
/// type name) and describes the value as `got`; the text must hold none of `secret`.
#[track_caller]
pub(super) fn assert_conversion<T: FromValue + Debug>(
    value: Value,
    expected: &str,
    got: &str,
    secret: &str,
) {
    match T::from_value(value.clone()) {
        Err(Error::Conversion {
            expected: e,
            got: g,
        }) => {
            assert!(
                e.contains(expected),
                "{value:?}: expected {e:?} to name {expected:?}"
            );
            assert_eq!(g, got, "{value:?}");
            let text = Error::Conversion {
                expected: e,
                got: g.clone(),
            }
            .to_string();
            assert!(text.contains(&g), "{text}");
            if !secret.is_empty() {
                assert!(!g.contains(secret), "{g:?} leaks {secret:?}");
                assert!(!text.contains(secret), "{text:?} leaks {secret:?}");
            }
        }
        other => panic!(
            "{value:?} into {}: wanted a conversion error, got {other:?}",
            std::any::type_name::<T>()
        ),
    }
}

/// Converting `value` into `T` must surface the server error with this kind and message.
#[track_caller]
pub(super) fn assert_server_error<T: FromValue + Debug>(
    value: Value,
    kind: ServerErrorKind,
    message: &str,
) {
    match T::from_value(value.clone()) {
        Err(Error::Server {
            kind: k,
            message: m,
        }) => {
            assert_eq!(k, kind, "{value:?}");
            assert_eq!(m, message, "{value:?}");
        }
        other => panic!(
            "{value:?} into {}: wanted the server error {message:?}, got {other:?}",
            std::any::type_name::<T>()
        ),
    }
}

#[track_caller]
pub(super) fn assert_wrongtype<T: FromValue + Debug>(value: Value) {
    assert_server_error::<T>(value, ServerErrorKind::WrongType, WRONGTYPE);
}

pub(super) fn wrongtype() -> Value {
    Value::Error(WRONGTYPE.into())
}
