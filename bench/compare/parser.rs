//! Scenario 9: the parsers alone, no socket, on the same bytes.
//!
//! redline: `redline::resp::Decoder` in a loop over the buffer (whole, or fed 4 KiB at a time,
//! re-feeding unconsumed bytes as a connection does). redis-rs: `redis::Parser::parse_value`
//! over a reader, as its sync connection does (whole: a `&[u8]`; chunked: a reader that
//! returns at most 4 KiB per read). Each run walks the values to a fingerprint that must
//! equal the one computed while generating the bytes.

use crate::{Ctx, Res};
use redline::resp::{Decoder, Limits};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

pub const CHUNK: usize = 4096;

/// What a run saw; equal fingerprints mean both parsers read the same values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Print {
    values: u64,
    nodes: u64,
    int_sum: i64,
    bulk_bytes: u64,
}

impl Print {
    fn redline(&mut self, v: &redline::Value) {
        use redline::Value as V;
        self.nodes += 1;
        match v {
            V::Int(n) => self.int_sum = self.int_sum.wrapping_add(*n),
            V::Bulk(b) => self.bulk_bytes += b.len() as u64,
            V::Array(items) | V::Set(items) | V::Push(items) => {
                items.iter().for_each(|i| self.redline(i))
            }
            V::Map(pairs) => pairs.iter().for_each(|(k, v)| {
                self.redline(k);
                self.redline(v)
            }),
            _ => {}
        }
    }

    fn redis(&mut self, v: &redis::Value) {
        use redis::Value as V;
        self.nodes += 1;
        match v {
            V::Int(n) => self.int_sum = self.int_sum.wrapping_add(*n),
            V::BulkString(b) => self.bulk_bytes += b.len() as u64,
            V::Array(items) | V::Set(items) => items.iter().for_each(|i| self.redis(i)),
            V::Map(pairs) => pairs.iter().for_each(|(k, v)| {
                self.redis(k);
                self.redis(v)
            }),
            _ => {}
        }
    }
}

/// The two inputs: a buffer of mixed replies, and one bulk string of the same size.
pub struct Input {
    mixed: Vec<u8>,
    mixed_print: Print,
    bulk: Vec<u8>,
    bulk_print: Print,
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) % n
    }
}

struct Gen<'a> {
    out: Vec<u8>,
    print: Print,
    rng: Rng,
    pool: &'a [u8],
}

impl Gen<'_> {
    fn line(&mut self, kind: u8, text: impl std::fmt::Display) {
        self.out.push(kind);
        let _ = write!(self.out, "{text}\r\n");
        self.print.nodes += 1;
    }

    fn int(&mut self) {
        let n = self.rng.below(2_000_000_000_000) as i64 - 1_000_000_000_000;
        self.line(b':', n);
        self.print.int_sum = self.print.int_sum.wrapping_add(n);
    }

    fn bulk(&mut self, max: u64) {
        let len = 1 + self.rng.below(max) as usize;
        let at = self.rng.below((self.pool.len() - len) as u64) as usize;
        self.line(b'$', len);
        self.out.extend_from_slice(&self.pool[at..at + len]);
        self.out.extend_from_slice(b"\r\n");
        self.print.bulk_bytes += len as u64;
    }

    fn array(&mut self, n: usize) {
        self.line(b'*', n);
    }

    /// One top-level reply: mostly RESP2 as servers send by default, some RESP3 types.
    fn reply(&mut self) {
        match self.rng.below(100) {
            0..=29 => self.line(b'+', "OK"),
            30..=49 => self.int(),
            50..=69 => self.bulk(64),
            70..=73 => self.line(b'$', -1),
            74..=77 => self.line(
                b'-',
                "WRONGTYPE Operation against a key holding the wrong kind of value",
            ),
            78..=87 => {
                let n = 1 + self.rng.below(16) as usize;
                self.array(n);
                (0..n).for_each(|_| self.bulk(32));
            }
            88..=92 => {
                // Like a SCAN reply: [cursor, [keys...]].
                self.array(2);
                self.bulk(8);
                let n = self.rng.below(10) as usize;
                self.array(n);
                (0..n).for_each(|_| self.bulk(24));
            }
            93..=96 => self.bulk(8192),
            97 => {
                self.line(b'%', 2);
                self.line(b'+', "field");
                self.int();
                self.bulk(16);
                self.line(b',', 3.25);
            }
            _ => {
                self.array(4);
                self.line(b'_', "");
                self.line(b'#', "t");
                self.int();
                self.line(b'$', -1);
            }
        }
        self.print.values += 1;
    }
}

