//! Unit tests of the protocol layer: a table of valid frames of every RESP2/RESP3 type, every
//! prefix of them, streaming at every split point, `pending_bulk`, hostile input (each with its
//! exact `ProtocolError`), limits, property tests against `write_value`, and the encoders.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn bulk(b: &[u8]) -> Value {
    Value::Bulk(b.to_vec())
}

fn status(s: &str) -> Value {
    Value::SimpleString(s.to_owned())
}

fn err(s: &str) -> Value {
    Value::Error(s.to_owned())
}

fn attr(data: Value, attributes: Vec<(Value, Value)>) -> Value {
    Value::Attribute {
        data: Box::new(data),
        attributes: attributes.into_boxed_slice(),
    }
}

fn show(bytes: &[u8]) -> String {
    format!("{:?}", Escaped(bytes))
}

/// Equality where doubles compare bit for bit (so `-0.0` differs from `0.0`) and any NaN equals
/// any NaN.
fn same(a: &Value, b: &Value) -> bool {
    fn all(a: &[Value], b: &[Value]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
    }
    fn pairs(a: &[(Value, Value)], b: &[(Value, Value)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
    }
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::Array(x), Value::Array(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Push(x), Value::Push(y)) => all(x, y),
        (Value::Map(x), Value::Map(y)) => pairs(x, y),
        (
            Value::Attribute {
                data: d1,
                attributes: a1,
            },
            Value::Attribute {
                data: d2,
                attributes: a2,
            },
        ) => same(d1, d2) && pairs(a1, a2),
        _ => a == b,
    }
}

#[track_caller]
fn assert_same(got: &Value, want: &Value, context: &str) {
    assert!(same(got, want), "{context}\n got: {got:?}\nwant: {want:?}");
}

/// Feeds `chunks` to one decoder the way a connection does: append the new bytes to a buffer,
/// decode, drop what was consumed, keep the rest for the next call. Returns every value decoded
/// and checks the decoder's bookkeeping on the way.
fn decode_chunks<'a>(
    limits: Limits,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<Value>, ProtocolError> {
    let mut decoder = Decoder::new(limits);
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let (used, value) = decoder.decode(&buf)?;
            assert!(used <= buf.len(), "consumed {used} of {} bytes", buf.len());
            buf.drain(..used);
            match value {
                Some(value) => {
                    assert!(decoder.is_idle(), "decoder busy after a whole reply");
                    out.push(value);
                }
                None => {
                    // Asking again without new bytes makes no progress and changes nothing.
                    let again = decoder.decode(&buf)?;
                    assert_eq!(again, (0, None), "progress without new bytes");
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// A small deterministic PRNG (xorshift64*), so the random-chunk tests need no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

fn split_random<'a>(bytes: &'a [u8], rng: &mut Rng, max_chunk: usize) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let n = rng.range(1, max_chunk).min(bytes.len() - at);
        chunks.push(&bytes[at..at + n]);
        at += n;
    }
    chunks
}

fn limits() -> Limits {
    Limits::default()
}

// ---------------------------------------------------------------------------------------------
// The table of valid frames
// ---------------------------------------------------------------------------------------------

fn frame(bytes: &[u8], value: Value) -> (Vec<u8>, Value) {
    (bytes.to_vec(), value)
}

/// Valid frames of every RESP2 and RESP3 type, with the value each must parse to.
fn table() -> Vec<(Vec<u8>, Value)> {
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

// ---------------------------------------------------------------------------------------------
// 3: streaming
// ---------------------------------------------------------------------------------------------

#[test]
fn decoder_split_at_every_byte_boundary() {
    for (bytes, want) in table() {
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            let values = decode_chunks(limits(), [a, b])
                .unwrap_or_else(|e| panic!("{} split at {split}: {e:?}", show(&bytes)));
            assert_eq!(values.len(), 1, "{} split at {split}", show(&bytes));
            assert_same(
                &values[0],
                &want,
                &format!("{} split at {split}", show(&bytes)),
            );
        }
    }
}

