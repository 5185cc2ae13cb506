//! Targets of one's own: a `ConnectionLike` with only `req` (helpers, scripts and pipelines
//! one command at a time, transactions on a single connection), wrappers that keep every
//! override behind `&`, `Box`, `Arc` and `Rc`, and a `ScriptCode` kept in a struct beside its
//! client or in a `static`.

use super::*;
use redline::target::Batch;
use redline::{script_sha, FlushMode, Pipeline, Reply, ScriptCode, ScriptInvocation};
use redline::{Script, ScriptingCommands};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::sync::{Arc, Mutex};

const MULTIPLY: &str = "return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]";
const INCRBY: &str = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A target of one's own with only the required method. It logs each command it sends: its
/// name, with the subcommand for `SCRIPT`.
struct ReqOnly<C> {
    inner: C,
    sent: Mutex<Vec<String>>,
}

impl<C> ReqOnly<C> {
    fn new(inner: C) -> ReqOnly<C> {
        ReqOnly {
            inner,
            sent: Mutex::new(Vec::new()),
        }
    }

    /// The commands sent since the last call.
    fn sent(&self) -> Vec<String> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl<C: ConnectionLike> ConnectionLike for ReqOnly<C> {
    fn req(&self, cmd: &Cmd) -> redline::Result<Value> {
        self.sent.lock().unwrap().push(label(cmd));
        self.inner.req(cmd)
    }
}

fn label(cmd: &Cmd) -> String {
    let mut args = cmd.args();
    let word = |w: &[u8]| String::from_utf8_lossy(w).to_uppercase();
    let name = word(args.next().unwrap_or_default());
    match (name.as_str(), args.next()) {
        ("SCRIPT", Some(sub)) => format!("SCRIPT {}", word(sub)),
        _ => name,
    }
}

/// `calls=` of one command in `INFO commandstats` (`script|load`, `evalsha`, ...).
fn calls(observer: &Client, command: &str) -> u64 {
    let text = observer.info(Some("commandstats")).unwrap();
    let prefix = format!(
        "cmdstat_{}:calls=",
        crate::support::commandstat_name(command)
    );
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
}

/// Splits an `Error::Pipeline` into index, command and source, or fails the test.
fn pipeline_error(e: Error) -> (usize, String, Error) {
    match e {
        Error::Pipeline {
            index,
            command,
            source,
        } => (index, command, *source),
        other => panic!("expected Error::Pipeline, got {other:?}"),
    }
}

fn server_message(e: &Error) -> &str {
    match e {
        Error::Server { message, .. } | Error::Script { message, .. } => message,
        other => panic!("expected a server error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// A target with only `req`
// ---------------------------------------------------------------------------------------------

/// Typed helpers and scripting commands: one `req` each.
fn commands_through<C: ConnectionLike>(t: &ReqOnly<C>, what: &str) {
    t.sent();
    t.set("n", 41).unwrap();
    assert_eq!(t.incr("n").unwrap(), 42);
    assert_eq!(t.get::<i64>("n").unwrap(), 42);
    assert_eq!(t.get::<Option<String>>("missing").unwrap(), None);
    t.hset_multiple("h", [("a", "1"), ("b", "2")]).unwrap();
    let h: HashMap<String, i64> = t.hgetall("h").unwrap();
    assert_eq!(
        h,
        HashMap::from([("a".to_string(), 1), ("b".to_string(), 2)])
    );
    assert_eq!(t.rpush("l", ["x", "y", "z"]).unwrap(), 3);
    let l: Vec<String> = t.lrange("l", 0, -1).unwrap();
    assert_eq!(l, ["x", "y", "z"]);
    let wrong = t.incr("l").unwrap_err();
    assert_eq!(
        wrong.server_kind(),
        Some(ServerErrorKind::WrongType),
        "{what}"
    );
    let expected = [
        "SET", "INCR", "GET", "GET", "HSET", "HGETALL", "RPUSH", "LRANGE", "INCR",
    ];
    assert_eq!(t.sent(), expected, "{what}");

    let src = "return {KEYS[1], ARGV[1]}";
    let sha = t.script_load(src).unwrap();
    assert_eq!(sha, script_sha(src), "{what}");
    let unknown = "0".repeat(40);
    assert_eq!(t.script_exists(&[&sha, &unknown]).unwrap(), [true, false]);
    let out: (String, String) = t.evalsha(&sha, "k", 7).unwrap();
    assert_eq!(out, ("k".to_string(), "7".to_string()), "{what}");
    assert_eq!(
        t.sent(),
        ["SCRIPT LOAD", "SCRIPT EXISTS", "EVALSHA"],
        "{what}"
    );
}

#[test]
fn req_only_target_runs_the_typed_helpers_and_scripting_commands() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        commands_through(
            &ReqOnly::new(client.clone()),
            &format!("client {protocol:?}"),
        );
        client.flushdb().unwrap();
        let conn = client.get_connection().unwrap();
        commands_through(&ReqOnly::new(conn), &format!("connection {protocol:?}"));
    }
}

/// Scripts through `call_on`: loaded on `NOSCRIPT` through `req`, again after `SCRIPT FLUSH`.
fn scripts_through<C: ConnectionLike>(t: &ReqOnly<C>, observer: &Client, what: &str) {
    observer.flushdb().unwrap();
    observer.script_flush(FlushMode::Sync).unwrap();
    observer.set("base", 6).unwrap();
    let multiply = ScriptCode::new(MULTIPLY);
    t.sent();

    // Not cached: EVALSHA, SCRIPT LOAD, EVALSHA, each through `req`.
    assert_eq!(multiply.call_on::<i64, _>(t, "base", 7).unwrap(), 42);
    assert_eq!(t.sent(), ["EVALSHA", "SCRIPT LOAD", "EVALSHA"], "{what}");
    assert_eq!(multiply.call_on::<i64, _>(t, "base", 2).unwrap(), 12);
    assert_eq!(t.sent(), ["EVALSHA"], "{what}");

    // After SCRIPT FLUSH it reloads itself once, through the default `invoke_with_reload`.
    observer.script_flush(FlushMode::Sync).unwrap();
    let loads = calls(observer, "script|load");
    assert_eq!(multiply.call_on::<i64, _>(t, "base", 3).unwrap(), 18);
    assert_eq!(t.sent(), ["EVALSHA", "SCRIPT LOAD", "EVALSHA"], "{what}");
    assert_eq!(calls(observer, "script|load"), loads + 1, "{what}");
    assert!(multiply.exists_on(observer).unwrap(), "{what}");

    // Read-only calls keep EVALSHA_RO across the reload.
    if supported!(has_redis7_scripting(), NEEDS_RO) {
        let peek = ScriptCode::new("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])");
        assert_eq!(peek.call_ro_on::<i64, _>(t, "base", ()).unwrap(), 6);
        assert_eq!(
            t.sent(),
            ["EVALSHA_RO", "SCRIPT LOAD", "EVALSHA_RO"],
            "{what}"
        );
    }

    // A Script bound to a client runs on the target too.
    let plus_one = observer.register_script("return ARGV[1] + 1");
    assert_eq!(plus_one.call_on::<i64, _>(t, (), 1).unwrap(), 2);
    assert_eq!(t.sent(), ["EVALSHA", "SCRIPT LOAD", "EVALSHA"], "{what}");

    // load_on and exists_on go through `req` as well.
    observer.script_flush(FlushMode::Sync).unwrap();
    assert!(!multiply.exists_on(t).unwrap());
    assert_eq!(multiply.load_on(t).unwrap(), multiply.sha());
    assert!(multiply.exists_on(t).unwrap());
    assert_eq!(
        t.sent(),
        ["SCRIPT EXISTS", "SCRIPT LOAD", "SCRIPT EXISTS"],
        "{what}"
    );

    // A script that fails at run time is reported, not reloaded again.
    observer.set("text", "abc").unwrap();
    let incr = ScriptCode::new("return redis.call('INCR', KEYS[1])");
    let err = incr.call_on::<i64, _>(t, "text", ()).unwrap_err();
    assert!(matches!(err, Error::Script { .. }), "{what}: {err:?}");
    assert!(
        server_message(&err).contains("value is not an integer"),
        "{err:?}"
    );
    assert_eq!(t.sent(), ["EVALSHA", "SCRIPT LOAD", "EVALSHA"], "{what}");
}

#[test]
fn req_only_target_runs_scripts_and_reloads_them_after_a_flush() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        let t = ReqOnly::new(server.client_with(protocol));
        scripts_through(&t, &observer, &format!("client {protocol:?}"));
        let t = ReqOnly::new(observer.get_connection().unwrap());
        scripts_through(&t, &observer, &format!("connection {protocol:?}"));
    }
}

