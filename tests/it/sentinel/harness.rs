//! A Sentinel deployment for the tests: a primary, its replicas (`--replicaof`) and sentinels
//! (`redis-server <conf> --sentinel`, each with a writable config in its own temp dir), on free
//! ports, all killed on drop. With [`Options::tls`], all of it over TLS: see [`Tls`].

use crate::support::RedisServer;
use redline::{cmd, Client, ClientBuilder, Commands};
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MASTER: &str = "mymaster";

pub struct Sentinel {
    child: Option<Child>,
    pub port: u16,
    password: Option<String>,
    /// The CA to trust when the sentinel listens on TLS only.
    tls_ca: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Sentinel {
    /// A plain client of this sentinel, for the test's own questions.
    pub fn client(&self) -> Client {
        let mut b = with_tls(Client::builder().port(self.port), self.tls_ca.as_ref());
        if let Some(p) = &self.password {
            b = b.password(p);
        }
        b.read_timeout(Some(Duration::from_secs(2))).build()
    }

    /// `SENTINEL MASTER mymaster` as field/value pairs.
    pub fn master_fields(&self) -> Vec<String> {
        self.client()
            .query(cmd("SENTINEL").arg("MASTER").arg(MASTER))
            .unwrap_or_default()
    }

    pub fn field(&self, name: &str) -> Option<String> {
        let fields = self.master_fields();
        fields
            .chunks(2)
            .find(|kv| kv[0] == name)
            .and_then(|kv| kv.get(1).cloned())
    }

    /// The master's port as this sentinel sees it.
    pub fn master_port(&self) -> Option<u16> {
        let addr: Option<(String, String)> = self
            .client()
            .query(cmd("SENTINEL").arg("GET-MASTER-ADDR-BY-NAME").arg(MASTER))
            .ok()?;
        addr?.1.parse().ok()
    }
}

pub struct Options {
    pub replicas: usize,
    pub sentinels: usize,
    pub master_password: Option<&'static str>,
    pub sentinel_password: Option<&'static str>,
    /// Everything over TLS: `None` for plain TCP.
    pub tls: Option<Tls>,
}

/// A deployment entirely over TLS: each server gets a TLS port next to its plain one (kept
/// for the test's own look-ups), replicas replicate over TLS to the primary's TLS port, and
/// sentinels listen on TLS only (`port 0`), monitor the TLS port and talk TLS to the servers
/// and to each other (`tls-replication yes`). The sentinels name TLS ports only.
pub struct Tls {
    /// The arguments that give a server the TLS port `p` (`--tls-port p`, certificate, key, CA,
    /// as `--name value` pairs); a sentinel's config gets the same as `name value` lines.
    pub args: Box<dyn Fn(u16) -> Vec<String>>,
    /// The CA the test's own clients trust.
    pub ca: PathBuf,
}

/// `builder` speaking TLS and trusting `ca`, when there is one.
fn with_tls(builder: ClientBuilder, ca: Option<&PathBuf>) -> ClientBuilder {
    match ca {
        #[cfg(feature = "tls")]
        Some(ca) => builder.tls(true).tls_ca_file(ca),
        _ => builder,
    }
}

pub struct Deployment {
    /// The primary first, then the replicas (which one is master changes with failovers).
    pub servers: Vec<RedisServer>,
    /// With TLS, each server's TLS port, in the order of `servers`; empty otherwise.
    pub tls_ports: Vec<u16>,
    pub sentinels: Vec<Sentinel>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary() -> String {
    std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_string())
}

impl Deployment {
    pub fn start(o: Options) -> Deployment {
        // A replica's first sync waits 5 s for others to join it by default (diskless, 7.0+).
        let mut common: Vec<String> = vec!["--repl-diskless-sync-delay".into(), "0".into()];
        if let Some(p) = o.master_password {
            common.extend(["--requirepass", p, "--masterauth", p].map(String::from));
        }
        let mut tls_ports = Vec::new();
        // Each server's TLS arguments, on a port of its own.
        let tls_args = |tls_ports: &mut Vec<u16>| match &o.tls {
            Some(tls) => {
                let port = free_port();
                tls_ports.push(port);
                let mut args = (tls.args)(port);
                args.extend(["--tls-replication".into(), "yes".into()]);
                args
            }
            None => Vec::new(),
        };
        let args: Vec<String> = common
            .iter()
            .cloned()
            .chain(tls_args(&mut tls_ports))
            .collect();
        let primary = RedisServer::start_with(&strs(&args));
        // The port replicas and sentinels are pointed at.
        let master_port = tls_ports.first().copied().unwrap_or(primary.port());
        let mut servers = vec![primary];
        common.extend([
            "--replicaof".into(),
            "127.0.0.1".into(),
            master_port.to_string(),
        ]);
        for _ in 0..o.replicas {
            let args: Vec<String> = common
                .iter()
                .cloned()
                .chain(tls_args(&mut tls_ports))
                .collect();
            servers.push(RedisServer::start_with(&strs(&args)));
        }
        let quorum = (o.sentinels / 2 + 1).min(o.sentinels);
        let sentinels = (0..o.sentinels)
            .map(|_| start_sentinel(master_port, quorum, &o))
            .collect();
        let d = Deployment {
            servers,
            tls_ports,
            sentinels,
        };
        d.wait_until_ready(o.replicas, o.sentinels - 1);
        d
    }

