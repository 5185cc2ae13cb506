//! TLS against real servers started with `--tls-port`: certificates made at run time with the
//! `openssl` command (a test CA, another CA, a server certificate for `localhost` and
//! `127.0.0.1`, an expired one, a client certificate), verification, mutual TLS, scripts,
//! pipelines, RESP3 and a cluster over TLS.
//!
//! A server binary built without TLS (or a machine without `openssl`) skips these tests with
//! the reason printed.

use crate::support::{report_skip, RedisServer};
use redline::{Client, ClientBuilder};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[path = "../../../examples/common/tls_certs.rs"]
mod tls_certs;

use tls_certs::make_certs;

mod cluster;
mod mutual;
mod sentinel;
mod verify;
mod workloads;

/// The certificate files, in a directory of their own for this test process.
pub struct Certs {
    pub dir: PathBuf,
}

impl Certs {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The certificates, made once per test process; `Err` says why they could not be.
pub fn certs() -> Result<&'static Certs, String> {
    static CERTS: OnceLock<Result<Certs, String>> = OnceLock::new();
    CERTS
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("tls-certs-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            make_certs(&dir).map(|()| Certs { dir })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn binary() -> String {
    std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_string())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

/// The TLS arguments of a server using the test certificates.
pub fn tls_args(certs: &Certs, tls_port: u16, cert: &str, auth_clients: &str) -> Vec<String> {
    let file = |name: &str| certs.path(name).to_string_lossy().into_owned();
    vec![
        "--tls-port".into(),
        tls_port.to_string(),
        "--tls-cert-file".into(),
        file(&format!("{cert}.crt")),
        "--tls-key-file".into(),
        file("server.key"),
        "--tls-ca-cert-file".into(),
        file("ca.crt"),
        "--tls-auth-clients".into(),
        auth_clients.into(),
    ]
}

/// Whether the server binary speaks TLS: one throwaway server started with a TLS port.
/// `Err` is the reason to print when it does not.
fn tls_capable() -> Result<(), String> {
    static CAPABLE: OnceLock<Result<(), String>> = OnceLock::new();
    CAPABLE
        .get_or_init(|| {
            let certs = certs()?;
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let port = free_port();
            let mut child = Command::new(binary())
                .args(["--port", "0", "--save", "", "--appendonly", "no", "--dir"])
                .arg(dir.path())
                .args(tls_args(certs, port, "server", "no"))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run {}: {e}", binary()))?;
            let deadline = Instant::now() + Duration::from_secs(5);
            let verdict = loop {
                if let Ok(Some(_)) = child.try_wait() {
                    // A server without TLS says why last: Valkey's log line "Failed finding
                    // TLS support", Redis 6.2's config error "Bad directive" on stderr.
                    let mut log = String::new();
                    if let Some(mut out) = child.stdout.take() {
                        let _ = std::io::Read::read_to_string(&mut out, &mut log);
                    }
                    if let Some(mut err) = child.stderr.take() {
                        let _ = std::io::Read::read_to_string(&mut err, &mut log);
                    }
                    let why = log
                        .lines()
                        .map(|l| l.split_once("# ").map_or(l, |(_, text)| text).trim())
                        .rev()
                        .find(|l| !l.is_empty() && !l.starts_with(">>>") && !l.starts_with("***"))
                        .unwrap_or("no output");
                    break Err(format!("the server has no TLS support ({why})"));
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break Ok(());
                }
                if Instant::now() > deadline {
                    break Err("the server's TLS port never opened".into());
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            let _ = child.kill();
            let _ = child.wait();
            verdict
        })
        .clone()
}

/// A server with a TLS port next to its plain one.
pub struct TlsServer {
    /// Kept for its lifetime: the process is killed when this drops.
    _server: RedisServer,
    pub tls_port: u16,
    pub certs: &'static Certs,
}

impl TlsServer {
    /// A client builder for `rediss://127.0.0.1:<tls port>` trusting the test CA.
    pub fn builder(&self) -> ClientBuilder {
        self.bare_builder().tls_ca_file(self.certs.path("ca.crt"))
    }

    /// `rediss://127.0.0.1:<tls port>` with no certificate settings.
    pub fn bare_builder(&self) -> ClientBuilder {
        ClientBuilder::from_url(&format!("rediss://127.0.0.1:{}", self.tls_port))
            .unwrap()
            .connect_retry_budget(Duration::ZERO)
    }

    /// The server's plain (non-TLS) port.
    pub fn plain_port(&self) -> u16 {
        self._server.port()
    }

    pub fn client(&self) -> Client {
        self.builder().build()
    }
}

/// A TLS server presenting `cert` (`server` or `expired`) with `tls-auth-clients` set to
/// `auth_clients`; `None`, with the skip reported, when the binary cannot do TLS.
pub fn start_tls_server(here: &str, cert: &str, auth_clients: &str) -> Option<TlsServer> {
    if let Err(reason) = tls_capable() {
        report_skip(here, &reason, true);
        return None;
    }
    let certs = certs().ok()?;
    let tls_port = free_port();
    let args = tls_args(certs, tls_port, cert, auth_clients);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = RedisServer::start_with(&args);
    Some(TlsServer {
        _server: server,
        tls_port,
        certs,
    })
}

/// `tls_server!(cert, auth_clients)`: the server, or a return from the test with the skip
/// reported.
macro_rules! tls_server {
    ($cert:expr, $auth:expr) => {{
        fn here() {}
        match $crate::tls::start_tls_server($crate::support::path_of(&here), $cert, $auth) {
            Some(server) => server,
            None => return,
        }
    }};
}
pub(crate) use tls_server;
