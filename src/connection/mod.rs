//! One connection to one server: a stream, a read buffer, a decoder, and the rule that after any
//! I/O error, timeout or protocol error the connection is broken and never used again.

use crate::cmd::Cmd;
use crate::error::{Error, Operation, Result};
use crate::info::{ConnectionInfo, Protocol};
use crate::resp::{Decoder, Value};
use crate::types::FromValue;
use std::cell::{RefCell, RefMut};
use std::io::{self, Write};
use std::time::Duration;

mod connect;
mod deadline;
mod errors;
mod handshake;
mod pair;
mod pushes;
mod read;
mod reader;
mod scripts;
mod stream;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod sys;
mod wire;

use deadline::Deadlines;
pub(crate) use pushes::recv_any_of;
pub(crate) use reader::Reader;
pub(crate) use scripts::ScriptCache;
use stream::Stream;
pub(crate) use wire::Wire;

/// Size of the read buffer; it grows only for a status line longer than this.
const READ_BUF: usize = 64 * 1024;
/// A bulk payload at least this large is read straight into the reply's own buffer.
const DIRECT_READ_MIN: usize = 32 * 1024;

/// A dedicated connection to one server.
///
/// Get one from [`Client::get_connection`](crate::Client::get_connection) for what must stay on
/// one connection: `WATCH`, blocking commands such as `BLPOP`, `MONITOR`, `CLIENT` state.
/// Everyday calls go through [`Client`](crate::Client), which pools connections.
///
/// Methods take `&self`; a connection is `Send` but not `Sync`, so one thread uses it at a time.
///
/// # Errors and discarding
///
/// After an I/O error, a timeout or a protocol error the connection is *broken*: a reply may be
/// half-read, so every later call returns [`Error::Broken`] rather than risk handing a reply to
/// the wrong command. Error replies from the server do not break it.
///
/// # Example
///
/// ```no_run
/// use redline::{cmd, Client, Commands};
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// let conn = client.get_connection()?;
/// conn.query::<()>(&cmd("WATCH").arg("balance"))?;
/// let balance: Option<i64> = conn.get("balance")?;
/// # Ok::<(), redline::Error>(())
/// ```
pub struct Connection {
    inner: RefCell<Inner>,
}

struct Inner {
    stream: Stream,
    rbuf: Vec<u8>,
    /// Unconsumed bytes are `rbuf[rpos..rend]`.
    rpos: usize,
    rend: usize,
    decoder: Decoder,
    broken: bool,
    protocol: Protocol,
    /// The read and write deadlines of the call in progress.
    deadlines: Deadlines,
    /// Scripts confirmed in this server's cache since this connection opened.
    scripts: ScriptCache,
    /// The longest block time of the commands sent with `send` (SUBSCRIBE, BLPOP, ...), for
    /// the deadline of each `recv` that reads their replies.
    sent_block: Option<crate::cmd::Block>,
    /// The socket was probed just now (by the pool's check-out): the request skips its own.
    probed: bool,
    /// The server, for errors (`redis://host:port`, never credentials).
    addr: Box<str>,
    /// Some of the server's bytes were taken as RESP: from now on, bytes that are not RESP
    /// are a protocol error, no longer a sign that something else listens there.
    heard: bool,
    /// The server accepted a `MULTI` on this connection: a transaction may send it in the same
    /// write as its commands (see `batch::run`).
    multi_accepted: bool,
    /// Pushes that arrived while a command waited for its reply, for the next frame reader.
    pushes: pushes::Pushes,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.inner.try_borrow() {
            Ok(inner) => f
                .debug_struct("Connection")
                .field("protocol", &inner.protocol)
                .field("broken", &inner.broken)
                .finish_non_exhaustive(),
            Err(_) => f.write_str("Connection { <in use> }"),
        }
    }
}