#[test]
fn script_code_bound_to_a_req_only_target() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        observer.flushdb().unwrap();
        observer.script_flush(FlushMode::Sync).unwrap();
        let t = ReqOnly::new(server.client_with(protocol));
        let code = ScriptCode::new(INCRBY);
        let script: Script<'_> = code.bind(&t);
        assert_eq!(script.call::<i64>("n", 5).unwrap(), 5);
        assert_eq!(t.sent(), ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]);
        assert_eq!(script.call::<i64>("n", 5).unwrap(), 10);
        assert_eq!(t.sent(), ["EVALSHA"]);
        assert!(script.exists().unwrap());
        script.target().req(&cmd("PING")).unwrap();
        assert_eq!(t.sent(), ["SCRIPT EXISTS", "PING"]);

        // Shared by threads, as a Script on a client is.
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..25 {
                        script.call::<i64>("n", 1).unwrap();
                    }
                });
            }
        });
        assert_eq!(observer.get::<i64>("n").unwrap(), 110);
        assert_eq!(t.sent(), vec!["EVALSHA"; 100]);
    }
}

/// Pipelines through `req`, one command at a time.
fn pipelines_through<C: ConnectionLike>(t: &ReqOnly<C>, observer: &Client, what: &str) {
    observer.flushdb().unwrap();
    observer.script_flush(FlushMode::Sync).unwrap();
    t.sent();

    // Plain commands: N commands, N reqs.
    let (ok, v, n): (bool, Option<String>, i64) = Pipeline::new(t)
        .set("a", "1")
        .get("a")
        .incr_by("n", 5)
        .execute()
        .unwrap();
    assert_eq!((ok, v.as_deref(), n), (true, Some("1"), 5), "{what}");
    assert_eq!(t.sent(), ["SET", "GET", "INCRBY"], "{what}");

    // Scripts: a cached one runs at once; a missing one is loaded on NOSCRIPT, once.
    let cached = ScriptCode::new("return 'cached'");
    cached.load_on(observer).unwrap();
    let missing = ScriptCode::new(INCRBY);
    let (c, m1, m2): (String, i64, i64) = Pipeline::new(t)
        .script(&cached, (), ())
        .script(&missing, "n", 1)
        .script(&missing, "n", 1)
        .execute()
        .unwrap();
    assert_eq!((c.as_str(), m1, m2), ("cached", 6, 7), "{what}");
    let expected = ["EVALSHA", "EVALSHA", "SCRIPT LOAD", "EVALSHA", "EVALSHA"];
    assert_eq!(t.sent(), expected, "{what}");

    // Ignored replies are dropped; the commands still run.
    let (v,): (i64,) = Pipeline::new(t)
        .set("i", 1)
        .ignore()
        .incr_by("i", 1)
        .ignore()
        .get("i")
        .execute()
        .unwrap();
    assert_eq!(v, 2, "{what}");
    assert_eq!(t.sent(), ["SET", "INCRBY", "GET"], "{what}");

    // An error reply in the middle: the later commands still run, and `execute` names it.
    let err = Pipeline::new(t)
        .set("s", "text")
        .incr_by("s", 1)
        .set("after", 1)
        .execute::<Vec<Value>>()
        .unwrap_err();
    let (index, command, source) = pipeline_error(err);
    assert_eq!((index, command.as_str()), (1, "INCRBY s 1"), "{what}");
    assert_eq!(source.server_kind(), Some(ServerErrorKind::Err), "{what}");
    assert_eq!(
        server_message(&source),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(observer.get::<Option<i64>>("after").unwrap(), Some(1));
    assert_eq!(t.sent(), ["SET", "INCRBY", "SET"], "{what}");

    // `execute_raw` gives the error reply in its place.
    let replies = Pipeline::new(t)
        .get("s")
        .incr_by("s", 1)
        .get("after")
        .execute_raw()
        .unwrap();
    assert_eq!(
        replies,
        [
            bulk("text"),
            Value::Error("ERR value is not an integer or out of range".into()),
            bulk("1"),
        ],
        "{what}"
    );
    assert_eq!(t.sent(), ["GET", "INCRBY", "GET"], "{what}");
}

#[test]
fn req_only_target_runs_pipelines_one_command_at_a_time() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        let t = ReqOnly::new(server.client_with(protocol));
        pipelines_through(&t, &observer, &format!("client {protocol:?}"));
        let t = ReqOnly::new(observer.get_connection().unwrap());
        pipelines_through(&t, &observer, &format!("connection {protocol:?}"));
    }
}

