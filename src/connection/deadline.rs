//! [`Deadlines`]: a read or write timeout bounds the whole call, not each `read()`.
//!
//! A socket timeout bounds one system call, so a server that sends one byte every 50 ms keeps a
//! call with a 300 ms timeout alive for ever. Here each call (or pipeline segment) gets a
//! deadline, and before every read or write the socket's timeout is cut to the time left. The
//! socket is re-armed only when the time left has fallen well below what it is armed with (at
//! most a tenth over the deadline), so a call that reads once costs no extra system call.

use super::stream::Stream;
use std::io;
use std::time::{Duration, Instant};

/// Re-arming costs a system call: skip it while the socket's timeout overshoots the deadline by
/// less than a tenth of the timeout, or this much.
const SLACK: Duration = Duration::from_millis(1);

#[derive(Debug)]
pub(super) struct Deadlines {
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    read_by: Option<Instant>,
    write_by: Option<Instant>,
    /// What the call in progress was given (for a timeout's error).
    read_limit: Option<Duration>,
    write_limit: Option<Duration>,
    /// The timeouts the socket has now.
    read_armed: Option<Duration>,
    write_armed: Option<Duration>,
}

impl Deadlines {
    /// For a stream opened with these timeouts on its socket.
    pub(super) fn new(read: Option<Duration>, write: Option<Duration>) -> Deadlines {
        Deadlines {
            read_timeout: read,
            write_timeout: write,
            read_by: None,
            write_by: None,
            read_limit: read,
            write_limit: write,
            read_armed: read,
            write_armed: write,
        }
    }

    /// A new call (or pipeline segment) starts: its deadlines are the timeouts from now.
    #[inline]
    pub(super) fn start_call(&mut self) {
        self.read_limit = self.read_timeout;
        self.write_limit = self.write_timeout;
        if self.read_timeout.is_none() && self.write_timeout.is_none() {
            self.read_by = None;
            self.write_by = None;
            return;
        }
        let now = Instant::now();
        self.read_by = self.read_timeout.and_then(|t| now.checked_add(t));
        self.write_by = self.write_timeout.and_then(|t| now.checked_add(t));
    }

    /// A new call that may block by its own arguments: its reads get that time on top, or no
    /// deadline when it blocks for ever.
    pub(super) fn start_blocking_call(&mut self, block: Option<crate::cmd::Block>) {
        self.start_call();
        match block {
            None => {}
            Some(crate::cmd::Block::Forever) => {
                self.read_by = None;
                self.read_limit = None;
            }
            Some(crate::cmd::Block::For(extra)) => {
                self.read_by = self.read_by.and_then(|by| by.checked_add(extra));
                self.read_limit = self.read_limit.map(|t| t.saturating_add(extra));
            }
        }
    }

    /// A wait for the next frame to start: reads until `wait` from now (`None`: no limit).
    pub(super) fn start_wait(&mut self, wait: Option<Duration>) {
        self.start_call();
        self.read_by = wait.and_then(|w| Instant::now().checked_add(w));
        self.read_limit = wait;
    }

    /// Until `by`, for reads and writes alike (the handshake, bounded by the connect timeout).
    pub(super) fn start_until(&mut self, by: Option<Instant>) {
        self.read_by = by;
        self.write_by = by;
    }

    /// The limit the call in progress had for writes (`write`) or reads, for a timeout's
    /// error (zero when it had none, which a timeout then did not come from).
    pub(super) fn limit(&self, write: bool) -> Duration {
        let limit = if write {
            self.write_limit
        } else {
            self.read_limit
        };
        limit.unwrap_or_default()
    }

    pub(super) fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }

    /// Changes the read timeout of the calls to come.
    pub(super) fn set_read_timeout(
        &mut self,
        stream: &Stream,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        stream.set_read_timeout(timeout)?;
        self.read_armed = timeout;
        self.read_timeout = timeout;
        self.read_by = None;
        Ok(())
    }

    /// Whether reads of this call have a deadline.
    pub(super) fn reads_bounded(&self) -> bool {
        self.read_by.is_some()
    }

    /// Before a read: `TimedOut` once the deadline has passed, else the socket armed with at
    /// most the time left.
    #[inline]
    pub(super) fn before_read(&mut self, stream: &Stream) -> io::Result<()> {
        if let Some(want) = rearm(self.read_by, self.read_armed)? {
            stream.set_read_timeout(want)?;
            self.read_armed = want;
        }
        Ok(())
    }

    /// Before a write: as [`Deadlines::before_read`].
    #[inline]
    pub(super) fn before_write(&mut self, stream: &Stream) -> io::Result<()> {
        if let Some(want) = rearm(self.write_by, self.write_armed)? {
            stream.set_write_timeout(want)?;
            self.write_armed = want;
        }
        Ok(())
    }
}

/// The timeout the socket must be given before the next system call, if it must change.
#[inline]
fn rearm(by: Option<Instant>, armed: Option<Duration>) -> io::Result<Option<Option<Duration>>> {
    let Some(by) = by else {
        // No deadline: the socket must not time out on its own either.
        return Ok(armed.map(|_| None));
    };
    let left = by.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    let fits = armed.is_some_and(|armed| left <= armed && armed - left <= SLACK.max(armed / 10));
    Ok((!fits).then_some(Some(left)))
}

/// Reads through the deadlines: the direct read of a large payload, when the call has one.
pub(super) struct Timed<'a> {
    pub(super) stream: &'a mut Stream,
    pub(super) deadlines: &'a mut Deadlines,
}

impl io::Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read(self.stream, self.deadlines, buf)
    }
}

/// One read within the call's deadline, retried when a signal interrupts it.
pub(super) fn read(
    stream: &mut Stream,
    deadlines: &mut Deadlines,
    buf: &mut [u8],
) -> io::Result<usize> {
    loop {
        deadlines.before_read(stream)?;
        match io::Read::read(stream, buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rearms_only_when_needed() {
        let second = Duration::from_secs(1);
        // No deadline: disarm a socket that has a timeout, leave an unarmed one alone.
        assert_eq!(rearm(None, Some(second)).unwrap(), Some(None));
        assert_eq!(rearm(None, None).unwrap(), None);
        // Just started: the socket's timeout fits.
        let by = Instant::now() + second;
        assert_eq!(rearm(Some(by), Some(second)).unwrap(), None);
        // An unarmed socket, or one armed for longer than is left, is armed with what is left.
        assert!(matches!(rearm(Some(by), None).unwrap(), Some(Some(_))));
        let later = Instant::now() + Duration::from_millis(500);
        assert!(
            matches!(rearm(Some(later), Some(second)).unwrap(), Some(Some(d)) if d <= Duration::from_millis(500))
        );
        // Past the deadline.
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(
            rearm(Some(past), Some(second)).unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
    }
}
