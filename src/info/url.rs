//! Parsing a connection URL (`redis://`, `rediss://`, `unix://`) into a [`ConnectionInfo`].
//!
//! The URL is split in this order: the scheme at `://`, the query at the first `?`, then the
//! credentials at an `@` (TCP: the last one before the query, as no host, port or database holds
//! one; Unix: the first `@/`, as a socket path may hold one), then (TCP) the database at the
//! first `/`. A user name or password therefore may not hold a raw `@`, `/` or `?`: the
//! credentials so found are checked for a raw `@` or `/`, and a query whose unknown parameter
//! holds an `@` is taken for a raw `?`, each reported with the percent-encoding to use. No error
//! carries any part of the credentials.

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

const RAW_AT: &str = "the user name or password contains a raw '@': percent-encode it as %40";
const RAW_SLASH: &str = "the user name or password contains a raw '/': percent-encode it as %2F";
const RAW_AT_AND_SLASH: &str = "the user name or password contains a raw '@' and '/': \
     percent-encode them as %40 and %2F";
const UNKNOWN_PARAM: &str = "unknown parameter";
const UNKNOWN_PARAM_OR_RAW_QUESTION: &str = "unknown parameter (if the user name or password \
     contains a raw '?', percent-encode it as %3F)";

/// What a percent-decoded part of the URL is, for its error messages.
#[derive(Clone, Copy)]
enum Part {
    User,
    Password,
    ClientName,
    SocketPath,
}

impl Part {
    fn malformed(self) -> &'static str {
        match self {
            Part::User => "the user name is not valid percent-encoding (write a raw '%' as %25)",
            Part::Password => "the password is not valid percent-encoding (write a raw '%' as %25)",
            Part::ClientName => "the client name is not valid percent-encoding",
            Part::SocketPath => "the socket path is not valid percent-encoding",
        }
    }

    fn not_utf8(self) -> &'static str {
        match self {
            Part::User => "the user name is not UTF-8 once percent-decoded",
            Part::Password => "the password is not UTF-8 once percent-decoded",
            Part::ClientName => "the client name is not UTF-8 once percent-decoded",
            Part::SocketPath => "the socket path is not UTF-8 once percent-decoded",
        }
    }
}

pub(super) fn parse_url(url: &str) -> Result<ConnectionInfo, UrlError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("missing scheme (redis://, rediss://, unix://)"))?;
    if !matches!(scheme, "redis" | "rediss" | "unix" | "redis+unix") {
        return Err(bad_value("unknown scheme", scheme));
    }
    let mut info = ConnectionInfo::default();
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    // `redis://user:pa?ss@host`: a raw '?' in the password started the query early, and the
    // rest of the password and the host make an unknown parameter holding an '@'. Checked
    // first: the authority, then only `user:pa`, would fail as a bad port.
    if let Some(query) = query.filter(|q| q.contains('@') && !rest.contains('@')) {
        let unknown = query.split('&').filter(|p| !p.is_empty()).any(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let scratch = &mut ConnectionInfo::default();
            matches!(apply_param(scratch, key, value), Err(e) if e.what == UNKNOWN_PARAM)
        });
        if unknown {
            return Err(bad(UNKNOWN_PARAM_OR_RAW_QUESTION));
        }
    }
    match scheme {
        "redis" | "rediss" => parse_tcp(&mut info, rest, scheme == "rediss")?,
        _ => parse_unix(&mut info, rest)?,
    }
    if let Some(query) = query {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            apply_param(&mut info, key, value)?;
        }
    }
    Ok(info)
}

/// Refuses credentials holding a raw `@` or `/`: the common ways a password that was not
/// percent-encoded cuts the URL in the wrong place.
fn check_credentials(credentials: &str) -> Result<(), UrlError> {
    match (credentials.contains('@'), credentials.contains('/')) {
        (false, false) => Ok(()),
        (true, false) => Err(bad(RAW_AT)),
        (false, true) => Err(bad(RAW_SLASH)),
        (true, true) => Err(bad(RAW_AT_AND_SLASH)),
    }
}