#[test]
fn decoder_byte_by_byte() {
    for (bytes, want) in table() {
        let values = decode_chunks(limits(), bytes.chunks(1))
            .unwrap_or_else(|e| panic!("{}: {e:?}", show(&bytes)));
        assert_eq!(values.len(), 1, "{}", show(&bytes));
        assert_same(&values[0], &want, &show(&bytes));
    }
}

#[test]
fn decoder_byte_by_byte_without_buffering_partial_lines() {
    // A caller that offers one new byte at a time but keeps unconsumed bytes: check the
    // consumed counts add up to the frame exactly.
    for (bytes, want) in table() {
        let mut decoder = Decoder::new(limits());
        let mut start = 0;
        let mut done = None;
        for end in 1..=bytes.len() {
            let (used, value) = decoder.decode(&bytes[start..end]).unwrap();
            start += used;
            if let Some(value) = value {
                assert_eq!(end, bytes.len(), "{}: finished early", show(&bytes));
                done = Some(value);
            }
        }
        assert_eq!(start, bytes.len(), "{}", show(&bytes));
        assert_same(&done.expect("a value"), &want, &show(&bytes));
        assert!(decoder.is_idle());
    }
}

#[test]
fn long_stream_in_random_chunks() {
    let table = table();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    for _ in 0..3000 {
        let (bytes, value) = &table[rng.range(0, table.len() - 1)];
        stream.extend_from_slice(bytes);
        expected.push(value.clone());
    }
    for max_chunk in [1, 2, 3, 7, 16, 64, 512, 4096, stream.len()] {
        let chunks = split_random(&stream, &mut rng, max_chunk);
        let values = decode_chunks(limits(), chunks).unwrap();
        assert_eq!(values.len(), expected.len(), "max chunk {max_chunk}");
        for (i, (got, want)) in values.iter().zip(&expected).enumerate() {
            assert_same(got, want, &format!("value #{i}, max chunk {max_chunk}"));
        }
    }
}

#[test]
fn reset_forgets_a_half_decoded_reply() {
    let mut decoder = Decoder::new(limits());
    assert!(decoder.is_idle());
    assert_eq!(decoder.decode(b"*2\r\n:1\r\n").unwrap(), (8, None));
    assert!(!decoder.is_idle());
    decoder.reset();
    assert!(decoder.is_idle());
    assert_eq!(decoder.decode(b":7\r\n").unwrap(), (4, Some(Value::Int(7))));

    // Mid-line and mid-bulk too.
    assert_eq!(decoder.decode(b":12").unwrap(), (0, None));
    assert!(!decoder.is_idle());
    decoder.reset();
    assert!(decoder.is_idle());
    assert_eq!(decoder.decode(b"$5\r\nab").unwrap(), (6, None));
    assert!(!decoder.is_idle());
    decoder.reset();
    assert!(decoder.is_idle());
    assert!(decoder.pending_bulk().is_none());
    assert_eq!(
        decoder.decode(b"#t\r\n").unwrap(),
        (4, Some(Value::Boolean(true)))
    );
}

#[test]
fn decoder_reports_its_limits() {
    let custom = Limits {
        max_bulk_len: 1,
        max_aggregate_len: 2,
        max_depth: 3,
    };
    assert_eq!(*Decoder::new(custom).limits(), custom);
    let default = Limits::default();
    assert_eq!(default.max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(default.max_aggregate_len, u32::MAX as usize);
    assert_eq!(default.max_depth, 128);
}

// ---------------------------------------------------------------------------------------------
// 4: pending_bulk
// ---------------------------------------------------------------------------------------------

#[test]
fn pending_bulk_lets_the_caller_fill_the_payload() {
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut input = b"$100000\r\n".to_vec();
    input.extend_from_slice(&payload[..1234]);

    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(&input).unwrap(), (input.len(), None));
    {
        let (buf, missing) = decoder.pending_bulk().expect("a pending bulk");
        assert_eq!(buf.as_slice(), &payload[..1234]);
        assert_eq!(missing, 100_000 - 1234);
        buf.extend_from_slice(&payload[1234..]);
    }
    // The payload is whole; only the CRLF is missing, so there is nothing left to fill.
    assert!(decoder.pending_bulk().is_none());
    assert!(!decoder.is_idle());
    assert_eq!(
        decoder.decode(b"\r\n").unwrap(),
        (2, Some(Value::Bulk(payload)))
    );
    assert!(decoder.is_idle());
}

