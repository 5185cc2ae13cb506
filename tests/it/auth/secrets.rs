//! No secret in any `Debug`, `Display` or error: clients, builders, cluster clients and their
//! builders, connection info, connections, URL errors, credentials and their providers, and the
//! errors of a refused handshake on both protocols.

use super::*;
use redline::{
    ClientBuilder, ClusterClient, Connection, ConnectionInfo, Credentials, Pipeline, ScriptCode,
};

const SECRET: &str = "Pw-S3cr3t-77";

/// Fails when any of `secrets` shows in `text`.
fn assert_hidden(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
    }
}

/// `Display` and `Debug` of an error, both checked.
fn assert_error_hidden(err: &Error, secrets: &[&str], what: &str) {
    assert_hidden(&err.to_string(), secrets, what);
    assert_hidden(&format!("{err:?}"), secrets, what);
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        assert_hidden(&inner.to_string(), secrets, what);
        source = inner.source();
    }
}

#[test]
fn debug_of_clients_builders_and_info_hides_passwords() {
    // Percent-encoded in the URL: neither the encoded nor the decoded form may show.
    let url = format!("redis://alice:{SECRET}%40x@127.0.0.1:6390/0?protocol=3");
    let secrets = [SECRET, "%40x", "@x"];
    let info = ConnectionInfo::from_url(&url).unwrap();
    assert_hidden(&format!("{info:?}"), &secrets, "ConnectionInfo");
    assert_hidden(&info.addr().to_string(), &secrets, "Addr");
    let builder = ClientBuilder::from_url(&url).unwrap();
    assert_hidden(&format!("{builder:?}"), &secrets, "ClientBuilder (URL)");
    let client = builder.build();
    assert_hidden(&format!("{client:?}"), &secrets, "Client (URL)");
    let built = Client::builder().username("alice").password(SECRET);
    assert_hidden(&format!("{built:?}"), &secrets, "ClientBuilder");
    assert_hidden(&format!("{:?}", built.clone().build()), &secrets, "Client");
    let query = format!("redis://127.0.0.1:6390?username=alice&password={SECRET}");
    let client = Client::open(&query).unwrap();
    assert_hidden(&format!("{client:?}"), &secrets, "Client (?password=)");

    // Credentials and providers.
    let creds = Credentials::new("alice", SECRET);
    assert_hidden(&format!("{creds:?}"), &secrets, "Credentials");
    let with_provider = Client::builder().credentials_provider(move || Ok(creds.clone()));
    assert_hidden(
        &format!("{with_provider:?}"),
        &secrets,
        "ClientBuilder (provider)",
    );
    let client = with_provider.build();
    assert_hidden(&format!("{client:?}"), &secrets, "Client (provider)");
    assert_hidden(
        &format!("{:?}", client.connection_info()),
        &secrets,
        "ConnectionInfo (provider)",
    );

    // Cluster: seed URLs carry passwords, and so do the connection settings.
    let cluster_builder = ClusterClient::builder()
        .nodes(&[
            &url,
            "redis://:Pw-S3cr3t-77@127.0.0.1:7001",
            "not a url Pw-S3cr3t-77",
        ])
        .connections(Client::builder().password(SECRET));
    let text = format!("{cluster_builder:?}");
    assert_hidden(&text, &secrets, "ClusterClientBuilder");
    assert!(text.contains("redis://127.0.0.1:7001"), "{text}");
    let err = cluster_builder.build().unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert_error_hidden(&err, &secrets, "ClusterClientBuilder::build");
    let cluster = ClusterClient::builder()
        .nodes(&[&format!("redis://:{SECRET}@127.0.0.1:7001")])
        .build()
        .unwrap();
    assert_hidden(&format!("{cluster:?}"), &secrets, "ClusterClient");
    let cluster =
        ClusterClient::open(&[&format!("redis://alice:{SECRET}@127.0.0.1:7001")]).unwrap();
    assert_hidden(&format!("{cluster:?}"), &secrets, "ClusterClient::open");
}

