//! Parsing a connection URL (`redis://`, `rediss://`, `unix://`) into a [`ConnectionInfo`].

use super::{Addr, ConnectionInfo, Password, Protocol};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Why a URL was refused: a fixed description, and the offending text when it may be shown.
pub(super) struct UrlError {
    pub(super) what: &'static str,
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

pub(super) fn parse_url(url: &str) -> Result<ConnectionInfo, UrlError> {
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
    use crate::error::Error;

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
}
