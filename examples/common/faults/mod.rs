//! The fault workload, written once for the suite's `faults` tests and `examples/soak.rs`:
//! workers whose every reply is checked against a token only that call could produce
//! (`worker`), the faults injected meanwhile (`CLIENT KILL`, `SCRIPT FLUSH`,
//! `SIGSTOP`/`SIGCONT`, restarts, signals to the workers), and the counts (`counts`).
#![allow(dead_code)] // Each user takes the parts it needs.

use redline::{cmd, Client, ScriptCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod counts;
mod worker;

use counts::lock;
#[allow(unused_imports)] // The tests name `kind`; the example does not.
pub use counts::{kind, Counts};
pub use worker::{run_id, Worker};

/// Stores ARGV[1] in KEYS[1] and returns it: the reply names the call that asked for it.
pub static ECHO_SET: ScriptCode =
    ScriptCode::from_static("redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]");

/// What a worker does in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    /// `Script::call` of [`ECHO_SET`].
    Script,
    /// `ECHO`, `SET` and `GET` as single commands.
    Plain,
    /// A plain pipeline: `SET`, `GET`, the script, `ECHO`.
    Pipeline,
    /// A transaction: two `SET`s and the script, checked all-or-nothing afterwards.
    Atomic,
    /// A batch of [`BIG`] `SET`+`GET` pairs (over 256 KiB: several segments), a transaction
    /// every other time (checked all-or-nothing afterwards).
    Big,
}

/// The small steps, in the order a worker cycles through them.
pub const SMALL_OPS: [Op; 4] = [Op::Script, Op::Plain, Op::Pipeline, Op::Atomic];

/// Every kind of step.
pub const ALL_OPS: [Op; 5] = [Op::Script, Op::Plain, Op::Pipeline, Op::Atomic, Op::Big];

/// What the workers of the tests and the soak run: three the small steps, one every step
/// (a big batch takes the time of a hundred small steps).
pub fn default_ops() -> Vec<Vec<Op>> {
    let small = SMALL_OPS.to_vec();
    vec![small.clone(), small.clone(), small, ALL_OPS.to_vec()]
}

/// The `SET`+`GET` pairs of an [`Op::Big`] batch; with [`PAD`], about 340 KiB.
pub const BIG: usize = 2000;
pub(super) const PAD: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/// A fault the runner injects at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// `CLIENT KILL TYPE normal SKIPME yes` from the admin connection.
    ClientKill,
    /// `SCRIPT FLUSH` from the admin connection (another client: the workers' pool is not told).
    ScriptFlush,
    /// `SIGSTOP` to the server.
    Stop,
    /// `SIGCONT` to the server.
    Cont,
    /// `kill -9` and a new server on the same port.
    Restart,
}

/// The server under test, as the runner needs it.
pub trait Server {
    /// Its process id, for `SIGSTOP`/`SIGCONT`.
    fn pid(&self) -> u32;
    /// `kill -9`, then a new server on the same port; returns once it answers.
    fn restart(&mut self);
}

/// What to run: workers, their steps, the faults and when.
pub struct Plan {
    pub duration: Duration,
    pub workers: usize,
    /// Worker `i` cycles through `ops[i % ops.len()]`.
    pub ops: Vec<Vec<Op>>,
    /// Offsets from the start, in order.
    pub schedule: Vec<(Duration, Action)>,
    /// Interrupt every worker with `SIGUSR1` (a handler without `SA_RESTART`) every ~1 ms.
    pub signals: bool,
}

/// `action` every `every` from `from` until `until`.
pub fn storm(
    action: Action,
    every: Duration,
    from: Duration,
    until: Duration,
) -> Vec<(Duration, Action)> {
    let mut at = from;
    let mut out = Vec::new();
    while at < until {
        out.push((at, action));
        at += every;
    }
    out
}