#[test]
fn pending_bulk_in_pieces_and_inside_an_array() {
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"*2\r\n$10\r\n").unwrap(), (9, None));
    {
        let (buf, missing) = decoder.pending_bulk().unwrap();
        assert!(buf.is_empty());
        assert_eq!(missing, 10);
        buf.extend_from_slice(b"0123");
    }
    {
        let (buf, missing) = decoder.pending_bulk().unwrap();
        assert_eq!(buf.as_slice(), b"0123");
        assert_eq!(missing, 6);
    }
    // The rest partly through decode, partly through pending_bulk.
    assert_eq!(decoder.decode(b"45").unwrap(), (2, None));
    {
        let (buf, missing) = decoder.pending_bulk().unwrap();
        assert_eq!(missing, 4);
        buf.extend_from_slice(b"6789");
    }
    // The CRLF split, then the second element.
    assert_eq!(decoder.decode(b"\r").unwrap(), (0, None));
    assert_eq!(
        decoder.decode(b"\r\n:5\r\n").unwrap(),
        (
            6,
            Some(Value::Array(vec![bulk(b"0123456789"), Value::Int(5)]))
        )
    );
}

#[test]
fn pending_bulk_is_none_without_a_bulk() {
    let mut decoder = Decoder::new(limits());
    assert!(decoder.pending_bulk().is_none());
    assert_eq!(decoder.decode(b"*2\r\n:1").unwrap(), (4, None));
    assert!(decoder.pending_bulk().is_none());
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"$0\r\n").unwrap(), (4, None));
    assert!(decoder.pending_bulk().is_none(), "nothing is missing");
    assert_eq!(decoder.decode(b"\r\n").unwrap(), (2, Some(bulk(b""))));
}

#[test]
fn pending_bulk_for_blob_error_and_verbatim() {
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"!7\r\nERR").unwrap(), (7, None));
    decoder.pending_bulk().unwrap().0.extend_from_slice(b" boo");
    assert_eq!(decoder.decode(b"\r\n").unwrap(), (2, Some(err("ERR boo"))));
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"=6\r\n").unwrap(), (4, None));
    decoder
        .pending_bulk()
        .unwrap()
        .0
        .extend_from_slice(b"txt:hi");
    assert_eq!(
        decoder.decode(b"\r\n").unwrap(),
        (
            2,
            Some(Value::Verbatim {
                format: *b"txt",
                text: b"hi".to_vec()
            })
        )
    );
}

#[test]
fn claimed_bulk_length_is_not_reserved_up_front() {
    // 512 MiB claimed, a few bytes sent: the buffer must grow with what arrives.
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"$536870912\r\nabc").unwrap(), (15, None));
    let (buf, missing) = decoder.pending_bulk().unwrap();
    assert_eq!(missing, 536_870_912 - 3);
    assert!(
        buf.capacity() < 1 << 20,
        "reserved {} bytes",
        buf.capacity()
    );
}

// ---------------------------------------------------------------------------------------------
// 5: hostile input
// ---------------------------------------------------------------------------------------------

