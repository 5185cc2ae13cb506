//! Unit tests of conversions through attributes; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

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
