use super::*;
use crate::Protocol;
use std::time::Duration;

#[test]
fn hosts_master_and_db() {
    let b = parse("redis+sentinel://10.0.0.1,10.0.0.2:26380,[::1]:5/mymaster/3").unwrap();
    assert_eq!(b.master_name(), "mymaster");
    assert_eq!(
        b.sentinels(),
        ["10.0.0.1:26379", "10.0.0.2:26380", "[::1]:5"]
    );
    let (info, _) = b.master.clone().into_parts();
    assert_eq!(info.db(), 3);
    assert!(!info.has_password());
    assert!(!b.replicas);
}

#[test]
fn credentials_and_params_go_to_the_master_or_the_sentinels() {
    let url = "redis+sentinel://app:p%40ss@h1:1,h2/m?protocol=3&sentinel_password=s%26x\
               &sentinel_username=watch&replicas=true&resolve_timeout=2s&sentinel_timeout=100ms\
               &timeout=1s";
    let b = parse(url).unwrap();
    let (info, _) = b.master.clone().into_parts();
    assert_eq!(info.username(), Some("app"));
    assert_eq!(info.password.as_ref().map(|p| p.0.as_str()), Some("p@ss"));
    assert_eq!(info.protocol(), Protocol::Resp3);
    assert_eq!(info.read_timeout(), Some(Duration::from_secs(1)));
    assert_eq!(b.sentinel_username.as_deref(), Some("watch"));
    assert_eq!(
        b.sentinel_password.as_ref().map(|p| p.0.as_str()),
        Some("s&x")
    );
    assert!(b.replicas);
    assert_eq!(b.resolve_timeout, Duration::from_secs(2));
    assert_eq!(b.sentinel_timeout, Duration::from_millis(100));
    let shown = format!("{b:?}");
    assert!(!shown.contains("p@ss") && !shown.contains("s&x"), "{shown}");
}

#[test]
fn malformed_urls_are_refused_without_secrets() {
    for url in [
        "redis+sentinel://h1",
        "redis+sentinel://h1/",
        "redis+sentinel:///m",
        "redis+sentinel://h1,,h2/m",
        "redis+sentinel://h1:99999/m",
        "redis+sentinel://h1:x/m",
        "redis+sentinel://[::1/m",
        "redis+sentinel://h1/m/notadb",
        "redis+sentinel://h1/m?bogus=1",
        "redis+sentinel://h1/m?replicas=maybe",
        "redis+sentinel://h1/m?resolve_timeout=soon",
        "redis+sentinel://a b/m",
        "redis://h1/m",
    ] {
        assert!(matches!(parse(url), Err(Error::InvalidUrl { .. })), "{url}");
    }
    for url in [
        "redis+sentinel://:hunter2@h1:bad/m",
        "redis+sentinel://u:hunter2@h1/m/x",
        "redis+sentinel://h1/m?sentinel_password=hunter2%zz",
        "redis+sentinel://u:hunter2@h1/m?replicas=hunter2",
    ] {
        let err = parse(url).unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{url}: {err}");
    }
}

#[test]
fn tls_scheme_carries_the_flag() {
    let parsed = parse("rediss+sentinel://h1/m");
    if cfg!(feature = "tls") {
        let (info, _) = parsed.unwrap().master.into_parts();
        assert!(matches!(info.addr(), crate::Addr::Tcp { tls: true, .. }));
    } else {
        assert!(matches!(parsed, Err(Error::TlsNotEnabled)));
    }
}

#[test]
fn open_takes_a_sentinel_url() {
    let client = crate::Client::open("redis+sentinel://127.0.0.1:1/m?replicas=yes").unwrap();
    assert!(client.replicas().is_some());
    assert!(is_sentinel_url("rediss+sentinel://x/m"));
    assert!(!is_sentinel_url("redis://x"));
}
