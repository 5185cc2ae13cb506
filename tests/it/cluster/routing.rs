//! Commands routed by slot on a real cluster; read back through each node directly.

use super::harness::{admin, RedisCluster};
use redline::{cmd, key_slot, ClusterClient, Commands, Error, ServerErrorKind};

/// The port of the primary serving `slot`, asked of a node directly.
fn owner(cluster: &RedisCluster, slot: u16) -> u16 {
    let shards: Vec<(i64, i64, Vec<redline::Value>)> = admin(cluster.port(0))
        .query::<Vec<redline::Value>>(cmd("CLUSTER").arg("SLOTS"))
        .unwrap()
        .into_iter()
        .map(|range| {
            let mut fields: Vec<redline::Value> = redline::FromValue::from_value(range).unwrap();
            let primary: Vec<redline::Value> =
                redline::FromValue::from_value(fields.remove(2)).unwrap();
            let start: i64 = redline::FromValue::from_value(fields.remove(0)).unwrap();
            let end: i64 = redline::FromValue::from_value(fields.remove(0)).unwrap();
            (start, end, primary)
        })
        .collect();
    for (start, end, primary) in shards {
        if (start..=end).contains(&i64::from(slot)) {
            return redline::FromValue::from_value(primary[1].clone()).unwrap();
        }
    }
    panic!("no owner for slot {slot}");
}

#[test]
fn a_thousand_keys_land_on_their_slots_owner_and_read_back() {
    let cluster = RedisCluster::start();
    let client = cluster.client();
    for i in 0..1000 {
        client.set(format!("key:{i}"), i).unwrap();
    }
    for i in 0..1000 {
        let v: i64 = client.get(format!("key:{i}")).unwrap();
        assert_eq!(v, i);
    }
    // Each key is on the node that owns its slot, and nowhere else.
    for i in (0..1000).step_by(37) {
        let key = format!("key:{i}");
        let port = owner(&cluster, key_slot(&key));
        let there: Option<i64> = admin(port).get(&key).unwrap();
        assert_eq!(there, Some(i), "{key} on {port}");
        for p in 0..cluster.primaries {
            if cluster.port(p) != port {
                let elsewhere: Value = admin(cluster.port(p))
                    .query(cmd("EXISTS").arg(&key))
                    .unwrap_or(Value::Int(-1));
                assert_ne!(
                    elsewhere,
                    Value::Int(1),
                    "{key} also on {}",
                    cluster.port(p)
                );
            }
        }
    }
    // Keys spread over the three primaries.
    let sizes: Vec<i64> = (0..cluster.primaries)
        .map(|p| admin(cluster.port(p)).query(&cmd("DBSIZE")).unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<i64>(), 1000);
    assert!(sizes.iter().all(|&n| n > 250), "{sizes:?}");
    // DBSIZE through the cluster client sums every primary.
    let total: i64 = client.query(&cmd("DBSIZE")).unwrap();
    assert_eq!(total, 1000);
}

use redline::Value;

#[test]
fn hash_tags_and_cross_slot_refused_before_sending() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let _: () = client
        .query(cmd("MSET").arg("{u1}a").arg(1).arg("{u1}b").arg(2))
        .unwrap();
    let both: Vec<i64> = client.query(cmd("MGET").arg("{u1}a").arg("{u1}b")).unwrap();
    assert_eq!(both, [1, 2]);
    for command in [
        cmd("MGET").arg("foo").arg("bar").clone(),
        cmd("DEL").arg("foo").arg("bar").clone(),
        cmd("MSET").arg("foo").arg(1).arg("bar").arg(2).clone(),
    ] {
        match client.query::<Value>(&command) {
            Err(Error::CrossSlot {
                first_slot,
                second_slot,
                ..
            }) => assert_eq!((first_slot, second_slot), (12182, 5061)),
            other => panic!("{command:?}: {other:?}"),
        }
    }
    // Nothing was written: neither key exists on the node that owns it.
    for key in ["foo", "bar"] {
        let port = owner(&cluster, key_slot(key));
        let n: i64 = admin(port).query(cmd("EXISTS").arg(key)).unwrap();
        assert_eq!(n, 0, "a refused command wrote {key} on {port}");
    }
}

#[test]
fn commands_the_metadata_routes_by_keyword_and_count() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let _: String = client
        .query(cmd("XADD").arg("{s}1").arg("*").arg("f").arg("v"))
        .unwrap();
    let read: Value = client
        .query(
            cmd("XREAD")
                .arg("COUNT")
                .arg(1)
                .arg("STREAMS")
                .arg("{s}1")
                .arg("0"),
        )
        .unwrap();
    assert!(
        matches!(read, Value::Array(ref a) if a.len() == 1),
        "{read:?}"
    );
    let _: i64 = client
        .query(cmd("ZADD").arg("{z}a").arg(1).arg("m"))
        .unwrap();
    let n: i64 = client
        .query(cmd("ZUNIONSTORE").arg("{z}dst").arg(1).arg("{z}a"))
        .unwrap();
    assert_eq!(n, 1);
    // A keyless command goes to some primary.
    let pong: String = client.query(cmd("ECHO").arg("hi")).unwrap();
    assert_eq!(pong, "hi");
    let pong: String = client.query(&cmd("PING")).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn a_client_seeded_with_a_replica_learns_the_cluster() {
    let cluster = RedisCluster::shared();
    let replica_seed = format!("redis://127.0.0.1:{}", cluster.port(3));
    let client = ClusterClient::open(&[&replica_seed]).unwrap();
    for i in 0..50 {
        client.set(format!("r{i}"), i).unwrap();
        let v: i64 = client.get(format!("r{i}")).unwrap();
        assert_eq!(v, i);
    }
    // A seed that does not answer is passed over.
    let client = ClusterClient::open(&["redis://127.0.0.1:1", &cluster.seeds()[1]]).unwrap();
    client.set("x", 1).unwrap();
    let err = ClusterClient::open(&["redis://127.0.0.1:1"])
        .unwrap()
        .set("x", 1)
        .unwrap_err();
    assert!(matches!(err, Error::Cluster { .. }), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    let _ = ServerErrorKind::Moved;
}