    /// Waits until every sentinel knows every replica (linked to the master) and the other
    /// sentinels: a failover needs both.
    fn wait_until_ready(&self, replicas: usize, others: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = self.sentinels.iter().all(|s| {
                s.field("num-slaves").as_deref() == Some(&replicas.to_string())
                    && s.field("num-other-sentinels").as_deref() == Some(&others.to_string())
            }) && self.replicas_in_sync();
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the sentinels never saw the whole deployment"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn replicas_in_sync(&self) -> bool {
        let sentinel = &self.sentinels[0];
        let replicas: Vec<Vec<String>> = sentinel
            .client()
            .query(cmd("SENTINEL").arg("REPLICAS").arg(MASTER))
            .unwrap_or_default();
        replicas.iter().all(|r| {
            let f = |n: &str| r.chunks(2).find(|kv| kv[0] == n).map(|kv| kv[1].clone());
            f("master-link-status").as_deref() == Some("ok")
                && !f("flags").unwrap_or_default().contains("disconnected")
        })
    }

    /// The index in `servers` of the server on `port`, plain or TLS.
    fn index_of(&self, port: u16) -> usize {
        self.servers
            .iter()
            .position(|s| s.port() == port)
            .or_else(|| self.tls_ports.iter().position(|p| *p == port))
            .expect("a server of the deployment")
    }

    /// `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,.../mymaster`.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect();
        format!("redis+sentinel://{}/{MASTER}", hosts.join(","))
    }

    pub fn master_port(&self) -> Option<u16> {
        self.sentinels.iter().find_map(Sentinel::master_port)
    }

    /// The server on `port` (its plain or TLS port).
    pub fn server_on(&mut self, port: u16) -> &mut RedisServer {
        let i = self.index_of(port);
        &mut self.servers[i]
    }

    /// A plain client of the server on `port` (its plain or TLS port: the plain one is used).
    pub fn plain(&self, port: u16, password: Option<&str>) -> Client {
        let mut b = Client::builder().port(self.servers[self.index_of(port)].port());
        if let Some(p) = password {
            b = b.password(p);
        }
        b.build()
    }

    /// `SENTINEL FAILOVER mymaster`, retried while the sentinel is not ready for it.
    pub fn force_failover(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let reply = self.sentinels[0]
                .client()
                .req(cmd("SENTINEL").arg("FAILOVER").arg(MASTER));
            match reply {
                Ok(_) => return,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("SENTINEL FAILOVER: {e}"),
            }
        }
    }

    /// Waits until every sentinel names a master other than `old`, and returns it.
    pub fn wait_for_new_master(&self, old: u16, within: Duration) -> u16 {
        let deadline = Instant::now() + within;
        loop {
            let ports: Vec<Option<u16>> =
                self.sentinels.iter().map(Sentinel::master_port).collect();
            if let Some(Some(new)) = ports.first() {
                if *new != old && ports.iter().all(|p| *p == Some(*new)) {
                    return *new;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no failover within {within:?}: {ports:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

use redline::ConnectionLike;

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn start_sentinel(master_port: u16, quorum: usize, o: &Options) -> Sentinel {
    for _ in 0..10 {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("sentinel.conf");
        // With TLS: no plain port, and the servers' TLS arguments as config lines.
        let listen = match &o.tls {
            Some(tls) => {
                let lines: Vec<String> = (tls.args)(port)
                    .chunks(2)
                    .map(|kv| format!("{} {}", kv[0].trim_start_matches("--"), kv[1]))
                    .collect();
                format!("port 0\n{}\ntls-replication yes\n", lines.join("\n"))
            }
            None => format!("port {port}\n"),
        };
        let mut text = format!(
            "{listen}bind 127.0.0.1\ndir {}\n\
             sentinel monitor {MASTER} 127.0.0.1 {master_port} {quorum}\n\
             sentinel down-after-milliseconds {MASTER} 1000\n\
             sentinel failover-timeout {MASTER} 2000\n\
             sentinel parallel-syncs {MASTER} 2\n",
            dir.path().display()
        );
        if let Some(p) = o.master_password {
            text.push_str(&format!("sentinel auth-pass {MASTER} {p}\n"));
        }
        if let Some(p) = o.sentinel_password {
            text.push_str(&format!("requirepass {p}\n"));
        }
        std::fs::File::create(&conf)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .expect("sentinel.conf");
        let child = Command::new(binary())
            .arg(&conf)
            .arg("--sentinel")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server --sentinel");
        let mut sentinel = Sentinel {
            child: Some(child),
            port,
            password: o.sentinel_password.map(str::to_string),
            tls_ca: o.tls.as_ref().map(|t| t.ca.clone()),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = sentinel.child.as_mut().map(|c| c.try_wait()) {
                break; // Exited: most likely the port was taken.
            }
            if sentinel.client().ping().is_ok() {
                return sentinel;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    panic!("could not start a sentinel");
}

/// Writes a line to the process's stderr (not captured by the test harness).
pub fn note(line: &str) {
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}
