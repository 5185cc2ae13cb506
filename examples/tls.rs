//! TLS: a verified connection with a private CA, what a wrong CA looks like, and mutual TLS.
//!
//! Run with `cargo run --example tls --features tls`. With `TLS_URL` set (`rediss://host:port`,
//! and `TLS_CA` naming the CA's PEM file if the server's certificate is not signed by a system
//! root) it connects there. Otherwise it makes certificates with the `openssl` command and
//! starts a throwaway `redis-server` with a TLS port (Debian's has TLS built in), so it needs
//! both on `PATH`.

#[path = "common/tls_certs.rs"]
mod tls_certs;

use redline::{Client, ClientBuilder, Commands, Error, ScriptCode};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` with a TLS port, and its certificates' directory; both gone when dropped.
struct TlsServer {
    child: Child,
    dir: PathBuf,
    tls_port: u16,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Certificates in a temp dir, then a server accepting TLS only, client certificates optional
/// (`tls-auth-clients optional`: a client may present one, and it is checked if it does).
fn start_tls_server() -> Result<TlsServer, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("redline-tls-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    tls_certs::make_certs(&dir)?;
    let tls_port = free_port()?;
    let file = |name: &str| dir.join(name);
    let binary = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".into());
    let child = Command::new(binary)
        .args([
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--tls-port", &tls_port.to_string()])
        .arg("--tls-cert-file")
        .arg(file("server.crt"))
        .arg("--tls-key-file")
        .arg(file("server.key"))
        .arg("--tls-ca-cert-file")
        .arg(file("ca.crt"))
        .args(["--tls-auth-clients", "optional"])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = TlsServer {
        child,
        dir,
        tls_port,
    };
    let probe = verified(&server.url(), &server.dir.join("ca.crt"))?
        .connect_timeout(Some(Duration::from_millis(500)))
        .build();
    let deadline = Instant::now() + Duration::from_secs(10);
    while probe.ping().is_err() {
        if Instant::now() > deadline {
            return Err(
                "the throwaway redis-server did not answer over TLS (built without TLS?)".into(),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "started a throwaway redis-server with TLS on port {}",
        server.tls_port
    );
    Ok(server)
}

impl TlsServer {
    fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.tls_port)
    }
}

/// A client that verifies the server against `ca` (added to the system's roots).
fn verified(url: &str, ca: &Path) -> Result<ClientBuilder, Error> {
    Ok(ClientBuilder::from_url(url)?.tls(true).tls_ca_file(ca))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, ca, server) = match std::env::var("TLS_URL") {
        Ok(url) => (url, std::env::var("TLS_CA").ok().map(PathBuf::from), None),
        Err(_) => {
            let server = start_tls_server()?;
            let ca = server.dir.join("ca.crt");
            (server.url(), Some(ca), Some(server))
        }
    };

    // 1. Verified: the server's certificate must chain to the CA and name the host.
    let client: Client = match &ca {
        Some(ca) => verified(&url, ca)?.build(),
        None => Client::open(&url)?,
    };
    client.set("tls:greeting", "hello over TLS")?;
    let greeting: String = client.get("tls:greeting")?;
    let double = ScriptCode::new("return redis.call('INCRBY', KEYS[1], ARGV[1]) * 2");
    let n: i64 = double.call_on(&client, "tls:n", 21)?;
    println!("verified: GET -> {greeting:?}, script -> {n}");

    let Some(server) = server else {
        return Ok(()); // The rest needs the example's own certificates.
    };

    // 2. The same server, trusting another CA: refused before anything is sent.
    let wrong = verified(&url, &server.dir.join("other-ca.crt"))?.build();
    match wrong.ping() {
        Err(e @ Error::Tls { .. }) => println!("another CA: refused as it should be: {e}"),
        other => return Err(format!("a client trusting another CA got {other:?}").into()),
    }

    // 3. Mutual TLS: the client presents a certificate the server's CA signed.
    let mutual = verified(&url, &server.dir.join("ca.crt"))?
        .tls_client_cert_files(server.dir.join("client.crt"), server.dir.join("client.key"))
        .build();
    let who: String = mutual.query(redline::cmd("CLIENT").arg("INFO"))?;
    let addr = who
        .split_whitespace()
        .find(|f| f.starts_with("addr="))
        .unwrap_or("addr=?");
    println!("mutual TLS: connected with a client certificate ({addr})");
    client.del(["tls:greeting", "tls:n"])?;
    Ok(())
}