#[test]
fn url_errors_never_quote_credentials() {
    let bad = [
        format!("redis://alice:{SECRET}@x@127.0.0.1"), // raw '@'
        format!("redis://alice:{SECRET}/x@127.0.0.1"), // raw '/'
        format!("redis://alice:{SECRET}@127.0.0.1:notaport"),
        format!("redis://alice:{SECRET}@127.0.0.1/notadb"),
        format!("redis://alice:{SECRET}@127.0.0.1?timout=1"),
        format!("redis://alice:{SECRET}?x@127.0.0.1"), // raw '?'
        format!("redis://127.0.0.1?password={SECRET}&bogus=1"),
        format!("redis://127.0.0.1?password={SECRET}%zz"),
        format!("redis://alice:{SECRET}%zz@127.0.0.1"), // bad percent-encoding
        format!("redis://alice:{SECRET}%FF@127.0.0.1"), // not UTF-8
        format!("redis//alice:{SECRET}@127.0.0.1"),     // no scheme
        format!("unix://alice:{SECRET}@"),              // no path
    ];
    for url in &bad {
        for err in [
            ConnectionInfo::from_url(url).unwrap_err(),
            Client::open(url).unwrap_err(),
            ClientBuilder::from_url(url).unwrap_err(),
            ClusterClient::open(&[url]).unwrap_err(),
        ] {
            assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
            assert_error_hidden(&err, &[SECRET], url);
        }
    }
}

/// A refused handshake, on both protocols, with a user and a password, a password alone, and
/// a user that does not exist: `Error::Auth` with the kind, the address and the step, from a
/// client call, a dedicated connection, a script and a pipeline; never the password.
#[test]
fn refused_handshakes_are_typed_and_hide_the_password() {
    let server = RedisServer::start_with(&["--requirepass", "right-pw-S2"]);
    let admin = server.builder().password("right-pw-S2").build();
    setuser(&admin, "alice", &["on", ">alice-pw-S3", "~*", "+@all"]);
    let addr = format!("redis://127.0.0.1:{}", server.port());
    let script = ScriptCode::new("return 1");
    for protocol in PROTOCOLS {
        let wrong = [
            server.builder().username("alice").password(SECRET),
            server.builder().password(SECRET),
            server.builder().username("nobody").password(SECRET),
            ClientBuilder::from_url(&format!(
                "redis://alice:{SECRET}@127.0.0.1:{}?protocol={}",
                server.port(),
                proto_number(protocol)
            ))
            .unwrap(),
        ];
        for builder in wrong {
            let client = builder.protocol(protocol).build();
            let what = format!("{protocol:?} {client:?}");
            let errors = [
                client.ping().unwrap_err(),
                client.get_connection().unwrap_err(),
                Connection::open(client.connection_info()).unwrap_err(),
                script.call_on::<i64, _>(&client, (), ()).unwrap_err(),
                Pipeline::new(&client)
                    .set("k", 1)
                    .execute::<Vec<redline::Value>>()
                    .unwrap_err(),
            ];
            for err in errors {
                match &err {
                    Error::Auth {
                        addr: at,
                        kind,
                        message,
                    } => {
                        assert_eq!(at, &addr, "{what}");
                        assert_eq!(*kind, ServerErrorKind::WrongPass, "{what}: {message}");
                    }
                    other => panic!("{what}: {other:?}"),
                }
                assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongPass));
                assert_eq!(err.server_addr(), Some(addr.as_str()));
                assert!(err.to_string().contains("in the handshake"), "{err}");
                assert_error_hidden(&err, &[SECRET], &what);
            }
            assert_eq!(client.idle_connections(), 0, "{what}");
        }
        // No credentials, but a handshake that sends something (SELECT on RESP2, HELLO on
        // RESP3): the server's NOAUTH comes in the handshake, so it is an `Error::Auth` too.
        let none = server.builder().protocol(protocol).db(1).build();
        match none.ping().unwrap_err() {
            Error::Auth { kind, addr: at, .. } => {
                assert_eq!((kind, at), (ServerErrorKind::NoAuth, addr.clone()))
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
    }
}

/// Commands that carry passwords (`AUTH`, `HELLO ... AUTH`, `ACL SETUSER >pw`, `CONFIG SET
/// requirepass`) failing inside a pipeline: the error names the command with `******`.
#[test]
fn pipeline_errors_hide_passwords_of_the_commands() {
    let server = RedisServer::start();
    let client = server.client();
    let commands = [
        cmd("AUTH").arg("nobody").arg(SECRET).clone(),
        cmd("HELLO")
            .arg("3")
            .arg("AUTH")
            .arg("nobody")
            .arg(SECRET)
            .clone(),
        cmd("ACL")
            .arg("SETUSER")
            .arg("bad user\n")
            .arg(format!(">{SECRET}"))
            .arg("nosuchrule")
            .clone(),
        cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg(SECRET)
            .arg("extra")
            .clone(),
    ];
    for c in &commands {
        let err = client
            .pipeline()
            .cmd(c)
            .execute::<Vec<redline::Value>>()
            .unwrap_err();
        assert!(matches!(err, Error::Pipeline { .. }), "{c:?}: {err:?}");
        assert_error_hidden(&err, &[SECRET], &format!("{c:?}"));
        assert_hidden(&format!("{c:?}"), &[SECRET], "Cmd");
    }
    assert_eq!(whoami(&client), "default");
}
