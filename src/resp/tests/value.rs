//! Unit tests of `Value` helpers and formatting; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

// ---------------------------------------------------------------------------------------------
// Value helpers and formatting
// ---------------------------------------------------------------------------------------------

#[test]
fn value_helpers() {
    assert!(Value::Nil.is_nil());
    assert!(!Value::Int(0).is_nil());
    assert!(!bulk(b"").is_nil());
    let nested = attr(
        attr(Value::Int(3), vec![]),
        vec![(status("a"), status("b"))],
    );
    assert_eq!(nested.into_data(), Value::Int(3));
    assert_eq!(Value::Okay.into_data(), Value::Okay);
    // An attribute inside an array is not stripped by into_data on the array.
    let array = Value::Array(vec![attr(Value::Int(1), vec![])]);
    assert_eq!(array.clone().into_data(), array);
}

#[test]
fn debug_escapes_binary_bulk_strings() {
    assert_eq!(format!("{:?}", bulk(b"hi")), r#"Bulk("hi")"#);
    assert_eq!(
        format!("{:?}", bulk(b"a\x00\xff\r\n\"")),
        r#"Bulk("a\x00\xff\r\n\"")"#
    );
    assert_eq!(
        format!(
            "{:?}",
            Value::Verbatim {
                format: *b"txt",
                text: b"\x01".to_vec()
            }
        ),
        r#"Verbatim("txt", "\x01")"#
    );
    assert_eq!(format!("{:?}", Value::Int(-3)), "Int(-3)");
    assert_eq!(format!("{:?}", Value::Okay), "Okay");
}

#[test]
fn protocol_errors_display_without_wire_bytes() {
    assert_eq!(
        ProtocolError::UnknownType(b'@').to_string(),
        "unknown RESP type byte 0x40"
    );
    assert_eq!(
        ProtocolError::TooDeep.to_string(),
        "nesting deeper than the limit"
    );
    let e = parse(b"$12secret-payload\r\n", &limits()).unwrap_err();
    assert_eq!(e, ProtocolError::InvalidLength);
    assert!(!e.to_string().contains("secret"));
}
