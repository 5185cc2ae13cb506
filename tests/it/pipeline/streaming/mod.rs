//! The streaming path of `execute::<T>()` (a plain batch's replies read straight into `T`
//! while they arrive) against an oracle on a real server: the same batch, on the same data,
//! run with `execute_raw()` and its replies converted with `T::from_value`, plus the pipeline's
//! error rule (when any reply is an error, `execute` fails with `Error::Pipeline` naming the
//! first such command, ignored commands included).
//!
//! Batches are pseudo-random (a xorshift generator with fixed seeds, so a failure names a seed
//! that reproduces it): 1 to 3,000 commands mixing `GET` of present and missing keys (text
//! with multi-byte UTF-8, some non-UTF-8 bytes, sizes from 0 to 40 KiB around the 16 KiB fast
//! path limit), `INCR`, `LRANGE`, `HGETALL`, scripts returning nested tables, `WRONGTYPE` and
//! other error replies, `NOSCRIPT` for a script flushed by another client, `.ignore()` on
//! random commands, and some batches whose commands take several 256 KiB segments. In RESP3,
//! some connections turn on client tracking, so invalidation pushes arrive between replies.
//!
//! Every batch runs several times, each time on freshly written identical data: once with
//! `execute_raw()` and no command ignored (the oracle's replies), once with `execute_raw()` as
//! queued, and once with `execute::<T>()` for each `T` tried. After each run the same
//! connection must still be in step (a `PING` gets `PONG`).

use super::*;
use redline::{Connection, FromValue, Pipeline, ScriptCode};
use std::fmt::Debug;