/// `input` must fail with exactly `expected`, in one piece and fed byte by byte.
#[track_caller]
fn assert_rejects(input: &[u8], limits: Limits, expected: ProtocolError) {
    assert_eq!(
        parse(input, &limits),
        Err(expected),
        "parse {}",
        show(input)
    );
    let mut decoder = Decoder::new(limits);
    let mut buf = Vec::new();
    let mut got = None;
    for &byte in input {
        buf.push(byte);
        match decoder.decode(&buf) {
            Ok((used, value)) => {
                assert!(value.is_none(), "{}: got {value:?}", show(input));
                buf.drain(..used);
            }
            Err(e) => {
                got = Some(e);
                break;
            }
        }
    }
    assert_eq!(got, Some(expected), "byte by byte {}", show(input));
}

#[test]
fn invalid_lengths() {
    let cases: &[&[u8]] = &[
        b"$-5\r\n",
        b"$-2\r\n",
        b"$abc\r\n",
        b"$\r\n",
        b"$-\r\n",
        b"$1.5\r\n",
        b"$ 1\r\n",
        b"$1 \r\n",
        b"$99999999999999999999\r\n",
        b"$9223372036854775808\r\n",
        b"*-2\r\n",
        b"*abc\r\n",
        b"*\r\n",
        b"*99999999999999999999\r\n",
        b"%-1\r\n",
        b"%-2\r\n",
        b"~-1\r\n",
        b">-1\r\n",
        b"|-1\r\n",
        b"!-1\r\n",
        b"=-1\r\n",
        b"!x\r\n",
        b"=\r\n",
        b"*1\r\n$-5\r\n",
    ];
    for input in cases {
        assert_rejects(input, limits(), ProtocolError::InvalidLength);
    }
}

#[test]
fn missing_crlf() {
    let cases: &[&[u8]] = &[
        // A bulk payload not followed by CRLF.
        b"$3\r\nfooXY",
        b"$3\r\nfoo\n\r",
        b"$3\r\nfoo\rX",
        b"$0\r\nXX",
        b"!3\r\nERRxx",
        b"=5\r\ntxt:axx",
        b"*2\r\n$1\r\naXY:1\r\n",
        // Lines ending in a bare \n.
        b"+OK\n",
        b"-ERR\n",
        b":1\n",
        b"$3\n",
        b"*1\n",
        b"#t\n",
        b"_\n",
        b"+\n",
        b"*1\r\n:1\n",
    ];
    for input in cases {
        assert_rejects(input, limits(), ProtocolError::MissingCrlf);
    }
}

#[test]
fn unknown_type_bytes() {
    for byte in [b'@', 0x00, b'a', b'\r', b'\n', b' ', b'0', b'/', 0x7f, 0xff] {
        let input = [byte, b'x', b'\r', b'\n'];
        assert_rejects(&input, limits(), ProtocolError::UnknownType(byte));
    }
    assert_rejects(
        b"*2\r\n:1\r\n@x\r\n",
        limits(),
        ProtocolError::UnknownType(b'@'),
    );
    assert_rejects(b"%1\r\n\x00", limits(), ProtocolError::UnknownType(0));
    // Detected from the type byte alone, before any line end.
    assert_eq!(
        parse(b"@", &limits()),
        Err(ProtocolError::UnknownType(b'@'))
    );
}

