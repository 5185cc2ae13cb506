//! Scripts and functions on a real cluster: routed by their keys, loaded on demand on the node
//! that runs them, flags read, fan-out of the script commands.

use super::harness::{admin, RedisCluster};
use crate::support::{
    has_redis7_scripting, server_kind, skip_unless, supported, NEEDS_FUNCTIONS, NEEDS_RO,
};
use redline::{
    cmd, ClusterClient, Commands, Error, FlushMode, NodeSet, ReadFrom, ScriptingCommands,
    ServerErrorKind, Value,
};

const MULTIPLY: &str = "return tonumber(redis.call('GET', KEYS[1]) or '0') * tonumber(ARGV[1])";

#[test]
fn scripts_with_zero_one_and_three_keys_run_where_their_keys_are() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let multiply = client.register_script(MULTIPLY);
    let mut seen_nodes = std::collections::HashSet::new();
    for i in 0..60 {
        let key = format!("mul:{i}");
        client.set(&key, i).unwrap();
        let got: i64 = multiply.call(&key, 3).unwrap();
        assert_eq!(got, i * 3);
        seen_nodes.insert(redline::key_slot(&key) / 5462);
    }
    assert_eq!(
        seen_nodes.len(),
        3,
        "the keys did not spread over the shards"
    );
    let zero = client.register_script("return 'no keys'");
    let s: String = zero.call((), ()).unwrap();
    assert_eq!(s, "no keys");
    let three = client.register_script(
        "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); \
         redis.call('SET', KEYS[3], ARGV[1]); return redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])",
    );
    let all: Vec<String> = three.call(("{t3}a", "{t3}b", "{t3}c"), "v").unwrap();
    assert_eq!(all, ["v", "v", "v"]);
    match three.call::<Value>(("a", "b", "c"), "v") {
        Err(Error::CrossSlot { command, .. }) => assert_eq!(command, "EVALSHA"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_script_is_loaded_on_the_node_that_lacks_it_and_load_reaches_every_node() {
    let cluster = RedisCluster::start();
    let client = cluster.client();
    let script = client.register_script("return 'loaded ' .. KEYS[1]");
    assert!(!script.exists().unwrap());
    // The first call loads it on one node only.
    let s: String = script.call("only-here", ()).unwrap();
    assert_eq!(s, "loaded only-here");
    let everywhere = |c: &ClusterClient| -> Vec<bool> {
        c.on_nodes::<Vec<bool>>(NodeSet::All, cmd("SCRIPT").arg("EXISTS").arg(script.sha()))
            .unwrap()
            .into_iter()
            .map(|(_, r)| r.unwrap()[0])
            .collect()
    };
    // Redis 6 also sends SCRIPT LOAD on to the node's replica.
    let copies = if server_kind().redis_version >= (7, 0, 0) {
        1
    } else {
        2
    };
    assert_eq!(everywhere(&client).iter().filter(|&&b| b).count(), copies);
    assert!(
        !script.exists().unwrap(),
        "exists() must mean every primary has it"
    );
    // load() reaches every node, replicas included.
    assert_eq!(script.load().unwrap(), script.sha());
    assert_eq!(everywhere(&client), vec![true; 6]);
    assert!(script.exists().unwrap());
    // One primary loses it: exists() is false again, and a call on that node reloads it.
    let _: () = admin(cluster.port(1))
        .query(cmd("SCRIPT").arg("FLUSH"))
        .unwrap();
    assert!(!script.exists().unwrap());
    for i in 0..30 {
        let key = format!("k{i}");
        let s: String = script.call(&key, ()).unwrap();
        assert_eq!(s, format!("loaded {key}"));
    }
    // SCRIPT FLUSH through the cluster empties every node; calls still work.
    client.script_flush(FlushMode::Sync).unwrap();
    assert_eq!(everywhere(&client), vec![false; 6]);
    let s: String = script.call("after", ()).unwrap();
    assert_eq!(s, "loaded after");
}

#[test]
fn read_only_scripts_and_commands_are_served_by_replicas() {
    let cluster = RedisCluster::shared();
    let writer = cluster.client();
    let reader = ClusterClient::builder()
        .nodes(&[&cluster.seeds()[0]])
        .read_from(ReadFrom::Replica)
        .build()
        .unwrap();
    let calls = |port: u16, name: &str| -> u64 {
        let stats: String = admin(port).query(cmd("INFO").arg("commandstats")).unwrap();
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{name}:calls=")))
            .and_then(|rest| rest.split(',').next()?.parse().ok())
            .unwrap_or(0)
    };
    let replica_ports: Vec<u16> = (3..6).map(|i| cluster.port(i)).collect();
    let before: u64 = replica_ports
        .iter()
        .map(|&p| calls(p, "evalsha_ro") + calls(p, "evalsha") + calls(p, "get"))
        .sum();
    let read_only = supported!(has_redis7_scripting(), NEEDS_RO);
    let peek = writer.register_script("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])");
    let plain = writer.register_script("return redis.call('GET', KEYS[1])");
    for i in 0..30 {
        writer.set(format!("ro:{i}"), i).unwrap();
    }
    for i in 0..30 {
        let key = format!("ro:{i}");
        // Replicas lag: wait until this one has the write, then every read must see it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while reader.get::<Option<i64>>(&key).unwrap().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "{key} never reached its replica"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let c: Option<i64> = reader.get(&key).unwrap();
        assert_eq!(c, Some(i));
        if read_only {
            let a: Option<i64> = peek.call_on(&reader, &key, ()).unwrap();
            let b: Option<i64> = plain.call_ro_on(&reader, &key, ()).unwrap();
            assert_eq!((a, b), (Some(i), Some(i)));
        }
    }
    let after: u64 = replica_ports
        .iter()
        .map(|&p| calls(p, "evalsha_ro") + calls(p, "evalsha") + calls(p, "get"))
        .sum();
    let reads = if read_only { 90 } else { 30 };
    assert!(
        after - before >= reads,
        "the replicas served {} of {reads} reads",
        after - before
    );
    // A plain script (it may write) never goes to a replica.
    let writes = writer.register_script("return redis.call('INCR', KEYS[1])");
    let n: i64 = writes.call_on(&reader, "ro:counter", ()).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_no_cluster_script_is_refused_before_sending() {
    let cluster = RedisCluster::shared();
    let client = cluster.client();
    let script = client.register_script("#!lua flags=no-cluster\nreturn 1");
    match script.call::<i64>("k", ()) {
        Err(Error::Cluster { reason }) => assert!(reason.contains("no-cluster"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn functions_load_on_every_primary_and_fcall_goes_by_key() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let cluster = RedisCluster::start();
    let client = cluster.client();
    let code = "#!lua name=clib\n\
                redis.register_function('cset', function(keys, args) return redis.call('SET', keys[1], args[1]) end)\n\
                redis.register_function{function_name='cget', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}";
    assert_eq!(client.function_load(code, false).unwrap(), "clib");
    for i in 0..30 {
        let key = format!("f{i}");
        let _: String = client.fcall("cset", &key, i).unwrap();
        let v: i64 = client.fcall_ro("cget", &key, ()).unwrap();
        assert_eq!(v, i);
    }
    // Loaded on every primary (and replicated to the replicas).
    let listed = client
        .on_nodes::<Vec<Value>>(NodeSet::Primaries, cmd("FUNCTION").arg("LIST"))
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|(_, l)| l.as_ref().unwrap().len() == 1));
    // Killing with nothing running: NOTBUSY everywhere is NOTBUSY.
    let err = client.query::<()>(cmd("FUNCTION").arg("KILL")).unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::NotBusy), "{err:?}");
    let err = client.script_kill().unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::NotBusy), "{err:?}");
}

#[test]
fn script_kill_reaches_the_node_where_a_script_spins() {
    let cluster = RedisCluster::start();
    // If an assertion fails while the script spins, stop it so the test ends.
    let _guards: Vec<_> = cluster
        .nodes
        .iter()
        .map(|n| n.stop_script_on_panic())
        .collect();
    let client = cluster.client();
    let spinner = client.clone();
    let worker = std::thread::spawn(move || {
        redline::ScriptCode::new("while true do end").call_on::<(), _>(&spinner, "spin", ())
    });
    // NOTBUSY everywhere until the script runs; then the node running it kills it and the
    // merge is OK (the other primaries answer NOTBUSY).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match client.script_kill() {
            Ok(()) => break,
            Err(e) if e.server_kind() == Some(ServerErrorKind::NotBusy) => {
                assert!(std::time::Instant::now() < deadline, "the script never ran");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let killed = worker.join().unwrap().unwrap_err();
    assert!(
        killed.to_string().to_lowercase().contains("kill"),
        "{killed}"
    );
    // The cluster serves calls again.
    client.set("after-kill", 1).unwrap();
    let err = client.script_kill().unwrap_err();
    assert_eq!(err.server_kind(), Some(ServerErrorKind::NotBusy));
}
