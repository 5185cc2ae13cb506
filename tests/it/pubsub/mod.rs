//! Pub/Sub against real servers: `Subscriber` (channels, patterns, shard channels, timeouts,
//! `PING`, commands on RESP3), nothing lost or duplicated over 100,000 messages, gaps
//! reported and subscriptions restored after a restart or `CLIENT KILL`, and a plain
//! `Connection` with subscriptions that keeps the pushes arriving while a command waits.

use crate::support::{server_kind, RedisServer, PROTOCOLS};
use redline::{cmd, Commands, Error, MessageKind, Protocol, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const SHORT: Option<Duration> = Some(Duration::from_millis(200));

#[test]
fn subscribe_publish_receive_and_time_out() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let mut sub = client.subscriber().unwrap();
        // Nothing yet: a timeout is not an error, and the subscriber stays usable.
        let started = Instant::now();
        assert_eq!(sub.next_message(SHORT).unwrap(), None);
        assert!(started.elapsed() >= Duration::from_millis(190));
        sub.subscribe(["a", "b"]).unwrap();
        sub.psubscribe("p.*").unwrap();
        assert_eq!(sub.subscriptions(), 3);
        assert_eq!(sub.next_message(SHORT).unwrap(), None);
        assert_eq!(client.publish("a", "one").unwrap(), 1);
        assert_eq!(client.publish("p.x", 42).unwrap(), 1);
        let m = sub.next_message(SHORT).unwrap().unwrap();
        assert_eq!(
            (m.kind, m.channel.as_slice(), m.payload.as_slice()),
            (MessageKind::Channel, &b"a"[..], &b"one"[..])
        );
        let m = sub.next_message(SHORT).unwrap().unwrap();
        assert_eq!(m.kind, MessageKind::Pattern);
        assert_eq!(m.pattern.as_deref(), Some(&b"p.*"[..]));
        assert_eq!(m.channel_str(), Some("p.x"));
        assert_eq!(m.payload::<i64>().unwrap(), 42);
        // PING while subscribed; a message published before its answer is kept.
        client.publish("b", "before-ping").unwrap();
        sub.ping().unwrap();
        let m = sub.next_message(SHORT).unwrap().unwrap();
        assert_eq!(m.payload, b"before-ping");
        // Unsubscribing: from one, then from all.
        sub.unsubscribe("a").unwrap();
        assert_eq!(client.publish("a", "x").unwrap(), 0);
        sub.unsubscribe(()).unwrap();
        sub.punsubscribe(()).unwrap();
        assert_eq!(sub.subscriptions(), 0);
        assert_eq!(client.publish("b", "x").unwrap(), 0);
        assert_eq!(sub.next_message(SHORT).unwrap(), None);
        // Unsubscribing from nothing is fine too.
        sub.unsubscribe(()).unwrap();
        if server_kind().redis_version >= (7, 0, 0) {
            sub.ssubscribe("s").unwrap();
            assert_eq!(client.spublish("s", "sharded").unwrap(), 1);
            let m = sub.next_message(SHORT).unwrap().unwrap();
            assert_eq!(
                (m.kind, m.payload.as_slice()),
                (MessageKind::Shard, &b"sharded"[..])
            );
            sub.sunsubscribe(()).unwrap();
        }
        // Publishing from a pipeline.
        sub.subscribe("piped").unwrap();
        let (x, y): (i64, i64) = client
            .pipeline()
            .publish("piped", 1)
            .publish("piped", 2)
            .execute()
            .unwrap();
        assert_eq!((x, y), (1, 1));
        let got: Vec<i64> = sub
            .messages()
            .take(2)
            .map(|m| m.unwrap().payload().unwrap())
            .collect();
        assert_eq!(got, [1, 2]);
    }
}

#[test]
fn resp3_commands_while_subscribed_keep_the_messages() {
    let server = RedisServer::start();
    let client = server.client_with(Protocol::Resp3);
    let mut sub = client.subscriber().unwrap();
    sub.subscribe("news").unwrap();
    client.publish("news", "1").unwrap();
    client.publish("news", "2").unwrap();
    // The reply to a command comes after the two pushes: they are kept, not dropped.
    let n: i64 = sub.query(cmd("INCR").arg("seen")).unwrap();
    assert_eq!(n, 1);
    let got: Vec<String> = sub
        .messages()
        .take(2)
        .map(|m| m.unwrap().payload().unwrap())
        .collect();
    assert_eq!(got, ["1", "2"]);

    // The same on a plain Connection with a subscription: pushes that arrive while a command
    // waits for its reply are kept for `recv`.
    let conn = client.get_connection().unwrap();
    conn.send(cmd("SUBSCRIBE").arg("plain")).unwrap();
    assert!(matches!(conn.recv().unwrap(), Value::Push(_)));
    client.publish("plain", "a").unwrap();
    client.publish("plain", "b").unwrap();
    assert_eq!(
        conn.req(&cmd("PING")).unwrap(),
        Value::SimpleString("PONG".into())
    );
    let _: Option<String> = conn.get("k").unwrap();
    assert_eq!(conn.pushes_queued(), 2);
    for expected in ["a", "b"] {
        let Value::Push(items) = conn.recv().unwrap() else {
            panic!("not a push");
        };
        assert_eq!(items[2], Value::Bulk(expected.as_bytes().to_vec()));
    }
    assert_eq!(conn.recv_timeout(Some(Duration::ZERO)).unwrap(), None);
    assert_eq!(conn.recv_timeout(SHORT).unwrap(), None);
    assert!(!conn.is_broken());
}

