//! A slot moves to another primary (`CLUSTER SETSLOT ... MIGRATING/IMPORTING`, `MIGRATE`)
//! while scripts and pipelines run on its keys: `ASK` during the move, `MOVED` after it, and
//! every reply checked against the value only that call could produce; and full `scan_iter`s
//! all along, each of which must see every key (none is created or deleted meanwhile).

use super::harness::{admin, RedisCluster};
use redline::{cmd, key_slot, Commands, ScanOptions, Value};
use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn owner_index(cluster: &RedisCluster, slot: u16) -> usize {
    (0..cluster.primaries)
        .find(|&p| {
            let nodes: String = admin(cluster.port(p))
                .query(cmd("CLUSTER").arg("NODES"))
                .unwrap();
            let me = nodes
                .lines()
                .find(|l| l.contains("myself"))
                .unwrap()
                .to_string();
            me.split(' ')
                .skip(8)
                .any(|range| match range.split_once('-') {
                    Some((a, b)) => {
                        (a.parse::<u16>().unwrap()..=b.parse::<u16>().unwrap()).contains(&slot)
                    }
                    None => range.parse::<u16>().ok() == Some(slot),
                })
        })
        .unwrap()
}

#[test]
fn a_slot_moves_while_scripts_and_pipelines_run_on_it() {
    let cluster = RedisCluster::start();
    let client = cluster.client();
    let slot = key_slot("mig");
    let keys: Vec<String> = (0..200).map(|i| format!("{{mig}}:{i}")).collect();
    for key in &keys {
        client.set(key, 0).unwrap();
    }
    let from = owner_index(&cluster, slot);
    let to = (from + 1) % cluster.primaries;
    let id = |i: usize| -> String {
        admin(cluster.port(i))
            .query(cmd("CLUSTER").arg("MYID"))
            .unwrap()
    };
    let (from_id, to_id) = (id(from), id(to));
    // Keys over every slot for the scans, beside the migrating slot's.
    let spread: Vec<String> = (0..5_000).map(|i| format!("rs:{i}")).collect();
    let mut pipe = client.pipeline();
    for key in &spread {
        pipe.set(key, 1).ignore();
    }
    pipe.execute::<()>().unwrap();

    // A subscriber of a shard channel in the moving slot.
    let sharded = crate::support::server_kind().redis_version >= (7, 0, 0);
    let mut subscriber = client.subscriber().unwrap();
    if sharded {
        subscriber.ssubscribe("{mig}:chan").unwrap();
    }

    let stop = Arc::new(AtomicBool::new(false));
    let scanner = {
        let client = client.clone();
        let stop = stop.clone();
        let all: HashSet<String> = keys.iter().chain(&spread).cloned().collect();
        std::thread::spawn(move || {
            let mut scans = 0;
            while !stop.load(Ordering::Relaxed) {
                let seen: HashSet<String> = client
                    .scan_iter(ScanOptions::new().count(200))
                    .collect::<redline::Result<_>>()
                    .unwrap();
                let missed = all.difference(&seen).count();
                assert_eq!(missed, 0, "scan {scans} missed {missed} keys");
                scans += 1;
            }
            scans
        })
    };
    let worker = {
        let client = client.clone();
        let keys = keys.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let incr = client.register_script("return redis.call('INCR', KEYS[1])");
            let mut expected: HashMap<String, i64> = keys.iter().map(|k| (k.clone(), 0)).collect();
            let (mut calls, mut wrong) = (0u64, 0u64);
            let mut round = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let key = &keys[round % keys.len()];
                let other = &keys[(round * 7 + 3) % keys.len()];
                round += 1;
                // A script call.
                let n: i64 = incr.call(key, ()).unwrap();
                *expected.get_mut(key).unwrap() += 1;
                wrong += u64::from(n != expected[key]);
                // A pipeline: a read, a script, a read.
                let (a, b, c): (i64, i64, i64) = client
                    .pipeline()
                    .get(other)
                    .script(&incr, key, ())
                    .get(key)
                    .execute()
                    .unwrap();
                *expected.get_mut(key).unwrap() += 1;
                wrong += u64::from(a != expected[other]);
                wrong += u64::from(b != expected[key] || c != expected[key]);
                calls += 2;
            }
            (calls, wrong, expected)
        })
    };

    std::thread::sleep(Duration::from_millis(200));
    let (from_port, to_port) = (cluster.port(from), cluster.port(to));
    let _: () = admin(to_port)
        .query(
            cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("IMPORTING")
                .arg(&from_id),
        )
        .unwrap();
    let _: () = admin(from_port)
        .query(
            cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("MIGRATING")
                .arg(&to_id),
        )
        .unwrap();
    // Move the keys a few at a time, so that calls meet the slot half moved (ASK).
    loop {
        let batch: Vec<String> = admin(from_port)
            .query(cmd("CLUSTER").arg("GETKEYSINSLOT").arg(slot).arg(10))
            .unwrap();
        if batch.is_empty() {
            break;
        }
        let mut migrate = cmd("MIGRATE");
        migrate
            .arg("127.0.0.1")
            .arg(to_port)
            .arg("")
            .arg(0)
            .arg(5000)
            .arg("KEYS");
        for key in &batch {
            migrate.arg(key);
        }
        let _: Value = admin(from_port).query(&migrate).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in 0..cluster.primaries {
        let _: () = admin(cluster.port(p))
            .query(
                cmd("CLUSTER")
                    .arg("SETSLOT")
                    .arg(slot)
                    .arg("NODE")
                    .arg(&to_id),
            )
            .unwrap();
    }
    // Calls keep going after the move: MOVED, then the new map.
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let (calls, wrong, expected) = worker.join().unwrap();
    let scans = scanner.join().unwrap();
    eprintln!("resharding: {scans} full scans, none missed a key");
    assert!(scans > 2, "only {scans} scans ran");
    eprintln!("resharding: {calls} calls, {wrong} wrong replies");
    assert_eq!(wrong, 0);
    if sharded {
        // The old owner ended the subscription when the slot left it: the subscriber
        // subscribed again on the new owner, and says messages may have been missed.
        let gap = subscriber
            .next_message(Some(Duration::from_secs(5)))
            .unwrap_err();
        assert!(matches!(gap, redline::Error::PubSubGap { .. }), "{gap:?}");
        assert_eq!(client.spublish("{mig}:chan", "after").unwrap(), 1);
        let m = subscriber
            .next_message(Some(Duration::from_secs(2)))
            .unwrap()
            .unwrap();
        assert_eq!(m.payload, b"after");
        assert!(format!("{subscriber:?}").contains(&to_port.to_string()));
    }
    assert!(calls > 20, "only {calls} calls ran");
    // The new owner served ASKING during the move and has every key with its last value.
    let stats: String = admin(to_port)
        .query(cmd("INFO").arg("commandstats"))
        .unwrap();
    assert!(
        stats.contains("cmdstat_asking"),
        "no call met the slot half moved"
    );
    for (key, value) in expected {
        let there: i64 = admin(to_port).get(&key).unwrap();
        assert_eq!(there, value, "{key}");
        let through: i64 = client.get(&key).unwrap();
        assert_eq!(through, value, "{key}");
    }
}
