//! A sliding-window rate limiter as one Lua script, shared by 16 threads.
//!
//! Run with `cargo run --example rate_limiter -- [--seconds N]` (default 3). It uses the server
//! at `REDIS_URL` (default `redis://127.0.0.1:6379`), or starts a throwaway one if nothing
//! answers there.
//!
//! Each user has a sorted set of the times of their allowed calls. One script drops the times
//! that left the window, counts the rest and, under the limit, records this call: as a script
//! it runs atomically, so two threads can never both take the last slot. At the end the
//! example checks, from the times the script returned, that no window ever held more than the
//! limit.

mod common;

use redline::{Client, Commands, ScriptCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const USERS: usize = 8;
const THREADS: usize = 16;
const LIMIT: i64 = 100;
const WINDOW_US: i64 = 1_000_000;

/// KEYS[1]: the user's sorted set; ARGV: window (µs), limit, a member unique to this call.
/// Returns {allowed 0/1, remaining, now in µs}. The time is the server's (`TIME`), so every
/// client agrees on it whatever their clocks say.
const SLIDING_WINDOW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    -- An idle user's set disappears on its own one window later.
    redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
    return {1, limit - count - 1, now}
end
return {0, 0, now}
"#;

/// The script sits beside its client as a `ScriptCode`: a `Script<'_>` would borrow the
/// `client` field next to it, which a struct cannot hold.
struct RateLimiter {
    client: Client,
    script: ScriptCode,
    limit: i64,
    window_us: i64,
}

/// One decision, with the server time it was made at.
struct Decision {
    allowed: bool,
    remaining: i64,
    at_us: i64,
}

impl RateLimiter {
    fn new(client: Client, limit: i64, window: Duration) -> RateLimiter {
        RateLimiter {
            client,
            script: ScriptCode::new(SLIDING_WINDOW),
            limit,
            window_us: window.as_micros() as i64,
        }
    }

    fn key(user: &str) -> String {
        format!("ratelimit:{user}")
    }

    /// `call_id` only has to be unique: two calls in the same microsecond must not collapse
    /// into one member of the set.
    fn check(&self, user: &str, call_id: &str) -> redline::Result<Decision> {
        let (allowed, remaining, at_us): (i64, i64, i64) = self.script.call_on(
            &self.client,
            Self::key(user),
            (self.window_us, self.limit, call_id),
        )?;
        Ok(Decision {
            allowed: allowed == 1,
            remaining,
            at_us,
        })
    }
}

/// What one thread saw, per user: the times of allowed calls, and the denied count.
#[derive(Default)]
struct Tally {
    allowed_at: HashMap<String, Vec<i64>>,
    denied: HashMap<String, u64>,
    min_remaining_seen: i64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds = parse_seconds()?;
    let (client, _server) = common::connect()?;
    let users: Vec<String> = (0..USERS).map(|i| format!("user{i}")).collect();
    let keys: Vec<String> = users.iter().map(|u| RateLimiter::key(u)).collect();
    client.del(&keys)?;

    let limiter = RateLimiter::new(client, LIMIT, Duration::from_micros(WINDOW_US as u64));
    println!(
        "{THREADS} threads, {USERS} users, limit {LIMIT} calls per {} ms, for {seconds} s",
        WINDOW_US / 1000
    );

    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let tallies: Vec<redline::Result<Tally>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (limiter, users, stop) = (&limiter, &users, &stop);
                s.spawn(move || hammer(limiter, users, stop, t))
            })
            .collect();
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();

    // Merge the threads' tallies per user.
    let mut allowed_at: HashMap<String, Vec<i64>> = HashMap::new();
    let mut denied: HashMap<String, u64> = HashMap::new();
    let mut min_remaining = LIMIT;
    for tally in tallies {
        let tally = tally?;
        for (user, times) in tally.allowed_at {
            allowed_at.entry(user).or_default().extend(times);
        }
        for (user, n) in tally.denied {
            *denied.entry(user).or_default() += n;
        }
        min_remaining = min_remaining.min(tally.min_remaining_seen);
    }

    let mut total_calls = 0u64;
    let mut violations = 0usize;
    println!(
        "{:<8} {:>8} {:>8} {:>16}",
        "user", "allowed", "denied", "busiest window"
    );
    for user in &users {
        let times = allowed_at.entry(user.clone()).or_default();
        times.sort_unstable();
        let denied = denied.get(user).copied().unwrap_or(0);
        let (busiest, bad) = busiest_window(times, WINDOW_US, LIMIT as usize);
        violations += bad;
        total_calls += times.len() as u64 + denied;
        println!(
            "{user:<8} {:>8} {denied:>8} {:>16}",
            times.len(),
            format!("{busiest}/{LIMIT}")
        );
    }
    println!(
        "{total_calls} calls in {elapsed:.2} s: {:.0} calls/s; lowest `remaining` returned: {min_remaining}",
        total_calls as f64 / elapsed
    );
    limiter.client.del(&keys)?;
    if violations > 0 {
        return Err(format!("{violations} windows allowed more than {LIMIT} calls").into());
    }
    println!(
        "ok: no {} ms window allowed more than {LIMIT} calls",
        WINDOW_US / 1000
    );
    Ok(())
}

/// One thread: call the limiter for users in turn until told to stop.
fn hammer(
    limiter: &RateLimiter,
    users: &[String],
    stop: &AtomicBool,
    thread: usize,
) -> redline::Result<Tally> {
    let mut tally = Tally {
        min_remaining_seen: LIMIT,
        ..Tally::default()
    };
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let user = &users[(thread + n as usize) % users.len()];
        let decision = limiter.check(user, &format!("{thread}-{n}"))?;
        if decision.allowed {
            tally.min_remaining_seen = tally.min_remaining_seen.min(decision.remaining);
            tally
                .allowed_at
                .entry(user.clone())
                .or_default()
                .push(decision.at_us);
        } else {
            *tally.denied.entry(user.clone()).or_default() += 1;
        }
        n += 1;
    }
    Ok(tally)
}

/// The most allowed calls in any window `(t - window, t]` ending at an allowed call, and how
/// many windows held more than `limit`. `times` is sorted.
fn busiest_window(times: &[i64], window: i64, limit: usize) -> (usize, usize) {
    let (mut start, mut busiest, mut violations) = (0, 0, 0);
    for (end, &t) in times.iter().enumerate() {
        while times[start] <= t - window {
            start += 1;
        }
        let in_window = end - start + 1;
        busiest = busiest.max(in_window);
        if in_window > limit {
            violations += 1;
        }
    }
    (busiest, violations)
}

fn parse_seconds() -> Result<u64, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(3),
        [flag, n] if flag == "--seconds" => Ok(n
            .parse()
            .map_err(|_| format!("--seconds takes a whole number, not {n:?}"))?),
        _ => Err("usage: rate_limiter [--seconds N]".into()),
    }
}
