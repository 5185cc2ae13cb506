//! Lua scripting against real servers: `Script`, the `ScriptingCommands`, and Redis 7 functions.
//!
//! Every test runs in RESP2 and RESP3 unless it says otherwise. Error texts are asserted exactly
//! as redis-server 7.0.15 sends them, so the docs can quote them.

use crate::support::{RedisServer, PROTOCOLS};
use redline::{
    cmd, script_sha, Client, Commands, Error, FlushMode, Protocol, RestorePolicy, Script,
    ScriptingCommands, ServerErrorKind, Value,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};

mod basics;
mod commands;
mod errors;
mod functions;
mod kill;
mod replies;

pub(super) const MULTIPLY: &str =
    "local value = redis.call('GET', KEYS[1]) value = tonumber(value) return value * ARGV[1]";

pub(super) const BUSY_TEXT: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub(super) const NOTBUSY_TEXT: &str = "NOTBUSY No scripts in execution right now.";
pub(super) const UNKILLABLE_TEXT: &str =
    "UNKILLABLE Sorry the script already executed write commands \
     against the dataset. You can either wait the script termination or kill the server in a \
     hard way using the SHUTDOWN NOSAVE command.";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `INFO commandstats`, as command name -> field -> value (`calls`, `failed_calls`, ...).
pub(super) fn commandstats(client: &Client) -> HashMap<String, HashMap<String, String>> {
    let text: String = client
        .query(cmd("INFO").arg("commandstats"))
        .expect("INFO commandstats");
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("cmdstat_") else {
            continue;
        };
        let (name, fields) = rest.split_once(':').expect("cmdstat line has a colon");
        let fields = fields
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        out.insert(name.to_string(), fields);
    }
    out
}

/// A counter from `commandstats`, 0 when the command was never counted.
pub(super) fn stat(
    stats: &HashMap<String, HashMap<String, String>>,
    command: &str,
    field: &str,
) -> u64 {
    stats
        .get(command)
        .and_then(|f| f.get(field))
        .map_or(0, |v| v.parse().expect("integer counter"))
}

pub(super) fn reset_stats(client: &Client) {
    client
        .query::<()>(cmd("CONFIG").arg("RESETSTAT"))
        .expect("CONFIG RESETSTAT");
}

/// Polls with a plain command until the server answers BUSY; returns that error.
pub(super) fn wait_for_busy(client: &Client) -> Error {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.get::<Option<String>>("probe") {
            Err(e) if e.server_kind() == Some(ServerErrorKind::Busy) => return e,
            Ok(_) => {}
            Err(other) => panic!("while waiting for BUSY: {other:?}"),
        }
        assert!(
            Instant::now() < deadline,
            "the server never reported BUSY while the script ran"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(super) fn assert_server_error(
    result: Result<impl std::fmt::Debug, Error>,
    kind: ServerErrorKind,
    text: &str,
) {
    match result {
        Err(Error::Server { kind: k, message }) => {
            assert_eq!(k, kind, "{message}");
            assert_eq!(message, text);
        }
        other => panic!("expected a {kind:?} server error {text:?}, got {other:?}"),
    }
}

/// Asserts an `Error::Script` with exactly this message, SHA1 and line.
pub(super) fn assert_script_error(
    result: Result<impl std::fmt::Debug, Error>,
    text: &str,
    expected_sha: Option<&str>,
    expected_line: Option<u32>,
) {
    match result {
        Err(e @ Error::Script { .. }) => {
            assert_eq!(e.server_kind(), Some(ServerErrorKind::Err));
            assert_eq!(e.to_string(), format!("script error: {text}"));
            // The reason is always a piece of the text (the tests in `errors` check its value).
            let reason = e.script_reason().map(str::to_owned);
            let Error::Script {
                message, sha, line, ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!(message, text);
            assert!(reason.is_some_and(|r| message.contains(&r)), "{message}");
            assert_eq!(sha.as_deref(), expected_sha);
            assert_eq!(line, expected_line);
        }
        other => panic!("expected a script error {text:?}, got {other:?}"),
    }
}

pub(super) fn is_lower_hex_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(super) fn run(client: &Client, source: &str) -> Value {
    client
        .register_script(source)
        .call::<Value>((), ())
        .unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

pub(super) fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}
