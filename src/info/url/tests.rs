//! The URL grammar case by case, the errors' wording and secrecy, and properties over any input.

use super::*;
use crate::error::Error;
use proptest::prelude::*;

fn parse(url: &str) -> ConnectionInfo {
    ConnectionInfo::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn password(info: &ConnectionInfo) -> Option<&str> {
    info.password.as_ref().map(|p| p.0.as_str())
}

/// The `InvalidUrl` reason for `url`, after checking that neither its `Display` nor its `Debug`
/// shows any of `secrets`.
fn url_error(url: &str, secrets: &[&str]) -> String {
    let err = ConnectionInfo::from_url(url).unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        for secret in secrets {
            assert!(!text.contains(secret), "{url}: {secret:?} shows in {text}");
        }
    }
    match err {
        Error::InvalidUrl { reason } => reason,
        other => panic!("{url}: {other:?}"),
    }
}

#[test]
fn parses_full_tcp_url() {
    let info = parse(
        "redis://us%40er:p%3Ass@example.com:6380/3?protocol=resp3&timeout=250ms&client_name=job",
    );
    assert_eq!(
        info.addr,
        Addr::Tcp {
            host: "example.com".into(),
            port: 6380,
            tls: false
        }
    );
    assert_eq!(info.username(), Some("us@er"));
    assert_eq!(password(&info), Some("p:ss"));
    assert_eq!(info.db(), 3);
    assert_eq!(info.protocol(), Protocol::Resp3);
    assert_eq!(info.read_timeout(), Some(Duration::from_millis(250)));
    assert_eq!(info.client_name(), Some("job"));
}

#[test]
fn defaults_and_variants() {
    let info = parse("redis://");
    assert_eq!(
        info.addr,
        Addr::Tcp {
            host: "127.0.0.1".into(),
            port: 6379,
            tls: false
        }
    );
    let info = parse("redis://[::1]:7000/0");
    assert_eq!(
        info.addr,
        Addr::Tcp {
            host: "::1".into(),
            port: 7000,
            tls: false
        }
    );
    assert_eq!(
        parse("redis://[::1]").addr.to_string(),
        "redis://[::1]:6379"
    );
    let info = parse("unix://alice:pw@/tmp/r.sock");
    assert_eq!(info.addr, Addr::Unix("/tmp/r.sock".into()));
    assert_eq!(
        (info.username(), password(&info)),
        (Some("alice"), Some("pw"))
    );
    assert!(ConnectionInfo::from_url("redis://h?timeout=1e-10").is_err());
    let info = parse("unix:///tmp/r.sock?db=4&password=x");
    assert_eq!(info.addr, Addr::Unix("/tmp/r.sock".into()));
    assert_eq!(info.db(), 4);
    assert!(info.has_password());
    let info = parse("redis://h?timeout=1.5&connect_timeout=0");
    assert_eq!(info.write_timeout(), Some(Duration::from_millis(1500)));
    assert_eq!(info.connect_timeout(), None);
    assert_eq!(
        parse("redis://h").tcp_keepalive(),
        Some(Duration::from_secs(60))
    );
    let info = parse("redis://h?keepalive=30s");
    assert_eq!(info.tcp_keepalive(), Some(Duration::from_secs(30)));
    assert_eq!(parse("redis://h?tcp_keepalive=0").tcp_keepalive(), None);
    assert!(ConnectionInfo::from_url("redis://h?keepalive=soon").is_err());
}

/// `user:pass@`, `:pass@`, `user@` (no password, so no AUTH), `user:@` (an empty password).
#[test]
fn the_forms_of_credentials() {
    for (url, user, pass) in [
        ("redis://alice:pw@h", Some("alice"), Some("pw")),
        ("redis://:pw@h", None, Some("pw")),
        // A user name alone is a user name, not the password (the old password-only form).
        ("redis://alice@h", Some("alice"), None),
        ("redis://alice@h:6380/2", Some("alice"), None),
        ("redis://alice:@h", Some("alice"), Some("")),
        ("redis://@h", None, None),
        ("redis://:@h", None, Some("")),
        // Only the first ':' separates the two: the password may hold a raw ':'.
        ("redis://alice:a:b@h", Some("alice"), Some("a:b")),
        ("redis://h?username=alice", Some("alice"), None),
        (
            "redis://h?user=alice&password=pw",
            Some("alice"),
            Some("pw"),
        ),
        ("unix://alice@/tmp/r.sock", Some("alice"), None),
        ("unix://:pw@/tmp/r.sock", None, Some("pw")),
        (
            "redis+unix://alice:pw@/tmp/r.sock",
            Some("alice"),
            Some("pw"),
        ),
    ] {
        let info = parse(url);
        assert_eq!(info.username(), user, "{url}");
        assert_eq!(password(&info), pass, "{url}");
        assert_eq!(info.has_password(), pass.is_some(), "{url}");
    }
    let info = parse("redis://alice@cache.local:6380/2");
    assert_eq!(info.addr.to_string(), "redis://cache.local:6380");
    assert_eq!(info.db(), 2);
}

