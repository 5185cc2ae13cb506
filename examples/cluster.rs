//! The scripting walkthrough of `docs/scripting.md` on a Redis Cluster (`docs/cluster.md`):
//! `multiply` routed by its key, a pipeline of scripts over every shard, reads from replicas,
//! and what a cluster refuses.
//!
//! Run with `cargo run --example cluster`. It uses the cluster at `CLUSTER_URL` (a seed node,
//! such as `redis://127.0.0.1:7000`) when one answers there; otherwise it starts its own
//! (three primaries and three replicas of `redis-server`, on free ports, removed at the end).

#[path = "common/cluster_setup.rs"]
mod cluster_setup;

use redline::{key_slot, ClusterClient, Commands, Error, ReadFrom, ScriptingCommands};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The servers this example started; killed when dropped.
struct LocalCluster(Vec<Child>, std::path::PathBuf);

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("CLUSTER_URL").unwrap_or_else(|_| "redis://127.0.0.1:7000".into());
    let (seed, _local) = match ClusterClient::open(&[&url])?.ping() {
        Ok(_) => {
            println!("using the cluster at {url}");
            (url, None)
        }
        Err(_) => {
            let (local, port) = start_cluster()?;
            let seed = format!("redis://127.0.0.1:{port}");
            println!("no cluster answered at {url}; started a 3+3 cluster, seed {seed}");
            (seed, Some(local))
        }
    };
    let cluster = ClusterClient::open(&[&seed])?;

    let multiply = cluster.register_script(
        "local value = redis.call('GET', KEYS[1])
         value = tonumber(value)
         return value * ARGV[1]",
    );
    cluster.set("foo", 2)?;
    println!(
        "multiply(foo=2, 5) = {} (foo is in slot {}; the script ran on that slot's primary and \
         was loaded there on first use)",
        multiply.call::<i64>("foo", 5)?,
        key_slot("foo")
    );

    // Keys in two slots: refused before anything is sent. A hash tag keeps keys together.
    let both =
        cluster.register_script("return redis.call('GET', KEYS[1]) + redis.call('GET', KEYS[2])");
    match both.call::<i64>(("foo", "bar"), ()) {
        Err(Error::CrossSlot {
            first_slot,
            second_slot,
            ..
        }) => {
            println!("foo and bar: refused, slots {first_slot} and {second_slot}")
        }
        other => println!("unexpected: {other:?}"),
    }
    cluster.set("{user:7}:a", 20)?;
    cluster.set("{user:7}:b", 22)?;
    println!(
        "{{user:7}}:a + {{user:7}}:b = {}",
        both.call::<i64>(("{user:7}:a", "{user:7}:b"), ())?
    );

    // A pipeline of scripts over every shard: one write per node, replies in order.
    let started = Instant::now();
    let mut pipe = cluster.pipeline();
    for i in 0..1000 {
        pipe.set(format!("n:{i}"), i);
        pipe.script(&multiply, format!("n:{i}"), 2);
    }
    let replies: Vec<redline::Value> = pipe.execute()?;
    println!(
        "a pipeline of 2,000 commands and scripts over every shard: {} replies in {:?}",
        replies.len(),
        started.elapsed()
    );

    // SCRIPT FLUSH goes to every node; the next calls load the script again where they run.
    cluster.script_flush(redline::FlushMode::Sync)?;
    println!(
        "after SCRIPT FLUSH: multiply(foo=2, 21) = {}",
        multiply.call::<i64>("foo", 21)?
    );
    println!(
        "loaded on every node by load(): {}",
        multiply.load()? == multiply.sha()
    );

    // Read-only scripts may run on replicas.
    let readers = ClusterClient::builder()
        .nodes(&[&seed])
        .read_from(ReadFrom::PreferReplica)
        .build()?;
    let peek = cluster.register_script("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])");
    // Replicas lag their primary (on a new cluster, until their first sync is done): wait
    // until one has foo.
    let deadline = Instant::now() + Duration::from_secs(10);
    while readers.get::<Option<String>>("foo")?.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "a no-writes script on a replica: GET foo = {:?}",
        peek.call_on::<Option<String>, _>(&readers, "foo", ())?
    );
    Ok(())
}

/// Six cluster-enabled servers on free ports (with their bus ports, +10000, free as well),
/// formed into three primaries with a replica each. Returns the guard and the first port.
fn start_cluster() -> Result<(LocalCluster, u16), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("redline-cluster-example-{}", std::process::id()));
    let mut local = LocalCluster(Vec::new(), dir.clone());
    let mut ports = Vec::new();
    let mut candidate = 20_000 + (std::process::id() % 10_000) as u16;
    while ports.len() < 6 {
        candidate = if candidate >= 32_000 {
            20_000
        } else {
            candidate + 7
        };
        if TcpListener::bind(("127.0.0.1", candidate)).is_err()
            || TcpListener::bind(("127.0.0.1", candidate + 10_000)).is_err()
        {
            continue;
        }
        let node_dir = dir.join(candidate.to_string());
        std::fs::create_dir_all(&node_dir)?;
        let child = Command::new("redis-server")
            .args(["--port", &candidate.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
            ])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&node_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server could not be started: {e}"))?;
        local.0.push(child);
        ports.push(candidate);
    }
    for &port in &ports {
        let deadline = Instant::now() + Duration::from_secs(10);
        while cluster_setup::admin(port).ping().is_err() {
            if Instant::now() > deadline {
                return Err(format!("redis-server on port {port} did not start").into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    cluster_setup::form(&ports, 3, 1)?;
    Ok((local, ports[0]))
}
