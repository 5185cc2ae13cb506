//! [`ClientBuilder`]: the settings of a [`Client`], one by one or starting from a URL.

use super::Client;
use crate::error::Result;
use crate::info::{Addr, ConnectionInfo, Password, Protocol};
use crate::pool::{Pool, PoolConfig};
use crate::resp::Limits;
use std::time::Duration;

mod credentials;

/// Builds a [`Client`] setting by setting, or starting from a URL.
///
/// # Example
///
/// ```
/// use redline::{Client, Protocol};
/// use std::time::Duration;
///
/// let client = Client::builder()
///     .host("127.0.0.1")
///     .port(6380)
///     .db(1)
///     .protocol(Protocol::Resp3)
///     .read_timeout(Some(Duration::from_secs(2)))
///     .client_name("batch-job")
///     .build();
/// assert_eq!(client.connection_info().db(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    info: ConnectionInfo,
    pool: PoolConfig,
    cache: Option<crate::CacheOptions>,
}

impl ClientBuilder {
    /// Starts from a URL (see [`ConnectionInfo`] for the grammar).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`](crate::Error::InvalidUrl), which never shows the user name or
    /// password; [`Error::TlsNotEnabled`](crate::Error::TlsNotEnabled) for `rediss://` when
    /// the `tls` feature is off.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ClientBuilder;
    ///
    /// let client = ClientBuilder::from_url("redis://127.0.0.1:6379/3")?
    ///     .client_name("worker")
    ///     .build();
    /// assert_eq!(client.connection_info().db(), 3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<ClientBuilder> {
        Ok(ClientBuilder::from_info(ConnectionInfo::from_url(url)?))
    }

    /// Starts from existing settings.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{ClientBuilder, ConnectionInfo};
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1:6380")?;
    /// let client = ClientBuilder::from_info(info.clone()).max_idle(4).build();
    /// assert_eq!(client.connection_info(), &info);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_info(info: ConnectionInfo) -> ClientBuilder {
        ClientBuilder {
            info,
            pool: PoolConfig::default(),
            cache: None,
        }
    }

    fn tcp(mut self, f: impl FnOnce(&mut String, &mut u16)) -> Self {
        let (mut host, mut port, tls) = match &self.info.addr {
            Addr::Tcp { host, port, tls } => (host.clone(), *port, *tls),
            Addr::Unix(_) => ("127.0.0.1".to_string(), 6379, false),
        };
        f(&mut host, &mut port);
        self.info.addr = Addr::Tcp { host, port, tls };
        self
    }

    /// The host name or IP address. Defaults to `127.0.0.1`.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().host("cache.local").build();
    /// assert_eq!(client.connection_info().addr().to_string(), "redis://cache.local:6379");
    /// ```
    pub fn host(self, host: &str) -> Self {
        self.tcp(|h, _| *h = host.to_string())
    }

    /// The TCP port. Defaults to 6379.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().port(6380).build();
    /// assert_eq!(client.connection_info().addr().to_string(), "redis://127.0.0.1:6380");
    /// ```
    pub fn port(self, port: u16) -> Self {
        self.tcp(|_, p| *p = port)
    }

    /// Connects over a Unix socket at `path` instead of TCP.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Addr, Client};
    ///
    /// let client = Client::builder().unix_socket("/run/redis.sock").build();
    /// assert_eq!(client.connection_info().addr(), &Addr::Unix("/run/redis.sock".into()));
    /// ```
    pub fn unix_socket(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.info.addr = Addr::Unix(path.into());
        self
    }

    /// The database to `SELECT`. Defaults to 0.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().db(2).build();
    /// assert_eq!(client.connection_info().db(), 2);
    /// ```
    pub fn db(mut self, db: i64) -> Self {
        self.info.db = db;
        self
    }

    /// The ACL user. Defaults to none (the `default` user). It is sent only together with a
    /// [`password`](ClientBuilder::password): a user name alone sends no `AUTH`, as Redis has
    /// none without a password (for a `nopass` user, set an empty password).
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().username("app").password("s3cret").build();
    /// assert_eq!(client.connection_info().username(), Some("app"));
    /// ```
    pub fn username(mut self, username: &str) -> Self {
        self.info.username = Some(username.to_string());
        self
    }

    /// The password for `AUTH`. Defaults to none. It never appears in `Debug` output.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().password("s3cret").build();
    /// assert!(client.connection_info().has_password());
    /// assert!(!format!("{client:?}").contains("s3cret"));
    /// ```
    pub fn password(mut self, password: &str) -> Self {
        self.info.password = Some(Password(password.to_string()));
        self
    }

    /// The protocol version. Defaults to [`Protocol::Resp2`].
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Client, Protocol};
    ///
    /// let client = Client::builder().protocol(Protocol::Resp3).build();
    /// assert_eq!(client.connection_info().protocol(), Protocol::Resp3);
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.info.protocol = protocol;
        self
    }

    /// The name set with `CLIENT SETNAME`. Defaults to none.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().client_name("batch-job").build();
    /// assert_eq!(client.connection_info().client_name(), Some("batch-job"));
    /// ```
    pub fn client_name(mut self, name: &str) -> Self {
        self.info.client_name = Some(name.to_string());
        self
    }

    /// How long a connect may take. Defaults to 10 seconds.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = redline::Client::builder()
    ///     .connect_timeout(Some(Duration::from_secs(2)))
    ///     .build();
    /// assert_eq!(client.connection_info().connect_timeout(), Some(Duration::from_secs(2)));
    /// ```
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.info.connect_timeout = timeout;
        self
    }

    /// How long a connect refused before anything was sent is retried, with backoff and
    /// jitter ([`ConnectionInfo::connect_retry_budget`]). Defaults to 1 s; `Duration::ZERO`
    /// fails at the first refusal.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = redline::Client::builder()
    ///     .connect_retry_budget(Duration::from_secs(3))
    ///     .build();
    /// assert_eq!(client.connection_info().connect_retry_budget(), Duration::from_secs(3));
    /// ```
    pub fn connect_retry_budget(mut self, budget: Duration) -> Self {
        self.info.connect_retry_budget = budget;
        self
    }

    /// How long a TCP connection is idle before keepalive probes start
    /// ([`ConnectionInfo::tcp_keepalive`]). Defaults to 60 s; `None` turns keepalive off.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = redline::Client::builder()
    ///     .tcp_keepalive(Some(Duration::from_secs(30)))
    ///     .build();
    /// assert_eq!(client.connection_info().tcp_keepalive(), Some(Duration::from_secs(30)));
    /// ```
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.info.tcp_keepalive = idle;
        self
    }

    /// The deadline of a whole call's reads (not of each `read()`), or of a pipeline segment's.
    /// Defaults to 5 s; `None` waits for ever. Blocking commands (`BLPOP`, `BRPOP`, `BLMOVE`,
    /// `BLMPOP`, `BZPOPMIN`, `BZPOPMAX`, `BZMPOP`, `BRPOPLPUSH`, `XREAD`/`XREADGROUP ...
    /// BLOCK`, `WAIT`, `WAITAOF`) get their own block time added, and none when they block
    /// for ever (a timeout of 0).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = redline::Client::builder()
    ///     .read_timeout(Some(Duration::from_millis(500)))
    ///     .build();
    /// assert_eq!(client.connection_info().read_timeout(), Some(Duration::from_millis(500)));
    /// ```
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.info.read_timeout = timeout;
        self
    }

    /// The deadline of a whole call's writes. Defaults to 5 s; `None` waits for ever.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = redline::Client::builder().write_timeout(Some(Duration::from_secs(1))).build();
    /// assert_eq!(client.connection_info().write_timeout(), Some(Duration::from_secs(1)));
    /// ```
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.info.write_timeout = timeout;
        self
    }

    /// Parser limits for replies. Defaults to [`Limits::default`].
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::Limits;
    ///
    /// let limits = Limits { max_depth: 16, ..Limits::default() };
    /// let client = redline::Client::builder().limits(limits).build();
    /// assert_eq!(client.connection_info().limits().max_depth, 16);
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.info.limits = limits;
        self
    }

    /// How many idle connections the pool keeps. Defaults to 16.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::builder().max_idle(0).build(); // no pooling: a connection per call
    /// client.ping()?;
    /// assert_eq!(client.idle_connections(), 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn max_idle(mut self, max_idle: usize) -> Self {
        self.pool.max_idle = max_idle;
        self
    }

    /// The most connections open at once, idle and in use (at least 1). A call that finds
    /// them all in use waits for one to come back, up to [`ClientBuilder::pool_wait_timeout`].
    /// Defaults to ten per CPU and at least 16, as go-redis sizes its pool.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().max_connections(4).build();
    /// assert_eq!(client.pool_stats().max_size, 4);
    /// ```
    pub fn max_connections(mut self, max: usize) -> Self {
        self.pool.max_size = max;
        self
    }

    /// How long a call waits for a pooled connection when [`ClientBuilder::max_connections`]
    /// are in use, before it fails with [`Error::PoolTimeout`](crate::Error::PoolTimeout);
    /// `None` waits for ever. Defaults to 5 s.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = redline::Client::builder()
    ///     .max_connections(8)
    ///     .pool_wait_timeout(Some(Duration::from_millis(200)))
    ///     .build();
    /// ```
    pub fn pool_wait_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool.wait_timeout = timeout;
        self
    }

    /// Creates the client. No connection is made until the first call.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder().db(1).build();
    /// assert_eq!(client.idle_connections(), 0); // nothing connects until the first call
    /// ```
    pub fn build(self) -> Client {
        let client = Client::from_pools(Pool::new(self.info, self.pool), None);
        match self.cache {
            Some(options) => client.with_cache(options),
            None => client,
        }
    }

    /// Serves `GET`, `MGET`, `HGET`, `HGETALL` and read-only script calls
    /// ([`Script::call_ro`](crate::Script::call_ro)) on keys under `options`' prefixes from a
    /// bounded local cache, kept right by the server's invalidations (`CLIENT TRACKING` in
    /// broadcast mode on one dedicated RESP3 connection; Redis 6+). No thread: before every
    /// lookup the client reads the invalidations waiting, with one non-blocking read.
    ///
    /// The guarantee: once another client's write has been answered, and this client has then
    /// made one round trip to the server (any command, on any of its connections), no read
    /// served from the cache returns the value from before that write. Without that round
    /// trip a read may, for the time an invalidation takes to cross the network. See
    /// `docs/caching.md`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{CacheOptions, Client, Commands};
    ///
    /// let client = Client::builder()
    ///     .client_cache(CacheOptions::new().prefix("config:").max_entries(1000))
    ///     .build();
    /// let _: Option<String> = client.get("config:theme")?; // from the server, then kept
    /// let _: Option<String> = client.get("config:theme")?; // from the cache
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn client_cache(mut self, options: crate::CacheOptions) -> Self {
        self.cache = Some(options);
        self
    }

    /// The connection settings and pool size, for a client that builds its own pools.
    pub(crate) fn into_parts(self) -> (ConnectionInfo, PoolConfig) {
        (self.info, self.pool)
    }

    /// The settings so far, for a client of many servers that uses these for each of them.
    pub(crate) fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// A client of the server at `host:port` with these settings otherwise; `readonly` for a
    /// cluster replica's connections.
    pub(crate) fn build_for(&self, host: &str, port: u16, readonly: bool) -> Client {
        let tls = matches!(self.info.addr, Addr::Tcp { tls: true, .. });
        let info = ConnectionInfo {
            addr: Addr::Tcp {
                host: host.to_string(),
                port,
                tls,
            },
            cluster_readonly: readonly,
            ..self.info.clone()
        };
        // A client-side cache is a single server's (not yet per cluster node).
        ClientBuilder {
            info,
            pool: self.pool,
            cache: None,
        }
        .build()
    }
}

// In its own file, a child of this module so that it reaches the private settings.
#[path = "tls_options.rs"]
mod tls_options;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_protocol_and_redacts() {
        let client = Client::builder()
            .password("hunter2")
            .protocol(Protocol::Resp3)
            .build();
        assert_eq!(client.connection_info().protocol(), Protocol::Resp3);
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
