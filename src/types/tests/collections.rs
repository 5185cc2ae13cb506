//! Unit tests of collections, tuples and pairs; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

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

#[test]
fn vec_of_values_keeps_its_buffer() {
    // A million pipelined replies must not be held twice at the end of `execute`.
    let items: Vec<Value> = (0..1000).map(Value::Int).collect();
    let ptr = items.as_ptr();
    let back: Vec<Value> = FromValue::from_value(Value::Array(items)).unwrap();
    assert_eq!(back.as_ptr(), ptr);
    assert_eq!(back.len(), 1000);
    assert_eq!(back[999], Value::Int(999));
}

#[test]
fn converted_vectors_do_not_keep_the_values_room() {
    // The conversion may reuse the `Value`s' buffer; small elements must not keep all of it.
    let ints: Vec<i64> =
        FromValue::from_value(Value::Array((0..1000).map(Value::Int).collect())).unwrap();
    assert_eq!(ints, (0..1000).collect::<Vec<i64>>());
    assert!(
        ints.capacity() <= 2 * ints.len(),
        "capacity {}",
        ints.capacity()
    );
    let texts: Vec<String> = FromValue::from_value(Value::Array(
        (0..1000)
            .map(|i| Value::Bulk(i.to_string().into_bytes()))
            .collect(),
    ))
    .unwrap();
    assert_eq!(texts[999], "999");
    assert!(
        texts.capacity() <= 2 * texts.len(),
        "capacity {}",
        texts.capacity()
    );
}