#[test]
fn req_only_connection_runs_transactions_with_multi_exec() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        observer.flushdb().unwrap();
        observer.script_flush(FlushMode::Sync).unwrap();
        let t = ReqOnly::new(observer.get_connection().unwrap());
        let add = ScriptCode::new(INCRBY);
        let echo = ScriptCode::new("return ARGV[1]");

        // 5 commands: 5 reqs, + MULTI/EXEC, + one SCRIPT LOAD per distinct script, first.
        let (ok, a1, a2, e, n): (bool, i64, i64, String, i64) = Pipeline::new(&t)
            .atomic()
            .set("a", 1)
            .script(&add, "a", 2)
            .script(&add, "a", 3)
            .script(&echo, (), "hi")
            .incr_by("a", 10)
            .execute()
            .unwrap();
        assert_eq!((ok, a1, a2, e.as_str(), n), (true, 3, 6, "hi", 16));
        let expected = [
            "MULTI",
            "SCRIPT LOAD",
            "SCRIPT LOAD",
            "SET",
            "EVALSHA",
            "EVALSHA",
            "EVALSHA",
            "INCRBY",
            "EXEC",
        ];
        assert_eq!(t.sent(), expected, "{protocol:?}");

        // A run-time error is that command's; the others are applied.
        let err = Pipeline::new(&t)
            .atomic()
            .set("t", "text")
            .incr_by("t", 1)
            .incr_by("a", 1)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 1);
        assert_eq!(observer.get::<i64>("a").unwrap(), 17);
        assert_eq!(t.sent(), ["MULTI", "SET", "INCRBY", "INCRBY", "EXEC"]);

        // A command that fails to queue: EXECABORT, reported for that command; nothing applied.
        let err = Pipeline::new(&t)
            .atomic()
            .set("x", 1)
            .cmd(cmd("SET").arg("onlykey"))
            .set("y", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(
            (index, command.as_str()),
            (1, "SET onlykey"),
            "{protocol:?}"
        );
        assert_eq!(
            server_message(&source),
            "ERR wrong number of arguments for 'set' command"
        );
        assert_eq!(observer.exists(["x", "y"]).unwrap(), 0, "nothing applied");
        assert_eq!(t.sent(), ["MULTI", "SET", "SET", "SET", "EXEC"]);

        // The connection is out of MULTI.
        assert_eq!(t.ping().unwrap(), "PONG");
        assert_eq!(t.get::<i64>("a").unwrap(), 17);

        // Under WATCH, a changed key is a WatchConflict, and nothing is applied.
        t.req(cmd("WATCH").arg("a")).unwrap();
        observer.set("a", 0).unwrap();
        let conflict = Pipeline::new(&t)
            .atomic()
            .incr_by("a", 1)
            .execute::<Vec<Value>>();
        assert!(
            matches!(conflict, Err(Error::WatchConflict)),
            "{conflict:?}"
        );
        assert_eq!(observer.get::<i64>("a").unwrap(), 0);
    }
}

#[test]
fn req_only_client_refuses_a_transaction_it_cannot_pin() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        observer.flushdb().unwrap();
        // A pooled client cannot keep one connection from MULTI to EXEC: it refuses MULTI.
        let t = ReqOnly::new(server.client_with(protocol));
        let err = Pipeline::new(&t)
            .atomic()
            .set("x", 1)
            .set("y", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert_eq!(t.sent(), ["MULTI"]);
        assert_eq!(observer.exists(["x", "y"]).unwrap(), 0);
    }
}

mod forwarding;
mod script_code;
