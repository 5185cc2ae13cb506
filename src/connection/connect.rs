//! Opening a connection: a connect refused before anything was sent, or a handshake cut off
//! (a `CLIENT KILL` or a restart just after the connect), is retried within a budget.

use super::deadline::Deadlines;
use super::scripts::ScriptCache;
use super::stream::Stream;
use super::{Connection, Inner, READ_BUF};
use crate::error::{Error, Operation, Result};
use crate::info::ConnectionInfo;
use crate::resp::Decoder;
use std::cell::RefCell;
use std::io;
use std::time::{Duration, Instant};

impl Connection {
    /// Like [`Connection::open`], but with `select` false skips `SELECT` and
    /// `CLIENT SETNAME`, which a server busy with a script refuses (`SCRIPT KILL` needs neither).
    pub(crate) fn open_with(info: &ConnectionInfo, select: bool) -> Result<Connection> {
        let started = Instant::now();
        retrying(info, started, || {
            Connection::open_once(info, select, started)
        })
    }

    /// Connects and sets the connection up, once; the connect timeout counts from `started`.
    fn open_once(info: &ConnectionInfo, select: bool, started: Instant) -> Result<Connection> {
        let stream = Stream::connect(info)?;
        let conn = Connection {
            inner: RefCell::new(Inner {
                stream,
                rbuf: vec![0; READ_BUF],
                rpos: 0,
                rend: 0,
                decoder: Decoder::new(info.limits),
                broken: false,
                protocol: info.protocol,
                deadlines: Deadlines::new(info.read_timeout, info.write_timeout),
                scripts: ScriptCache::default(),
                probed: false,
                sent_block: None,
                addr: info.addr.to_string().into(),
                heard: false,
                multi_accepted: false,
                pushes: Default::default(),
            }),
        };
        // The handshake is part of connecting: the connect timeout bounds it as a whole (a
        // server that accepts but never answers, or answers a byte at a time).
        if let Ok(mut inner) = conn.inner.try_borrow_mut() {
            let by = info.connect_timeout.and_then(|t| started.checked_add(t));
            inner.deadlines.start_until(by);
        }
        conn.handshake(info, select).map_err(|e| match e {
            Error::Timeout { addr, .. } => Error::Timeout {
                addr,
                op: Operation::Handshake,
                limit: info.connect_timeout.unwrap_or_default(),
            },
            Error::Io { addr, source, .. } => Error::Io {
                addr,
                op: Operation::Handshake,
                source,
            },
            Error::Protocol { addr, source, .. } => Error::Protocol {
                addr,
                op: Operation::Handshake,
                source,
            },
            other => other,
        })?;
        Ok(conn)
    }
}

/// Runs `open` (connect and handshake), again within the budget while it fails before any
/// request was sent: the connect refused, reset or aborted, a Unix socket not there yet, or the
/// connection cut off during the handshake, whose set-up commands are safe to send twice.
/// Exponential backoff and jitter, so that many clients do not retry in step.
pub(super) fn retrying<T>(
    info: &ConnectionInfo,
    started: Instant,
    mut open: impl FnMut() -> Result<T>,
) -> Result<T> {
    let mut pause = Duration::from_millis(10);
    loop {
        let error = match open() {
            Ok(opened) => return Ok(opened),
            Err(e @ Error::Io { .. }) if retryable(&e) => e,
            Err(other) => return Err(other),
        };
        let jittered = pause / 2 + pause.mul_f64(jitter() / 2.0);
        let spent = started.elapsed();
        if spent + jittered > info.connect_retry_budget {
            return Err(error);
        }
        std::thread::sleep(jittered);
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

fn retryable(e: &Error) -> bool {
    let Error::Io { source, op, .. } = e else {
        return false;
    };
    match op {
        Operation::Connect => matches!(
            source.kind(),
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::NotFound
        ),
        Operation::Handshake => matches!(
            source.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::UnexpectedEof
                | io::ErrorKind::BrokenPipe
        ),
        _ => false,
    }
}

/// A number in [0, 1), different on every call and in every process.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(u64::from(std::process::id()));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
