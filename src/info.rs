//! Where and how to connect: [`ConnectionInfo`], parsed from a URL or built by hand.

use crate::error::{Error, Result};
use crate::resp::Limits;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

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
/// let info = ConnectionInfo::from_url("rediss://[::1]:6380")?;
/// assert_eq!(info.addr(), &Addr::Tcp { host: "::1".into(), port: 6380, tls: true });
/// assert_eq!(info.addr().to_string(), "rediss://[::1]:6380");
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
/// - `rediss://...`, the same over TLS (the `tls` feature).
/// - `unix:///path/to/redis.sock[?db=N&...]` (also `redis+unix://`).
///
/// Parameters: `db`; `protocol` (`2`, `3`, `resp2`, `resp3`; defaults to 2); `timeout` (read
/// and write), `connect_timeout`, `read_timeout`, `write_timeout`, in seconds (`0.5`) or with a
/// unit (`250ms`, `2s`); `client_name`; and `username` / `password` (for `unix://`). User and
/// password are percent-decoded. An unknown parameter is an error, so a typo is not silently
/// ignored.
///
/// Its `Debug` output shows `******` for the password.
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
    pub(crate) protocol: Protocol,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) client_name: Option<String>,
    pub(crate) limits: Limits,
}

/// Defaults to 10 seconds: a connect should not hang on an unreachable host.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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
            protocol: Protocol::Resp2,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            read_timeout: None,
            write_timeout: None,
            client_name: None,
            limits: Limits::default(),
        }
    }
}

impl ConnectionInfo {
    /// Parses a connection URL (see the type's docs for the grammar).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] saying what was wrong; the password never appears in it.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ConnectionInfo;
    ///
    /// let info = ConnectionInfo::from_url("unix:///run/redis.sock?db=1&timeout=250ms")?;
    /// assert_eq!(info.db(), 1);
    /// assert!(ConnectionInfo::from_url("redis://h?timout=1").is_err()); // unknown parameter
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<ConnectionInfo> {
        parse_url(url).map_err(|e| {
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
        })
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

/// Why a URL was refused: a fixed description, and the offending text when it may be shown.
struct UrlError {
    what: &'static str,
    value: Option<String>,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{} '{value}'", self.what),
            None => f.write_str(self.what),
        }
    }
}

fn bad(what: &'static str) -> UrlError {
    UrlError { what, value: None }
}

fn bad_value(what: &'static str, value: &str) -> UrlError {
    UrlError {
        what,
        value: Some(value.to_string()),
    }
}

fn parse_url(url: &str) -> Result<ConnectionInfo, UrlError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("missing scheme (redis://, rediss://, unix://)"))?;
    let mut info = ConnectionInfo::default();
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    match scheme {
        "redis" | "rediss" => parse_tcp(&mut info, rest, scheme == "rediss")?,
        "unix" | "redis+unix" => {
            // `unix://user:pass@/path/to/sock`: the credentials come before the path.
            let path = match rest.rsplit_once('@') {
                Some((userinfo, path)) => {
                    apply_userinfo(&mut info, userinfo)?;
                    path
                }
                None => rest,
            };
            if path.is_empty() {
                return Err(bad("unix:// needs a socket path"));
            }
            info.addr = Addr::Unix(PathBuf::from(percent_decode(path)?));
        }
        other => return Err(bad_value("unknown scheme", other)),
    }
    if let Some(query) = query {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            apply_param(&mut info, key, value)?;
        }
    }
    Ok(info)
}

/// `user:password`, `:password`, or the old password-only `password`, percent-decoded.
fn apply_userinfo(info: &mut ConnectionInfo, userinfo: &str) -> Result<(), UrlError> {
    let (user, pass) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    if !user.is_empty() {
        info.username = Some(percent_decode(user)?);
    }
    if let Some(pass) = pass {
        // Never echo the password, even in a decoding error.
        let pass =
            percent_decode(pass).map_err(|_| bad("the password is not valid percent-encoding"))?;
        info.password = Some(Password(pass));
    } else if info.username.is_some() {
        // `redis://secret@host` is the old password-only form.
        info.password = info.username.take().map(Password);
    }
    Ok(())
}

fn parse_tcp(info: &mut ConnectionInfo, rest: &str, tls: bool) -> Result<(), UrlError> {
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, ""),
    };
    // The password may itself contain '@' if not percent-encoded; the last '@' ends it.
    let hostport = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => {
            apply_userinfo(info, userinfo)?;
            hostport
        }
        None => authority,
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed '[' in the host"))?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().map_err(|_| bad_value("invalid port", p))?,
        None => 6379,
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    info.addr = Addr::Tcp {
        host: host.to_string(),
        port,
        tls,
    };
    if !path.is_empty() {
        info.db = path
            .parse()
            .map_err(|_| bad_value("invalid database", path))?;
    }
    Ok(())
}