/// Cases per protocol (each a distinct seed).
const CASES: u64 = 200;
/// The batch size at which the pipeline starts a new segment (see `src/batch/segments.rs`).
const SEGMENT: usize = 256 * 1024;
/// Bulk payloads up to this size take the reader's fast path (`src/connection/reader.rs`).
const FAST_BULK_MAX: usize = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// A small deterministic generator
// ---------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03);
        for _ in 0..4 {
            rng.next();
        }
        rng
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// `len` bytes of text: ASCII, `\r\n`, 2-, 3- and 4-byte UTF-8 characters; with `binary`,
/// also bytes that make it invalid UTF-8 (a lone 0xff, a cut sequence).
fn payload(rng: &mut Rng, len: usize, binary: bool) -> Vec<u8> {
    const PIECES: [&str; 8] = ["a", "Z", "7", " ", "\r\n", "é", "日本", "🦀"];
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let left = len - out.len();
        if binary && rng.chance(3) {
            let bad: &[u8] = match rng.below(3) {
                0 => &[0xff],
                1 => &[0xc3],
                _ => &[0xf0, 0x9f],
            };
            out.extend_from_slice(&bad[..bad.len().min(left)]);
            continue;
        }
        let piece = PIECES[rng.below(PIECES.len())].as_bytes();
        if piece.len() <= left {
            out.extend_from_slice(piece);
        } else {
            out.push(b'x');
        }
    }
    if binary && !out.is_empty() && std::str::from_utf8(&out).is_ok() {
        out[0] = 0xff;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Data and batches
// ---------------------------------------------------------------------------------------------

/// What the keys of one case hold; written afresh before every run.
struct Data {
    /// Every key starts with it: a long prefix makes commands long, so that a batch of at most
    /// 3,000 of them spans several segments.
    prefix: String,
    strings: Vec<Vec<u8>>,
    counters: Vec<i64>,
    lists: Vec<Vec<Vec<u8>>>,
    hashes: Vec<Vec<(String, String)>>,
}

impl Data {
    fn generate(rng: &mut Rng, long_keys: bool, binary: bool) -> Data {
        let prefix = if long_keys {
            format!("k{}:", "p".repeat(rng.range(150, 400)))
        } else {
            "k:".to_string()
        };
        let strings = (0..16)
            .map(|i| {
                let len = match rng.below(100) {
                    0..=24 => rng.range(0, 8),
                    25..=54 => rng.range(9, 200),
                    55..=69 => rng.range(201, 4000),
                    // Around the fast path limit: at it, just under and just over.
                    70..=81 => rng.range(FAST_BULK_MAX - 3, FAST_BULK_MAX + 3),
                    _ => rng.range(FAST_BULK_MAX + 4, 40 * 1024),
                };
                // Keys 12..16 may hold bytes that are not UTF-8.
                payload(rng, len, binary && i >= 12)
            })
            .collect();
        let counters = (0..4).map(|_| rng.range(0, 2000) as i64 - 1000).collect();
        // List 0 is never empty: `GET` of it is a `WRONGTYPE`.
        let lists = (0..6)
            .map(|i| {
                (0..rng.range(usize::from(i == 0), 12))
                    .map(|_| {
                        let len = if rng.chance(6) {
                            rng.range(FAST_BULK_MAX - 2, 24 * 1024)
                        } else {
                            rng.range(0, 100)
                        };
                        payload(rng, len, false)
                    })
                    .collect()
            })
            .collect();
        // Small hashes (listpack encoded): the server keeps their insertion order, so both
        // runs of a batch see the same order in HGETALL.
        let hashes = (0..5)
            .map(|_| {
                (0..rng.range(0, 8))
                    .map(|f| {
                        let len = rng.range(0, 40);
                        let value = String::from_utf8(payload(rng, len, false)).unwrap();
                        (format!("f{f}"), value)
                    })
                    .collect()
            })
            .collect();
        Data {
            prefix,
            strings,
            counters,
            lists,
            hashes,
        }
    }

    fn key(&self, kind: &str, i: usize) -> String {
        format!("{}{kind}{i}", self.prefix)
    }

    /// Empties the database and writes the data.
    fn write(&self, other: &Client) {
        other.flushdb().unwrap();
        let mut pipe = other.pipeline();
        for (i, s) in self.strings.iter().enumerate() {
            pipe.cmd(cmd("SET").arg(self.key("s", i)).arg(&s[..]));
        }
        for (i, n) in self.counters.iter().enumerate() {
            pipe.cmd(cmd("SET").arg(self.key("c", i)).arg(*n));
        }
        for (i, list) in self.lists.iter().enumerate() {
            if !list.is_empty() {
                let mut c = cmd("RPUSH");
                c.arg(self.key("l", i));
                for item in list {
                    c.arg(&item[..]);
                }
                pipe.cmd(&c);
            }
        }
        for (i, hash) in self.hashes.iter().enumerate() {
            if !hash.is_empty() {
                let mut c = cmd("HSET");
                c.arg(self.key("h", i));
                for (f, v) in hash {
                    c.arg(f.as_str()).arg(v.as_str());
                }
                pipe.cmd(&c);
            }
        }
        pipe.execute::<Vec<Value>>().unwrap();
    }
}

/// The scripts batches call.
struct Scripts {
    /// Returns `n` nested tables: `{i, tag, {tag..i, {}}}`.
    nested: ScriptCode,
    /// `LRANGE KEYS[1] 0 -1`, from a script.
    flat: ScriptCode,
    /// A status reply.
    status: ScriptCode,
    /// An error reply, with its own code.
    error: ScriptCode,
    /// Flushed from the server's cache (by another client) before the batches that expect
    /// `NOSCRIPT`, while the connection believes it is cached.
    missing: ScriptCode,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            nested: ScriptCode::new(
                "local n = tonumber(ARGV[1]) local t = {} \
                 for i = 1, n do t[i] = {i, ARGV[2], {ARGV[2] .. i, {}}} end return t",
            ),
            flat: ScriptCode::new("return redis.call('LRANGE', KEYS[1], 0, -1)"),
            status: ScriptCode::new("return redis.status_reply(ARGV[1])"),
            error: ScriptCode::new("return redis.error_reply('BOOM ' .. ARGV[1])"),
            // Over the 64 KiB a batch loads inline every time: once known to the connection,
            // a flush by another client makes it answer NOSCRIPT.
            missing: ScriptCode::new(format!(
                "-- {}\nreturn {{ARGV[1], 'missing', {{1, 2}}}}",
                "m".repeat(65 * 1024)
            )),
        }
    }

    /// Every script but `missing`.
    fn cached(&self) -> [&ScriptCode; 4] {
        [&self.nested, &self.flat, &self.status, &self.error]
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// `GET` of a string key.
    Get(usize),
    /// `GET` of a key that does not exist.
    GetMissing(usize),
    /// `GET` of a counter.
    GetCounter(usize),
    Incr(usize),
    /// `INCR` of a string that is no integer: an `ERR` reply.
    IncrText(usize),
    LRange(usize),
    /// `LRANGE` of a string key: `WRONGTYPE`.
    LRangeString(usize),
    /// `GET` of a list key: `WRONGTYPE`.
    GetList(usize),
    HGetAll(usize),
    Nested(usize),
    Flat(usize),
    Status(usize),
    ScriptError(usize),
    /// The script `missing` (`NOSCRIPT` in the cases that flush it).
    Missing(usize),
}