impl Connection {
    /// Opens a connection and sets it up: `HELLO 3` for RESP3 (with `AUTH` and `SETNAME` in
    /// it), else `AUTH`; then `SELECT` and `CLIENT SETNAME` as configured, all in one write.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Timeout`] when the server cannot be reached;
    /// [`Error::Auth`] when it refuses the credentials (kind
    /// [`ServerErrorKind::WrongPass`] or [`ServerErrorKind::NoAuth`]);
    /// [`Error::Credentials`] when the credentials provider fails; another server error when
    /// the rest of the handshake is refused.
    ///
    /// [`ServerErrorKind::WrongPass`]: crate::ServerErrorKind::WrongPass
    /// [`ServerErrorKind::NoAuth`]: crate::ServerErrorKind::NoAuth
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Connection, ConnectionInfo};
    ///
    /// let info = ConnectionInfo::from_url("redis://127.0.0.1:6379/2")?;
    /// let conn = Connection::open(&info)?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn open(info: &ConnectionInfo) -> Result<Connection> {
        Connection::open_with(info, true)
    }

    fn lock(&self) -> Result<RefMut<'_, Inner>> {
        // A connection is never re-entered (nothing calls back into user code mid-command),
        // so a failed borrow can only mean misuse; report it instead of panicking.
        let inner = self
            .inner
            .try_borrow_mut()
            .map_err(|_| Error::invalid_argument("connection used re-entrantly"))?;
        if inner.broken {
            return Err(Error::Broken);
        }
        Ok(inner)
    }

    /// Sends one command and returns its reply converted to `T`.
    ///
    /// # Errors
    ///
    /// The server's error reply as an [`Error`]; a conversion error; or a connection error,
    /// which breaks the connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::cmd;
    ///
    /// let conn = client.get_connection()?;
    /// let hits: i64 = conn.query(&cmd("INCR").arg("hits"))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn query<T: FromValue>(&self, cmd: &Cmd) -> Result<T> {
        crate::target::query(self, cmd)
    }

    /// Sends one command and hands a reader of its reply, still on the wire, to `read`.
    pub(crate) fn req_with<R>(&self, cmd: &Cmd, read: impl FnOnce(Reader<'_>) -> R) -> Result<R> {
        let mut inner = self.write_request(cmd)?;
        let result = read(Reader::new(&mut inner));
        inner.after_reply();
        Ok(result)
    }

    /// Locks the connection for a runner that writes and reads several frames (a batch),
    /// after checking that no reply is already waiting.
    pub(crate) fn wire(&self) -> Result<Wire<'_>> {
        let mut inner = self.lock()?;
        inner.ensure_in_step()?;
        inner.deadlines.start_call();
        Ok(Wire { inner })
    }

    /// Forgets every script (a batch that carried `SCRIPT FLUSH` ran).
    pub(crate) fn forget_scripts(&self) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            inner.scripts.clear();
        }
    }

    /// For a pool: forgets every script if `flushes` (the pool's count of `SCRIPT FLUSH`es sent
    /// through any of its connections) moved since this connection last looked.
    pub(crate) fn sync_scripts(&self, flushes: u64) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            inner.scripts.sync(flushes);
        }
    }

    /// Records what the outcome of a script call proved about this server's cache: a call
    /// that ran means cached; `NOSCRIPT` means not (a compile error or `BUSY` prove nothing).
    pub(crate) fn note_script(&self, sha: &str, outcome: &Result<()>) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            match outcome {
                Ok(()) | Err(Error::Conversion { .. }) => inner.scripts.loaded(sha),
                Err(Error::NoScript) => inner.scripts.forget(sha),
                Err(_) => {}
            }
        }
    }

    /// Sends one command and returns its raw reply; an error reply is an `Err`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, Value};
    ///
    /// let conn = client.get_connection()?;
    /// assert_eq!(conn.req(&cmd("PING"))?, Value::SimpleString("PONG".into()));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn req(&self, cmd: &Cmd) -> Result<Value> {
        let mut inner = self.write_request(cmd)?;
        match inner.recv()? {
            Value::Error(message) => Err(Error::from_server_reply(message)),
            value => Ok(value),
        }
    }

    /// Writes one request, after checking that no reply is already waiting; the connection
    /// stays locked for reading its reply.
    fn write_request(&self, cmd: &Cmd) -> Result<RefMut<'_, Inner>> {
        not_empty(cmd)?;
        let mut inner = self.lock()?;
        inner.ensure_in_step()?;
        inner.sent(cmd.encoded());
        inner
            .deadlines
            .start_blocking_call(crate::cmd::blocks_for(cmd.encoded()));
        inner.write_all(cmd.encoded())?;
        Ok(inner)
    }

    /// Writes a command without reading its reply. With [`Connection::recv`] this allows
    /// hand-made pipelining and commands that reply more than once (`MONITOR`, `SUBSCRIBE`).
    ///
    /// Read every reply with [`Connection::recv`] before calling [`Connection::req`],
    /// [`Connection::query`] or a pipeline again: they refuse to start while a reply is already
    /// waiting (it would otherwise be taken for theirs), failing with
    /// [`ProtocolError::UnsolicitedReply`](crate::resp::ProtocolError::UnsolicitedReply) and
    /// breaking the connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, Value};
    ///
    /// let conn = client.get_connection()?;
    /// conn.send(&cmd("SET").arg("a").arg(1))?;
    /// conn.send(&cmd("GET").arg("a"))?;
    /// assert_eq!(conn.recv()?, Value::Okay);
    /// assert_eq!(conn.recv()?, Value::Bulk(b"1".to_vec()));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn send(&self, cmd: &Cmd) -> Result<()> {
        not_empty(cmd)?;
        let mut inner = self.lock()?;
        inner.sent(cmd.encoded());
        let block = crate::cmd::blocks_for(cmd.encoded());
        inner.sent_block = longest(inner.sent_block, block);
        inner.deadlines.start_blocking_call(block);
        inner.write_all(cmd.encoded())
    }

    /// Reads the next reply, or push: pushes that arrived while a command waited for its
    /// reply come first, in order. An error reply is returned as [`Value::Error`], not as
    /// `Err`, since a caller reading several replies wants them all.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, Value};
    ///
    /// let conn = client.get_connection()?;
    /// conn.send(&cmd("NO-SUCH-COMMAND"))?;
    /// assert!(matches!(conn.recv()?, Value::Error(_)));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn recv(&self) -> Result<Value> {
        let mut inner = self.lock()?;
        if let Some(push) = inner.take_push() {
            return Ok(push);
        }
        let block = inner.sent_block;
        inner.deadlines.start_blocking_call(block);
        inner.recv_any()
    }

    /// Returns `true` once an error has made this connection unusable.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, Value};
    /// use std::time::Duration;
    ///
    /// let conn = client.get_connection()?;
    /// conn.set_read_timeout(Some(Duration::from_millis(100)))?;
    /// let err = conn
    ///     .query::<Value>(&cmd("BLPOP").arg("empty-list").arg(0))
    ///     .unwrap_err();
    /// assert!(err.is_timeout() && conn.is_broken());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn is_broken(&self) -> bool {
        self.inner.try_borrow().is_ok_and(|i| i.broken)
    }

    /// The protocol version this connection speaks.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Protocol};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379?protocol=3")?;
    /// assert_eq!(client.get_connection()?.protocol(), Protocol::Resp3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn protocol(&self) -> Protocol {
        self.inner
            .try_borrow()
            .map_or(Protocol::Resp2, |i| i.protocol)
    }

    /// Changes the read timeout (`None` waits for ever), for example around a blocking command.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::cmd;
    ///
    /// let conn = client.get_connection()?;
    /// conn.set_read_timeout(None)?; // BLPOP with 0 waits for ever
    /// let job: Option<(String, String)> = conn.query(&cmd("BLPOP").arg("jobs").arg(0))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        let mut inner = self.lock()?;
        let inner = &mut *inner;
        match inner.deadlines.set_read_timeout(&inner.stream, timeout) {
            Ok(()) => Ok(()),
            Err(e) => Err(inner.io_failure(e, Operation::Read)),
        }
    }

    /// The read timeout in force.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::Client;
    /// use std::time::Duration;
    ///
    /// let client = Client::open("redis://127.0.0.1:6379?read_timeout=2s")?;
    /// let conn = client.get_connection()?;
    /// assert_eq!(conn.read_timeout(), Some(Duration::from_secs(2)));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn read_timeout(&self) -> Option<Duration> {
        self.inner
            .try_borrow()
            .ok()
            .and_then(|i| i.deadlines.read_timeout())
    }

    /// For the pool: true when the connection is in step, nothing waits on its socket and the
    /// server has not closed it (a restart shows here, before a command is risked). The
    /// request that follows does not probe the socket again.
    pub(crate) fn is_reusable(&self) -> bool {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => {
                // Pushes mean subscriptions or tracking: state not to hand to another caller.
                let fit = !inner.broken
                    && inner.ensure_in_step().is_ok()
                    && inner.rpos == inner.rend
                    && inner.decoder.is_idle()
                    && inner.pushes.is_empty();
                inner.probed = fit;
                fit
            }
            Err(_) => false,
        }
    }
}

