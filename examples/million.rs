//! Memory of a huge pipeline: issue 12's target "a 1,000,000-command pipeline's peak RSS stays
//! within 2x the size of its replies", measured.
//!
//! Run with `cargo run --release --example million`. It uses the server at `REDIS_URL` (default
//! `redis://127.0.0.1:6379`), or starts a throwaway one if nothing answers there (force that with
//! `REDIS_URL=redis://127.0.0.1:1`). It writes the keys `key:0` .. `key:999999`, and deletes them
//! afterwards unless the server is a throwaway one. Linux only: it reads `/proc/self/status`.
//!
//! On one dedicated connection, two passes of 1,000,000 `SET key:{i} xxx` in ONE pipeline:
//! 1. every reply kept, `execute::<Vec<Value>>()`;
//! 2. every command `.ignore()`d, `execute::<()>()`.
//!
//! The keys are built before either pass, so their memory is not part of the pipeline's figure
//! (it is printed on its own). Before each pass the process's peak RSS (`VmHWM`) is reset to the
//! current RSS (`echo 5 > /proc/self/clear_refs`) when the kernel allows it; the pass's peak
//! growth is then `VmHWM` after the pass minus `VmRSS` before it. Without the reset, the peak
//! of the key building could hide a smaller pipeline peak; the output says which case applied.

mod common;

use redline::{cmd, Value};
use std::time::{Duration, Instant};

const N: usize = 1_000_000;
const VALUE: &str = "xxx";
/// `+OK\r\n`.
const OK_WIRE: usize = 5;

/// `VmHWM` and `VmRSS` of this process, in bytes.
fn memory() -> Result<(usize, usize), Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<usize, Box<dyn std::error::Error>> {
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .ok_or_else(|| format!("no {name} in /proc/self/status"))?;
        let kb: usize = line.trim().trim_end_matches("kB").trim().parse()?;
        Ok(kb * 1024)
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

/// Resets `VmHWM` to the current RSS (Linux 4.0+); `false` when refused.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct Pass {
    name: &'static str,
    peak_reset: bool,
    hwm_before: usize,
    rss_before: usize,
    hwm_after: usize,
    rss_after: usize,
    elapsed: Duration,
}

impl Pass {
    fn growth(&self) -> usize {
        self.hwm_after.saturating_sub(self.rss_before)
    }
}

