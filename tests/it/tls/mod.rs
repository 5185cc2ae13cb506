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
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// `openssl` with `args` in `dir`; the error says which step failed and what it printed.
fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

const CA_CONFIG: &str = "[ca]\ndefault_ca=test\n[test]\ndatabase=db/index.txt\n\
    serial=db/serial\nnew_certs_dir=db\ndefault_md=sha256\npolicy=any\ncopy_extensions=copy\n\
    unique_subject=no\n[any]\ncommonName=supplied\n";

const SAN: &str = "subjectAltName=DNS:localhost,IP:127.0.0.1";

/// Makes every certificate (EC P-256 keys, PKCS#8, fast to make): about 0.1 s.
fn make_certs(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("db")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("db/index.txt"), "").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("db/serial"), "01\n").map_err(|e| e.to_string())?;
    std::fs::write(dir.join("ca.cnf"), CA_CONFIG).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("san.ext"), format!("{SAN}\n")).map_err(|e| e.to_string())?;
    let key = |name: &str| {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                name,
            ],
        )
    };
    let ca = |name: &str, cn: &str| {
        key(&format!("{name}.key"))?;
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-subj",
                cn,
                "-days",
                "3650",
                "-out",
                &format!("{name}.crt"),
            ],
        )
    };
    // Signed by the test CA; `ext` adds the host names.
    let signed = |name: &str, key_name: &str, cn: &str, ext: Option<&str>| {
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                key_name,
                "-subj",
                cn,
                "-out",
                &format!("{name}.csr"),
            ],
        )?;
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-out",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.push(format!("{name}.crt"));
        if let Some(ext) = ext {
            args.extend(["-extfile".to_string(), ext.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl(dir, &args)
    };
    ca("ca", "/CN=redline-test-ca")?;
    ca("other-ca", "/CN=another-ca")?;
    key("server.key")?;
    signed("server", "server.key", "/CN=localhost", Some("san.ext"))?;
    key("client.key")?;
    signed("client", "client.key", "/CN=redline-client", None)?;
    // The same server key, valid for one day in 2020: `x509 -days` cannot backdate.
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "server.key",
            "-subj",
            "/CN=localhost",
            "-addext",
            SAN,
            "-out",
            "expired.csr",
        ],
    )?;
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "ca.crt",
            "-keyfile",
            "ca.key",
            "-in",
            "expired.csr",
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20200102000000Z",
            "-out",
            "expired.crt",
        ],
    )
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
