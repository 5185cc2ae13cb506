//! Pipelines and transactions that carry scripts, against real servers: results in RESP2 and
//! RESP3, script preload costs (counted with `INFO commandstats` and with a counting proxy),
//! `NOSCRIPT` after a flush, errors in plain and atomic batches, `WATCH` conflicts, very large
//! batches, and a server killed mid-batch.

use crate::support::{RedisServer, PROTOCOLS};
use redline::resp::{parse, Limits};
use redline::{
    cmd, Client, Commands, Error, FlushMode, Protocol, ScriptingCommands, ServerErrorKind, Value,
};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MULTIPLY: &str = "return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Splits an `Error::Pipeline` into its parts, or fails the test.
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

/// `calls=` per command from `INFO commandstats` (names as the server writes them after
/// `cmdstat_`, such as `script|load`).
#[derive(Debug, Clone)]
struct Stats(HashMap<String, u64>);

impl Stats {
    fn of(observer: &Client) -> Stats {
        let info: String = Commands::info(observer, Some("commandstats")).unwrap();
        let map = info
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("cmdstat_")?;
                let (name, fields) = rest.split_once(':')?;
                let calls = fields
                    .split(',')
                    .find_map(|f| f.strip_prefix("calls="))?
                    .parse()
                    .ok()?;
                Some((name.to_string(), calls))
            })
            .collect();
        Stats(map)
    }

    fn calls(&self, name: &str) -> u64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    /// How many more calls of `name` `later` counted than `self`.
    fn delta(&self, later: &Stats, name: &str) -> u64 {
        later.calls(name) - self.calls(name)
    }
}

/// The deltas of the scripting commands between two snapshots: (SCRIPT LOAD, SCRIPT EXISTS,
/// EVALSHA).
fn script_deltas(before: &Stats, after: &Stats) -> (u64, u64, u64) {
    (
        before.delta(after, "script|load"),
        before.delta(after, "script|exists"),
        before.delta(after, "evalsha"),
    )
}

/// A TCP proxy in front of a real server that records what the client sends, grouped into
/// *flights*: the bytes the client sent without having received anything in between.
///
/// To tell "sent in one go" from "sent after waiting for a reply" without relying on how the
/// kernel splits writes, the proxy holds the server's bytes back until the client has been
/// quiet for `QUIET`. A client that writes a whole batch at once has delivered all of it by
/// then, so everything in one flight was sent without waiting; a client can only start a new
/// flight after receiving something, i.e. after a round trip. The number of flights is the
/// number of round trips the client made.
struct CountingProxy {
    port: u16,
    state: Arc<Mutex<ProxyState>>,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
}

struct ProxyState {
    flights: Vec<Vec<u8>>,
    /// The server's bytes were passed on since the client last sent anything.
    replied: bool,
    last_sent: Instant,
}

const QUIET: Duration = Duration::from_millis(150);

impl CountingProxy {
    fn start(server_port: u16) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(ProxyState {
            flights: Vec::new(),
            replied: true,
            last_sent: Instant::now(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let (st, stp, conns) = (state.clone(), stop.clone(), connections.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)) else {
                    continue;
                };
                conns.fetch_add(1, Ordering::SeqCst);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                spawn_forwarders(client, server, st.clone());
            }
        });
        CountingProxy {
            port,
            state,
            stop,
            connections,
        }
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn flight_count(&self) -> usize {
        self.state.lock().unwrap().flights.len()
    }

    /// The commands of each flight from `from` on, each named by its first word (two words
    /// for `SCRIPT`, `FUNCTION`, `CLIENT` and `CONFIG`).
    fn flights_since(&self, from: usize) -> Vec<Vec<String>> {
        let state = self.state.lock().unwrap();
        state.flights[from..]
            .iter()
            .map(|bytes| command_names(bytes))
            .collect()
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn spawn_forwarders(client: TcpStream, server: TcpStream, state: Arc<Mutex<ProxyState>>) {
    let (mut c_read, mut c_write) = (client.try_clone().unwrap(), client);
    let (mut s_read, mut s_write) = (server.try_clone().unwrap(), server);
    let up = state.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut st = up.lock().unwrap();
                if st.replied {
                    st.flights.push(Vec::new());
                    st.replied = false;
                }
                st.flights.last_mut().unwrap().extend_from_slice(&buf[..n]);
                st.last_sent = Instant::now();
            }
            if s_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match s_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // Hold the reply until the client has been quiet for QUIET.
            loop {
                let wait = {
                    let mut st = state.lock().unwrap();
                    let wait = QUIET.saturating_sub(st.last_sent.elapsed());
                    if wait.is_zero() {
                        st.replied = true;
                    }
                    wait
                };
                if wait.is_zero() {
                    break;
                }
                std::thread::sleep(wait);
            }
            if c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Write);
    });
}

/// Names the commands in a byte stream sent by a client.
fn command_names(mut bytes: &[u8]) -> Vec<String> {
    let limits = Limits::default();
    let mut names = Vec::new();
    while !bytes.is_empty() {
        let (value, used) = parse(bytes, &limits)
            .expect("client sent valid RESP")
            .expect("client sent complete commands");
        bytes = &bytes[used..];
        let Value::Array(args) = value else {
            panic!("a command is an array, got {value:?}")
        };
        let word = |i: usize| match args.get(i) {
            Some(Value::Bulk(b)) => String::from_utf8_lossy(b).to_ascii_uppercase(),
            other => panic!("argument {i}: {other:?}"),
        };
        let first = word(0);
        if matches!(first.as_str(), "SCRIPT" | "FUNCTION" | "CLIENT" | "CONFIG") {
            names.push(format!("{first} {}", word(1)));
        } else {
            names.push(first);
        }
    }
    names
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A script whose source is larger than the 64 KiB inline-load limit (a long Lua comment).
fn large_source(tag: &str) -> String {
    format!(
        "-- {tag} {}\nreturn tonumber(ARGV[1]) + 1",
        "x".repeat(66 * 1024)
    )
}

// ---------------------------------------------------------------------------------------------
// Results in both protocols
// ---------------------------------------------------------------------------------------------

#[test]
fn seed_example_on_client_and_connection_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let multiply = client.register_script(MULTIPLY);

        // On the pooled client.
        let (ok, product): (bool, i64) = client
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25), "{protocol:?}");

        let values: Vec<Value> = client
            .pipeline()
            .set("foo", 6)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!(values, vec![Value::Okay, Value::Int(30)], "{protocol:?}");

        let raw = client
            .pipeline()
            .set("foo", 7)
            .script(&multiply, "foo", 5)
            .execute_raw()
            .unwrap();
        assert_eq!(raw, vec![Value::Okay, Value::Int(35)], "{protocol:?}");

        // On a dedicated connection, whose script cache starts empty.
        let conn = client.get_connection().unwrap();
        let (ok, product): (bool, i64) = conn
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25), "{protocol:?}");
        let raw = conn
            .pipeline()
            .set("foo", 8)
            .script(&multiply, "foo", 5)
            .execute_raw()
            .unwrap();
        assert_eq!(raw, vec![Value::Okay, Value::Int(40)], "{protocol:?}");

        // Atomic, same results.
        let (ok, product): (bool, i64) = conn
            .pipeline()
            .atomic()
            .set("foo", 9)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 45), "{protocol:?}");
    }
}

