//! Verification: the right CA accepted, a wrong CA, a wrong host name and an expired
//! certificate refused with [`Error::Tls`] naming the server, and the development opt-out.

use super::tls_server;
use redline::{Commands, Error, Operation, Protocol};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn tls_reason(err: &Error) -> &str {
    match err {
        Error::Tls { reason, .. } => reason,
        other => panic!("expected Error::Tls, got {other:?}"),
    }
}

#[test]
fn a_verified_connection_sets_and_gets_on_both_protocols() {
    let server = tls_server!("server", "no");
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let client = server.builder().protocol(protocol).build();
        client.set("tls:key", "value").unwrap();
        assert_eq!(client.get::<String>("tls:key").unwrap(), "value");
    }
    // By host name as well as by IP: the certificate lists both.
    let by_name = server.builder().host("localhost").build();
    assert_eq!(by_name.get::<String>("tls:key").unwrap(), "value");
    // The CA as PEM bytes, trusted alone.
    let pem = std::fs::read(server.certs.path("ca.crt")).unwrap();
    let client = server
        .bare_builder()
        .tls_ca_pem(pem)
        .tls_ca_only(true)
        .build();
    assert_eq!(client.get::<String>("tls:key").unwrap(), "value");
}

#[test]
fn a_wrong_ca_is_refused_with_the_reason_and_the_server() {
    let server = tls_server!("server", "no");
    for builder in [
        server.bare_builder(), // the system's roots only
        server
            .bare_builder()
            .tls_ca_file(server.certs.path("other-ca.crt")),
    ] {
        let err = builder.build().ping().unwrap_err();
        let reason = tls_reason(&err);
        assert!(reason.contains("not signed by a trusted CA"), "{err}");
        println!("{err}");
        assert_eq!(
            err.server_addr(),
            Some(format!("rediss://127.0.0.1:{}", server.tls_port).as_str())
        );
        assert!(err.is_connection_broken());
    }
}

#[test]
fn a_wrong_host_name_is_refused() {
    let server = tls_server!("server", "no");
    let err = server
        .builder()
        .tls_server_name("wrong.example")
        .build()
        .ping()
        .unwrap_err();
    let reason = tls_reason(&err);
    assert!(reason.contains("\"wrong.example\""), "{err}");
    assert!(reason.contains("tls_server_name"), "{err}");
    println!("{err}");
    // The right name through SNI while connecting by IP.
    let client = server.builder().tls_server_name("localhost").build();
    assert!(client.ping().is_ok());
}

#[test]
fn an_expired_certificate_is_refused() {
    let server = tls_server!("expired", "no");
    let err = server.client().ping().unwrap_err();
    assert!(tls_reason(&err).contains("expired"), "{err}");
    println!("{err}");
}

#[test]
fn the_development_opt_out_accepts_what_verification_refuses() {
    let server = tls_server!("expired", "no");
    let client = server
        .bare_builder()
        .tls_server_name("wrong.example")
        .tls_danger_accept_invalid_certs(true)
        .build();
    assert!(client.ping().is_ok());
}

#[test]
fn an_unreadable_file_is_an_error_naming_it_at_connect() {
    let server = tls_server!("server", "no");
    let missing = server.certs.path("no-such-ca.crt");
    let err = server
        .bare_builder()
        .tls_ca_file(&missing)
        .build()
        .ping()
        .unwrap_err();
    let reason = tls_reason(&err);
    assert!(reason.contains(&*missing.to_string_lossy()), "{err}");
    // A key file that is a certificate, not a key: refused, and no key bytes in the error.
    let key = std::fs::read_to_string(server.certs.path("client.key")).unwrap();
    let err = server
        .builder()
        .tls_client_cert_files(server.certs.path("client.crt"), server.certs.path("ca.crt"))
        .build()
        .ping()
        .unwrap_err();
    assert!(tls_reason(&err).contains("cannot be used"), "{err}");
    let body = key.lines().nth(1).unwrap();
    assert!(!format!("{err} {err:?}").contains(body));
}

#[test]
fn tls_to_a_plain_port_times_out_within_the_connect_timeout() {
    let server = tls_server!("server", "no");
    let url = format!("rediss://127.0.0.1:{}", server.plain_port());
    let started = Instant::now();
    let err = redline::ClientBuilder::from_url(&url)
        .unwrap()
        .connect_timeout(Some(Duration::from_millis(300)))
        .read_timeout(Some(Duration::from_secs(30)))
        .build()
        .ping()
        .unwrap_err();
    // A plain Redis port waits for a newline that a ClientHello does not hold.
    assert!(
        matches!(err, Error::Timeout { op: Operation::Connect, limit, .. } if limit == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_server_answering_in_plain_text_is_said_not_to_speak_tls() {
    // A scripted peer (not Redis): it answers the ClientHello with a RESP error at once.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut hello = [0u8; 512];
        let _ = socket.read(&mut hello);
        let _ = socket.write_all(b"-ERR unknown command\r\n");
        std::thread::sleep(Duration::from_millis(200));
    });
    let err = redline::ClientBuilder::from_url(&format!("rediss://127.0.0.1:{port}"))
        .unwrap()
        .connect_retry_budget(Duration::ZERO)
        .build()
        .ping()
        .unwrap_err();
    assert!(tls_reason(&err).contains("did not answer in TLS"), "{err}");
    peer.join().unwrap();
}
