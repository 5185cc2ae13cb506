//! Client-side caching with no background thread: a [`Client`] built with
//! [`ClientBuilder::client_cache`](crate::ClientBuilder::client_cache) serves `GET`, `MGET`,
//! `HGET`, `HGETALL` and read-only scripts (`call_ro`) on its keys from a bounded local cache,
//! kept right by the server's invalidations (RESP3 `CLIENT TRACKING` in broadcast mode).
//!
//! One dedicated RESP3 connection per client has `CLIENT TRACKING ON BCAST` for the cached key
//! prefixes: the server sends it an invalidation push for every write to such a key, from any
//! client, before it answers that write. The pooled connections that fetch the misses need no
//! tracking. Before every lookup the client reads whatever invalidations wait on that
//! connection, with one non-blocking read, and applies them; a reply fetched while one of its
//! keys was invalidated is not kept. If the tracking connection is lost, everything cached is
//! dropped and the connection is opened again (with tracking) at the next lookup; while it
//! cannot be, reads go to the server.

use crate::client::Client;
use crate::cmd::{cmd, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::info::Protocol;
use crate::resp::Value;
use crate::sync::lock;
use std::sync::Mutex;
use std::time::Duration;

mod store;

use store::Store;

/// What a client caches, and how much: set with
/// [`ClientBuilder::client_cache`](crate::ClientBuilder::client_cache).
///
/// # Example
///
/// ```
/// use redline::{CacheOptions, Client};
///
/// let client = Client::builder()
///     .client_cache(
///         CacheOptions::new()
///             .prefix("user:")
///             .prefix("config:")
///             .max_entries(50_000)
///             .max_bytes(64 << 20),
///     )
///     .build();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheOptions {
    prefixes: Vec<Vec<u8>>,
    max_entries: usize,
    max_bytes: usize,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            prefixes: Vec::new(),
            max_entries: 10_000,
            max_bytes: 64 << 20,
        }
    }
}

impl CacheOptions {
    /// Every key, at most 10,000 entries and 64 MiB.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::CacheOptions::new();
    /// ```
    pub fn new() -> CacheOptions {
        CacheOptions::default()
    }

    /// Caches keys starting with `prefix` (call again for more); with none, every key. The
    /// server sends invalidations for writes to every key under the prefixes, read or not, so
    /// narrow prefixes cost less.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::CacheOptions::new().prefix("user:").prefix("product:");
    /// ```
    pub fn prefix(mut self, prefix: impl AsRef<[u8]>) -> CacheOptions {
        self.prefixes.push(prefix.as_ref().to_vec());
        self
    }

    /// The most entries kept; past it the least recently used goes.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::CacheOptions::new().max_entries(100_000);
    /// ```
    pub fn max_entries(mut self, entries: usize) -> CacheOptions {
        self.max_entries = entries;
        self
    }

    /// The most bytes kept (replies, keys and bookkeeping, estimated); past it the least
    /// recently used entries go. A reply larger than this is not cached.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::CacheOptions::new().max_bytes(16 << 20);
    /// ```
    pub fn max_bytes(mut self, bytes: usize) -> CacheOptions {
        self.max_bytes = bytes;
        self
    }

    fn covers(&self, key: &[u8]) -> bool {
        self.prefixes.is_empty() || self.prefixes.iter().any(|p| key.starts_with(p))
    }
}

/// A client cache's counters and size, from [`Client::cache_stats`].
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::builder().client_cache(redline::CacheOptions::new()).build();
/// use redline::Commands;
///
/// let _: Option<String> = client.get("user:1")?;
/// let _: Option<String> = client.get("user:1")?;
/// let stats = client.cache_stats().expect("built with a cache");
/// assert_eq!((stats.misses, stats.hits), (1, 1));
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Reads served from the cache.
    pub hits: u64,
    /// Cacheable reads that went to the server.
    pub misses: u64,
    /// Keys the server said changed.
    pub invalidations: u64,
    /// Times everything was dropped: a flushed database, a lost or new tracking connection.
    pub flushes: u64,
    /// Entries dropped to stay within the limits.
    pub evictions: u64,
    /// Entries now.
    pub entries: usize,
    /// Estimated bytes now.
    pub bytes: usize,
}

/// What a cacheable command depends on.
pub(crate) enum Plan {
    /// One reply, depending on these keys.
    One(Vec<Vec<u8>>),
    /// `MGET`: one `GET` entry per key.
    Mget(Vec<Vec<u8>>),
}

pub(crate) struct Cache {
    options: CacheOptions,
    store: Mutex<Store>,
    /// The connection with `CLIENT TRACKING ON BCAST`; `None` until the first lookup, and
    /// after it was lost.
    tracker: Mutex<Option<Connection>>,
}

impl Cache {
    pub(crate) fn new(options: CacheOptions) -> Cache {
        let store = Store::new(options.max_entries, options.max_bytes);
        Cache {
            options,
            store: Mutex::new(store),
            tracker: Mutex::new(None),
        }
    }

    pub(crate) fn stats(&self) -> CacheStats {
        let store = lock(&self.store);
        let c = &store.counters;
        CacheStats {
            hits: c.hits,
            misses: c.misses,
            invalidations: c.invalidations,
            flushes: c.flushes,
            evictions: c.evictions,
            entries: store.len(),
            bytes: store.bytes(),
        }
    }