#[test]
fn credentials_are_percent_decoded() {
    for (url, user, pass) in [
        ("redis://a%2Fb:c%2Fd@h", "a/b", "c/d"),
        ("redis://a%40b:c%40d@h", "a@b", "c@d"),
        ("redis://a%3Ab:c%3Ad@h", "a:b", "c:d"),
        ("redis://a%2fb:c%2fd@h", "a/b", "c/d"), // lower-case hex
        ("redis://%25:%25%2525@h", "%", "%%25"),
        ("redis://al%20ice:p%3Fss%23%26%3D@h", "al ice", "p?ss#&="),
        // UTF-8, encoded byte by byte or raw.
        ("redis://J%C3%B6rg:%F0%9F%94%91%E2%82%AC@h", "Jörg", "🔑€"),
        ("redis://Jörg:pässwörd€@h", "Jörg", "pässwörd€"),
        ("redis://u:%00@h", "u", "\0"),
        (
            "redis://h?username=a%40b&password=p%40ss%2Fword",
            "a@b",
            "p@ss/word",
        ),
        ("unix://a%2Fb:p%40ss%2Fw@/tmp/r.sock", "a/b", "p@ss/w"),
    ] {
        let info = parse(url);
        assert_eq!(info.username(), Some(user), "{url}");
        assert_eq!(password(&info), Some(pass), "{url}");
    }
    // The client name and the socket path are decoded too.
    assert_eq!(
        parse("redis://h?client_name=a%20b").client_name(),
        Some("a b")
    );
    assert_eq!(
        parse("unix:///tmp/a%20b.sock").addr,
        Addr::Unix("/tmp/a b.sock".into())
    );
}

/// Malformed escapes and bytes that are not UTF-8: an error naming the part, never its text.
#[test]
fn bad_percent_encoding_names_the_part_not_the_text() {
    for (url, part) in [
        ("redis://u:secret%zz@h", "password"),
        ("redis://u:secret%2@h", "password"),
        ("redis://u:secret%@h", "password"),
        ("redis://u:secret%+1@h", "password"), // not two hex digits (a sign is not one)
        ("redis://u:secret%-1@h", "password"),
        ("redis://u:secret%1é@h", "password"), // a multi-byte character after '%'
        ("redis://u:secret%é@h", "password"),
        ("redis://u:secret%FF@h", "password"), // not UTF-8
        ("redis://u:secret%C3@h", "password"), // a truncated sequence
        ("redis://u:secret%C3%28@h", "password"),
        ("redis://u:secret%ED%A0%80@h", "password"), // a surrogate
        ("redis://secret%zz:pw@h", "user name"),
        ("redis://secret%C3:pw@h", "user name"),
        ("redis://secret%zz@h", "user name"),
        ("redis://h?password=secret%zz", "password"),
        ("redis://h?password=secret%FF", "password"),
        ("redis://h?username=secret%zz", "user name"),
        ("unix://u:secret%zz@/tmp/r.sock", "password"),
    ] {
        let reason = url_error(url, &["secret", "%zz", "zz", "%FF", "%C3"]);
        assert!(reason.contains(part), "{url}: {reason}");
        assert!(
            reason.contains("percent") || reason.contains("UTF-8"),
            "{url}: {reason}"
        );
    }
    let reason = url_error("redis://u:100%@h", &["100"]);
    assert!(reason.contains("%25"), "{reason}");
}

