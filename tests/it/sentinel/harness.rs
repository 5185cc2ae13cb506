//! A Sentinel deployment for the tests: a primary, its replicas (`--replicaof`) and sentinels
//! (`redis-server <conf> --sentinel`, each with a writable config in its own temp dir), on free
//! ports, all killed on drop.

use crate::support::RedisServer;
use redline::{cmd, Client, Commands};
use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MASTER: &str = "mymaster";

pub struct Sentinel {
    child: Option<Child>,
    pub port: u16,
    password: Option<String>,
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
        let mut b = Client::builder().port(self.port);
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
}

pub struct Deployment {
    /// The primary first, then the replicas (which one is master changes with failovers).
    pub servers: Vec<RedisServer>,
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
        let mut auth: Vec<&str> = vec!["--repl-diskless-sync-delay", "0"];
        if let Some(p) = o.master_password {
            auth.extend(["--requirepass", p, "--masterauth", p]);
        }
        let primary = RedisServer::start_with(&auth);
        let port = primary.port().to_string();
        let mut servers = vec![primary];
        for _ in 0..o.replicas {
            let mut args = vec!["--replicaof", "127.0.0.1", &port];
            args.extend(&auth);
            servers.push(RedisServer::start_with(&args));
        }
        let quorum = (o.sentinels / 2 + 1).min(o.sentinels);
        let sentinels = (0..o.sentinels)
            .map(|_| start_sentinel(servers[0].port(), quorum, &o))
            .collect();
        let d = Deployment { servers, sentinels };
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

    pub fn server_on(&mut self, port: u16) -> &mut RedisServer {
        self.servers
            .iter_mut()
            .find(|s| s.port() == port)
            .expect("a server of the deployment")
    }

    /// A plain client of the server on `port`.
    pub fn plain(&self, port: u16, password: Option<&str>) -> Client {
        let mut b = Client::builder().port(port);
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

fn start_sentinel(master_port: u16, quorum: usize, o: &Options) -> Sentinel {
    for _ in 0..10 {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("sentinel.conf");
        let mut text = format!(
            "port {port}\nbind 127.0.0.1\ndir {}\n\
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
