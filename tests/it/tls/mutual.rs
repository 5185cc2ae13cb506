//! Mutual TLS: a server with `tls-auth-clients yes` refuses a client without a certificate
//! with an error that says so, and accepts one with a certificate its CA signed.

use super::tls_server;
use redline::{Commands, Connection, Error, Protocol};

#[test]
fn without_a_client_certificate_the_error_says_one_is_required() {
    let server = tls_server!("server", "yes");
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let err = server
            .builder()
            .protocol(protocol)
            .build()
            .ping()
            .unwrap_err();
        let Error::Tls { reason, addr, .. } = &err else {
            panic!("expected Error::Tls, got {err:?}")
        };
        assert!(reason.contains("requires a client certificate"), "{err}");
        assert_eq!(addr, &format!("rediss://127.0.0.1:{}", server.tls_port));
        println!("{err}");
    }
}

#[test]
fn with_a_client_certificate_mutual_tls_is_accepted() {
    let server = tls_server!("server", "yes");
    let client = server
        .builder()
        .tls_client_cert_files(
            server.certs.path("client.crt"),
            server.certs.path("client.key"),
        )
        .build();
    client.set("mtls", 1).unwrap();
    assert_eq!(client.get::<i64>("mtls").unwrap(), 1);
    // The same as PEM bytes, on a dedicated connection opened from the client's settings.
    let cert = std::fs::read(server.certs.path("client.crt")).unwrap();
    let key = std::fs::read(server.certs.path("client.key")).unwrap();
    let client = server.builder().tls_client_cert_pem(cert, key).build();
    let conn = Connection::open(client.connection_info()).unwrap();
    assert_eq!(conn.get::<i64>("mtls").unwrap(), 1);
}

#[test]
fn a_client_certificate_from_another_ca_is_refused() {
    let server = tls_server!("server", "yes");
    // Signed by nobody the server trusts: the other CA's own certificate and key.
    let err = server
        .builder()
        .tls_client_cert_files(
            server.certs.path("other-ca.crt"),
            server.certs.path("other-ca.key"),
        )
        .build()
        .ping()
        .unwrap_err();
    let Error::Tls { reason, .. } = &err else {
        panic!("expected Error::Tls, got {err:?}")
    };
    assert!(reason.contains("refused the client certificate"), "{err}");
    println!("{err}");
}
