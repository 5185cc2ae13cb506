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

// ---------------------------------------------------------------------------------------------
// Display: redis-cli's terminal format. Every expected string below was printed by
// `redis-cli --no-raw` 7.0.15 (with `-3` for RESP3) against redis-server 7.0.15, except where a
// comment says otherwise.
// ---------------------------------------------------------------------------------------------

fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}

fn map(pairs: Vec<(Value, Value)>) -> Value {
    Value::Map(pairs)
}

#[test]
fn display_scalars() {
    assert_eq!(bulk(b"Hello World").to_string(), r#""Hello World""#);
    assert_eq!(bulk(b"").to_string(), r#""""#);
    assert_eq!(Value::Int(12345).to_string(), "(integer) 12345");
    assert_eq!(Value::Int(-7).to_string(), "(integer) -7");
    assert_eq!(Value::Nil.to_string(), "(nil)");
    assert_eq!(Value::Okay.to_string(), "OK");
    assert_eq!(status("PONG").to_string(), "PONG");
    assert_eq!(
        err("MY_CODE my text").to_string(),
        "(error) MY_CODE my text"
    );
    assert_eq!(Value::Boolean(true).to_string(), "(true)");
    assert_eq!(Value::Boolean(false).to_string(), "(false)");
    let verbatim = Value::Verbatim {
        format: *b"txt",
        text: b"This is a verbatim\nstring".to_vec(),
    };
    assert_eq!(verbatim.to_string(), "This is a verbatim\nstring");
    // redis-cli 7.0 exits on a big number ("Unknown reply type: 13"); this is newer
    // redis-cli's form.
    assert_eq!(
        Value::BigNumber("-1234567890123456789012345678901234567890".into()).to_string(),
        "(big number) -1234567890123456789012345678901234567890"
    );
    // redis-cli 7.0 cannot read attributes at all; the annotated reply is what matters.
    let annotated = attr(Value::Int(7), vec![(status("ttl"), Value::Int(3600))]);
    assert_eq!(annotated.to_string(), "(integer) 7");
}

#[test]
fn display_escapes_bulk_strings_like_redis_cli() {
    let value = bulk(b"a\nb\"c\\d\x01\x7f\xff \xc3\xa9\t\r\x07\x08");
    assert_eq!(
        value.to_string(),
        r#""a\nb\"c\\d\x01\x7f\xff \xc3\xa9\t\r\a\b""#
    );
    // Not redis-cli: the remaining bytes, checked against sdscatrepr's rules.
    assert_eq!(bulk(b"\x00'~ \x1b\x80").to_string(), r#""\x00'~ \x1b\x80""#);
}

#[test]
// DEBUG PROTOCOL double sends 3.141, not an approximation of pi.
#[allow(clippy::approx_constant)]
fn display_doubles() {
    assert_eq!(Value::Double(3.141).to_string(), "(double) 3.141");
    assert_eq!(Value::Double(1.5).to_string(), "(double) 1.5");
    assert_eq!(Value::Double(3.0).to_string(), "(double) 3");
    assert_eq!(Value::Double(-0.0).to_string(), "(double) -0");
    assert_eq!(
        Value::Double(12345678901234567890.0).to_string(),
        "(double) 1.2345678901234567e+19"
    );
    // redis-cli shows the server's text; Redis 7.0 prints 17 digits (`1.0000000000000001e+300`,
    // `1.0000000000000001e-05`, `0.10000000000000001`), redline the shortest that reads back
    // the same, in the same `%g` layout.
    assert_eq!(Value::Double(1e300).to_string(), "(double) 1e+300");
    assert_eq!(Value::Double(1e-5).to_string(), "(double) 1e-05");
    assert_eq!(Value::Double(0.1).to_string(), "(double) 0.1");
    assert_eq!(Value::Double(0.0001).to_string(), "(double) 0.0001");
    assert_eq!(
        Value::Double(1e16).to_string(),
        "(double) 10000000000000000"
    );
    assert_eq!(Value::Double(-2.5e-300).to_string(), "(double) -2.5e-300");
    assert_eq!(Value::Double(f64::INFINITY).to_string(), "(double) inf");
    assert_eq!(
        Value::Double(f64::NEG_INFINITY).to_string(),
        "(double) -inf"
    );
    assert_eq!(Value::Double(f64::NAN).to_string(), "(double) nan");
}

#[test]
fn display_arrays() {
    // LRANGE
    let list = array(vec![bulk(b"a"), bulk(b"b"), bulk(b"c d")]);
    assert_eq!(list.to_string(), "1) \"a\"\n2) \"b\"\n3) \"c d\"");
    assert_eq!(array(vec![]).to_string(), "(empty array)");
    // EVAL "return {1,{2,{3,'x'},'y'},{}}" 0
    let nested = array(vec![
        Value::Int(1),
        array(vec![
            Value::Int(2),
            array(vec![Value::Int(3), bulk(b"x")]),
            bulk(b"y"),
        ]),
        array(vec![]),
    ]);
    assert_eq!(
        nested.to_string(),
        "1) (integer) 1\n\
         2) 1) (integer) 2\n   \
            2) 1) (integer) 3\n      \
               2) \"x\"\n   \
            3) \"y\"\n\
         3) (empty array)"
    );
    // EVAL "return {1,{2,{3,{}}}}" 0: an empty array as the last line.
    let deep = array(vec![
        Value::Int(1),
        array(vec![
            Value::Int(2),
            array(vec![Value::Int(3), array(vec![])]),
        ]),
    ]);
    assert_eq!(
        deep.to_string(),
        "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) (integer) 3\n      2) (empty array)"
    );
    // An error inside an array: EVAL "return {1, redis.error_reply('E x')}" 0
    let with_error = array(vec![Value::Int(1), err("E x")]);
    assert_eq!(with_error.to_string(), "1) (integer) 1\n2) (error) E x");
}

#[test]
fn display_right_aligns_numbers_and_indents_past_them() {
    // RPUSH of 1..=11, then LRANGE 0 -1
    let eleven = array((1..=11).map(|i| bulk(i.to_string().as_bytes())).collect());
    let want: Vec<String> = (1..=11).map(|i| format!("{i:>2}) \"{i}\"")).collect();
    assert_eq!(eleven.to_string(), want.join("\n"));
    assert!(eleven.to_string().starts_with(" 1) \"1\"\n 2) \"2\"\n"));
    // EVAL "return {1,{1,2,3,4,5,6,7,8,9,10,{'a','b'}},3}" 0
    let mut inner: Vec<Value> = (1..=10).map(Value::Int).collect();
    inner.push(array(vec![bulk(b"a"), bulk(b"b")]));
    let value = array(vec![Value::Int(1), array(inner), Value::Int(3)]);
    assert_eq!(
        value.to_string(),
        "1) (integer) 1\n\
         2)  1) (integer) 1\n    \
             2) (integer) 2\n    \
             3) (integer) 3\n    \
             4) (integer) 4\n    \
             5) (integer) 5\n    \
             6) (integer) 6\n    \
             7) (integer) 7\n    \
             8) (integer) 8\n    \
             9) (integer) 9\n   \
            10) (integer) 10\n   \
            11) 1) \"a\"\n       \
                2) \"b\"\n\
         3) (integer) 3"
    );
}

#[test]
fn display_maps_sets_and_pushes() {
    // HGETALL in RESP3
    let hash = map(vec![(bulk(b"f1"), bulk(b"v1")), (bulk(b"f2"), bulk(b"v2"))]);
    assert_eq!(hash.to_string(), "1# \"f1\" => \"v1\"\n2# \"f2\" => \"v2\"");
    assert_eq!(map(vec![]).to_string(), "(empty hash)");
    // DEBUG PROTOCOL map
    let debug_map = map(vec![
        (Value::Int(0), Value::Boolean(false)),
        (Value::Int(1), Value::Boolean(true)),
        (Value::Int(2), Value::Boolean(false)),
    ]);
    assert_eq!(
        debug_map.to_string(),
        "1# (integer) 0 => (false)\n2# (integer) 1 => (true)\n3# (integer) 2 => (false)"
    );
    // SMEMBERS in RESP3, and DEBUG PROTOCOL set
    let set = Value::Set(vec![bulk(b"a"), bulk(b"b"), bulk(b"c")]);
    assert_eq!(set.to_string(), "1~ \"a\"\n2~ \"b\"\n3~ \"c\"");
    assert_eq!(Value::Set(vec![]).to_string(), "(empty set)");
    // Not printed here (redis-cli 7.0 shows only the reply after a push): from its source,
    // pushes are numbered like arrays, and empty ones are `(empty push)`.
    let push = Value::Push(vec![bulk(b"invalidate"), array(vec![bulk(b"k")])]);
    assert_eq!(push.to_string(), "1) \"invalidate\"\n2) 1) \"k\"");
    assert_eq!(Value::Push(vec![]).to_string(), "(empty push)");
}

#[test]
fn display_map_values_over_several_lines_start_on_their_own_line() {
    // EVAL "redis.setresp(3); return {map={a={1,2}, b={map={x='y'}}}}" 0 (note the space
    // redis-cli leaves after `=>`)
    let value = map(vec![
        (bulk(b"a"), array(vec![Value::Int(1), Value::Int(2)])),
        (bulk(b"b"), map(vec![(bulk(b"x"), bulk(b"y"))])),
    ]);
    assert_eq!(
        value.to_string(),
        "1# \"a\" => \n   1) (integer) 1\n   2) (integer) 2\n2# \"b\" => 1# \"x\" => \"y\""
    );
    // {map={k={'x'}}}: one line, so it stays after the arrow.
    let one = map(vec![(bulk(b"k"), array(vec![bulk(b"x")]))]);
    assert_eq!(one.to_string(), "1# \"k\" => 1) \"x\"");
    // {map={k={{1,2}}}}: one element, but that element spans lines.
    let wrapped = map(vec![(
        bulk(b"k"),
        array(vec![array(vec![Value::Int(1), Value::Int(2)])]),
    )]);
    assert_eq!(
        wrapped.to_string(),
        "1# \"k\" => \n   1) 1) (integer) 1\n      2) (integer) 2"
    );
    // {1, {map={k={1,2}}}, {set={a=true}}}
    let mixed = array(vec![
        Value::Int(1),
        map(vec![(
            bulk(b"k"),
            array(vec![Value::Int(1), Value::Int(2)]),
        )]),
        Value::Set(vec![bulk(b"a")]),
    ]);
    assert_eq!(
        mixed.to_string(),
        "1) (integer) 1\n\
         2) 1# \"k\" => \n      1) (integer) 1\n      2) (integer) 2\n\
         3) 1~ \"a\""
    );
    // {map={k={map={}}}} and {map={k={double=0.1}}} (redis-cli: 0.10000000000000001)
    assert_eq!(
        map(vec![(bulk(b"k"), map(vec![]))]).to_string(),
        "1# \"k\" => (empty hash)"
    );
    assert_eq!(
        map(vec![(bulk(b"k"), Value::Double(0.1))]).to_string(),
        "1# \"k\" => (double) 0.1"
    );
}
