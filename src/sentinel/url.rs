//! Parsing `redis+sentinel://[user:pass@]host[:port][,host[:port]...]/master[/db][?params]`.
//!
//! Everything a plain URL holds (credentials, database, parameters) is handed to
//! [`ConnectionInfo::from_url`], so that it is read, percent-decoded and reported exactly as
//! there; only the sentinel list, the master name and the sentinel's own parameters are read
//! here.

use super::resolve::HostPort;
use super::SentinelBuilder;
use crate::client::ClientBuilder;
use crate::error::{Error, Result};
use crate::info::ConnectionInfo;

/// The port sentinels listen on by default.
pub(crate) const DEFAULT_SENTINEL_PORT: u16 = 26379;

/// Whether `url` is a Sentinel URL (`redis+sentinel://`, `rediss+sentinel://`).
pub(crate) fn is_sentinel_url(url: &str) -> bool {
    url.starts_with("redis+sentinel://") || url.starts_with("rediss+sentinel://")
}

fn invalid(reason: &str) -> Error {
    Error::InvalidUrl {
        reason: reason.to_string(),
    }
}

pub(crate) fn parse(url: &str) -> Result<SentinelBuilder> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("redis+sentinel://") {
        (false, rest)
    } else if let Some(rest) = url.strip_prefix("rediss+sentinel://") {
        (true, rest)
    } else {
        return Err(invalid(
            "a Sentinel URL starts with redis+sentinel:// or rediss+sentinel://",
        ));
    };
    let credentials = url.contains('@') || url.contains("password");
    // Shown in errors only when no credentials could be in the URL.
    let shown = |what: &str, value: &str| match credentials {
        true => invalid(what),
        false => invalid(&format!("{what} '{value}'")),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    // As in a plain URL, the credentials end at the last '@' (no host or name holds one).
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (hosts, path) = rest
        .split_once('/')
        .ok_or_else(|| invalid("a Sentinel URL needs the master name: .../mymaster"))?;
    let (master_name, db) = match path.split_once('/') {
        Some((name, db)) => (name, Some(db)),
        None => (path, None),
    };
    if master_name.is_empty() {
        return Err(invalid(
            "a Sentinel URL needs the master name: redis+sentinel://host:26379/mymaster",
        ));
    }
    let mut sentinels = Vec::new();
    for host in hosts.split(',') {
        sentinels.push(parse_host(host).map_err(|what| shown(what, host))?);
    }
    // The sentinel's own parameters; the rest go to the master's settings.
    let mut builder_params = Vec::new();
    let mut master_params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, _) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sentinel_username" | "sentinel_password" | "replicas" | "resolve_timeout"
            | "sentinel_timeout" | "check_interval" => builder_params.push(pair),
            _ => master_params.push(pair),
        }
    }
    // The master's settings, read as a plain URL would be (its host is a placeholder).
    let mut plain = String::from(if tls { "rediss://" } else { "redis://" });
    if let Some(userinfo) = userinfo {
        plain.push_str(userinfo);
        plain.push('@');
    }
    plain.push_str("127.0.0.1");
    if let Some(db) = db {
        plain.push('/');
        plain.push_str(db);
    }
    if !master_params.is_empty() {
        plain.push('?');
        plain.push_str(&master_params.join("&"));
    }
    let info = ConnectionInfo::from_url(&plain)?;
    let mut builder = SentinelBuilder::new(master_name).master(ClientBuilder::from_info(info));
    for (host, port) in sentinels {
        builder = builder.sentinel(&host, port);
    }
    for pair in builder_params {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        builder = apply(builder, key, value).map_err(|what| match key {
            "sentinel_password" | "sentinel_username" => invalid(what),
            _ => shown(what, value),
        })?;
    }
    Ok(builder)
}

/// One `host[:port]` of the sentinel list; an IPv6 address in brackets.
fn parse_host(host: &str) -> Result<HostPort, &'static str> {
    let (name, port) = if let Some(v6) = host.strip_prefix('[') {
        let (name, after) = v6
            .split_once(']')
            .ok_or("unclosed '[' in a sentinel host")?;
        match after {
            "" => (name, None),
            _ => (name, Some(after.strip_prefix(':').ok_or("text after ']'")?)),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    if name.is_empty() {
        return Err("an empty sentinel host");
    }
    let bracketed = host.starts_with('[');
    let bad = |c: char| c.is_control() || matches!(c, ' ' | '[' | ']') || (c == ':' && !bracketed);
    if name.chars().any(bad) {
        return Err("an invalid sentinel host");
    }
    let port = match port {
        Some(p) => p.parse().map_err(|_| "an invalid sentinel port")?,
        None => DEFAULT_SENTINEL_PORT,
    };
    Ok((name.to_string(), port))
}

/// A parameter of the sentinels themselves.
fn apply(
    builder: SentinelBuilder,
    key: &str,
    value: &str,
) -> Result<SentinelBuilder, &'static str> {
    // Percent-decoded as a plain URL's `password` parameter is.
    let decoded = || {
        ConnectionInfo::from_url(&format!("redis://h?client_name={value}"))
            .ok()
            .and_then(|i| i.client_name().map(str::to_string))
            .ok_or("a sentinel user name or password is not valid percent-encoding")
    };
    let seconds = || {
        ConnectionInfo::from_url(&format!("redis://h?timeout={value}"))
            .ok()
            .and_then(|i| i.read_timeout())
            .ok_or("an invalid duration")
    };
    Ok(match key {
        "sentinel_username" => builder.sentinel_username(&decoded()?),
        "sentinel_password" => builder.sentinel_password(&decoded()?),
        "replicas" => builder.replica_pool(match value {
            "true" | "yes" | "1" | "on" => true,
            "false" | "no" | "0" | "off" => false,
            _ => return Err("invalid replicas (use true or false)"),
        }),
        "resolve_timeout" => builder.resolve_timeout(seconds()?),
        // `0` turns the check off, as it turns a timeout off.
        "check_interval" => builder.check_interval(
            ConnectionInfo::from_url(&format!("redis://h?timeout={value}"))
                .map_err(|_| "an invalid duration")?
                .read_timeout(),
        ),
        _ => builder.sentinel_timeout(seconds()?),
    })
}

#[cfg(test)]
mod tests;
