use super::*;

// Replies captured from a real Redis 7.0 cluster (3 primaries on 17001-17003, a replica each on
// 17004-17006), in RESP2 and, after `HELLO 3`, in RESP3.
const SHARDS_RESP2: &[u8] = include_bytes!("shards2.bin");
const SLOTS_RESP2: &[u8] = include_bytes!("slots2.bin");
const HELLO_SHARDS_RESP3: &[u8] = include_bytes!("hello_shards3.bin");
const HELLO_SLOTS_RESP3: &[u8] = include_bytes!("hello_slots3.bin");

use super::super::fields::nth_reply as nth;

fn node(port: u16) -> NodeAddr {
    NodeAddr {
        host: "127.0.0.1".into(),
        port,
    }
}

fn check_three_primaries(topology: &Topology) {
    assert_eq!(topology.assigned_slots(), 16_384);
    assert_eq!(topology.shards.len(), 3);
    // Every primary has its one replica, each a different node.
    let mut replicas: Vec<u16> = topology
        .shards
        .iter()
        .flat_map(|s| &s.replicas)
        .map(|n| n.port)
        .collect();
    replicas.sort_unstable();
    assert_eq!(replicas, [17004, 17005, 17006]);
    assert_eq!(topology.nodes().count(), 6);
    for (slot, port) in [
        (0, 17001),
        (5460, 17001),
        (5461, 17002),
        (10922, 17002),
        (10923, 17003),
        (16383, 17003),
    ] {
        assert_eq!(
            topology.shard_of(slot).unwrap().primary,
            node(port),
            "slot {slot}"
        );
    }
}

#[test]
fn cluster_shards_in_both_protocols() {
    for reply in [nth(SHARDS_RESP2, 0), nth(HELLO_SHARDS_RESP3, 1)] {
        let topology = from_shards(reply, "10.0.0.1", false).unwrap();
        check_three_primaries(&topology);
    }
}

