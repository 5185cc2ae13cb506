//! `ConnectionInfo::from_url` on arbitrary strings and on URLs built around a known password.
//!
//! Input: byte 0 picks the mode, the rest is split at 0xFF bytes into pieces.
//! - Mode "raw": the pieces joined are the URL. Checks: no panic; a URL that parses renders
//!   back (see `render`) and re-parses to the same info.
//! - Mode "password": a URL made of a scheme and the pieces as user name, password, host,
//!   port, database and query, the password put in the user-info or as `?password=`, raw or
//!   percent-encoded. Checks: no panic; the password (as decoded and as written) appears in
//!   neither the `Debug` of the result (when the URL's other parts leave it in its place) nor the `Debug` or `Display` of the error, unless it
//!   also appears in the URL outside its own place (then it may rightly be a host or a path);
//!   a URL that parses re-renders as in raw mode.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redline::{Addr, ConnectionInfo, Protocol};
use std::time::Duration;

/// `%XX` for every byte but the unreserved ones (and `/` where `keep_slash`).
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn seconds(d: Option<Duration>) -> String {
    match d {
        None => "0".into(),
        Some(d) => format!("{}.{:09}", d.as_secs(), d.subsec_nanos()),
    }
}

/// The info as a URL: the address as `Addr` prints it (TCP; a Unix path percent-encoded, as
/// the parser decodes it), the user name encoded, a placeholder password (it cannot be read
/// back), every setting as a parameter.
fn render(info: &ConnectionInfo) -> String {
    let userinfo = match (info.username(), info.has_password()) {
        (Some(user), true) => format!("{}:placeholder@", encode(user, false)),
        (Some(user), false) => format!("{}@", encode(user, false)),
        (None, true) => ":placeholder@".into(),
        (None, false) => String::new(),
    };
    let mut url = match info.addr() {
        Addr::Tcp { .. } => {
            let addr = info.addr().to_string();
            let (scheme, rest) = addr.split_once("://").unwrap_or(("redis", &addr));
            format!("{scheme}://{userinfo}{rest}/{}?", info.db())
        }
        Addr::Unix(path) => {
            let path = encode(&path.to_string_lossy(), true);
            format!("unix://{userinfo}{path}?db={}&", info.db())
        }
        _ => String::new(),
    };
    let protocol = match info.protocol() {
        Protocol::Resp3 => "3",
        _ => "2",
    };
    url.push_str(&format!(
        "protocol={protocol}&connect_timeout={}&read_timeout={}&write_timeout={}&keepalive={}",
        seconds(info.connect_timeout()),
        seconds(info.read_timeout()),
        seconds(info.write_timeout()),
        seconds(info.tcp_keepalive()),
    ));
    if let Some(name) = info.client_name() {
        url.push_str(&format!("&client_name={}", encode(name, false)));
    }
    url
}

/// Durations go through decimal text and an `f64`: equal up to the `f64`'s precision.
fn close(a: Option<Duration>, b: Option<Duration>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let diff = a.abs_diff(b);
            diff <= Duration::from_nanos(1 + (a.as_nanos() >> 50) as u64)
        }
        _ => false,
    }
}

fn round_trip(url: &str, info: &ConnectionInfo) {
    let again = render(info);
    let reparsed = match ConnectionInfo::from_url(&again) {
        Ok(reparsed) => reparsed,
        Err(e) => panic!("{url:?} parsed to {info:?}, rendered as {again:?}, which fails: {e}"),
    };
    let same = info.addr() == reparsed.addr()
        && info.db() == reparsed.db()
        && info.username() == reparsed.username()
        && info.has_password() == reparsed.has_password()
        && info.protocol() == reparsed.protocol()
        && close(info.connect_timeout(), reparsed.connect_timeout())
        && close(info.read_timeout(), reparsed.read_timeout())
        && close(info.write_timeout(), reparsed.write_timeout())
        && close(info.tcp_keepalive(), reparsed.tcp_keepalive())
        && info.client_name() == reparsed.client_name()
        && info.limits() == reparsed.limits();
    assert!(
        same,
        "{url:?} parsed to {info:?}; rendered as {again:?}, it parses to {reparsed:?}"
    );
}