/// A raw `@` or `/` in the credentials: an error saying what to percent-encode.
#[test]
fn raw_at_or_slash_in_credentials_says_to_percent_encode() {
    // The credentials are written with 'X's, which no reason contains.
    for (url, hint) in [
        ("redis://userX:pX@Xs@host:6379", "%40"),
        ("redis://userX:pX@Xs@host", "%40"),
        ("redis://:pX@Xs@host", "%40"),
        ("redis://usX@Xer:pX@host", "%40"),
        ("redis://userX:pX@@host/0", "%40"),
        ("redis://userX:pX@Xs@host:6379/0?protocol=3", "%40"),
        ("redis://:aX/Xb@host", "%2F"),
        ("redis://userX:aX/Xb@host:6379", "%2F"),
        ("redis://userX:aX/Xb@host:6379/0", "%2F"),
        ("redis://userX:X/@host", "%2F"),
        ("redis://userX:aX/b/cX@host?db=1", "%2F"),
        ("rediss://userX:aX/Xb@host", "%2F"),
        ("unix://:aX/Xb@/tmp/r.sock", "%2F"),
        ("unix://uX:pX@Xs@/tmp/r.sock", "%40"),
    ] {
        let reason = url_error(url, &["X"]);
        assert!(reason.contains("percent-encode"), "{url}: {reason}");
        assert!(reason.contains(hint), "{url}: {reason}");
    }
    // Both at once.
    let reason = url_error("redis://aliceX:pX@Xs/Xword@host:6379", &["X"]);
    assert!(reason.contains("%40") && reason.contains("%2F"), "{reason}");
    // A raw '?' starts the query early: the unknown parameter says what it may be.
    for url in [
        "redis://aliceX:pX?Xs@host",
        "redis://aliceX:pX?Xs@host:6379/0",
        "unix://aliceX:pX?Xs@/tmp/r.sock",
    ] {
        let reason = url_error(url, &["X"]);
        assert!(reason.contains("%3F"), "{url}: {reason}");
    }
    // An '@' in a parameter value is fine, and a mistyped key gets no misleading hint.
    assert_eq!(
        password(&parse("redis://h?password=p@ss/w?rd")),
        Some("p@ss/w?rd")
    );
    let reason = url_error("redis://u:p@h?pasword=pX@Xs", &["X"]);
    assert!(!reason.contains("%3F"), "{reason}");
}

/// A Unix socket path may hold an `@`; it is only credentials before `@/`.
#[test]
fn unix_paths_with_at() {
    let info = parse("unix:///run/user@1000/redis.sock");
    assert_eq!(info.addr, Addr::Unix("/run/user@1000/redis.sock".into()));
    assert_eq!((info.username(), info.has_password()), (None, false));
    let info = parse("unix://alice:pw@/run/a@b/redis.sock?db=2");
    assert_eq!(info.addr, Addr::Unix("/run/a@b/redis.sock".into()));
    assert_eq!(
        (info.username(), password(&info)),
        (Some("alice"), Some("pw"))
    );
    assert_eq!(info.db(), 2);
    let info = parse("unix://relative.sock");
    assert_eq!(info.addr, Addr::Unix("relative.sock".into()));
    assert!(ConnectionInfo::from_url("unix://alice:pw@").is_err());
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
        "redis://[::1]x",
        "redis://[::1]:x",
        "unix://",
        "redis://h?timeout=-1",
        "redis://u:sec%zzret@h",
        "redis://u:secret@h:99999",
        "redis://u:secret@h/x",
        "redis://u:secret@h?bogus=1",
        "redis://u:secret@h?db=secret",
        "redis://h?password=secret&db=secret",
        "redis://h?password=secret&secret=1",
        "redis://secret@h:x",
        "rediss://u:secret@h?bogus",
    ] {
        let err = ConnectionInfo::from_url(url).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(!err.to_string().contains("sec"), "{url}: {err}");
        assert!(!format!("{err:?}").contains("sec"), "{url}: {err:?}");
    }
    // Without credentials the offending text is shown.
    let reason = url_error("redis://h?timout=1", &[]);
    assert_eq!(reason, "unknown parameter 'timout'");
}

#[test]
fn info_never_shows_the_password() {
    for url in [
        "redis://alice:topsecret@h/1",
        "redis://:topsecret@h",
        "redis://alice:top%73ecret@h",
        "redis://h?password=topsecret",
        "unix://alice:topsecret@/tmp/r.sock",
    ] {
        let info = parse(url);
        assert_eq!(password(&info), Some("topsecret"), "{url}");
        assert!(!format!("{info:?}").contains("topsecret"), "{url}");
        assert!(!format!("{info:#?}").contains("topsecret"), "{url}");
        assert!(!info.addr.to_string().contains("topsecret"), "{url}");
        let client = crate::ClientBuilder::from_info(info).build();
        assert!(!format!("{client:?}").contains("topsecret"), "{url}");
    }
}

#[cfg(not(feature = "tls"))]
#[test]
fn rediss_without_the_tls_feature_fails_at_open() {
    use crate::{Client, ClientBuilder};
    for url in ["rediss://h", "rediss://alice:pw@h:6380/1?protocol=3"] {
        let err = ConnectionInfo::from_url(url).unwrap_err();
        assert!(matches!(err, Error::TlsNotEnabled), "{url}: {err:?}");
        assert!(matches!(
            Client::open(url).unwrap_err(),
            Error::TlsNotEnabled
        ));
        assert!(matches!(
            ClientBuilder::from_url(url).unwrap_err(),
            Error::TlsNotEnabled
        ));
    }
    // A malformed URL is reported as such first.
    let err = ConnectionInfo::from_url("rediss://h?bogus=1").unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert!(parse("redis://h").check_tls().is_ok());
    assert!(parse("unix:///tmp/r.sock").check_tls().is_ok());
}

