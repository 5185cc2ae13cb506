//! Out-of-band pushes (RESP3 `>` frames: Pub/Sub messages, tracking invalidations) that arrive
//! while a command waits for its reply are kept, in order, for whoever reads frames next
//! ([`Connection::recv`], [`Connection::recv_timeout`], a `Subscriber`), never dropped
//! unread; and a wait for the next frame that may end with nothing, leaving the connection
//! usable.

use super::{deadline, Connection, Inner};
use crate::error::{Operation, Result};
use crate::resp::Value;
use std::collections::VecDeque;
use std::io;
use std::time::Duration;

/// The most pushes kept unread on one connection; past it the oldest goes, and is counted
/// ([`Connection::pushes_dropped`]), so a connection nobody reads pushes from cannot grow
/// without bound.
pub(super) const MAX_QUEUED_PUSHES: usize = 1 << 16;

/// The pushes a connection kept while commands waited for their replies.
#[derive(Debug, Default)]
pub(super) struct Pushes {
    queue: VecDeque<Value>,
    dropped: u64,
}

impl Pushes {
    pub(super) fn keep(&mut self, push: Value) {
        if self.queue.len() >= MAX_QUEUED_PUSHES {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(push);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

impl Connection {
    /// Reads the next frame, a reply or a push (pushes kept while commands waited for their
    /// replies come first, in order), waiting at most `wait` for it to start (`None` waits
    /// for ever). `Ok(None)` when nothing came: nothing was half-read, so the connection stays
    /// usable, unlike a read timeout. Once a frame has started, the rest of it is read within
    /// the read timeout. A zero `wait` looks without waiting (one non-blocking read; over TLS,
    /// three system calls). An error
    /// reply is a [`Value::Error`], as with [`Connection::recv`].
    ///
    /// For a connection with subscriptions or client tracking; [`Client::subscriber`] builds
    /// on it.
    ///
    /// [`Client::subscriber`]: crate::Client::subscriber
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379?protocol=3")?;
    /// use redline::{cmd, Value};
    /// use std::time::Duration;
    ///
    /// let conn = client.get_connection()?;
    /// conn.send(cmd("SUBSCRIBE").arg("news"))?;
    /// let confirmed = conn.recv()?; // >3 subscribe news 1
    /// match conn.recv_timeout(Some(Duration::from_millis(100)))? {
    ///     Some(Value::Push(message)) => println!("{message:?}"),
    ///     Some(other) => println!("{other:?}"),
    ///     None => println!("nothing published yet"),
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn recv_timeout(&self, wait: Option<Duration>) -> Result<Option<Value>> {
        let mut inner = self.lock()?;
        inner.recv_within(wait)
    }

    /// How many pushes are kept unread (see [`Connection::recv_timeout`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let conn = client.get_connection()?;
    /// assert_eq!(conn.pushes_queued(), 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pushes_queued(&self) -> usize {
        self.inner.try_borrow().map_or(0, |i| i.pushes.queue.len())
    }

    /// How many unread pushes were dropped because more than 65,536 were kept: a connection
    /// whose pushes nobody reads.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let conn = client.get_connection()?;
    /// assert_eq!(conn.pushes_dropped(), 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pushes_dropped(&self) -> u64 {
        self.inner.try_borrow().map_or(0, |i| i.pushes.dropped)
    }
}

impl Inner {
    /// The next kept push, if any.
    pub(super) fn take_push(&mut self) -> Option<Value> {
        self.pushes.queue.pop_front()
    }