#[test]
fn replies_of_every_shape_convert_in_both_protocols() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let nested = client.register_script("return {1, 'two', {3, 'four'}}");
        #[allow(clippy::type_complexity)]
        let (set, missing, hset, map, list_len, nested_value, members): (
            (),
            Option<String>,
            i64,
            HashMap<String, String>,
            i64,
            Value,
            Vec<String>,
        ) = client
            .pipeline()
            .set("s", "v")
            .get("missing")
            .hset("h", "f", "x")
            .cmd(cmd("HGETALL").arg("h"))
            .rpush("l", ["a", "b", "c"])
            .script(&nested, (), ())
            .cmd(cmd("LRANGE").arg("l").arg(0).arg(-1))
            .execute()
            .unwrap();
        let () = set;
        assert_eq!(missing, None);
        assert_eq!(hset, 1);
        assert_eq!(map, HashMap::from([("f".to_string(), "x".to_string())]));
        assert_eq!(list_len, 3);
        assert_eq!(
            nested_value,
            Value::Array(vec![
                Value::Int(1),
                Value::Bulk(b"two".to_vec()),
                Value::Array(vec![Value::Int(3), Value::Bulk(b"four".to_vec())]),
            ]),
            "{protocol:?}"
        );
        assert_eq!(members, ["a", "b", "c"]);

        // The raw HGETALL reply is the protocol's own shape.
        let raw = client
            .pipeline()
            .cmd(cmd("HGETALL").arg("h"))
            .execute_raw()
            .unwrap();
        let expected = match protocol {
            Protocol::Resp2 => {
                Value::Array(vec![Value::Bulk(b"f".to_vec()), Value::Bulk(b"x".to_vec())])
            }
            Protocol::Resp3 => Value::Map(vec![(
                Value::Bulk(b"f".to_vec()),
                Value::Bulk(b"x".to_vec()),
            )]),
        };
        assert_eq!(raw, vec![expected]);
    }
}

#[test]
fn pipeline_is_reusable_after_execute_and_clear() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let mut pipe = conn.pipeline();
    assert!(pipe.is_empty());
    pipe.set("a", 1).incr("a", 2);
    assert_eq!(pipe.len(), 2);
    let (_, a): ((), i64) = pipe.execute().unwrap();
    assert_eq!(a, 3);
    assert!(pipe.is_empty(), "execute empties the queue");

    pipe.incr("a", 10);
    pipe.clear();
    assert!(pipe.is_empty());
    pipe.get("a");
    let (a,): (i64,) = pipe.execute().unwrap();
    assert_eq!(a, 3, "a cleared command never ran");

    // After an error the queue is emptied too, and the connection is in step.
    pipe.set("str", "x").incr("str", 1).get("a");
    pipe.execute::<Vec<Value>>().unwrap_err();
    assert!(pipe.is_empty());
    pipe.get("str");
    let (s,): (String,) = pipe.execute().unwrap();
    assert_eq!(s, "x");
    assert_eq!(conn.get::<i64>("a").unwrap(), 3);
}

#[test]
fn fcall_and_fcall_ro_in_a_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let lib = client
            .function_load(
                "#!lua name=pipelib\n\
                 redis.register_function('bump', function(keys, args) \
                   return redis.call('INCRBY', keys[1], args[1]) end)\n\
                 redis.register_function{function_name='peek', \
                   callback=function(keys, args) return redis.call('GET', keys[1]) end, \
                   flags={'no-writes'}}",
                true,
            )
            .unwrap();
        assert_eq!(lib, "pipelib");
        client.del("counter").unwrap();

        let (a, b, peeked): (i64, i64, String) = client
            .pipeline()
            .fcall("bump", "counter", 2)
            .fcall("bump", "counter", 3)
            .fcall_ro("peek", "counter", ())
            .execute()
            .unwrap();
        assert_eq!((a, b, peeked.as_str()), (2, 5, "5"), "{protocol:?}");

        // Atomic, and on a dedicated connection.
        let conn = client.get_connection().unwrap();
        let (a, peeked): (i64, i64) = conn
            .pipeline()
            .atomic()
            .fcall("bump", "counter", 10)
            .fcall_ro("peek", "counter", ())
            .execute()
            .unwrap();
        assert_eq!((a, peeked), (15, 15));

        // A missing function is reported on its command.
        let err = client
            .pipeline()
            .fcall("bump", "counter", 1)
            .fcall("nope", (), ())
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert!(command.contains("FCALL nope"), "{command}");
        assert_eq!(
            source.server_kind(),
            Some(ServerErrorKind::Err),
            "{source:?}"
        );
        assert!(
            source.to_string().contains("Function not found"),
            "{source}"
        );
        assert_eq!(client.get::<i64>("counter").unwrap(), 16);

        // A write through FCALL_RO is refused.
        let err = client
            .pipeline()
            .fcall_ro("bump", "counter", 1)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, _, source) = pipeline_error(err);
        assert_eq!(index, 0);
        assert!(
            source
                .to_string()
                .contains("Can not execute a script with write flag using *_ro command"),
            "{source}"
        );
        assert_eq!(client.get::<i64>("counter").unwrap(), 16);
    }
}

#[test]
fn script_ro_in_a_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let read = client.register_script("return redis.call('GET', KEYS[1])");
        let write = client.register_script("return redis.call('SET', KEYS[1], ARGV[1])");
        let conn = client.get_connection().unwrap();
        let (set, got, got_rw): (bool, String, String) = conn
            .pipeline()
            .set("k", "v1")
            .script_ro(&read, "k", ())
            .script(&read, "k", ())
            .execute()
            .unwrap();
        assert!(set);
        assert_eq!((got.as_str(), got_rw.as_str()), ("v1", "v1"));

        // A write from a read-only call fails on that command only.
        let err = conn
            .pipeline()
            .script_ro(&write, "k", "v2")
            .script(&write, "k2", "v3")
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 0);
        assert!(command.starts_with("EVALSHA_RO"), "{command}");
        assert!(
            source
                .to_string()
                .contains("Write commands are not allowed from read-only scripts"),
            "{source:?}"
        );
        assert_eq!(conn.get::<String>("k").unwrap(), "v1");
        assert_eq!(conn.get::<String>("k2").unwrap(), "v3");
    }
}