#[test]
fn invalid_scalars() {
    use ProtocolError::*;
    let cases: &[(&[u8], ProtocolError)] = &[
        (b":abc\r\n", InvalidInteger),
        (b":\r\n", InvalidInteger),
        (b":-\r\n", InvalidInteger),
        (b":1.5\r\n", InvalidInteger),
        (b": 1\r\n", InvalidInteger),
        (b":9223372036854775808\r\n", InvalidInteger),
        (b":-9223372036854775809\r\n", InvalidInteger),
        (b":99999999999999999999\r\n", InvalidInteger),
        (b":12a\r\n", InvalidInteger),
        (b",abc\r\n", InvalidDouble),
        (b",\r\n", InvalidDouble),
        (b",1.2.3\r\n", InvalidDouble),
        (b",1e\r\n", InvalidDouble),
        (b",--1\r\n", InvalidDouble),
        (b",infinity\r\n", InvalidDouble),
        (b",NaN\r\n", InvalidDouble),
        (b",1,5\r\n", InvalidDouble),
        (b",\xff\r\n", InvalidDouble),
        (b"#x\r\n", InvalidBoolean),
        (b"#\r\n", InvalidBoolean),
        (b"#tt\r\n", InvalidBoolean),
        (b"#T\r\n", InvalidBoolean),
        (b"#1\r\n", InvalidBoolean),
        (b"(12a\r\n", InvalidBigNumber),
        (b"(\r\n", InvalidBigNumber),
        (b"(-\r\n", InvalidBigNumber),
        (b"(+1\r\n", InvalidBigNumber),
        (b"(1.5\r\n", InvalidBigNumber),
        (b"(--1\r\n", InvalidBigNumber),
        (b"_x\r\n", InvalidNull),
        (b"_ \r\n", InvalidNull),
        (b"_0\r\n", InvalidNull),
        (b"=3\r\nabc\r\n", InvalidVerbatim),
        (b"=0\r\n\r\n", InvalidVerbatim),
        (b"=4\r\ntxtx\r\n", InvalidVerbatim),
        (b"=8\r\ntxt-text\r\n", InvalidVerbatim),
        (b"*1\r\n#x\r\n", InvalidBoolean),
        (b"%1\r\n+k\r\n,abc\r\n", InvalidDouble),
    ];
    for (input, expected) in cases {
        assert_rejects(input, limits(), *expected);
    }
}

#[test]
fn bulk_longer_than_the_limit() {
    let small = Limits {
        max_bulk_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"$10\r\n0123456789\r\n", &small),
        Ok(Some((bulk(b"0123456789"), 17)))
    );
    assert_rejects(b"$11\r\n", small, ProtocolError::BulkTooLarge);
    assert_rejects(b"!11\r\n", small, ProtocolError::BulkTooLarge);
    assert_rejects(b"=11\r\n", small, ProtocolError::BulkTooLarge);
    assert_rejects(b"*1\r\n$1000\r\n", small, ProtocolError::BulkTooLarge);
    // Rejected from the header alone, even with the payload present.
    let mut input = b"$11\r\n01234567890\r\n".to_vec();
    assert_rejects(&input, small, ProtocolError::BulkTooLarge);
    input.truncate(5);
    assert_eq!(parse(&input, &small), Err(ProtocolError::BulkTooLarge));
    // Just above the default limit.
    assert_rejects(b"$536870913\r\n", limits(), ProtocolError::BulkTooLarge);
}

#[test]
fn status_lines_longer_than_the_bulk_limit() {
    let small = Limits {
        max_bulk_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"+0123456789\r\n", &small),
        Ok(Some((status("0123456789"), 13)))
    );
    assert_rejects(b"+01234567890\r\n", small, ProtocolError::LineTooLong);
    assert_rejects(b"-01234567890\r\n", small, ProtocolError::LineTooLong);
    assert_rejects(b"(01234567890\r\n", small, ProtocolError::LineTooLong);
    // Without any line end at all.
    assert_rejects(&[b'+'; 40], small, ProtocolError::LineTooLong);
}

#[test]
fn aggregate_longer_than_the_limit() {
    let small = Limits {
        max_aggregate_len: 3,
        ..Limits::default()
    };
    assert_eq!(
        parse(b"*3\r\n:1\r\n:2\r\n:3\r\n", &small),
        Ok(Some((
            Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            16
        )))
    );
    for input in [
        &b"*4\r\n"[..],
        b"%4\r\n",
        b"~4\r\n",
        b">4\r\n",
        b"|4\r\n",
        b"*1\r\n*4\r\n",
        b"*4294967296\r\n",
    ] {
        assert_rejects(input, small, ProtocolError::AggregateTooLarge);
    }
    // Above the default limit of 2^32 - 1.
    assert_rejects(
        b"*4294967296\r\n",
        limits(),
        ProtocolError::AggregateTooLarge,
    );
    assert_rejects(
        b"%4294967296\r\n",
        limits(),
        ProtocolError::AggregateTooLarge,
    );
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut input = b"*1\r\n".repeat(depth);
    input.extend_from_slice(b":1\r\n");
    input
}

