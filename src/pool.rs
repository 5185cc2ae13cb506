//! [`Pool`]: the connections of one server, shared by the threads of a client, and [`Dial`],
//! where a pool whose server can move (a Sentinel master) gets its connections.

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::info::ConnectionInfo;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How a pool is sized.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolConfig {
    /// Connections open at once, idle and in use.
    pub(crate) max_size: usize,
    /// Idle connections kept for reuse.
    pub(crate) max_idle: usize,
    /// How long a call waits for a connection when `max_size` are in use; `None` waits for
    /// ever.
    pub(crate) wait_timeout: Option<Duration>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        // As go-redis sizes its pool: ten per CPU, so a busy process does not open a connection
        // per thread without bound; at least 16 for small machines.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        PoolConfig {
            max_size: (10 * cpus).max(16),
            max_idle: 16,
            wait_timeout: Some(Duration::from_secs(5)),
        }
    }
}

/// A snapshot of a client's pool, from [`Client::pool_stats`](crate::Client::pool_stats).
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands};
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// client.ping()?;
/// let stats = client.pool_stats();
/// assert_eq!((stats.open, stats.idle, stats.in_use), (1, 1, 0));
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Connections open now, idle or in use.
    pub open: usize,
    /// Connections waiting in the pool for a caller.
    pub idle: usize,
    /// Connections checked out by callers now.
    pub in_use: usize,
    /// Connections dropped since the client was made because they broke, were found closed or
    /// out of step, or were not wanted back (more than `max_idle`).
    pub discarded: u64,
    /// Connections opened since the client was made.
    pub opened: u64,
    /// Calls that gave up waiting for a free connection ([`Error::PoolTimeout`]).
    pub timeouts: u64,
    /// The most connections open at once ([`ClientBuilder::max_connections`]).
    ///
    /// [`ClientBuilder::max_connections`]: crate::ClientBuilder::max_connections
    pub max_size: usize,
}

/// Where a pool's connections go when its server can move: the top layer implements it (a
/// Sentinel master or replica set), so that the pool names no concrete client.
///
/// A dialer numbers the addresses it has given out: its *generation* changes whenever the
/// address changes, and the pool drops, rather than reuses, a connection of an older one.
pub(crate) trait Dial: Send + Sync {
    /// Opens a connection with `info`'s settings (all but the address) to the server the
    /// source names now, and returns it with the generation it belongs to. `select` as for
    /// [`Connection::open_with`].
    fn dial(&self, info: &ConnectionInfo, select: bool) -> Result<(Connection, u64)>;

    /// The generation now: connections of another one are not reused.
    fn generation(&self) -> u64;

    /// A caller is about to check a connection out: the moment for a source to look again,
    /// now and then, whether its server moved.
    fn checkout(&self) {}

    /// A connection of generation `generation` failed with `error` (it broke, or the server
    /// refused a write as a replica): the source decides whether to look again.
    fn failed(&self, generation: u64, error: &Error);
}

/// Where a pool's connections go.
pub(crate) enum Source {
    /// Always the address in the pool's [`ConnectionInfo`]: the plain client, no extra cost.
    Fixed,
    /// Wherever the dialer says (its address overrides the one in the info).
    Dial(Box<dyn Dial>),
}

impl Source {
    /// Whether a connection of `generation` may be reused.
    fn is_current(&self, generation: u64) -> bool {
        match self {
            Source::Fixed => true,
            Source::Dial(d) => d.generation() == generation,
        }
    }
}

/// The connections of one server: idle ones kept for reuse, at most `max_size` open at once;
/// a caller finding all of them in use waits until one comes back, or until its wait timeout.
pub(crate) struct Pool {
    info: ConnectionInfo,
    source: Source,
    config: PoolConfig,
    state: Mutex<State>,
    /// `SCRIPT FLUSH`es sent through any connection: each connection's known scripts catch up
    /// at checkout, so none believes a flushed script is loaded.
    script_flushes: AtomicU64,
    /// Signalled when a connection comes back or a slot frees up.
    freed: Condvar,
}

