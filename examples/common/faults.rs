//! The fault workload, written once for the suite's `faults` tests and `examples/soak.rs`:
//! workers whose every reply is checked against a token only that call could produce, the
//! faults injected meanwhile (`CLIENT KILL`, `SCRIPT FLUSH`, `SIGSTOP`/`SIGCONT`, restarts,
//! signals to the workers), and the counts.
#![allow(dead_code)] // Each user takes the parts it needs.

use redline::{cmd, Client, Commands, Error, ScriptCode};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
const PAD: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

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

/// What happened, counted by every worker.
#[derive(Default)]
pub struct Counts {
    ok: Mutex<BTreeMap<Op, u64>>,
    errors: Mutex<BTreeMap<(Op, String), u64>>,
    injected: Mutex<BTreeMap<Action, u64>>,
    wrong: AtomicU64,
    partial: AtomicU64,
    lost: AtomicU64,
    atomic_checked: AtomicU64,
    slowest_us: AtomicU64,
    signals: AtomicU64,
    admin_errors: AtomicU64,
    samples: Mutex<Vec<String>>,
}

impl Counts {
    /// Replies checked and right.
    pub fn ok(&self) -> u64 {
        lock(&self.ok).values().sum()
    }

    pub fn ok_of(&self, op: Op) -> u64 {
        lock(&self.ok).get(&op).copied().unwrap_or(0)
    }

    /// Calls that returned an error.
    pub fn errors(&self) -> u64 {
        lock(&self.errors).values().sum()
    }

    pub fn errors_of(&self, op: Op) -> u64 {
        let errors = lock(&self.errors);
        errors
            .iter()
            .filter(|((o, _), _)| *o == op)
            .map(|(_, n)| n)
            .sum()
    }

    /// The kinds of error seen (`Io(Read, ConnectionReset)`, `Timeout(Read)`, ...).
    pub fn error_kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = lock(&self.errors).keys().map(|(_, k)| k.clone()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Successful replies that were not the call's own (or a conversion error: a reply of
    /// another shape).
    pub fn wrong(&self) -> u64 {
        self.wrong.load(Ordering::SeqCst)
    }

    /// Transactions found partly applied.
    pub fn partial(&self) -> u64 {
        self.partial.load(Ordering::SeqCst)
    }

    /// `GET`s that found nothing after their `SET` succeeded (a restart emptied the server).
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::SeqCst)
    }

    pub fn atomic_checked(&self) -> u64 {
        self.atomic_checked.load(Ordering::SeqCst)
    }

    pub fn slowest(&self) -> Duration {
        Duration::from_micros(self.slowest_us.load(Ordering::SeqCst))
    }

    pub fn signals(&self) -> u64 {
        self.signals.load(Ordering::SeqCst)
    }

    pub fn injected(&self, action: Action) -> u64 {
        lock(&self.injected).get(&action).copied().unwrap_or(0)
    }

    fn record(&self, op: Op, outcome: Result<Result<(), String>, Error>, took: Duration) {
        self.slowest_us
            .fetch_max(took.as_micros() as u64, Ordering::SeqCst);
        match outcome {
            Ok(Ok(())) => *lock(&self.ok).entry(op).or_default() += 1,
            Ok(Err(wrong)) => self.wrong_reply(format!("{op:?}: {wrong}")),
            Err(e) if is_conversion(&e) => self.wrong_reply(format!("{op:?}: {e}")),
            Err(e) => *lock(&self.errors).entry((op, kind(&e))).or_default() += 1,
        }
    }

    fn wrong_reply(&self, what: String) {
        self.wrong.fetch_add(1, Ordering::SeqCst);
        self.sample(what);
    }

    fn sample(&self, what: String) {
        let mut samples = lock(&self.samples);
        if samples.len() < 10 {
            samples.push(what);
        }
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ops ok {} (", self.ok())?;
        for (i, (op, n)) in lock(&self.ok).iter().enumerate() {
            write!(f, "{}{op:?} {n}", if i > 0 { ", " } else { "" })?;
        }
        write!(f, "), errors {}", self.errors())?;
        for ((op, kind), n) in lock(&self.errors).iter() {
            write!(f, "\n    {op:?} {kind}: {n}")?;
        }
        write!(
            f,
            "\n  wrong {}, partial {} (transactions checked {}), lost after restarts {}, \
             slowest call {:?}, signals sent {}",
            self.wrong(),
            self.partial(),
            self.atomic_checked(),
            self.lost(),
            self.slowest(),
            self.signals(),
        )?;
        let injected = lock(&self.injected);
        if !injected.is_empty() {
            write!(f, "\n  faults injected:")?;
            for (action, n) in injected.iter() {
                write!(f, " {action:?} {n}")?;
            }
            write!(
                f,
                " (admin calls failed {})",
                self.admin_errors.load(Ordering::SeqCst)
            )?;
        }
        for sample in lock(&self.samples).iter() {
            write!(f, "\n  WRONG: {sample}")?;
        }
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A short name for an error's kind, with the step and the OS error where there is one.
pub fn kind(e: &Error) -> String {
    match e {
        Error::Io { op, source, .. } => format!("Io({op:?}, {:?})", source.kind()),
        Error::Timeout { op, .. } => format!("Timeout({op:?})"),
        Error::Protocol { op, source, .. } => format!("Protocol({op:?}, {source})"),
        Error::Server { kind, .. } => format!("Server({kind:?})"),
        Error::Pipeline { source, .. } => format!("Pipeline[{}]", kind(source)),
        other => {
            let text = format!("{other:?}");
            let end = text.find([' ', '(', '{']).unwrap_or(text.len());
            text[..end].to_string()
        }
    }
}

fn is_conversion(e: &Error) -> bool {
    match e {
        Error::Conversion { .. } => true,
        Error::Pipeline { source, .. } => is_conversion(source),
        _ => false,
    }
}

/// An id for this run, so that no two runs share a token.
pub fn run_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 1_000_000_007)
        .unwrap_or(0)
}