impl Op {
    /// The first word of the command as `Error::Pipeline` names it.
    fn name(&self) -> &'static str {
        match self {
            Op::Get(_) | Op::GetMissing(_) | Op::GetCounter(_) | Op::GetList(_) => "GET",
            Op::Incr(_) | Op::IncrText(_) => "INCR",
            Op::LRange(_) | Op::LRangeString(_) => "LRANGE",
            Op::HGetAll(_) => "HGETALL",
            Op::Nested(_) | Op::Flat(_) | Op::Status(_) | Op::ScriptError(_) | Op::Missing(_) => {
                "EVALSHA"
            }
        }
    }

    /// Whether the reply is always an error reply.
    fn fails(&self) -> bool {
        matches!(
            self,
            Op::IncrText(_) | Op::LRangeString(_) | Op::GetList(_) | Op::ScriptError(_)
        )
    }

    fn queue(&self, pipe: &mut Pipeline<'_>, data: &Data, scripts: &Scripts) {
        match *self {
            Op::Get(i) => pipe.cmd(cmd("GET").arg(data.key("s", i))),
            Op::GetMissing(i) => pipe.cmd(cmd("GET").arg(data.key("missing", i))),
            Op::GetCounter(i) => pipe.cmd(cmd("GET").arg(data.key("c", i))),
            Op::Incr(i) => pipe.cmd(cmd("INCR").arg(data.key("c", i))),
            Op::IncrText(i) => pipe.cmd(cmd("INCR").arg(data.key("s", i))),
            Op::LRange(i) => pipe.cmd(cmd("LRANGE").arg(data.key("l", i)).arg(0).arg(-1)),
            Op::LRangeString(i) => pipe.cmd(cmd("LRANGE").arg(data.key("s", i)).arg(0).arg(-1)),
            Op::GetList(i) => pipe.cmd(cmd("GET").arg(data.key("l", i))),
            Op::HGetAll(i) => pipe.cmd(cmd("HGETALL").arg(data.key("h", i))),
            Op::Nested(n) => pipe.script(&scripts.nested, (), (n, format!("t{n}"))),
            Op::Flat(i) => pipe.script(&scripts.flat, data.key("l", i), ()),
            Op::Status(i) => pipe.script(&scripts.status, (), format!("FINE{i}")),
            Op::ScriptError(i) => pipe.script(&scripts.error, (), i),
            Op::Missing(i) => pipe.script(&scripts.missing, (), format!("m{i}")),
        };
    }
}

/// The kinds of batch: most mix everything; the others keep to shapes some `T` fits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Mixed,
    /// Text and integers: `Vec<Option<String>>` fits (unless a value is not UTF-8).
    Strings,
    /// Integers only: `Vec<i64>` fits.
    Numbers,
    /// Arrays of text: `Vec<Vec<String>>` fits.
    Lists,
    /// Hashes: `Vec<HashMap<String, String>>` fits.
    Hashes,
    /// Nested tables and lists: `Vec<Vec<Value>>` fits.
    Nested,
}

struct Case {
    seed: u64,
    protocol: Protocol,
    shape: Shape,
    data: Data,
    ops: Vec<Op>,
    ignored: Vec<bool>,
    /// `missing` is flushed from the server's cache before each run.
    noscript: bool,
    /// RESP3 only: the connection has client tracking on, so invalidation pushes arrive
    /// between the replies.
    tracking: bool,
}