#[cfg(feature = "tls")]
#[test]
fn rediss_with_the_tls_feature_parses() {
    let info = parse("rediss://alice:pw@[::1]:7000/1");
    assert_eq!(
        info.addr,
        Addr::Tcp {
            host: "::1".into(),
            port: 7000,
            tls: true
        }
    );
    assert_eq!(info.addr.to_string(), "rediss://[::1]:7000");
    assert_eq!(
        (info.username(), password(&info)),
        (Some("alice"), Some("pw"))
    );
    let client = crate::Client::open("rediss://h").unwrap();
    assert_eq!(client.connection_info(), &parse("rediss://h"));
    assert!(crate::ClientBuilder::from_url("rediss://h").is_ok());
}

/// Every byte outside the unreserved set as `%XX`.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Never write regression files into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Found by the url_parse fuzz target: `?user=` made a user named "" (sent as `AUTH "" pw`),
/// where an empty user in the user-info means none; the URL could not be written back.
#[test]
fn empty_user_parameter_is_no_user() {
    for url in [
        "unix:///?password=pw&user",
        "redis://h?user=&password=pw",
        "redis://:pw@h",
    ] {
        let info = parse(url);
        assert_eq!(info.username(), None, "{url}");
        assert_eq!(password(&info), Some("pw"), "{url}");
    }
    assert_eq!(parse("redis://h?username=bob").username(), Some("bob"));
}

/// Found by the url_parse fuzz target: a host holding a bracket outside the IPv6 form
/// (`redis://Y:0]:6`) was accepted, and printed as `redis://[Y:0]]:6`, which is no URL.
#[test]
fn brackets_only_around_an_ipv6_host() {
    for url in [
        "redis://Y:0]:6",
        "redis://a]:6379",
        "redis://a[b:1",
        "redis://[a[b]:1",
    ] {
        assert!(
            url_error(url, &[]).contains("'[' or ']' in the host"),
            "{url}"
        );
    }
    let info = parse("redis://[::1]:6380");
    assert_eq!(
        ConnectionInfo::from_url(&info.addr.to_string())
            .unwrap()
            .addr,
        info.addr
    );
}

/// An unbracketed ':' cannot be told from the port's; spaces and control characters are no
/// part of a host name (found by fuzzing: `redis://a:b:6` gave the host `a:b`).
#[test]
fn no_colon_space_or_control_character_in_an_unbracketed_host() {
    for url in ["redis://a:b:6", "redis://::1:6379", "redis://fe80::1"] {
        assert!(
            url_error(url, &[]).contains("IPv6 address goes in brackets"),
            "{url}"
        );
    }
    for url in ["redis://a b:6", "redis://a\tb", "redis://a\u{7f}b:1"] {
        assert!(url_error(url, &[]).contains("control character"), "{url:?}");
    }
    assert_eq!(
        parse("redis://[fe80::1]").addr.to_string(),
        "redis://[fe80::1]:6379"
    );
}

proptest! {
    #![proptest_config(config())]

    /// Any user name and password, percent-encoded, come back exactly.
    #[test]
    fn prop_encoded_credentials_round_trip(user in ".+", pass in ".*") {
        let url = format!("redis://{}:{}@h:7000/3", encode(&user), encode(&pass));
        let info = ConnectionInfo::from_url(&url).unwrap();
        prop_assert_eq!(info.username(), Some(user.as_str()));
        prop_assert_eq!(password(&info), Some(pass.as_str()));
        prop_assert_eq!(info.db(), 3);
        let url = format!("unix://{}:{}@/tmp/r.sock", encode(&user), encode(&pass));
        let info = ConnectionInfo::from_url(&url).unwrap();
        prop_assert_eq!(password(&info), Some(pass.as_str()));
    }

    /// Any password left raw: parsed, or refused without showing it; never a panic.
    #[test]
    fn prop_raw_password_never_shows(pass in "[^=]*", tail in "(/[0-9]{0,2})?(\\?[a-z=&@]{0,8})?") {
        let secret = format!("SECRET{pass}SECRET");
        let url = format!("redis://alice:{secret}@h:7000{tail}");
        match ConnectionInfo::from_url(&url) {
            Ok(info) => {
                let shown = format!("{:?}", info);
                prop_assert!(!shown.contains("SECRET"), "{}", shown);
            }
            Err(err) => {
                let shown = format!("{} {:?}", err, err);
                prop_assert!(!shown.contains("SECRET"), "{}", shown);
            }
        }
    }

    /// Any input, behind any scheme: a result, never a panic.
    #[test]
    fn prop_any_input_never_panics(
        scheme in "(redis|rediss|unix|redis\\+unix|http)://",
        rest in "[@/:?&=%\\[\\]a-f0-9é]{0,24}|.{0,24}",
    ) {
        let _ = ConnectionInfo::from_url(&format!("{scheme}{rest}"));
        let _ = ConnectionInfo::from_url(&rest);
    }
}
