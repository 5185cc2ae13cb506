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

    // A subscriber with a shard channel on the primary about to die, and a channel.
    let sharded = crate::support::server_kind().redis_version >= (7, 0, 0);
    let shard_channel = (0..)
        .map(|i| format!("fo-ch:{i}"))
        .find(|c| key_slot(c) < 5461)
        .unwrap();
    let mut subscriber = client.subscriber().unwrap();
    subscriber.subscribe("fo-news").unwrap();
    if sharded {
        subscriber.ssubscribe(&shard_channel).unwrap();
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
    // The subscriber: a gap if its connection died (or its shard channel's did), then every
    // subscription works again.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match subscriber.next_message(Some(Duration::from_millis(100))) {
            Err(redline::Error::PubSubGap { cause, .. }) => {
                eprintln!("failover: subscriber gap: {cause}");
                break;
            }
            // Without a shard channel on the dead node, the subscriber may not have been hit.
            Ok(None) if !sharded => break,
            Ok(None) if Instant::now() < deadline => {}
            Err(e) if Instant::now() < deadline => eprintln!("failover: subscriber: {e}"),
            other => panic!("subscriber: {other:?}"),
        }
    }
    let _ = subscriber.ping();
    // PUBLISH counts the receivers of the node it went to only; the bus carries it on.
    client.publish("fo-news", "n").unwrap();
    if sharded {
        assert_eq!(client.spublish(&shard_channel, "s").unwrap(), 1);
    }
    let mut got: Vec<Vec<u8>> = Vec::new();
    while let Some(m) = subscriber
        .next_message(Some(Duration::from_secs(2)))
        .unwrap()
    {
        got.push(m.payload);
        if got.len() == if sharded { 2 } else { 1 } {
            break;
        }
    }
    got.sort();
    assert_eq!(
        got,
        if sharded {
            vec![b"n".to_vec(), b"s".to_vec()]
        } else {
            vec![b"n".to_vec()]
        }
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
