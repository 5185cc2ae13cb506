//! Real Redis Clusters for the tests: primaries and replicas on free ports, each with its bus
//! on `port + 10000` (the default, which every server version accepts), slots assigned with
//! `CLUSTER ADDSLOTS`, nodes met with `CLUSTER MEET`, replicas attached with `CLUSTER
//! REPLICATE`, and waited on until every node reports `cluster_state:ok` and every replica has
//! synced. Killed on drop, like every test server.

use crate::support::RedisServer;
use redline::{cmd, Client, ClusterClient, Value};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct RedisCluster {
    /// Primaries first, then replicas (replica `r` of primary `p` at `primaries + p * per + r`).
    pub nodes: Vec<RedisServer>,
    pub primaries: usize,
}

/// A port below the kernel's ephemeral range (32768+) whose bus port is free as well.
fn free_port_pair(seed: &mut u64) -> u16 {
    loop {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let port = 20_000 + ((*seed >> 33) % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok()
            && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok()
        {
            return port;
        }
    }
}

pub fn admin(port: u16) -> Client {
    Client::builder()
        .host("127.0.0.1")
        .port(port)
        .max_idle(1)
        .build()
}

fn text(port: u16, command: &redline::Cmd) -> String {
    admin(port)
        .query::<String>(command)
        .unwrap_or_else(|e| panic!("{command:?} on {port}: {e}"))
}

/// The cluster the read-mostly tests share while any of them runs (then it is killed, as the
/// last one drops it): each such test uses keys of its own and never flushes.
static SHARED: Mutex<Weak<RedisCluster>> = Mutex::new(Weak::new());

impl RedisCluster {
    /// The shared cluster, started by the first test that asks while none runs.
    pub fn shared() -> Arc<RedisCluster> {
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cluster) = shared.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(RedisCluster::start());
        *shared = Arc::downgrade(&cluster);
        cluster
    }

    /// Three primaries with one replica each.
    pub fn start() -> RedisCluster {
        RedisCluster::start_with(3, 1)
    }

    pub fn start_with(primaries: usize, per_primary: usize) -> RedisCluster {
        let mut seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id()) << 32;
        let count = primaries * (1 + per_primary);
        let mut nodes = Vec::new();
        while nodes.len() < count {
            let port = free_port_pair(&mut seed);
            if let Some(server) = RedisServer::start_on_port(
                port,
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "1000",
                ],
            ) {
                nodes.push(server);
            }
        }
        let cluster = RedisCluster { nodes, primaries };
        cluster.form(per_primary);
        cluster
    }

    pub fn port(&self, i: usize) -> u16 {
        self.nodes[i].port()
    }

    pub fn seeds(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("redis://127.0.0.1:{}", n.port()))
            .collect()
    }

    /// A client seeded with the first node only: it must learn the rest.
    pub fn client(&self) -> ClusterClient {
        ClusterClient::open(&[&self.seeds()[0]]).unwrap()
    }

    fn form(&self, per_primary: usize) {
        let ids: Vec<String> = (0..self.nodes.len())
            .map(|i| text(self.port(i), cmd("CLUSTER").arg("MYID")))
            .collect();
        for p in 0..self.primaries {
            let first = p * 16_384 / self.primaries;
            let last = (p + 1) * 16_384 / self.primaries - 1;
            let mut add = cmd("CLUSTER");
            add.arg("ADDSLOTS");
            for slot in first..=last {
                add.arg(slot);
            }
            let _: Value = admin(self.port(p)).query(&add).unwrap();
        }
        for i in 1..self.nodes.len() {
            let _: Value = admin(self.port(0))
                .query(
                    cmd("CLUSTER")
                        .arg("MEET")
                        .arg("127.0.0.1")
                        .arg(self.port(i)),
                )
                .unwrap();
        }
        self.wait("every node knows every other", |c| {
            (0..c.nodes.len()).all(|i| {
                text(c.port(i), cmd("CLUSTER").arg("NODES")).lines().count() == c.nodes.len()
            })
        });
        for (p, id) in ids.iter().enumerate().take(self.primaries) {
            for r in 0..per_primary {
                let replica = self.primaries + p * per_primary + r;
                let _: Value = admin(self.port(replica))
                    .query(cmd("CLUSTER").arg("REPLICATE").arg(id))
                    .unwrap();
            }
        }
        self.wait_ok();
    }

    /// Waits until every live node says `cluster_state:ok`, every replica has synced, and every
    /// node lists every replica.
    pub fn wait_ok(&self) {
        self.wait("cluster_state:ok with replicas in sync", |c| {
            let live: Vec<usize> = (0..c.nodes.len())
                .filter(|&i| c.nodes[i].pid() != 0)
                .collect();
            live.iter().all(|&i| {
                let info = text(c.port(i), cmd("CLUSTER").arg("INFO"));
                let replication = text(c.port(i), cmd("INFO").arg("replication"));
                let nodes = text(c.port(i), cmd("CLUSTER").arg("NODES"));
                let is_replica = replication.contains("role:slave");
                let replicas_seen = nodes
                    .lines()
                    .filter(|l| {
                        l.contains("slave") && l.contains("connected") && !l.contains("fail")
                    })
                    .count();
                let expected_replicas = live
                    .iter()
                    .filter(|&&j| {
                        text(c.port(j), cmd("INFO").arg("replication")).contains("role:slave")
                    })
                    .count();
                info.contains("cluster_state:ok")
                    && (!is_replica || replication.contains("master_link_status:up"))
                    && replicas_seen == expected_replicas
            })
        });
    }

    fn wait(&self, what: &str, done: impl Fn(&RedisCluster) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if done(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let states: Vec<String> = (0..self.nodes.len())
            .map(|i| {
                admin(self.port(i))
                    .query::<String>(cmd("CLUSTER").arg("NODES"))
                    .unwrap_or_default()
            })
            .collect();
        panic!(
            "the test cluster never got to: {what}\n{}",
            states.join("\n")
        );
    }
}
