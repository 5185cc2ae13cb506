//! Real Redis Clusters for the tests: primaries and replicas on free ports, each with its bus
//! on `port + 10000` (the default, which every server version accepts), slots assigned with
//! `CLUSTER ADDSLOTS`, nodes met with `CLUSTER MEET`, replicas attached with `CLUSTER
//! REPLICATE`, and waited on until every node reports `cluster_state:ok` and every replica has
//! synced. Killed on drop, like every test server.

use crate::support::RedisServer;
use redline::{cmd, ClusterClient};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

#[path = "../../../examples/common/cluster_setup.rs"]
mod setup;

pub use setup::admin;

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
        RedisCluster::start_with_args(primaries, per_primary, |_| Vec::new())
    }

    /// Like [`RedisCluster::start_with`], each node also given `extra(port)` arguments (the
    /// TLS tests add a TLS port). A node that does not start (a port taken) is tried again on
    /// other ports.
    pub fn start_with_args(
        primaries: usize,
        per_primary: usize,
        extra: impl Fn(u16) -> Vec<String>,
    ) -> RedisCluster {
        let mut seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id()) << 32;
        let count = primaries * (1 + per_primary);
        let mut nodes = Vec::new();
        while nodes.len() < count {
            let port = free_port_pair(&mut seed);
            let mut args: Vec<String> = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "1000",
                // A spinning script answers SCRIPT KILL after 100 ms, not 5 s.
                "--lua-time-limit",
                "100",
            ]
            .iter()
            .map(|a| a.to_string())
            .collect();
            args.extend(extra(port));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            if let Some(server) = RedisServer::start_on_port(port, &args) {
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
        let ports: Vec<u16> = (0..self.nodes.len()).map(|i| self.port(i)).collect();
        if let Err(e) = setup::form(&ports, self.primaries, per_primary) {
            panic!("{e}\n{}", self.states());
        }
    }

    /// Waits until every live node says `cluster_state:ok` and every replica has synced.
    pub fn wait_ok(&self) {
        let ports: Vec<u16> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].pid() != 0)
            .map(|i| self.port(i))
            .collect();
        if let Err(e) = setup::wait_ok(&ports) {
            panic!("{e}\n{}", self.states());
        }
    }

    fn states(&self) -> String {
        (0..self.nodes.len())
            .map(|i| {
                admin(self.port(i))
                    .query::<String>(cmd("CLUSTER").arg("NODES"))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
