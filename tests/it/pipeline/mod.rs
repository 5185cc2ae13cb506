//! Pipelines and transactions that carry scripts, against real servers: shared helpers.
//!
//! Results in RESP2 and RESP3 (`results`), `NOSCRIPT` after a flush (`noscript`), script
//! preload costs, counted with `INFO commandstats` and with a counting proxy (`preload`),
//! errors in plain and atomic batches (`errors`), `WATCH` conflicts (`transactions`), and
//! very large batches and a server killed mid-batch (`batches`).

use crate::support::{
    commandstat_name, has_redis7_scripting, server_kind, skip_unless, unknown_command_text,
    RedisServer, NEEDS_FUNCTIONS, NEEDS_RO, PROTOCOLS,
};
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

mod batches;
mod errors;
mod noscript;
mod preload;
mod results;
mod streaming;
mod transactions;

pub(super) const MULTIPLY: &str = "return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Splits an `Error::Pipeline` into its parts, or fails the test.
pub(super) fn pipeline_error(e: Error) -> (usize, String, Error) {
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
pub(super) struct Stats(HashMap<String, u64>);

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
        self.0.get(commandstat_name(name)).copied().unwrap_or(0)
    }

    /// How many more calls of `name` `later` counted than `self`.
    fn delta(&self, later: &Stats, name: &str) -> u64 {
        later.calls(name) - self.calls(name)
    }
}

/// The deltas of the scripting commands between two snapshots, to compare with
/// `(SCRIPT LOAD, SCRIPT EXISTS, EVALSHA)`.
pub(super) fn script_deltas(before: &Stats, after: &Stats) -> ScriptDeltas {
    ScriptDeltas {
        load: before.delta(after, "script|load"),
        exists: before.delta(after, "script|exists"),
        evalsha: before.delta(after, "evalsha"),
        split: server_kind().redis_version >= (7, 0, 0),
    }
}

/// Before Redis 7.0 `INFO commandstats` counts SCRIPT LOAD and SCRIPT EXISTS together (both
/// `load` and `exists` are then that sum): there they compare as their sum.
#[derive(Debug)]
pub(super) struct ScriptDeltas {
    load: u64,
    exists: u64,
    evalsha: u64,
    split: bool,
}

impl PartialEq<(u64, u64, u64)> for ScriptDeltas {
    fn eq(&self, &(load, exists, evalsha): &(u64, u64, u64)) -> bool {
        let scripts = if self.split {
            (self.load, self.exists) == (load, exists)
        } else {
            self.load == load + exists
        };
        scripts && self.evalsha == evalsha
    }
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
pub(super) struct CountingProxy {
    port: u16,
    state: Arc<Mutex<ProxyState>>,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
}

pub(super) struct ProxyState {
    flights: Vec<Vec<u8>>,
    /// The server's bytes were passed on since the client last sent anything.
    replied: bool,
    last_sent: Instant,
}

pub(super) const QUIET: Duration = Duration::from_millis(150);

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

pub(super) fn spawn_forwarders(
    client: TcpStream,
    server: TcpStream,
    state: Arc<Mutex<ProxyState>>,
) {
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
pub(super) fn command_names(mut bytes: &[u8]) -> Vec<String> {
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

pub(super) fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A script whose source is larger than the 64 KiB inline-load limit (a long Lua comment).
pub(super) fn large_source(tag: &str) -> String {
    format!(
        "-- {tag} {}\nreturn tonumber(ARGV[1]) + 1",
        "x".repeat(66 * 1024)
    )
}
