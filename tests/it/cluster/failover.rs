//! A primary killed with SIGKILL: once its replica is promoted, plain commands, scripts and
//! pipelines with scripts succeed again within the retry budget, and no call returns a wrong
//! value. The promoted replica's script cache is empty (it is never replicated): scripts are
//! loaded there on demand. A `scan_iter` started right after the kill sees every key.

use super::harness::{admin, RedisCluster};
use redline::{cmd, key_slot, ClusterClient, Commands, ScanOptions};
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[test]
fn calls_ride_out_a_primary_killed_and_its_replica_promoted() {
    let mut cluster = RedisCluster::start();
    let client = ClusterClient::builder()
        .nodes(&[&cluster.seeds()[1], &cluster.seeds()[2]])
        .retry_budget(Duration::from_secs(20))
        .build()
        .unwrap();
    let add = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    // Keys on every shard, the killed one's included.
    let keys: Vec<String> = (0..60).map(|i| format!("fo:{i}")).collect();
    assert!(keys.iter().any(|k| key_slot(k) < 5461));
    for key in &keys {
        let n: i64 = add.call(key, 1).unwrap();
        assert_eq!(n, 1);
    }
    // The replica of primary 0 has every write before the kill.
    let replica_port = cluster.port(3);
    let deadline = Instant::now() + Duration::from_secs(5);
    while admin(replica_port)
        .query::<i64>(&cmd("DBSIZE"))
        .unwrap_or(0)
        < admin(cluster.port(0)).query::<i64>(&cmd("DBSIZE")).unwrap()
    {
        assert!(Instant::now() < deadline, "the replica never caught up");
        std::thread::sleep(Duration::from_millis(20));
    }

    cluster.nodes[0].kill();
    let killed_at = Instant::now();
    // A scan across the failover: the killed primary's slots are scanned on its replica.
    let seen: HashSet<String> = client
        .scan_iter(ScanOptions::new().pattern("fo:*").count(10))
        .collect::<redline::Result<_>>()
        .unwrap();
    assert_eq!(seen, keys.iter().cloned().collect::<HashSet<_>>());
    eprintln!(
        "failover: a full scan ended {:?} after the kill",
        killed_at.elapsed()
    );
    let mut expected = 1i64;
    for round in 0..3 {
        expected += 1;
        for key in &keys {
            // A script, a plain command and a pipeline with a script, on every key.
            let n: i64 = add
                .call(key, 1)
                .unwrap_or_else(|e| panic!("{key} round {round}: {e}"));
            assert_eq!(n, expected, "{key}");
        }
        expected += 1;
        let mut pipe = client.pipeline();
        for key in &keys {
            pipe.script(&add, key, 1);
            pipe.get(key);
        }
        let replies: Vec<i64> = pipe.execute().unwrap();
        for pair in replies.chunks(2) {
            assert_eq!(pair, [expected, expected]);
        }
        for key in &keys {
            let v: i64 = client.get(key).unwrap();
            assert_eq!(v, expected);
        }
    }
    eprintln!(
        "failover: calls succeeded again {:?} after the kill",
        killed_at.elapsed()
    );
    // The five live nodes agree the cluster is whole again.
    cluster.wait_ok();
    // The promoted replica now serves the killed primary's slots, and ran the script.
    let role: String = admin(replica_port)
        .query(cmd("INFO").arg("replication"))
        .unwrap();
    assert!(role.contains("role:master"), "{role}");
    let stats: String = admin(replica_port)
        .query(cmd("INFO").arg("commandstats"))
        .unwrap();
    assert!(
        stats.contains("cmdstat_script|load") || stats.contains("cmdstat_script:"),
        "{stats}"
    );
}