impl Case {
    fn generate(seed: u64, protocol: Protocol) -> Case {
        let mut rng = Rng::new(seed);
        let shape = match rng.below(100) {
            0..=49 => Shape::Mixed,
            50..=64 => Shape::Strings,
            65..=72 => Shape::Numbers,
            73..=84 => Shape::Lists,
            85..=91 => Shape::Hashes,
            _ => Shape::Nested,
        };
        let len = match rng.below(100) {
            0..=14 => rng.range(1, 3),
            15..=49 => rng.range(4, 60),
            50..=79 => rng.range(61, 600),
            _ => rng.range(601, 3000),
        };
        let long_keys = len > 1500 && rng.chance(70) || rng.chance(5);
        let binary = shape != Shape::Strings || rng.chance(30);
        let data = Data::generate(&mut rng, long_keys, binary);
        let noscript = matches!(shape, Shape::Mixed | Shape::Nested) && rng.chance(35);
        let tracking = protocol == Protocol::Resp3 && rng.chance(50);

        let mut ops: Vec<Op> = (0..len)
            .map(|_| {
                let r = rng.below(100);
                match shape {
                    Shape::Mixed => match r {
                        0..=29 => Op::Get(small_biased(&mut rng)),
                        30..=37 => Op::GetMissing(rng.below(50)),
                        38..=42 => Op::GetCounter(rng.below(4)),
                        43..=52 => Op::Incr(rng.below(4)),
                        53..=64 => Op::LRange(rng.below(6)),
                        65..=74 => Op::HGetAll(rng.below(5)),
                        75..=84 => Op::Nested(rng.range(0, 5)),
                        85..=89 => Op::Flat(rng.below(6)),
                        90..=94 => Op::Status(rng.below(10)),
                        _ => Op::Missing(rng.below(10)),
                    },
                    Shape::Strings => match r {
                        0..=49 => Op::Get(small_biased(&mut rng)),
                        50..=64 => Op::GetMissing(rng.below(50)),
                        65..=74 => Op::GetCounter(rng.below(4)),
                        75..=89 => Op::Incr(rng.below(4)),
                        _ => Op::Status(rng.below(10)),
                    },
                    Shape::Numbers => match r {
                        0..=59 => Op::Incr(rng.below(4)),
                        _ => Op::GetCounter(rng.below(4)),
                    },
                    Shape::Lists => match r {
                        0..=54 => Op::LRange(rng.below(6)),
                        55..=79 => Op::HGetAll(rng.below(5)),
                        _ => Op::Flat(rng.below(6)),
                    },
                    Shape::Hashes => Op::HGetAll(rng.below(5)),
                    Shape::Nested => match r {
                        0..=59 => Op::Nested(rng.range(0, 6)),
                        60..=84 => Op::LRange(rng.below(6)),
                        _ => Op::Missing(rng.below(10)),
                    },
                }
            })
            .collect();
        // Error replies in the middle: some batches get none, others a few of several kinds.
        let errors = if rng.chance(40) { 0 } else { rng.range(1, 3) };
        for _ in 0..errors {
            let op = match rng.below(5) {
                0 => Op::GetList(first_list(&data, rng.below(6))),
                1 => Op::LRangeString(rng.below(16)),
                2 => Op::IncrText(rng.below(16)),
                3 => Op::ScriptError(rng.below(10)),
                _ => Op::Missing(rng.below(10)),
            };
            // `INCR` of a string that happens to hold digits would succeed: use a text key.
            let op = match op {
                Op::IncrText(_) if data.strings.iter().all(|s| is_number(s)) => Op::GetList(0),
                Op::IncrText(i) => Op::IncrText(first_text(&data, i)),
                other => other,
            };
            let at = rng.below(ops.len() + 1);
            ops.insert(at, op);
        }
        // (A flushed script the batch never calls would stay "known" to the connection.)
        let noscript = noscript && ops.iter().any(|op| matches!(op, Op::Missing(_)));
        let ignore_percent = match rng.below(3) {
            0 => 0,
            1 => 10,
            _ => 50,
        };
        let ignored = ops.iter().map(|_| rng.chance(ignore_percent)).collect();
        Case {
            seed,
            protocol,
            shape,
            data,
            ops,
            ignored,
            noscript,
            tracking,
        }
    }

    /// The pipeline of this batch on `conn`; `ignores` applies the case's `.ignore()`s.
    fn pipeline<'c>(&self, conn: &'c Connection, scripts: &Scripts, ignores: bool) -> Pipeline<'c> {
        let mut pipe = conn.pipeline();
        for (op, &ignored) in self.ops.iter().zip(&self.ignored) {
            op.queue(&mut pipe, &self.data, scripts);
            if ignores && ignored {
                pipe.ignore();
            }
        }
        pipe
    }

    fn kept(&self) -> usize {
        self.ignored.iter().filter(|&&i| !i).count()
    }

    /// For failure messages.
    fn describe(&self) -> String {
        format!(
            "seed {} {:?} {:?}: {} commands ({} kept), noscript={}, tracking={}, prefix {} bytes",
            self.seed,
            self.protocol,
            self.shape,
            self.ops.len(),
            self.kept(),
            self.noscript,
            self.tracking,
            self.data.prefix.len(),
        )
    }
}

/// A string key, keys 0..6 more often than the others (sizes are random per key: this makes
/// some values come up many times in a batch).
fn small_biased(rng: &mut Rng) -> usize {
    if rng.chance(60) {
        rng.below(6)
    } else {
        rng.below(16)
    }
}

fn is_number(s: &[u8]) -> bool {
    std::str::from_utf8(s).is_ok_and(|t| t.trim().parse::<i64>().is_ok())
}

/// A list key from `i` on that exists (is not empty).
fn first_list(data: &Data, i: usize) -> usize {
    (0..6)
        .map(|d| (i + d) % 6)
        .find(|&k| !data.lists[k].is_empty())
        .unwrap_or(0)
}

/// A string key from `i` on whose value is no integer.
fn first_text(data: &Data, i: usize) -> usize {
    (0..16)
        .map(|d| (i + d) % 16)
        .find(|&k| !is_number(&data.strings[k]))
        .unwrap_or(i)
}

mod run;
