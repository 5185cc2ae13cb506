//! `cargo bench -p redline-bench --bench compare [-- --quick]`: redline side by side with redis-rs 1.8.1 (sync
//! API) and with the server's own speed (issue 12).
//!
//! It starts its own `redis-server` (free port, temp dir, no persistence), loads the data, runs
//! every scenario with both clients in alternating order (AB, BA, ...) for several rounds,
//! measures the ceilings (a raw-socket replay of the pipelined rows' own batches, the
//! raw-socket wire floor of the large replies) and redis-benchmark's figures in the same rounds,
//! and prints one Markdown table of medians. Every scenario checks its replies; a wrong or missing
//! reply aborts the run with a message. `--quick` uses fewer rounds and smaller sizes.
//!
//! Then the cluster section (issue 18, `cluster.rs`): a 3-primary cluster of its own, redline's
//! `ClusterClient` against redis-rs's sync cluster client. `--cluster-only` runs just that.
//!
//! Then the TLS section (issue 19, `tls.rs`, with `--features tls`): pipelined SET and GET of
//! 16 MiB over TLS against redis-rs with `tls-native-tls`. `--tls-only` runs just that.
//!
//! Then the client-side cache section (issue 20, `cache.rs`): a cache hit against a `GET`
//! round trip (redline, redis-rs, a raw socket), and a Zipf read load's hit rate and speed.
//! `--cache-only` runs just that.
//!
//! The main table is also drawn as `docs/performance.svg` (`svg.rs`; `REDLINE_BENCH_SVG` sets
//! another path).
//!
//! Environment: `REDIS_SERVER_BIN` (default `redis-server`), `REDIS_BENCHMARK_BIN` (default
//! `redis-benchmark`; its ceilings are skipped with a note when it is absent).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// A result whose error is the message the run aborts with.
pub type Res<T> = Result<T, String>;

/// Adds context to any displayable error.
pub trait Ctx<T> {
    fn ctx(self, what: &str) -> Res<T>;
}

impl<T, E: std::fmt::Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Res<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// Aborts the scenario (and the run) with a message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

mod cache;
mod cluster;
mod data;
mod parser;
mod replay;
mod report;
mod rl;
mod rr;
mod server;
#[cfg(feature = "tls")]
mod tls;

use report::{Id, Table};

/// The script of scenarios 3, 4 and 7 (and of scenario 3's replay and redis-benchmark run).
pub const SCRIPT: &str = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

// ---------------------------------------------------------------------------------------------
// Counting allocator: counts allocation calls (alloc, alloc_zeroed, realloc) while switched on.

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