#[test]
fn lua_errors_in_a_pipeline_name_the_command_and_script() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let failing = client.register_script("local x = 1\nerror('boom')");
        let err = client
            .pipeline()
            .set("a", 1)
            .script(&failing, (), ())
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert!(command.starts_with("EVALSHA"), "{command}");
        match source {
            Error::Script { message, sha, line } => {
                assert!(message.contains("boom"), "{message}");
                assert_eq!(sha.as_deref(), Some(failing.sha()));
                assert_eq!(line, Some(2));
            }
            other => panic!("{protocol:?}: expected Error::Script, got {other:?}"),
        }
        assert_eq!(client.get::<i64>("b").unwrap(), 2);

        // redis.error_reply with a made-up code.
        let custom = client.register_script("return redis.error_reply('MYERR custom failure')");
        let raw = client
            .pipeline()
            .script(&custom, (), ())
            .execute_raw()
            .unwrap();
        assert_eq!(raw, vec![Value::Error("MYERR custom failure".into())]);

        // A compile error: the inline SCRIPT LOAD fails, the batch still runs, and the error
        // is reported on the command that calls the script.
        client.del(["a", "b"]).unwrap();
        let broken = client.register_script("return +");
        for atomic in [false, true] {
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let err = pipe
                .set("a", 1)
                .script(&broken, (), ())
                .set("b", 2)
                .execute::<Vec<Value>>()
                .unwrap_err();
            let (index, _, source) = pipeline_error(err);
            assert_eq!(index, 1, "atomic={atomic}");
            match &source {
                Error::Script { message, .. } => {
                    assert!(message.contains("Error compiling script"), "{message}")
                }
                other => panic!("{protocol:?} atomic={atomic}: expected Script, got {other:?}"),
            }
            assert_eq!(client.get::<i64>("a").unwrap(), 1);
            assert_eq!(client.get::<i64>("b").unwrap(), 2);
            // The pooled connection is still in step.
            assert_eq!(client.ping().unwrap(), "PONG");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NOSCRIPT after another client flushed the cache
// ---------------------------------------------------------------------------------------------

#[test]
fn script_flushed_by_another_client_fails_once_then_reloads() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        for atomic in [false, true] {
            let client = server.client_with(protocol);
            let other = server.client();
            let observer = server.client();
            client.flushdb().unwrap();
            let multiply = client.register_script(MULTIPLY);
            let conn = client.get_connection().unwrap();
            let batch = |v: i64| {
                let mut pipe = conn.pipeline();
                if atomic {
                    pipe.atomic();
                }
                pipe.set("x", v)
                    .script(&multiply, "x", 2)
                    .set("y", v)
                    .execute::<((), i64, ())>()
            };
            assert_eq!(batch(1).unwrap().1, 2);
            other.script_flush(FlushMode::Sync).unwrap();
            assert!(!multiply.exists().unwrap());

            // The connection believes the script is cached: NOSCRIPT on that command, the
            // other commands applied, nothing replayed.
            let before = Stats::of(&observer);
            let err = batch(5).unwrap_err();
            let after = Stats::of(&observer);
            let (index, command, source) = pipeline_error(err);
            assert_eq!(index, 1, "{protocol:?} atomic={atomic}");
            assert!(command.starts_with("EVALSHA"), "{command}");
            assert!(matches!(source, Error::NoScript), "{source:?}");
            assert_eq!(client.get::<i64>("x").unwrap(), 5);
            assert_eq!(client.get::<i64>("y").unwrap(), 5);
            assert_eq!(before.delta(&after, "set"), 2, "the batch was not replayed");
            assert_eq!(before.delta(&after, "evalsha"), 1);
            assert_eq!(before.delta(&after, "script|load"), 0);

            // The next batch on the same connection loads the script again and succeeds.
            let before = Stats::of(&observer);
            assert_eq!(batch(7).unwrap().1, 14, "{protocol:?} atomic={atomic}");
            let after = Stats::of(&observer);
            assert_eq!(before.delta(&after, "script|load"), 1);
            assert!(multiply.exists().unwrap());
        }
    }
}

#[test]
fn flushed_script_with_execute_raw_gives_the_noscript_reply() {
    let server = RedisServer::start();
    let client = server.client();
    let other = server.client();
    let multiply = client.register_script(MULTIPLY);
    let conn = client.get_connection().unwrap();
    conn.pipeline()
        .set("x", 3)
        .script(&multiply, "x", 3)
        .execute::<Vec<Value>>()
        .unwrap();
    other.script_flush(FlushMode::Async).unwrap();
    let raw = conn
        .pipeline()
        .set("x", 4)
        .script(&multiply, "x", 3)
        .execute_raw()
        .unwrap();
    assert_eq!(raw.len(), 2);
    assert_eq!(raw[0], Value::Okay);
    match &raw[1] {
        Value::Error(m) => assert!(m.starts_with("NOSCRIPT"), "{m}"),
        other => panic!("expected a NOSCRIPT error reply, got {other:?}"),
    }
    let raw = conn
        .pipeline()
        .script(&multiply, "x", 3)
        .execute_raw()
        .unwrap();
    assert_eq!(raw, vec![Value::Int(12)]);
}

#[test]
fn pooled_client_reloads_after_a_flush() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.builder().protocol(protocol).max_idle(1).build();
        let other = server.client();
        let multiply = client.register_script(MULTIPLY);
        let (_, v): ((), i64) = client
            .pipeline()
            .set("x", 2)
            .script(&multiply, "x", 2)
            .execute()
            .unwrap();
        assert_eq!(v, 4);
        other.script_flush(FlushMode::Sync).unwrap();
        // The first batch may see NOSCRIPT (the pooled connection knew the script), but the
        // one after it must succeed.
        let first = client
            .pipeline()
            .script(&multiply, "x", 3)
            .execute::<(i64,)>();
        if let Err(e) = first {
            let (index, _, source) = pipeline_error(e);
            assert_eq!(index, 0);
            assert!(matches!(source, Error::NoScript), "{source:?}");
        }
        let (v,): (i64,) = client
            .pipeline()
            .script(&multiply, "x", 3)
            .execute()
            .unwrap();
        assert_eq!(v, 6);
        // A plain Script::call after a flush reloads transparently.
        other.script_flush(FlushMode::Sync).unwrap();
        assert_eq!(multiply.call::<i64>("x", 4).unwrap(), 8);
    }
}

// ---------------------------------------------------------------------------------------------
// Script preload: how many loads, checks and round trips
// ---------------------------------------------------------------------------------------------

#[test]
fn commandstats_names_on_this_server() {
    // Documents the field names the other tests rely on.
    let server = RedisServer::start();
    let client = server.client();
    let observer = server.client();
    let sha = client.script_load("return 1").unwrap();
    client.script_exists(&[&sha]).unwrap();
    client.evalsha::<i64>(&sha, (), ()).unwrap();
    let stats = Stats::of(&observer);
    assert_eq!(stats.calls("script|load"), 1, "{stats:?}");
    assert_eq!(stats.calls("script|exists"), 1, "{stats:?}");
    assert_eq!(stats.calls("evalsha"), 1, "{stats:?}");
}

#[test]
fn two_script_objects_with_one_body_are_loaded_once() {
    let server = RedisServer::start();
    let client = server.client();
    let observer = server.client();
    let a = client.register_script(MULTIPLY);
    let b = client.register_script(MULTIPLY);
    assert_eq!(a.sha(), b.sha());
    let conn = client.get_connection().unwrap();
    let before = Stats::of(&observer);
    let (_, x, y, z): ((), i64, i64, i64) = conn
        .pipeline()
        .set("n", 3)
        .script(&a, "n", 2)
        .script(&b, "n", 3)
        .script(&a, "n", 4)
        .execute()
        .unwrap();
    let after = Stats::of(&observer);
    assert_eq!((x, y, z), (6, 9, 12));
    assert_eq!(script_deltas(&before, &after), (1, 0, 3));
}

