//! Redis Sentinel: a [`Client`] whose master is found through the sentinels and followed
//! across failovers, and an optional pool of replicas for read-only calls.
//!
//! The client is an ordinary [`Client`]: its pool gets each new connection from a dialer
//! (`resolve.rs`) that asks the sentinels where the master is, checks it with `ROLE`, and
//! remembers it until a connection fails or a write is refused with `READONLY`.
//! `docs/sentinel.md` tells what is resolved when, and how long a failover costs.

use crate::client::{Client, ClientBuilder};
use crate::error::{Error, Result};
use crate::info::{Addr, ConnectionInfo, Password, Protocol};
use crate::pool::{Pool, Source};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod resolve;
mod url;

use resolve::{HostPort, MasterDial, ReplicaDial, Sentinels};
pub(crate) use url::is_sentinel_url;

/// How long a connection waits for a master by default before failing with
/// [`Error::Sentinel`]: longer than a failover takes with a short `down-after-milliseconds`,
/// short enough that a caller hears of an outage.
const DEFAULT_RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
/// The connect, read and write timeout of a sentinel's connection by default: a sentinel
/// answers at once or is skipped for the next.
const DEFAULT_SENTINEL_TIMEOUT: Duration = Duration::from_millis(500);

/// How often the master's address is checked with a sentinel by default.
const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Builds a [`Client`] whose server is the master that a set of sentinels names.
///
/// Start it with [`Client::sentinel_builder`] or [`SentinelBuilder::from_url`]; a URL also
/// works directly with [`Client::open`]. The master's own settings (password, database,
/// protocol, timeouts, pool size) are a [`ClientBuilder`] given to
/// [`master`](SentinelBuilder::master); the sentinels have their own credentials
/// ([`sentinel_password`](SentinelBuilder::sentinel_password)), and use TLS when the master's
/// settings do. Its `Debug` output never shows a password.
///
/// # Example
///
/// ```
/// use redline::Client;
///
/// let client = Client::sentinel_builder("mymaster")
///     .sentinel("10.0.0.1", 26379)
///     .sentinel("10.0.0.2", 26379)
///     .master(Client::builder().password("s3cret").db(2))
///     .sentinel_password("sentinel-s3cret")
///     .replica_pool(true)
///     .build()?;
/// assert!(client.replicas().is_some());
/// assert!(!format!("{client:?}").contains("s3cret"));
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone)]
pub struct SentinelBuilder {
    master_name: String,
    sentinels: Vec<HostPort>,
    master: ClientBuilder,
    sentinel_username: Option<String>,
    sentinel_password: Option<Password>,
    replicas: bool,
    resolve_timeout: Duration,
    sentinel_timeout: Duration,
    check_interval: Option<Duration>,
}

impl fmt::Debug for SentinelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentinelBuilder")
            .field("master_name", &self.master_name)
            .field("sentinels", &self.sentinels)
            .field("master", &self.master)
            .field("sentinel_username", &self.sentinel_username)
            .field("sentinel_password", &self.sentinel_password)
            .field("replicas", &self.replicas)
            .field("resolve_timeout", &self.resolve_timeout)
            .field("sentinel_timeout", &self.sentinel_timeout)
            .field("check_interval", &self.check_interval)
            .finish()
    }
}

impl SentinelBuilder {
    /// Starts a builder for the master that the sentinels know as `master_name`, with no
    /// sentinel yet and the default settings.
    ///
    /// # Example
    ///
    /// ```
    /// let builder = redline::SentinelBuilder::new("mymaster").sentinel("127.0.0.1", 26379);
    /// assert_eq!(builder.master_name(), "mymaster");
    /// ```
    pub fn new(master_name: &str) -> SentinelBuilder {
        SentinelBuilder {
            master_name: master_name.to_string(),
            sentinels: Vec::new(),
            master: ClientBuilder::default(),
            sentinel_username: None,
            sentinel_password: None,
            replicas: false,
            resolve_timeout: DEFAULT_RESOLVE_TIMEOUT,
            sentinel_timeout: DEFAULT_SENTINEL_TIMEOUT,
            check_interval: Some(DEFAULT_CHECK_INTERVAL),
        }
    }

    /// Starts from a URL:
    /// `redis+sentinel://[user:password@]host[:port][,host[:port]...]/master_name[/db][?params]`,
    /// or `rediss+sentinel://` for TLS to the sentinels and the servers. A sentinel's port
    /// defaults to 26379; an IPv6 address goes in brackets. The credentials, database and
    /// parameters are the master's, read as in a plain URL ([`ConnectionInfo`]); these
    /// parameters are the sentinels' own: `sentinel_username`, `sentinel_password`
    /// (percent-encoded), `sentinel_timeout`, `resolve_timeout` (durations as `timeout` is
    /// written) and `replicas=true` for a replica pool.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`], which never shows a user name or password;
    /// [`Error::TlsNotEnabled`] for `rediss+sentinel://` without the `tls` feature.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::SentinelBuilder;
    ///
    /// let url = "redis+sentinel://:s3cret@10.0.0.1,10.0.0.2:26380/mymaster/2?sentinel_password=x";
    /// let builder = SentinelBuilder::from_url(url)?;
    /// assert_eq!(builder.master_name(), "mymaster");
    /// assert_eq!(builder.sentinels(), ["10.0.0.1:26379", "10.0.0.2:26380"]);
    /// assert!(SentinelBuilder::from_url("redis+sentinel://10.0.0.1").is_err()); // no master name
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<SentinelBuilder> {
        url::parse(url)
    }