/// `user:password`, `:password`, `user` (a user name alone: no `AUTH` is sent) or `user:`
/// (an empty password), percent-decoded.
fn apply_userinfo(info: &mut ConnectionInfo, userinfo: &str) -> Result<(), UrlError> {
    let (user, pass) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    if !user.is_empty() {
        info.username = Some(percent_decode(user, Part::User)?);
    }
    if let Some(pass) = pass {
        info.password = Some(Password(percent_decode(pass, Part::Password)?));
    }
    Ok(())
}

fn parse_tcp(info: &mut ConnectionInfo, rest: &str, tls: bool) -> Result<(), UrlError> {
    // No host, port or database holds an '@', so the credentials end at the last one; a raw
    // '@' or '/' in them is then found by `check_credentials` rather than misread.
    let host_and_db = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            check_credentials(userinfo)?;
            apply_userinfo(info, userinfo)?;
            &rest[at + 1..]
        }
        None => rest,
    };
    let (hostport, path) = match host_and_db.find('/') {
        Some(at) => (&host_and_db[..at], &host_and_db[at + 1..]),
        None => (host_and_db, ""),
    };
    let bracketed = hostport.starts_with('[');
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed '[' in the host"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| bad("unexpected text after the ']' of the host"))?,
            ),
        };
        (host, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    // A bracket belongs only around an IPv6 address: `a]:b` would print as `[a]:b]`, which
    // is no URL.
    if host.contains(['[', ']']) {
        return Err(bad_value("'[' or ']' in the host", host));
    }
    // An IPv6 address goes in brackets (`redis://[::1]:6380`): unbracketed, its colons cannot
    // be told from the port's. Spaces and control characters are no part of a host name.
    if !bracketed && host.contains(':') {
        return Err(bad_value(
            "a ':' in the host (an IPv6 address goes in brackets: redis://[::1]:6379)",
            host,
        ));
    }
    if host.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("a space or control character in the host"));
    }
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

/// `unix:///path`, or `unix://[user][:password]@/path`: a URL that starts with its path has no
/// credentials, whatever the path holds; otherwise they end at the first `@/` (or, for a
/// relative path, at the first `@`).
fn parse_unix(info: &mut ConnectionInfo, rest: &str) -> Result<(), UrlError> {
    let path = if rest.starts_with('/') {
        rest
    } else {
        match rest.find("@/").or_else(|| rest.find('@')) {
            Some(at) => {
                let userinfo = &rest[..at];
                check_credentials(userinfo)?;
                apply_userinfo(info, userinfo)?;
                &rest[at + 1..]
            }
            None => rest,
        }
    };
    if path.is_empty() {
        return Err(bad("unix:// needs a socket path"));
    }
    info.addr = Addr::Unix(PathBuf::from(percent_decode(path, Part::SocketPath)?));
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
        "keepalive" | "tcp_keepalive" => info.tcp_keepalive = parse_duration(value)?,
        "client_name" | "name" => info.client_name = Some(percent_decode(value, Part::ClientName)?),
        // Empty, as in the user-info (`redis://:pw@host`): no user name, not a user named "".
        "username" | "user" => {
            let user = percent_decode(value, Part::User)?;
            info.username = (!user.is_empty()).then_some(user);
        }
        "password" => info.password = Some(Password(percent_decode(value, Part::Password)?)),
        other => return Err(bad_value(UNKNOWN_PARAM, other)),
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

/// Decodes `%XX` escapes (two hex digits each); the result must be UTF-8. The error names the
/// part, never its text.
fn percent_decode(s: &str, part: Part) -> Result<String, UrlError> {
    fn hex(byte: Option<&u8>) -> Option<u8> {
        byte.and_then(|b| char::from(*b).to_digit(16))
            .map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => out.push(high << 4 | low),
                _ => return Err(bad(part.malformed())),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad(part.not_utf8()))
}

#[cfg(test)]
mod tests;