#[test]
fn hundred_distinct_small_scripts_are_each_loaded_once() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let observer = server.client();
        client.script_flush(FlushMode::Sync).unwrap();
        let scripts: Vec<_> = (0..100)
            .map(|i| client.register_script(format!("return {i} + tonumber(ARGV[1])")))
            .collect();
        let conn = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let mut pipe = conn.pipeline();
        for (i, s) in scripts.iter().enumerate() {
            pipe.script(s, (), 1000);
            // Every script twice, so that a second use is not a second load.
            pipe.script(s, (), i as i64);
        }
        let results: Vec<i64> = pipe.execute().unwrap();
        let after = Stats::of(&observer);
        let expected: Vec<i64> = (0..100).flat_map(|i| [i + 1000, 2 * i]).collect();
        assert_eq!(results, expected);
        assert_eq!(
            script_deltas(&before, &after),
            (100, 0, 200),
            "{protocol:?}"
        );
    }
}

#[test]
fn scripts_over_the_inline_limit_cost_one_script_exists() {
    let server = RedisServer::start();
    let client = server.client();
    let observer = server.client();
    // 100 scripts of about 1 KiB each: 100 KiB in all, over the 64 KiB inline limit.
    let scripts: Vec<_> = (0..100)
        .map(|i| client.register_script(format!("-- {}\nreturn {i}", "y".repeat(1024))))
        .collect();
    // Ten of them are already in the server's cache.
    for s in &scripts[..10] {
        s.load().unwrap();
    }
    let conn = client.get_connection().unwrap();
    let before = Stats::of(&observer);
    let mut pipe = conn.pipeline();
    for s in &scripts {
        pipe.script(s, (), ());
    }
    let results: Vec<i64> = pipe.execute().unwrap();
    let after = Stats::of(&observer);
    assert_eq!(results, (0..100).collect::<Vec<i64>>());
    assert_eq!(script_deltas(&before, &after), (90, 1, 100));

    // Now the connection knows all of them.
    let before = Stats::of(&observer);
    let mut pipe = conn.pipeline();
    for s in &scripts {
        pipe.script(s, (), ());
    }
    pipe.execute::<()>().unwrap();
    let after = Stats::of(&observer);
    assert_eq!(script_deltas(&before, &after), (0, 0, 100));
}

#[test]
fn preload_cost_counted_with_commandstats() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let observer = server.client();
        let tag = format!("{protocol:?}");
        let small = client.register_script(format!("-- {tag}\n{MULTIPLY}"));
        let large = client.register_script(large_source(&tag));
        assert!(large.source().unwrap().len() > 64 * 1024);
        let conn = client.get_connection().unwrap();

        // First batch with a new small script: one SCRIPT LOAD, no SCRIPT EXISTS.
        let before = Stats::of(&observer);
        let r: ((), i64, i64) = conn
            .pipeline()
            .set("k", 2)
            .script(&small, "k", 3)
            .script(&small, "k", 4)
            .execute()
            .unwrap();
        let after = Stats::of(&observer);
        assert_eq!(r, ((), 6, 8));
        assert_eq!(script_deltas(&before, &after), (1, 0, 2), "{tag} first");

        // Second batch on the same connection: nothing extra.
        let before = Stats::of(&observer);
        let r: ((), i64, i64) = conn
            .pipeline()
            .set("k", 3)
            .script(&small, "k", 3)
            .script(&small, "k", 4)
            .execute()
            .unwrap();
        let after = Stats::of(&observer);
        assert_eq!(r, ((), 9, 12));
        assert_eq!(script_deltas(&before, &after), (0, 0, 2), "{tag} second");

        // A large script, new to the server: one SCRIPT EXISTS, one SCRIPT LOAD.
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn.pipeline().script(&large, (), 41).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 42);
        assert_eq!(
            script_deltas(&before, &after),
            (1, 1, 1),
            "{tag} large first"
        );

        // Again on the same connection: known, nothing extra.
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn.pipeline().script(&large, (), 1).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 2);
        assert_eq!(
            script_deltas(&before, &after),
            (0, 0, 1),
            "{tag} large again"
        );

        // A new connection, the large script already cached: one SCRIPT EXISTS, no load.
        let conn2 = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn2.pipeline().script(&large, (), 2).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 3);
        assert_eq!(
            script_deltas(&before, &after),
            (0, 1, 1),
            "{tag} large new conn"
        );

        // A new connection and a small script the server already has: loaded inline anyway
        // (cheaper than asking), still no SCRIPT EXISTS.
        let conn3 = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let (v,): (i64,) = conn3.pipeline().script(&small, "k", 1).execute().unwrap();
        let after = Stats::of(&observer);
        assert_eq!(v, 3);
        assert_eq!(
            script_deltas(&before, &after),
            (1, 0, 1),
            "{tag} small new conn"
        );

        // Atomic, on a fresh connection, small + large together (over the limit): one
        // SCRIPT EXISTS for both, no load (both cached).
        let conn4 = client.get_connection().unwrap();
        let before = Stats::of(&observer);
        let (a, b): (i64, i64) = conn4
            .pipeline()
            .atomic()
            .script(&small, "k", 2)
            .script(&large, (), 5)
            .execute()
            .unwrap();
        let after = Stats::of(&observer);
        assert_eq!((a, b), (6, 6));
        assert_eq!(
            script_deltas(&before, &after),
            (0, 1, 2),
            "{tag} mixed atomic"
        );
        assert_eq!(before.delta(&after, "multi"), 1);
        assert_eq!(before.delta(&after, "exec"), 1);
    }
}

