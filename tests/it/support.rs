//! Real `redis-server` processes for the tests: a free port and a temp dir each, killed on drop.
//!
//! The binary is `$REDIS_SERVER_BIN` or `redis-server` on `PATH`. No test uses a server that
//! someone else started.

use redline::{Client, ClientBuilder, Protocol};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    extra: Vec<String>,
}

fn binary() -> String {
    std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_string())
}

fn free_port() -> u16 {
    // Bind to :0 and let the OS pick; the tiny race with another process is handled by the
    // retry in `spawn`.
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl RedisServer {
    /// A fresh server with default settings.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// A fresh server with extra `redis-server` arguments (`["--requirepass", "x"]`).
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = RedisServer {
            child: None,
            port: 0,
            dir,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        for _ in 0..10 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("could not start {} after 10 attempts", binary());
    }

    /// A server on `port` (with its cluster bus on `port + 10000` when cluster-enabled), or
    /// `None` when it could not start there (the port was taken).
    pub fn start_on_port(port: u16, extra: &[&str]) -> Option<RedisServer> {
        let mut server = RedisServer {
            child: None,
            port,
            dir: tempfile::tempdir().expect("temp dir"),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        server.spawn().then_some(server)
    }

    fn spawn(&mut self) -> bool {
        let mut cmd = Command::new(binary());
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--unixsocket")
            .arg(self.unix_socket())
            .arg("--unixsocketperm")
            .arg("700")
            .arg("--enable-debug-command")
            .arg("yes")
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "`{}` was not found: install redis-server (apt-get install redis-server) \
                 or set REDIS_SERVER_BIN",
                binary()
            ),
            Err(e) => panic!("could not run {}: {e}", binary()),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                return false; // Exited: most likely the port was taken.
            }
            if self.ping() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        false
    }

    fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 64];
        matches!(s.read(&mut buf), Ok(n) if buf[..n].starts_with(b"+PONG") || buf[..n].starts_with(b"-NOAUTH"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn unix_socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A client speaking `protocol`.
    pub fn client_with(&self, protocol: Protocol) -> Client {
        self.builder().protocol(protocol).build()
    }

    /// A RESP2 client.
    pub fn client(&self) -> Client {
        self.client_with(Protocol::Resp2)
    }

    pub fn builder(&self) -> ClientBuilder {
        Client::builder().host("127.0.0.1").port(self.port)
    }

    /// Kills the server (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts a new one on the same port, with an empty dataset.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("could not restart redis-server on port {}", self.port);
    }

    /// The server's process id (for signals), or 0 when it is not running.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Both protocol versions, for tests that must hold in each.
pub const PROTOCOLS: [Protocol; 2] = [Protocol::Resp2, Protocol::Resp3];
