//! Unit tests of the frame table and prefixes; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;

// ---------------------------------------------------------------------------------------------
// The table of valid frames
// ---------------------------------------------------------------------------------------------

fn frame(bytes: &[u8], value: Value) -> (Vec<u8>, Value) {
    (bytes.to_vec(), value)
}

/// Valid frames of every RESP2 and RESP3 type, with the value each must parse to.
pub(super) fn table() -> Vec<(Vec<u8>, Value)> {
    let big = "3492890328409238509324850943850943825024385";
    vec![
        // Nulls of every protocol.
        frame(b"$-1\r\n", Value::Nil),
        frame(b"*-1\r\n", Value::Nil),
        frame(b"_\r\n", Value::Nil),
        // Simple strings: only exactly `OK` is Okay.
        frame(b"+OK\r\n", Value::Okay),
        frame(b"+PONG\r\n", status("PONG")),
        frame(b"+QUEUED\r\n", status("QUEUED")),
        frame(b"+ok\r\n", status("ok")),
        frame(b"+OK \r\n", status("OK ")),
        frame(b"+OKAY\r\n", status("OKAY")),
        frame(b"+\r\n", status("")),
        frame(
            "+h\u{e9}llo w\u{f6}rld\r\n".as_bytes(),
            status("h\u{e9}llo w\u{f6}rld"),
        ),
        // Errors.
        frame(
            b"-ERR unknown command 'foo'\r\n",
            err("ERR unknown command 'foo'"),
        ),
        frame(
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
        ),
        frame(b"-\r\n", err("")),
        // Integers.
        frame(b":0\r\n", Value::Int(0)),
        frame(b":1000\r\n", Value::Int(1000)),
        frame(b":-1\r\n", Value::Int(-1)),
        frame(b":-0\r\n", Value::Int(0)),
        frame(b":+7\r\n", Value::Int(7)),
        frame(b":9223372036854775807\r\n", Value::Int(i64::MAX)),
        frame(b":-9223372036854775808\r\n", Value::Int(i64::MIN)),
        frame(b":0000000000000000042\r\n", Value::Int(42)),
        // Bulk strings, binary safe.
        frame(b"$0\r\n\r\n", bulk(b"")),
        frame(b"$5\r\nhello\r\n", bulk(b"hello")),
        frame(b"$3\r\na\x00b\r\n", bulk(b"a\x00b")),
        frame(b"$4\r\n\r\n\r\n\r\n", bulk(b"\r\n\r\n")),
        frame(b"$8\r\nfoo\r\nbar\r\n", bulk(b"foo\r\nbar")),
        frame(b"$1\r\n\n\r\n", bulk(b"\n")),
        frame(b"$1\r\n\r\r\n", bulk(b"\r")),
        frame(b"$3\r\n\xff\xfe\x80\r\n", bulk(b"\xff\xfe\x80")),
        frame(b"$2\r\n$-\r\n", bulk(b"$-")),
        // Arrays.
        frame(b"*0\r\n", Value::Array(vec![])),
        frame(
            b"*2\r\n:1\r\n$3\r\nfoo\r\n",
            Value::Array(vec![Value::Int(1), bulk(b"foo")]),
        ),
        frame(
            b"*3\r\n*1\r\n:1\r\n*0\r\n*2\r\n+a\r\n$-1\r\n",
            Value::Array(vec![
                Value::Array(vec![Value::Int(1)]),
                Value::Array(vec![]),
                Value::Array(vec![status("a"), Value::Nil]),
            ]),
        ),
        frame(
            b"*3\r\n*-1\r\n_\r\n$-1\r\n",
            Value::Array(vec![Value::Nil, Value::Nil, Value::Nil]),
        ),
        frame(
            b"*2\r\n-ERR inside\r\n+OK\r\n",
            Value::Array(vec![err("ERR inside"), Value::Okay]),
        ),
        frame(
            b"*1\r\n*1\r\n*1\r\n*1\r\n:5\r\n",
            Value::Array(vec![Value::Array(vec![Value::Array(vec![Value::Array(
                vec![Value::Int(5)],
            )])])]),
        ),
        // Maps.
        frame(b"%0\r\n", Value::Map(vec![])),
        frame(
            b"%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n:2\r\n",
            Value::Map(vec![
                (status("first"), Value::Int(1)),
                (bulk(b"second"), Value::Int(2)),
            ]),
        ),
        frame(
            b"%2\r\n*1\r\n:1\r\n%1\r\n#t\r\n_\r\n:3\r\n~0\r\n",
            Value::Map(vec![
                (
                    Value::Array(vec![Value::Int(1)]),
                    Value::Map(vec![(Value::Boolean(true), Value::Nil)]),
                ),
                (Value::Int(3), Value::Set(vec![])),
            ]),
        ),
        // Sets.
        frame(b"~0\r\n", Value::Set(vec![])),
        frame(
            b"~3\r\n+orange\r\n$5\r\napple\r\n#t\r\n",
            Value::Set(vec![status("orange"), bulk(b"apple"), Value::Boolean(true)]),
        ),
        // Doubles.
        frame(b",1.5\r\n", Value::Double(1.5)),
        frame(b",-1.5\r\n", Value::Double(-1.5)),
        frame(b",0\r\n", Value::Double(0.0)),
        frame(b",-0.0\r\n", Value::Double(-0.0)),
        frame(b",-0\r\n", Value::Double(-0.0)),
        frame(b",3\r\n", Value::Double(3.0)),
        frame(b",inf\r\n", Value::Double(f64::INFINITY)),
        frame(b",+inf\r\n", Value::Double(f64::INFINITY)),
        frame(b",-inf\r\n", Value::Double(f64::NEG_INFINITY)),
        frame(b",nan\r\n", Value::Double(f64::NAN)),
        frame(b",1e10\r\n", Value::Double(1e10)),
        frame(b",1.5E-3\r\n", Value::Double(1.5e-3)),
        frame(b",-2.5e+300\r\n", Value::Double(-2.5e300)),
        frame(b",.5\r\n", Value::Double(0.5)),
        frame(b",1.7976931348623157e308\r\n", Value::Double(f64::MAX)),
        frame(b",5e-324\r\n", Value::Double(5e-324)),
        frame(
            b",3.141592653589793\r\n",
            Value::Double(std::f64::consts::PI),
        ),
        // Booleans.
        frame(b"#t\r\n", Value::Boolean(true)),
        frame(b"#f\r\n", Value::Boolean(false)),
        // Big numbers.
        frame(
            format!("({big}\r\n").as_bytes(),
            Value::BigNumber(big.to_owned()),
        ),
        frame(
            format!("(-{big}\r\n").as_bytes(),
            Value::BigNumber(format!("-{big}")),
        ),
        frame(b"(0\r\n", Value::BigNumber("0".into())),
        // Verbatim strings.
        frame(
            b"=15\r\ntxt:Some string\r\n",
            Value::Verbatim {
                format: *b"txt",
                text: b"Some string".to_vec(),
            },
        ),
        frame(
            b"=4\r\nmkd:\r\n",
            Value::Verbatim {
                format: *b"mkd",
                text: Vec::new(),
            },
        ),
        frame(
            b"=10\r\ntxt:a\r\nb:\x00\r\n",
            Value::Verbatim {
                format: *b"txt",
                text: b"a\r\nb:\x00".to_vec(),
            },
        ),
        // Blob errors.
        frame(
            b"!21\r\nSYNTAX invalid syntax\r\n",
            err("SYNTAX invalid syntax"),
        ),
        frame(b"!0\r\n\r\n", err("")),
        frame(b"!6\r\nERR\r\nx\r\n", err("ERR\r\nx")),
        // Pushes.
        frame(b">0\r\n", Value::Push(vec![])),
        frame(
            b">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nfoo\r\n",
            Value::Push(vec![bulk(b"invalidate"), Value::Array(vec![bulk(b"foo")])]),
        ),
        frame(
            b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
            Value::Push(vec![bulk(b"message"), bulk(b"ch"), bulk(b"hi")]),
        ),
        // Attributes: top level, before the reply they annotate.
        frame(
            b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n\
              *2\r\n:2039123\r\n:9543892\r\n",
            attr(
                Value::Array(vec![Value::Int(2039123), Value::Int(9543892)]),
                vec![(
                    status("key-popularity"),
                    Value::Map(vec![
                        (bulk(b"a"), Value::Double(0.1923)),
                        (bulk(b"b"), Value::Double(0.0012)),
                    ]),
                )],
            ),
        ),
        frame(b"|0\r\n:5\r\n", attr(Value::Int(5), vec![])),
        frame(
            b"|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n:1\r\n",
            attr(
                attr(Value::Int(1), vec![(status("c"), status("d"))]),
                vec![(status("a"), status("b"))],
            ),
        ),
        frame(
            b"|1\r\n+ttl\r\n:10\r\n$-1\r\n",
            attr(Value::Nil, vec![(status("ttl"), Value::Int(10))]),
        ),
        // Attributes inside an aggregate: they annotate one element and are not one.
        frame(
            b"*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n",
            Value::Array(vec![
                attr(Value::Int(1), vec![(status("ttl"), Value::Int(3600))]),
                Value::Int(2),
            ]),
        ),
        frame(
            b"*2\r\n:1\r\n|1\r\n+a\r\n*1\r\n:2\r\n$1\r\nz\r\n",
            Value::Array(vec![
                Value::Int(1),
                attr(
                    bulk(b"z"),
                    vec![(status("a"), Value::Array(vec![Value::Int(2)]))],
                ),
            ]),
        ),
        frame(
            b"%1\r\n|1\r\n+a\r\n+b\r\n+k\r\n:1\r\n",
            Value::Map(vec![(
                attr(status("k"), vec![(status("a"), status("b"))]),
                Value::Int(1),
            )]),
        ),
        frame(
            b"*1\r\n|0\r\n*0\r\n",
            Value::Array(vec![attr(Value::Array(vec![]), vec![])]),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: one-shot parsing, prefixes, trailing bytes
// ---------------------------------------------------------------------------------------------

#[test]
fn table_frames_parse_to_their_values() {
    for (bytes, want) in table() {
        match parse(&bytes, &limits()) {
            Ok(Some((value, used))) => {
                assert_same(&value, &want, &show(&bytes));
                assert_eq!(used, bytes.len(), "{}", show(&bytes));
            }
            other => panic!("{}: {other:?}", show(&bytes)),
        }
    }
}

#[test]
fn table_covers_every_type_byte() {
    let table = table();
    for kind in b"+-:$*%~,#(=!>|_" {
        assert!(
            table.iter().any(|(bytes, _)| bytes[0] == *kind),
            "no frame of type {}",
            *kind as char
        );
    }
}

#[test]
fn every_strict_prefix_is_incomplete() {
    for (bytes, _) in table() {
        for end in 0..bytes.len() {
            assert_eq!(
                parse(&bytes[..end], &limits()),
                Ok(None),
                "prefix {} of {}",
                show(&bytes[..end]),
                show(&bytes)
            );
        }
    }
}

#[test]
fn trailing_bytes_are_not_consumed() {
    let trailers: [&[u8]; 6] = [
        b"+OK\r\n",
        b"\r\n",
        b"garbage",
        b"$",
        b"\x00\xff",
        b"*-1\r\n",
    ];
    for (bytes, want) in table() {
        for trailer in trailers {
            let mut input = bytes.clone();
            input.extend_from_slice(trailer);
            match parse(&input, &limits()) {
                Ok(Some((value, used))) => {
                    assert_same(&value, &want, &show(&input));
                    assert_eq!(used, bytes.len(), "{}", show(&input));
                }
                other => panic!("{}: {other:?}", show(&input)),
            }
        }
    }
}

#[test]
fn okay_is_exactly_plus_ok() {
    assert_eq!(parse(b"+OK\r\n", &limits()), Ok(Some((Value::Okay, 5))));
    for other in [&b"+ok\r\n"[..], b"+OK \r\n", b"+ OK\r\n", b"+OKAY\r\n"] {
        let (value, _) = parse(other, &limits()).unwrap().unwrap();
        assert!(matches!(value, Value::SimpleString(_)), "{value:?}");
    }
    // A bulk "OK" is a bulk, not a status.
    let (value, _) = parse(b"$2\r\nOK\r\n", &limits()).unwrap().unwrap();
    assert_eq!(value, bulk(b"OK"));
}

#[test]
fn nan_parses_as_nan() {
    for input in [&b",nan\r\n"[..], b",-nan\r\n"] {
        match parse(input, &limits()) {
            Ok(Some((Value::Double(d), _))) => assert!(d.is_nan(), "{d}"),
            other => panic!("{}: {other:?}", show(input)),
        }
    }
}

#[test]
fn negative_zero_keeps_its_sign() {
    match parse(b",-0.0\r\n", &limits()) {
        Ok(Some((Value::Double(d), 7))) => {
            assert_eq!(d, 0.0);
            assert!(d.is_sign_negative());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn several_replies_in_one_buffer_come_out_one_at_a_time() {
    let input = b"+OK\r\n:1\r\n$3\r\nfoo\r\n*1\r\n_\r\n";
    let mut decoder = Decoder::new(limits());
    let mut at = 0;
    let mut got = Vec::new();
    while at < input.len() {
        let (used, value) = decoder.decode(&input[at..]).unwrap();
        at += used;
        got.push(value.expect("a whole reply"));
    }
    assert_eq!(
        got,
        vec![
            Value::Okay,
            Value::Int(1),
            bulk(b"foo"),
            Value::Array(vec![Value::Nil])
        ]
    );
}
