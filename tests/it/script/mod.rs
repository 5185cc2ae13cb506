//! Lua scripting against real servers: `Script`, the `ScriptingCommands`, and Redis 7 functions.
//!
//! Every test runs in RESP2 and RESP3 unless it says otherwise. Error texts are asserted exactly
//! as the server under test sends them (the docs quote redis-server 7.0.15's); where servers word
//! them differently, the helpers below give each one's text.

use crate::support::{
    has_redis7_scripting, server_kind, skip_unless, supported, RedisServer, NEEDS_FUNCTIONS,
    NEEDS_RO, PROTOCOLS,
};
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

/// The BUSY error while a script (`"SCRIPT"`) or a function (`"FUNCTION"`) runs.
pub(super) fn busy_text(kill: &str) -> String {
    format!(
        "BUSY {} is busy running a script. You can only call {kill} KILL or SHUTDOWN NOSAVE.",
        server_kind().product()
    )
}

/// The text of an error raised while a script or function ran, as the server under test words
/// it. `error` is the error itself (`ERR user_script:3: boom`), `name` the script's SHA1 or the
/// function's name, `at` where it was raised (`@user_script:3`).
pub(super) fn script_error_text(error: &str, name: &str, at: &str) -> String {
    let server = server_kind();
    if server.redis_version < (7, 0, 0) {
        // Redis 6 wraps it, naming the Lua function it made of the script: f_<sha1>.
        let error = error.strip_prefix("ERR ").unwrap_or(error);
        format!("ERR Error running script (call to f_{name}): {at}: {error}")
    } else if server.is_valkey() && server.version >= (9, 0, 0) {
        // Valkey 9 names no script.
        format!("{error} script: on {at}.")
    } else {
        format!("{error} script: {name}, on {at}.")
    }
}

/// The error a script or function (`"SCRIPT"`, `"FUNCTION"`) stopped by a kill raises: Redis
/// says SCRIPT KILL for both.
pub(super) fn killed_text(kill: &str) -> String {
    if server_kind().is_valkey() {
        format!("ERR Script killed by user with {kill} KILL.")
    } else {
        "ERR Script killed by user with SCRIPT KILL...".to_string()
    }
}

/// The SHA1 a raw `EVAL`'s script error carries: the one in the server's text. Valkey 9 names
/// no script, and only a `Script` knows which one it sent.
pub(super) fn named_sha(sha: &str) -> Option<&str> {
    let server = server_kind();
    (!(server.is_valkey() && server.version >= (9, 0, 0))).then_some(sha)
}

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
        .get(crate::support::commandstat_name(command))
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
