//! A batch job: load many keys with pipelines, then run a script over every one of them found
//! by a SCAN iterator, in a way that survives a server restart (or a crash of the job) without
//! applying anything twice.
//!
//! Run with `cargo run --release --example batch_job -- [--keys N] [--restart-after M]`
//! (default 1,000,000 keys). It uses the server at `REDIS_URL` (default
//! `redis://127.0.0.1:6379`), or starts a throwaway one if nothing answers there.
//! `--restart-after M` (throwaway server only) restarts the server once M keys are processed,
//! keeping its data, and resumes the job. Against a server of your own, run the job twice: the
//! second run applies nothing.
//!
//! How it avoids double-applying: the job's progress is not kept anywhere but in the keys
//! themselves. Each value says whether the job has been applied to it (`pending:<n>` before,
//! `done:<2n>` after), and the script checks and changes it in one atomic step. So a pipeline
//! cut off by a restart (some scripts ran, some did not), a key that SCAN returns twice, or a
//! whole job run again from the start all apply each key at most once: the job needs no
//! cursor saved anywhere, it simply starts its SCAN over.

mod common;

use redline::{cmd, Client, Commands, ScanOptions, ScriptCode};
use std::io::Write;
use std::time::{Duration, Instant};

const PREFIX: &str = "batch:item:";
const BATCH: usize = 1000;
/// Long enough for the job to finish; short enough that a forgotten run cleans up after itself.
const TTL_SECONDS: u64 = 3600;

/// KEYS[1]: one item. Returns 1 if applied now, 0 if it already was, -1 if the key is gone
/// (expired or deleted since SCAN saw it). `KEEPTTL` (Redis 6.0) leaves the expiry alone.
static APPLY: ScriptCode = ScriptCode::from_static(
    r#"
local value = redis.call('GET', KEYS[1])
if not value then return -1 end
if string.sub(value, 1, 5) == 'done:' then return 0 end
local n = tonumber(string.sub(value, 9))
redis.call('SET', KEYS[1], 'done:' .. (n * 2), 'KEEPTTL')
return 1
"#,
);

/// What one pass over the keys found.
#[derive(Default, Debug)]
struct Outcome {
    applied: u64,
    already_done: u64,
    gone: u64,
}

