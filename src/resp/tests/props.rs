//! Property tests of the parser and encoders; compiled only under #[cfg(test)] (see ../mod.rs).

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

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