#[test]
fn preload_round_trips_counted_with_a_proxy() {
    let server = RedisServer::start();
    let observer = server.client();
    for protocol in PROTOCOLS {
        observer.script_flush(FlushMode::Sync).unwrap();
        let proxy = CountingProxy::start(server.port());
        let client = Client::builder()
            .host("127.0.0.1")
            .port(proxy.port())
            .protocol(protocol)
            .read_timeout(Some(Duration::from_secs(10)))
            .build();
        let small = client.register_script(MULTIPLY);
        let other_small = client.register_script("return 'other'");
        let large = client.register_script(large_source("proxy"));
        let conn = client.get_connection().unwrap();
        let tag = format!("{protocol:?}");

        // New small script: the SCRIPT LOAD travels in the batch's one write.
        let mark = proxy.flight_count();
        let r: ((), i64, i64) = conn
            .pipeline()
            .set("k", 2)
            .script(&small, "k", 3)
            .script(&small, "k", 4)
            .execute()
            .unwrap();
        assert_eq!(r, ((), 6, 8));
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&["SCRIPT LOAD", "SET", "EVALSHA", "EVALSHA"])],
            "{tag}"
        );

        // Known script: one flight, no preamble.
        let mark = proxy.flight_count();
        conn.pipeline()
            .set("k", 2)
            .script(&small, "k", 3)
            .execute::<Vec<Value>>()
            .unwrap();
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&["SET", "EVALSHA"])],
            "{tag}"
        );

        // Atomic with a new small script: SCRIPT LOAD ahead of MULTI, all in one write.
        let mark = proxy.flight_count();
        let (s, o): (i64, String) = conn
            .pipeline()
            .atomic()
            .script(&small, "k", 5)
            .script(&other_small, (), ())
            .execute()
            .unwrap();
        assert_eq!((s, o.as_str()), (10, "other"));
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&[
                "SCRIPT LOAD",
                "MULTI",
                "EVALSHA",
                "EVALSHA",
                "EXEC"
            ])],
            "{tag}"
        );

        // Large new script: one SCRIPT EXISTS round trip, then LOAD + batch in one write.
        let mark = proxy.flight_count();
        let (v,): (i64,) = conn.pipeline().script(&large, (), 1).execute().unwrap();
        assert_eq!(v, 2);
        assert_eq!(
            proxy.flights_since(mark),
            vec![
                names(&["SCRIPT EXISTS"]),
                names(&["SCRIPT LOAD", "EVALSHA"])
            ],
            "{tag}"
        );

        // A second connection: the large script is cached, so EXISTS then just the batch.
        let conn2 = client.get_connection().unwrap();
        let mark = proxy.flight_count();
        let (v,): (i64,) = conn2.pipeline().script(&large, (), 2).execute().unwrap();
        assert_eq!(v, 3);
        assert_eq!(
            proxy.flights_since(mark),
            vec![names(&["SCRIPT EXISTS"]), names(&["EVALSHA"])],
            "{tag}"
        );

        // An empty pipeline sends nothing, atomic or not.
        let mark = proxy.flight_count();
        assert!(conn.pipeline().execute::<Vec<Value>>().unwrap().is_empty());
        assert!(conn.pipeline().atomic().execute_raw().unwrap().is_empty());
        conn.pipeline().atomic().execute::<()>().unwrap();
        assert_eq!(proxy.flight_count(), mark, "{tag}");

        // A batch of 2,000 commands (about 60 KiB) is one write.
        let mark = proxy.flight_count();
        let mut pipe = conn.pipeline();
        for i in 0..2000 {
            pipe.set(format!("key:{i}"), i);
        }
        let replies: Vec<Value> = pipe.execute().unwrap();
        assert_eq!(replies.len(), 2000);
        let flights = proxy.flights_since(mark);
        assert_eq!(flights.len(), 1, "{tag}");
        assert_eq!(flights[0].len(), 2000);
        assert!(proxy.connections.load(Ordering::SeqCst) >= 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors in plain and atomic batches
// ---------------------------------------------------------------------------------------------

#[test]
fn error_in_the_middle_of_a_plain_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        client.set("text", "abc").unwrap();
        client.rpush("list", "x").unwrap();

        // "not an integer".
        let err = client
            .pipeline()
            .set("a", 1)
            .cmd(cmd("INCR").arg("text"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let message = err.to_string();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1, "{protocol:?}");
        assert_eq!(command, "INCR text");
        assert!(message.contains("INCR text"), "{message}");
        match &source {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::Err);
                assert_eq!(message, "ERR value is not an integer or out of range");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(client.get::<i64>("a").unwrap(), 1);
        assert_eq!(client.get::<i64>("b").unwrap(), 2);

        // WRONGTYPE, with a typed helper.
        let err = client
            .pipeline()
            .set("a", 10)
            .incr("list", 1)
            .set("b", 20)
            .execute::<((), i64, ())>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert_eq!(command, "INCRBY list 1");
        assert_eq!(source.server_kind(), Some(ServerErrorKind::WrongType));
        assert_eq!(client.get::<i64>("a").unwrap(), 10);
        assert_eq!(client.get::<i64>("b").unwrap(), 20);

        // Only the first error is returned, but every command ran.
        let err = client
            .pipeline()
            .cmd(cmd("INCR").arg("text"))
            .incr("list", 1)
            .set("c", 3)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 0);
        assert_eq!(client.get::<i64>("c").unwrap(), 3);

        // execute_raw: three replies, the error as a value.
        let raw = client
            .pipeline()
            .set("a", 100)
            .cmd(cmd("INCR").arg("text"))
            .set("b", 200)
            .execute_raw()
            .unwrap();
        assert_eq!(
            raw,
            vec![
                Value::Okay,
                Value::Error("ERR value is not an integer or out of range".into()),
                Value::Okay
            ]
        );
        assert_eq!(client.get::<i64>("b").unwrap(), 200);

        // The same on a dedicated connection, which stays in step afterwards.
        let conn = client.get_connection().unwrap();
        let err = conn
            .pipeline()
            .set("a", 1)
            .cmd(cmd("INCR").arg("text"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 1);
        assert!(!conn.is_broken());
        assert_eq!(conn.get::<String>("text").unwrap(), "abc");
        assert_eq!(conn.get::<i64>("b").unwrap(), 2);
    }
}

#[test]
fn atomic_results_and_runtime_error_without_rollback() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let multiply = client.register_script(MULTIPLY);

        let (ok, n, product, got): (bool, i64, i64, String) = client
            .pipeline()
            .atomic()
            .set("a", 3)
            .incr("a", 1)
            .script(&multiply, "a", 10)
            .get("a")
            .execute()
            .unwrap();
        assert_eq!((ok, n, product, got.as_str()), (true, 4, 40, "4"));

        // A run-time error inside EXEC: reported on its command; the others applied.
        client.set("text", "abc").unwrap();
        let err = client
            .pipeline()
            .atomic()
            .set("x", 1)
            .cmd(cmd("INCR").arg("text"))
            .set("y", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1, "{protocol:?}");
        assert_eq!(command, "INCR text");
        assert_eq!(source.server_kind(), Some(ServerErrorKind::Err));
        assert!(source.to_string().contains("not an integer"), "{source}");
        assert_eq!(client.get::<i64>("x").unwrap(), 1);
        assert_eq!(client.get::<i64>("y").unwrap(), 2);

        // execute_raw on an atomic batch: the EXEC replies, error included.
        let raw = client
            .pipeline()
            .atomic()
            .set("x", 10)
            .cmd(cmd("INCR").arg("text"))
            .incr("x", 5)
            .execute_raw()
            .unwrap();
        assert_eq!(
            raw,
            vec![
                Value::Okay,
                Value::Error("ERR value is not an integer or out of range".into()),
                Value::Int(15)
            ]
        );

        // On a dedicated connection, which stays in step.
        let conn = client.get_connection().unwrap();
        let err = conn
            .pipeline()
            .atomic()
            .incr("x", 1)
            .rpush("text", "v")
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, _, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert_eq!(source.server_kind(), Some(ServerErrorKind::WrongType));
        assert_eq!(conn.get::<i64>("x").unwrap(), 16);
    }
}