    /// See [`Connection::recv_timeout`].
    fn recv_within(&mut self, wait: Option<Duration>) -> Result<Option<Value>> {
        if let Some(push) = self.take_push() {
            return Ok(Some(push));
        }
        if self.rpos == self.rend && self.decoder.is_idle() {
            self.rpos = 0;
            self.rend = 0;
            if wait == Some(Duration::ZERO) {
                // A look without waiting: one non-blocking read.
                match self.stream.read_now(&mut self.rbuf) {
                    Ok(None) => return Ok(None),
                    Ok(Some(0)) => return Err(self.closed(Operation::Read)),
                    Ok(Some(n)) => self.rend = n,
                    Err(e) => return Err(self.io_failure(e, Operation::Read)),
                }
                self.deadlines.start_call();
                return self.recv_any().map(Some);
            }
            // Nothing of a frame yet: wait for its first bytes, at most `wait`.
            self.deadlines.start_wait(wait);
            match deadline::read(&mut self.stream, &mut self.deadlines, &mut self.rbuf) {
                Ok(0) => return Err(self.closed(Operation::Read)),
                Ok(n) => self.rend = n,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(self.io_failure(e, Operation::Read)),
            }
        }
        // The rest of the frame within the ordinary read timeout.
        self.deadlines.start_call();
        self.recv_any().map(Some)
    }
}

/// Reads the next frame from whichever of `conns` has one first, waiting at most `wait` for
/// one to start (`None`: for ever): its index and the frame, or the error of the connection
/// that failed; `None` when the time ran out. For a Pub/Sub subscriber holding connections to
/// several cluster nodes, without a thread per connection (one connection is simply read,
/// none gives `None` at once). On Linux one `poll` waits on
/// every plain socket; over TLS (whose buffered records a socket wait cannot see) or
/// elsewhere the connections are tried in turn, a few milliseconds each.
pub(crate) fn recv_any_of(
    conns: &[&Connection],
    wait: Option<Duration>,
) -> Option<(usize, Result<Value>)> {
    const SLICE: Duration = Duration::from_millis(5);
    // The next frame of connection `i`, waiting at most `wait`; `None` when none came.
    let frame_of = |i: usize, wait: Option<Duration>| match conns[i].recv_timeout(wait) {
        Ok(Some(frame)) => Some((i, Ok(frame))),
        Ok(None) => None,
        Err(e) => Some((i, Err(e))),
    };
    match conns.len() {
        0 => return None,
        // One connection: read it directly, no wait on several.
        1 => return frame_of(0, wait),
        _ => {}
    }
    let deadline = wait.and_then(|w| std::time::Instant::now().checked_add(w));
    let left = || deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
    loop {
        // A frame already here, or part of one.
        let buffered = (0..conns.len()).filter(|&i| conns[i].has_buffered());
        if let Some(got) = buffered
            .into_iter()
            .find_map(|i| frame_of(i, Some(Duration::ZERO)))
        {
            return Some(got);
        }
        if left() == Some(Duration::ZERO) {
            return None;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let fds: Option<Vec<std::os::fd::RawFd>> = conns.iter().map(|c| c.raw_fd()).collect();
            if let Some(fds) = fds {
                let ready = match super::sys::wait_readable(&fds, left()) {
                    Ok(ready) => ready,
                    Err(e) => {
                        let failed = conns.first().map(|c| c.wait_failure(e));
                        return failed.map(|e| (0, Err(e)));
                    }
                };
                let readable = (0..conns.len()).filter(|&i| ready[i]);
                if let Some(got) = readable
                    .into_iter()
                    .find_map(|i| frame_of(i, Some(Duration::ZERO)))
                {
                    return Some(got);
                }
                continue;
            }
        }
        let slice = || left().map_or(SLICE, |l| l.min(SLICE));
        if let Some(got) = (0..conns.len()).find_map(|i| frame_of(i, Some(slice()))) {
            return Some(got);
        }
    }
}

impl Connection {
    /// Whether a frame, or part of one, is already read (kept pushes, buffered bytes).
    fn has_buffered(&self) -> bool {
        self.inner
            .try_borrow()
            .is_ok_and(|i| !i.pushes.is_empty() || i.rpos != i.rend || !i.decoder.is_idle())
    }

    /// The plain socket's descriptor, for a wait on several; `None` over TLS.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn raw_fd(&self) -> Option<std::os::fd::RawFd> {
        use std::os::fd::AsRawFd;
        let inner = self.inner.try_borrow().ok()?;
        match &inner.stream {
            super::stream::Stream::Tcp(s) => Some(s.as_raw_fd()),
            super::stream::Stream::Unix(s) => Some(s.as_raw_fd()),
            #[cfg(feature = "tls")]
            super::stream::Stream::Tls(_) => None,
        }
    }

    /// A failed wait on several sockets, reported as this connection's read failure.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn wait_failure(&self, e: io::Error) -> crate::error::Error {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.io_failure(e, Operation::Read),
            Err(_) => crate::error::Error::Broken,
        }
    }
}
