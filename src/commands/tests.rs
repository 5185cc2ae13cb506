//! Every helper encodes the same bytes on [`Commands`]/[`ScriptingCommands`] and on
//! [`Pipeline`], and the new commands encode what the server documents.

use super::*;
use crate::{cmd, Client, ConnectionLike, Pipeline, Value};
use std::cell::RefCell;

/// A target that records what it is sent and answers nil (the conversion result is ignored).
#[derive(Default)]
struct Recorder {
    sent: RefCell<Vec<u8>>,
}

impl ConnectionLike for Recorder {
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        self.sent.borrow_mut().extend_from_slice(cmd.encoded());
        Ok(Value::Nil)
    }
}

/// A client that never connects: building a pipeline needs one, queuing does not.
fn offline() -> Client {
    Client::open("redis://127.0.0.1:1").unwrap()
}

/// The words of one encoded command.
fn words(encoded: &[u8]) -> Vec<String> {
    let (value, used) = crate::resp::parse(encoded, &Default::default())
        .unwrap()
        .unwrap();
    assert_eq!(used, encoded.len(), "exactly one command");
    let Value::Array(items) = value else {
        panic!("not an array: {value:?}");
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Bulk(b) => String::from_utf8(b).unwrap(),
            other => panic!("not a bulk string: {other:?}"),
        })
        .collect()
}

/// Sends each helper through a [`Recorder`] and queues it on a pipeline, with the same
/// arguments, and asserts the bytes are equal. Returns the names checked.
macro_rules! same_bytes {
    ($($name:ident $(::<$($t:ty),+>)? ($($arg:expr),*);)*) => {{
        let client = offline();
        let mut checked: Vec<&str> = Vec::new();
        $(
            let recorder = Recorder::default();
            let _ = recorder.$name $(::<$($t),+>)? ($($arg),*);
            let mut pipe = client.pipeline();
            pipe.$name($($arg),*);
            let sent = recorder.sent.take();
            assert!(!sent.is_empty(), "{} sent nothing", stringify!($name));
            assert_eq!(
                words(&sent),
                words(&pipe.queued_bytes()),
                "{}",
                stringify!($name)
            );
            assert_eq!(sent, pipe.queued_bytes(), "{}", stringify!($name));
            checked.push(stringify!($name));
        )*
        checked
    }};
}

const SHA: &str = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";