#[test]
fn execabort_reports_the_command_that_failed_to_queue_and_applies_nothing() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.flushdb().unwrap();
        let multiply = client.register_script(MULTIPLY);

        // Wrong arity.
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .script(&multiply, "a", 2)
            .cmd(cmd("SET").arg("onlykey"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 2, "{protocol:?}");
        assert_eq!(command, "SET onlykey");
        match &source {
            Error::Server { kind, message } => {
                assert_eq!(*kind, ServerErrorKind::Err);
                assert_eq!(message, "ERR wrong number of arguments for 'set' command");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(client.exists(["a", "b"]).unwrap(), 0, "nothing applied");

        // Unknown command.
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .cmd(cmd("NOSUCHCOMMAND").arg("x"))
            .set("b", 2)
            .execute::<Vec<Value>>()
            .unwrap_err();
        let (index, command, source) = pipeline_error(err);
        assert_eq!(index, 1);
        assert!(command.starts_with("NOSUCHCOMMAND"), "{command}");
        assert!(
            source
                .to_string()
                .contains("unknown command 'NOSUCHCOMMAND'"),
            "{source}"
        );
        assert_eq!(client.exists(["a", "b"]).unwrap(), 0, "nothing applied");

        // execute_raw reports the abort too (there are no per-command results).
        let err = client
            .pipeline()
            .atomic()
            .set("a", 1)
            .cmd(&cmd("GET"))
            .execute_raw()
            .unwrap_err();
        assert_eq!(pipeline_error(err).0, 1);
        assert_eq!(client.exists("a").unwrap(), 0);

        // The pooled connection is out of MULTI: a plain command works, and a later atomic
        // batch on it runs normally.
        assert_eq!(client.ping().unwrap(), "PONG");
        let (n,): (i64,) = client.pipeline().atomic().incr("c", 1).execute().unwrap();
        assert_eq!(n, 1);
    }
}

#[test]
fn ignore_drops_replies_but_not_errors() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        for atomic in [false, true] {
            let client = server.client_with(protocol);
            client.flushdb().unwrap();
            let multiply = client.register_script(MULTIPLY);
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let (product, got): (i64, String) = pipe
                .set("a", 2)
                .ignore()
                .script(&multiply, "a", 21)
                .incr("a", 1)
                .ignore()
                .get("a")
                .execute()
                .unwrap();
            assert_eq!((product, got.as_str()), (42, "3"), "atomic={atomic}");

            // All ignored: an empty result, and `()` works.
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let all: Vec<Value> = pipe
                .set("b", 1)
                .ignore()
                .incr("b", 1)
                .ignore()
                .execute()
                .unwrap();
            assert!(all.is_empty());
            assert_eq!(client.get::<i64>("b").unwrap(), 2);

            // An error in an ignored command is still reported, with its index among all
            // commands (ignored ones count).
            client.set("text", "abc").unwrap();
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let err = pipe
                .set("c", 1)
                .ignore()
                .cmd(cmd("INCR").arg("text"))
                .ignore()
                .get("c")
                .execute::<(String,)>()
                .unwrap_err();
            let (index, command, _) = pipeline_error(err);
            assert_eq!(
                (index, command.as_str()),
                (1, "INCR text"),
                "atomic={atomic}"
            );

            // execute_raw leaves ignored replies out.
            let mut pipe = client.pipeline();
            if atomic {
                pipe.atomic();
            }
            let raw = pipe
                .set("d", 1)
                .ignore()
                .incr("d", 5)
                .execute_raw()
                .unwrap();
            assert_eq!(raw, vec![Value::Int(6)]);

            // `ignore` on an empty pipeline does nothing.
            let mut pipe = client.pipeline();
            pipe.ignore().get("d");
            let (d,): (i64,) = pipe.execute().unwrap();
            assert_eq!(d, 6);
        }
    }
}

#[test]
fn empty_pipeline_needs_no_server() {
    // A client pointing at a port where nothing listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder().host("127.0.0.1").port(port).build();
    assert!(client
        .pipeline()
        .execute::<Vec<Value>>()
        .unwrap()
        .is_empty());
    assert!(client.pipeline().execute_raw().unwrap().is_empty());
    client.pipeline().atomic().execute::<()>().unwrap();
    let empty: Vec<i64> = client.pipeline().atomic().execute().unwrap();
    assert!(empty.is_empty());
    assert_eq!(client.idle_connections(), 0, "never connected");
    // The same client fails as it should once a command is queued.
    let err = client.pipeline().set("a", 1).execute::<()>().unwrap_err();
    assert!(err.is_connection_broken(), "{err:?}");

    // On a real server, an empty pipeline leaves commandstats as they were.
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let observer = server.client();
    let before = Stats::of(&observer);
    let script = client.register_script(MULTIPLY);
    let mut pipe = conn.pipeline();
    pipe.script(&script, "k", 1).set("x", 1);
    pipe.clear();
    assert!(pipe.execute::<Vec<Value>>().unwrap().is_empty());
    conn.pipeline().atomic().execute::<()>().unwrap();
    let after = Stats::of(&observer);
    let mut changed: Vec<_> = after
        .0
        .iter()
        .filter(|(name, calls)| name.as_str() != "info" && before.calls(name) != **calls)
        .collect();
    changed.sort();
    assert!(changed.is_empty(), "{changed:?}");
}

// ---------------------------------------------------------------------------------------------
// Transactions and WATCH
// ---------------------------------------------------------------------------------------------

#[test]
fn transaction_retries_after_a_watch_conflict() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let other = server.client();
        client.set("k", 1).unwrap();
        let mut attempts = 0;
        let (ok, value): (bool, i64) = client
            .transaction(["k"], |conn, pipe| {
                attempts += 1;
                let current: i64 = conn.get("k")?;
                if attempts == 1 {
                    // Another client changes the key between WATCH and EXEC.
                    other.set("k", 100)?;
                }
                pipe.set("k", current + 1).get("k");
                Ok(())
            })
            .unwrap();
        assert_eq!(attempts, 2, "{protocol:?}");
        assert!(ok);
        assert_eq!(value, 101);
        assert_eq!(client.get::<i64>("k").unwrap(), 101);
    }
}

#[test]
fn transaction_with_a_script_and_a_conflict() {
    let server = RedisServer::start();
    let client = server.client();
    let other = server.client();
    let multiply = client.register_script(MULTIPLY);
    client.set("k", 2).unwrap();
    let mut attempts = 0;
    let (product,): (i64,) = client
        .transaction(["k"], |conn, pipe| {
            attempts += 1;
            let current: i64 = conn.get("k")?;
            if attempts == 1 {
                other.set("k", 3)?;
                // A flush as well: the script must still get loaded for the retry.
                other.script_flush(FlushMode::Sync)?;
            }
            pipe.set("k", current).ignore().script(&multiply, "k", 10);
            Ok(())
        })
        .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(product, 30);
}

#[test]
fn four_threads_increment_one_key_with_transactions() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("counter", 0).unwrap();
        let attempts = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..250 {
                        let _: Vec<Value> = client
                            .transaction(["counter"], |conn, pipe| {
                                attempts.fetch_add(1, Ordering::Relaxed);
                                let n: i64 = conn.get("counter")?;
                                pipe.set("counter", n + 1);
                                Ok(())
                            })
                            .unwrap();
                    }
                });
            }
        });
        assert_eq!(client.get::<i64>("counter").unwrap(), 1000, "{protocol:?}");
        let attempts = attempts.into_inner();
        assert!(attempts >= 1000);
        println!("{protocol:?}: 1000 transactions took {attempts} attempts");
    }
}

