//! Unit tests of streaming and `pending_bulk`; compiled only under #[cfg(test)] (see ../mod.rs).

use super::frames::table;
use super::*;

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

/// The documented bound on a partial bulk's buffer: `min(claimed, max(8 × received, 64 KiB))`.
fn partial_bulk_bound(claimed: usize, received: usize) -> usize {
    claimed.min((8 * received).max(64 * 1024))
}

#[test]
fn claimed_bulk_buffer_grows_only_with_what_arrives() {
    // 512 MiB claimed, fed 1 KiB at a time: after every chunk the buffer holds exactly the
    // bytes sent and reserves no more than the bound, and it is reallocated only a few times.
    const CLAIMED: usize = 512 * 1024 * 1024;
    let sent: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"$536870912\r\n").unwrap(), (12, None));
    let mut received = 0;
    let mut capacities = Vec::new();
    for chunk in sent.chunks(1024) {
        assert_eq!(decoder.decode(chunk).unwrap(), (chunk.len(), None));
        received += chunk.len();
        let (buf, missing) = decoder.pending_bulk().expect("a pending bulk");
        assert_eq!((buf.len(), missing), (received, CLAIMED - received));
        let bound = partial_bulk_bound(CLAIMED, received);
        assert!(
            buf.capacity() <= bound,
            "{received} bytes received: reserved {}, bound {bound}",
            buf.capacity()
        );
        if capacities.last() != Some(&buf.capacity()) {
            capacities.push(buf.capacity());
        }
    }
    let (buf, _) = decoder.pending_bulk().expect("a pending bulk");
    assert!(buf.as_slice() == sent.as_slice(), "payload bytes differ");
    // 64 KiB, then 8 × (64 KiB + 1 KiB), and so on: one allocation per 8× growth (not one
    // per doubling), each at most the bound checked above.
    const KIB: usize = 1024;
    let first = 8 * (64 * KIB + KIB);
    let second = 8 * (first + KIB);
    let third = 8 * (second + KIB);
    assert_eq!(
        capacities,
        [64 * KIB, first, second, third],
        "capacities over time"
    );
}

#[test]
fn large_bulk_in_chunks_yields_its_exact_bytes() {
    // Odd sizes around the 64 KiB floor and one spanning several growth steps, each inside an
    // array with a value after it, fed in 4 KiB and in random chunks.
    let mut rng = Rng(0x5EED_B0B5);
    for len in [1, 4095, 65_535, 65_536, 65_537, 3 * 1024 * 1024 + 7] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let mut input = format!("*2\r\n${len}\r\n").into_bytes();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\n:7\r\n");
        let want = Value::Array(vec![Value::Bulk(payload), Value::Int(7)]);
        for chunks in [
            input.chunks(4096).collect::<Vec<_>>(),
            split_random(&input, &mut rng, 9000),
        ] {
            let got = decode_chunks(limits(), chunks).unwrap();
            assert_eq!(got.len(), 1, "len {len}: one reply");
            let Value::Array(items) = &got[0] else {
                panic!("len {len}: not an array: {:?}", got[0]);
            };
            // The finished payload's buffer has no slack left by the decoder's growth.
            if let Some(Value::Bulk(data)) = items.first() {
                assert_eq!(data.capacity(), len, "len {len}: capacity of the result");
            }
            assert!(got[0] == want, "len {len}: payload bytes differ");
        }
    }
}

#[test]
fn refeeding_fewer_bytes_than_scanned_does_not_panic() {
    // Misuse of the streaming contract: the decoder must not panic on it.
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.decode(b"+OK").unwrap(), (0, None));
    assert_eq!(decoder.decode(b"+O").unwrap(), (0, None));
    assert_eq!(decoder.decode(b"+OK\r\n").unwrap(), (5, Some(Value::Okay)));
}
