//! Unit tests of reply conversions (`FromValue`): scalars, strings, options, collections,
//! tuples, pairs read from flat arrays, attributes, and how server errors and conversion
//! errors come out.

use crate::error::ServerErrorKind;
use crate::resp::Value;
use crate::types::FromValue;
use crate::Error;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn conv<T: FromValue>(value: Value) -> crate::Result<T> {
    T::from_value(value)
}

#[track_caller]
fn ok<T: FromValue + Debug>(value: Value) -> T {
    match T::from_value(value.clone()) {
        Ok(t) => t,
        Err(e) => panic!("{value:?} into {}: {e:?}", std::any::type_name::<T>()),
    }
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn status(s: &str) -> Value {
    Value::SimpleString(s.to_owned())
}

fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}

fn attr(data: Value) -> Value {
    Value::Attribute {
        data: Box::new(data),
        attributes: vec![(status("ttl"), Value::Int(3600))].into_boxed_slice(),
    }
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Converting `value` into `T` must be a conversion error that names `expected` (a part of the
/// type name) and describes the value as `got`; the text must hold none of `secret`.
#[track_caller]
fn assert_conversion<T: FromValue + Debug>(value: Value, expected: &str, got: &str, secret: &str) {
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
fn assert_server_error<T: FromValue + Debug>(value: Value, kind: ServerErrorKind, message: &str) {
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
fn assert_wrongtype<T: FromValue + Debug>(value: Value) {
    assert_server_error::<T>(value, ServerErrorKind::WrongType, WRONGTYPE);
}

fn wrongtype() -> Value {
    Value::Error(WRONGTYPE.into())
}

// ---------------------------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------------------------

#[test]
fn integers_from_int() {
    assert_eq!(ok::<i64>(Value::Int(42)), 42);
    assert_eq!(ok::<i64>(Value::Int(-1)), -1);
    assert_eq!(ok::<i64>(Value::Int(i64::MIN)), i64::MIN);
    assert_eq!(ok::<i64>(Value::Int(i64::MAX)), i64::MAX);
    assert_eq!(ok::<i32>(Value::Int(-7)), -7);
    assert_eq!(ok::<u32>(Value::Int(4_294_967_295)), u32::MAX);
    assert_eq!(ok::<i16>(Value::Int(-32768)), i16::MIN);
    assert_eq!(ok::<u16>(Value::Int(65535)), u16::MAX);
    assert_eq!(ok::<i8>(Value::Int(127)), 127);
    assert_eq!(ok::<i8>(Value::Int(-128)), -128);
    assert_eq!(ok::<usize>(Value::Int(5)), 5);
    assert_eq!(ok::<isize>(Value::Int(-5)), -5);
}

#[test]
fn integers_from_strings() {
    assert_eq!(ok::<i64>(bulk("123")), 123);
    assert_eq!(ok::<i64>(bulk("-9223372036854775808")), i64::MIN);
    assert_eq!(ok::<i64>(bulk("9223372036854775807")), i64::MAX);
    assert_eq!(ok::<i64>(status("7")), 7);
    assert_eq!(ok::<u16>(bulk("65535")), 65535);
    assert_eq!(ok::<i64>(Value::BigNumber("12".into())), 12);
    assert_eq!(
        ok::<i64>(Value::Verbatim {
            format: *b"txt",
            text: b"99".to_vec()
        }),
        99
    );
}

#[test]
fn integers_from_integral_doubles() {
    assert_eq!(ok::<i64>(Value::Double(3.0)), 3);
    assert_eq!(ok::<i64>(Value::Double(-2.0)), -2);
    assert_eq!(ok::<i64>(Value::Double(-0.0)), 0);
    assert_eq!(ok::<i64>(Value::Double(1e15)), 1_000_000_000_000_000);
    assert_eq!(ok::<u16>(Value::Double(200.0)), 200);
    assert_eq!(ok::<i8>(Value::Double(-128.0)), -128);
    assert_conversion::<i8>(Value::Double(128.0), "i8", "double 128", "");
    for d in [
        2.5,
        -0.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e19,
        -1e19,
    ] {
        assert!(
            matches!(conv::<i64>(Value::Double(d)), Err(Error::Conversion { .. })),
            "{d}"
        );
    }
}

#[test]
fn integers_from_booleans() {
    assert_eq!(ok::<i64>(Value::Boolean(true)), 1);
    assert_eq!(ok::<i64>(Value::Boolean(false)), 0);
}

#[test]
fn integer_overflow_is_a_conversion_error() {
    assert_conversion::<i8>(Value::Int(128), "i8", "integer 128", "");
    assert_conversion::<i8>(Value::Int(-129), "i8", "integer -129", "");
    assert_conversion::<i8>(Value::Int(300), "i8", "integer 300", "");
    assert_conversion::<u16>(Value::Int(-1), "u16", "integer -1", "");
    assert_conversion::<u32>(Value::Int(4_294_967_296), "u32", "integer 4294967296", "");
    assert_conversion::<usize>(Value::Int(-1), "usize", "integer -1", "");
    assert_conversion::<i32>(
        Value::Int(i64::MAX),
        "i32",
        "integer 9223372036854775807",
        "",
    );
    // Overflowing text: described, not quoted.
    assert_conversion::<i8>(bulk("300"), "i8", "bulk string of 3 bytes", "300");
    assert_conversion::<i64>(
        bulk("9223372036854775808"),
        "i64",
        "bulk string of 19 bytes",
        "9223372036854775808",
    );
}

#[test]
fn integers_reject_what_is_not_a_number() {
    assert_conversion::<i64>(bulk("hunter2"), "i64", "bulk string of 7 bytes", "hunter2");
    assert_conversion::<i64>(bulk(""), "i64", "bulk string of 0 bytes", "");
    assert_conversion::<i64>(bulk("1.5"), "i64", "bulk string of 3 bytes", "1.5");
    assert_conversion::<i64>(bulk(" 1"), "i64", "bulk string of 2 bytes", "");
    assert_conversion::<i64>(status("QUEUED"), "i64", "status string", "QUEUED");
    assert_conversion::<i64>(Value::Okay, "i64", "status OK", "");
    assert_conversion::<i64>(Value::Nil, "i64", "nil", "");
    assert_conversion::<i64>(array(vec![Value::Int(1)]), "i64", "array of 1 elements", "");
    assert_conversion::<i64>(
        Value::Map(vec![(bulk("k"), Value::Int(1))]),
        "i64",
        "map of 1 entries",
        "",
    );
    assert_conversion::<i64>(Value::Double(2.5), "i64", "double 2.5", "");
    assert_conversion::<i64>(
        Value::BigNumber("123456789012345678901234567890".into()),
        "i64",
        "big number",
        "1234567890",
    );
}

#[test]
fn u64_from_big_values() {
    assert_eq!(ok::<u64>(Value::Int(5)), 5);
    assert_eq!(ok::<u64>(Value::Int(i64::MAX)), i64::MAX as u64);
    assert_eq!(ok::<u64>(bulk("18446744073709551615")), u64::MAX);
    assert_eq!(ok::<u64>(status("9223372036854775808")), 1 << 63);
    assert_eq!(
        ok::<u64>(Value::BigNumber("18446744073709551615".into())),
        u64::MAX
    );
    assert_conversion::<u64>(Value::Int(-1), "u64", "integer -1", "");
    assert_conversion::<u64>(
        bulk("18446744073709551616"),
        "u64",
        "bulk string of 20 bytes",
        "18446744073709551616",
    );
    assert_conversion::<u64>(bulk("-1"), "u64", "bulk string of 2 bytes", "");
    assert_conversion::<u64>(Value::Nil, "u64", "nil", "");
}

#[test]
fn u64_from_integral_double_like_other_integers() {
    // The FromValue table: integers accept integral doubles; u64 is an integer too.
    assert_eq!(ok::<i64>(Value::Double(5.0)), 5);
    assert_eq!(ok::<u64>(Value::Double(5.0)), 5);
}

// ---------------------------------------------------------------------------------------------
// Floats
// ---------------------------------------------------------------------------------------------

#[test]
fn f64_conversions() {
    assert_eq!(ok::<f64>(Value::Double(1.5)), 1.5);
    assert_eq!(ok::<f64>(Value::Int(3)), 3.0);
    assert_eq!(ok::<f64>(Value::Int(-3)), -3.0);
    assert_eq!(ok::<f64>(bulk("3.25")), 3.25);
    assert_eq!(ok::<f64>(bulk("-0.5")), -0.5);
    assert_eq!(ok::<f64>(bulk("10")), 10.0);
    assert_eq!(ok::<f64>(bulk("1e3")), 1000.0);
    assert_eq!(ok::<f64>(status("2.5")), 2.5);
    assert_eq!(ok::<f64>(bulk("inf")), f64::INFINITY);
    assert_eq!(ok::<f64>(bulk("-inf")), f64::NEG_INFINITY);
    assert_eq!(ok::<f64>(bulk("+inf")), f64::INFINITY);
    assert_eq!(
        ok::<f64>(Value::Double(f64::NEG_INFINITY)),
        f64::NEG_INFINITY
    );
    assert!(ok::<f64>(Value::Double(f64::NAN)).is_nan());
    assert!(ok::<f64>(bulk("nan")).is_nan());
    assert!(ok::<f64>(Value::Double(-0.0)).is_sign_negative());
    assert_eq!(ok::<f32>(Value::Double(1.5)), 1.5f32);
    assert_eq!(ok::<f32>(bulk("0.25")), 0.25f32);
    assert_conversion::<f64>(bulk("abc"), "f64", "bulk string of 3 bytes", "abc");
    assert_conversion::<f64>(bulk(""), "f64", "bulk string of 0 bytes", "");
    assert_conversion::<f64>(Value::Nil, "f64", "nil", "");
    assert_conversion::<f64>(Value::Boolean(true), "f64", "boolean true", "");
    assert_conversion::<f64>(
        Value::Bulk(vec![0xff, b'1']),
        "f64",
        "bulk string of 2 bytes",
        "",
    );
}

// ---------------------------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------------------------

#[test]
fn bool_conversions() {
    assert!(ok::<bool>(Value::Boolean(true)));
    assert!(!ok::<bool>(Value::Boolean(false)));
    assert!(ok::<bool>(Value::Int(1)));
    assert!(ok::<bool>(Value::Int(2)));
    assert!(ok::<bool>(Value::Int(-1)));
    assert!(!ok::<bool>(Value::Int(0)));
    assert!(ok::<bool>(Value::Okay));
    assert!(!ok::<bool>(Value::Nil));
    assert!(ok::<bool>(bulk("1")));
    assert!(!ok::<bool>(bulk("0")));
    assert!(!ok::<bool>(attr(Value::Nil)));
    assert_conversion::<bool>(status("QUEUED"), "bool", "status string", "QUEUED");
    assert_conversion::<bool>(bulk("yes"), "bool", "bulk string of 3 bytes", "yes");
    assert_conversion::<bool>(array(vec![]), "bool", "array of 0 elements", "");
}

// ---------------------------------------------------------------------------------------------
// Strings and bytes
// ---------------------------------------------------------------------------------------------

#[test]
fn string_conversions() {
    assert_eq!(ok::<String>(bulk("hello")), "hello");
    assert_eq!(ok::<String>(bulk("")), "");
    assert_eq!(ok::<String>(bulk("h\u{e9}")), "h\u{e9}");
    assert_eq!(ok::<String>(status("PONG")), "PONG");
    assert_eq!(ok::<String>(Value::Okay), "OK");
    assert_eq!(
        ok::<String>(Value::Verbatim {
            format: *b"txt",
            text: b"Some string".to_vec()
        }),
        "Some string"
    );
    assert_eq!(ok::<String>(Value::BigNumber("-123".into())), "-123");
    assert_eq!(ok::<String>(Value::Int(-5)), "-5");
    assert_eq!(ok::<String>(Value::Double(1.5)), "1.5");
    assert_conversion::<String>(Value::Nil, "String", "nil", "");
    assert_conversion::<String>(array(vec![bulk("a")]), "String", "array of 1 elements", "");
    assert_conversion::<String>(Value::Boolean(false), "String", "boolean false", "");
}

#[test]
fn string_from_invalid_utf8_is_a_conversion_error_without_the_bytes() {
    let value = Value::Bulk(b"secret\xff\xfe".to_vec());
    assert_conversion::<String>(value, "String", "8 bytes that are not UTF-8", "secret");
    let verbatim = Value::Verbatim {
        format: *b"txt",
        text: b"\xc3\x28".to_vec(),
    };
    assert!(matches!(
        conv::<String>(verbatim),
        Err(Error::Conversion { .. })
    ));
}

#[test]
fn bytes_conversions() {
    assert_eq!(
        ok::<Vec<u8>>(Value::Bulk(b"\x00\xff\r\n".to_vec())),
        b"\x00\xff\r\n"
    );
    assert_eq!(ok::<Vec<u8>>(bulk("")), b"");
    assert_eq!(ok::<Vec<u8>>(status("PONG")), b"PONG");
    assert_eq!(ok::<Vec<u8>>(Value::Okay), b"OK");
    assert_eq!(
        ok::<Vec<u8>>(Value::Verbatim {
            format: *b"mkd",
            text: b"\xff".to_vec()
        }),
        b"\xff"
    );
    assert_eq!(ok::<Vec<u8>>(attr(bulk("x"))), b"x");
    assert_conversion::<Vec<u8>>(Value::Nil, "Vec<u8>", "nil", "");
    assert_conversion::<Vec<u8>>(Value::Int(5), "Vec<u8>", "integer 5", "");
    assert_conversion::<Vec<u8>>(
        array(vec![Value::Int(1)]),
        "Vec<u8>",
        "array of 1 elements",
        "",
    );
    assert_eq!(ok::<Option<Vec<u8>>>(Value::Nil), None);
}

// ---------------------------------------------------------------------------------------------
// Option, unit, Value
// ---------------------------------------------------------------------------------------------

#[test]
fn option_conversions() {
    assert_eq!(ok::<Option<String>>(Value::Nil), None);
    assert_eq!(ok::<Option<String>>(bulk("x")), Some("x".into()));
    assert_eq!(ok::<Option<i64>>(Value::Nil), None);
    assert_eq!(ok::<Option<i64>>(Value::Int(0)), Some(0));
    assert_eq!(ok::<Option<i64>>(attr(Value::Nil)), None);
    assert_eq!(ok::<Option<Vec<i64>>>(Value::Nil), None);
    assert_eq!(ok::<Option<Option<i64>>>(Value::Nil), None);
    // MGET: some keys missing.
    assert_eq!(
        ok::<Vec<Option<String>>>(array(vec![bulk("a"), Value::Nil, bulk("c")])),
        vec![Some("a".into()), None, Some("c".into())]
    );
    assert_conversion::<Option<i64>>(bulk("x"), "i64", "bulk string of 1 bytes", "");
    assert_wrongtype::<Option<i64>>(wrongtype());
}

#[test]
fn unit_and_value_conversions() {
    ok::<()>(Value::Okay);
    ok::<()>(Value::Int(3));
    ok::<()>(Value::Nil);
    ok::<()>(array(vec![Value::Int(1)]));
    assert_wrongtype::<()>(wrongtype());
    assert_wrongtype::<()>(attr(wrongtype()));
    // Value takes anything unchanged, errors and attributes included.
    assert_eq!(ok::<Value>(wrongtype()), wrongtype());
    assert_eq!(ok::<Value>(attr(Value::Int(1))), attr(Value::Int(1)));
}

// ---------------------------------------------------------------------------------------------
// Sequences and sets
// ---------------------------------------------------------------------------------------------

#[test]
fn vec_conversions() {
    let items = vec![Value::Int(1), bulk("2"), status("3")];
    assert_eq!(ok::<Vec<i64>>(array(items.clone())), vec![1, 2, 3]);
    assert_eq!(ok::<Vec<i64>>(Value::Set(items.clone())), vec![1, 2, 3]);
    assert_eq!(ok::<Vec<i64>>(Value::Push(items)), vec![1, 2, 3]);
    assert_eq!(ok::<Vec<i64>>(array(vec![])), Vec::<i64>::new());
    assert_eq!(
        ok::<Vec<Vec<i64>>>(array(vec![
            array(vec![Value::Int(1)]),
            array(vec![]),
            Value::Set(vec![Value::Int(2), Value::Int(3)]),
        ])),
        vec![vec![1], vec![], vec![2, 3]]
    );
    // A map is read as its keys and values in turn.
    assert_eq!(
        ok::<Vec<String>>(Value::Map(vec![
            (bulk("a"), bulk("1")),
            (bulk("b"), bulk("2")),
        ])),
        vec!["a", "1", "b", "2"]
    );
    assert_conversion::<Vec<i64>>(Value::Int(1), "Vec", "integer 1", "");
    assert_conversion::<Vec<i64>>(Value::Nil, "Vec", "nil", "");
    assert_conversion::<Vec<String>>(bulk("abc"), "Vec", "bulk string of 3 bytes", "abc");
    // An element that does not fit names the element type.
    assert_conversion::<Vec<i64>>(
        array(vec![Value::Int(1), bulk("x")]),
        "i64",
        "bulk string of 1 bytes",
        "",
    );
}

#[test]
fn set_conversions() {
    let expected: HashSet<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        ok::<HashSet<String>>(Value::Set(vec![bulk("a"), bulk("b")])),
        expected
    );
    assert_eq!(
        ok::<HashSet<String>>(array(vec![bulk("b"), bulk("a"), bulk("b")])),
        expected
    );
    assert_eq!(
        ok::<BTreeSet<i64>>(array(vec![Value::Int(3), Value::Int(1), Value::Int(3)])),
        [1, 3].into_iter().collect()
    );
    assert_wrongtype::<HashSet<String>>(Value::Set(vec![bulk("a"), wrongtype()]));
    assert!(matches!(
        conv::<HashSet<String>>(Value::Int(1)),
        Err(Error::Conversion { .. })
    ));
}

#[test]
fn set_conversion_errors_name_the_set_type() {
    // Asked for a set, the error must name the set, not the Vec used on the way.
    assert_conversion::<HashSet<String>>(Value::Int(1), "HashSet", "integer 1", "");
    assert_conversion::<BTreeSet<String>>(Value::Nil, "BTreeSet", "nil", "");
}

// ---------------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------------

#[test]
fn maps_from_resp3_map_and_resp2_flat_array() {
    let mut expected = HashMap::new();
    expected.insert("a".to_string(), 1i64);
    expected.insert("b".to_string(), 2i64);
    let map = Value::Map(vec![(bulk("a"), Value::Int(1)), (bulk("b"), bulk("2"))]);
    let flat = array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]);
    assert_eq!(ok::<HashMap<String, i64>>(map.clone()), expected);
    assert_eq!(ok::<HashMap<String, i64>>(flat.clone()), expected);
    let sorted: BTreeMap<String, i64> = expected.clone().into_iter().collect();
    assert_eq!(ok::<BTreeMap<String, i64>>(map), sorted);
    assert_eq!(ok::<BTreeMap<String, i64>>(flat), sorted);
    assert!(ok::<HashMap<String, i64>>(array(vec![])).is_empty());
    assert!(ok::<BTreeMap<String, i64>>(Value::Map(vec![])).is_empty());
    // Values of any shape.
    let nested = ok::<HashMap<String, Vec<i64>>>(Value::Map(vec![(
        bulk("k"),
        array(vec![Value::Int(1), Value::Int(2)]),
    )]));
    assert_eq!(nested["k"], vec![1, 2]);
    let optional = ok::<HashMap<String, Option<String>>>(array(vec![bulk("k"), Value::Nil]));
    assert_eq!(optional["k"], None);
}

#[test]
fn maps_reject_odd_flat_arrays_and_other_shapes() {
    let odd = array(vec![bulk("a"), bulk("1"), bulk("b")]);
    assert_conversion::<HashMap<String, String>>(odd.clone(), "HashMap", "array of 3 elements", "");
    assert_conversion::<BTreeMap<String, String>>(odd, "BTreeMap", "array of 3 elements", "");
    assert_conversion::<HashMap<String, String>>(Value::Int(1), "HashMap", "integer 1", "");
    assert_conversion::<HashMap<String, String>>(Value::Nil, "HashMap", "nil", "");
    assert_conversion::<HashMap<String, String>>(
        bulk("secret"),
        "HashMap",
        "bulk string of 6 bytes",
        "secret",
    );
    // A key or value that does not fit names its own type.
    assert_conversion::<HashMap<String, i64>>(
        array(vec![bulk("a"), bulk("x")]),
        "i64",
        "bulk string of 1 bytes",
        "",
    );
}

// ---------------------------------------------------------------------------------------------
// Tuples and pairs
// ---------------------------------------------------------------------------------------------

#[test]
fn tuples_of_exact_length() {
    assert_eq!(
        ok::<(String, i64)>(array(vec![bulk("a"), Value::Int(1)])),
        ("a".to_string(), 1)
    );
    assert_eq!(ok::<(i64,)>(array(vec![Value::Int(7)])), (7,));
    assert_eq!(
        ok::<(i64, Option<String>, bool)>(array(vec![Value::Int(1), Value::Nil, Value::Okay])),
        (1, None, true)
    );
    assert_eq!(
        ok::<(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)>(array(
            (1..=12).map(Value::Int).collect()
        )),
        (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    );
    // A map entry reads as a pair.
    assert_eq!(
        ok::<(String, i64)>(Value::Map(vec![(bulk("k"), Value::Int(2))])),
        ("k".to_string(), 2)
    );
}

#[test]
fn tuples_of_wrong_length_are_conversion_errors() {
    assert_conversion::<(String, i64)>(
        array(vec![bulk("a"), Value::Int(1), Value::Int(2)]),
        "(alloc::string::String, i64)",
        "3 elements",
        "",
    );
    assert_conversion::<(String, i64)>(array(vec![bulk("a")]), "i64", "1 elements", "");
    assert_conversion::<(i64,)>(array(vec![]), "i64", "0 elements", "");
    assert_conversion::<(i64, i64)>(Value::Int(1), "(i64, i64)", "integer 1", "");
    assert_conversion::<(i64, i64)>(Value::Nil, "(i64, i64)", "nil", "");
}

#[test]
fn pairs_from_flat_array_resp2_withscores() {
    // ZRANGE ... WITHSCORES in RESP2: member, score, member, score.
    let reply = array(vec![bulk("one"), bulk("1"), bulk("two"), bulk("2.5")]);
    assert_eq!(
        ok::<Vec<(String, f64)>>(reply),
        vec![("one".to_string(), 1.0), ("two".to_string(), 2.5)]
    );
    assert_eq!(
        ok::<Vec<(String, f64)>>(array(vec![bulk("inf-member"), bulk("inf")])),
        vec![("inf-member".to_string(), f64::INFINITY)]
    );
    assert_eq!(ok::<Vec<(String, f64)>>(array(vec![])), vec![]);
    // Three at a time for triples.
    assert_eq!(
        ok::<Vec<(String, i64, bool)>>(array(vec![
            bulk("a"),
            Value::Int(1),
            Value::Int(0),
            bulk("b"),
            Value::Int(2),
            Value::Int(1),
        ])),
        vec![("a".to_string(), 1, false), ("b".to_string(), 2, true)]
    );
}

#[test]
fn pairs_from_array_of_pairs_resp3_withscores() {
    // ZRANGE ... WITHSCORES in RESP3: an array of [member, double] arrays.
    let reply = array(vec![
        array(vec![bulk("one"), Value::Double(1.0)]),
        array(vec![bulk("two"), Value::Double(2.5)]),
    ]);
    assert_eq!(
        ok::<Vec<(String, f64)>>(reply),
        vec![("one".to_string(), 1.0), ("two".to_string(), 2.5)]
    );
    // HGETALL in RESP3 (a map) into a vector of pairs.
    let map = Value::Map(vec![(bulk("f1"), bulk("v1")), (bulk("f2"), bulk("v2"))]);
    assert_eq!(
        ok::<Vec<(String, String)>>(map),
        vec![
            ("f1".to_string(), "v1".to_string()),
            ("f2".to_string(), "v2".to_string())
        ]
    );
    // One pair of the wrong length.
    let bad = array(vec![
        array(vec![bulk("one"), Value::Double(1.0)]),
        array(vec![bulk("two")]),
    ]);
    assert_conversion::<Vec<(String, f64)>>(bad, "f64", "1 elements", "");
}

#[test]
fn pairs_from_odd_flat_array_are_conversion_errors() {
    let odd = array(vec![bulk("one"), bulk("1"), bulk("two")]);
    assert_conversion::<Vec<(String, f64)>>(odd, "Vec", "flat array of 3 elements", "");
}

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

#[test]
fn attributes_are_looked_through() {
    assert_eq!(ok::<i64>(attr(Value::Int(5))), 5);
    assert_eq!(ok::<i64>(attr(attr(Value::Int(6)))), 6);
    assert_eq!(ok::<String>(attr(bulk("s"))), "s");
    assert_eq!(ok::<f64>(attr(Value::Double(0.5))), 0.5);
    assert!(ok::<bool>(attr(Value::Boolean(true))));
    assert_eq!(
        ok::<Vec<i64>>(attr(array(vec![attr(Value::Int(1)), Value::Int(2)]))),
        vec![1, 2]
    );
    let map = attr(Value::Map(vec![(attr(bulk("k")), attr(Value::Int(1)))]));
    assert_eq!(ok::<HashMap<String, i64>>(map.clone())["k"], 1);
    assert_eq!(ok::<BTreeMap<String, i64>>(map)["k"], 1);
    assert_eq!(
        ok::<(String, i64)>(attr(array(vec![attr(bulk("a")), Value::Int(1)]))),
        ("a".to_string(), 1)
    );
    // An attributed element of a flat array still reads as a scalar.
    assert_eq!(
        ok::<Vec<(String, f64)>>(array(vec![attr(bulk("m")), attr(bulk("1.5"))])),
        vec![("m".to_string(), 1.5)]
    );
    // ... and an attributed pair as a pair.
    assert_eq!(
        ok::<Vec<(String, f64)>>(array(vec![attr(array(vec![
            bulk("m"),
            Value::Double(2.0)
        ]))])),
        vec![("m".to_string(), 2.0)]
    );
    // Conversion errors describe the value under the attributes.
    assert_conversion::<i64>(attr(bulk("x")), "i64", "bulk string of 1 bytes", "");
}

// ---------------------------------------------------------------------------------------------
// Server errors inside replies
// ---------------------------------------------------------------------------------------------

#[test]
fn top_level_error_reply_is_the_server_error() {
    assert_wrongtype::<i64>(wrongtype());
    assert_wrongtype::<String>(wrongtype());
    assert_wrongtype::<Vec<u8>>(wrongtype());
    assert_wrongtype::<f64>(wrongtype());
    assert_wrongtype::<u64>(wrongtype());
    assert_wrongtype::<bool>(wrongtype());
    assert_wrongtype::<Vec<i64>>(wrongtype());
    assert_wrongtype::<HashMap<String, String>>(wrongtype());
    assert_wrongtype::<(i64, i64)>(wrongtype());
    assert_wrongtype::<i64>(attr(wrongtype()));
    assert_server_error::<i64>(
        Value::Error("ERR value is not an integer or out of range".into()),
        ServerErrorKind::Err,
        "ERR value is not an integer or out of range",
    );
    assert!(matches!(
        conv::<i64>(Value::Error("NOSCRIPT No matching script.".into())),
        Err(Error::NoScript)
    ));
}

#[test]
fn error_nested_in_array_surfaces_as_server_error() {
    // E.g. EXEC or a script's table with a failed call inside.
    assert_wrongtype::<Vec<i64>>(array(vec![Value::Int(1), wrongtype(), Value::Int(3)]));
    assert_wrongtype::<Vec<Option<String>>>(array(vec![Value::Nil, wrongtype()]));
    assert!(matches!(
        conv::<Vec<i64>>(array(vec![Value::Error(
            "NOSCRIPT No matching script. Please use EVAL.".into()
        )])),
        Err(Error::NoScript)
    ));
    let lua = "ERR user_script:1: Script attempted to access nonexistent global variable 'x' \
               script: e0e1f9fabfc9d4800c877a703b823ac0578ff8db, on @user_script:1.";
    match conv::<Vec<i64>>(array(vec![Value::Int(1), Value::Error(lua.into())])) {
        Err(Error::Script { message, sha, line }) => {
            assert_eq!(message, lua);
            assert_eq!(
                sha.as_deref(),
                Some("e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
            );
            assert_eq!(line, Some(1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_nested_deeper_surfaces_as_server_error() {
    assert_wrongtype::<Vec<Vec<i64>>>(array(vec![
        array(vec![Value::Int(1)]),
        array(vec![Value::Int(2), wrongtype()]),
    ]));
    assert_wrongtype::<Vec<i64>>(Value::Set(vec![attr(wrongtype())]));
    assert_wrongtype::<HashMap<String, i64>>(Value::Map(vec![(bulk("k"), wrongtype())]));
    assert_wrongtype::<HashMap<String, i64>>(array(vec![bulk("k"), wrongtype()]));
    assert_wrongtype::<BTreeMap<String, i64>>(Value::Map(vec![(wrongtype(), Value::Int(1))]));
    assert_wrongtype::<(i64, String)>(array(vec![Value::Int(1), wrongtype()]));
    assert_wrongtype::<Option<(i64, i64)>>(array(vec![wrongtype(), Value::Int(1)]));
    // A flat array of pairs with an error in place of a score.
    assert_wrongtype::<Vec<(String, f64)>>(array(vec![bulk("m"), wrongtype()]));
    // An array of pairs with an error inside one pair.
    assert_wrongtype::<Vec<(String, f64)>>(array(vec![array(vec![bulk("m"), wrongtype()])]));
}

#[test]
fn error_where_a_map_expects_pairs_surfaces_as_server_error() {
    // A single error where a flat array of keys and values is expected (odd length): the error
    // is what the caller needs to see, not "array of 1 elements".
    assert_wrongtype::<HashMap<String, i64>>(array(vec![wrongtype()]));
    assert_wrongtype::<BTreeMap<String, i64>>(array(vec![bulk("a"), Value::Int(1), wrongtype()]));
}

#[test]
fn error_where_pairs_are_expected_surfaces_as_server_error() {
    // A flat array with an error that makes its length odd.
    assert_wrongtype::<Vec<(String, f64)>>(array(vec![wrongtype()]));
    assert_wrongtype::<Vec<(String, f64)>>(array(vec![bulk("m"), bulk("1"), wrongtype()]));
}

#[test]
fn error_in_a_tuple_of_the_wrong_length_surfaces_as_server_error() {
    assert_wrongtype::<(i64, i64)>(array(vec![wrongtype()]));
}

// ---------------------------------------------------------------------------------------------
// What conversion errors say
// ---------------------------------------------------------------------------------------------

#[test]
fn conversion_errors_name_the_type_and_describe_without_payload() {
    let secret = "p4ssw0rd-in-a-reply";
    let cases = [
        (bulk(secret), "bulk string of 19 bytes"),
        (status(secret), "status string"),
        (
            Value::Verbatim {
                format: *b"txt",
                text: secret.as_bytes().to_vec(),
            },
            "verbatim string of 19 bytes",
        ),
        (array(vec![bulk(secret)]), "array of 1 elements"),
        (Value::Set(vec![bulk(secret)]), "set of 1 elements"),
        (Value::Push(vec![bulk(secret)]), "push of 1 elements"),
        (
            Value::Map(vec![(bulk(secret), bulk(secret))]),
            "map of 1 entries",
        ),
        (attr(bulk(secret)), "bulk string of 19 bytes"),
    ];
    for (value, got) in cases {
        assert_conversion::<i64>(value, "i64", got, secret);
    }
    assert_conversion::<bool>(Value::Double(0.5), "bool", "double 0.5", "");
    assert_conversion::<Vec<u8>>(Value::Boolean(true), "Vec<u8>", "boolean true", "");
    assert_conversion::<Vec<u8>>(
        Value::BigNumber("1".repeat(40)),
        "Vec<u8>",
        "big number",
        "1111111111",
    );
    // The Display form reads as a sentence.
    let e = conv::<i8>(Value::Int(300)).unwrap_err();
    assert_eq!(e.to_string(), "cannot convert integer 300 into i8");
    assert!(!e.is_connection_broken());
    assert_eq!(e.server_kind(), None);
}
