//! The blocking helpers (`BLPOP`, `BRPOP`, `BLMOVE`, `XREAD ... BLOCK`) on a dedicated
//! connection: with data present, timing out to nil, and woken by another client.

use super::*;
use redline::{Direction, StreamEntry, StreamReadOptions};

#[test]
fn blpop_and_brpop() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let (jobs, empty) = (format!("{protocol:?}:jobs"), format!("{protocol:?}:empty"));
        conn.rpush(&jobs, ["j1", "j2", "j3"]).unwrap();

        // Data present: the first non-empty list of those named, at once.
        let popped: Option<(String, String)> = conn.blpop([&empty, &jobs], 1).unwrap();
        assert_eq!(popped, Some((jobs.clone(), "j1".into())));
        let popped: Option<(String, String)> = conn.brpop(&jobs, 1.5).unwrap();
        assert_eq!(popped, Some((jobs.clone(), "j3".into())));
        // Through the pooled client too.
        let popped: Option<(String, Vec<u8>)> = client.blpop(&jobs, 1).unwrap();
        assert_eq!(popped, Some((jobs.clone(), b"j2".to_vec())));

        // Nothing arrives: nil after the (fractional) timeout, and the connection still works.
        let popped: Option<(String, String)> = conn.blpop(&empty, 0.1).unwrap();
        assert_eq!(popped, None);
        let popped: Option<(String, String)> = conn.brpop([&empty, &jobs], 0.1).unwrap();
        assert_eq!(popped, None);
        assert_eq!(conn.ping().unwrap(), "PONG");

        // Woken by another client's push.
        // A connection is not shared between threads: it moves to the waiting one.
        let woken = std::thread::scope(|s| {
            let key = empty.clone();
            let waiter = s.spawn(move || conn.blpop::<String, String>(key, 30));
            wait_for_blocked_clients(&client, 1);
            client.rpush(&empty, "late").unwrap();
            waiter.join().unwrap()
        });
        assert_eq!(woken.unwrap(), Some((empty.clone(), "late".into())));
    }
}

#[test]
fn blmove_between_lists() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let (src, dst) = (format!("{protocol:?}:src"), format!("{protocol:?}:dst"));
        conn.rpush(&src, ["a", "b"]).unwrap();

        let moved: Option<String> = conn
            .blmove(&src, &dst, Direction::Left, Direction::Right, 1)
            .unwrap();
        assert_eq!(moved.as_deref(), Some("a"));
        let moved: Option<String> = conn
            .blmove(&src, &dst, Direction::Right, Direction::Left, 0.5)
            .unwrap();
        assert_eq!(moved.as_deref(), Some("b"));
        assert_eq!(conn.lrange::<Vec<String>>(&dst, 0, -1).unwrap(), ["b", "a"]);
        assert_eq!(conn.llen(&src).unwrap(), 0);

        // Empty source: nil after the timeout.
        let moved: Option<String> = conn
            .blmove(&src, &dst, Direction::Left, Direction::Left, 0.1)
            .unwrap();
        assert_eq!(moved, None);
        // A list rotating onto itself.
        let moved: Option<String> = conn
            .blmove(&dst, &dst, Direction::Right, Direction::Left, 1)
            .unwrap();
        assert_eq!(moved.as_deref(), Some("a"));
        assert_eq!(conn.lrange::<Vec<String>>(&dst, 0, -1).unwrap(), ["a", "b"]);
    }
}

#[test]
fn xread_block() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        let s = format!("{protocol:?}:s");
        type Read = Option<Vec<(String, Vec<StreamEntry>)>>;

        // Nothing new within the block time: nil.
        let options = StreamReadOptions::default().block(100);
        let read: Read = conn.xread(&s, "$", options).unwrap();
        assert_eq!(read, None);

        // Woken by an entry added meanwhile.
        let options = StreamReadOptions::default().block(30_000).count(10);
        let read = std::thread::scope(|scope| {
            let key = s.clone();
            let waiter = scope.spawn(move || conn.xread::<Read>(key, "$", options));
            wait_for_blocked_clients(&client, 1);
            client.xadd(&s, "7-0", [("k", "v")]).unwrap();
            waiter.join().unwrap()
        });
        let read = read.unwrap().expect("the new entry");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].0, s);
        assert_eq!(read[0].1[0].id, "7-0");
        assert_eq!(read[0].1[0].get("k"), Some(&b"v"[..]));
    }
}
