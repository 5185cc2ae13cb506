//! The shared, pooled client and its builder.

use crate::cmd::Cmd;
use crate::connection::{Connection, Reply};
use crate::error::{Result, ServerErrorKind};
use crate::info::ConnectionInfo;
use crate::resp::Value;
use crate::script::{Script, ScriptInvocation};
use crate::types::FromValue;
use crate::ConnectionLike;
use std::sync::{Arc, Mutex, MutexGuard};

mod builder;

pub use builder::ClientBuilder;

/// A client for one server, shared by reference across threads.
///
/// It keeps a small pool of idle connections and checks one out for each call, so N threads
/// calling at once use up to N connections. A connection that failed is dropped, never put
/// back, and an idle one is checked (without blocking) before reuse, so a server restart is
/// seen as a closed connection and the call opens a fresh one.
///
/// `Client` is cheap to clone: clones share the pool.
///
/// # About threads
///
/// `Client` is `Send + Sync`. Share it with `&Client`, `Arc<Client>` or a clone.
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands};
///
/// let client = Client::open("redis://127.0.0.1:6379/0")?;
/// client.set("k", 2)?;
/// let v: i64 = client.get("k")?;
/// assert_eq!(v, 2);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    info: ConnectionInfo,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("info", &self.shared.info)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Creates a client from a URL such as `redis://[user:pass@]host:port/db?protocol=3`
    /// (the grammar is on [`ConnectionInfo`]). No connection is made until the first call.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`](crate::Error::InvalidUrl).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Client;
    ///
    /// let client = Client::open("redis://127.0.0.1:6379/1")?;
    /// assert_eq!(client.connection_info().db(), 1);
    /// assert!(Client::open("localhost:6379").is_err()); // no scheme
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn open(url: &str) -> Result<Client> {
        Ok(ClientBuilder::from_url(url)?.build())
    }

    /// Starts a [`ClientBuilder`] with the defaults (`127.0.0.1:6379`, RESP2).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Client;
    ///
    /// let client = Client::builder().port(6380).build();
    /// assert_eq!(client.connection_info().addr().to_string(), "redis://127.0.0.1:6380");
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The settings this client connects with.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Client, Protocol};
    ///
    /// let client = Client::open("redis://cache.local:6380?protocol=3")?;
    /// assert_eq!(client.connection_info().protocol(), Protocol::Resp3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn connection_info(&self) -> &ConnectionInfo {
        &self.shared.info
    }

    /// Opens a dedicated connection, outside the pool, for `WATCH`, blocking commands and
    /// anything else that must stay on one connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::cmd;
    ///
    /// let conn = client.get_connection()?;
    /// let job: Option<(String, String)> = conn.query(&cmd("BLPOP").arg("jobs").arg(5))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn get_connection(&self) -> Result<Connection> {
        Connection::open(&self.shared.info)
    }

    /// Sends one command on a pooled connection and converts its reply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{cmd, Client};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let n: i64 = client.query(&cmd("INCRBY").arg("counter").arg(5))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn query<T: FromValue>(&self, cmd: &Cmd) -> Result<T> {
        crate::connection_like::query(self, cmd)
    }

    /// Makes a [`Script`] of Lua source. No server call: its SHA1 is computed here, and it is
    /// loaded on first use.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let multiply = client.register_script(
    ///     "return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]",
    /// );
    /// client.set("foo", 2)?;
    /// assert_eq!(multiply.call::<i64>("foo", 5)?, 10);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn register_script(&self, lua: impl AsRef<[u8]>) -> Script<'_> {
        Script::new(self, lua.as_ref())
    }

    /// Runs `f` on a pooled connection, then returns the connection to the pool unless it
    /// broke (or `f` panicked, in which case it is dropped).
    pub(crate) fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.checkout()?;
        let result = f(&conn);
        if !conn.is_broken() {
            conn.mark_idle();
            let mut idle = self.idle();
            if idle.len() < self.shared.max_idle {
                idle.push(conn);
            }
        }
        result
    }

    fn checkout(&self) -> Result<Connection> {
        loop {
            let candidate = self.idle().pop();
            match candidate {
                // A server restart or a stray byte shows here, before a command is risked.
                Some(conn) if conn.is_reusable() => return Ok(conn),
                Some(_) => continue,
                None => return Connection::open(&self.shared.info),
            }
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // The guarded Vec stays consistent even if a holder panicked.
        self.shared
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The number of idle connections in the pool (for tests and metrics).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// assert_eq!(client.idle_connections(), 0); // nothing connected yet
    /// client.ping()?;
    /// assert_eq!(client.idle_connections(), 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn idle_connections(&self) -> usize {
        self.idle().len()
    }
}