#[test]
fn cluster_slots_in_both_protocols() {
    for reply in [nth(SLOTS_RESP2, 0), nth(HELLO_SLOTS_RESP3, 1)] {
        let topology = from_slots(reply, "10.0.0.1").unwrap();
        check_three_primaries(&topology);
    }
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

#[test]
fn an_unknown_endpoint_is_the_host_asked_and_failed_replicas_are_left_out() {
    // `loading` stays (Redis 7 says so of a replica at offset 0, as on a fresh cluster).
    let node = |endpoint: Value, port: i64, role: &str, health: &str| {
        Value::Map(vec![
            (bulk("endpoint"), endpoint),
            (bulk("ip"), bulk("")),
            (bulk("port"), Value::Int(port)),
            (bulk("role"), bulk(role)),
            (bulk("health"), bulk(health)),
        ])
    };
    let reply = Value::Array(vec![
        Value::Map(vec![
            (
                bulk("slots"),
                Value::Array(vec![
                    Value::Int(0),
                    Value::Int(99),
                    Value::Int(200),
                    Value::Int(16383),
                ]),
            ),
            (
                bulk("nodes"),
                Value::Array(vec![
                    node(bulk("?"), 7000, "master", "online"),
                    node(bulk("r1.local"), 7001, "replica", "online"),
                    node(bulk("r2.local"), 7002, "replica", "fail"),
                    node(bulk("r3.local"), 7003, "replica", "loading"),
                ]),
            ),
        ]),
        // A shard with no slots serves nothing.
        Value::Map(vec![
            (bulk("slots"), Value::Array(vec![])),
            (
                bulk("nodes"),
                Value::Array(vec![node(bulk("new.local"), 7009, "master", "online")]),
            ),
        ]),
    ]);
    let topology = from_shards(reply, "seed.local", false).unwrap();
    assert_eq!(topology.shards.len(), 1);
    let shard = topology.shard_of(0).unwrap();
    assert_eq!(
        shard.primary,
        NodeAddr {
            host: "seed.local".into(),
            port: 7000
        }
    );
    let replicas: Vec<(&str, u16)> = shard
        .replicas
        .iter()
        .map(|n| (n.host.as_str(), n.port))
        .collect();
    assert_eq!(replicas, [("r1.local", 7001), ("r3.local", 7003)]);
    assert!(topology.shard_of(150).is_none());
    assert!(topology.shard_of(16383).is_some());
    assert_eq!(topology.assigned_slots(), 100 + 16184);
}

#[test]
fn cluster_slots_merges_ranges_of_one_primary_and_reads_a_nil_endpoint() {
    let range = |start: i64, end: i64, host: Value, port: i64| {
        Value::Array(vec![
            Value::Int(start),
            Value::Int(end),
            Value::Array(vec![host, Value::Int(port), bulk("id")]),
        ])
    };
    let reply = Value::Array(vec![
        range(0, 10, bulk("a.local"), 1),
        range(11, 20, bulk("b.local"), 2),
        range(21, 30, bulk("a.local"), 1),
        range(31, 40, Value::Nil, 3),
    ]);
    let topology = from_slots(reply, "seed.local").unwrap();
    assert_eq!(topology.shards.len(), 3);
    assert_eq!(topology.shard_of(25), topology.shard_of(5));
    assert_eq!(topology.shard_of(35).unwrap().primary.host, "seed.local");
}

#[test]
fn malformed_replies_are_errors_not_panics() {
    let bad = [
        Value::Int(1),
        Value::Array(vec![Value::Int(1)]),
        Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(16384),
            Value::Array(vec![bulk("h"), Value::Int(1)]),
        ])]),
        Value::Array(vec![Value::Array(vec![
            Value::Int(5),
            Value::Int(1),
            Value::Array(vec![bulk("h"), Value::Int(1)]),
        ])]),
        Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(1),
            Value::Array(vec![bulk("h"), Value::Int(70000)]),
        ])]),
        Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(1),
            Value::Array(vec![bulk("h")]),
        ])]),
    ];
    for reply in bad {
        assert!(matches!(
            from_slots(reply, "s"),
            Err(Error::Conversion { .. })
        ));
    }
    let odd_bounds = Value::Array(vec![Value::Map(vec![
        (bulk("slots"), Value::Array(vec![Value::Int(0)])),
        (bulk("nodes"), Value::Array(vec![])),
    ])]);
    assert!(from_shards(odd_bounds, "s", false).is_err());
    let no_primary = Value::Array(vec![Value::Map(vec![
        (
            bulk("slots"),
            Value::Array(vec![Value::Int(0), Value::Int(1)]),
        ),
        (bulk("nodes"), Value::Array(vec![])),
    ])]);
    assert!(from_shards(no_primary, "s", false).is_err());
    assert!(from_shards(Value::Array(vec![Value::Int(3)]), "s", false).is_err());
}

#[test]
fn a_tls_client_takes_the_tls_port_and_a_plain_one_the_plain_port() {
    let node = |keys: &[(&str, i64)]| {
        let mut fields = vec![
            (bulk("endpoint"), bulk("10.0.0.1")),
            (bulk("role"), bulk("master")),
        ];
        fields.extend(keys.iter().map(|&(k, v)| (bulk(k), Value::Int(v))));
        Value::Map(fields)
    };
    let shards = |n: Value| {
        Value::Array(vec![Value::Map(vec![
            (
                bulk("slots"),
                Value::Array(vec![Value::Int(0), Value::Int(16383)]),
            ),
            (bulk("nodes"), Value::Array(vec![n])),
        ])])
    };
    let port_of = |reply: Value, tls: bool| {
        from_shards(reply, "s", tls)
            .unwrap()
            .shard_of(0)
            .unwrap()
            .primary
            .port
    };
    let both = || node(&[("port", 7000), ("tls-port", 8000)]);
    assert_eq!(port_of(shards(both()), true), 8000);
    assert_eq!(port_of(shards(both()), false), 7000);
    // A node with one kind of listener only.
    assert_eq!(port_of(shards(node(&[("tls-port", 8000)])), false), 8000);
    assert_eq!(port_of(shards(node(&[("port", 7000)])), true), 7000);
}
