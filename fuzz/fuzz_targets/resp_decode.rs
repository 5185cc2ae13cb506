//! Arbitrary bytes into the RESP decoder.
//!
//! Input: byte 0 picks the limits, byte 1 seeds the split points, the rest is the wire.
//! Checks:
//! - the decoder never panics (libFuzzer reports any panic);
//! - split equivalence: the bytes fed in chunks, the way a connection feeds them (unconsumed
//!   bytes kept and handed in again with the next chunk), give the same replies and then the
//!   same error, or the same need for more bytes, as one buffer;
//! - memory: the peak of live heap bytes while decoding stays within the bound of `bound`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redline::resp::{Decoder, Limits, ProtocolError};
use redline::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts live heap bytes and their peak (the target is single-threaded).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout);
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, layout, new_size);
        if !q.is_null() {
            // Counted as if old and new were both live, as they are during a copy.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak heap growth it caused.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

/// The most live heap bytes decoding `n` bytes may take, from the decoder's design
/// (`src/resp/parse.rs`, `src/resp/bulk.rs`), with `V` the size of a `Value`:
/// - a bulk whose payload is still arriving reserves at most `min(claimed, max(8 × received,
///   64 KiB))`: at most 64 KiB + 8n, and only one is open at a time;
/// - every value takes at least 3 bytes on the wire (`_\r\n`) and one `V` slot in its parent,
///   a map entry two slots for at least 6 bytes; a parent's `Vec` at most doubles past its
///   length, and the top-level aggregate reserves `min(claimed, bytes left / 3 + 1)` slots
///   (entries for a map, 2V each): at most 2V/3 per byte for the slots, another 2V/3 for
///   the top level's reserve, so 4V/3 < 2V per byte;
/// - each open nested aggregate reserves up to 16 entries (2V each) however short its
///   header, and up to `max_depth` are open at once, with their `Frame`s on a stack;
/// - text: a payload is copied once; a status, error or verbatim line that is not UTF-8
///   becomes a `String` with U+FFFD (3 bytes) per bad byte, so up to 4 bytes per wire byte
///   while both exist.
///
/// Hence `64 KiB + max_depth × (32 V + 2 × 128) + n × (2V + 8 + 4) + 4 KiB` (the last for
/// the result vectors' own small allocations).
fn bound(n: usize, limits: &Limits) -> usize {
    let v = std::mem::size_of::<Value>();
    let depth = limits.max_depth.min(n / 3 + 1);
    64 * 1024 + depth * (32 * v + 256) + n * (2 * v + 12) + 4096
}

/// With `REDLINE_FUZZ_PEAKS` set (e.g. over a corpus, `-runs=0`), prints each new highest
/// share of the bound reached, and of heap bytes per input byte, to see how close the inputs
/// come to the bound.
fn report_peak(peak: usize, n: usize, limit: usize) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    static HIGHEST: AtomicUsize = AtomicUsize::new(0);
    if !*ON.get_or_init(|| std::env::var_os("REDLINE_FUZZ_PEAKS").is_some()) {
        return;
    }
    static PER_BYTE: AtomicUsize = AtomicUsize::new(0);
    let percent = peak * 100 / limit.max(1);
    if percent > HIGHEST.fetch_max(percent, Relaxed) {
        eprintln!("peak {peak} B for {n} input bytes: {percent}% of the bound {limit} B");
    }
    // Past 1 KiB of input the constant part of the bound no longer hides the per-byte part.
    let per_byte = if n >= 1024 { peak / n } else { 0 };
    if per_byte > PER_BYTE.fetch_max(per_byte, Relaxed) {
        eprintln!("peak {peak} B for {n} input bytes: {per_byte} B per input byte");
    }
}

/// How the decoding ended after the replies it produced.
#[derive(Debug, PartialEq)]
enum End {
    NeedMore,
    Failed(ProtocolError),
}