impl ConnectionLike for Client {
    /// Like [`Connection::req`], on a pooled connection. Commands that change the state of
    /// the connection they run on (`MULTI`, `WATCH`, `SELECT`, `SUBSCRIBE`, `HELLO 3`, ...) are
    /// refused with [`Error::InvalidArgument`](crate::Error::InvalidArgument): the next caller
    /// of that pooled connection would inherit the state. Use [`Client::get_connection`] (or a
    /// pipeline's [`atomic`](crate::Pipeline::atomic), or [`Client::transaction`]) instead.
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        refuse_stateful(cmd)?;
        self.with_conn(|conn| conn.req(cmd))
    }

    fn req_read(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_, '_>) -> Result<()>) -> Result<()> {
        refuse_stateful(cmd)?;
        match self.with_conn(|conn| conn.req_read(cmd, read)) {
            // A server busy with a script refuses a new pooled connection's handshake, yet
            // answers these: one more try on a connection that skips the refused steps.
            // (Stopgap until the pool routes them itself.)
            Err(e)
                if e.server_kind() == Some(ServerErrorKind::Busy) && answered_while_busy(cmd) =>
            {
                read(Reply::Value(self.req_while_busy(cmd)?))
            }
            other => other,
        }
    }

    /// Runs the whole EVALSHA / SCRIPT LOAD / EVALSHA sequence on one pooled connection.
    fn invoke_script(&self, invocation: &ScriptInvocation<'_>) -> Result<Value> {
        self.with_conn(|conn| conn.invoke_script(invocation))
    }

    /// Opens a fresh connection whose handshake skips `SELECT` and `CLIENT SETNAME`: a server
    /// busy with a script refuses both, but accepts `SCRIPT KILL` and `FUNCTION KILL`.
    fn req_while_busy(&self, cmd: &Cmd) -> Result<Value> {
        Connection::open_with(&self.shared.info, false)?.req(cmd)
    }
}

/// `SCRIPT KILL`, `FUNCTION KILL` and `FUNCTION STATS`: what a server busy with a script answers.
fn answered_while_busy(cmd: &Cmd) -> bool {
    let mut args = cmd.args();
    let (Some(name), Some(sub)) = (args.next(), args.next()) else {
        return false;
    };
    (name.eq_ignore_ascii_case(b"SCRIPT") && sub.eq_ignore_ascii_case(b"KILL"))
        || (name.eq_ignore_ascii_case(b"FUNCTION")
            && (sub.eq_ignore_ascii_case(b"KILL") || sub.eq_ignore_ascii_case(b"STATS")))
}

/// Refuses, for a pooled connection, the commands that would leave it in a state the next
/// caller does not expect.
fn refuse_stateful(cmd: &Cmd) -> Result<()> {
    const STATEFUL: [&[u8]; 13] = [
        b"MULTI",
        b"EXEC",
        b"DISCARD",
        b"WATCH",
        b"SELECT",
        b"SUBSCRIBE",
        b"PSUBSCRIBE",
        b"SSUBSCRIBE",
        b"MONITOR",
        b"AUTH",
        b"RESET",
        b"QUIT",
        b"READONLY",
    ];
    let mut args = cmd.args();
    let name = args.next().unwrap_or_default();
    let second = args.next();
    // CLIENT REPLY OFF would silence replies; HELLO with a version switches the protocol
    // (without one it only reports).
    let stateful_form = (name.eq_ignore_ascii_case(b"CLIENT")
        && second.is_some_and(|sub| sub.eq_ignore_ascii_case(b"REPLY")))
        || (name.eq_ignore_ascii_case(b"HELLO") && second.is_some());
    let stateful = STATEFUL.iter().any(|s| name.eq_ignore_ascii_case(s));
    if stateful_form || stateful {
        return Err(crate::Error::invalid_argument(format!(
            "{} changes the state of the connection it runs on; use Client::get_connection",
            String::from_utf8_lossy(name)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn client_and_script_are_send_sync() {
        assert_send_sync::<Client>();
        assert_send_sync::<Script<'static>>();
    }

    #[test]
    fn stateful_commands_are_refused_on_the_pool() {
        let refused = [
            &["MULTI"][..],
            &["select", "1"],
            &["CLIENT", "reply", "OFF"],
            &["Watch", "k"],
            &["HELLO", "3"],
        ];
        for words in refused {
            let mut c = Cmd::new();
            c.arg(words);
            assert!(
                matches!(
                    refuse_stateful(&c),
                    Err(crate::Error::InvalidArgument { .. })
                ),
                "{words:?}"
            );
        }
        for words in [
            &["GET", "k"][..],
            &["CLIENT", "ID"],
            &["UNWATCH"],
            &["HELLO"],
            &["CLIENT", "TRACKING", "ON"],
        ] {
            let mut c = Cmd::new();
            c.arg(words);
            assert!(refuse_stateful(&c).is_ok(), "{words:?}");
        }
    }
}