impl Input {
    pub fn build(bytes: usize) -> Input {
        let pool = crate::data::noise(16 * 1024, 7);
        let mut gen = Gen {
            out: Vec::with_capacity(bytes + 16 * 1024),
            print: Print::default(),
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            pool: &pool,
        };
        while gen.out.len() < bytes {
            gen.reply();
        }
        let mut bulk = format!("${bytes}\r\n").into_bytes();
        bulk.extend_from_slice(&crate::data::noise(bytes, 11));
        bulk.extend_from_slice(b"\r\n");
        Input {
            mixed: gen.out,
            mixed_print: gen.print,
            bulk,
            bulk_print: Print {
                values: 1,
                nodes: 1,
                int_sum: 0,
                bulk_bytes: bytes as u64,
            },
        }
    }

    pub fn len(&self, bulk: bool) -> usize {
        self.pick(bulk).0.len()
    }

    fn pick(&self, bulk: bool) -> (&[u8], Print) {
        if bulk {
            (&self.bulk, self.bulk_print)
        } else {
            (&self.mixed, self.mixed_print)
        }
    }

    pub fn time_redline(&self, bulk: bool, chunked: bool) -> Res<Duration> {
        let (buf, want) = self.pick(bulk);
        let t = Instant::now();
        let got = redline_parse(buf, if chunked { CHUNK } else { buf.len() })?;
        let elapsed = t.elapsed();
        ensure!(got == want, "redline parser: saw {got:?}, want {want:?}");
        Ok(elapsed)
    }

    pub fn time_redis(&self, bulk: bool, chunked: bool) -> Res<Duration> {
        let (buf, want) = self.pick(bulk);
        let t = Instant::now();
        let got = if chunked {
            redis_parse(Chunked(buf), want.values)?
        } else {
            redis_parse(buf, want.values)?
        };
        let elapsed = t.elapsed();
        ensure!(got == want, "redis-rs parser: saw {got:?}, want {want:?}");
        Ok(elapsed)
    }
}

/// Feeds `buf` to one `Decoder`, `chunk` more bytes at a time; unconsumed bytes are handed
/// in again with the next chunk, as a connection's read buffer does.
fn redline_parse(buf: &[u8], chunk: usize) -> Res<Print> {
    let mut decoder = Decoder::new(Limits::default());
    let mut print = Print::default();
    let (mut pos, mut end) = (0, chunk.min(buf.len()));
    while pos < buf.len() {
        let (used, value) = decoder.decode(&buf[pos..end]).ctx("redline decode")?;
        pos += used;
        match value {
            Some(v) => {
                print.values += 1;
                print.redline(&v);
            }
            None if end == buf.len() => {
                return Err(format!(
                    "redline decoder: no value in the last {} bytes",
                    end - pos
                ))
            }
            None => end = (end + chunk).min(buf.len()),
        }
    }
    Ok(print)
}

fn redis_parse(mut reader: impl Read, values: u64) -> Res<Print> {
    let mut parser = redis::Parser::new();
    let mut print = Print::default();
    for _ in 0..values {
        let v = parser
            .parse_value(&mut reader)
            .ctx("redis-rs parse_value")?;
        print.values += 1;
        print.redis(&v);
    }
    Ok(print)
}

/// A reader that hands out at most 4 KiB per read.
struct Chunked<'a>(&'a [u8]);

impl Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(CHUNK).min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
