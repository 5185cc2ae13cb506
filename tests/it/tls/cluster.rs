//! A Redis Cluster over TLS (`tls-cluster yes`, `tls-replication yes`): a `rediss://` seed,
//! and the client reaches every node on the TLS port it announces, for keys, scripts and
//! pipelines across slots.

use super::{certs, tls_args, tls_capable};
use crate::cluster::harness::RedisCluster;
use crate::support::{report_skip, server_kind};
use redline::{Client, ClusterClient, Commands, Value};

#[test]
fn a_cluster_over_tls_serves_every_slot_on_tls_ports() {
    fn here() {}
    let here = crate::support::path_of(&here);
    if let Err(reason) = tls_capable() {
        return report_skip(here, &reason, true);
    }
    if server_kind().redis_version < (7, 0, 0) {
        // `cluster-port` (the bus port when the TLS port is not the node's `port`) is 7.0's.
        return report_skip(
            here,
            "a TLS cluster here needs cluster-port (Redis 7.0+)",
            true,
        );
    }
    let certs = certs().unwrap();
    // The TLS port of the node whose plain port is `p`: plain ports are 20000..32000.
    let tls_port = |p: u16| p - 10_000;
    let cluster = RedisCluster::start_with_args(3, 1, |p| {
        let mut args = tls_args(certs, tls_port(p), "server", "no");
        args.extend(
            [
                "--tls-cluster",
                "yes",
                "--tls-replication",
                "yes",
                "--cluster-port",
                &(p + 10_000).to_string(),
            ]
            .map(String::from),
        );
        args
    });
    let plain_ports: Vec<u16> = (0..cluster.nodes.len()).map(|i| cluster.port(i)).collect();
    let seed = format!("rediss://127.0.0.1:{}", tls_port(cluster.port(0)));
    let client = ClusterClient::builder()
        .nodes(&[&seed])
        .connections(Client::builder().tls_ca_file(certs.path("ca.crt")))
        .build()
        .unwrap();
    for i in 0..200 {
        client.set(format!("tls:{i}"), i).unwrap();
    }
    for i in 0..200 {
        assert_eq!(client.get::<i64>(format!("tls:{i}")).unwrap(), i);
    }
    let script = client.register_script("return redis.call('INCR', KEYS[1])");
    assert_eq!(script.call::<i64>("tls:counter", ()).unwrap(), 1);
    let mut pipe = client.pipeline();
    for i in 0..1000 {
        pipe.get(format!("tls:{}", i % 200));
    }
    let replies: Vec<Value> = pipe.execute().unwrap();
    assert_eq!(replies.len(), 1000);
    // Every node the client talked to is a TLS one, on a TLS port, never a plain port.
    let nodes = client
        .on_nodes::<String>(redline::NodeSet::All, &redline::cmd("PING"))
        .unwrap();
    for (addr, reply) in nodes {
        assert_eq!(reply.unwrap(), "PONG");
        let redline::Addr::Tcp { port, tls, .. } = addr else {
            panic!("not TCP: {addr}")
        };
        assert!(tls, "{addr}");
        assert!(!plain_ports.contains(&port), "{addr} is a plain port");
    }
}