/// One worker: steps through `ops` until `stop`, checking every reply.
pub struct Worker<'a> {
    client: &'a Client,
    run: u64,
    id: usize,
    counts: &'a Counts,
}

impl<'a> Worker<'a> {
    pub fn new(client: &'a Client, run: u64, id: usize, counts: &'a Counts) -> Worker<'a> {
        Worker {
            client,
            run,
            id,
            counts,
        }
    }

    fn key(&self, name: &str) -> String {
        format!("faults:{}:{}:{name}", self.run, self.id)
    }

    /// Runs until `stop`, then checks its transactions' keys one last time.
    pub fn run(&self, ops: &[Op], stop: &AtomicBool) {
        let script = ECHO_SET.bind(self.client);
        let mut i = 0u64;
        while !stop.load(Ordering::SeqCst) && !ops.is_empty() {
            let token = format!("{}:{}:{i}", self.run, self.id);
            match ops[(i % ops.len() as u64) as usize] {
                Op::Script => self.timed(Op::Script, || {
                    let got: String = script.call(self.key("script"), &token)?;
                    Ok(expect(&got, &token))
                }),
                Op::Plain => self.plain(&token),
                Op::Pipeline => self.pipeline(&token),
                Op::Atomic => self.atomic(&token),
                Op::Big => self.big(&token, i % 2 == 0),
            }
            i += 1;
        }
        // The faults are over: the last transaction's keys must be readable now.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(self.check_atomic() && self.check_big()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn timed(&self, op: Op, call: impl FnOnce() -> Result<Result<(), String>, Error>) {
        let started = Instant::now();
        let outcome = call();
        self.counts.record(op, outcome, started.elapsed());
    }

    fn plain(&self, token: &str) {
        self.timed(Op::Plain, || {
            let got: String = self.client.query(cmd("ECHO").arg(token))?;
            Ok(expect(&got, token))
        });
        let key = self.key("plain");
        let started = Instant::now();
        let set = self.client.set(&key, token);
        let set_ok = set.is_ok();
        self.counts
            .record(Op::Plain, set.map(Ok), started.elapsed());
        if !set_ok {
            // It may or may not have been applied: the next GET proves nothing.
            return;
        }
        self.timed(Op::Plain, || {
            match self.client.get::<Option<String>>(&key)? {
                Some(got) => Ok(expect(&got, token)),
                None => {
                    self.counts.lost.fetch_add(1, Ordering::SeqCst);
                    Ok(Ok(()))
                }
            }
        });
    }

    fn pipeline(&self, token: &str) {
        let key = self.key("pipe");
        self.timed(Op::Pipeline, || {
            let ((), got, scripted, echoed): ((), Option<String>, String, String) = self
                .client
                .pipeline()
                .set(&key, token)
                .get(&key)
                .script(&ECHO_SET, self.key("pipe-script"), token)
                .cmd(cmd("ECHO").arg(token))
                .execute()?;
            // One connection, in order: the GET sees the SET of the same batch.
            let got = got.unwrap_or_else(|| "nil".into());
            Ok(expect(&got, token)
                .and(expect(&scripted, token))
                .and(expect(&echoed, token)))
        });
    }

    /// Checks that the three keys of this worker's transactions hold the same value (all set
    /// by one transaction, or none set). Returns whether the check could be made.
    fn check_atomic(&self) -> bool {
        let keys = [self.key("a"), self.key("b"), self.key("c")];
        let started = Instant::now();
        let values = match self.client.mget::<Vec<Option<String>>>(&keys[..]) {
            Ok(v) => v,
            Err(e) => {
                self.counts.record(Op::Atomic, Err(e), started.elapsed());
                return false;
            }
        };
        self.counts.atomic_checked.fetch_add(1, Ordering::SeqCst);
        if values.len() != 3 || values.iter().any(|v| *v != values[0]) {
            self.counts.partial.fetch_add(1, Ordering::SeqCst);
            self.counts
                .sample(format!("partial transaction: {values:?}"));
        }
        true
    }

    fn atomic(&self, token: &str) {
        // Every transaction's keys are checked before the next one runs (and at the end), so
        // a half-applied one is always seen, whether it returned an error or not.
        if !self.check_atomic() {
            return;
        }
        let [a, b, c] = [self.key("a"), self.key("b"), self.key("c")];
        self.timed(Op::Atomic, || {
            let ((), (), scripted): ((), (), String) = self
                .client
                .pipeline()
                .atomic()
                .set(&a, token)
                .set(&b, token)
                .script(&ECHO_SET, &c, token)
                .execute()?;
            Ok(expect(&scripted, token))
        });
    }
}