fn apply_param(info: &mut ConnectionInfo, key: &str, value: &str) -> Result<(), UrlError> {
    match key {
        "db" => info.db = value.parse().map_err(|_| bad_value("invalid db", value))?,
        "protocol" => {
            info.protocol = match value {
                "2" | "resp2" | "RESP2" => Protocol::Resp2,
                "3" | "resp3" | "RESP3" => Protocol::Resp3,
                _ => return Err(bad_value("invalid protocol (use 2 or 3)", value)),
            }
        }
        "timeout" => {
            let t = parse_duration(value)?;
            info.read_timeout = t;
            info.write_timeout = t;
        }
        "connect_timeout" => info.connect_timeout = parse_duration(value)?,
        "read_timeout" => info.read_timeout = parse_duration(value)?,
        "write_timeout" => info.write_timeout = parse_duration(value)?,
        "client_name" | "name" => info.client_name = Some(percent_decode(value)?),
        "username" | "user" => info.username = Some(percent_decode(value)?),
        "password" => {
            let pass = percent_decode(value)
                .map_err(|_| bad("the password is not valid percent-encoding"))?;
            info.password = Some(Password(pass));
        }
        other => return Err(bad_value("unknown parameter", other)),
    }
    Ok(())
}

/// Seconds (`1.5`) or a number with `ms` or `s`; `0` means no timeout.
fn parse_duration(value: &str) -> Result<Option<Duration>, UrlError> {
    let invalid = || bad_value("invalid duration", value);
    let (number, scale) = if let Some(ms) = value.strip_suffix("ms") {
        (ms, 1e-3)
    } else {
        (value.strip_suffix('s').unwrap_or(value), 1.0)
    };
    let secs: f64 = number.parse().map_err(|_| invalid())?;
    let secs = secs * scale;
    if !(0.0..=1e9).contains(&secs) {
        return Err(invalid());
    }
    if secs == 0.0 {
        return Ok(None);
    }
    // Below a nanosecond the Duration would be zero, which sockets refuse.
    let duration = Duration::from_secs_f64(secs);
    if duration.is_zero() {
        return Err(invalid());
    }
    Ok(Some(duration))
}

fn percent_decode(s: &str) -> Result<String, UrlError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .ok_or_else(|| bad("truncated percent-encoding"))?;
            let byte = u8::from_str_radix(hex, 16).map_err(|_| bad("invalid percent-encoding"))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("percent-encoding that is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_tcp_url() {
        let info = ConnectionInfo::from_url(
            "redis://us%40er:p%3Ass@example.com:6380/3?protocol=resp3&timeout=250ms&client_name=job",
        )
        .unwrap();
        assert_eq!(
            info.addr,
            Addr::Tcp {
                host: "example.com".into(),
                port: 6380,
                tls: false
            }
        );
        assert_eq!(info.username(), Some("us@er"));
        assert_eq!(info.password, Some(Password("p:ss".into())));
        assert_eq!(info.db(), 3);
        assert_eq!(info.protocol(), Protocol::Resp3);
        assert_eq!(info.read_timeout(), Some(Duration::from_millis(250)));
        assert_eq!(info.client_name(), Some("job"));
    }

    #[test]
    fn defaults_and_variants() {
        let info = ConnectionInfo::from_url("redis://").unwrap();
        assert_eq!(
            info.addr,
            Addr::Tcp {
                host: "127.0.0.1".into(),
                port: 6379,
                tls: false
            }
        );
        let info = ConnectionInfo::from_url("rediss://[::1]:7000/0").unwrap();
        assert_eq!(
            info.addr,
            Addr::Tcp {
                host: "::1".into(),
                port: 7000,
                tls: true
            }
        );
        let info = ConnectionInfo::from_url("redis://:only@h").unwrap();
        assert_eq!((info.username(), info.has_password()), (None, true));
        let info = ConnectionInfo::from_url("redis://legacy@h").unwrap();
        assert_eq!((info.username(), info.has_password()), (None, true));
        let info = ConnectionInfo::from_url("unix://alice:pw@/tmp/r.sock").unwrap();
        assert_eq!(info.addr, Addr::Unix("/tmp/r.sock".into()));
        assert_eq!(
            (info.username(), info.has_password()),
            (Some("alice"), true)
        );
        assert!(ConnectionInfo::from_url("redis://h?timeout=1e-10").is_err());
        let info = ConnectionInfo::from_url("unix:///tmp/r.sock?db=4&password=x").unwrap();
        assert_eq!(info.addr, Addr::Unix("/tmp/r.sock".into()));
        assert_eq!(info.db(), 4);
        assert!(info.has_password());
        let info = ConnectionInfo::from_url("redis://h?timeout=1.5&connect_timeout=0").unwrap();
        assert_eq!(info.write_timeout(), Some(Duration::from_millis(1500)));
        assert_eq!(info.connect_timeout(), None);
    }

    #[test]
    fn bad_urls_say_why_without_secrets() {
        for url in [
            "localhost:6379",
            "http://h",
            "redis://h:99999",
            "redis://h/x",
            "redis://h?protocol=4",
            "redis://h?timout=1",
            "redis://[::1",
            "unix://",
            "redis://h?timeout=-1",
            "redis://u:sec%zzret@h",
        ] {
            let err = ConnectionInfo::from_url(url).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
            assert!(!err.to_string().contains("sec"), "{err}");
        }
    }

    #[test]
    fn password_never_printed() {
        let info = ConnectionInfo::from_url("redis://user:topsecret@host/1").unwrap();
        assert!(!format!("{info:?}").contains("topsecret"));
        assert!(!info.addr.to_string().contains("topsecret"));
    }
}