#[derive(Default)]
struct State {
    idle: Vec<Connection>,
    /// The source's generation each idle connection was opened in, in step with `idle`
    /// (beside it rather than in a tuple with it: fewer copies of a connection on the hot path).
    idle_generations: Vec<u64>,
    /// Idle plus in use; also counts a connection being opened.
    open: usize,
    discarded: u64,
    opened: u64,
    timeouts: u64,
    /// Callers waiting for a connection: only then is a wake-up worth its system call.
    waiters: usize,
    /// The process the connections belong to: a child of `fork()` must not use its parent's.
    pid: u32,
}

impl Pool {
    pub(crate) fn new(info: ConnectionInfo, config: PoolConfig) -> Pool {
        Pool::with_source(info, config, Source::Fixed)
    }

    /// A pool whose connections go where `source` says.
    pub(crate) fn with_source(
        info: ConnectionInfo,
        mut config: PoolConfig,
        source: Source,
    ) -> Pool {
        config.max_size = config.max_size.max(1);
        config.max_idle = config.max_idle.min(config.max_size);
        Pool {
            info,
            source,
            config,
            state: Mutex::new(State {
                pid: std::process::id(),
                ..State::default()
            }),
            script_flushes: AtomicU64::new(0),
            freed: Condvar::new(),
        }
    }

    pub(crate) fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// Whether the pool's server can move (a Sentinel master), so that a `READONLY` refusal
    /// means its connections went to a demoted master.
    pub(crate) fn follows_failover(&self) -> bool {
        matches!(self.source, Source::Dial(_))
    }

    /// A connection outside the pool, to where the pool's connections go; `select` as for
    /// [`Connection::open_with`].
    pub(crate) fn open_dedicated(&self, select: bool) -> Result<Connection> {
        match &self.source {
            Source::Fixed => Connection::open_with(&self.info, select),
            Source::Dial(d) => d.dial(&self.info, select).map(|(conn, _)| conn),
        }
    }