#[test]
fn a_hundred_thousand_messages_none_lost_or_duplicated() {
    let server =
        RedisServer::start_with(&["--client-output-buffer-limit", "pubsub", "0", "0", "0"]);
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let mut sub = client.subscriber().unwrap();
        sub.subscribe(["c0", "c1", "c2", "c3"]).unwrap();
        // Each channel matches exactly one of the two patterns.
        sub.psubscribe(["c[02]", "c[13]"]).unwrap();
        let n: u32 = 100_000;
        let publisher = {
            let client = client.clone();
            std::thread::spawn(move || {
                for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
                    let mut pipe = client.pipeline();
                    for &i in chunk {
                        pipe.publish(format!("c{}", i % 4), i).ignore();
                    }
                    pipe.execute::<()>().unwrap();
                }
            })
        };
        // Per kind, the sequence numbers seen, in order per channel.
        let mut next: HashMap<(MessageKind, Vec<u8>), u32> = HashMap::new();
        let mut seen = 0u32;
        let mut commands = 0;
        while seen < 2 * n {
            let m = sub
                .next_message(Some(Duration::from_secs(10)))
                .unwrap()
                .unwrap_or_else(|| panic!("{protocol:?}: stalled after {seen} messages"));
            let i: u32 = m.payload().unwrap();
            let expected = next.entry((m.kind, m.channel.clone())).or_insert(i % 4);
            assert_eq!(
                i,
                *expected,
                "{protocol:?} {:?} {:?}",
                m.kind,
                m.channel_str()
            );
            *expected += 4;
            seen += 1;
            // On RESP3, commands run on the same connection meanwhile.
            if protocol == Protocol::Resp3 && seen % 1000 == 0 {
                let _: i64 = sub.query(cmd("INCR").arg("during")).unwrap();
                commands += 1;
            }
        }
        publisher.join().unwrap();
        assert_eq!(
            sub.next_message(SHORT).unwrap(),
            None,
            "{protocol:?}: an extra message"
        );
        assert_eq!(next.len(), 8);
        eprintln!("pubsub {protocol:?}: {seen} messages in order, none lost or twice; {commands} commands between them");
    }
}

fn expect_gap(sub: &mut redline::Subscriber) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match sub.next_message(SHORT) {
            Err(Error::PubSubGap { cause, .. }) => {
                eprintln!("gap reported: {cause}");
                return;
            }
            // The server may still be starting: the next read tries again.
            Err(e) if e.is_connection_broken() && Instant::now() < deadline => {}
            other => panic!("expected a gap, got {other:?}"),
        }
    }
}

#[test]
fn a_restart_or_client_kill_is_reported_and_subscriptions_restored() {
    let mut server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let mut sub = client.subscriber().unwrap();
        sub.subscribe("ch").unwrap();
        sub.psubscribe("pat.*").unwrap();
        let sharded = server_kind().redis_version >= (7, 0, 0);
        if sharded {
            sub.ssubscribe("sh").unwrap();
        }
        client.publish("ch", "before").unwrap();
        assert_eq!(sub.next_message(SHORT).unwrap().unwrap().payload, b"before");

        // CLIENT KILL of the subscriber's connection.
        let killed: i64 = client
            .query(cmd("CLIENT").arg("KILL").arg("TYPE").arg("pubsub"))
            .unwrap();
        assert_eq!(killed, 1);
        expect_gap(&mut sub);
        client.publish("ch", "after-kill").unwrap();
        assert_eq!(
            sub.next_message(SHORT).unwrap().unwrap().payload,
            b"after-kill"
        );

        // A restart mid-stream.
        server.restart();
        expect_gap(&mut sub);
        assert_eq!(client.publish("pat.1", "after-restart").unwrap(), 1);
        let m = sub.next_message(SHORT).unwrap().unwrap();
        assert_eq!(
            (m.kind, m.payload.as_slice()),
            (MessageKind::Pattern, &b"after-restart"[..])
        );
        if sharded {
            assert_eq!(client.spublish("sh", "s").unwrap(), 1);
            assert_eq!(
                sub.next_message(SHORT).unwrap().unwrap().kind,
                MessageKind::Shard
            );
        }
        assert_eq!(sub.subscriptions(), if sharded { 3 } else { 2 });
        // Only one gap per loss.
        assert_eq!(sub.next_message(SHORT).unwrap(), None);
    }
}

#[test]
fn subscribe_needs_a_name_and_shard_channels_need_redis_7() {
    let server = RedisServer::start();
    let client = server.client();
    let mut sub = client.subscriber().unwrap();
    assert!(matches!(
        sub.subscribe(()),
        Err(Error::InvalidArgument { .. })
    ));
    if server_kind().redis_version < (7, 0, 0) {
        // Before 7.0 the server has no SSUBSCRIBE: its error, and the subscriber goes on.
        let err = sub.ssubscribe("s").unwrap_err();
        assert!(err.server_kind().is_some(), "{err:?}");
    }
    // The subscriber is still usable.
    sub.subscribe("c").unwrap();
}
