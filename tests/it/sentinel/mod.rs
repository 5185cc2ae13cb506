//! Sentinel: a client that finds its master through sentinels, follows failovers (forced and
//! after kill -9), serves read-only scripts from replicas, and fails in bounded time.

mod failover;
pub(crate) mod harness;

use crate::support::{has_redis7_scripting, supported, NEEDS_RO};
use harness::{Deployment, Options, MASTER};
use redline::{cmd, Client, Commands, ConnectionLike, Error, SentinelBuilder};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn no_sentinel_answering_is_a_typed_error_in_bounded_time() {
    // Two ports nothing listens on.
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let client = Client::sentinel_builder(MASTER)
        .sentinel("127.0.0.1", ports[0])
        .sentinel("127.0.0.1", ports[1])
        .sentinel_password("hunter2")
        .master(Client::builder().password("hunter3"))
        .resolve_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.ping().unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    match &err {
        Error::Sentinel {
            master, sentinels, ..
        } => {
            assert_eq!(master, MASTER);
            assert_eq!(sentinels.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(text.contains(&format!("127.0.0.1:{}", ports[1])), "{text}");
    assert!(!text.contains("hunter"), "{text}");
}

#[test]
fn sentinels_with_requirepass() {
    let d = Deployment::start(Options {
        replicas: 0,
        sentinels: 1,
        master_password: Some("masterpw"),
        sentinel_password: Some("sentinelpw"),
        tls: None,
    });
    let port = d.sentinels[0].port;
    let client = Client::open(&format!(
        "redis+sentinel://:masterpw@127.0.0.1:{port}/{MASTER}?sentinel_password=sentinelpw"
    ))
    .unwrap();
    client.set("k", 7).unwrap();
    assert_eq!(client.get::<i64>("k").unwrap(), 7);
    let script = client.register_script("return redis.call('INCR', KEYS[1])");
    assert_eq!(script.call::<i64>("k", ()).unwrap(), 8);

    // An ACL user of the sentinel's own.
    let set_user = d.sentinels[0].client().req(
        cmd("ACL")
            .arg("SETUSER")
            .arg("watcher")
            .arg("on")
            .arg(">watchpw")
            .arg("+@all"),
    );
    if supported!(set_user.is_ok(), "ACL SETUSER on a sentinel") {
        let client = Client::sentinel_builder(MASTER)
            .sentinel("127.0.0.1", port)
            .sentinel_username("watcher")
            .sentinel_password("watchpw")
            .master(Client::builder().password("masterpw"))
            .build()
            .unwrap();
        assert_eq!(client.get::<i64>("k").unwrap(), 8);
    }

    // The wrong sentinel password, or none: a typed error naming the master, no secret.
    for password in [Some("wrongpw"), None] {
        let mut b = Client::sentinel_builder(MASTER)
            .sentinel("127.0.0.1", port)
            .master(Client::builder().password("masterpw"))
            .resolve_timeout(Duration::from_millis(200));
        if let Some(p) = password {
            b = b.sentinel_password(p);
        }
        let err = b.build().unwrap().ping().unwrap_err();
        assert!(
            matches!(&err, Error::Sentinel { master, .. } if master == MASTER),
            "{err:?}"
        );
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("wrongpw") && !text.contains("masterpw"),
            "{text}"
        );
    }
}

/// How many times the server on `port` ran `command`, from its `INFO commandstats`.
fn calls(d: &Deployment, port: u16, command: &str) -> i64 {
    let info = d.plain(port, None).info(Some("commandstats")).unwrap();
    let prefix = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split(',').next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn replica_pool_serves_read_only_scripts() {
    let d = Deployment::start(Options {
        replicas: 2,
        sentinels: 1,
        master_password: None,
        sentinel_password: None,
        tls: None,
    });
    let client = SentinelBuilder::from_url(&format!("{}?replicas=true", d.url()))
        .unwrap()
        .build()
        .unwrap();
    client.set("ro", 41).unwrap();
    // The write reached the replicas before they are read.
    let _: i64 = client.query(cmd("WAIT").arg(2).arg(2000)).unwrap();
    let master = d.master_port().unwrap();
    let on_replicas = |command: &str| -> i64 {
        d.servers
            .iter()
            .filter(|s| s.port() != master)
            .map(|s| calls(&d, s.port(), command))
            .sum()
    };
    // Explicit reads through the replicas' client; a write there is refused.
    let replicas = client.replicas().unwrap();
    for _ in 0..10 {
        assert_eq!(replicas.get::<i64>("ro").unwrap(), 41);
    }
    assert_eq!(on_replicas("get"), 10);
    assert_eq!(calls(&d, master, "get"), 0);
    let err = replicas.set("ro", 1).unwrap_err();
    assert_eq!(
        err.server_kind(),
        Some(redline::ServerErrorKind::ReadOnly),
        "{err}"
    );

    if supported!(has_redis7_scripting(), NEEDS_RO) {
        let read = client.register_script("return tonumber(redis.call('GET', KEYS[1])) + 1");
        for _ in 0..20 {
            assert_eq!(read.call_ro::<i64>("ro", ()).unwrap(), 42);
        }
        // A read-write call goes to the master.
        assert_eq!(read.call::<i64>("ro", ()).unwrap(), 42);
        assert_eq!(calls(&d, master, "evalsha_ro"), 0);
        assert!(on_replicas("evalsha_ro") >= 20);
        assert!(calls(&d, master, "evalsha") >= 1); // NOSCRIPT, then the call
    }
    // And the master's client still writes.
    client.set("ro", 2).unwrap();
}

#[test]
fn a_master_demoted_behind_the_sentinels_back_is_left() {
    let d = Deployment::start(Options {
        replicas: 1,
        sentinels: 1,
        master_password: None,
        sentinel_password: None,
        tls: None,
    });
    let (a, b) = (d.servers[0].port(), d.servers[1].port());
    let url = format!("{}?resolve_timeout=300ms&check_interval=0", d.url());
    let client = Client::open(&url).unwrap();
    client.set("x", 1).unwrap();
    assert_eq!(client.pool_stats().idle, 1);

    // The master becomes a replica while the sentinel still names it: its pooled connection
    // is refused the write (READONLY), dropped, and no new one is opened there, as ROLE says
    // it is no master. Bounded by resolve_timeout, with a typed error.
    let replicaof = |port: u16, args: &[&str]| {
        let _: () = d
            .plain(port, None)
            .query(cmd("REPLICAOF").arg(args))
            .unwrap();
    };
    replicaof(b, &["NO", "ONE"]);
    replicaof(a, &["127.0.0.1", &b.to_string()]);
    let started = Instant::now();
    let err = client.set("x", 2).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        Error::Sentinel { master, reason, .. } => {
            assert_eq!(master, MASTER);
            assert!(reason.contains("not a master"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let stats = client.pool_stats();
    assert_eq!((stats.open, stats.discarded), (0, 1), "{stats:?}");

    // Made master again: the next call finds it.
    replicaof(a, &["NO", "ONE"]);
    replicaof(b, &["127.0.0.1", &a.to_string()]);
    client.set("x", 3).unwrap();
    assert_eq!(client.get::<i64>("x").unwrap(), 3);
}