#[test]
fn nesting_deeper_than_the_limit() {
    assert_rejects(&nested_arrays(200), limits(), ProtocolError::TooDeep);
    assert_rejects(&nested_arrays(129), limits(), ProtocolError::TooDeep);
    // The default depth itself is allowed.
    let input = nested_arrays(128);
    let (mut value, used) = parse(&input, &limits()).unwrap().unwrap();
    assert_eq!(used, input.len());
    let mut depth = 0;
    while let Value::Array(mut items) = value {
        assert_eq!(items.len(), 1);
        value = items.pop().unwrap();
        depth += 1;
    }
    assert_eq!((depth, value), (128, Value::Int(1)));

    let shallow = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    assert!(parse(&nested_arrays(2), &shallow).unwrap().is_some());
    assert_rejects(&nested_arrays(3), shallow, ProtocolError::TooDeep);
    // Every aggregate type counts, and so do attributes.
    assert_rejects(b"%1\r\n~1\r\n>1\r\n", shallow, ProtocolError::TooDeep);
    assert_rejects(b"|1\r\n*1\r\n*1\r\n", shallow, ProtocolError::TooDeep);
    // Huge depth of pushes is refused without recursion.
    assert_rejects(&b">1\r\n".repeat(100_000), limits(), ProtocolError::TooDeep);
}

#[test]
fn header_line_too_long() {
    // No CRLF within 64 bytes of a header: hostile.
    let mut long = b"$".to_vec();
    long.extend_from_slice(&[b'1'; 70]);
    assert_rejects(&long, limits(), ProtocolError::LineTooLong);
    let mut long = b":".to_vec();
    long.extend_from_slice(&[b'9'; 70]);
    assert_rejects(&long, limits(), ProtocolError::LineTooLong);
    assert_rejects(&[b'*'; 65], limits(), ProtocolError::LineTooLong);
    assert_rejects(&[b'#'; 100], limits(), ProtocolError::LineTooLong);
    assert_rejects(&[b'_'; 100], limits(), ProtocolError::LineTooLong);
    // A short one is merely incomplete.
    assert_eq!(parse(b"$123", &limits()), Ok(None));
    assert_eq!(parse(&[b'*'; 64], &limits()), Ok(None));
    // Inside an aggregate too.
    let mut nested = b"*2\r\n:1\r\n:".to_vec();
    nested.extend_from_slice(&[b'1'; 100]);
    assert_rejects(&nested, limits(), ProtocolError::LineTooLong);
    // Doubles get a longer line, but not an endless one.
    let mut double = b",1".to_vec();
    double.extend_from_slice(&[b'0'; 300]);
    assert_eq!(parse(&double, &limits()), Ok(None));
    double.extend_from_slice(b"\r\n");
    assert_eq!(
        parse(&double, &limits()),
        Ok(Some((Value::Double(1e300), double.len())))
    );
    let mut endless = b",1".to_vec();
    endless.extend_from_slice(&[b'0'; 1000]);
    assert_rejects(&endless, limits(), ProtocolError::LineTooLong);
}

#[test]
fn huge_claimed_aggregates_wait_without_allocating() {
    for header in [
        &b"*4294967295\r\n"[..],
        b"~4294967295\r\n",
        b">4294967295\r\n",
        b"%4294967295\r\n",
        b"|4294967295\r\n",
    ] {
        let mut input = header.to_vec();
        input.extend_from_slice(b":1\r\n:2\r\n:3\r\n");
        assert_eq!(parse(&input, &limits()), Ok(None), "{}", show(&input));
        let values = decode_chunks(limits(), input.chunks(3)).unwrap();
        assert!(values.is_empty());
    }
}