impl Worker<'_> {
    fn big_key(&self, atomic: bool, j: usize) -> String {
        self.key(&format!(
            "{}{j}",
            if atomic { "big-atomic:" } else { "big:" }
        ))
    }

    fn big(&self, token: &str, atomic: bool) {
        if atomic && !self.check_big() {
            return;
        }
        let value = |j: usize| format!("{token}/{j}/{PAD}");
        self.timed(Op::Big, || {
            let mut pipe = self.client.pipeline();
            if atomic {
                pipe.atomic();
            }
            for j in 0..BIG {
                let key = self.big_key(atomic, j);
                pipe.set(&key, value(j)).ignore().get(&key);
            }
            let got: Vec<Option<String>> = pipe.execute()?;
            if got.len() != BIG {
                return Ok(Err(format!("{} replies for {BIG} GETs", got.len())));
            }
            for (j, got) in got.into_iter().enumerate() {
                let got = got.unwrap_or_else(|| "nil".into());
                if let Err(e) = expect(&got, &value(j)) {
                    return Ok(Err(format!("GET #{j}: {e}")));
                }
            }
            Ok(Ok(()))
        });
    }

    /// Checks that the keys of this worker's big transactions were all set by the same one
    /// (or none set). Returns whether the check could be made.
    fn check_big(&self) -> bool {
        let keys: Vec<String> = (0..BIG).map(|j| self.big_key(true, j)).collect();
        let started = Instant::now();
        let values = match self.client.mget::<Vec<Option<String>>>(&keys[..]) {
            Ok(v) => v,
            Err(e) => {
                self.counts.record(Op::Big, Err(e), started.elapsed());
                return false;
            }
        };
        self.counts.atomic_checked.fetch_add(1, Ordering::SeqCst);
        let batch = |v: &Option<String>| {
            v.as_deref()
                .and_then(|v| v.split('/').next())
                .map(str::to_owned)
        };
        let first = values.first().map(batch).unwrap_or(None);
        if values.len() != BIG || values.iter().any(|v| batch(v) != first) {
            let set = values.iter().filter(|v| batch(v) == first).count();
            self.counts.partial.fetch_add(1, Ordering::SeqCst);
            self.counts.sample(format!(
                "partial big transaction: {set} of {} keys from {first:?}",
                values.len()
            ));
        }
        true
    }
}

fn expect(got: &str, token: &str) -> Result<(), String> {
    if got == token {
        Ok(())
    } else {
        Err(format!("expected {token:?}, got {got:?}"))
    }
}

extern "C" fn on_sigusr1(_: libc::c_int) {}

/// Installs a `SIGUSR1` handler that does nothing, without `SA_RESTART`: an interrupted
/// `read`/`write` returns `EINTR` to the library.
pub fn install_signal_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a handler that does nothing is async-signal-safe; the struct is zeroed and
        // then filled as sigaction(2) describes.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigusr1 as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = 0;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
        }
    });
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