/// A password of the same shape: each letter and digit moved on by one, the rest kept.
fn other(password: &str) -> String {
    password
        .chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => char::from(c as u8 + 1),
            c => c,
        })
        .collect()
}

fn piece(pieces: &[&[u8]], i: usize) -> String {
    String::from_utf8_lossy(pieces.get(i).copied().unwrap_or_default()).into_owned()
}

fuzz_target!(|input: &[u8]| {
    let [mode, rest @ ..] = input else {
        return;
    };
    let pieces: Vec<&[u8]> = rest.split(|&b| b == 0xFF).collect();
    if mode % 2 == 0 {
        let url = String::from_utf8_lossy(rest);
        if let Ok(info) = ConnectionInfo::from_url(&url) {
            round_trip(&url, &info);
        }
        return;
    }

    let scheme = ["redis", "rediss", "unix", "redis+unix"][usize::from(mode / 2) % 4];
    let (user, password, host) = (piece(&pieces, 0), piece(&pieces, 1), piece(&pieces, 2));
    let (port, db, query) = (piece(&pieces, 3), piece(&pieces, 4), piece(&pieces, 5));
    // Too short a password would match by chance (an "s" in "redis").
    if password.len() < 4 {
        return;
    }
    let encoded = mode & 0x10 != 0;
    let in_query = mode & 0x20 != 0;
    let url_with = |password: &str| {
        let written = if encoded {
            encode(password, false)
        } else {
            password.to_string()
        };
        let userinfo = match (in_query, user.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!("{user}@"),
            (false, _) => format!("{user}:{written}@"),
        };
        let mut params = query.clone();
        if in_query {
            params = format!("password={written}&{params}");
        }
        let place = match scheme {
            "unix" | "redis+unix" => format!("{userinfo}/{host}"),
            _ => format!("{userinfo}{host}:{port}/{db}"),
        };
        (format!("{scheme}://{place}?{params}"), written)
    };
    let (url, written) = url_with(&password);
    // The same URL with another password of the same shape: text that shows for both comes
    // from elsewhere (a fixed message saying "password" holds the password "pass").
    let (other_url, _) = url_with(&other(&password));
    let from_password = |shown: &str, other_shown: &str| {
        [&password, &written]
            .iter()
            .any(|p| shown.contains(p.as_str()) && !other_shown.contains(p.as_str()))
    };

    let elsewhere = url.replacen(&written, "", 1);
    let secret_elsewhere = elsewhere.contains(&password) || elsewhere.contains(&written);
    // A raw password holding a delimiter may rightly end up in the host or the path (the
    // grammar asks for those to be percent-encoded); only errors are checked for it then.
    let delimited = !encoded && password.contains(['@', '/', '?', '&', '%', '#']);
    // So may a password whose neighbours move the URL's cuts (a '?' in the host starts the
    // query early), or that a query parameter spells in percent-encoding.
    let cut = |s: &String| s.contains(['@', '/', '?', '&', '=', '%', ':', '[', ']']);
    let moved = [&user, &host, &port, &db].into_iter().any(cut) || query.contains(['%', '@', '?']);
    let other_shown = match ConnectionInfo::from_url(&other_url) {
        Ok(info) => format!("{info:?}"),
        Err(e) => format!("{e:?} {e}"),
    };
    match ConnectionInfo::from_url(&url) {
        Ok(info) => {
            let shown = format!("{info:?}");
            if !secret_elsewhere && !delimited && !moved {
                assert!(
                    !from_password(&shown, &other_shown),
                    "{url:?}: the password shows in {shown}"
                );
            }
            round_trip(&url, &info);
        }
        Err(e) => {
            let shown = format!("{e:?} {e}");
            if !secret_elsewhere {
                assert!(
                    !from_password(&shown, &other_shown),
                    "{url:?}: the password shows in the error {shown}"
                );
            }
        }
    }
});