#[test]
fn huge_claims_with_unbounded_limits_do_not_panic() {
    // A caller may lift the limits; claimed lengths must still not overflow arithmetic.
    let open = Limits {
        max_bulk_len: usize::MAX,
        max_aggregate_len: usize::MAX,
        max_depth: 128,
    };
    for input in [
        &b"%9223372036854775807\r\n:1\r\n"[..],
        b"|9223372036854775807\r\n:1\r\n",
        b"*9223372036854775807\r\n:1\r\n",
        b"$9223372036854775807\r\nabc",
        b"!9223372036854775807\r\nabc",
    ] {
        let outcome = std::panic::catch_unwind(|| parse(input, &open));
        assert_eq!(
            outcome.ok(),
            Some(Ok(None)),
            "{} must wait for more bytes",
            show(input)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6: properties
// ---------------------------------------------------------------------------------------------

fn arb_line() -> impl Strategy<Value = String> {
    "[^\r\n]{0,24}"
}

fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        Just(Value::Okay),
        arb_line()
            .prop_filter("OK parses as Okay", |s| s != "OK")
            .prop_map(Value::SimpleString),
        arb_line().prop_map(Value::Error),
        any::<i64>().prop_map(Value::Int),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), Just(-1)].prop_map(Value::Int),
        vec(any::<u8>(), 0..48).prop_map(Value::Bulk),
        vec(prop::sample::select(b"\r\n\0$*:ab".to_vec()), 0..16).prop_map(Value::Bulk),
        any::<f64>().prop_map(Value::Double),
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
            Just(f64::MAX),
            Just(f64::MIN),
            Just(f64::MIN_POSITIVE),
            Just(5e-324),
            Just(1e16),
            Just(1e-5),
            Just(9_999_999_999_999_998.0),
        ]
        .prop_map(Value::Double),
        any::<bool>().prop_map(Value::Boolean),
        "-?[0-9]{1,60}".prop_map(Value::BigNumber),
        ("[a-zA-Z]{3}", vec(any::<u8>(), 0..32)).prop_map(|(format, text)| {
            let f = format.as_bytes();
            Value::Verbatim {
                format: [f[0], f[1], f[2]],
                text,
            }
        }),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    arb_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec(inner.clone(), 0..6).prop_map(Value::Set),
            vec(inner.clone(), 0..6).prop_map(Value::Push),
            vec((inner.clone(), inner.clone()), 0..4).prop_map(Value::Map),
            (inner.clone(), vec((inner.clone(), inner), 0..3))
                .prop_map(|(data, attributes)| { attr(data, attributes) }),
        ]
    })
}

fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value);
    out
}

