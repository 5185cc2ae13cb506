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

// ---------------------------------------------------------------------------------------------
// Forwarding through &T, Box, Arc, Rc
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Calls {
    req: usize,
    req_reply: usize,
    invoke_script: usize,
    run_pipeline: usize,
}

/// Overrides every method, counting each, and forwards it to a client.
struct Counting {
    inner: Client,
    calls: Mutex<Calls>,
}

impl Counting {
    fn new(inner: Client) -> Counting {
        Counting {
            inner,
            calls: Mutex::new(Calls::default()),
        }
    }

    /// The calls since the last call.
    fn take(&self) -> Calls {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn count(&self, which: impl FnOnce(&mut Calls) -> &mut usize) {
        *which(&mut self.calls.lock().unwrap()) += 1;
    }
}

impl ConnectionLike for Counting {
    fn req(&self, cmd: &Cmd) -> redline::Result<Value> {
        self.count(|c| &mut c.req);
        self.inner.req(cmd)
    }

    fn req_reply(
        &self,
        cmd: &Cmd,
        read: &mut dyn FnMut(Reply<'_>) -> redline::Result<()>,
    ) -> redline::Result<()> {
        self.count(|c| &mut c.req_reply);
        self.inner.req_reply(cmd, read)
    }

    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> redline::Result<()>,
    ) -> redline::Result<()> {
        self.count(|c| &mut c.invoke_script);
        self.inner.invoke_script(call, read)
    }

    fn run_pipeline(&self, batch: &mut Batch) -> redline::Result<()> {
        self.count(|c| &mut c.run_pipeline);
        self.inner.run_pipeline(batch)
    }
}

const ONE_REQ: Calls = Calls {
    req: 1,
    req_reply: 0,
    invoke_script: 0,
    run_pipeline: 0,
};
const ONE_REQ_REPLY: Calls = Calls {
    req: 0,
    req_reply: 1,
    invoke_script: 0,
    run_pipeline: 0,
};
const ONE_INVOKE: Calls = Calls {
    req: 0,
    req_reply: 0,
    invoke_script: 1,
    run_pipeline: 0,
};
const ONE_PIPELINE: Calls = Calls {
    req: 0,
    req_reply: 0,
    invoke_script: 0,
    run_pipeline: 1,
};

/// Each kind of call through `target` reaches the matching method of `counting`.
fn through<C: ConnectionLike>(target: &C, counting: &Counting, what: &str) {
    let add = ScriptCode::new(INCRBY);
    counting.take();

    target.set("fwd", 7).unwrap();
    assert_eq!(counting.take(), ONE_REQ_REPLY, "{what}: set");
    assert_eq!(target.get::<i64>("fwd").unwrap(), 7);
    assert_eq!(counting.take(), ONE_REQ_REPLY, "{what}: get");

    let mut got = None;
    target
        .req_reply(cmd("GET").arg("fwd"), &mut |reply| {
            got = Some(reply.convert::<i64>()?);
            Ok(())
        })
        .unwrap();
    assert_eq!(got, Some(7));
    assert_eq!(counting.take(), ONE_REQ_REPLY, "{what}: req_reply");

    assert_eq!(
        target.req(&cmd("PING")).unwrap(),
        Value::SimpleString("PONG".into())
    );
    assert_eq!(counting.take(), ONE_REQ, "{what}: req");

    assert_eq!(add.call_on::<i64, _>(target, "fwd", 2).unwrap(), 9);
    assert_eq!(counting.take(), ONE_INVOKE, "{what}: call_on");
    assert!(add.call_ro_on::<Value, _>(target, "fwd", 2).is_err());
    assert_eq!(counting.take(), ONE_INVOKE, "{what}: call_ro_on");

    let (v, sum): (i64, i64) = Pipeline::new(target)
        .get("fwd")
        .script(&add, "fwd", 1)
        .execute()
        .unwrap();
    assert_eq!((v, sum), (9, 10), "{what}");
    assert_eq!(counting.take(), ONE_PIPELINE, "{what}: pipeline");
    let (n,): (i64,) = Pipeline::new(target)
        .atomic()
        .incr_by("fwd", 1)
        .execute()
        .unwrap();
    assert_eq!(n, 11, "{what}");
    assert_eq!(counting.take(), ONE_PIPELINE, "{what}: atomic pipeline");
}

#[test]
fn references_and_pointers_forward_every_method() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let counting = Counting::new(server.client_with(protocol));
        through(&counting, &counting, &format!("direct {protocol:?}"));
        through(&&counting, &counting, &format!("&T {protocol:?}"));