/// The whole input in one buffer, reply after reply.
fn whole(data: &[u8], limits: Limits) -> (Vec<Value>, End) {
    let mut decoder = Decoder::new(limits);
    let mut values = Vec::new();
    let mut pos = 0;
    loop {
        match decoder.decode(&data[pos..]) {
            Err(e) => return (values, End::Failed(e)),
            Ok((used, Some(value))) => {
                pos += used;
                values.push(value);
            }
            Ok((used, None)) => {
                pos += used;
                assert!(pos <= data.len());
                return (values, End::NeedMore);
            }
        }
    }
}

/// The same input in chunks whose sizes come from `seed`, as a connection would feed them.
fn chunked(data: &[u8], limits: Limits, seed: u8) -> (Vec<Value>, End) {
    let mut decoder = Decoder::new(limits);
    let mut values = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut rng = u32::from(seed)
        .wrapping_mul(0x9E37_79B9)
        .wrapping_add(data.len() as u32 + 1);
    let widest = if seed & 0x80 == 0 { 8 } else { 300 };
    let mut at = 0;
    while at < data.len() {
        // seed 0: one byte at a time, the hardest case for the state kept between calls.
        let size = if seed == 0 {
            1
        } else {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            1 + (rng as usize) % widest
        };
        let end = (at + size).min(data.len());
        pending.extend_from_slice(&data[at..end]);
        at = end;
        loop {
            match decoder.decode(&pending) {
                Err(e) => return (values, End::Failed(e)),
                Ok((used, value)) => {
                    pending.drain(..used);
                    match value {
                        Some(value) => values.push(value),
                        None => break,
                    }
                }
            }
        }
    }
    (values, End::NeedMore)
}

/// Structural equality, with doubles compared by their bits (a NaN equals itself).
fn same(a: &Value, b: &Value) -> bool {
    let all =
        |x: &[Value], y: &[Value]| x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y));
    let pairs = |x: &[(Value, Value)], y: &[(Value, Value)]| {
        x.len() == y.len()
            && x.iter()
                .zip(y)
                .all(|(x, y)| same(&x.0, &y.0) && same(&x.1, &y.1))
    };
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Push(x), Value::Push(y)) => all(x, y),
        (Value::Map(x), Value::Map(y)) => pairs(x, y),
        (
            Value::Attribute {
                data: x,
                attributes: p,
            },
            Value::Attribute {
                data: y,
                attributes: q,
            },
        ) => same(x, y) && pairs(p, q),
        _ => a == b,
    }
}

fn limits_for(selector: u8) -> Limits {
    match selector % 4 {
        // Small limits, so that every limit error is reachable in a short input.
        0 => Limits {
            max_bulk_len: usize::from(selector / 4) % 40,
            max_aggregate_len: usize::from(selector / 16) % 12,
            max_depth: usize::from(selector / 8) % 6,
        },
        1 => Limits {
            max_bulk_len: usize::MAX,
            max_aggregate_len: usize::MAX,
            max_depth: 1000,
        },
        _ => Limits::default(),
    }
}

fuzz_target!(|input: &[u8]| {
    let [selector, seed, data @ ..] = input else {
        return;
    };
    let limits = limits_for(*selector);
    let limit = bound(data.len(), &limits);

    let (one, peak_one) = measured(|| whole(data, limits));
    assert!(
        peak_one <= limit,
        "one buffer: peak {peak_one} bytes for {} input bytes (bound {limit})",
        data.len()
    );
    report_peak(peak_one, data.len(), limit);
    let (split, peak_split) = measured(|| chunked(data, limits, *seed));
    assert!(
        peak_split <= limit + data.len() * 2,
        "chunked: peak {peak_split} bytes for {} input bytes (bound {limit} + the pending buffer)",
        data.len()
    );

    assert_eq!(
        one.0.len(),
        split.0.len(),
        "reply counts differ: {one:?} vs {split:?}"
    );
    for (a, b) in one.0.iter().zip(&split.0) {
        assert!(same(a, b), "replies differ: {a:?} vs {b:?}");
    }
    assert_eq!(one.1, split.1, "endings differ after {:?}", one.0);
});