    /// Runs `f` on a pooled connection, then returns the connection to the pool unless it
    /// broke (or `f` panicked).
    pub(crate) fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let pooled = self.checkout()?;
        pooled.run(f)
    }

    /// An idle connection if one is ready now, never opening one: for commands that must get
    /// through while the server is busy with a script, whose handshake a new connection could
    /// not complete.
    pub(crate) fn with_idle<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R>,
    ) -> Option<Result<R>> {
        Some(self.take_idle()?.run(f))
    }

    /// A `SCRIPT FLUSH` went out through one of the pool's connections.
    pub(crate) fn scripts_flushed(&self) {
        self.script_flushes.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let state = self.state();
        PoolStats {
            open: state.open,
            idle: state.idle.len(),
            in_use: state.open - state.idle.len(),
            discarded: state.discarded,
            opened: state.opened,
            timeouts: state.timeouts,
            max_size: self.config.max_size,
        }
    }

    fn checkout(&self) -> Result<Pooled<'_>> {
        if let Source::Dial(dial) = &self.source {
            dial.checkout();
        }
        let deadline = self.config.wait_timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(conn) = self.take_idle() {
                return Ok(conn);
            }
            let mut state = self.state();
            if !state.idle.is_empty() {
                continue;
            }
            if state.open < self.config.max_size {
                state.open += 1;
                drop(state);
                return self.open_one();
            }
            let now = Instant::now();
            let wait = match deadline {
                Some(deadline) if now >= deadline => {
                    state.timeouts += 1;
                    return Err(Error::PoolTimeout {
                        max_connections: self.config.max_size,
                        waited: self.config.wait_timeout.unwrap_or_default(),
                    });
                }
                Some(deadline) => deadline - now,
                None => Duration::from_secs(3600),
            };
            state.waiters += 1;
            let waited = self.freed.wait_timeout(state, wait);
            let mut state = waited.map_or_else(|p| p.into_inner().0, |(s, _)| s);
            state.waiters -= 1;
        }
    }

    /// The pool's state, after making sure it belongs to this process. In a child process
    /// after `fork()` the parent's connections are forgotten without being touched: closing
    /// them could not harm the parent (the child holds copies of the sockets), but a TLS
    /// connection says goodbye when dropped, and any use would interleave with the parent's.
    /// They are leaked, not dropped; the child opens its own. (One `getpid` per check-out.)
    fn state_here(&self) -> MutexGuard<'_, State> {
        let pid = std::process::id();
        let mut state = self.state();
        if state.pid != pid {
            state.idle_generations.clear();
            for conn in state.idle.drain(..) {
                std::mem::forget(conn);
            }
            state.open = 0;
            state.waiters = 0;
            state.pid = pid;
        }
        state
    }

    /// Pops idle connections until one is fit for reuse (checked outside the lock: the check
    /// may probe the socket).
    fn take_idle(&self) -> Option<Pooled<'_>> {
        loop {
            let mut state = self.state_here();
            let conn = state.idle.pop()?;
            let generation = state.idle_generations.pop().unwrap_or_default();
            drop(state);
            // A server restart or a stray byte shows here, before a command is risked; a
            // connection to where the server no longer is, too.
            if self.source.is_current(generation) && conn.is_reusable() {
                return Some(Pooled::new(self, conn, generation));
            }
            self.discard(conn);
        }
    }

    /// Opens a connection in a slot already counted in `open`.
    fn open_one(&self) -> Result<Pooled<'_>> {
        let opened = match &self.source {
            Source::Fixed => Connection::open(&self.info).map(|conn| (conn, 0)),
            Source::Dial(d) => d.dial(&self.info, true),
        };
        match opened {
            Ok((conn, generation)) => {
                self.state().opened += 1;
                Ok(Pooled::new(self, conn, generation))
            }
            Err(e) => {
                let mut state = self.state();
                state.open = state.open.saturating_sub(1);
                self.wake(state);
                Err(e)
            }
        }
    }

    /// A call on a connection of `generation` failed: its source may want to look again.
    #[cold]
    fn failed(&self, generation: u64, error: &Error) {
        if let Source::Dial(dial) = &self.source {
            dial.failed(generation, error);
        }
    }

    fn give_back(&self, conn: Connection, generation: u64) {
        if conn.is_broken() || std::thread::panicking() || !self.source.is_current(generation) {
            // A panic may have struck mid-reply: the connection's state is unknown.
            return self.discard(conn);
        }
        let mut state = self.state();
        if state.idle.len() < self.config.max_idle {
            state.idle.push(conn);
            state.idle_generations.push(generation);
            self.wake(state);
        } else {
            drop(state);
            self.discard(conn);
        }
    }

    fn discard(&self, conn: Connection) {
        drop(conn);
        let mut state = self.state();
        state.open = state.open.saturating_sub(1);
        state.discarded += 1;
        self.wake(state);
    }

    /// Wakes one waiting caller, if any, after a connection or a slot came free.
    fn wake(&self, state: MutexGuard<'_, State>) {
        let waiting = state.waiters > 0;
        drop(state);
        if waiting {
            self.freed.notify_one();
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        crate::sync::lock(&self.state)
    }
}

/// A checked-out connection, given back (or discarded) when dropped, also by a panic.
struct Pooled<'p> {
    pool: &'p Pool,
    /// Always `Some` until dropped.
    conn: Option<Connection>,
    /// The source's generation the connection was opened in.
    generation: u64,
}

impl<'p> Pooled<'p> {
    fn new(pool: &'p Pool, conn: Connection, generation: u64) -> Pooled<'p> {
        Pooled {
            pool,
            conn: Some(conn),
            generation,
        }
    }

    fn run<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let result = match &self.conn {
            Some(conn) => {
                conn.sync_scripts(self.pool.script_flushes.load(Ordering::Relaxed));
                f(conn)
            }
            None => Err(Error::Broken),
        };
        if let Err(e) = &result {
            self.pool.failed(self.generation, e);
        }
        result
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn, self.generation);
        }
    }
}