fn count_one() {
    if COUNTING.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Times `reps` calls of `call` after one untimed warm-up call, checking each reply after the
/// clock stops and dropping it before the next call: every sample follows the drop of a reply
/// of its own shape (a steady state).
pub fn steady<T>(
    reps: usize,
    mut call: impl FnMut() -> Res<T>,
    mut check: impl FnMut(&T) -> Res<()>,
) -> Res<Vec<Duration>> {
    let mut samples = Vec::with_capacity(reps);
    for rep in 0..=reps {
        let t = Instant::now();
        let reply = call()?;
        let elapsed = t.elapsed();
        if rep > 0 {
            samples.push(elapsed);
        }
        check(&reply)?;
    }
    Ok(samples)
}

/// Runs `f` with counting on (single-threaded, untimed) and returns the allocation count.
pub fn count_allocs<R>(f: impl FnOnce() -> R) -> (u64, R) {
    ALLOCS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let result = f();
    COUNTING.store(false, Relaxed);
    (ALLOCS.load(Relaxed), result)
}

// ---------------------------------------------------------------------------------------------

/// Sizes and repetitions; `--quick` scales them down.
pub struct Config {
    pub quick: bool,
    pub rounds: usize,
    /// Scenario 1: GET round trips per round.
    pub rt_calls: usize,
    /// Scenarios 2, 2b, 3, 8, 8b (and redis-benchmark's `-n`): commands per round.
    pub pipe_total: usize,
    pub batch: usize,
    /// Scenario 4: script calls per round.
    pub script_calls: usize,
    pub list_len: usize,
    pub hash_fields: usize,
    pub big_sizes: [usize; 2],
    /// Scenarios 5 and 6: calls per round per client (each one a sample).
    pub large_reps: usize,
    pub threads: usize,
    pub thread_calls: usize,
    /// Scenario 9: size of the parser's input.
    pub parse_bytes: usize,
}

impl Config {
    fn new(quick: bool) -> Config {
        if quick {
            Config {
                quick,
                rounds: 3,
                rt_calls: 1_000,
                pipe_total: 20_000,
                batch: 1_000,
                script_calls: 1_000,
                list_len: 20_000,
                hash_fields: 2_000,
                big_sizes: [1 << 20, 4 << 20],
                large_reps: 3,
                threads: 8,
                thread_calls: 500,
                parse_bytes: 4 << 20,
            }
        } else {
            Config {
                quick,
                rounds: 5,
                rt_calls: 10_000,
                pipe_total: 100_000,
                batch: 1_000,
                script_calls: 10_000,
                list_len: 100_000,
                hash_fields: 10_000,
                big_sizes: [1 << 20, 16 << 20],
                large_reps: 5,
                threads: 8,
                thread_calls: 10_000,
                parse_bytes: 16 << 20,
            }
        }
    }
}

/// Runs `a` (redline) and `b` (redis-rs) in the round's order.
fn ab<A, B>(
    redline_first: bool,
    a: impl FnOnce() -> Res<A>,
    b: impl FnOnce() -> Res<B>,
) -> Res<(A, B)> {
    if redline_first {
        let x = a()?;
        Ok((x, b()?))
    } else {
        let y = b()?;
        Ok((a()?, y))
    }
}

/// Runs `a` (redline), `b` (redis-rs) and `c` (the replay) in the round's mirror order: a, b, c
/// when redline goes first, c, b, a otherwise, so that every pair of them alternates its order
/// from round to round, as the two clients do.
fn abc<A, B, C>(
    redline_first: bool,
    a: impl FnOnce() -> Res<A>,
    b: impl FnOnce() -> Res<B>,
    c: impl FnOnce() -> Res<C>,
) -> Res<(A, B, C)> {
    if redline_first {
        let x = a()?;
        let y = b()?;
        Ok((x, y, c()?))
    } else {
        let z = c()?;
        let y = b()?;
        Ok((a()?, y, z))
    }
}

fn ops(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let cluster_only = args.iter().any(|a| a == "--cluster-only");
    let tls_only = args.iter().any(|a| a == "--tls-only");
    let cache_only = args.iter().any(|a| a == "--cache-only");
    let outcome = if cluster_only {
        cluster::run(quick)
    } else if tls_only {
        run_tls(quick)
    } else if cache_only {
        cache::run(quick)
    } else {
        run(quick)
            .and_then(|()| cluster::run(quick))
            .and_then(|()| run_tls(quick))
            .and_then(|()| cache::run(quick))
    };
    let code = match outcome {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("compare: run aborted: {e}");
            1
        }
    };
    // The server has been killed by then: `run` owns it.
    std::process::exit(code);
}

/// The TLS section, which needs redline's `tls` feature (`--features tls`).
fn run_tls(quick: bool) -> Res<()> {
    #[cfg(feature = "tls")]
    return tls::run(quick);
    #[cfg(not(feature = "tls"))]
    {
        let _ = quick;
        println!("\n## TLS\n\nSkipped: run with `--features tls` for the TLS section.");
        Ok(())
    }
}