impl Inner {
    /// Marks the connection broken when `result` failed for a reason that may leave it out of
    /// step with the server.
    #[inline]
    fn check<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_counted(bytes).1
    }

    /// Writes all of `bytes`, also returning how many were handed to the socket before any
    /// error: zero means the server provably never saw them.
    fn write_counted(&mut self, bytes: &[u8]) -> (usize, Result<()>) {
        let mut sent = 0;
        while sent < bytes.len() {
            let written = self
                .deadlines
                .before_write(&self.stream)
                .and_then(|()| self.stream.write(&bytes[sent..]));
            match written {
                Ok(0) => {
                    let e =
                        io::Error::new(io::ErrorKind::WriteZero, "the socket accepted no bytes");
                    return (sent, Err(self.io_failure(e, Operation::Write)));
                }
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (sent, Err(self.io_failure(e, Operation::Write))),
            }
        }
        (sent, Ok(()))
    }

    /// Notes a request going out: after `SCRIPT FLUSH` no script is known loaded.
    #[inline]
    fn sent(&mut self, encoded: &[u8]) {
        if crate::cmd::flushes_scripts(encoded) {
            self.scripts.clear();
        }
    }

    /// Drops `used` bytes from the front of the buffer.
    #[inline]
    fn consume(&mut self, used: usize) {
        self.rpos += used;
        self.heard |= used > 0;
        self.after_reply();
    }

    /// Once nothing is left unconsumed: rewinds the buffer, and gives back the memory that a
    /// long line grew it by.
    #[inline]
    fn after_reply(&mut self) {
        if self.rpos == self.rend {
            self.heard |= self.rpos > 0;
            self.rpos = 0;
            self.rend = 0;
            if self.rbuf.len() > READ_BUF && self.decoder.is_idle() {
                self.rbuf = vec![0; READ_BUF];
            }
        }
    }

    /// Checks, before a request, that no reply is already waiting: the server may have sent
    /// more than was asked, and the next command must not take that reply, or the rest of a
    /// partly arrived one, for its own. Pushes, whole or partial, are fine (whole ones are
    /// kept for later).
    fn ensure_in_step(&mut self) -> Result<()> {
        if self.rpos == self.rend && self.decoder.is_idle() && !std::mem::take(&mut self.probed) {
            // Nothing buffered: a reply may still be waiting on the socket, sent after the
            // last call returned (or the server may have hung up).
            self.read_waiting()?;
        }
        while self.rpos != self.rend {
            let decoded = self.decoder.decode(&self.rbuf[self.rpos..self.rend]);
            let (used, value) = match decoded {
                Ok(done) => done,
                Err(e) => return Err(self.protocol_failure(e, Operation::Probe)),
            };
            self.consume(used);
            match value {
                Some(push @ Value::Push(_)) => self.pushes.keep(push),
                Some(_) => return self.unsolicited(),
                None => break,
            }
        }
        // Part of a reply is still here: fine only if it is a push.
        let partial_push = if self.decoder.is_idle() {
            self.rbuf
                .get(self.rpos..self.rend)
                .map_or(true, |b| b.is_empty() || b[0] == b'>')
        } else {
            self.decoder.in_push()
        };
        if partial_push {
            Ok(())
        } else {
            self.unsolicited()
        }
    }

    /// Takes into the buffer whatever already waits on the socket, without blocking.
    fn read_waiting(&mut self) -> Result<()> {
        self.rpos = 0;
        self.rend = 0;
        match self.stream.read_waiting(&mut self.rbuf) {
            Ok(None) => Ok(()),
            Ok(Some(0)) => Err(self.closed(Operation::Probe)),
            Ok(Some(n)) => {
                self.rend = n;
                Ok(())
            }
            Err(e) => Err(self.io_failure(e, Operation::Probe)),
        }
    }

    fn unsolicited(&mut self) -> Result<()> {
        // Something was taken as RESP: this is a stray reply, not a foreign server's banner.
        self.heard = true;
        let stray = crate::resp::ProtocolError::UnsolicitedReply;
        Err(self.protocol_failure(stray, Operation::Probe))
    }
}

/// The longer of two block times (`Forever` the longest).
fn longest(
    a: Option<crate::cmd::Block>,
    b: Option<crate::cmd::Block>,
) -> Option<crate::cmd::Block> {
    use crate::cmd::Block;
    match (a, b) {
        (Some(Block::Forever), _) | (_, Some(Block::Forever)) => Some(Block::Forever),
        (Some(Block::For(x)), Some(Block::For(y))) => Some(Block::For(x.max(y))),
        (x, None) => x,
        (None, y) => y,
    }
}

/// An empty command gets no reply from the server at all; sending one would leave the caller
/// waiting for ever, or shift every later reply.
pub(crate) fn not_empty(cmd: &Cmd) -> Result<()> {
    if cmd.args_len() == 0 {
        return Err(Error::invalid_argument("an empty command (no name)"));
    }
    Ok(())
}