        let boxed = Box::new(Counting::new(server.client_with(protocol)));
        through(&boxed, &boxed, &format!("Box {protocol:?}"));

        let arc = Arc::new(Counting::new(server.client_with(protocol)));
        through(&arc, &arc, &format!("Arc {protocol:?}"));
        // A Script bound to the Arc calls its invoke_script.
        let script = ScriptCode::new("return 5").bind(&arc);
        assert_eq!(script.call::<i64>((), ()).unwrap(), 5);
        assert_eq!(arc.take(), ONE_INVOKE);

        let rc = Rc::new(Counting::new(server.client_with(protocol)));
        through(&rc, &rc, &format!("Rc {protocol:?}"));

        // Trait objects, behind a reference and a box (the box over the Arc: two hops).
        let dyn_ref: &dyn ConnectionLike = &*arc;
        through(&dyn_ref, &arc, &format!("&dyn {protocol:?}"));
        let dyn_box: Box<dyn ConnectionLike + Sync> = Box::new(Arc::clone(&arc));
        through(&dyn_box, &arc, &format!("Box<dyn> over Arc {protocol:?}"));

        // The counts would show a missing forward: a wrapper with only `req` in between
        // turns every kind of call into `req`s.
        let plain = ReqOnly::new(&*arc);
        assert_eq!(plain.get::<i64>("fwd").unwrap(), 11);
        assert_eq!(arc.take(), ONE_REQ);
        let (n,): (i64,) = Pipeline::new(&plain).get("fwd").execute().unwrap();
        assert_eq!(n, 11);
        assert_eq!(arc.take(), ONE_REQ);
    }
}

// ---------------------------------------------------------------------------------------------
// ScriptCode in a struct and in a static
// ---------------------------------------------------------------------------------------------

const CAPPED: &str = "local n = redis.call('INCR', KEYS[1]) \
                      if n > tonumber(ARGV[1]) then return -1 end return n";

/// A script kept beside the client it runs on: no borrow between the fields.
struct Limiter {
    client: Client,
    script: ScriptCode,
    limit: i64,
}

impl Limiter {
    fn hit(&self, who: &str) -> redline::Result<bool> {
        let n: i64 = self.script.call_on(&self.client, who, self.limit)?;
        Ok(n >= 0)
    }
}

#[test]
fn script_code_in_a_struct_beside_its_client_from_many_threads() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let observer = server.client_with(protocol);
        observer.flushdb().unwrap();
        observer.script_flush(FlushMode::Sync).unwrap();
        let loads = calls(&observer, "script|load");
        let limiter = Limiter {
            client: server.client_with(protocol),
            script: ScriptCode::new(CAPPED),
            limit: 300,
        };
        let allowed = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        if limiter.hit("ada").unwrap() {
                            allowed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(allowed.load(Ordering::Relaxed), 300, "{protocol:?}");
        assert_eq!(observer.get::<i64>("ada").unwrap(), 400);
        // Each thread's first call may have found it missing; none after its own load.
        let loaded = calls(&observer, "script|load") - loads;
        assert!((1..=8).contains(&loaded), "{loaded} loads");

        // The struct owns everything: it can move to a thread of its own.
        let limiter = Arc::new(limiter);
        let shared = Arc::clone(&limiter);
        let hit = std::thread::spawn(move || shared.hit("bob").unwrap());
        assert!(hit.join().unwrap());
        assert_eq!(observer.get::<i64>("bob").unwrap(), 1);
    }
}

static COUNTED: ScriptCode = ScriptCode::from_static(INCRBY);