fn run(quick: bool) -> Res<()> {
    let cfg = Config::new(quick);
    let server = server::Server::start()?;
    eprintln!("compare: redis-server on port {}", server.port);
    let data = data::Data::load(&server, &cfg)?;
    let bench = server::Bench::find(server.port, cfg.pipe_total);
    let mut floor = server::Floor::connect(server.port, &data)?;
    let mut replay = replay::Replay::connect(server.port)?;
    // The replays whose commands and replies are the same every round, encoded once.
    let one_keys = vec![data::ONE_KEY; cfg.pipe_total];
    let set_one_work = replay::Work::set(&one_keys, data::ONE_VALUE, cfg.batch);
    let get_work = replay::Work::get(&data.get_keys, cfg.batch, data::get_value);
    let get_one_work = replay::Work::get(&one_keys, cfg.batch, |_| data::ONE_VALUE.to_string());
    let input = parser::Input::build(cfg.parse_bytes);

    let timeout = Some(Duration::from_secs(60));
    let rl_client = redline::Client::builder()
        .host("127.0.0.1")
        .port(server.port)
        .read_timeout(timeout)
        .build();
    let rl_conn = rl_client.get_connection().ctx("redline get_connection")?;
    let rr_client = redis::Client::open(server.url()).ctx("redis::Client::open")?;
    let mut rr_conn = rr_client.get_connection().ctx("redis-rs get_connection")?;
    rr_conn.set_read_timeout(timeout).ctx("redis-rs timeout")?;
    let checker = data::Checker::new(&rr_client)?;

    let mut t = Table::new(&cfg, bench.is_some());
    for round in 0..cfg.rounds {
        let first = round % 2 == 0;
        eprintln!(
            "compare: round {}/{} ({} first)",
            round + 1,
            cfg.rounds,
            if first { "redline" } else { "redis-rs" }
        );

        // 1. GET round trips.
        let (a, b) = ab(
            first,
            || rl::get_round_trips(&rl_conn, &data, cfg.rt_calls),
            || rr::get_round_trips(&mut rr_conn, &data, cfg.rt_calls),
        )?;
        let (a, b) = (report::Latency::of(a), report::Latency::of(b));
        t.push(Id::GetP50, a.p50, b.p50);
        t.push(Id::GetP99, a.p99, b.p99);
        t.push(Id::GetMean, a.mean, b.mean);

        // 2. Pipelined SET; each client and the replay write their own value (all 3 bytes),
        // checked afterwards.
        let (rl_val, rr_val, rp_val) = (
            format!("L{:02}", round % 100),
            format!("R{:02}", round % 100),
            format!("W{:02}", round % 100),
        );
        let (a, b, c) = abc(
            first,
            || {
                let d = rl::set_pipelined(&rl_conn, &data.set_keys, &rl_val, cfg.batch)?;
                checker.check_set("redline", &data.set_keys, &rl_val)?;
                Ok(d)
            },
            || {
                let d = rr::set_pipelined(&mut rr_conn, &data.set_keys, &rr_val, cfg.batch)?;
                checker.check_set("redis-rs", &data.set_keys, &rr_val)?;
                Ok(d)
            },
            || {
                let work = replay::Work::set(&data.set_keys, &rp_val, cfg.batch);
                let d = replay.run("replay of pipelined SET", &work)?;
                checker.check_set("replay", &data.set_keys, &rp_val)?;
                Ok(d)
            },
        )?;
        t.push(Id::SetPipe, ops(cfg.pipe_total, a), ops(cfg.pipe_total, b));
        t.ceiling(Id::SetPipe, ops(cfg.pipe_total, c));

        // 2b. redis-benchmark's own SET workload (one key, 3-byte value), like for like.
        let (a, b, c) = abc(
            first,
            || {
                let before = checker.reset_one()?;
                let d = rl::set_one_pipelined(&rl_conn, cfg.pipe_total, cfg.batch)?;
                checker.check_set_one("redline", before, cfg.pipe_total)?;
                Ok(d)
            },
            || {
                let before = checker.reset_one()?;
                let d = rr::set_one_pipelined(&mut rr_conn, cfg.pipe_total, cfg.batch)?;
                checker.check_set_one("redis-rs", before, cfg.pipe_total)?;
                Ok(d)
            },
            || {
                let before = checker.reset_one()?;
                let d = replay.run("replay of pipelined SET of one key", &set_one_work)?;
                checker.check_set_one("replay", before, cfg.pipe_total)?;
                Ok(d)
            },
        )?;
        t.push(
            Id::SetPipeOne,
            ops(cfg.pipe_total, a),
            ops(cfg.pipe_total, b),
        );
        t.ceiling(Id::SetPipeOne, ops(cfg.pipe_total, c));
        if let Some(bench) = &bench {
            // One figure, the reference of both 2 and 2b.
            let figure = bench.run(&["-t", "set"])?;
            t.bench(Id::SetPipe, figure);
            t.bench(Id::SetPipeOne, figure);
            // Not the issue's ceiling, a note: the same number of distinct keys as scenario 2.
            let keys = cfg.pipe_total.to_string();
            t.extra(Id::SetPipe, bench.run(&["-r", &keys, "-t", "set"])?);
        }

        // 3. Pipelined EVALSHA.
        let (a, b, c) = abc(
            first,
            || rl::evalsha_pipelined(&rl_client, &rl_conn, cfg.pipe_total, cfg.batch),
            || rr::evalsha_pipelined(&mut rr_conn, cfg.pipe_total, cfg.batch),
            || {
                let base = checker.counter(data::CTR_KEY)?;
                let work = replay::Work::evalsha(
                    &data.sha,
                    data::CTR_KEY,
                    base,
                    cfg.pipe_total,
                    cfg.batch,
                );
                replay.run("replay of pipelined EVALSHA", &work)
            },
        )?;
        data::check_consecutive("redline pipelined EVALSHA", &a.1, cfg.pipe_total)?;
        data::check_consecutive("redis-rs pipelined EVALSHA", &b.1, cfg.pipe_total)?;
        t.push(
            Id::EvalPipe,
            ops(cfg.pipe_total, a.0),
            ops(cfg.pipe_total, b.0),
        );
        t.ceiling(Id::EvalPipe, ops(cfg.pipe_total, c));
        if let Some(bench) = &bench {
            t.bench(
                Id::EvalPipe,
                bench.run(&["EVALSHA", &data.sha, "1", "ctr", "1"])?,
            );
        }

        // 4. Script calls one at a time: redline on the pooled Client and on a Connection.
        let p50 = |v: Vec<Duration>| report::Latency::of(v).p50;
        let (a, b) = ab(
            first,
            || {
                let pooled = rl::script_calls(&rl_client, None, cfg.script_calls)?;
                let dedicated = rl::script_calls(&rl_client, Some(&rl_conn), cfg.script_calls)?;
                Ok((pooled, dedicated))
            },
            || rr::script_calls(&mut rr_conn, cfg.script_calls),
        )?;
        let b = p50(b);
        t.push(Id::ScriptCall, p50(a.0), b);
        t.push(Id::ScriptCallOn, p50(a.1), b);

        // 5. and 6. Large replies, with the wire floor.
        let (a, b) = ab(
            first,
            || rl::large(&rl_conn, &data, cfg.large_reps),
            || rr::large(&mut rr_conn, &data, cfg.large_reps),
        )?;
        for (i, id) in Id::LARGE.into_iter().enumerate() {
            for (x, y) in a[i].iter().zip(&b[i]) {
                t.push(id, ms(*x), ms(*y));
            }
            for _ in 0..cfg.large_reps {
                t.ceiling(id, ms(floor.time(i)?));
            }
        }
        floor.check_drained()?;

        // 7. Threads sharing one client.
        let (a, b) = ab(
            first,
            || rl::threads(&rl_client, cfg.threads, cfg.thread_calls),
            || rr::threads(&rr_client, cfg.threads, cfg.thread_calls),
        )?;
        let total = cfg.threads * cfg.thread_calls;
        t.push(Id::Threads, ops(total, a), ops(total, b));

        // 8. Pipelined GET into Vec<String>.
        let (a, b, c) = abc(
            first,
            || rl::get_pipelined(&rl_conn, &data.get_keys, cfg.batch),
            || rr::get_pipelined(&mut rr_conn, &data.get_keys, cfg.batch),
            || replay.run("replay of pipelined GET", &get_work),
        )?;
        data.check_gets("redline pipelined GET", &a.1)?;
        data.check_gets("redis-rs pipelined GET", &b.1)?;
        drop((a.1, b.1));
        t.push(
            Id::GetPipe,
            ops(cfg.pipe_total, a.0),
            ops(cfg.pipe_total, b.0),
        );
        t.ceiling(Id::GetPipe, ops(cfg.pipe_total, c));

        // 8b. redis-benchmark's own GET workload (one key, 3-byte value), like for like.
        checker.restore_one()?;
        let (a, b, c) = abc(
            first,
            || rl::get_one_pipelined(&rl_conn, cfg.pipe_total, cfg.batch),
            || rr::get_one_pipelined(&mut rr_conn, cfg.pipe_total, cfg.batch),
            || replay.run("replay of pipelined GET of one key", &get_one_work),
        )?;
        data::check_gets_one("redline pipelined GET of one key", &a.1, cfg.pipe_total)?;
        data::check_gets_one("redis-rs pipelined GET of one key", &b.1, cfg.pipe_total)?;
        drop((a.1, b.1));
        t.push(
            Id::GetPipeOne,
            ops(cfg.pipe_total, a.0),
            ops(cfg.pipe_total, b.0),
        );
        t.ceiling(Id::GetPipeOne, ops(cfg.pipe_total, c));
        if let Some(bench) = &bench {
            // One figure, the reference of both 8 and 8b.
            let figure = bench.run(&["-t", "get"])?;
            t.bench(Id::GetPipe, figure);
            t.bench(Id::GetPipeOne, figure);
            let keys = cfg.pipe_total.to_string();
            t.extra(Id::GetPipe, bench.run(&["-r", &keys, "-t", "get"])?);
        }

        // 9. The parser alone.
        for (id, bulk, chunked) in [
            (Id::ParseMixed, false, false),
            (Id::ParseMixedChunked, false, true),
            (Id::ParseBulk, true, false),
            (Id::ParseBulkChunked, true, true),
        ] {
            // Several samples per round: one parse of a bulk takes about a millisecond.
            let reps = if bulk {
                4 * cfg.large_reps
            } else {
                cfg.large_reps
            };
            let mb = input.len(bulk) as f64 / 1e6;
            for _ in 0..reps {
                let (a, b) = ab(
                    first,
                    || input.time_redline(bulk, chunked),
                    || input.time_redis(bulk, chunked),
                )?;
                t.push(id, mb / a.as_secs_f64(), mb / b.as_secs_f64());
            }
        }
    }

    eprintln!("compare: allocation pass");
    let allocs = report::Allocs {
        get: (
            rl::allocs_get(&rl_conn, &data)?,
            rr::allocs_get(&mut rr_conn, &data)?,
        ),
        set: (
            rl::allocs_set(&rl_conn, &data, cfg.batch)?,
            rr::allocs_set(&mut rr_conn, &data, cfg.batch)?,
        ),
        set_one: (
            rl::allocs_set_one(&rl_conn, cfg.batch)?,
            rr::allocs_set_one(&mut rr_conn, cfg.batch)?,
        ),
        get_pipe: (
            rl::allocs_get_pipe(&rl_conn, &data, cfg.batch)?,
            rr::allocs_get_pipe(&mut rr_conn, &data, cfg.batch)?,
        ),
        large: (
            rl::allocs_large(&rl_conn, &data)?,
            rr::allocs_large(&mut rr_conn, &data)?,
        ),
    };

    let version = checker.server_version()?;
    report::print(&cfg, &t, &allocs, &version, bench.is_some());
    report::svg::write(&cfg, &t, &version)?;
    drop(server);
    Ok(())
}