/// The outcome of decoding `bytes` in the given pieces: the first value and the bytes it used,
/// an error, or nothing yet. Comparable with `parse` on the whole input.
fn first_outcome(bytes: &[u8], split: &[usize]) -> Result<Option<(Value, usize)>, ProtocolError> {
    let mut decoder = Decoder::new(limits());
    let mut consumed = 0;
    let mut ends: Vec<usize> = split.iter().map(|&s| s.min(bytes.len())).collect();
    ends.push(bytes.len());
    ends.sort_unstable();
    for end in ends {
        if end < consumed {
            continue;
        }
        loop {
            let (used, value) = decoder.decode(&bytes[consumed..end])?;
            consumed += used;
            if let Some(value) = value {
                return Ok(Some((value, consumed)));
            }
            if used == 0 {
                break;
            }
        }
    }
    Ok(None)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Never write regression files into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn prop_write_then_parse_round_trips(value in arb_value()) {
        let bytes = encode(&value);
        match parse(&bytes, &limits()) {
            Ok(Some((parsed, used))) => {
                prop_assert!(same(&parsed, &value), "{:?} came back as {:?}", value, parsed);
                prop_assert_eq!(used, bytes.len());
            }
            other => prop_assert!(false, "{}: {:?}", show(&bytes), other),
        }
        // Every strict prefix is incomplete.
        for end in 0..bytes.len() {
            prop_assert_eq!(parse(&bytes[..end], &limits()), Ok(None));
        }
    }

    #[test]
    fn prop_decoder_split_at_random_point(value in arb_value(), at in any::<prop::sample::Index>()) {
        let bytes = encode(&value);
        let split = at.index(bytes.len() + 1);
        let (a, b) = bytes.split_at(split);
        let values = decode_chunks(limits(), [a, b]).unwrap();
        prop_assert_eq!(values.len(), 1);
        prop_assert!(same(&values[0], &value), "{:?} came back as {:?}", value, values[0]);
    }

    #[test]
    fn prop_stream_of_values_in_random_chunks(
        values in vec(arb_value(), 1..12),
        seed in any::<u64>(),
        max_chunk in 1usize..40,
    ) {
        let mut stream = Vec::new();
        for value in &values {
            write_value(&mut stream, value);
        }
        let mut rng = Rng(seed | 1);
        let chunks = split_random(&stream, &mut rng, max_chunk);
        let decoded = decode_chunks(limits(), chunks).unwrap();
        prop_assert_eq!(decoded.len(), values.len());
        for (got, want) in decoded.iter().zip(&values) {
            prop_assert!(same(got, want), "{:?} came back as {:?}", want, got);
        }
    }

    #[test]
    fn prop_random_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        if let Ok(Some((_, used))) = parse(&bytes, &limits()) {
            prop_assert!(used > 0 && used <= bytes.len());
        }
    }

    #[test]
    fn prop_resp_like_bytes_never_panic_and_chunking_agrees(
        bytes in vec(prop::sample::select(b"+-:$*%~>|,#(_!=0123456789\r\n\r\n\r\ntfaxe.".to_vec()), 0..160),
        splits in vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let whole = parse(&bytes, &limits());
        if let Ok(Some((_, used))) = &whole {
            prop_assert!(*used > 0 && *used <= bytes.len());
        }
        let splits: Vec<usize> = splits.iter().map(|i| i.index(bytes.len() + 1)).collect();
        let pieces = first_outcome(&bytes, &splits);
        prop_assert!(
            match (&whole, &pieces) {
                (Ok(Some((a, n))), Ok(Some((b, m)))) => same(a, b) && n == m,
                _ => whole == pieces,
            },
            "{}: whole {:?}, in pieces at {:?} {:?}", show(&bytes), whole, splits, pieces
        );
    }

    #[test]
    fn prop_mutated_encodings_never_panic(
        value in arb_value(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
        split in any::<prop::sample::Index>(),
    ) {
        let mut bytes = encode(&value);
        for (at, byte, op) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => bytes.push(byte),
            }
        }
        let whole = parse(&bytes, &limits());
        if let Ok(Some((_, used))) = &whole {
            prop_assert!(*used > 0 && *used <= bytes.len());
        }
        let split = split.index(bytes.len() + 1);
        let pieces = first_outcome(&bytes, &[split]);
        prop_assert!(
            match (&whole, &pieces) {
                (Ok(Some((a, n))), Ok(Some((b, m)))) => same(a, b) && n == m,
                _ => whole == pieces,
            },
            "{}: whole {:?}, split at {} {:?}", show(&bytes), whole, split, pieces
        );
    }

    #[test]
    fn prop_f64_round_trips_through_write_f64(f in any::<f64>()) {
        let mut out = Vec::new();
        write_f64(&mut out, f);
        let text = std::str::from_utf8(&out).unwrap();
        let back: f64 = text.parse().unwrap();
        prop_assert!(back.to_bits() == f.to_bits() || (f.is_nan() && back.is_nan()), "{} -> {}", f, text);
        prop_assert!(out.len() <= 32);
    }

    #[test]
    fn prop_write_int_matches_display(n in any::<i64>(), u in any::<u64>()) {
        let mut out = Vec::new();
        write_int(&mut out, n);
        prop_assert_eq!(out, n.to_string().into_bytes());
        let mut out = Vec::new();
        write_u64(&mut out, u);
        prop_assert_eq!(out, u.to_string().into_bytes());
    }
}

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