/// The soak's mix, one 4 s cycle after another: a `CLIENT KILL` storm (every 50 ms for 1 s), a
/// `SCRIPT FLUSH` storm (every 5 ms for 1 s), the server stopped for `stop` (longer than the
/// clients' deadlines), a restart, a quiet rest.
pub fn soak_schedule(duration: Duration, stop: Duration) -> Vec<(Duration, Action)> {
    let cycle = Duration::from_secs(4);
    let ms = Duration::from_millis;
    let mut out = Vec::new();
    let mut start = Duration::ZERO;
    while start + cycle <= duration {
        out.extend(storm(Action::ClientKill, ms(50), start, start + ms(1000)));
        out.extend(storm(
            Action::ScriptFlush,
            ms(5),
            start + ms(1000),
            start + ms(2000),
        ));
        out.push((start + ms(2000), Action::Stop));
        out.push((start + ms(2000) + stop, Action::Cont));
        out.push((start + ms(3600), Action::Restart));
        start += cycle;
    }
    out
}

extern "C" fn on_sigusr1(_: libc::c_int) {}

/// Installs a `SIGUSR1` handler that does nothing, without `SA_RESTART`: an interrupted
/// `read`/`write` returns `EINTR` to the library. Installed again by every run that signals,
/// in case another test of the same process installed its own meanwhile.
pub fn install_signal_handler() {
    // SAFETY: a handler that does nothing is async-signal-safe; the struct is zeroed and then
    // filled as sigaction(2) describes.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigusr1 as extern "C" fn(libc::c_int) as usize;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
    }
}

/// Sends `signal` to process `pid`; never to pid 0 (that would be this process's own group).
pub fn signal(pid: u32, signal: libc::c_int) {
    if pid == 0 {
        return;
    }
    // SAFETY: kill(2) with a pid this program started.
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
}

/// Runs `plan` against `server` with `clients` (worker `i` uses `clients[i % len]`), the faults
/// sent through `admin`.
pub fn run(server: &mut dyn Server, clients: &[Client], admin: &Client, plan: &Plan) -> Counts {
    let counts = Counts::default();
    let run = run_id();
    let stop_workers = AtomicBool::new(false);
    let stop_signals = AtomicBool::new(false);
    let threads: Mutex<Vec<libc::pthread_t>> = Mutex::new(Vec::new());
    if plan.signals {
        install_signal_handler();
    }
    std::thread::scope(|s| {
        let mut workers = Vec::new();
        for id in 0..plan.workers {
            let (counts, stop, threads) = (&counts, &stop_workers, &threads);
            let client = &clients[id % clients.len()];
            workers.push(s.spawn(move || {
                // SAFETY: pthread_self has no preconditions.
                lock(threads).push(unsafe { libc::pthread_self() });
                Worker::new(client, run, id, counts).run(&plan.ops[id % plan.ops.len()], stop);
            }));
        }
        let signaller = plan.signals.then(|| {
            let (counts, stop, threads) = (&counts, &stop_signals, &threads);
            s.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    for &thread in lock(threads).iter() {
                        // SAFETY: every registered worker lives until this thread is joined.
                        unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
                        counts.signals.fetch_add(1, Ordering::SeqCst);
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        });

        let started = Instant::now();
        for &(at, action) in &plan.schedule {
            if let Some(wait) = at.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
            inject(server, admin, action, &counts);
        }
        if let Some(wait) = plan.duration.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }

        // Signals stop before any worker may exit: a signalled thread must still exist.
        stop_signals.store(true, Ordering::SeqCst);
        if let Some(signaller) = signaller {
            let _ = signaller.join();
        }
        stop_workers.store(true, Ordering::SeqCst);
        for worker in workers {
            let _ = worker.join();
        }
    });
    counts
}

fn inject(server: &mut dyn Server, admin: &Client, action: Action, counts: &Counts) {
    let sent = match action {
        Action::ClientKill => admin
            .query::<redline::Value>(
                cmd("CLIENT")
                    .arg("KILL")
                    .arg("TYPE")
                    .arg("normal")
                    .arg("SKIPME")
                    .arg("yes"),
            )
            .is_ok(),
        Action::ScriptFlush => admin
            .query::<redline::Value>(cmd("SCRIPT").arg("FLUSH"))
            .is_ok(),
        Action::Stop => {
            signal(server.pid(), libc::SIGSTOP);
            true
        }
        Action::Cont => {
            signal(server.pid(), libc::SIGCONT);
            true
        }
        Action::Restart => {
            server.restart();
            true
        }
    };
    if !sent {
        counts.admin_errors.fetch_add(1, Ordering::SeqCst);
    }
    *lock(&counts.injected).entry(action).or_default() += 1;
}
