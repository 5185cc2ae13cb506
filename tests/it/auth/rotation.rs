//! Credentials asked for per new connection ([`ClientBuilder::credentials_provider`]): a
//! password rotated with `ACL SETUSER` is used by the connections opened after it, pooled
//! connections opened before keep working, a stale password is an `Error::Auth`, a failing
//! provider an `Error::Credentials`, and a cluster client asks the provider for every node.

use super::*;
use crate::cluster::harness::RedisCluster;
use redline::{ClusterClient, Credentials, CredentialsError, ScriptCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A provider whose password the test changes, counting its calls.
#[derive(Clone, Default)]
struct Rotating {
    password: Arc<Mutex<String>>,
    calls: Arc<AtomicUsize>,
}

impl Rotating {
    fn new(password: &str) -> Rotating {
        let rotating = Rotating::default();
        rotating.set(password);
        rotating
    }

    fn set(&self, password: &str) {
        *self.password.lock().unwrap() = password.to_string();
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl redline::CredentialsProvider for Rotating {
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let password = self.password.lock().map_err(|_| "poisoned")?;
        Ok(Credentials::new("app", password.as_str()))
    }
}

/// `CLIENT KILL USER app`: every connection of the user closes (the admin's stay).
fn kill_connections_of_app(admin: &Client) -> i64 {
    admin
        .query(cmd("CLIENT").arg("KILL").arg("USER").arg("app"))
        .unwrap()
}

#[test]
fn a_rotated_password_reaches_new_connections_without_rebuilding_the_client() {
    let server = RedisServer::start();
    let admin = server.client();
    for protocol in PROTOCOLS {
        setuser(
            &admin,
            "app",
            &["reset", "on", ">first-pw-R1", "~*", "+@all"],
        );
        let provider = Rotating::new("first-pw-R1");
        let client = server
            .builder()
            .protocol(protocol)
            .credentials_provider(provider.clone())
            .build();
        assert!(client.connection_info().has_credentials_provider());
        assert_eq!(whoami(&client), "app");
        let conn = client.get_connection().unwrap();
        assert_eq!(provider.calls(), 2, "asked once per connection");

        // The password rotates at the server: open connections stay authenticated.
        setuser(&admin, "app", &["resetpass", ">second-pw-R2"]);
        assert_eq!(whoami(&client), "app");
        assert_eq!(whoami(&conn), "app");
        assert_eq!(provider.calls(), 2, "the pooled connection was reused");

        // A new connection with the provider still on the old password: refused, typed.
        let err = client.get_connection().unwrap_err();
        match &err {
            Error::Auth { kind, addr, .. } => {
                assert_eq!(*kind, ServerErrorKind::WrongPass, "{err}");
                assert_eq!(addr, &format!("redis://127.0.0.1:{}", server.port()));
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        assert!(!format!("{err} {err:?}").contains("first-pw-R1"), "{err:?}");

        // The provider learns the new password; the old connections are killed, so the next
        // call opens a new one with it. The same client, not rebuilt.
        provider.set("second-pw-R2");
        assert!(kill_connections_of_app(&admin) >= 2);
        let calls = provider.calls();
        assert_eq!(whoami(&client), "app");
        assert!(provider.calls() > calls, "a new connection asked again");
        let script = ScriptCode::new("return redis.call('INCR', KEYS[1])");
        assert_eq!(script.call_on::<i64, _>(&client, "rotated", ()).unwrap(), 1);
        let (n,): (i64,) = client.pipeline().incr("rotated").execute().unwrap();
        assert_eq!(n, 2);
        let conn = client.get_connection().unwrap();
        assert_eq!(whoami(&conn), "app");
        admin.del("rotated").unwrap();
    }
}

/// The provider replaces the builder's or URL's credentials, and a plain closure is one.
#[test]
fn a_closure_provider_replaces_fixed_credentials() {
    let server = RedisServer::start_with(&["--requirepass", "default-pw-R3"]);
    let url = format!("redis://nobody:wrong@127.0.0.1:{}", server.port());
    let client = redline::ClientBuilder::from_url(&url)
        .unwrap()
        .credentials_provider(|| Ok(Credentials::password_only("default-pw-R3")))
        .build();
    assert_eq!(whoami(&client), "default");
    assert_eq!(client.connection_info().username(), Some("nobody"));
}

#[test]
fn a_failing_provider_is_a_typed_error_at_connect() {
    let server = RedisServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let client = server
        .builder()
        .credentials_provider(move || -> Result<Credentials, CredentialsError> {
            counted.fetch_add(1, Ordering::SeqCst);
            Err("the vault is sealed".into())
        })
        .build();
    for attempt in 1..=2 {
        let err = client.ping().unwrap_err();
        match &err {
            Error::Credentials { addr, source } => {
                assert_eq!(addr, &format!("redis://127.0.0.1:{}", server.port()));
                assert_eq!(source.to_string(), "the vault is sealed");
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("the vault is sealed"), "{err}");
        assert_eq!(err.server_addr(), Some(addr_of(&server).as_str()));
        // Not retried within the call; asked again by the next one.
        assert_eq!(calls.load(Ordering::SeqCst), attempt);
    }
    assert!(client.get_connection().is_err());
    assert_eq!(client.idle_connections(), 0);
}

fn addr_of(server: &RedisServer) -> String {
    format!("redis://127.0.0.1:{}", server.port())
}

/// A cluster client given a builder with a provider asks it for every node's connections,
/// and follows a rotation as a single client does.
#[test]
fn a_cluster_client_asks_the_provider_for_every_node() {
    let cluster = RedisCluster::start_with(2, 0);
    for i in 0..cluster.nodes.len() {
        let admin = crate::cluster::harness::admin(cluster.port(i));
        // Without the dangerous commands, as production users often are: the client needs
        // only CLUSTER SHARDS (or SLOTS) and COMMAND for itself. Redis 6.2 counts all of
        // CLUSTER as dangerous, so there CLUSTER SLOTS is given back by name.
        setuser(
            &admin,
            "app",
            &[
                "on",
                ">cluster-pw-R4",
                "~*",
                "+@all",
                "-@dangerous",
                "+cluster|slots",
            ],
        );
    }
    let provider = Rotating::new("cluster-pw-R4");
    let seed = cluster.seeds()[0].clone();
    let client = ClusterClient::builder()
        .nodes(&[&seed])
        .connections(Client::builder().credentials_provider(provider.clone()))
        .build()
        .unwrap();
    // Keys on both primaries (slots 0..8191 and 8192..16383 with two primaries).
    let keys = ["{a}x", "{b}x", "{c}x", "{d}x"];
    for key in keys {
        client.set(key, 1).unwrap();
    }
    let script = client.register_script("return redis.call('INCR', KEYS[1])");
    for key in keys {
        assert_eq!(script.call::<i64>(key, ()).unwrap(), 2);
    }
    assert!(provider.calls() >= 2, "{} calls", provider.calls());
    assert!(!format!("{client:?}").contains("cluster-pw-R4"));

    // Rotate on every node, tell the provider, drop the app's connections: calls go on.
    for i in 0..cluster.nodes.len() {
        let admin = crate::cluster::harness::admin(cluster.port(i));
        setuser(&admin, "app", &["resetpass", ">cluster-pw-R5"]);
    }
    provider.set("cluster-pw-R5");
    for i in 0..cluster.nodes.len() {
        kill_connections_of_app(&crate::cluster::harness::admin(cluster.port(i)));
    }
    for key in keys {
        assert_eq!(script.call::<i64>(key, ()).unwrap(), 3);
    }

    // Credentials the nodes refuse: the caller sees the refusal, typed.
    let refused = ClusterClient::builder()
        .nodes(&[&seed])
        .connections(
            Client::builder().credentials_provider(|| Ok(Credentials::new("app", "stale-pw-R6"))),
        )
        .build()
        .unwrap();
    let err = refused.get::<Option<i64>>("{a}x").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: ServerErrorKind::WrongPass,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("stale-pw-R6"), "{err:?}");
}
