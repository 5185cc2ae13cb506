//! Where and how to connect: [`ConnectionInfo`], parsed from a URL or built by hand.

use crate::error::{Error, Result};
use crate::resp::Limits;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

mod credentials;
mod tls;
mod url;

pub(crate) use credentials::SharedProvider;
pub use credentials::{Credentials, CredentialsError, CredentialsProvider};
pub(crate) use tls::TlsOptions;
#[cfg(feature = "tls")]
pub(crate) use tls::{alert_reason, handshake_reason};
#[cfg(feature = "tls")]
pub(crate) use tls::{ClientCert, Pem};
use url::parse_url;

/// The protocol version spoken on a connection.
///
/// # Example
///
/// ```
/// use redline::{ConnectionInfo, Protocol};
///
/// let info = ConnectionInfo::from_url("redis://127.0.0.1:6379?protocol=3")?;
/// assert_eq!(info.protocol(), Protocol::Resp3);
/// assert_eq!(Protocol::default(), Protocol::Resp2);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// RESP2, every server's default.
    #[default]
    Resp2,
    /// RESP3 (Redis 6+), negotiated with `HELLO 3` on connect.
    Resp3,
}

/// Where the server listens.
///
/// # Example
///
/// ```
/// use redline::{Addr, ConnectionInfo};
///
/// let info = ConnectionInfo::from_url("redis://[::1]:6380")?;
/// assert_eq!(info.addr(), &Addr::Tcp { host: "::1".into(), port: 6380, tls: false });
/// assert_eq!(info.addr().to_string(), "redis://[::1]:6380");
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Addr {
    /// A TCP host and port; `tls` for `rediss://`.
    Tcp {
        /// Host name or IP address.
        host: String,
        /// Port.
        port: u16,
        /// Whether to speak TLS (needs the `tls` feature).
        tls: bool,
    },
    /// A Unix domain socket.
    Unix(PathBuf),
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Tcp { host, port, tls } => {
                let scheme = if *tls { "rediss" } else { "redis" };
                if host.contains(':') {
                    write!(f, "{scheme}://[{host}]:{port}")
                } else {
                    write!(f, "{scheme}://{host}:{port}")
                }
            }
            Addr::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

/// A password that never shows in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Password(pub(crate) String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("******")
    }
}

/// Everything needed to open and set up a connection.
///
/// Parsed from a URL by [`ConnectionInfo::from_url`]; every field can also be set through
/// [`ClientBuilder`](crate::ClientBuilder). The URL grammar:
///
/// - `redis://[[user][:password]@]host[:port][/db][?param=value&...]`, TCP; the host defaults to
///   `127.0.0.1` and the port to 6379; an IPv6 host goes in brackets (`redis://[::1]:6380`).
/// - `rediss://...`, the same over TLS. It needs the `tls` feature: without it the URL is refused
///   at once with [`Error::TlsNotEnabled`], not at the first connection.
/// - `unix:///path/to/redis.sock[?param=value&...]`, or with credentials
///   `unix://[user][:password]@/path/to/redis.sock` (also `redis+unix://`).
///
/// Credentials:
///
/// - `user:password@` authenticates as an ACL user (`AUTH user password`, or `HELLO 3 AUTH`);
/// - `:password@` sends the password alone (the `default` user, as `requirepass` expects);
/// - `user@`, a user name with no password, sends **no** `AUTH` (Redis has no `AUTH` without a
///   password), so the connection is the `default` user's. An ACL user with `nopass` is
///   reached with an empty password, `user:@`. So `redis://secret@host` names a user
///   `secret`; a password alone is written `redis://:secret@host`.
/// - The user name and password are percent-decoded: `%40` is `@`, `%2F` is `/`, `%3A` is `:`,
///   `%3F` is `?`, `%25` is `%`, and UTF-8 is written byte by byte (`%C3%A9` is `é`). A raw `@`,
///   `/` or `?` in them cuts the URL in the wrong place: a raw `@` or `/` is refused with an
///   [`Error::InvalidUrl`] saying which one to percent-encode (a raw `?` makes an unknown
///   parameter, with the same hint). A `:` in the user name must be encoded; in the password it
///   may stay raw (the first `:` separates the two).
///
/// Parameters: `db`; `protocol` (`2`, `3`, `resp2`, `resp3`; defaults to 2); `timeout` (read
/// and write), `connect_timeout`, `read_timeout`, `write_timeout`, in seconds (`0.5`) or with a
/// unit (`250ms`, `2s`), `0` for none (read and write timeouts default to 5 s, the connect
/// timeout to 10 s); `keepalive`, the idle time before TCP keepalive probes, in the same
/// form (60 s by default, `0` turns it off); `client_name`; and `username` / `password` (percent-decoded as well;
/// the same rule for a user name without a password). An unknown parameter is an error, so a
/// typo is not silently ignored.
///
/// Credentials that rotate come from a [`CredentialsProvider`] instead, set with
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider) and
/// asked for each new connection (see `docs/auth.md`). TLS certificates, the server name and
/// verification are set with the `tls_*` methods of [`ClientBuilder`](crate::ClientBuilder)
/// (`docs/tls.md`).
///
/// Its `Debug` output shows `******` for the password and for private key bytes.
///
/// # Example
///
/// ```
/// use redline::{ConnectionInfo, Protocol};
///
/// let info = ConnectionInfo::from_url("redis://alice:s3cret@cache.local:6380/2?protocol=3")?;
/// assert_eq!(info.db(), 2);
/// assert_eq!(info.protocol(), Protocol::Resp3);
/// assert_eq!(info.username(), Some("alice"));
/// assert!(!format!("{info:?}").contains("s3cret"));
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionInfo {
    pub(crate) addr: Addr,
    pub(crate) db: i64,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<Password>,
    /// Asked for the user name and password of each new connection, in their place.
    pub(crate) credentials_provider: Option<SharedProvider>,
    pub(crate) protocol: Protocol,
    pub(crate) connect_timeout: Option<Duration>,
    /// How long a refused connect is retried (see [`ConnectionInfo::connect_retry_budget`]).
    pub(crate) connect_retry_budget: Duration,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    /// Idle time before TCP keepalive probes (see [`ConnectionInfo::tcp_keepalive`]).
    pub(crate) tcp_keepalive: Option<Duration>,
    pub(crate) client_name: Option<String>,
    pub(crate) limits: Limits,
    /// A cluster replica's connection: `READONLY` in the handshake, so that it serves reads.
    pub(crate) cluster_readonly: bool,
    /// Certificates, SNI name and verification for `rediss://` (see `info/tls.rs`).
    pub(crate) tls: TlsOptions,
}