#[test]
fn transaction_closure_error_is_returned_and_leaves_no_watch() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.builder().protocol(protocol).max_idle(1).build();
        let other = server.client();
        client.flushdb().unwrap();
        client.set("k", 1).unwrap();
        client.set("text", "abc").unwrap();
        let mut calls = 0;
        let err = client
            .transaction(["k"], |conn, pipe| {
                calls += 1;
                pipe.set("k", 2);
                let _: i64 = conn.incr("text")?; // fails: not an integer
                Ok(())
            })
            .map(|(): ()| ())
            .unwrap_err();
        assert_eq!(calls, 1, "a closure error is not retried");
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{err:?}");
        assert!(err.to_string().contains("not an integer"), "{err}");
        assert_eq!(client.get::<i64>("k").unwrap(), 1, "nothing was queued");

        // The pooled connection went back clean: change the watched key elsewhere, then an
        // atomic batch on the same (only) pooled connection must not see a conflict.
        assert_eq!(client.idle_connections(), 1);
        other.set("k", 50).unwrap();
        let (v,): (i64,) = client.pipeline().atomic().incr("k", 1).execute().unwrap();
        assert_eq!(v, 51, "{protocol:?}");

        // A user error value works the same way.
        let err = client
            .transaction(["k"], |_, _| {
                Err(Error::InvalidArgument {
                    reason: "refused by the closure".into(),
                })
            })
            .map(|(): ()| ())
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument { reason } if reason == "refused by the closure"),
            "{err:?}"
        );
        other.set("k", 60).unwrap();
        let (v,): (i64,) = client.pipeline().atomic().incr("k", 1).execute().unwrap();
        assert_eq!(v, 61);
    }
}

#[test]
fn transaction_that_queues_nothing_leaves_no_watch() {
    let server = RedisServer::start();
    let client = server.builder().max_idle(1).build();
    let other = server.client();
    client.set("k", 1).unwrap();
    // A read-only "transaction": the closure decides there is nothing to write.
    let out: Vec<Value> = client
        .transaction(["k"], |conn, _pipe| {
            let _: i64 = conn.get("k")?;
            Ok(())
        })
        .unwrap();
    assert!(out.is_empty());
    assert_eq!(client.idle_connections(), 1);
    // The watched key changes; a later atomic batch on the same pooled connection must not
    // be aborted by a WATCH left behind.
    other.set("k", 2).unwrap();
    let (v,): (i64,) = client
        .pipeline()
        .atomic()
        .incr("k", 1)
        .execute()
        .expect("a WATCH from an earlier empty transaction aborted this batch");
    assert_eq!(v, 3);
}

#[test]
fn manual_watch_on_a_connection_gives_watch_conflict() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let other = server.client();
        client.set("k", 1).unwrap();
        let conn = client.get_connection().unwrap();
        conn.query::<()>(cmd("WATCH").arg("k")).unwrap();
        other.set("k", 2).unwrap();
        let err = conn
            .pipeline()
            .atomic()
            .set("k", 3)
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert!(matches!(err, Error::WatchConflict), "{protocol:?}: {err:?}");
        assert_eq!(client.get::<i64>("k").unwrap(), 2);
        // EXEC cleared the WATCH; the connection is still usable.
        other.set("k", 4).unwrap();
        let (v,): (i64,) = conn.pipeline().atomic().incr("k", 1).execute().unwrap();
        assert_eq!(v, 5);
    }
}

// ---------------------------------------------------------------------------------------------
// Big batches and a dying server
// ---------------------------------------------------------------------------------------------

const MILLION: usize = 1_000_000;

#[test]
fn million_commands_in_one_pipeline() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let started = Instant::now();
    let mut pipe = conn.pipeline();
    for i in 0..MILLION {
        pipe.set(i, i);
    }
    let built = started.elapsed();
    let replies: Vec<Value> = pipe.execute().unwrap();
    let plain = started.elapsed();
    assert_eq!(replies.len(), MILLION);
    assert!(replies.iter().all(|r| *r == Value::Okay));
    assert_eq!(client.dbsize().unwrap(), MILLION as i64);

    // The same with every reply ignored, into `()`.
    let started = Instant::now();
    let mut pipe = conn.pipeline();
    for i in 0..MILLION {
        pipe.incr(i, 1).ignore();
    }
    pipe.execute::<()>().unwrap();
    let ignored = started.elapsed();
    assert_eq!(client.get::<i64>(MILLION - 1).unwrap(), MILLION as i64);
    assert_eq!(client.get::<i64>(0).unwrap(), 1);
    println!(
        "1,000,000 SETs: {plain:?} (queueing {built:?}); 1,000,000 ignored INCRBYs: {ignored:?}"
    );
}

#[test]
fn million_commands_in_one_atomic_pipeline() {
    let server = RedisServer::start();
    let client = server.client();
    let conn = client.get_connection().unwrap();
    let started = Instant::now();
    let mut pipe = conn.pipeline();
    pipe.atomic();
    for i in 0..MILLION {
        pipe.incr(i % 1000, 1);
    }
    let replies: Vec<i64> = pipe.execute().unwrap();
    let took = started.elapsed();
    assert_eq!(replies.len(), MILLION);
    assert_eq!(replies[0], 1);
    assert_eq!(replies[MILLION - 1], 1000);
    assert_eq!(client.get::<i64>(999).unwrap(), 1000);
    assert_eq!(client.dbsize().unwrap(), 1000);
    println!("1,000,000 INCRBYs in MULTI/EXEC: {took:?}");
}

#[test]
fn server_killed_mid_batch_gives_a_connection_error_and_the_client_recovers() {
    let mut server = RedisServer::start();
    let client = server
        .builder()
        .read_timeout(Some(Duration::from_secs(5)))
        .build();
    let multiply = client.register_script(MULTIPLY);
    client.set("warm", 1).unwrap();
    let dedicated = client.get_connection().unwrap();
    let watcher = server
        .builder()
        .read_timeout(Some(Duration::from_secs(5)))
        .build();

    let result = std::thread::scope(|s| {
        let server = &mut server;
        s.spawn(move || {
            // Kill once the server is well into the batch (whose middle holds two
            // DEBUG SLEEPs, so it cannot have finished).
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if watcher.exists("k50000").unwrap_or(0) == 1 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            server.kill();
        });
        let mut pipe = client.pipeline();
        for i in 0..100_000 {
            pipe.set(format!("k{i}"), i);
        }
        pipe.cmd(cmd("DEBUG").arg("SLEEP").arg(1));
        for i in 100_000..200_000 {
            pipe.set(format!("k{i}"), i);
        }
        pipe.cmd(cmd("DEBUG").arg("SLEEP").arg(1));
        pipe.set("last", 1);
        pipe.execute::<Vec<Value>>()
    });
    let err = result.expect_err("the server died during the batch");
    assert!(err.is_connection_broken(), "{err:?}");
    assert!(
        !err.is_timeout(),
        "a dead server is seen at once, not by timeout: {err:?}"
    );
    println!("batch on a killed server: {err}");
    assert_eq!(
        client.idle_connections(),
        0,
        "the broken connection was dropped"
    );

    server.restart();
    // The same client works again, scripts included (the new server's cache is empty).
    client.set("after", 1).unwrap();
    assert_eq!(client.get::<i64>("after").unwrap(), 1);
    let (_, v): ((), i64) = client
        .pipeline()
        .set("n", 4)
        .script(&multiply, "n", 5)
        .execute()
        .unwrap();
    assert_eq!(v, 20);
    assert_eq!(client.dbsize().unwrap(), 2, "the restarted server is empty");

    // A dedicated connection opened before the restart fails with a connection error, then
    // reports itself broken.
    let err = dedicated
        .pipeline()
        .set("x", 1)
        .execute::<Vec<Value>>()
        .unwrap_err();
    assert!(err.is_connection_broken(), "{err:?}");
    assert!(dedicated.is_broken());
    let err = dedicated.pipeline().get("x").execute_raw().unwrap_err();
    assert!(matches!(err, Error::Broken), "{err:?}");
}

