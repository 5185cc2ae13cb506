//! Reply bytes read as a typed value straight off a connection (the `FromValue::read_reply`
//! fast paths of `src/types/read_reply.rs` over `src/connection/reader.rs`) against decoding
//! the same bytes to a `Value` first and converting it with `FromValue::from_value`.
//!
//! The connection is a real `Connection` on a Unix socket whose other end, a thread of this
//! target, answers the one command with the input bytes and hangs up; no library code is
//! bypassed. Input: byte 0 picks the type, the rest is the reply.
//!
//! Both must give the same value, or errors of the same kind: the same server error, the same
//! conversion error, the same protocol error, or for bytes that end before the reply does, the
//! connection closed (the `Value` path: the decoder wants more bytes).

#![no_main]

use libfuzzer_sys::fuzz_target;
use redline::resp::{Decoder, Limits, ProtocolError};
use redline::{cmd, Connection, ConnectionInfo, Error, FromValue, Value};
use std::collections::HashMap;
use std::fmt::Debug;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

/// The fake server: its socket, and where to hand it the next reply to send.
struct Server {
    info: ConnectionInfo,
    replies: Mutex<Sender<Vec<u8>>>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let path: PathBuf =
            std::env::temp_dir().join(format!("redline-fuzz-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("bind the fake server's socket");
        let (tx, rx) = channel::<Vec<u8>>();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Ok(reply) = rx.recv() else { break };
                // Answer only once the request is in: the client checks before each request
                // that nothing is waiting, and would take an early reply for a stray one.
                let mut request = [0u8; 256];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(&reply);
            }
        });
        let url = format!("unix://{}?timeout=20s", path.display());
        Server {
            info: ConnectionInfo::from_url(&url).expect("the fake server's URL"),
            replies: Mutex::new(tx),
        }
    })
}

/// What an outcome is, for comparing the two paths.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(String),
    /// The reply ended early (typed: the server hung up; `Value`: the decoder wants more).
    Closed,
    Protocol(ProtocolError),
    Conversion(&'static str, String),
    /// Anything else, server errors included, by its `Debug` text.
    Other(String),
}

fn outcome<T: Debug>(result: Result<T, Error>, first_byte: u8) -> Outcome {
    match result {
        Ok(value) => Outcome::Ok(format!("{value:?}")),
        Err(Error::Io { source, .. }) if source.kind() == ErrorKind::UnexpectedEof => {
            Outcome::Closed
        }
        Err(Error::Protocol { source, .. }) => Outcome::Protocol(source),
        // The connection's name for an unknown type byte as the very first byte.
        Err(Error::NotRedis { .. }) => Outcome::Protocol(ProtocolError::UnknownType(first_byte)),
        Err(Error::Conversion { expected, got }) => Outcome::Conversion(expected, got),
        Err(other) => Outcome::Other(format!("{other:?}")),
    }
}

/// The reply read as `T` off a connection: the typed path.
fn typed<T: FromValue>(reply: &[u8]) -> Result<T, Error> {
    let server = server();
    server
        .replies
        .lock()
        .expect("the reply queue")
        .send(reply.to_vec())
        .expect("the fake server is running");
    let conn = Connection::open(&server.info).expect("connect to the fake server");
    conn.query::<T>(cmd("GET").arg("key"))
}

/// The reply decoded to a `Value`, then converted: the reference path. As a connection does,
/// pushes before the reply are skipped and an error reply is the server's error.
fn via_value<T: FromValue + Debug>(reply: &[u8]) -> Result<T, Outcome> {
    let first = reply.first().copied().unwrap_or(0);
    let mut decoder = Decoder::new(Limits::default());
    let mut pos = 0;
    loop {
        match decoder.decode(&reply[pos..]) {
            Err(e) => return Err(Outcome::Protocol(e)),
            Ok((used, Some(Value::Push(_)))) => pos += used,
            Ok((_, Some(Value::Error(message)))) => {
                return Err(outcome::<T>(Err(Error::from_server_reply(message)), first))
            }
            Ok((_, Some(value))) => {
                return T::from_value(value).map_err(|e| outcome::<T>(Err(e), first))
            }
            Ok((_, None)) => return Err(Outcome::Closed),
        }
    }
}

fn check<T: FromValue + Debug>(reply: &[u8], same: fn(&T, &T) -> bool) {
    let first = reply.first().copied().unwrap_or(0);
    let direct = typed::<T>(reply);
    let reference = via_value::<T>(reply);
    if let (Ok(a), Ok(b)) = (&direct, &reference) {
        assert!(
            same(a, b),
            "{}: typed {a:?} but via Value {b:?}",
            std::any::type_name::<T>()
        );
        return;
    }
    let reference = match reference {
        Ok(value) => Outcome::Ok(format!("{value:?}")),
        Err(e) => e,
    };
    assert_eq!(
        outcome(direct, first),
        reference,
        "{}: typed path (left) and Value path (right) differ",
        std::any::type_name::<T>()
    );
}

/// Equality through `Debug`: exact for the types below (a double prints as the shortest text
/// that reads back as it), and a NaN equals itself.
fn by_debug<T: Debug>(a: &T, b: &T) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn by_eq<T: PartialEq>(a: &T, b: &T) -> bool {
    a == b
}

fuzz_target!(|input: &[u8]| {
    let [which, reply @ ..] = input else {
        return;
    };
    match which % 21 {
        0 => check::<i64>(reply, by_eq),
        1 => check::<String>(reply, by_eq),
        2 => check::<Vec<u8>>(reply, by_eq),
        3 => check::<Option<String>>(reply, by_eq),
        4 => check::<Vec<String>>(reply, by_eq),
        5 => check::<Vec<Option<i64>>>(reply, by_eq),
        6 => check::<HashMap<String, String>>(reply, by_eq),
        7 => check::<(String, i64)>(reply, by_eq),
        8 => check::<Vec<(String, f64)>>(reply, by_debug),
        9 => check::<bool>(reply, by_eq),
        10 => check::<f64>(reply, by_debug),
        11 => check::<Value>(reply, by_debug),
        12 => check::<Vec<Vec<u8>>>(reply, by_eq),
        13 => check::<HashMap<String, Vec<String>>>(reply, by_eq),
        14 => check::<Vec<Value>>(reply, by_debug),
        15 => check::<Option<Vec<String>>>(reply, by_eq),
        16 => check::<HashMap<String, i64>>(reply, by_eq),
        17 => check::<Vec<Vec<String>>>(reply, by_eq),
        18 => check::<u64>(reply, by_eq),
        19 => check::<Vec<HashMap<Vec<u8>, Option<String>>>>(reply, by_eq),
        _ => check::<(Option<i64>, Vec<String>, HashMap<String, f64>)>(reply, by_debug_tuple),
    }
});

/// The map in the last tuple prints in hash order, so compare it as a map.
fn by_debug_tuple(
    a: &(Option<i64>, Vec<String>, HashMap<String, f64>),
    b: &(Option<i64>, Vec<String>, HashMap<String, f64>),
) -> bool {
    a.0 == b.0
        && a.1 == b.1
        && a.2.len() == b.2.len()
        && a.2
            .iter()
            .all(|(k, x)| b.2.get(k).is_some_and(|y| x.to_bits() == y.to_bits()))
}