#[test]
fn static_script_code_runs_on_clients_connections_and_pipelines() {
    let server = RedisServer::start();
    assert_eq!(COUNTED.sha(), script_sha(INCRBY));
    assert_eq!(COUNTED.source(), Some(INCRBY.as_bytes()));
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        client.script_flush(FlushMode::Sync).unwrap();
        assert!(!COUNTED.exists_on(&client).unwrap());

        assert_eq!(COUNTED.call_on::<i64, _>(&client, "s", 1).unwrap(), 1);
        assert!(COUNTED.exists_on(&client).unwrap());
        assert_eq!(COUNTED.bind(&client).call::<i64>("s", 2).unwrap(), 3);
        let conn = client.get_connection().unwrap();
        assert_eq!(COUNTED.call_on::<i64, _>(&conn, "s", 3).unwrap(), 6);
        let (a, b): (i64, i64) = client
            .pipeline()
            .script(&COUNTED, "s", 4)
            .script(&COUNTED, "s", 5)
            .execute()
            .unwrap();
        assert_eq!((a, b), (10, 15));

        // Flushed: a pipeline on a fresh client loads it again, and so does a call.
        client.script_flush(FlushMode::Sync).unwrap();
        let (c,): (i64,) = server
            .client_with(protocol)
            .pipeline()
            .script(&COUNTED, "s", 1)
            .execute()
            .unwrap();
        assert_eq!(c, 16);
        client.script_flush(FlushMode::Sync).unwrap();
        assert_eq!(COUNTED.call_on::<i64, _>(&conn, "s", 1).unwrap(), 17);

        // The same static from threads at once.
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..25 {
                        COUNTED.call_on::<i64, _>(&client, "t", 1).unwrap();
                    }
                });
            }
        });
        assert_eq!(client.get::<i64>("t").unwrap(), 100);
    }
}

#[test]
fn script_code_from_sha_runs_while_cached_then_is_noscript() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.script_flush(FlushMode::Sync).unwrap();
        let src = "return 'known'";
        let sha = client.script_load(src).unwrap();
        let code = ScriptCode::from_sha(&sha.to_uppercase()).unwrap();
        assert_eq!(code.sha(), sha);
        assert!(code.source().is_none());
        assert_eq!(code.call_on::<String, _>(&client, (), ()).unwrap(), "known");
        assert_eq!(code.bind(&client).call::<String>((), ()).unwrap(), "known");
        let t = ReqOnly::new(client.clone());
        assert_eq!(code.call_on::<String, _>(&t, (), ()).unwrap(), "known");
        assert_eq!(t.sent(), ["EVALSHA"]);

        client.script_flush(FlushMode::Sync).unwrap();
        let conn = client.get_connection().unwrap();
        for (what, result) in [
            ("client", code.call_on::<Value, _>(&client, (), ())),
            ("bound", code.bind(&client).call::<Value>((), ())),
            ("connection", code.call_on::<Value, _>(&conn, (), ())),
            ("req only", code.call_on::<Value, _>(&t, (), ())),
        ] {
            assert!(matches!(result, Err(Error::NoScript)), "{what}: {result:?}");
        }
        // Nothing to load it with: the req-only target tried EVALSHA alone.
        assert_eq!(t.sent(), ["EVALSHA"]);
        assert!(matches!(
            code.load_on(&client),
            Err(Error::InvalidArgument { .. })
        ));
        // In a pipeline, on the pool and through `req`, it is that command's NOSCRIPT.
        for target in [&client as &dyn ConnectionLike, &conn, &t] {
            let err = Pipeline::new(target)
                .set("k", 1)
                .script(&code, (), ())
                .execute::<Vec<Value>>()
                .unwrap_err();
            let (index, _, source) = pipeline_error(err);
            assert_eq!(index, 1);
            assert!(matches!(source, Error::NoScript), "{source:?}");
        }
    }
}

#[test]
fn script_code_round_trips_through_a_script() {
    let server = RedisServer::start();
    let client = server.client();
    client.set("m", 3).unwrap();
    let script = client.register_script(MULTIPLY);
    let code: ScriptCode = script.code().clone();
    assert_eq!(code.sha(), script.sha());
    assert_eq!(code.source(), script.source());
    assert_eq!(&code, script.code());
    assert_eq!(code.source(), Some(MULTIPLY.as_bytes()));

    let rebound = code.bind(&client);
    assert_eq!(rebound.sha(), script.sha());
    assert_eq!(rebound.call::<i64>("m", 4).unwrap(), 12);
    assert_eq!(script.call::<i64>("m", 5).unwrap(), 15);

    // Known by its SHA1 alone it is the same script, and runs while the server has it.
    let by_sha = ScriptCode::from_sha(script.sha()).unwrap();
    assert_eq!(by_sha, code);
    assert_eq!(by_sha.call_on::<i64, _>(&client, "m", 2).unwrap(), 6);
    assert_ne!(ScriptCode::new("return 2"), code);

    // The code outlives the script it came from; Debug shows the SHA1, not the source.
    drop(script);
    assert_eq!(code.call_on::<i64, _>(&client, "m", 1).unwrap(), 3);
    let shown = format!("{code:?}");
    assert!(shown.contains(code.sha()), "{shown}");
    assert!(!shown.contains("redis.call"), "{shown}");
}

