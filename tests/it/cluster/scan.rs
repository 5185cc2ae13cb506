//! `scan_iter` on a cluster: every primary scanned, every key seen, nothing outside the
//! pattern; a raw `SCAN`, whose cursor belongs to one node, refused. Scans during a slot
//! migration and during a failover are in `resharding` and `failover`.

use super::harness::RedisCluster;
use redline::{cmd, Commands, Error, ScanOptions};
use std::collections::HashSet;

#[test]
fn scan_iter_covers_every_primary_once() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let n = 100_000;
    let keys: Vec<String> = (0..n).map(|i| format!("scan:{i}")).collect();
    for chunk in keys.chunks(5_000) {
        let mut pipe = client.pipeline();
        for key in chunk {
            pipe.set(key, 1).ignore();
        }
        pipe.execute::<()>().unwrap();
    }
    let mut seen = HashSet::new();
    let mut items = 0;
    for key in client.scan_iter::<String>(ScanOptions::new().pattern("scan:*").count(1000)) {
        let key = key.unwrap();
        assert!(key.starts_with("scan:"), "{key} is outside the pattern");
        seen.insert(key);
        items += 1;
    }
    assert_eq!(seen.len(), n);
    // Each primary scanned once: no key twice when nothing moved.
    assert_eq!(items, n);

    // Keyed scans are routed by their key.
    let members: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    client.sadd("scan:set", &members).unwrap();
    let got: HashSet<String> = client
        .sscan_iter("scan:set", ScanOptions::new().count(50))
        .collect::<redline::Result<_>>()
        .unwrap();
    assert_eq!(got.len(), 300);

    // A cursor from one node sent to another would silently skip keys: refused.
    let err = client
        .query::<redline::Value>(cmd("SCAN").arg(0))
        .unwrap_err();
    assert!(matches!(err, Error::Cluster { .. }), "{err:?}");
    assert!(err.to_string().contains("scan_iter"), "{err}");
}
