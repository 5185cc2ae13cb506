//! Malformed and hostile replies from a scripted fake server: each must give a typed error and
//! make redline discard the connection, so no later command can read a stray or partial reply.
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

/// One thing the fake server does on a connection.
#[derive(Clone)]
enum Step {
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
struct Fake {
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

fn serve(
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
fn read_command(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<String>> {
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
fn reply(reply: &[u8], close: bool) -> Vec<Step> {
    let mut script = vec![Step::Read, Step::Write(reply.to_vec())];
    if close {
        script.push(Step::Close);
    }
    script
}

/// A well-behaved connection answering one `PING`.
fn pong() -> Vec<Step> {
    reply(b"+PONG\r\n", false)
}

/// Runs a malformed reply against a pooled `Client` and a dedicated `Connection`, checking the
/// error with `check` and that the connection is gone each time.
fn assert_discarded(raw_reply: &[u8], close: bool, check: impl Fn(&Error) -> bool) {
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

fn protocol(expected: ProtocolError) -> impl Fn(&Error) -> bool {
    move |e| matches!(e, Error::Protocol(p) if *p == expected)
}

fn eof(e: &Error) -> bool {
    matches!(e, Error::Io(io) if io.kind() == ErrorKind::UnexpectedEof)
}

#[test]
fn negative_bulk_length() {
    assert_discarded(b"$-5\r\n", false, protocol(ProtocolError::InvalidLength));
}

#[test]
fn non_numeric_bulk_length() {
    assert_discarded(b"$abc\r\n", false, protocol(ProtocolError::InvalidLength));
    assert_discarded(b"$\r\n", false, protocol(ProtocolError::InvalidLength));
    assert_discarded(
        b"$1 \r\nx\r\n",
        false,
        protocol(ProtocolError::InvalidLength),
    );
}

#[test]
fn overflowing_bulk_length() {
    assert_discarded(
        b"$99999999999999999999\r\n",
        false,
        protocol(ProtocolError::InvalidLength),
    );
    assert_discarded(
        b"$9223372036854775808\r\n",
        false,
        protocol(ProtocolError::InvalidLength),
    );
}

#[test]
fn bulk_over_512_mib() {
    let header = format!("${}\r\n", 512 * 1024 * 1024 + 1);
    assert_discarded(
        header.as_bytes(),
        false,
        protocol(ProtocolError::BulkTooLarge),
    );
    // i64::MAX is a valid number but far over the limit.
    assert_discarded(
        b"$9223372036854775807\r\n",
        false,
        protocol(ProtocolError::BulkTooLarge),
    );
}

#[test]
fn huge_bulk_then_close_is_eof() {
    // 100 MB claimed, 10 bytes sent: an EOF error, without waiting for (or allocating) the
    // rest.
    assert_discarded(b"$100000000\r\n0123456789", true, eof);
    // The same for a small bulk that is cut short.
    assert_discarded(b"$10\r\n01234", true, eof);
    // A large payload (read straight into the reply's buffer) that is whole but lacks its
    // CRLF when the server closes.
    let mut whole = b"$100000\r\n".to_vec();
    whole.extend(std::iter::repeat(b'p').take(100_000));
    assert_discarded(&whole, true, eof);
    whole.push(b'\r');
    assert_discarded(&whole, true, eof);
}

#[test]
fn large_bulk_with_bad_terminator() {
    // The large-payload path checks the CRLF as the small one does.
    let mut reply = b"$100000\r\n".to_vec();
    reply.extend(std::iter::repeat(b'p').take(100_000));
    reply.extend_from_slice(b"XY");
    assert_discarded(&reply, false, protocol(ProtocolError::MissingCrlf));
}

#[test]
fn large_bulk_is_read_whole() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let mut raw_reply = format!("${}\r\n", payload.len()).into_bytes();
    raw_reply.extend_from_slice(&payload);
    raw_reply.extend_from_slice(b"\r\n+PONG\r\n");
    // The large reply and the next one arrive together; both are read right.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(raw_reply[..1000].to_vec()),
        Step::Pause(Duration::from_millis(20)),
        Step::Write(raw_reply[1000..].to_vec()),
        Step::Read,
        Step::Write(b"$2\r\nok\r\n".to_vec()),
    ]]);
    let conn = fake.connection();
    let got: Vec<u8> = conn.get("k").unwrap();
    assert!(got == payload, "the large payload came back different");
    // The pipelined +PONG was not a reply to anything we sent; recv reads it.
    assert_eq!(conn.recv().unwrap(), Value::SimpleString("PONG".into()));
    assert_eq!(conn.get::<String>("k").unwrap(), "ok");
}

#[test]
fn missing_crlf_after_payload() {
    assert_discarded(b"$3\r\nfooXY", false, protocol(ProtocolError::MissingCrlf));
    assert_discarded(
        b"$3\r\nfoo\n\n",
        false,
        protocol(ProtocolError::MissingCrlf),
    );
    // A header line ended by a bare \n.
    assert_discarded(b":12\n", false, protocol(ProtocolError::MissingCrlf));
    // Bytes where the payload should end (the bulk claims 3, 5 arrive).
    assert_discarded(
        b"$3\r\nfoobar\r\n",
        false,
        protocol(ProtocolError::MissingCrlf),
    );
}

#[test]
fn unknown_type_byte() {
    assert_discarded(
        b"?what\r\n",
        false,
        protocol(ProtocolError::UnknownType(b'?')),
    );
    assert_discarded(
        b"hello\r\n",
        false,
        protocol(ProtocolError::UnknownType(b'h')),
    );
    assert_discarded(b"\0\r\n", false, protocol(ProtocolError::UnknownType(0)));
}

#[test]
fn invalid_scalars() {
    assert_discarded(b":12a\r\n", false, protocol(ProtocolError::InvalidInteger));
    assert_discarded(
        b":99999999999999999999\r\n",
        false,
        protocol(ProtocolError::InvalidInteger),
    );
    assert_discarded(b"#x\r\n", false, protocol(ProtocolError::InvalidBoolean));
    assert_discarded(b",1.5.5\r\n", false, protocol(ProtocolError::InvalidDouble));
    assert_discarded(
        b"(12x\r\n",
        false,
        protocol(ProtocolError::InvalidBigNumber),
    );
    assert_discarded(b"_x\r\n", false, protocol(ProtocolError::InvalidNull));
    assert_discarded(
        b"=3\r\ntxt\r\n",
        false,
        protocol(ProtocolError::InvalidVerbatim),
    );
    // A header line that never ends.
    let long = vec![b'*'; 10_000];
    assert_discarded(&long, false, protocol(ProtocolError::LineTooLong));
}

#[test]
fn huge_aggregate_claims() {
    // Over the 2^32 - 1 limit: refused at once.
    assert_discarded(
        b"*99999999999\r\n",
        true,
        protocol(ProtocolError::AggregateTooLarge),
    );
    assert_discarded(
        b"%99999999999\r\n",
        false,
        protocol(ProtocolError::AggregateTooLarge),
    );
    // Under the limit but never delivered: an EOF, not an allocation of 4 billion slots.
    assert_discarded(b"*4000000000\r\n:1\r\n", true, eof);
    assert_discarded(b"~4000000000\r\n", true, eof);
}

#[test]
fn deep_nesting_is_refused() {
    let mut deep = b"*1\r\n".repeat(1000);
    deep.extend_from_slice(b":1\r\n");
    assert_discarded(&deep, false, protocol(ProtocolError::TooDeep));
    // Just over the default depth of 128 as well; maps and attributes count too.
    let mut mixed = b"%1\r\n:1\r\n".repeat(100);
    mixed.extend_from_slice(&b"|1\r\n:1\r\n:1\r\n".repeat(40));
    mixed.extend_from_slice(b":1\r\n");
    assert_discarded(&mixed, false, protocol(ProtocolError::TooDeep));
}

#[test]
fn nesting_within_the_limit_is_fine() {
    let mut deep = b"*1\r\n".repeat(100);
    deep.extend_from_slice(b":7\r\n");
    let fake = Fake::start(vec![reply(&deep, false)]);
    let client = fake.client();
    let mut value = client.query::<Value>(cmd("GET").arg("k")).unwrap();
    for _ in 0..100 {
        value = match value {
            Value::Array(mut items) if items.len() == 1 => items.pop().unwrap(),
            other => panic!("{other:?}"),
        };
    }
    assert_eq!(value, Value::Int(7));
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn reply_truncated_mid_frame() {
    assert_discarded(b"*2\r\n$3\r\nfoo\r\n$3\r\nba", true, eof);
    assert_discarded(b"*3\r\n:1\r\n", true, eof);
    assert_discarded(b"+PON", true, eof);
    assert_discarded(b"$3\r\nfoo", true, eof);
    assert_discarded(b"$3\r\nfoo\r", true, eof);
}

#[test]
fn server_closes_without_reply() {
    assert_discarded(b"", true, eof);
}

#[test]
fn server_never_replies() {
    let fake = Fake::start(vec![vec![Step::Read], pong(), vec![Step::Read]]);
    let client = fake.client();
    let err = client.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read
            }
        ),
        "{err:?}"
    );
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");