/// Defaults to 10 seconds: a connect should not hang on an unreachable host.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The deadline of a whole call's reads (and of its writes) unless configured: no call waits
/// for ever by default. As StackExchange.Redis's 5 s, the most lenient of the peers (Jedis 2 s,
/// go-redis 3 s), because it bounds the whole call, not one read, so it must cover the largest
/// reply a batch job reads in one call on a loaded server. Blocking commands add their own
/// time to it.
pub(crate) const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(5);
/// A minute: a server that vanished (a host gone, a NAT or load balancer that forgot the
/// flow, which cloud ones do after 350 s) is noticed on an idle pooled connection within about
/// two minutes, for one small packet a minute; Linux's own default waits two hours.
pub(crate) const DEFAULT_TCP_KEEPALIVE: Duration = Duration::from_secs(60);
/// Covers a server restart of about a second: every connect refused meanwhile is retried.
pub(crate) const DEFAULT_CONNECT_RETRY_BUDGET: Duration = Duration::from_secs(1);

impl Default for ConnectionInfo {
    fn default() -> Self {
        ConnectionInfo {
            addr: Addr::Tcp {
                host: "127.0.0.1".into(),
                port: 6379,
                tls: false,
            },
            db: 0,
            username: None,
            password: None,
            credentials_provider: None,
            protocol: Protocol::Resp2,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            connect_retry_budget: DEFAULT_CONNECT_RETRY_BUDGET,
            read_timeout: Some(DEFAULT_IO_TIMEOUT),
            write_timeout: Some(DEFAULT_IO_TIMEOUT),
            tcp_keepalive: Some(DEFAULT_TCP_KEEPALIVE),
            client_name: None,
            limits: Limits::default(),
            cluster_readonly: false,
            tls: TlsOptions::default(),
        }
    }
}

impl ConnectionInfo {
    /// Parses a connection URL (see the type's docs for the grammar).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] saying what was wrong; no part of the user name or password
    /// appears in it. [`Error::TlsNotEnabled`] for a `rediss://` URL when the `tls` feature
    /// is off.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{ConnectionInfo, Error};
    ///
    /// let info = ConnectionInfo::from_url("unix:///run/redis.sock?db=1&timeout=250ms")?;
    /// assert_eq!(info.db(), 1);
    /// assert!(ConnectionInfo::from_url("redis://h?timout=1").is_err()); // unknown parameter
    ///
    /// // A password with '@' and '/' is percent-encoded; left raw, the error says so.
    /// let info = ConnectionInfo::from_url("redis://alice:p%40ss%2Fword@cache.local")?;
    /// assert!(info.has_password());
    /// let err = ConnectionInfo::from_url("redis://alice:p@ss@cache.local").unwrap_err();
    /// assert!(err.to_string().contains("%40"), "{err}");
    ///
    /// // A user name alone: no password, so no AUTH is sent.
    /// let info = ConnectionInfo::from_url("redis://alice@cache.local")?;
    /// assert_eq!((info.username(), info.has_password()), (Some("alice"), false));
    ///
    /// let tls = ConnectionInfo::from_url("rediss://cache.local");
    /// if cfg!(feature = "tls") {
    ///     assert!(tls.is_ok());
    /// } else {
    ///     assert!(matches!(tls, Err(Error::TlsNotEnabled)));
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<ConnectionInfo> {
        let info = parse_url(url).map_err(|e| {
            // A password with a raw '/', '?' or '@' can land in any part of a malformed URL,
            // so when credentials may be present no part of the input is echoed.
            let credentials = url.contains('@') || url.contains("password");
            Error::InvalidUrl {
                reason: if credentials {
                    e.what.to_string()
                } else {
                    e.to_string()
                },
            }
        })?;
        info.check_tls()?;
        Ok(info)
    }

