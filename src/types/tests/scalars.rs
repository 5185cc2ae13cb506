//! Unit tests of numbers and booleans; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

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