    let conn = fake.connection();
    let err = conn.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read
            }
        ),
        "{err:?}"
    );
    assert!(conn.is_broken());
    assert!(matches!(conn.ping(), Err(Error::Broken)));
}

#[test]
fn server_sends_half_a_reply_then_stalls() {
    let fake = Fake::start(vec![reply(b"$10\r\n01234", false), pong()]);
    let client = fake.client();
    let err = client.get::<Vec<u8>>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn server_sends_half_a_large_bulk_then_stalls() {
    let mut partial = b"$1000000\r\n".to_vec();
    partial.extend(std::iter::repeat(b'q').take(200_000));
    let fake = Fake::start(vec![reply(&partial, false), pong(), reply(&partial, false)]);
    let client = fake.client();
    let err = client.get::<Vec<u8>>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");

    let conn = fake.connection();
    let err = conn.get::<Vec<u8>>("k").unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(conn.get::<Vec<u8>>("k"), Err(Error::Broken)));
}

#[test]
fn stray_second_reply_never_reaches_the_next_command() {
    // The first connection answers GET twice; the second answers correctly.
    let fake = Fake::start(vec![
        reply(b"$3\r\none\r\n$5\r\nstray\r\n", false),
        reply(b"$3\r\ntwo\r\n", false),
    ]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    let second = client.get::<String>("k").unwrap();
    assert_ne!(second, "stray", "the stray reply reached the next command");
    assert_eq!(second, "two");
    assert_eq!(fake.commands().len(), 2);
}

#[test]
fn stray_reply_on_a_dedicated_connection_breaks_it() {
    // Two replies to one GET on a dedicated connection: the next request must not take the
    // second one for its own; the connection is out of step and is broken instead.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"$3\r\none\r\n$5\r\nstray\r\n".to_vec()),
        Step::Read,
        Step::Write(b"$3\r\ntwo\r\n".to_vec()),
    ]]);
    let conn = fake.connection();
    assert_eq!(conn.get::<String>("k").unwrap(), "one");
    let err = conn.get::<String>("k").unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::UnsolicitedReply)),
        "{err:?}"
    );
    assert!(conn.is_broken());
    assert!(matches!(conn.get::<String>("k"), Err(Error::Broken)));
    // The second GET was never sent: the stray reply was caught before writing.
    assert_eq!(fake.commands().len(), 1);
}

