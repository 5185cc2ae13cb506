//! Unit tests of text, bytes, Option, (), Value; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

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
