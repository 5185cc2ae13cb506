//! The client-side cache section (issue 20): what a cache hit costs against a `GET` round
//! trip (redline without a cache, redis-rs, and a raw socket sending one `GET` per round trip,
//! the limit for round trips), and a Zipf-distributed read load over 10,000 keys through a
//! cache of 1,000 entries while another client writes 1 read in 100: the hit rate, and the
//! reads per second with and without the cache. Every read is checked.

use crate::{ab, Ctx, Res};
use redline::{CacheOptions, Commands};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

const KEYS: usize = 10_000;

/// Zipf(s = 1) over `n` ranks by inverse CDF, from a xorshift generator (deterministic).
struct Zipf {
    cdf: Vec<f64>,
    state: u64,
}

impl Zipf {
    fn new(n: usize, seed: u64) -> Zipf {
        let weights: Vec<f64> = (1..=n).map(|k| 1.0 / k as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Zipf {
            cdf,
            state: seed | 1,
        }
    }

    fn next(&mut self) -> usize {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let u = (self.state >> 11) as f64 / (1u64 << 53) as f64;
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

fn per_sec(n: usize, t: Instant) -> f64 {
    n as f64 / t.elapsed().as_secs_f64()
}

pub fn run(quick: bool) -> Res<()> {
    let (rounds, calls, zipf_reads) = if quick {
        (3, 5_000, 20_000)
    } else {
        (5, 20_000, 100_000)
    };
    let server = crate::server::Server::start()?;
    let url = server.url();
    let plain = redline::Client::open(&url).ctx("redline client")?;
    let cached = redline::ClientBuilder::from_url(&url)
        .ctx("redline builder")?
        .client_cache(CacheOptions::new().prefix("z:").max_entries(1_000))
        .build();
    let rr_client = redis::Client::open(url.as_str()).ctx("redis-rs client")?;
    let mut rr = rr_client.get_connection().ctx("redis-rs connection")?;
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).ctx("raw socket")?;
    raw.set_nodelay(true).ctx("nodelay")?;
    let keys: Vec<String> = (0..KEYS).map(|i| format!("z:{i}")).collect();
    let mut pipe = plain.pipeline();
    for (i, k) in keys.iter().enumerate() {
        pipe.set(k, i).ignore();
    }
    pipe.set("z:hot", 0).ignore();
    pipe.execute::<()>().ctx("loading")?;

    let (mut hit, mut rl_get, mut rr_get, mut raw_get) = (vec![], vec![], vec![], vec![]);
    let (mut zipf_cached, mut zipf_plain, mut hit_rates) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let first = round % 2 == 0;
        eprintln!("compare: cache round {}/{rounds}", round + 1);
        // K1. One key read again and again: every read but the first a hit.
        let t = Instant::now();
        for _ in 0..calls {
            let v: i64 = cached.get("z:hot").ctx("cached GET")?;
            ensure!(v == 0, "z:hot read {v}");
        }
        hit.push(per_sec(calls, t));
        let (a, b) = ab(
            first,
            || -> Res<f64> {
                let t = Instant::now();
                for _ in 0..calls {
                    let v: i64 = plain.get("z:hot").ctx("redline GET")?;
                    ensure!(v == 0, "z:hot read {v}");
                }
                Ok(per_sec(calls, t))
            },
            || -> Res<f64> {
                let t = Instant::now();
                for _ in 0..calls {
                    let v: i64 = redis::Commands::get(&mut rr, "z:hot").ctx("redis-rs GET")?;
                    ensure!(v == 0, "z:hot read {v}");
                }
                Ok(per_sec(calls, t))
            },
        )?;
        rl_get.push(a);
        rr_get.push(b);
        let request = b"*2\r\n$3\r\nGET\r\n$5\r\nz:hot\r\n";
        let mut buf = [0u8; 16];
        let t = Instant::now();
        for _ in 0..calls {
            raw.write_all(request).ctx("raw write")?;
            raw.read_exact(&mut buf[..7]).ctx("raw read")?; // $1\r\n0\r\n
            ensure!(&buf[..7] == b"$1\r\n0\r\n", "raw reply {:?}", &buf[..7]);
        }
        raw_get.push(per_sec(calls, t));

        // K2. Zipf reads, 1 in 100 followed by another client's write of that key.
        let zipf_run = |client: &redline::Client, seed: u64| -> Res<f64> {
            let mut zipf = Zipf::new(KEYS, seed);
            let t = Instant::now();
            for i in 0..zipf_reads {
                let k = zipf.next();
                let v: i64 = client.get(&keys[k]).ctx("zipf GET")?;
                ensure!(v as usize % KEYS == k, "{} read {v}", keys[k]);
                if i % 100 == 0 {
                    plain
                        .set(&keys[k], k + KEYS * (round + 1))
                        .ctx("zipf write")?;
                }
            }
            Ok(per_sec(zipf_reads, t))
        };
        let before = cached.cache_stats().unwrap_or_default();
        let (c, p) = ab(
            first,
            || zipf_run(&cached, 7 + round as u64),
            || zipf_run(&plain, 7 + round as u64),
        )?;
        let after = cached.cache_stats().unwrap_or_default();
        let (hits, misses) = (after.hits - before.hits, after.misses - before.misses);
        zipf_cached.push(c);
        zipf_plain.push(p);
        hit_rates.push(hits as f64 / (hits + misses).max(1) as f64);
    }
    let m = crate::report::median_of;
    let (hit, rl_get, rr_get, raw_get) = (m(hit), m(rl_get), m(rr_get), m(raw_get));
    println!();
    println!("## Client-side cache (medians of {rounds} rounds)");
    println!();
    println!("| scenario | redline, cache | redline, no cache | redis-rs | raw socket, 1 GET per round trip |");
    println!("|---|---|---|---|---|");
    println!(
        "| K1. GET of one key, {calls} times (hits) | {:.0} k/s ({:.2} µs) | {:.0} k/s ({:.2} µs) | {:.0} k/s | {:.0} k/s |",
        hit / 1e3, 1e6 / hit, rl_get / 1e3, 1e6 / rl_get, rr_get / 1e3, raw_get / 1e3
    );
    println!(
        "| K2. Zipf(1) GETs over {KEYS} keys, cache of 1,000, 1% writes, {zipf_reads} reads | {:.0} k/s, hit rate {:.1}% | {:.0} k/s | - | - |",
        m(zipf_cached) / 1e3, 100.0 * m(hit_rates), m(zipf_plain) / 1e3
    );
    println!();
    println!("A hit costs one non-blocking read of the tracking connection (a system call), two locks and a clone of the reply; a miss adds the round trip and the insert.");
    Ok(())
}
