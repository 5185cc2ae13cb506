//! The shared, pooled client and its builder.

use crate::cache::Cache;
use crate::cmd::cmd;
use crate::cmd::Cmd;
use crate::code::ScriptCode;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::info::ConnectionInfo;
use crate::pipeline::Pipeline;
use crate::pool::{Pool, PoolStats};
use crate::resp::Value;
use crate::script::Script;
use crate::types::FromValue;
use crate::types::ToArgs;
use std::sync::Arc;

mod builder;
mod target;

use crate::sentinel::SentinelBuilder;

/// How many times [`Client::transaction`] runs before giving up on watch conflicts.
const TRANSACTION_ATTEMPTS: usize = 100;

pub use builder::ClientBuilder;

/// A client for one server, shared by reference across threads.
///
/// It keeps a pool of connections and checks one out for each call, so N threads calling at
/// once use up to N connections, up to [`ClientBuilder::max_connections`]; past that a call
/// waits for one to come back ([`ClientBuilder::pool_wait_timeout`]). A connection that failed
/// is dropped, never put back, and an idle one is checked (without blocking) before reuse, so
/// a server restart is seen as a closed connection and the call opens a fresh one.
///
/// `Client` is cheap to clone: clones share the pool.
///
/// # About threads
///
/// `Client` is `Send + Sync`. Share it with `&Client`, `Arc<Client>` or a clone.
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands};
///
/// let client = Client::open("redis://127.0.0.1:6379/0")?;
/// client.set("k", 2)?;
/// let v: i64 = client.get("k")?;
/// assert_eq!(v, 2);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pool: Arc<Pool>,
    /// A Sentinel client's replicas, for read-only scripts and [`Client::replicas`].
    replicas: Option<Arc<Pool>>,
    /// The client-side cache, when built with one.
    cache: Option<Arc<Cache>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("info", self.pool.info())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Creates a client from a URL such as
    /// `redis://[[user][:password]@]host[:port][/db][?protocol=3]`, `rediss://...` (the `tls`
    /// feature) or `unix:///path/to/redis.sock`; the grammar is on [`ConnectionInfo`]. A user
    /// name or password holding `@`, `/`, `?` or `%` is percent-encoded (`%40`, `%2F`, `%3F`,
    /// `%25`), and `user@` without a password sends no `AUTH`. No connection is made until the
    /// first call.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`](crate::Error::InvalidUrl), which never shows the user name or
    /// password; [`Error::TlsNotEnabled`](crate::Error::TlsNotEnabled) for `rediss://` when
    /// the `tls` feature is off (here, not at the first call).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Client;
    ///
    /// let client = Client::open("redis://127.0.0.1:6379/1")?;
    /// assert_eq!(client.connection_info().db(), 1);
    /// assert!(Client::open("localhost:6379").is_err()); // no scheme
    /// let client = Client::open("redis://app:p%40ss%2Fword@127.0.0.1")?; // password "p@ss/word"
    /// assert_eq!(client.connection_info().username(), Some("app"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn open(url: &str) -> Result<Client> {
        if crate::sentinel::is_sentinel_url(url) {
            return SentinelBuilder::from_url(url)?.build();
        }
        Ok(ClientBuilder::from_url(url)?.build())
    }

    /// A client of the replica pool alone, for [`Client::replicas`].
    pub(crate) fn replica_client(&self) -> Option<Client> {
        let pool = Arc::clone(self.replicas.as_ref()?);
        Some(Client {
            pool,
            replicas: None,
            cache: None,
        })
    }

    /// A client of `pool`, with a replica pool for read-only scripts when given.
    pub(crate) fn from_pools(pool: Pool, replicas: Option<Pool>) -> Client {
        Client {
            pool: Arc::new(pool),
            replicas: replicas.map(Arc::new),
            cache: None,
        }
    }

    /// The client-side cache's counters and size; `None` without a cache (see
    /// [`ClientBuilder::client_cache`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{CacheOptions, Client, Commands};
    ///
    /// let client = Client::builder().client_cache(CacheOptions::new()).build();
    /// let _: Option<String> = client.get("user:1")?; // a miss, then kept
    /// let _: Option<String> = client.get("user:1")?; // a hit
    /// let stats = client.cache_stats().unwrap();
    /// println!("{} hits, {} misses", stats.hits, stats.misses);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn cache_stats(&self) -> Option<crate::CacheStats> {
        self.cache.as_ref().map(|c| c.stats())
    }

    /// Makes sure the client-side cache has applied every invalidation of writes answered
    /// before this call: one round trip on the cache's own tracking connection, whose
    /// invalidations travel ahead of the answer. Any round trip gives that on one host; this
    /// one also over a network that delays a packet. Without a cache it does nothing.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{CacheOptions, Client, Commands};
    ///
    /// let client = Client::builder().client_cache(CacheOptions::new()).build();
    /// // ... another process writes "config:theme" and tells us so ...
    /// client.cache_sync()?;
    /// let theme: Option<String> = client.get("config:theme")?; // never from before the write
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn cache_sync(&self) -> Result<()> {
        match &self.cache {
            Some(cache) => cache.sync_strictly(self),
            None => Ok(()),
        }
    }

    /// The same client with a client-side cache of its own.
    pub(crate) fn with_cache(mut self, options: crate::CacheOptions) -> Client {
        self.cache = Some(Arc::new(Cache::new(options)));
        self
    }

    /// Starts a [`ClientBuilder`] with the defaults (`127.0.0.1:6379`, RESP2).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Client;
    ///
    /// let client = Client::builder().port(6380).build();
    /// assert_eq!(client.connection_info().addr().to_string(), "redis://127.0.0.1:6380");
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The settings this client connects with.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Client, Protocol};
    ///
    /// let client = Client::open("redis://cache.local:6380?protocol=3")?;
    /// assert_eq!(client.connection_info().protocol(), Protocol::Resp3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn connection_info(&self) -> &ConnectionInfo {
        self.pool.info()
    }

    /// Opens a dedicated connection, outside the pool, for `WATCH`, blocking commands and
    /// anything else that must stay on one connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::cmd;
    ///
    /// let conn = client.get_connection()?;
    /// let job: Option<(String, String)> = conn.query(&cmd("BLPOP").arg("jobs").arg(5))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn get_connection(&self) -> Result<Connection> {
        self.pool.open_dedicated(true)
    }

    /// A [`Subscriber`](crate::Subscriber) for Pub/Sub on a dedicated connection of its own, opened now. It
    /// reconnects by itself with this client's settings, restoring its subscriptions.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    /// use std::time::Duration;
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe("news")?;
    /// client.publish("news", "hello")?;
    /// let message = subscriber.next_message(Some(Duration::from_secs(1)))?;
    /// assert_eq!(message.map(|m| m.payload), Some(b"hello".to_vec()));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn subscriber(&self) -> Result<crate::Subscriber> {
        crate::pubsub::Subscriber::new(Box::new(self.clone()))
    }

    /// Sends one command on a pooled connection and converts its reply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{cmd, Client};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let n: i64 = client.query(&cmd("INCRBY").arg("counter").arg(5))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn query<T: FromValue>(&self, cmd: &Cmd) -> Result<T> {
        crate::target::query(self, cmd)
    }

    /// Makes a [`Script`] of Lua source. No server call: its SHA1 is computed here, and it is
    /// loaded on first use.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let multiply = client.register_script(
    ///     "return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]",
    /// );
    /// client.set("foo", 2)?;
    /// assert_eq!(multiply.call::<i64>("foo", 5)?, 10);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn register_script(&self, lua: impl AsRef<[u8]>) -> Script<'_> {
        ScriptCode::new(lua).bind(self)
    }

    /// Starts a [`Pipeline`] that runs on a pooled connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (a, b): (Option<String>, Option<String>) = client.pipeline().get("a").get("b").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline::new(self)
    }

    /// Runs an optimistic transaction: `WATCH` the keys, call `f` (which may read through the
    /// connection it is given, and queues writes on the pipeline), then `MULTI`/`EXEC` the
    /// queue. If a watched key changed, `EXEC` is refused and the whole thing runs again (up to
    /// 100 times, then [`Error::WatchConflict`]; [`Client::transaction_retries`] sets the bound), as
    /// redis-py's `transaction()` does. Returns the `EXEC` replies converted to `T`.
    ///
    /// Everything happens on one pinned connection; if `f` fails, `UNWATCH` is sent before the
    /// connection returns to the pool.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let (new_balance,): (i64,) = client.transaction(&["balance"], |conn, pipe| {
    ///     let balance: i64 = conn.get::<Option<i64>>("balance")?.unwrap_or(0);
    ///     pipe.set("balance", balance + 10).ignore().get("balance");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn transaction<K, T, F>(&self, keys: K, f: F) -> Result<T>
    where
        K: ToArgs,
        T: FromValue,
        F: FnMut(&Connection, &mut Pipeline<'_>) -> Result<()>,
    {
        self.transaction_retries(keys, TRANSACTION_ATTEMPTS, f)
    }

    /// Like [`Client::transaction`], with the number of attempts bounded by `attempts` (at
    /// least 1): once that many `EXEC`s were refused because a watched key changed, it returns
    /// [`Error::WatchConflict`]. [`Client::transaction`] allows 100, so that a key written
    /// without pause by others cannot keep a caller looping for ever.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands, Error};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let outcome = client.transaction_retries(&["hot"], 3, |conn, pipe| {
    ///     let n: i64 = conn.get::<Option<i64>>("hot")?.unwrap_or(0);
    ///     pipe.set("hot", n + 1).ignore();
    ///     Ok(())
    /// });
    /// match outcome {
    ///     Ok(()) => {}
    ///     Err(Error::WatchConflict) => eprintln!("too busy: gave up after 3 attempts"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn transaction_retries<K, T, F>(&self, keys: K, attempts: usize, mut f: F) -> Result<T>
    where
        K: ToArgs,
        T: FromValue,
        F: FnMut(&Connection, &mut Pipeline<'_>) -> Result<()>,
    {
        let mut left = attempts.max(1);
        self.with_conn(|conn| loop {
            left -= 1;
            conn.req(cmd("WATCH").arg(&keys))?;
            let mut pipe = conn.pipeline();
            pipe.atomic();
            let attempt = f(conn, &mut pipe).and_then(|()| match pipe.is_empty() {
                true => Ok(None),
                false => pipe.execute::<T>().map(Some),
            });
            match attempt {
                Ok(Some(result)) => return Ok(result),
                // EXEC cleared the WATCH; the next attempt watches again.
                Err(Error::WatchConflict) if left > 0 => continue,
                // Nothing queued, the closure failed, or the batch failed (maybe before EXEC
                // cleared the WATCH): clear it so no stale WATCH reaches the pool's next user.
                unfinished => {
                    if !conn.is_broken() {
                        conn.req(&cmd("UNWATCH"))?;
                    }
                    return match unfinished {
                        Ok(_) => T::from_value(Value::Array(Vec::new())),
                        Err(e) => Err(e),
                    };
                }
            }
        })
    }

    /// Runs `f` on a pooled connection, which goes back to the pool afterwards unless it broke.
    pub(crate) fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        self.pool.with_conn(f)
    }

    /// Like [`Client::with_conn`] for one request, which runs once more on another connection
    /// when the check before it found its connection closed or out of step: nothing of it was
    /// sent (a connection killed just after it opened, or between a script's two steps).
    fn with_conn_once_more<R>(&self, f: impl FnMut(&Connection) -> Result<R>) -> Result<R> {
        target::once_more(&self.pool, f)
    }

    /// The replica pool, for a read-only call (`EVAL_RO`, `EVALSHA_RO`, `FCALL_RO`), when
    /// there is one. Out of line: a plain client pays only for the `None` check before it.
    #[inline(never)]
    fn replica_pool_for(&self, cmd: &Cmd) -> Option<&Pool> {
        let pool = self.replicas.as_deref()?;
        let name = cmd.name()?;
        [&b"EVALSHA_RO"[..], b"EVAL_RO", b"FCALL_RO"]
            .iter()
            .any(|ro| name.eq_ignore_ascii_case(ro))
            .then_some(pool)
    }

    /// Sends a command that must get through while the server is busy with a script
    /// (`SCRIPT KILL`, `FUNCTION KILL`, `FUNCTION STATS`, `SHUTDOWN NOSAVE`): on an idle pooled
    /// connection when there is one, else on a fresh one whose handshake skips `SELECT` and
    /// `CLIENT SETNAME`, which a busy server refuses. [`ConnectionLike::req`](crate::ConnectionLike::req) does this by
    /// itself for `SCRIPT KILL` and `FUNCTION KILL`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::cmd;
    ///
    /// // Answered even while a long script blocks the server.
    /// let stats = client.req_while_busy(cmd("FUNCTION").arg("STATS"))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn req_while_busy(&self, cmd: &Cmd) -> Result<Value> {
        match self.pool.with_idle(|conn| conn.req(cmd)) {
            Some(result) => result,
            None => self.pool.open_dedicated(false)?.req(cmd),
        }
    }

    /// The number of idle connections in the pool (for tests and metrics).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// assert_eq!(client.idle_connections(), 0); // nothing connected yet
    /// client.ping()?;
    /// assert_eq!(client.idle_connections(), 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn idle_connections(&self) -> usize {
        self.pool.stats().idle
    }

    /// Counts of the pool's connections: open, idle, in use, discarded, opened, and calls that
    /// timed out waiting.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::builder().max_connections(4).build();
    /// client.ping()?;
    /// let stats = client.pool_stats();
    /// assert_eq!((stats.open, stats.idle, stats.max_size), (1, 1, 4));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pool_stats(&self) -> PoolStats {
        self.pool.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_and_script_are_send_sync() {
        assert_send_sync::<Client>();
        assert_send_sync::<Script<'static>>();
        assert_send_sync::<ScriptCode>();
    }
}
