//! Opening a connection: a connect refused before anything was sent, or a handshake cut off
//! (a `CLIENT KILL` or a restart just after the connect), is retried within a budget.

use crate::error::{Error, Operation, Result};
use crate::info::ConnectionInfo;
use std::io;
use std::time::{Duration, Instant};

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