#[test]
fn stray_reply_arriving_while_idle_is_detected() {
    // The stray reply arrives after the client has its answer and the connection is idle in
    // the pool: the check on checkout must see it and open a fresh connection.
    let fake = Fake::start(vec![
        vec![
            Step::Read,
            Step::Write(b"$3\r\none\r\n".to_vec()),
            Step::Pause(Duration::from_millis(50)),
            Step::Write(b"$5\r\nstray\r\n".to_vec()),
        ],
        reply(b"$3\r\ntwo\r\n", false),
    ]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    assert_eq!(client.idle_connections(), 1);
    fake.wait_for_writes(2);
    let second = client.get::<String>("k").unwrap();
    assert_ne!(second, "stray", "the stray reply reached the next command");
    assert_eq!(second, "two");
    assert_eq!(fake.commands().len(), 2);
}

#[test]
fn pool_reuses_a_clean_connection() {
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"$3\r\none\r\n".to_vec()),
        Step::Read,
        Step::Write(b"$3\r\ntwo\r\n".to_vec()),
    ]]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    // Nothing stray: the same connection is reused (the fake accepts only one).
    assert_eq!(client.get::<String>("k").unwrap(), "two");
    assert_eq!(fake.commands().len(), 2);
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn server_closes_immediately_on_connect() {
    let fake = Fake::repeat(3, vec![Step::Close]);
    let client = fake.client();
    let err = client.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);

    // A dedicated connection fails on its first command (no handshake in RESP2).
    let conn = fake.connection();
    let err = conn.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(conn.is_broken());
    assert!(matches!(conn.ping(), Err(Error::Broken)));

    // With a handshake (RESP3), the connection cannot even open.
    let resp3 = fake.builder().protocol(redline::Protocol::Resp3).build();
    let err = resp3.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert_eq!(resp3.idle_connections(), 0);
}

#[test]
fn malformed_handshake_reply() {
    // HELLO 3 answered with garbage: the connection never reaches the pool.
    let fake = Fake::start(vec![reply(b"%1\r\n$5\r\nproto\r\n:x\r\n", false)]);
    let client = fake.builder().protocol(redline::Protocol::Resp3).build();
    let err = client.ping().unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::InvalidInteger)),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    let commands = fake.commands();
    assert_eq!(commands, [vec!["HELLO".to_string(), "3".to_string()]]);
}

