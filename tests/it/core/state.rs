//! Connection state: what the pool refuses, empty commands, RESP3 pushes read by hand.

use super::*;
use redline::Cmd;

#[test]
fn the_pool_refuses_commands_that_change_connection_state() {
    let server = RedisServer::start();
    let client = server.builder().max_idle(1).build();
    for words in [
        &["MULTI"][..],
        &["SELECT", "5"],
        &["CLIENT", "REPLY", "OFF"],
        &["WATCH", "k"],
    ] {
        let err = client.req(&command(words)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { .. }),
            "{words:?}: {err:?}"
        );
    }
    // Nothing leaked into the pooled connection: a write still lands in db 0.
    client.set("after", 1).unwrap();
    let other = server.client();
    assert_eq!(other.get::<Option<i64>>("after").unwrap(), Some(1));
    // A dedicated connection may do all of it.
    let conn = client.get_connection().unwrap();
    conn.req(&command(&["SELECT", "5"])).unwrap();
    conn.set("in5", 1).unwrap();
    assert_eq!(other.get::<Option<i64>>("in5").unwrap(), None);
}

#[test]
fn empty_commands_are_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    for result in [
        conn.req(&Cmd::new()).map(drop),
        conn.send(&Cmd::new()),
        client.req(&Cmd::new()).map(drop),
    ] {
        assert!(
            matches!(result, Err(Error::InvalidArgument { .. })),
            "{result:?}"
        );
    }
    assert!(!conn.is_broken());
    assert_eq!(conn.ping().unwrap(), "PONG");
    let err = conn
        .pipeline()
        .cmd(&Cmd::new())
        .get("k")
        .execute::<Vec<Value>>()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert_eq!(conn.ping().unwrap(), "PONG");
}

#[test]
fn resp3_pushes_are_readable_with_send_and_recv() {
    let server = RedisServer::start();
    let conn = server
        .client_with(Protocol::Resp3)
        .get_connection()
        .unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    conn.send(cmd("SUBSCRIBE").arg("news")).unwrap();
    match conn.recv().unwrap() {
        Value::Push(items) => assert_eq!(items[0], bulk("subscribe")),
        other => panic!("{other:?}"),
    }
    let publisher = server.client();
    let receivers: i64 = publisher
        .query(cmd("PUBLISH").arg("news").arg("hello"))
        .unwrap();
    assert_eq!(receivers, 1);
    match conn.recv().unwrap() {
        Value::Push(items) => {
            assert_eq!(items, vec![bulk("message"), bulk("news"), bulk("hello")]);
        }
        other => panic!("{other:?}"),
    }
}
