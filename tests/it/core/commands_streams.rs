//! The stream helpers (`XADD`, `XRANGE`, `XREAD`, `XLEN`, `XTRIM`) against a real server, in
//! RESP2 and RESP3 (where `XREAD` replies with a map).

use super::*;
use redline::{StreamEntry, StreamReadOptions, StreamTrim};

/// `(stream, entries)` per stream, as `XREAD` replies.
type Read = Option<Vec<(String, Vec<StreamEntry>)>>;

fn entry(id: &str, fields: &[(&str, &str)]) -> StreamEntry {
    StreamEntry {
        id: id.into(),
        fields: fields
            .iter()
            .map(|(f, v)| (f.to_string(), v.as_bytes().to_vec()))
            .collect(),
    }
}

#[test]
fn xadd_xrange_xlen() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let s = format!("{protocol:?}:s");
        assert_eq!(c.xadd(&s, "1-1", [("f", "v1")]).unwrap(), "1-1");
        let id = c.xadd(&s, "*", [("f", "v2"), ("g", "w")]).unwrap();
        assert!(id.contains('-') && id != "1-1", "{id}");
        // IDs only grow.
        let err = c.xadd(&s, "1-0", [("f", "old")]).unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
        assert_eq!(c.xlen(&s).unwrap(), 2);
        assert_eq!(c.xlen("no-such-stream").unwrap(), 0);

        let entries: Vec<StreamEntry> = c.xrange(&s, "-", "+").unwrap();
        assert_eq!(
            entries,
            [
                entry("1-1", &[("f", "v1")]),
                entry(&id, &[("f", "v2"), ("g", "w")])
            ]
        );
        assert_eq!(entries[1].get("g"), Some(&b"w"[..]));
        let first: Vec<StreamEntry> = c.xrange_count(&s, "-", "+", 1).unwrap();
        assert_eq!(first, [entry("1-1", &[("f", "v1")])]);
        let after: Vec<StreamEntry> = c.xrange(&s, "(1-1", "+").unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].id, id);
        let none: Vec<StreamEntry> = c.xrange("no-such-stream", "-", "+").unwrap();
        assert!(none.is_empty());
        // Binary values survive.
        c.xadd(&s, "*", [("bin", b"\x00\xff".as_slice())]).unwrap();
        let all: Vec<StreamEntry> = c.xrange(&s, "-", "+").unwrap();
        assert_eq!(all[2].get("bin"), Some(&b"\x00\xff"[..]));
    }
}

#[test]
fn xread_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let (a, b) = (format!("{protocol:?}:a"), format!("{protocol:?}:b"));
        c.xadd(&a, "1-0", [("n", "1")]).unwrap();
        c.xadd(&a, "2-0", [("n", "2")]).unwrap();
        c.xadd(&b, "1-0", [("m", "x")]).unwrap();

        // RESP3 replies with a map, RESP2 with an array of pairs.
        let raw: Value = c.query(cmd("XREAD").arg(("STREAMS", &a, "0"))).unwrap();
        match (protocol, &raw) {
            (Protocol::Resp2, Value::Array(_)) | (Protocol::Resp3, Value::Map(_)) => {}
            (p, other) => panic!("{p:?}: XREAD replied {other:?}"),
        }

        let options = StreamReadOptions::default();
        let read: Read = c.xread([&a, &b], ["0", "0"], options).unwrap();
        let mut read = read.expect("entries");
        read.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            read,
            [
                (
                    a.clone(),
                    vec![entry("1-0", &[("n", "1")]), entry("2-0", &[("n", "2")])]
                ),
                (b.clone(), vec![entry("1-0", &[("m", "x")])]),
            ]
        );
        let by_stream: HashMap<String, Vec<StreamEntry>> =
            c.xread([&a, &b], ["1-0", "0"], options).unwrap();
        assert_eq!(by_stream[&a], [entry("2-0", &[("n", "2")])]);
        assert_eq!(by_stream[&b].len(), 1);

        // COUNT; a stream with nothing new is left out; nothing at all is nil.
        let read: Read = c.xread([&a, &b], ["0", "1-0"], options.count(1)).unwrap();
        assert_eq!(
            read,
            Some(vec![(a.clone(), vec![entry("1-0", &[("n", "1")])])])
        );
        let read: Read = c.xread([&a, &b], ["2-0", "1-0"], options).unwrap();
        assert_eq!(read, None);
        let read: Read = c.xread("no-such-stream", "0", options).unwrap();
        assert_eq!(read, None);
    }
}

#[test]
fn xtrim_and_xadd_trim() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let c = server.client_with(protocol);
        let s = format!("{protocol:?}:s");
        for i in 1..=5 {
            c.xadd(&s, format!("{i}-0"), [("i", i)]).unwrap();
        }
        // Exact MAXLEN keeps the newest.
        let id = c
            .xadd_trim(&s, StreamTrim::max_len(3), "6-0", [("i", 6)])
            .unwrap();
        assert_eq!(id, "6-0");
        let ids: Vec<String> = c
            .xrange::<Vec<StreamEntry>>(&s, "-", "+")
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, ["4-0", "5-0", "6-0"]);
        // MINID drops the lower IDs.
        assert_eq!(c.xtrim(&s, StreamTrim::min_id("5-0")).unwrap(), 1);
        assert_eq!(c.xlen(&s).unwrap(), 2);
        // Approximate trimming only removes whole nodes, never going below the threshold: a
        // one-node stream stays.
        let approx = StreamTrim::max_len(1).approx().limit(10);
        assert_eq!(c.xtrim(&s, approx.clone()).unwrap(), 0);
        c.xadd_trim(&s, approx, "*", [("i", 7)]).unwrap();
        assert_eq!(c.xlen(&s).unwrap(), 3);
        assert_eq!(c.xtrim(&s, StreamTrim::max_len(0)).unwrap(), 3);
        assert_eq!(c.xlen(&s).unwrap(), 0);
        // LIMIT without `~` is refused by the server.
        let err = c.xtrim(&s, StreamTrim::max_len(0).limit(1)).unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
    }
}
