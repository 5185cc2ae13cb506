//! Unit tests of the encoders; compiled only under #[cfg(test)] (see ../mod.rs).

use super::frames::table;
use super::*;

// ---------------------------------------------------------------------------------------------
// 7: encoders
// ---------------------------------------------------------------------------------------------

fn written(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = b"pre:".to_vec();
    f(&mut out);
    assert!(out.starts_with(b"pre:"), "the encoder must append");
    String::from_utf8(out[4..].to_vec()).unwrap()
}

#[test]
fn write_int_edges() {
    for (n, text) in [
        (0, "0"),
        (1, "1"),
        (-1, "-1"),
        (10, "10"),
        (-1234, "-1234"),
        (i64::MAX, "9223372036854775807"),
        (i64::MIN, "-9223372036854775808"),
        (i64::MIN + 1, "-9223372036854775807"),
    ] {
        assert_eq!(written(|o| write_int(o, n)), text);
    }
}

#[test]
fn write_u64_edges() {
    for (n, text) in [
        (0, "0"),
        (9, "9"),
        (10, "10"),
        (u64::MAX, "18446744073709551615"),
        (1 << 63, "9223372036854775808"),
    ] {
        assert_eq!(written(|o| write_u64(o, n)), text);
    }
}

#[test]
fn write_f64_edges() {
    for (f, text) in [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (1.5, "1.5"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
        (1e15, "1000000000000000"),
        (1e16, "1e16"),
        (1e-5, "0.00001"),
        (1e-6, "1e-6"),
        (f64::MAX, "1.7976931348623157e308"),
        (f64::MIN, "-1.7976931348623157e308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
    ] {
        let out = written(|o| write_f64(o, f));
        assert_eq!(out, text, "{f:?}");
        // What is written is what Redis (and our parser) reads back.
        let frame = format!(",{out}\r\n");
        let (value, _) = parse(frame.as_bytes(), &limits()).unwrap().unwrap();
        assert_same(&value, &Value::Double(f), &frame);
    }
}

#[test]
fn write_command_edges() {
    assert_eq!(written(|o| write_command(o, &[])), "*0\r\n");
    assert_eq!(
        written(|o| write_command(o, &[b"GET".as_slice(), b"k"])),
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    );
    assert_eq!(
        written(|o| write_command(o, &[b"SET".as_slice(), b"", b"\r\n"])),
        "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$2\r\n\r\n\r\n"
    );
    // Binary arguments go out untouched, and the command parses back as an array of bulks.
    let args: [&[u8]; 3] = [b"SET", b"\x00\xff\xfe", &[b'x'; 1000]];
    let mut out = Vec::new();
    write_command(&mut out, &args);
    let (value, used) = parse(&out, &limits()).unwrap().unwrap();
    assert_eq!(used, out.len());
    assert_eq!(value, Value::Array(args.iter().map(|a| bulk(a)).collect()));
}

#[test]
fn write_bulk_and_array_header() {
    assert_eq!(written(|o| write_bulk(o, b"")), "$0\r\n\r\n");
    assert_eq!(written(|o| write_bulk(o, b"ab")), "$2\r\nab\r\n");
    assert_eq!(written(|o| write_array_header(o, 0)), "*0\r\n");
    assert_eq!(written(|o| write_array_header(o, 12)), "*12\r\n");
}

#[test]
fn write_value_of_each_type() {
    let cases: Vec<(Value, &[u8])> = vec![
        (Value::Nil, b"_\r\n"),
        (Value::Okay, b"+OK\r\n"),
        (status("PONG"), b"+PONG\r\n"),
        (err("ERR x"), b"-ERR x\r\n"),
        (Value::Int(i64::MIN), b":-9223372036854775808\r\n"),
        (bulk(b"a\r\nb"), b"$4\r\na\r\nb\r\n"),
        (Value::Array(vec![]), b"*0\r\n"),
        (Value::Set(vec![Value::Int(1)]), b"~1\r\n:1\r\n"),
        (Value::Push(vec![Value::Int(1)]), b">1\r\n:1\r\n"),
        (
            Value::Map(vec![(status("k"), Value::Boolean(false))]),
            b"%1\r\n+k\r\n#f\r\n",
        ),
        (Value::Double(-0.0), b",-0\r\n"),
        (Value::Double(f64::NEG_INFINITY), b",-inf\r\n"),
        (Value::Boolean(true), b"#t\r\n"),
        (Value::BigNumber("-12".into()), b"(-12\r\n"),
        (
            Value::Verbatim {
                format: *b"txt",
                text: b"Some string".to_vec(),
            },
            b"=15\r\ntxt:Some string\r\n",
        ),
        (
            attr(Value::Int(1), vec![(status("a"), status("b"))]),
            b"|1\r\n+a\r\n+b\r\n:1\r\n",
        ),
    ];
    for (value, bytes) in cases {
        assert_eq!(show(&encode(&value)), show(bytes), "{value:?}");
    }
}

#[test]
fn write_value_round_trips_the_table() {
    // Where the table's frame is already in write_value's canonical form, encoding the parsed
    // value gives the same bytes back; in every case, encoding then parsing is the identity.
    for (bytes, value) in table() {
        let encoded = encode(&value);
        let (back, used) = parse(&encoded, &limits()).unwrap().unwrap();
        assert_eq!(
            used,
            encoded.len(),
            "{value:?} (from {}) encoded as {}",
            show(&bytes),
            show(&encoded)
        );
        assert_same(&back, &value, &show(&bytes));
    }
}

#[test]
fn write_value_round_trips_errors_with_line_breaks() {
    // A blob error (`!`) may carry CR and LF; write_value promises that parse reads back what it
    // writes, so such an error cannot go out as a `-` line.
    let (value, _) = parse(b"!6\r\nERR\r\nx\r\n", &limits()).unwrap().unwrap();
    assert_eq!(value, err("ERR\r\nx"));
    let encoded = encode(&value);
    assert_eq!(
        parse(&encoded, &limits()),
        Ok(Some((value, encoded.len()))),
        "encoded as {}",
        show(&encoded)
    );
    for text in ["a\nb", "a\rb", "\r\n"] {
        let encoded = encode(&err(text));
        assert_eq!(
            parse(&encoded, &limits()),
            Ok(Some((err(text), encoded.len()))),
            "encoded as {}",
            show(&encoded)
        );
    }
}
