//! Pub/Sub on a cluster: shard channels on the primary of their slot (one connection per node,
//! one wait for all), channels on any node. Slot migration and failover are in `resharding`
//! and `failover`.

use super::harness::RedisCluster;
use crate::support::{server_kind, skip_unless};
use redline::{key_slot, Commands, MessageKind};
use std::collections::BTreeSet;
use std::time::Duration;

/// A shard channel name in each third of the slots: one per primary.
pub fn channel_per_primary(prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    for third in 0..3u16 {
        let name = (0..)
            .map(|i| format!("{prefix}:{i}"))
            .find(|n| key_slot(n) / 5462 == third)
            .unwrap();
        names.push(name);
    }
    names
}

#[test]
fn shard_channels_on_every_primary_and_channels_anywhere() {
    skip_unless!(
        server_kind().redis_version >= (7, 0, 0),
        "SSUBSCRIBE came in Redis 7.0"
    );
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let mut sub = client.subscriber().unwrap();
    let shards = channel_per_primary("cps");
    sub.ssubscribe(&shards).unwrap();
    sub.subscribe("cps-news").unwrap();
    sub.psubscribe("cps-p.*").unwrap();
    assert_eq!(sub.subscriptions(), 5);
    let nodes = format!("{sub:?}");
    for name in &shards {
        assert_eq!(client.spublish(name, name).unwrap(), 1, "{name}");
    }
    // PUBLISH reaches the subscriber whichever node it is sent to.
    for i in 0..3 {
        client.publish("cps-news", i).unwrap();
    }
    client.publish("cps-p.x", "p").unwrap();
    let mut shard_payloads = BTreeSet::new();
    let mut news = Vec::new();
    let mut patterns = 0;
    for _ in 0..7 {
        let m = sub
            .next_message(Some(Duration::from_secs(2)))
            .unwrap()
            .unwrap_or_else(|| panic!("missing messages ({nodes})"));
        match m.kind {
            MessageKind::Shard => {
                shard_payloads.insert(m.payload::<String>().unwrap());
            }
            MessageKind::Channel => news.push(m.payload::<i64>().unwrap()),
            _ => patterns += 1,
        }
    }
    assert_eq!(shard_payloads, shards.iter().cloned().collect());
    // Sent to different nodes, they cross the cluster bus in any order.
    news.sort_unstable();
    assert_eq!(news, [0, 1, 2]);
    assert_eq!(patterns, 1);
    assert_eq!(
        sub.next_message(Some(Duration::from_millis(100))).unwrap(),
        None
    );
    // Unsubscribing from every shard channel closes nothing but ends their messages.
    sub.sunsubscribe(()).unwrap();
    assert_eq!(sub.subscriptions(), 2);
    assert_eq!(client.spublish(&shards[0], "late").unwrap(), 0);
}