fn check_every_pair() -> Vec<&'static str> {
    same_bytes! {
        // Publishing.
        publish("c", "m");
        spublish("c", "m");
        // Keys.
        del(["a", "b"]);
        unlink(["a", "b"]);
        exists(("a", "b"));
        expire("k", 10);
        pexpire("k", 1500);
        ttl("k");
        pttl("k");
        persist("k");
        rename("a", "b");
        key_type("k");
        // Strings.
        get::<Value>("k");
        set("k", "v");
        set_ex("k", "v", 60);
        set_nx("k", 1);
        set_options::<Value>("k", "v", SetOptions::default().xx().get().keep_ttl());
        getex::<Value>("k", Expiry::PxAt(5));
        getdel::<Value>("k");
        mget::<Value>(["a", "b"]);
        mset(&[("a", 1), ("b", 2)]);
        incr("k");
        incr_by("k", -3);
        incr_by_float("k", 2.5f32);
        decr("k");
        decr_by("k", 4);
        append("k", "x");
        strlen("k");
        // Hashes.
        hget::<Value>("h", "f");
        hset("h", "f", "v");
        hset_multiple("h", [("f", 1), ("g", 2)]);
        hmget::<Value>("h", ["f", "g"]);
        hgetall::<Value>("h");
        hdel("h", ["f"]);
        hincr_by("h", "f", 3);
        hincr_by_float("h", "f", -1.5);
        hexists("h", "f");
        hlen("h");
        // Lists.
        lpush("l", ["a", "b"]);
        rpush("l", "a");
        lpop::<Value>("l");
        rpop::<Value>("l");
        lrange::<Value>("l", 0, -1);
        llen("l");
        blpop::<Value, Value>(["a", "b"], 0.5);
        brpop::<Value, Value>("l", 2);
        blmove::<Value>("a", "b", Direction::Left, Direction::Right, 1.5);
        // Sets.
        sadd("s", ["a", "b"]);
        srem("s", "a");
        smembers::<Value>("s");
        sismember("s", "a");
        scard("s");
        // Sorted sets.
        zadd("z", "m", 5);
        zadd_multiple("z", [(1.5, "a"), (2.0, "b")]);
        zrem("z", ["a"]);
        zscore("z", "m");
        zincr_by("z", "m", 2i16);
        zrank("z", "m");
        zcard("z");
        zrange::<Value>("z", 0, -1);
        zrange_withscores::<Value>("z", 0, 9);
        zrangebyscore::<Value>("z", "-inf", "(5");
        zrangebyscore_withscores::<Value>("z", 1, 2.5);
        zrangebyscore_limit::<Value>("z", 0, "+inf", 10, 5);
        zremrangebyscore("z", "-inf", 0);
        zrange_byscore::<Value>("z", "+inf", 1, ZRangeOptions::default().rev().limit(0, 3));
        // Streams.
        xadd("s", "*", &[("f", "v")]);
        xadd_trim("s", StreamTrim::min_id("5-0").approx().limit(10), "*", &[("f", "v")]);
        xrange::<Value>("s", "-", "+");
        xrange_count::<Value>("s", "-", "+", 10);
        xread::<Value>(["a", "b"], ["0", "$"], StreamReadOptions::default().count(5).block(100));
        xlen("s");
        xtrim("s", StreamTrim::max_len(10));
        // Server.
        ping();
        info(Some("server"));
        dbsize();
        flushdb();
        // Scripts.
        eval::<Value>("return 1", ["k"], ("a", 2));
        eval_ro::<Value>("return 1", (), ());
        evalsha::<Value>(SHA, ["k1", "k2"], 3);
        evalsha_ro::<Value>(SHA, (), "a");
        script_load("return 1");
        script_exists(&[SHA, SHA]);
        script_flush(FlushMode::Async);
        script_kill();
        // Functions.
        function_load("#!lua name=lib", true);
        fcall::<Value>("f", "k", 1);
        fcall_ro::<Value>("f", (), ());
        function_delete("lib");
        function_flush(FlushMode::Default);
        function_list(Some("my*"), true);
        function_dump();
        function_restore(b"payload", RestorePolicy::Flush);
        function_kill();
        function_stats();
    }
}

#[test]
fn every_helper_sends_the_same_bytes_on_both() {
    let checked = check_every_pair();
    let mut unique = checked.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), checked.len(), "a helper is listed twice");
}

/// The family files, to find every helper defined.
const FAMILIES: [&str; 13] = [
    include_str!("keys.rs"),
    include_str!("strings.rs"),
    include_str!("counters.rs"),
    include_str!("hashes.rs"),
    include_str!("lists.rs"),
    include_str!("sets.rs"),
    include_str!("sorted_sets.rs"),
    include_str!("score_ranges.rs"),
    include_str!("streams.rs"),
    include_str!("server.rs"),
    include_str!("scripting.rs"),
    include_str!("functions.rs"),
    include_str!("pubsub.rs"),
];

/// The names of the trait methods (`fn name(&self`) and of the pipeline methods
/// (`pub fn name(&mut self`) defined in `source`.
fn helpers_in(source: &str) -> (Vec<String>, Vec<String>) {
    let (mut on_trait, mut on_pipeline) = (Vec::new(), Vec::new());
    for (at, _) in source.match_indices("fn ") {
        let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = source[line_start..at].trim();
        let rest = &source[at + 3..];
        let name_end = rest.find(['<', '(']).unwrap_or(0);
        let name = rest[..name_end].to_string();
        let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
        if before.is_empty() && signature.contains("&self") {
            on_trait.push(name);
        } else if before == "pub" && signature.contains("&mut self") {
            on_pipeline.push(name);
        }
    }
    (on_trait, on_pipeline)
}

