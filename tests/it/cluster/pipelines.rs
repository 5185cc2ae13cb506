//! Pipelines on a real cluster: grouped by node, replies in queue order, scripts loaded on
//! each node, atomic batches in one slot only, fan-out commands at their place.

use super::harness::{admin, RedisCluster};
use redline::{cmd, key_slot, Commands, Error, FlushMode, NodeSet, ScriptingCommands, Value};

#[test]
fn ten_thousand_commands_and_scripts_across_every_shard_come_back_in_order() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let echo = client.register_script("return {KEYS[1], ARGV[1]}");
    let mut pipe = client.pipeline();
    for i in 0..2500 {
        let key = format!("p10k:{i}");
        pipe.set(&key, i);
        pipe.get(&key);
        pipe.script(&echo, &key, i * 7);
        pipe.incr(format!("p10k:n:{i}"));
    }
    let replies: Vec<Value> = pipe.execute().unwrap();
    assert_eq!(replies.len(), 10_000);
    for (i, chunk) in replies.chunks(4).enumerate() {
        let i = i as i64;
        assert_eq!(chunk[0], Value::Okay);
        assert_eq!(chunk[1], Value::Bulk(i.to_string().into_bytes()));
        assert_eq!(
            chunk[2],
            Value::Array(vec![
                Value::Bulk(format!("p10k:{i}").into_bytes()),
                Value::Bulk((i * 7).to_string().into_bytes())
            ])
        );
        assert_eq!(chunk[3], Value::Int(1));
    }
    // Every shard took part.
    let shards: std::collections::HashSet<u16> = (0..2500)
        .map(|i| key_slot(format!("p10k:{i}")) / 5462)
        .collect();
    assert_eq!(shards.len(), 3);
    // Typed, straight into a tuple.
    let (a, b): (Option<i64>, Option<i64>) = client
        .pipeline()
        .get("p10k:1")
        .get("p10k:2")
        .execute()
        .unwrap();
    assert_eq!((a, b), (Some(1), Some(2)));
}

#[test]
fn pipelines_reload_scripts_after_every_node_flushed() {
    let cluster = RedisCluster::start();
    let client = cluster.client();
    let add = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    for round in 1..=3 {
        let mut pipe = client.pipeline();
        for i in 0..30 {
            pipe.script(&add, format!("r:{i}"), 1);
        }
        let got: Vec<i64> = pipe.execute().unwrap();
        assert_eq!(got, vec![round; 30]);
        client.script_flush(FlushMode::Sync).unwrap();
        // One primary flushed behind the client's back too.
        let _: () = admin(cluster.port(2))
            .query(cmd("SCRIPT").arg("FLUSH"))
            .unwrap();
    }
}

#[test]
fn atomic_pipelines_in_one_slot_run_and_across_slots_are_refused() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let script = client.register_script("return redis.call('INCR', KEYS[1])");
    let (ok, n, m): (bool, i64, i64) = client
        .pipeline()
        .atomic()
        .set("{tx}a", 1)
        .incr("{tx}a")
        .script(&script, "{tx}b", ())
        .execute()
        .unwrap();
    assert!(ok);
    assert_eq!((n, m), (2, 1));
    // A zero-key script joins the slot of the others.
    let zero = client.register_script("return 7");
    let (seven, three): (i64, i64) = client
        .pipeline()
        .atomic()
        .script(&zero, (), ())
        .incr("{tx}a")
        .execute()
        .unwrap();
    assert_eq!((seven, three), (7, 3));
    match client
        .pipeline()
        .atomic()
        .set("{tx}c", 1)
        .set("elsewhere", 1)
        .execute::<()>()
    {
        Err(Error::CrossSlot { command, .. }) => assert_eq!(command, "atomic pipeline"),
        other => panic!("{other:?}"),
    }
    let c: Option<i64> = client.get("{tx}c").unwrap();
    assert_eq!(c, None, "a refused atomic batch ran");
}

#[test]
fn fan_out_commands_merge_and_run_at_their_place_in_a_pipeline() {
    let cluster = RedisCluster::start();
    let client = cluster.client();
    for i in 0..100 {
        client.set(format!("f:{i}"), i).unwrap();
    }
    assert_eq!(client.query::<i64>(&cmd("DBSIZE")).unwrap(), 100);
    assert_eq!(client.query::<String>(&cmd("PING")).unwrap(), "PONG");
    let nodes = client
        .on_nodes::<String>(NodeSet::All, cmd("INFO").arg("server"))
        .unwrap();
    assert_eq!(nodes.len(), 6);
    assert!(nodes
        .iter()
        .all(|(_, info)| info.as_ref().unwrap().contains("redis_version")));
    // In a pipeline, FLUSHALL runs between the commands before and after it.
    let replies: Vec<Value> = client
        .pipeline()
        .get("f:1")
        .cmd(&cmd("FLUSHALL"))
        .get("f:1")
        .set("f:1", "new")
        .cmd(&cmd("DBSIZE"))
        .execute()
        .unwrap();
    assert_eq!(
        replies,
        [
            Value::Bulk(b"1".to_vec()),
            Value::Okay,
            Value::Nil,
            Value::Okay,
            Value::Int(1)
        ]
    );
    // The merges of the scripting fan-outs.
    let sha = client.script_load("return 1").unwrap();
    assert_eq!(
        client
            .script_exists(&[&sha, "0000000000000000000000000000000000000000"])
            .unwrap(),
        [true, false]
    );
    let _: () = admin(cluster.port(0))
        .query(cmd("SCRIPT").arg("FLUSH"))
        .unwrap();
    assert_eq!(client.script_exists(&[&sha]).unwrap(), [false]);
}
