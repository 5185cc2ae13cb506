//! The shared, pooled client and its builder.

use crate::cmd::Cmd;
use crate::connection::Connection;
use crate::error::Result;
use crate::info::{Addr, ConnectionInfo, Password, Protocol};
use crate::resp::{Limits, Value};
use crate::script::{Script, ScriptInvocation};
use crate::types::FromValue;
use crate::ConnectionLike;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Defaults to 16: idle connections kept for reuse.
const DEFAULT_MAX_IDLE: usize = 16;

/// A client for one server, shared by reference across threads.
///
/// It keeps a small pool of idle connections and checks one out for each call, so N threads
/// calling at once use up to N connections. A connection that failed is dropped, never put
/// back, and an idle one is checked (without blocking) before reuse, so a server restart is
/// seen as a closed connection and the call opens a fresh one.
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
    shared: Arc<Shared>,
}

struct Shared {
    info: ConnectionInfo,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("info", &self.shared.info)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Creates a client from a URL such as `redis://[user:pass@]host:port/db?protocol=3`
    /// (the grammar is on [`ConnectionInfo`]). No connection is made until the first call.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`](crate::Error::InvalidUrl).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Client;
    ///
    /// let client = Client::open("redis://127.0.0.1:6379/1")?;
    /// assert_eq!(client.connection_info().db(), 1);
    /// assert!(Client::open("localhost:6379").is_err()); // no scheme
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn open(url: &str) -> Result<Client> {
        Ok(ClientBuilder::from_url(url)?.build())
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
        &self.shared.info
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
        Connection::open(&self.shared.info)
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
        T::from_value(self.req(cmd)?)
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
        Script::new(self, lua.as_ref())
    }

    /// Runs `f` on a pooled connection, then returns the connection to the pool unless it
    /// broke (or `f` panicked, in which case it is dropped).
    pub(crate) fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.checkout()?;
        let result = f(&conn);
        if !conn.is_broken() {
            conn.mark_idle();
            let mut idle = self.idle();
            if idle.len() < self.shared.max_idle {
                idle.push(conn);
            }
        }
        result
    }

    fn checkout(&self) -> Result<Connection> {
        loop {
            let candidate = self.idle().pop();
            match candidate {
                // A server restart or a stray byte shows here, before a command is risked.
                Some(conn) if conn.is_reusable() => return Ok(conn),
                Some(_) => continue,
                None => return Connection::open(&self.shared.info),
            }
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // The guarded Vec stays consistent even if a holder panicked.
        self.shared
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        self.idle().len()
    }
}

impl ConnectionLike for Client {
    /// Like [`Connection::req`], on a pooled connection. Commands that change the state of
    /// the connection they run on (`MULTI`, `WATCH`, `SELECT`, `SUBSCRIBE`, `HELLO 3`, ...) are
    /// refused with [`Error::InvalidArgument`](crate::Error::InvalidArgument): the next caller
    /// of that pooled connection would inherit the state. Use [`Client::get_connection`] (or a
    /// pipeline's [`atomic`](crate::Pipeline::atomic), or [`Client::transaction`]) instead.
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        refuse_stateful(cmd)?;
        self.with_conn(|conn| conn.req(cmd))
    }

    /// Runs the whole EVALSHA / SCRIPT LOAD / EVALSHA sequence on one pooled connection.
    fn invoke_script(&self, invocation: &ScriptInvocation<'_>) -> Result<Value> {
        self.with_conn(|conn| conn.invoke_script(invocation))
    }

    /// Opens a fresh connection whose handshake skips `SELECT` and `CLIENT SETNAME`: a server
    /// busy with a script refuses both, but accepts `SCRIPT KILL` and `FUNCTION KILL`.
    fn req_while_busy(&self, cmd: &Cmd) -> Result<Value> {
        Connection::open_with(&self.shared.info, false)?.req(cmd)
    }
}

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
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    info: ConnectionInfo,
    max_idle: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            info: ConnectionInfo::default(),
            max_idle: DEFAULT_MAX_IDLE,
        }
    }
}

impl ClientBuilder {
    /// Starts from a URL (see [`ConnectionInfo`] for the grammar).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`](crate::Error::InvalidUrl).
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
            max_idle: DEFAULT_MAX_IDLE,
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

    /// The ACL user. Defaults to none (the `default` user).
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

    /// How long a read may wait. Defaults to none (wait for ever, as blocking commands need).
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

    /// How long a write may wait. Defaults to none.
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
        self.max_idle = max_idle;
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
        Client {
            shared: Arc::new(Shared {
                info: self.info,
                idle: Mutex::new(Vec::new()),
                max_idle: self.max_idle,
            }),
        }
    }
}

/// Refuses, for a pooled connection, the commands that would leave it in a state the next
/// caller does not expect.
fn refuse_stateful(cmd: &Cmd) -> Result<()> {
    const STATEFUL: [&[u8]; 13] = [
        b"MULTI",
        b"EXEC",
        b"DISCARD",
        b"WATCH",
        b"SELECT",
        b"SUBSCRIBE",
        b"PSUBSCRIBE",
        b"SSUBSCRIBE",
        b"MONITOR",
        b"AUTH",
        b"RESET",
        b"QUIT",
        b"READONLY",
    ];
    let mut args = cmd.args();
    let name = args.next().unwrap_or_default();
    let second = args.next();
    // CLIENT REPLY OFF would silence replies; HELLO with a version switches the protocol
    // (without one it only reports).
    let stateful_form = (name.eq_ignore_ascii_case(b"CLIENT")
        && second.is_some_and(|sub| sub.eq_ignore_ascii_case(b"REPLY")))
        || (name.eq_ignore_ascii_case(b"HELLO") && second.is_some());
    let stateful = STATEFUL.iter().any(|s| name.eq_ignore_ascii_case(s));
    if stateful_form || stateful {
        return Err(crate::Error::invalid_argument(format!(
            "{} changes the state of the connection it runs on; use Client::get_connection",
            String::from_utf8_lossy(name)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_and_script_are_send_sync() {
        assert_send_sync::<Client>();
        assert_send_sync::<Script<'static>>();
    }

    #[test]
    fn stateful_commands_are_refused_on_the_pool() {
        let refused = [
            &["MULTI"][..],
            &["select", "1"],
            &["CLIENT", "reply", "OFF"],
            &["Watch", "k"],
            &["HELLO", "3"],
        ];
        for words in refused {
            let mut c = Cmd::new();
            c.arg(words);
            assert!(
                matches!(
                    refuse_stateful(&c),
                    Err(crate::Error::InvalidArgument { .. })
                ),
                "{words:?}"
            );
        }
        for words in [
            &["GET", "k"][..],
            &["CLIENT", "ID"],
            &["UNWATCH"],
            &["HELLO"],
            &["CLIENT", "TRACKING", "ON"],
        ] {
            let mut c = Cmd::new();
            c.arg(words);
            assert!(refuse_stateful(&c).is_ok(), "{words:?}");
        }
    }

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