#[test]
fn handshake_refused_with_noproto() {
    let fake = Fake::start(vec![reply(
        b"-NOPROTO sorry, this protocol version is not supported.\r\n",
        false,
    )]);
    let client = fake.builder().protocol(redline::Protocol::Resp3).build();
    let err = client.ping().unwrap_err();
    assert_eq!(
        err.server_kind(),
        Some(redline::ServerErrorKind::NoProto),
        "{err:?}"
    );
    assert!(!err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
}

#[test]
fn error_reply_from_fake_keeps_connection() {
    // A well-formed error reply is not a protocol error: the connection stays usable.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"-WRONGTYPE nope\r\n".to_vec()),
        Step::Read,
        Step::Write(b"!9\r\nERR blob!\r\n".to_vec()),
        Step::Read,
        Step::Write(b"+PONG\r\n".to_vec()),
    ]]);
    let client = fake.client();
    let err = client.get::<String>("k").unwrap_err();
    assert_eq!(
        err.server_kind(),
        Some(redline::ServerErrorKind::WrongType),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 1);
    let err = client.get::<String>("k").unwrap_err();
    match err {
        Error::Server { message, .. } => assert_eq!(message, "ERR blob!"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.ping().unwrap(), "PONG");
    assert_eq!(fake.commands().len(), 3);
}

#[test]
fn custom_limits_reject_large_bulk_from_real_server() {
    let server = RedisServer::start();
    let normal = server.client();
    normal.set("two-kib", vec![b'x'; 2048]).unwrap();
    normal.set("one-kib", vec![b'y'; 1024]).unwrap();
    let limits = Limits {
        max_bulk_len: 1024,
        ..Limits::default()
    };
    let limited = server.builder().limits(limits).build();
    assert_eq!(limited.connection_info().limits().max_bulk_len, 1024);
    // Exactly at the limit is fine.
    assert_eq!(limited.get::<Vec<u8>>("one-kib").unwrap(), vec![b'y'; 1024]);
    assert_eq!(limited.idle_connections(), 1);
    let err = limited.get::<Vec<u8>>("two-kib").unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::BulkTooLarge)),
        "{err:?}"
    );
    assert!(err.is_connection_broken());
    assert_eq!(limited.idle_connections(), 0);
    // The unread 2 KiB never reach the next command.
    assert_eq!(limited.get::<Vec<u8>>("one-kib").unwrap(), vec![b'y'; 1024]);

    let conn = limited.get_connection().unwrap();
    let err = conn.get::<Vec<u8>>("two-kib").unwrap_err();
    assert!(matches!(err, Error::Protocol(ProtocolError::BulkTooLarge)));
    assert!(conn.is_broken());
    assert!(matches!(conn.get::<Vec<u8>>("one-kib"), Err(Error::Broken)));
}

#[test]
fn custom_limits_on_the_fake_server() {
    let two_kib = format!("${}\r\n{}\r\n", 2048, "z".repeat(2048));
    let limits = Limits {
        max_bulk_len: 1024,
        max_aggregate_len: 10,
        max_depth: 3,
    };
    let fake = Fake::start(vec![
        reply(two_kib.as_bytes(), false),
        reply(b"*11\r\n", false),
        reply(b"*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", false),
        reply(b"*1\r\n*1\r\n*1\r\n:1\r\n", false),
        reply(format!("+{}\r\n", "s".repeat(2048)).as_bytes(), false),
        reply(format!("-ERR {}\r\n", "e".repeat(2048)).as_bytes(), false),
    ]);
    let client = fake.builder().limits(limits).build();
    let err = client.get::<Vec<u8>>("k").unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::BulkTooLarge)),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    let err = client.query::<Value>(&cmd("LRANGE")).unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::AggregateTooLarge)),
        "{err:?}"
    );
    let err = client.query::<Value>(&cmd("X")).unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ProtocolError::TooDeep)),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    let nested: Vec<Vec<Vec<i64>>> = client.query(&cmd("Y")).unwrap();
    assert_eq!(nested, [[[1]]]);
    assert_eq!(client.idle_connections(), 1);
    // Status and error lines are bounded by the same limit (fresh clients: the pooled
    // connection above has no more replies scripted).
    for _ in 0..2 {
        let client = fake.builder().limits(limits).build();
        let err = client.query::<Value>(&cmd("Z")).unwrap_err();
        assert!(
            matches!(err, Error::Protocol(ProtocolError::LineTooLong)),
            "{err:?}"
        );
        assert_eq!(client.idle_connections(), 0);
    }
}

#[test]
fn protocol_error_display_carries_no_wire_bytes() {
    let fake = Fake::start(vec![reply(b"?s3cr3t-bytes\r\n", false)]);
    let err = fake.client().ping().unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(!format!("{err:?}").contains("s3cr3t"));
    assert_eq!(text, "protocol error: unknown RESP type byte 0x3f");
}