    /// Adds a sentinel to ask. They are asked in the order added at first, then the one that
    /// answered last goes first.
    ///
    /// # Example
    ///
    /// ```
    /// let builder = redline::SentinelBuilder::new("mymaster")
    ///     .sentinel("10.0.0.1", 26379)
    ///     .sentinel("::1", 26380);
    /// assert_eq!(builder.sentinels(), ["10.0.0.1:26379", "[::1]:26380"]);
    /// ```
    pub fn sentinel(mut self, host: &str, port: u16) -> Self {
        self.sentinels.push((host.to_string(), port));
        self
    }

    /// The master's name as the sentinels know it (`sentinel monitor <name> ...`).
    ///
    /// # Example
    ///
    /// ```
    /// let builder = redline::SentinelBuilder::new("mymaster");
    /// assert_eq!(builder.master_name(), "mymaster");
    /// ```
    pub fn master_name(&self) -> &str {
        &self.master_name
    }

    /// The sentinels added so far, as `host:port`.
    ///
    /// # Example
    ///
    /// ```
    /// let builder = redline::SentinelBuilder::new("mymaster").sentinel("s1", 26379);
    /// assert_eq!(builder.sentinels(), ["s1:26379"]);
    /// ```
    pub fn sentinels(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|(h, p)| match h.contains(':') {
                true => format!("[{h}]:{p}"),
                false => format!("{h}:{p}"),
            })
            .collect()
    }

    /// The settings of the connections to the master and the replicas: credentials, database,
    /// protocol, timeouts, pool size; `rediss` (TLS) applies to the sentinels as well. The
    /// builder's host and port are not used: the sentinels say where the master is.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Client, Protocol};
    ///
    /// let client = Client::sentinel_builder("mymaster")
    ///     .sentinel("127.0.0.1", 26379)
    ///     .master(Client::builder().protocol(Protocol::Resp3).max_connections(8))
    ///     .build()?;
    /// assert_eq!(client.connection_info().protocol(), Protocol::Resp3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn master(mut self, settings: ClientBuilder) -> Self {
        self.master = settings;
        self
    }

    /// The ACL user the sentinels are asked as (with [`sentinel_password`]). Defaults to none.
    ///
    /// [`sentinel_password`]: SentinelBuilder::sentinel_password
    ///
    /// # Example
    ///
    /// ```
    /// let builder = redline::SentinelBuilder::new("mymaster")
    ///     .sentinel_username("watcher")
    ///     .sentinel_password("s3cret");
    /// ```
    pub fn sentinel_username(mut self, username: &str) -> Self {
        self.sentinel_username = Some(username.to_string());
        self
    }

    /// The password of the sentinels (their `requirepass`), which may differ from the
    /// master's. Defaults to none. It never appears in `Debug` output or errors.
    ///
    /// # Example
    ///
    /// ```
    /// let builder = redline::SentinelBuilder::new("mymaster").sentinel_password("s3cret");
    /// assert!(!format!("{builder:?}").contains("s3cret"));
    /// ```
    pub fn sentinel_password(mut self, password: &str) -> Self {
        self.sentinel_password = Some(Password(password.to_string()));
        self
    }

    /// Whether to keep a second pool, of the replicas, for read-only scripts
    /// ([`Script::call_ro`](crate::Script::call_ro), `EVAL_RO`, `EVALSHA_RO`, `FCALL_RO`) and
    /// for [`Client::replicas`]. Defaults to off: everything goes to the master. The replicas
    /// are those `SENTINEL REPLICAS` lists, less those flagged down or disconnected, taken in
    /// turn; with none up, the master serves.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::sentinel_builder("mymaster")
    ///     .sentinel("127.0.0.1", 26379)
    ///     .replica_pool(true)
    ///     .build()?;
    /// assert!(client.replicas().is_some());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn replica_pool(mut self, on: bool) -> Self {
        self.replicas = on;
        self
    }

    /// How long opening a connection may take to find a master that answers as one (asking the
    /// sentinels in rounds, with pauses from 25 ms to 250 ms) before it fails with
    /// [`Error::Sentinel`]. Defaults to 5 s. A call whose connection broke fails as on any
    /// client; the next call opens a new one, and waits up to this long.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let builder = redline::SentinelBuilder::new("mymaster")
    ///     .resolve_timeout(Duration::from_secs(10));
    /// ```
    pub fn resolve_timeout(mut self, timeout: Duration) -> Self {
        self.resolve_timeout = timeout;
        self
    }

    /// The connect, read and write timeout of each sentinel's connection: a sentinel that does
    /// not answer within it is skipped for the next. Defaults to 500 ms.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let builder = redline::SentinelBuilder::new("mymaster")
    ///     .sentinel_timeout(Duration::from_millis(200));
    /// ```
    pub fn sentinel_timeout(mut self, timeout: Duration) -> Self {
        self.sentinel_timeout = timeout;
        self
    }

    /// How often a call asks a sentinel whether the master moved (one call per interval does,
    /// for one round trip to a sentinel; the others do not wait). After a failover the old
    /// master may go on accepting writes for seconds before the sentinels demote it, and its
    /// connections would not tell: this check moves the client to the new master within about
    /// this interval. Defaults to 1 s; `None` checks only when a connection fails or a write
    /// is refused with `READONLY`.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let builder = redline::SentinelBuilder::new("mymaster")
    ///     .check_interval(Some(Duration::from_millis(250)));
    /// ```
    pub fn check_interval(mut self, every: Option<Duration>) -> Self {
        self.check_interval = every;
        self
    }

    /// Creates the client. No connection is made until the first call.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] without a sentinel or a master name;
    /// [`Error::TlsNotEnabled`] for TLS without the `tls` feature.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::sentinel_builder("mymaster")
    ///     .sentinel("127.0.0.1", 26379)
    ///     .build()?;
    /// assert_eq!(client.idle_connections(), 0);
    /// assert!(redline::SentinelBuilder::new("mymaster").build().is_err()); // no sentinel
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn build(self) -> Result<Client> {
        if self.sentinels.is_empty() {
            return Err(Error::invalid_argument(
                "a Sentinel client needs a sentinel",
            ));
        }
        if self.master_name.is_empty() {
            return Err(Error::invalid_argument(
                "a Sentinel client needs the master's name",
            ));
        }
        let (info, config) = self.master.into_parts();
        info.check_tls()?;
        let tls = matches!(info.addr, Addr::Tcp { tls: true, .. });
        let timeout = Some(self.sentinel_timeout);
        let sentinel_info = ConnectionInfo {
            addr: Addr::Tcp {
                host: String::new(),
                port: 0,
                tls,
            },
            db: 0,
            username: self.sentinel_username,
            password: self.sentinel_password,
            // Sentinels' replies are read as RESP2 arrays.
            protocol: Protocol::Resp2,
            connect_timeout: timeout,
            connect_retry_budget: Duration::ZERO,
            read_timeout: timeout,
            write_timeout: timeout,
            cluster_readonly: false,
            // The master's rotating credentials are not the sentinels'.
            credentials_provider: None,
            ..info.clone()
        };
        let sentinels = Arc::new(Sentinels::new(
            self.master_name,
            self.sentinels,
            sentinel_info,
            self.resolve_timeout,
        ));
        let master = Arc::new(MasterDial::new(Arc::clone(&sentinels), self.check_interval));
        let replicas = self.replicas.then(|| {
            let dial = ReplicaDial::new(Arc::clone(&sentinels), Arc::clone(&master));
            Pool::with_source(info.clone(), config, Source::Dial(Box::new(dial)))
        });
        let pool = Pool::with_source(info, config, Source::Dial(Box::new(ArcDial(master))));
        Ok(Client::from_pools(pool, replicas))
    }
}