#[test]
fn every_helper_is_on_both_and_checked() {
    let (mut on_trait, mut on_pipeline) = (Vec::new(), Vec::new());
    for source in FAMILIES {
        let (t, p) = helpers_in(source);
        on_trait.extend(t);
        on_pipeline.extend(p);
    }
    on_trait.sort();
    on_pipeline.sort();
    let mut checked: Vec<String> = check_every_pair().into_iter().map(String::from).collect();
    checked.sort();
    assert!(on_trait.len() > 90, "found only {on_trait:?}");
    assert_eq!(
        on_trait, on_pipeline,
        "helpers on the traits vs on Pipeline"
    );
    assert_eq!(
        on_trait, checked,
        "helpers defined vs helpers checked above"
    );
}

/// What the pipeline queues for one helper.
fn queued(add: impl FnOnce(&mut Pipeline<'_>)) -> Vec<u8> {
    let client = offline();
    let mut pipe = client.pipeline();
    add(&mut pipe);
    pipe.queued_bytes()
}

#[test]
fn set_with_options_is_laid_out_as_documented() {
    let options = SetOptions::default().nx().get().px(1500);
    assert_eq!(
        queued(|p| {
            p.set_options("k", "v", options);
        }),
        b"*7\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\
          $2\r\nNX\r\n$3\r\nGET\r\n$2\r\nPX\r\n$4\r\n1500\r\n"
    );
    // A later choice replaces an earlier one; a plain SET has no options.
    let options = SetOptions::default().xx().nx().ex(1).keep_ttl();
    let sent = queued(|p| {
        p.set_options("k", "v", options)
            .set_options("k", 1, SetOptions::default());
    });
    assert_eq!(
        sent,
        [
            cmd("SET").arg(("k", "v", "NX", "KEEPTTL")).encoded(),
            cmd("SET").arg(("k", 1)).encoded(),
        ]
        .concat()
    );
    for (expiry, words_) in [
        (Expiry::Ex(5), ["GETEX", "k", "EX", "5"].as_slice()),
        (Expiry::PxAt(7), &["GETEX", "k", "PXAT", "7"]),
        (Expiry::Persist, &["GETEX", "k", "PERSIST"]),
    ] {
        assert_eq!(
            words(&queued(|p| {
                p.getex("k", expiry);
            })),
            words_
        );
    }
}

#[test]
fn streams_and_score_ranges_are_laid_out_as_documented() {
    let trim = StreamTrim::max_len(1000).approx();
    let sent = queued(|p| {
        p.xadd_trim("s", trim, "*", [("a", "1"), ("b", "2")]);
    });
    assert_eq!(
        words(&sent),
        ["XADD", "s", "MAXLEN", "~", "1000", "*", "a", "1", "b", "2"]
    );
    let trim = StreamTrim::min_id("10-1").approx().limit(50);
    let sent = queued(|p| {
        p.xtrim("s", trim);
    });
    assert_eq!(
        words(&sent),
        ["XTRIM", "s", "MINID", "~", "10-1", "LIMIT", "50"]
    );
    let sent = queued(|p| {
        p.xtrim("s", StreamTrim::max_len(0));
    });
    assert_eq!(words(&sent), ["XTRIM", "s", "MAXLEN", "0"]);

    let options = StreamReadOptions::default().count(2).block(0);
    let sent = queued(|p| {
        p.xread(["a", "b"], ["0-0", "$"], options);
    });
    assert_eq!(
        words(&sent),
        ["XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "a", "b", "0-0", "$"]
    );

    let options = ZRangeOptions::default().limit(5, 10);
    let sent = queued(|p| {
        p.zrange_byscore("z", "(1", 2.5, options);
    });
    assert_eq!(
        words(&sent),
        ["ZRANGE", "z", "(1", "2.5", "BYSCORE", "LIMIT", "5", "10"]
    );
    let options = ZRangeOptions::default().withscores().rev();
    let sent = queued(|p| {
        p.zrange_byscore("z", "+inf", "-inf", options);
    });
    assert_eq!(
        words(&sent),
        [
            "ZRANGE",
            "z",
            "+inf",
            "-inf",
            "BYSCORE",
            "REV",
            "WITHSCORES"
        ]
    );
    let sent = queued(|p| {
        p.zrangebyscore_limit("z", 1, 2, 0, 1);
    });
    assert_eq!(
        words(&sent),
        ["ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "0", "1"]
    );
}

#[test]
fn numbers_and_directions_are_laid_out_as_documented() {
    let sent = queued(|p| {
        p.zadd("z", "m", 5)
            .zadd("z", "m", 5.5)
            .incr("n")
            .incr_by("n", 2);
    });
    let expected = [
        cmd("ZADD").arg(("z", "5", "m")).encoded(),
        cmd("ZADD").arg(("z", "5.5", "m")).encoded(),
        cmd("INCR").arg("n").encoded(),
        cmd("INCRBY").arg(("n", "2")).encoded(),
    ]
    .concat();
    assert_eq!(sent, expected);
    let sent = queued(|p| {
        p.blmove("a", "b", Direction::Right, Direction::Left, 0.25);
    });
    assert_eq!(words(&sent), ["BLMOVE", "a", "b", "RIGHT", "LEFT", "0.25"]);
    let sent = queued(|p| {
        p.blpop(["a", "b"], 0);
    });
    assert_eq!(words(&sent), ["BLPOP", "a", "b", "0"]);
}

/// The typed replies of the new commands read both protocols' shapes.
#[test]
fn stream_entries_convert_from_resp2_and_resp3() {
    let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
    let entry = |id: &str| Value::Array(vec![bulk(id), Value::Array(vec![bulk("f"), bulk("v")])]);
    let expected = |id: &str| StreamEntry {
        id: id.into(),
        fields: vec![("f".into(), b"v".to_vec())],
    };
    let entries: Vec<StreamEntry> =
        FromValue::from_value(Value::Array(vec![entry("1-0"), entry("2-0")])).unwrap();
    assert_eq!(entries, [expected("1-0"), expected("2-0")]);
    // Fields as a map; and a deleted entry's nil fields.
    let mapped = Value::Array(vec![bulk("3-0"), Value::Map(vec![(bulk("f"), bulk("v"))])]);
    assert_eq!(StreamEntry::from_value(mapped).unwrap(), expected("3-0"));
    let deleted = Value::Array(vec![bulk("4-0"), Value::Nil]);
    assert!(StreamEntry::from_value(deleted).unwrap().fields.is_empty());

    // XREAD: RESP2 `[[key, entries]]`, RESP3 `{key: entries}`, nil when nothing arrived.
    let resp2 = Value::Array(vec![Value::Array(vec![
        bulk("s"),
        Value::Array(vec![entry("1-0")]),
    ])]);
    let resp3 = Value::Map(vec![(bulk("s"), Value::Array(vec![entry("1-0")]))]);
    for reply in [resp2, resp3] {
        let read: Option<Vec<(String, Vec<StreamEntry>)>> =
            FromValue::from_value(reply.clone()).unwrap();
        assert_eq!(read, Some(vec![("s".to_string(), vec![expected("1-0")])]));
        let read: std::collections::HashMap<String, Vec<StreamEntry>> =
            FromValue::from_value(reply).unwrap();
        assert_eq!(read["s"], [expected("1-0")]);
    }
    let none: Option<Vec<(String, Vec<StreamEntry>)>> = FromValue::from_value(Value::Nil).unwrap();
    assert_eq!(none, None);
    // Not an entry at all: a conversion error, not a panic.
    assert!(StreamEntry::from_value(bulk("x")).is_err());
    assert!(StreamEntry::from_value(Value::Array(vec![bulk("1-0")])).is_err());
}