fn measure(
    name: &'static str,
    run: impl FnOnce() -> Result<(), Box<dyn std::error::Error>>,
) -> Result<Pass, Box<dyn std::error::Error>> {
    let peak_reset = reset_peak();
    let (hwm_before, rss_before) = memory()?;
    let t = Instant::now();
    run()?;
    let elapsed = t.elapsed();
    let (hwm_after, rss_after) = memory()?;
    Ok(Pass {
        name,
        peak_reset,
        hwm_before,
        rss_before,
        hwm_after,
        rss_after,
        elapsed,
    })
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, server) = common::connect()?;
    let conn = client.get_connection()?;

    // The keys, before any measurement.
    let keys: Vec<String> = (0..N).map(|i| format!("key:{i}")).collect();
    let keys_size = keys.capacity() * std::mem::size_of::<String>()
        + keys.iter().map(String::capacity).sum::<usize>();
    // The batch as it goes on the wire, exactly: the sum of every command's RESP encoding.
    let mut one = cmd("SET");
    let encoded: usize = keys
        .iter()
        .map(|key| {
            one.clear();
            one.arg("SET").arg(key.as_str()).arg(VALUE);
            one.encoded().len()
        })
        .sum();
    drop(one);
    let value_size = std::mem::size_of::<Value>();
    let replies_wire = N * OK_WIRE;
    let replies_mem = N * value_size;

    // Pass 1: every reply kept.
    let mut kept: Vec<Value> = Vec::new();
    let with_replies = measure("replies kept: `execute::<Vec<Value>>()`", || {
        let mut pipe = conn.pipeline();
        for key in &keys {
            pipe.set(key.as_str(), VALUE);
        }
        kept = pipe.execute::<Vec<Value>>()?;
        Ok(())
    })?;
    if kept.len() != N || !kept.iter().all(|v| *v == Value::Okay) {
        let bad = kept.iter().position(|v| *v != Value::Okay);
        return Err(format!(
            "pass 1: {} replies (want {N}), first one that is not OK: {:?}",
            kept.len(),
            bad.map(|i| (i, &kept[i]))
        )
        .into());
    }
    drop(kept);

    // Pass 2: every reply ignored. The server must have stored every key again: the value is
    // changed between the passes and checked after.
    {
        let mut pipe = conn.pipeline();
        pipe.set(keys[0].as_str(), "before-pass-2")
            .set(keys[N - 1].as_str(), "before-pass-2")
            .execute::<()>()?;
    }
    let ignored = measure("replies ignored: `.ignore()` + `execute::<()>()`", || {
        let mut pipe = conn.pipeline();
        for key in &keys {
            pipe.set(key.as_str(), VALUE).ignore();
        }
        pipe.execute::<()>()?;
        Ok(())
    })?;
    let (first, last): (String, String) = conn
        .pipeline()
        .get(keys[0].as_str())
        .get(keys[N - 1].as_str())
        .execute()?;
    if first != VALUE || last != VALUE {
        return Err(format!("pass 2: the keys hold {first:?} and {last:?}").into());
    }

    println!();
    println!("1,000,000 × `SET key:{{i}} xxx` in one pipeline, one dedicated connection");
    println!();
    println!(
        "- keys (`Vec<String>`, built before, not in the figures below): {}",
        mib(keys_size)
    );
    println!(
        "- encoded batch (sum of each command's RESP bytes): {} ({encoded} bytes, {:.1} per command)",
        mib(encoded),
        encoded as f64 / N as f64
    );
    println!(
        "- replies on the wire (`+OK\\r\\n`, {OK_WIRE} bytes each): {}",
        mib(replies_wire)
    );
    println!(
        "- replies in memory (N × size_of::<Value>() = N × {value_size} bytes): {}",
        mib(replies_mem)
    );
    println!();
    println!("| pass | time | VmRSS before | VmHWM after | peak RSS growth | growth / replies in memory | growth / replies on the wire | VmRSS after |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for p in [&with_replies, &ignored] {
        println!(
            "| {} | {:.0} ms | {} | {} | {} | {:.2} | {:.2} | {} |",
            p.name,
            p.elapsed.as_secs_f64() * 1e3,
            mib(p.rss_before),
            mib(p.hwm_after),
            mib(p.growth()),
            p.growth() as f64 / replies_mem as f64,
            p.growth() as f64 / replies_wire as f64,
            mib(p.rss_after),
        );
    }
    println!();
    for p in [&with_replies, &ignored] {
        if p.peak_reset {
            println!(
                "- {}: VmHWM reset to the current RSS before the pass",
                p.name
            );
        } else {
            println!(
                "- {}: VmHWM could not be reset (/proc/self/clear_refs refused); it was {} before the pass, so a pipeline peak below that is hidden",
                p.name,
                mib(p.hwm_before)
            );
        }
    }
    println!("- \"VmRSS after\" is read when the pass returns (pass 1: its replies still alive); it can include memory the pipeline freed but the allocator keeps for reuse (glibc does not always return a freed heap to the kernel)");
    println!("- target (issue 12): peak RSS growth ≤ 2 × the replies' size; \"growth / replies in memory\" for the pass that keeps them");

    if server.is_none() {
        // A server we did not start: remove what we wrote.
        let mut pipe = conn.pipeline();
        for chunk in keys.chunks(1_000) {
            pipe.del(chunk).ignore();
        }
        pipe.execute::<()>()?;
    }
    Ok(())
}