#[test]
fn pipeline_after_its_own_connections_script_flush_loads_the_script() {
    let server = RedisServer::start();
    let mut failures = Vec::new();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let conn = client.get_connection().unwrap();
        let run = |target: &dyn ConnectionLike| {
            Pipeline::new(target)
                .script(&COUNTED, "own", 1)
                .execute::<(i64,)>()
        };
        for (what, target) in [
            ("connection", &conn as &dyn ConnectionLike),
            ("client", &client),
        ] {
            client.del("own").unwrap();
            run(target).unwrap();
            // The flush goes through the very connection that runs the next batch (the
            // client's pool holds one connection here).
            target.script_flush(FlushMode::Sync).unwrap();
            assert_eq!(client.pool_stats().open, 1);
            let again = run(target);
            if !matches!(again, Ok((2,))) {
                failures.push(format!("{what} {protocol:?}: {again:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// After a `SCRIPT FLUSH` sent through one pooled connection, no connection of that client
/// believes the script is loaded: every one's next pipeline (plain or atomic) loads it in its
/// own write, and nothing is partly applied.
#[test]
fn script_flush_through_a_client_reaches_every_pooled_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let threads = 6;
        let run_all = |atomic: bool| {
            std::thread::scope(|s| {
                for t in 0..threads {
                    let client = &client;
                    s.spawn(move || {
                        let key = format!("flush:{t}");
                        let mut pipe = client.pipeline();
                        if atomic {
                            pipe.atomic();
                        }
                        let (set, n): (bool, i64) = pipe
                            .set(format!("{key}:side"), 1)
                            .script(&COUNTED, &key, 1)
                            .execute()
                            .unwrap_or_else(|e| panic!("{protocol:?} atomic={atomic}: {e}"));
                        assert!(set);
                        n
                    });
                }
            })
        };
        // Warm several pooled connections, each learning the script is loaded.
        for _ in 0..3 {
            run_all(false);
        }
        let opened = client.pool_stats().open;
        assert!(
            opened >= 2,
            "{protocol:?}: only {opened} pooled connections"
        );
        for atomic in [false, true, false] {
            client.script_flush(FlushMode::Sync).unwrap();
            run_all(atomic);
        }
        for t in 0..threads {
            assert_eq!(
                client.get::<i64>(format!("flush:{t}")).unwrap(),
                6,
                "{protocol:?}"
            );
        }
    }
}

/// The same, deterministic: a connection that learned the script, then sat idle while another
/// connection of the pool sent `SCRIPT FLUSH`, must load the script again in its next batch.
#[test]
fn a_flush_on_one_pooled_connection_is_seen_by_another() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        // Runs `f` on the pool while another pooled connection is held busy, so that `f` gets
        // a different connection than the one on top of the idle stack.
        let beside_a_held_one = |f: &dyn Fn()| {
            let (held, release) = (Barrier::new(2), Barrier::new(2));
            std::thread::scope(|s| {
                s.spawn(|| {
                    client
                        .transaction::<_, (), _>(["w"], |_, _| {
                            held.wait();
                            release.wait();
                            Ok(())
                        })
                        .unwrap();
                });
                held.wait();
                f();
                release.wait();
            });
        };
        let run = || {
            let (n,): (i64,) = client
                .pipeline()
                .script(&COUNTED, "seen", 1)
                .execute()
                .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
            n
        };
        // Two connections: A (held above, then on top of the idle stack) and B.
        run();
        beside_a_held_one(&|| {
            run();
        });
        assert_eq!(client.pool_stats().open, 2, "{protocol:?}");
        // Both know the script now: each ran it (B in the closure, A before).
        beside_a_held_one(&|| {
            run();
        });
        // The flush goes out on the connection on top of the stack...
        client.script_flush(FlushMode::Sync).unwrap();
        // ...and the other one, which ran the script before, runs the next batch.
        beside_a_held_one(&|| {
            run();
        });
        assert_eq!(client.get::<i64>("seen").unwrap(), 4, "{protocol:?}");
    }
}
