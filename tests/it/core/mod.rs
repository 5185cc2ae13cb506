//! The core client against real servers: shared helpers and a smoke test.
//!
//! Every reply type in RESP2 and RESP3 (`replies`), binary data (`data`), the typed helpers
//! (`helpers`, one test per family; the newer ones in `commands_new`, `commands_streams` and
//! `commands_blocking`), URLs and authentication (`config`), the pool (`pool`), timeouts,
//! restarts and blocking commands (`failures`), and targets of one's own (`target`).

use crate::support::{
    has_redis7_scripting, server_kind, skip_unless, supported, unknown_command_text, RedisServer,
    NEEDS_FUNCTIONS, NEEDS_RESP_FIELD, NEEDS_RO, PROTOCOLS,
};
use redline::{
    cmd, Client, Cmd, Commands, Connection, ConnectionInfo, ConnectionLike, Error, Operation,
    Protocol, ServerErrorKind, Value,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::Duration;

mod commands_blocking;
mod commands_new;
mod commands_streams;
mod config;
mod containers;
mod data;
mod failures;
mod helpers;
mod pool;
mod replies;
mod scan;
mod state;
mod streaming;
mod target;

/// A command from whitespace-free words.
pub(super) fn command(words: &[&str]) -> Cmd {
    let mut c = cmd(words[0]);
    for word in &words[1..] {
        c.arg(*word);
    }
    c
}

/// The raw reply of a command given as words.
pub(super) fn raw(target: &impl ConnectionLike, words: &[&str]) -> Value {
    target
        .req(&command(words))
        .unwrap_or_else(|e| panic!("{words:?}: {e:?}"))
}

pub(super) fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

/// The value of a `key` in a RESP3 map, if present.
pub(super) fn map_get<'a>(pairs: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    pairs.iter().find(|(k, _)| *k == bulk(key)).map(|(_, v)| v)
}

/// The protocol the server says a connection speaks: `proto` in `HELLO`'s reply (a map in
/// RESP3, a flat array in RESP2). Unlike `resp=` in `CLIENT INFO`, every server since 6.2 has it.
pub(super) fn spoken_protocol(target: &impl ConnectionLike) -> Value {
    let proto = match raw(target, &["HELLO"]) {
        Value::Map(pairs) => map_get(&pairs, "proto").cloned(),
        Value::Array(items) => items
            .iter()
            .position(|v| *v == bulk("proto"))
            .and_then(|i| items.get(i + 1).cloned()),
        other => panic!("HELLO replied {other:?}"),
    };
    proto.expect("HELLO names the protocol")
}

/// Waits until the server has `n` clients blocked in a blocking command.
pub(super) fn wait_for_blocked_clients(client: &Client, n: usize) {
    let wanted = format!("blocked_clients:{n}\r\n");
    for _ in 0..2000 {
        if client.info(Some("clients")).unwrap().contains(&wanted) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("never saw {wanted:?}");
}

/// A TCP port on 127.0.0.1 with nothing listening.
pub(super) fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn smoke_set_get_script_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("foo", 2).unwrap();
        let v: i64 = client.get("foo").unwrap();
        assert_eq!(v, 2);
        let multiply =
            client.register_script("return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]");
        assert_eq!(multiply.call::<i64>("foo", 5).unwrap(), 10);
        let (ok, product): (bool, i64) = client
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25));
        let hello: Value = client.query(&cmd("HELLO")).unwrap();
        match (protocol, hello) {
            (Protocol::Resp2, Value::Array(items)) => assert_eq!(items.len(), 14),
            (Protocol::Resp3, Value::Map(pairs)) => {
                assert_eq!(map_get(&pairs, "proto"), Some(&Value::Int(3)))
            }
            (p, other) => panic!("{p:?}: HELLO replied {other:?}"),
        }
    }
}

/// The redis-rs habit `cmd(..).query(&mut con)` works on every kind of target.
#[test]
#[allow(clippy::unnecessary_mut_passed)] // Written as redis-rs users write it, on purpose.
fn a_command_queries_its_target_as_in_redis_rs() {
    let server = RedisServer::start();
    let client = server.client();
    let _: () = cmd("SET").arg("k").arg(7).query(&client).unwrap();
    let mut con = client.get_connection().unwrap();
    let v: i64 = cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, 7);
    let err = cmd("INCR")
        .arg("k")
        .arg("extra")
        .query::<i64>(&client)
        .unwrap_err();
    assert!(err.server_kind().is_some(), "{err}");
}