    /// Refuses TLS when the `tls` feature is off, so that a `rediss://` client fails where it
    /// is made rather than at its first call.
    pub(crate) fn check_tls(&self) -> Result<()> {
        match self.addr {
            Addr::Tcp { tls: true, .. } if !cfg!(feature = "tls") => Err(Error::TlsNotEnabled),
            _ => Ok(()),
        }
    }

    /// The server's address.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("redis://cache.local:6380/1")?;
    /// assert_eq!(info.addr().to_string(), "redis://cache.local:6380");
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn addr(&self) -> &Addr {
        &self.addr
    }

    /// The database selected on connect.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1:6379/4")?;
    /// assert_eq!(info.db(), 4);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn db(&self) -> i64 {
        self.db
    }

    /// The ACL user name, if any.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("redis://alice:s3cret@127.0.0.1")?;
    /// assert_eq!(info.username(), Some("alice"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// Whether a password is set (the password itself is never handed out).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("redis://alice:s3cret@127.0.0.1")?;
    /// assert!(info.has_password());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The protocol version.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{ConnectionInfo, Protocol};
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1?protocol=resp3")?;
    /// assert_eq!(info.protocol(), Protocol::Resp3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The name set with `CLIENT SETNAME`, if any.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1?client_name=worker-1")?;
    /// assert_eq!(info.client_name(), Some("worker-1"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn client_name(&self) -> Option<&str> {
        self.client_name.as_deref()
    }

    /// The connect timeout.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    /// use std::time::Duration;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1")?;
    /// assert_eq!(info.connect_timeout(), Some(Duration::from_secs(10))); // the default
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }

    /// How long a connect that failed before anything was sent (refused, reset or aborted
    /// during connect, or a Unix socket not there yet) is retried, with exponential backoff
    /// and jitter (from 10 ms, doubling, at most 250 ms apart). A server restarting within that
    /// time costs no failed call; nothing that may have reached a server is ever re-sent.
    /// Defaults to 1 s; zero tries once.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    /// use std::time::Duration;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1")?;
    /// assert_eq!(info.connect_retry_budget(), Duration::from_secs(1)); // the default
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn connect_retry_budget(&self) -> Duration {
        self.connect_retry_budget
    }

    /// How long a TCP connection is idle before the system starts keepalive probes; then one
    /// probe every quarter of that (at least a second), and the connection is closed after
    /// three unanswered ones, so that a call on it fails instead of waiting on a peer that is
    /// gone. Defaults to 60 s; `None` turns keepalive off. Applied on Linux and Android (std has
    /// no call for it, and the crate's one system-call module is written for them); elsewhere
    /// it has no effect yet. Unix sockets have none.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    /// use std::time::Duration;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1")?;
    /// assert_eq!(info.tcp_keepalive(), Some(Duration::from_secs(60))); // the default
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1?keepalive=0")?;
    /// assert_eq!(info.tcp_keepalive(), None);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn tcp_keepalive(&self) -> Option<Duration> {
        self.tcp_keepalive
    }

    /// The read timeout.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    /// use std::time::Duration;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1?timeout=2s")?;
    /// assert_eq!(info.read_timeout(), Some(Duration::from_secs(2)));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }

    /// The write timeout.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    /// use std::time::Duration;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1?write_timeout=0.5")?;
    /// assert_eq!(info.write_timeout(), Some(Duration::from_millis(500)));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn write_timeout(&self) -> Option<Duration> {
        self.write_timeout
    }

    /// The parser limits.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1")?;
    /// assert_eq!(info.limits().max_depth, 128); // the default
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_printed() {
        let info = ConnectionInfo::from_url("redis://user:topsecret@host/1").unwrap();
        assert!(!format!("{info:?}").contains("topsecret"));
        assert!(!info.addr.to_string().contains("topsecret"));
    }
}
