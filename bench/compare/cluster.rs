//! The cluster section (issue 18): a 3-primary cluster started here, redline's `ClusterClient`
//! side by side with redis-rs's sync cluster client, alternating order each round, with two
//! references for the pipelined rows: the same per-node groups sent by hand on plain redline
//! `Connection`s, one node after another, and a raw-socket replay that writes every node's
//! group before reading any reply (the limit). Every row checks what it wrote.

use crate::report::median_of as median;
use crate::{Ctx, Res};
use redline::{key_slot, Commands};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../examples/common/cluster_setup.rs"]
mod cluster_setup;

const SCRIPT: &str = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
const PRIMARIES: usize = 3;

/// Three cluster-enabled servers, formed into a cluster; killed on drop.
struct Cluster {
    children: Vec<Child>,
    ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Cluster {
    fn start() -> Res<Cluster> {
        let bin = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".into());
        let dir = tempfile::tempdir().ctx("temp dir")?;
        let mut cluster = Cluster {
            children: Vec::new(),
            ports: Vec::new(),
            _dir: dir,
        };
        let mut port = 21_000 + (std::process::id() % 9_000) as u16;
        while cluster.ports.len() < PRIMARIES {
            port = if port > 31_000 { 21_000 } else { port + 11 };
            if TcpListener::bind(("127.0.0.1", port)).is_err()
                || TcpListener::bind(("127.0.0.1", port + 10_000)).is_err()
            {
                continue;
            }
            let node_dir = cluster._dir.path().join(port.to_string());
            std::fs::create_dir_all(&node_dir).ctx("node dir")?;
            let child = Command::new(&bin)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args([
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                ])
                .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
                .arg("--dir")
                .arg(&node_dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ctx(&format!("starting {bin}"))?;
            cluster.children.push(child);
            cluster.ports.push(port);
        }
        for &port in &cluster.ports {
            let deadline = Instant::now() + Duration::from_secs(10);
            while cluster_setup::admin(port).ping().is_err() {
                if Instant::now() > deadline {
                    return Err(format!("cluster node on {port} did not start"));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        cluster_setup::form(&cluster.ports, PRIMARIES, 0)?;
        Ok(cluster)
    }

    /// The node (index into `ports`) serving `slot`, as `cluster_setup::form` split them.
    fn node_of(slot: u16) -> usize {
        (0..PRIMARIES)
            .find(|&p| usize::from(slot) < (p + 1) * 16_384 / PRIMARIES)
            .unwrap_or(PRIMARIES - 1)
    }
}

fn ops(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn encode(args: &[&[u8]]) -> Vec<u8> {
    crate::server::resp(args)
}

/// Runs the section and prints its table.
pub fn run(quick: bool) -> Res<()> {
    let (rounds, keys_n, calls, script_batches) = if quick {
        (3, 20_000, 300, 5)
    } else {
        (5, 100_000, 2_000, 20)
    };
    let batch = 1_000;
    let cluster = Cluster::start()?;
    eprintln!("compare: cluster on ports {:?}", cluster.ports);
    let urls: Vec<String> = cluster
        .ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}"))
        .collect();
    let timeout = Some(Duration::from_secs(60));
    let rl = redline::ClusterClient::builder()
        .nodes(&[&urls[0]])
        .connections(redline::Client::builder().read_timeout(timeout))
        .build()
        .ctx("redline ClusterClient")?;
    let rr_client =
        redis::cluster::ClusterClient::new(urls.clone()).ctx("redis-rs ClusterClient")?;
    let mut rr = rr_client
        .get_connection()
        .ctx("redis-rs cluster connection")?;
    let by_hand: Vec<redline::Connection> = cluster
        .ports
        .iter()
        .map(|&p| {
            redline::Client::builder()
                .port(p)
                .read_timeout(timeout)
                .build()
                .get_connection()
        })
        .collect::<Result<_, _>>()
        .ctx("by-hand connections")?;
    let mut raw: Vec<TcpStream> = cluster
        .ports
        .iter()
        .map(|&p| {
            let s = TcpStream::connect(("127.0.0.1", p))?;
            s.set_nodelay(true)?;
            Ok(s)
        })
        .collect::<std::io::Result<_>>()
        .ctx("replay sockets")?;

    let keys: Vec<String> = (0..keys_n).map(|i| format!("c:{i}")).collect();
    // The script rows' counters, apart from the strings the SET rows write.
    let counters: Vec<String> = (0..keys_n).map(|i| format!("n:{i}")).collect();
    let node_of: Vec<usize> = keys.iter().map(|k| Cluster::node_of(key_slot(k))).collect();
    let counter_node: Vec<usize> = counters
        .iter()
        .map(|k| Cluster::node_of(key_slot(k)))
        .collect();
    let rl_script = rl.register_script(SCRIPT);
    let rr_script = redis::Script::new(SCRIPT);
    // redis-rs cannot load scripts inside a cluster pipeline: loaded on every node beforehand.
    let sha = rl_script.load().ctx("SCRIPT LOAD")?;

    let (mut set_rl, mut set_rr, mut set_hand, mut set_raw) = (vec![], vec![], vec![], vec![]);
    let (mut call_rl, mut call_rr) = (vec![], vec![]);
    let (mut spipe_rl, mut spipe_rr, mut spipe_raw) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let first = round % 2 == 0;
        eprintln!("compare: cluster round {}/{rounds}", round + 1);
        let value = |who: char| format!("{who}{:02}", round % 100);

        // C1. Pipelined SET of every key, in batches of 1,000 spread over every slot.
        let c1_rl = || -> Res<f64> {
            let v = value('L');
            let t = Instant::now();
            for chunk in keys.chunks(batch) {
                let mut pipe = rl.pipeline();
                for k in chunk {
                    pipe.set(k, &v).ignore();
                }
                pipe.execute::<()>().ctx("redline cluster pipeline")?;
            }
            let d = t.elapsed();
            check(&rl, &keys, &v)?;
            Ok(ops(keys.len(), d))
        };
        let c1_rr = || -> Res<f64> {
            let v = value('R');
            let t = Instant::now();
            for chunk in keys.chunks(batch) {
                let mut pipe = redis::cluster::cluster_pipe();
                for k in chunk {
                    pipe.set(k, &v).ignore();
                }
                pipe.query::<()>(&mut rr).ctx("redis-rs cluster pipeline")?;
            }
            let d = t.elapsed();
            check(&rl, &keys, &v)?;
            Ok(ops(keys.len(), d))
        };
        let (a, b) = crate::ab(first, c1_rl, c1_rr)?;
        set_rl.push(a);
        set_rr.push(b);
        // By hand: the per-node groups on plain connections, one node after another.
        let v = value('H');
        let t = Instant::now();
        for (chunk, nodes) in keys.chunks(batch).zip(node_of.chunks(batch)) {
            for (p, conn) in by_hand.iter().enumerate() {
                let mut pipe = conn.pipeline();
                for (k, _) in chunk.iter().zip(nodes).filter(|(_, &n)| n == p) {
                    pipe.set(k, &v).ignore();
                }
                pipe.execute::<()>().ctx("by-hand pipeline")?;
            }
        }
        set_hand.push(ops(keys.len(), t.elapsed()));
        check(&rl, &keys, &v)?;
        // The replay: every node's group written before any reply is read.
        let v = value('W');
        let groups = node_groups(&keys, &node_of, batch, |k| {
            encode(&[b"SET", k.as_bytes(), v.as_bytes()])
        });
        let t = Instant::now();
        replay(&mut raw, &groups, b'+')?;
        set_raw.push(ops(keys.len(), t.elapsed()));
        check(&rl, &keys, &v)?;

        // C2. Script calls one at a time, on keys over every slot.
        let c2_rl = || -> Res<f64> {
            let t = Instant::now();
            for k in counters.iter().take(calls) {
                let _: i64 = rl_script.call(k, 1).ctx("redline Script::call")?;
            }
            Ok(ops(calls, t.elapsed()))
        };
        let c2_rr = || -> Res<f64> {
            let t = Instant::now();
            for k in counters.iter().take(calls) {
                let _: i64 = rr_script
                    .key(k)
                    .arg(1)
                    .invoke(&mut rr)
                    .ctx("redis-rs Script::invoke")?;
            }
            Ok(ops(calls, t.elapsed()))
        };
        let (a, b) = crate::ab(first, c2_rl, c2_rr)?;
        call_rl.push(a);
        call_rr.push(b);

        // C3. Pipelines of 1,000 script calls over every slot.
        let c3_rl = || -> Res<f64> {
            let t = Instant::now();
            for chunk in counters.chunks(batch).take(script_batches) {
                let mut pipe = rl.pipeline();
                for k in chunk {
                    pipe.script(&rl_script, k, 1).ignore();
                }
                pipe.execute::<()>().ctx("redline script pipeline")?;
            }
            Ok(ops(batch * script_batches, t.elapsed()))
        };
        let c3_rr = || -> Res<f64> {
            let t = Instant::now();
            for chunk in counters.chunks(batch).take(script_batches) {
                let mut pipe = redis::cluster::cluster_pipe();
                for k in chunk {
                    pipe.cmd("EVALSHA").arg(&sha).arg(1).arg(k).arg(1).ignore();
                }
                pipe.query::<()>(&mut rr).ctx("redis-rs EVALSHA pipeline")?;
            }
            Ok(ops(batch * script_batches, t.elapsed()))
        };
        // The replay: the same EVALSHA groups on raw sockets, every node's written first.
        let script_keys = &counters[..batch * script_batches];
        let script_groups = node_groups(script_keys, &counter_node, batch, |k| {
            encode(&[b"EVALSHA", sha.as_bytes(), b"1", k.as_bytes(), b"1"])
        });
        let c3_raw = || -> Res<f64> {
            let t = Instant::now();
            replay(&mut raw, &script_groups, b':')?;
            Ok(ops(script_keys.len(), t.elapsed()))
        };
        let (a, b, c) = crate::abc(first, c3_rl, c3_rr, c3_raw)?;
        spipe_rl.push(a);
        spipe_rr.push(b);
        spipe_raw.push(c);
    }
    // The counters the script rows incremented: every call counted once, by both clients.
    let expected = (rounds * 2) as i64;
    for k in counters.iter().take(calls.min(batch * script_batches)) {
        let n: i64 = rl.get(k).ctx("reading a counter")?;
        if n < expected {
            return Err(format!(
                "{k} was incremented {n} times, fewer than {expected}"
            ));
        }
    }

    let (srl, srr, sh, sw) = (
        median(set_rl),
        median(set_rr),
        median(set_hand),
        median(set_raw),
    );
    let (crl, crr) = (median(call_rl), median(call_rr));
    let (prl, prr, pw) = (median(spipe_rl), median(spipe_rr), median(spipe_raw));
    println!();
    println!("## Cluster (3 primaries, loopback; medians of {rounds} rounds, clients alternating)");
    println!();
    println!("| scenario | redline | redis-rs | redline/redis-rs | by hand¹ | replay² | redline/by hand | redline/replay |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| C1. pipelined SET, {} keys over every slot, batches of {batch} | {:.0} k/s | {:.0} k/s | {:.2} | {:.0} k/s | {:.0} k/s | {:.2} | {:.2} |",
        keys.len(), srl / 1e3, srr / 1e3, srl / srr, sh / 1e3, sw / 1e3, srl / sh, srl / sw
    );
    println!(
        "| C2. Script::call one at a time, {calls} calls | {:.1} k/s | {:.1} k/s | {:.2} | - | - | - | - |",
        crl / 1e3, crr / 1e3, crl / crr
    );
    println!(
        "| C3. pipelines of {batch} script calls, {script_batches} batches³ | {:.0} k/s | {:.0} k/s | {:.2} | - | {:.0} k/s | - | {:.2} |",
        prl / 1e3, prr / 1e3, prl / prr, pw / 1e3, prl / pw
    );
    println!();
    println!("¹ The same per-node groups on one plain redline `Connection` per node, one node after another (what a user would write by hand).");
    println!("² Every node's group written on a raw socket before any reply is read, replies known in advance: the servers' and loopback's speed.");
    println!("³ redis-rs cannot load a script inside a cluster pipeline: its row sends EVALSHA of a script loaded on every node beforehand; redline's row uses `Pipeline::script`, which makes sure of the script itself.");
    println!(
        "The most C3 can gain on redis-rs is the replay's lead over it: {:.2} ×.",
        pw / prr
    );
    println!();
    println!("Targets (issue 18): C1 and C3 redline ≥ 1.3 × redis-rs: {} / {}; C2 no slower: {}; C1 within 10% of by hand: {}",
        verdict(srl / srr >= 1.3), verdict(prl / prr >= 1.3), verdict(crl / crr >= 1.0), verdict(srl / sh >= 0.9));
    Ok(())
}

/// Each batch of `keys` split into one encoded group per node (`node_of` is parallel to
/// `keys`): `groups[batch][node]` with the number of commands in it.
fn node_groups(
    keys: &[String],
    node_of: &[usize],
    batch: usize,
    encode_one: impl Fn(&str) -> Vec<u8>,
) -> Vec<Vec<(Vec<u8>, usize)>> {
    keys.chunks(batch)
        .zip(node_of.chunks(batch))
        .map(|(chunk, nodes)| {
            let mut groups = vec![(Vec::new(), 0); PRIMARIES];
            for (k, &n) in chunk.iter().zip(nodes) {
                groups[n].0.extend(encode_one(k));
                groups[n].1 += 1;
            }
            groups
        })
        .collect()
}

/// Sends every batch's groups, every node's written before any reply is read, and reads each
/// node's replies: one line each, starting with `first` (`+OK`, `:N`).
fn replay(raw: &mut [TcpStream], batches: &[Vec<(Vec<u8>, usize)>], first: u8) -> Res<()> {
    let mut buf = vec![0u8; 64 * 1024];
    for groups in batches {
        for (s, (bytes, _)) in raw.iter_mut().zip(groups) {
            s.write_all(bytes).ctx("replay write")?;
        }
        for (s, &(_, count)) in raw.iter_mut().zip(groups) {
            let (mut lines, mut at_line_start) = (0, true);
            while lines < count {
                let n = s.read(&mut buf).ctx("replay read")?;
                if n == 0 {
                    return Err("the replay's connection closed".into());
                }
                for &b in &buf[..n] {
                    if at_line_start && b != first {
                        return Err(format!(
                            "the replay read a reply not starting with {:?}",
                            first as char
                        ));
                    }
                    at_line_start = b == b'\n';
                    lines += usize::from(at_line_start);
                }
            }
        }
    }
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// Every 97th key holds `value`.
fn check(rl: &redline::ClusterClient, keys: &[String], value: &str) -> Res<()> {
    for k in keys.iter().step_by(97) {
        let got: Option<String> = rl.get(k).ctx("check")?;
        if got.as_deref() != Some(value) {
            return Err(format!("{k} holds {got:?}, not {value}"));
        }
    }
    Ok(())
}
