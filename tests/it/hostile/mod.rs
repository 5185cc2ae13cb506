//! Malformed and hostile replies from a scripted fake server (defined here).
//!
//! Each must give a typed error and make redline discard the connection, so no later
//! command can read a stray or partial reply.
//!
//! The fake server is a `TcpListener` on 127.0.0.1:0; each accepted connection runs the next
//! script of [`Step`]s in its own thread. The clients speak RESP2 with no handshake, so the
//! first bytes they send are the test's own command.

use crate::support::RedisServer;
use redline::resp::{parse, Limits, ProtocolError};
use redline::{cmd, Client, Commands, Connection, Error, Operation, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod auth;
mod deadlines;
mod handshake;
mod limits;
mod malformed;
mod pipelines;
mod stalls;
mod stray;
mod streaming;

/// One thing the fake server does on a connection.
#[derive(Clone)]
pub(super) enum Step {
    /// Reads one whole command from the client and records it.
    Read,
    /// Writes these bytes.
    Write(Vec<u8>),
    /// Waits a little.
    Pause(Duration),
    /// Closes the connection.
    Close,
}

/// A fake server. Connections get the scripts in the order they are accepted; once all are
/// used up, the listener is closed. After its last step a connection waits for the client to
/// hang up (unless the script closed it).
pub(super) struct Fake {
    port: u16,
    /// Every command received, as its words, by connection.
    commands: Arc<Mutex<Vec<Vec<String>>>>,
    /// How many `Write` steps have completed, over all connections.
    writes: Arc<AtomicUsize>,
}

impl Fake {
    fn start(scripts: Vec<Vec<Step>>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let writes = Arc::new(AtomicUsize::new(0));
        let log = Arc::clone(&commands);
        let written = Arc::clone(&writes);
        std::thread::spawn(move || {
            for script in scripts {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let log = Arc::clone(&log);
                let written = Arc::clone(&written);
                std::thread::spawn(move || serve(stream, &script, &log, &written));
            }
        });
        Fake {
            port,
            commands,
            writes,
        }
    }

    /// The same script for `n` connections.
    fn repeat(n: usize, script: Vec<Step>) -> Fake {
        Fake::start(vec![script; n])
    }

    fn client(&self) -> Client {
        self.builder().build()
    }

    fn builder(&self) -> redline::ClientBuilder {
        Client::builder()
            .host("127.0.0.1")
            .port(self.port)
            .read_timeout(Some(Duration::from_secs(1)))
    }

    fn connection(&self) -> Connection {
        Connection::open(self.client().connection_info()).unwrap()
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn commands(&self) -> Vec<Vec<String>> {
        self.commands.lock().unwrap().clone()
    }

    /// Waits until `n` `Write` steps have been done.
    fn wait_for_writes(&self, n: usize) {
        for _ in 0..2000 {
            if self.writes.load(Ordering::SeqCst) >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("the fake server never made {n} writes");
    }
}

pub(super) fn serve(
    mut stream: TcpStream,
    script: &[Step],
    log: &Mutex<Vec<Vec<String>>>,
    writes: &AtomicUsize,
) {
    // Never let a forgotten connection keep a thread alive for long.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut buf = Vec::new();
    for step in script {
        match step {
            Step::Read => match read_command(&mut stream, &mut buf) {
                Some(words) => log.lock().unwrap().push(words),
                None => return,
            },
            Step::Write(bytes) => {
                if stream.write_all(bytes).is_err() {
                    return;
                }
                writes.fetch_add(1, Ordering::SeqCst);
            }
            Step::Pause(d) => std::thread::sleep(*d),
            Step::Close => return,
        }
    }
    // Wait for the client to hang up.
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

/// Reads one command (a RESP array of bulk strings) with redline's own parser.
pub(super) fn read_command(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<String>> {
    loop {
        if let Ok(Some((value, used))) = parse(buf, &Limits::default()) {
            buf.drain(..used);
            let Value::Array(items) = value else {
                return None;
            };
            let words = items
                .into_iter()
                .map(|item| match item {
                    Value::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                    other => format!("{other:?}"),
                })
                .collect();
            return Some(words);
        }
        let mut chunk = [0u8; 65536];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Reads a command, then replies with `reply`; `close` closes the connection after it.
pub(super) fn reply(reply: &[u8], close: bool) -> Vec<Step> {
    let mut script = vec![Step::Read, Step::Write(reply.to_vec())];
    if close {
        script.push(Step::Close);
    }
    script
}

/// A well-behaved connection answering one `PING`.
pub(super) fn pong() -> Vec<Step> {
    reply(b"+PONG\r\n", false)
}

/// Runs a malformed reply against a pooled `Client` and a dedicated `Connection`, checking the
/// error with `check` and that the connection is gone each time.
pub(super) fn assert_discarded(raw_reply: &[u8], close: bool, check: impl Fn(&Error) -> bool) {
    let script = reply(raw_reply, close);
    // Connection 1: the client's query; 2: the client's next call; 3: the dedicated one.
    let fake = Fake::start(vec![script.clone(), pong(), script]);

    let client = fake.client();
    let err = client.query::<Value>(cmd("GET").arg("k")).unwrap_err();
    assert!(check(&err), "client: {err:?}");
    assert!(err.is_connection_broken(), "client: {err:?}");
    assert_eq!(
        client.idle_connections(),
        0,
        "client kept a broken connection"
    );
    // The next call opens a new connection and gets its own reply.
    assert_eq!(client.ping().unwrap(), "PONG");
    assert_eq!(client.idle_connections(), 1);

    let conn = fake.connection();
    let err = conn.req(cmd("GET").arg("k")).unwrap_err();
    assert!(check(&err), "connection: {err:?}");
    assert!(conn.is_broken());
    assert!(matches!(conn.ping(), Err(Error::Broken)));
    assert!(matches!(conn.recv(), Err(Error::Broken)));

    let commands = fake.commands();
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert!(commands.contains(&vec!["PING".to_string()]));
    assert_eq!(
        commands.iter().filter(|c| c[..] == ["GET", "k"]).count(),
        2,
        "{commands:?}"
    );
}

pub(super) fn protocol(expected: ProtocolError) -> impl Fn(&Error) -> bool {
    move |e| matches!(e, Error::Protocol { source: p, .. } if *p == expected)
}

/// The error for a server whose first bytes are not RESP, quoting them as `first`.
pub(super) fn not_redis(first: &'static str) -> impl Fn(&Error) -> bool {
    move |e| matches!(e, Error::NotRedis { first_bytes, .. } if first_bytes == first)
}

pub(super) fn eof(e: &Error) -> bool {
    matches!(e, Error::Io { source: io, .. } if io.kind() == ErrorKind::UnexpectedEof)
}