#[test]
fn values_larger_than_a_write_chunk_round_trip_intact() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let conn = client.get_connection().unwrap();
        // Each value is 1 MiB (four times the 256 KiB write chunk), each one different.
        let values: Vec<Vec<u8>> = (0..12u8)
            .map(|i| {
                (0..1024 * 1024)
                    .map(|j: u32| (j as u8).wrapping_mul(31).wrapping_add(i))
                    .collect()
            })
            .collect();
        let mut pipe = conn.pipeline();
        for (i, v) in values.iter().enumerate() {
            pipe.set(format!("big:{i}"), v).ignore();
        }
        for i in 0..values.len() {
            pipe.get(format!("big:{i}"));
        }
        let got: Vec<Vec<u8>> = pipe.execute().unwrap();
        assert_eq!(got.len(), values.len());
        for (i, (got, want)) in got.iter().zip(&values).enumerate() {
            assert!(got == want, "{protocol:?}: value {i} differs");
        }
        // Atomic as well.
        let mut pipe = conn.pipeline();
        pipe.atomic();
        for (i, v) in values.iter().enumerate().take(4) {
            pipe.set(format!("big:{i}"), v).get(format!("big:{i}"));
        }
        let replies = pipe.execute_raw().unwrap();
        assert_eq!(replies.len(), 8);
        for (i, pair) in replies.chunks(2).enumerate() {
            assert_eq!(pair[0], Value::Okay);
            assert!(
                pair[1] == Value::Bulk(values[i].clone()),
                "atomic value {i}"
            );
        }
    }
}

#[test]
fn script_known_only_by_sha_in_a_pipeline() {
    let server = RedisServer::start();
    let client = server.client();
    let loaded = client.script_load(MULTIPLY).unwrap();
    let by_sha = redline::Script::from_sha(&client, &loaded).unwrap();
    let conn = client.get_connection().unwrap();
    let (_, v): ((), i64) = conn
        .pipeline()
        .set("k", 6)
        .script(&by_sha, "k", 7)
        .execute()
        .unwrap();
    assert_eq!(v, 42);

    // Without a source there is nothing to load: NOSCRIPT on that command, the rest ran.
    let missing =
        redline::Script::from_sha(&client, "0123456789abcdef0123456789abcdef01234567").unwrap();
    let err = conn
        .pipeline()
        .set("a", 1)
        .script(&missing, (), ())
        .set("b", 2)
        .execute::<Vec<Value>>()
        .unwrap_err();
    let (index, _, source) = pipeline_error(err);
    assert_eq!(index, 1);
    assert!(matches!(source, Error::NoScript), "{source:?}");
    assert_eq!(conn.get::<i64>("b").unwrap(), 2);
}

#[test]
fn resp3_pushes_between_replies_do_not_shift_results() {
    let server = RedisServer::start();
    let client = server.client_with(Protocol::Resp3);
    let conn = client.get_connection().unwrap();
    // The connection tracks the key it reads, then changes it itself: the server sends an
    // invalidation push in the middle of this batch's replies.
    let replies = conn
        .pipeline()
        .cmd(cmd("CLIENT").arg("TRACKING").arg("ON"))
        .get("tracked")
        .set("tracked", 2)
        .get("tracked")
        .incr("n", 1)
        .execute_raw()
        .unwrap();
    assert_eq!(
        replies,
        vec![
            Value::Okay,
            Value::Nil,
            Value::Okay,
            Value::Bulk(b"2".to_vec()),
            Value::Int(1)
        ]
    );
    // Another client's write sends one more push before the next batch's replies.
    server.client().set("tracked", 3).unwrap();
    let (a, b): (i64, Option<i64>) = conn
        .pipeline()
        .get("tracked")
        .get("none")
        .execute()
        .unwrap();
    assert_eq!((a, b), (3, None));
}

#[test]
fn pipeline_errors_hide_secrets_and_cut_long_commands() {
    let server = RedisServer::start();
    let client = server.client();
    let err = client
        .pipeline()
        .cmd(cmd("AUTH").arg("someone").arg("hunter2"))
        .execute::<Vec<Value>>()
        .unwrap_err();
    let text = err.to_string();
    let (index, command, source) = pipeline_error(err);
    assert_eq!(index, 0);
    assert!(
        !command.contains("hunter2") && !text.contains("hunter2"),
        "{text}"
    );
    assert!(command.starts_with("AUTH"), "{command}");
    assert_eq!(
        source.server_kind(),
        Some(ServerErrorKind::WrongPass),
        "{source:?}"
    );

    let long_key = "k".repeat(10_000);
    client.set(&long_key, "text").unwrap();
    let err = client
        .pipeline()
        .cmd(cmd("INCR").arg(&long_key))
        .execute::<Vec<Value>>()
        .unwrap_err();
    let (_, command, _) = pipeline_error(err);
    assert!(command.starts_with("INCR kkkk"), "{command}");
    assert!(command.len() < 300, "{} bytes", command.len());
}

#[test]
fn read_timeout_mid_batch_discards_the_connection() {
    let server = RedisServer::start();
    let client = server
        .builder()
        .read_timeout(Some(Duration::from_millis(200)))
        .build();
    let err = client
        .pipeline()
        .set("a", 1)
        .cmd(cmd("DEBUG").arg("SLEEP").arg("0.6"))
        .set("a", 2)
        .get("a")
        .execute::<Vec<Value>>()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
    // The next call gets its own reply, not one left over from the batch (the server may
    // still be asleep, so wait for it with a client without a timeout).
    let patient = server.client();
    assert_eq!(patient.ping().unwrap(), "PONG");
    assert_eq!(client.get::<i64>("a").unwrap(), 2);
    let (a, b): (i64, Option<i64>) = client.pipeline().get("a").get("b").execute().unwrap();
    assert_eq!((a, b), (2, None));

    // A dedicated connection is broken for good.
    let conn = client.get_connection().unwrap();
    let err = conn
        .pipeline()
        .cmd(cmd("DEBUG").arg("SLEEP").arg("0.6"))
        .execute::<()>()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let err = conn.pipeline().get("a").execute::<()>().unwrap_err();
    assert!(matches!(err, Error::Broken), "{err:?}");
}

#[test]
fn pipelines_over_a_unix_socket_and_on_another_db() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = Client::builder()
            .unix_socket(server.unix_socket())
            .db(3)
            .protocol(protocol)
            .build();
        let multiply = client.register_script(MULTIPLY);
        let (_, v, size): ((), i64, i64) = client
            .pipeline()
            .atomic()
            .set("u", 6)
            .script(&multiply, "u", 7)
            .cmd(&cmd("DBSIZE"))
            .execute()
            .unwrap();
        assert_eq!((v, size), (42, 1), "{protocol:?}");
        // Written to db 3, not db 0.
        let db0 = server.client();
        assert_eq!(db0.exists("u").unwrap(), 0);
        let db3 = server.builder().db(3).build();
        assert_eq!(db3.get::<i64>("u").unwrap(), 6);
    }
}
