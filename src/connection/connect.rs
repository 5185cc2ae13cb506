//! Opening the stream: a connect refused before anything was sent is retried within a budget.

use super::stream::Stream;
use crate::error::{Error, Result};
use crate::info::ConnectionInfo;
use std::io;
use std::time::{Duration, Instant};

/// Connects, retrying within the budget while the connect fails before anything was sent
/// (refused, reset, aborted, a Unix socket not there yet), with exponential backoff and jitter
/// so that many clients do not retry in step.
pub(super) fn connect_retrying(info: &ConnectionInfo, started: Instant) -> Result<Stream> {
    let mut pause = Duration::from_millis(10);
    loop {
        let error = match Stream::connect(info) {
            Ok(stream) => return Ok(stream),
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
    let Error::Io { source, .. } = e else {
        return false;
    };
    matches!(
        source.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotFound
    )
}

/// A number in [0, 1), different on every call and in every process.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(u64::from(std::process::id()));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
