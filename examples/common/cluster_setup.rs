//! Forms a Redis Cluster out of empty cluster-enabled servers: slots split evenly over the
//! primaries (`CLUSTER ADDSLOTS`), every node met (`CLUSTER MEET`), replicas attached
//! (`CLUSTER REPLICATE`), then waited on until every node says `cluster_state:ok` and every
//! replica has synced. Shared by `examples/cluster.rs` and the test suite's cluster harness.

use redline::{cmd, Client, Cmd, Value};
use std::time::{Duration, Instant};

/// A plain client of one node, for the set-up commands.
pub fn admin(port: u16) -> Client {
    Client::builder()
        .host("127.0.0.1")
        .port(port)
        .max_idle(1)
        .build()
}

fn text(port: u16, command: &Cmd) -> Result<String, String> {
    admin(port)
        .query::<String>(command)
        .map_err(|e| format!("{command:?} on port {port}: {e}"))
}

fn run(port: u16, command: &Cmd) -> Result<(), String> {
    admin(port)
        .query::<Value>(command)
        .map(drop)
        .map_err(|e| format!("{command:?} on port {port}: {e}"))
}

/// Forms the cluster: `ports[..primaries]` are the primaries, and replica `r` of primary `p`
/// is `ports[primaries + p * per_primary + r]`.
pub fn form(ports: &[u16], primaries: usize, per_primary: usize) -> Result<(), String> {
    let mut ids = Vec::new();
    for &port in ports {
        ids.push(text(port, cmd("CLUSTER").arg("MYID"))?);
    }
    for (p, &port) in ports.iter().enumerate().take(primaries) {
        let mut add = cmd("CLUSTER");
        add.arg("ADDSLOTS");
        for slot in p * 16_384 / primaries..(p + 1) * 16_384 / primaries {
            add.arg(slot);
        }
        run(port, &add)?;
    }
    for &port in &ports[1..] {
        run(
            ports[0],
            cmd("CLUSTER").arg("MEET").arg("127.0.0.1").arg(port),
        )?;
    }
    wait("every node knows every other", || {
        for &port in ports {
            if text(port, cmd("CLUSTER").arg("NODES"))?.lines().count() != ports.len() {
                return Ok(false);
            }
        }
        Ok(true)
    })?;
    for (p, id) in ids.iter().enumerate().take(primaries) {
        for r in 0..per_primary {
            let replica = ports[primaries + p * per_primary + r];
            run(replica, cmd("CLUSTER").arg("REPLICATE").arg(id))?;
        }
    }
    wait_ok(ports)
}

/// Waits until every node of `ports` says `cluster_state:ok`, every replica has synced, and
/// every node lists every replica.
pub fn wait_ok(ports: &[u16]) -> Result<(), String> {
    wait("cluster_state:ok with every replica in sync", || {
        let mut replicas = 0;
        for &port in ports {
            if text(port, cmd("INFO").arg("replication"))?.contains("role:slave") {
                replicas += 1;
            }
        }
        for &port in ports {
            let info = text(port, cmd("CLUSTER").arg("INFO"))?;
            let replication = text(port, cmd("INFO").arg("replication"))?;
            let nodes = text(port, cmd("CLUSTER").arg("NODES"))?;
            let replicas_seen = nodes
                .lines()
                .filter(|l| l.contains("slave") && l.contains("connected") && !l.contains("fail"))
                .count();
            let synced = !replication.contains("role:slave")
                || replication.contains("master_link_status:up");
            if !info.contains("cluster_state:ok") || !synced || replicas_seen != replicas {
                return Ok(false);
            }
        }
        Ok(true)
    })
}

fn wait(what: &str, mut done: impl FnMut() -> Result<bool, String>) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done()? {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("the cluster never got to: {what}"))
}