impl Client {
    /// Starts a [`SentinelBuilder`]: a client of the master that sentinels know as
    /// `master_name`, found through them and followed across failovers. `Client::open` takes
    /// the same as a `redis+sentinel://` URL.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Client;
    ///
    /// let client = Client::sentinel_builder("mymaster")
    ///     .sentinel("127.0.0.1", 26379)
    ///     .sentinel("127.0.0.1", 26380)
    ///     .build()?;
    /// let same = Client::open("redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster")?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sentinel_builder(master_name: &str) -> SentinelBuilder {
        SentinelBuilder::new(master_name)
    }

    /// A client of a Sentinel client's replicas, sharing its replica pool, for explicit
    /// read-only commands; `None` unless the client was built with
    /// [`SentinelBuilder::replica_pool`]. Its connections go to the replicas in turn (to the
    /// master when none is up); a write through it is refused by the replica (`READONLY`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis+sentinel://127.0.0.1:26379/mymaster?replicas=true")?;
    /// client.set("k", 1)?; // the master
    /// if let Some(replicas) = client.replicas() {
    ///     let v: Option<i64> = replicas.get("k")?; // a replica (it may lag behind)
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn replicas(&self) -> Option<Client> {
        self.replica_client()
    }
}

/// The master's dialer, shared with the replica pool's (its fallback).
struct ArcDial(Arc<MasterDial>);

impl crate::pool::Dial for ArcDial {
    fn dial(
        &self,
        info: &ConnectionInfo,
        select: bool,
    ) -> Result<(crate::connection::Connection, u64)> {
        self.0.dial(info, select)
    }

    fn generation(&self) -> u64 {
        self.0.generation()
    }

    fn checkout(&self) {
        self.0.checkout()
    }

    fn failed(&self, generation: u64, error: &Error) {
        self.0.failed(generation, error)
    }
}
