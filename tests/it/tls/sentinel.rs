//! Sentinel over TLS: a primary and a replica replicating over TLS, sentinels listening on TLS
//! only (`port 0`) and monitoring the primary's TLS port. The client trusts the test CA through
//! the master's settings, which must reach the sentinels' connections too (they have no plain
//! port to fall back to); a failover moves it to the promoted replica, over TLS again.

use super::{certs, tls_args, tls_capable};
use crate::sentinel::harness::{note, Deployment, Options, Tls, MASTER};
use crate::support::report_skip;
use redline::{cmd, Client, ClientBuilder, Commands, Error, ScriptCode};
use std::time::{Duration, Instant};

static BUMP: ScriptCode = ScriptCode::from_static("return {ARGV[1], redis.call('INCR', KEYS[1])}");

/// SET/GET, a script and a pipeline with a script, through `client`; `round` keeps the keys
/// of each round apart.
fn exercise(client: &Client, round: &str) {
    let key = format!("tls:sentinel:{round}");
    client.set(&key, round).unwrap();
    assert_eq!(client.get::<String>(&key).unwrap(), round);
    let counter = format!("{key}:n");
    let (echo, n): (String, i64) = BUMP.call_on(client, &counter, "script").unwrap();
    assert_eq!((echo.as_str(), n), ("script", 1));
    let ((echo, n), value): ((String, i64), String) = client
        .pipeline()
        .script(&BUMP, &counter, "pipeline")
        .get(&key)
        .execute()
        .unwrap();
    assert_eq!((echo.as_str(), n, value.as_str()), ("pipeline", 2, round));
}

/// A Sentinel client of `d` whose connections (sentinels, master) speak TLS and trust `ca`.
fn client_trusting(d: &Deployment, ca: std::path::PathBuf) -> redline::SentinelBuilder {
    let mut builder = Client::sentinel_builder(MASTER);
    for s in &d.sentinels {
        builder = builder.sentinel("127.0.0.1", s.port);
    }
    builder
        .master(
            ClientBuilder::default()
                .tls(true)
                .tls_ca_file(ca)
                .read_timeout(Some(Duration::from_secs(2))),
        )
        .resolve_timeout(Duration::from_secs(3))
}

#[test]
fn a_sentinel_deployment_over_tls_serves_and_fails_over() {
    fn here() {}
    let here = crate::support::path_of(&here);
    if let Err(reason) = tls_capable() {
        return report_skip(here, &reason, true);
    }
    let certs = certs().unwrap();
    let started = Instant::now();
    let d = Deployment::start(Options {
        replicas: 1,
        sentinels: 2,
        master_password: None,
        sentinel_password: None,
        tls: Some(Tls {
            args: Box::new(|port| tls_args(certs, port, "server", "no")),
            ca: certs.path("ca.crt"),
        }),
    });
    let ready = started.elapsed();
    let first = d.master_port().unwrap();
    // The sentinels name the primary's TLS port, never a plain one.
    assert_eq!(first, d.tls_ports[0]);
    let client = client_trusting(&d, certs.path("ca.crt"))
        .replica_pool(true)
        .build()
        .unwrap();
    exercise(&client, "before");
    // The replica pool reaches the replica on the TLS port the sentinels name, with the same
    // settings (it may lag a moment behind the write).
    let replicas = client.replicas().unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while replicas
        .get::<Option<String>>("tls:sentinel:before")
        .unwrap()
        != Some("before".into())
    {
        assert!(Instant::now() < deadline, "the replica never got the write");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Not the master standing in for it: the replica itself answered.
    let role: String = replicas.query(cmd("INFO").arg("replication")).unwrap();
    assert!(role.contains("role:slave"), "{role}");
    // The replica got the writes over its TLS link to the primary.
    let replica = d.plain(d.tls_ports[1], None);
    let info: String = replica.query(cmd("INFO").arg("replication")).unwrap();
    assert!(info.contains(&format!("master_port:{first}")), "{info}");
    assert!(info.contains("master_link_status:up"), "{info}");

    let failover_at = Instant::now();
    d.force_failover();
    let second = d.wait_for_new_master(first, Duration::from_secs(10));
    assert_eq!(second, d.tls_ports[1]);
    // Calls succeed again on the promoted replica, whose script cache is empty.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client.set("tls:sentinel:probe", 1) {
            Ok(()) => break,
            Err(e) => assert!(Instant::now() < deadline, "no call after failover: {e}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let switched = failover_at.elapsed();
    exercise(&client, "after");
    let on_new: Option<String> = d.plain(second, None).get("tls:sentinel:after").unwrap();
    assert_eq!(on_new.as_deref(), Some("after"));

    // Another CA: the sentinels' handshakes fail, and the error says so, with no secret.
    let wrong = client_trusting(&d, certs.path("other-ca.crt"))
        .sentinel_password("hunter2")
        .resolve_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = wrong.ping().unwrap_err();
    let text = format!("{err} {err:?}");
    match &err {
        Error::Sentinel { reason, .. } => {
            assert!(reason.contains("not signed by a trusted CA"), "{text}")
        }
        Error::Tls { .. } => {}
        other => panic!("not a TLS error: {other:?}"),
    }
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    note(&format!(
        "sentinel over TLS ({}): ready in {ready:?}, failover {first}->{second}: calls \
         succeeded again after {switched:?}; total {:?}; wrong CA: {err}",
        crate::support::server_kind(),
        started.elapsed()
    ));
}
