//! Unit tests of server and conversion errors; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

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
        Err(Error::Script {
            message,
            reason,
            sha,
            line,
        }) => {
            assert_eq!(message, lua);
            assert_eq!(
                reason,
                "Script attempted to access nonexistent global variable 'x'"
            );
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

#[test]
fn a_later_server_error_wins_over_an_earlier_conversion_error() {
    let reply = Value::Array(vec![
        Value::Bulk(b"x".to_vec()),
        Value::Error("WRONGTYPE Operation against a key".into()),
    ]);
    let err = Vec::<i64>::from_value(reply).unwrap_err();
    assert_eq!(
        err.server_kind(),
        Some(crate::ServerErrorKind::WrongType),
        "{err:?}"
    );
}

#[test]
fn maps_read_resp3_arrays_of_pairs() {
    let reply = Value::Array(vec![
        Value::Array(vec![Value::Bulk(b"a".to_vec()), Value::Double(1.5)]),
        Value::Array(vec![Value::Bulk(b"b".to_vec()), Value::Double(2.0)]),
    ]);
    let map: std::collections::HashMap<String, f64> = FromValue::from_value(reply).unwrap();
    assert_eq!(map["a"], 1.5);
    assert_eq!(map["b"], 2.0);
}