    /// Whether `command` is served from the cache, and on which keys.
    pub(crate) fn plan(&self, command: &Cmd) -> Option<Plan> {
        let mut args = command.args();
        let name = args.next()?;
        let rest: Vec<&[u8]> = args.collect();
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        let keys: Vec<&[u8]> = if (is("GET") || is("HGETALL")) && rest.len() == 1 {
            rest
        } else if is("HGET") && rest.len() == 2 {
            rest[..1].to_vec()
        } else if is("MGET") && !rest.is_empty() {
            let keys: Vec<Vec<u8>> = rest.iter().map(|k| k.to_vec()).collect();
            return keys
                .iter()
                .all(|k| self.options.covers(k))
                .then_some(Plan::Mget(keys));
        } else if is("EVALSHA_RO") || is("EVAL_RO") || is("FCALL_RO") {
            let numkeys: usize = std::str::from_utf8(rest.get(1)?).ok()?.parse().ok()?;
            // A script on no key cannot be invalidated: never cached.
            let keys = rest.get(2..2usize.checked_add(numkeys)?)?;
            if keys.is_empty() {
                return None;
            }
            keys.to_vec()
        } else {
            return None;
        };
        keys.iter()
            .all(|k| self.options.covers(k))
            .then(|| Plan::One(keys.iter().map(|k| k.to_vec()).collect()))
    }

    /// The reply to `command` from the cache, or from `fetch` (then kept).
    pub(crate) fn serve(
        &self,
        client: &Client,
        command: &Cmd,
        plan: Plan,
        fetch: impl FnOnce() -> Result<Value>,
    ) -> Result<Value> {
        if self.sync(client).is_err() {
            // No tracking, no caching: the server answers.
            return fetch();
        }
        match plan {
            Plan::One(keys) => {
                let since = {
                    let mut store = lock(&self.store);
                    if let Some(value) = store.get(command.encoded()) {
                        store.counters.hits += 1;
                        return Ok(value);
                    }
                    store.counters.misses += 1;
                    store.epoch()
                };
                let value = fetch()?;
                if self.sync(client).is_ok() {
                    lock(&self.store).insert(command.encoded(), keys, value.clone(), since);
                }
                Ok(value)
            }
            Plan::Mget(keys) => {
                let gets: Vec<Cmd> = keys
                    .iter()
                    .map(|k| {
                        let mut get = cmd("GET");
                        get.arg(k.as_slice());
                        get
                    })
                    .collect();
                let since = {
                    let mut store = lock(&self.store);
                    let found: Option<Vec<Value>> =
                        gets.iter().map(|g| store.get(g.encoded())).collect();
                    if let Some(values) = found {
                        store.counters.hits += 1;
                        return Ok(Value::Array(values));
                    }
                    store.counters.misses += 1;
                    store.epoch()
                };
                let value = fetch()?;
                if let (Value::Array(values), true) = (&value, self.sync(client).is_ok()) {
                    let mut store = lock(&self.store);
                    for ((get, key), v) in gets.iter().zip(keys).zip(values) {
                        store.insert(get.encoded(), vec![key], v.clone(), since);
                    }
                }
                Ok(value)
            }
        }
    }

    /// A `PING` on the tracking connection, applying every invalidation that arrives before
    /// its answer: after it, no write answered before the call is missed, whatever the network
    /// did (the invalidations travel ahead of the `PONG` on the same connection).
    pub(crate) fn sync_strictly(&self, client: &Client) -> Result<()> {
        self.sync(client)?;
        let mut tracker = lock(&self.tracker);
        let Some(conn) = tracker.as_ref() else {
            return Err(Error::Broken);
        };
        let outcome = conn.send(&cmd("PING")).and_then(|()| loop {
            match conn.recv()? {
                Value::Push(items) => self.apply(items),
                _ => return Ok(()),
            }
        });
        if outcome.is_err() {
            *tracker = None;
            lock(&self.store).flush();
        }
        outcome
    }

    /// Applies every invalidation waiting on the tracking connection (one non-blocking read
    /// when none waits), opening it first if needed.
    fn sync(&self, client: &Client) -> Result<()> {
        let mut tracker = lock(&self.tracker);
        if tracker.is_none() {
            let conn = self.open_tracker(client)?;
            // Whatever was cached without a tracking connection may be stale.
            lock(&self.store).flush();
            *tracker = Some(conn);
        }
        let Some(conn) = tracker.as_ref() else {
            return Err(Error::Broken);
        };
        loop {
            match conn.recv_timeout(Some(Duration::ZERO)) {
                Ok(None) => return Ok(()),
                Ok(Some(Value::Push(items))) => self.apply(items),
                Ok(Some(_)) => {}
                Err(e) => {
                    *tracker = None;
                    lock(&self.store).flush();
                    return Err(e);
                }
            }
        }
    }

    /// `invalidate [key...]`, or `invalidate nil` for a flushed database.
    fn apply(&self, items: Vec<Value>) {
        let mut items = items.into_iter();
        match items.next() {
            Some(Value::Bulk(kind)) if kind.eq_ignore_ascii_case(b"invalidate") => {}
            _ => return,
        }
        let mut store = lock(&self.store);
        match items.next() {
            Some(Value::Array(keys) | Value::Set(keys)) => {
                for key in keys {
                    if let Value::Bulk(key) = key {
                        store.invalidate(&key);
                    }
                }
            }
            _ => store.flush(),
        }
    }

    /// A RESP3 connection with `CLIENT TRACKING ON BCAST [PREFIX p]...`.
    fn open_tracker(&self, client: &Client) -> Result<Connection> {
        let info = crate::info::ConnectionInfo {
            protocol: Protocol::Resp3,
            ..client.connection_info().clone()
        };
        let conn = Connection::open(&info)?;
        let mut tracking = cmd("CLIENT");
        tracking.arg("TRACKING").arg("ON").arg("BCAST");
        for prefix in &self.options.prefixes {
            tracking.arg("PREFIX").arg(prefix.as_slice());
        }
        conn.req(&tracking)?;
        Ok(conn)
    }
}