impl Outcome {
    fn seen(&self) -> u64 {
        self.applied + self.already_done + self.gone
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (keys, restart_after) = parse_args()?;
    let (client, mut server) = common::connect()?;
    if restart_after.is_some() && server.is_none() {
        return Err("--restart-after only restarts a server this example started".into());
    }

    let created = load(&client, keys)?;

    let mut total = Outcome::default();
    let started = Instant::now();
    let first = process(&client, keys, restart_after)?;
    let mut busy = started.elapsed();
    println!(
        "pass 1: {} applied, {} already done, {} gone",
        first.applied, first.already_done, first.gone
    );
    add(&mut total, &first);
    if let (Some(stopped_at), Some(server)) = (restart_after, server.as_mut()) {
        server.restart()?;
        println!("server restarted after {stopped_at} keys (its script cache is empty now)");
        // Start the SCAN over: the values themselves say what is done.
        let started = Instant::now();
        let second = process(&client, keys, None)?;
        busy += started.elapsed();
        println!(
            "pass 2 (resumed): {} applied, {} already done, {} gone",
            second.applied, second.already_done, second.gone
        );
        if second.already_done < first.applied {
            return Err("keys applied before the restart were not found done after it".into());
        }
        add(&mut total, &second);
    }
    let elapsed = busy.as_secs_f64();
    println!(
        "processed: {} script calls in {elapsed:.2} s ({:.0} keys/s); applied {} in all",
        total.seen(),
        total.seen() as f64 / elapsed,
        total.applied
    );
    if total.applied > keys {
        return Err(format!("applied {} times to {keys} keys", total.applied).into());
    }
    // Every key was new and none expired: each must have been applied exactly once.
    if created == keys && total.gone == 0 && total.applied != keys {
        return Err(format!("applied {} of {keys} new keys", total.applied).into());
    }
    Ok(())
}

fn add(total: &mut Outcome, pass: &Outcome) {
    total.applied += pass.applied;
    total.already_done += pass.already_done;
    total.gone += pass.gone;
}

/// Writes `keys` items with a TTL, 1,000 per pipeline. `SET ... NX` leaves items that exist
/// as they are, so a job run again (or resumed) does not reset work already done.
/// Returns how many were created.
fn load(client: &Client, keys: u64) -> redline::Result<u64> {
    let mut progress = Progress::new("loading", keys);
    let mut created = 0;
    let mut pipe = client.pipeline();
    for i in 0..keys {
        pipe.cmd(
            cmd("SET")
                .arg(format!("{PREFIX}{i}"))
                .arg(format!("pending:{i}"))
                .arg("EX")
                .arg(TTL_SECONDS)
                .arg("NX"),
        );
        if pipe.len() == BATCH || i + 1 == keys {
            let fresh: Vec<bool> = pipe.execute()?;
            created += fresh.iter().filter(|&&f| f).count() as u64;
            progress.update(i + 1);
        }
    }
    let rate = progress.finish();
    println!(
        "loaded: {created} new keys, {} already there, at {rate:.0} keys/s",
        keys - created
    );
    Ok(created)
}

/// One pass: SCAN the items, 1,000 a page, and run the script on them in pipelines of 1,000.
/// With `stop_after`, stops (as a job killed mid-way would) after that many keys.
fn process(client: &Client, keys: u64, stop_after: Option<u64>) -> redline::Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut progress = Progress::new("processing", stop_after.unwrap_or(keys));
    let mut pipe = client.pipeline();
    let options = ScanOptions::new()
        .pattern(format!("{PREFIX}*"))
        .count(BATCH as u64);
    let mut run = |pipe: &mut redline::Pipeline<'_>, outcome: &mut Outcome| {
        let results: Vec<i64> = pipe.execute()?;
        for r in results {
            match r {
                1 => outcome.applied += 1,
                0 => outcome.already_done += 1,
                _ => outcome.gone += 1,
            }
        }
        progress.update(outcome.seen());
        redline::Result::Ok(())
    };
    for key in client.scan_iter::<Vec<u8>>(options) {
        pipe.script(&APPLY, key?, ());
        if pipe.len() == BATCH {
            run(&mut pipe, &mut outcome)?;
            if stop_after.is_some_and(|stop| outcome.seen() >= stop) {
                break;
            }
        }
    }
    if !pipe.is_empty() {
        run(&mut pipe, &mut outcome)?;
    }
    progress.finish();
    Ok(outcome)
}

/// A progress line on stderr, rewritten in place (`\r`) at most ten times a second.
struct Progress {
    label: &'static str,
    total: u64,
    started: Instant,
    last_print: Option<Instant>,
    done: u64,
}

impl Progress {
    fn new(label: &'static str, total: u64) -> Progress {
        Progress {
            label,
            total,
            started: Instant::now(),
            last_print: None,
            done: 0,
        }
    }

    fn update(&mut self, done: u64) {
        self.done = done;
        let now = Instant::now();
        if self
            .last_print
            .is_some_and(|t| now - t < Duration::from_millis(100))
        {
            return;
        }
        self.last_print = Some(now);
        let rate = self.rate();
        let eta = self.total.saturating_sub(done) as f64 / rate.max(1.0);
        eprint!(
            "\r{}: {done}/{} keys, {rate:.0} keys/s, ETA {eta:.1} s   ",
            self.label, self.total
        );
        let _ = std::io::stderr().flush();
    }

    /// Ends the line; returns the overall rate.
    fn finish(&self) -> f64 {
        let rate = self.rate();
        eprintln!(
            "\r{}: {}/{} keys, {rate:.0} keys/s, done in {:.2} s   ",
            self.label,
            self.done,
            self.total,
            self.started.elapsed().as_secs_f64()
        );
        rate
    }

    fn rate(&self) -> f64 {
        self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }
}

fn parse_args() -> Result<(u64, Option<u64>), Box<dyn std::error::Error>> {
    let usage = "usage: batch_job [--keys N] [--restart-after M]";
    let mut keys = 1_000_000;
    let mut restart_after = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(usage)?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
        match flag.as_str() {
            "--keys" => keys = n,
            "--restart-after" => restart_after = Some(n),
            _ => return Err(usage.into()),
        }
    }
    Ok((keys, restart_after))
}
