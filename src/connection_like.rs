//! [`ConnectionLike`]: what can run a command, so scripts and helpers work on any of them.

use crate::cmd::Cmd;
use crate::connection::{Connection, Reply};
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::script::{invoke_with_reload, ScriptInvocation};
use crate::types::FromValue;

/// Anything that can send a command to a server and read its reply: a
/// [`Client`](crate::Client), a dedicated [`Connection`], and later a cluster client.
///
/// [`Script::call_on`](crate::Script::call_on) and the [`Commands`](crate::Commands) helpers
/// work on any implementation. Only [`ConnectionLike::req`] is required; the other methods let
/// a target route smarter (a pooled client runs a whole script call on one connection; a
/// cluster client routes it by key slot and loads scripts on the right node).
///
/// # Example
///
/// ```no_run
/// use redline::{cmd, Client, ConnectionLike, Result};
///
/// fn ping(target: &impl ConnectionLike) -> Result<bool> {
///     Ok(target.req(&cmd("PING"))? == redline::Value::SimpleString("PONG".into()))
/// }
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// assert!(ping(&client)?);
/// assert!(ping(&client.get_connection()?)?);
/// # Ok::<(), redline::Error>(())
/// ```
pub trait ConnectionLike {
    /// Sends one command and returns its reply. An error reply is an `Err`, classified by
    /// [`Error::from_server_reply`](crate::Error::from_server_reply).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, ConnectionLike, Value};
    ///
    /// let reply = client.req(&cmd("PING"))?;
    /// assert_eq!(reply, Value::SimpleString("PONG".into()));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn req(&self, cmd: &Cmd) -> Result<Value>;

    /// Runs a script: `EVALSHA` (or `EVALSHA_RO`); on `NOSCRIPT`, `SCRIPT LOAD` with the SHA1
    /// checked, then `EVALSHA` once more. Never more than one reload.
    ///
    /// # Example
    ///
    /// Overriding it, here to log every script call:
    ///
    /// ```no_run
    /// use redline::{ConnectionLike, Result, ScriptInvocation, Value};
    /// # use redline::Cmd;
    /// # struct Logged<C>(C);
    /// impl<C: ConnectionLike> ConnectionLike for Logged<C> {
    /// #   fn req(&self, cmd: &Cmd) -> Result<Value> { self.0.req(cmd) }
    ///     fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
    ///         eprintln!("EVALSHA {}", call.sha());
    ///         self.0.invoke_script(call)
    ///     }
    /// }
    /// ```
    fn invoke_script(&self, invocation: &ScriptInvocation<'_>) -> Result<Value> {
        invoke_with_reload(self, invocation)
    }

    /// Sends a command that must get through while the server is busy with a script
    /// (`SCRIPT KILL`, `FUNCTION KILL`). Targets that open connections open one whose
    /// handshake the busy server accepts.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, ConnectionLike};
    ///
    /// // Answered even while a long script blocks the server.
    /// let stats = client.req_while_busy(&cmd("FUNCTION").arg("STATS"))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn req_while_busy(&self, cmd: &Cmd) -> Result<Value> {
        self.req(cmd)
    }

    /// Sends one command and hands its reply to `read`, which converts it. A connection hands
    /// the reply still on the wire, so that containers are decoded straight into the
    /// caller's type while the bytes arrive; the default hands the decoded `Value` of
    /// [`ConnectionLike::req`]. `read` must be called exactly once when this returns `Ok`.
    #[doc(hidden)]
    fn req_read(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_, '_>) -> Result<()>) -> Result<()> {
        read(Reply::Value(self.req(cmd)?))
    }
}

/// Sends `cmd` to `target` and converts its reply into `T` as it arrives.
pub(crate) fn query<C, T>(target: &C, cmd: &Cmd) -> Result<T>
where
    C: ConnectionLike + ?Sized,
    T: FromValue,
{
    let mut out = None;
    target.req_read(cmd, &mut |reply| {
        out = Some(reply.convert::<T>()?);
        Ok(())
    })?;
    out.ok_or_else(|| Error::invalid_argument("req_read returned without reading the reply"))
}

impl<T: ConnectionLike + ?Sized> ConnectionLike for &T {
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        (**self).req(cmd)
    }
    fn invoke_script(&self, invocation: &ScriptInvocation<'_>) -> Result<Value> {
        (**self).invoke_script(invocation)
    }
    fn req_while_busy(&self, cmd: &Cmd) -> Result<Value> {
        (**self).req_while_busy(cmd)
    }
    fn req_read(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_, '_>) -> Result<()>) -> Result<()> {
        (**self).req_read(cmd, read)
    }
}

impl ConnectionLike for Connection {
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        Connection::req(self, cmd)
    }

    fn req_read(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_, '_>) -> Result<()>) -> Result<()> {
        Connection::req_read(self, cmd, read)
    }

    /// Also remembers, per connection, that the script is in this server's cache.
    fn invoke_script(&self, invocation: &ScriptInvocation<'_>) -> Result<Value> {
        let result = invoke_with_reload(self, invocation);
        // Only a script that ran is known to be cached (a compile error, BUSY or a SHA1
        // mismatch prove nothing).
        match &result {
            Ok(_) => self.remember_script(invocation.sha()),
            Err(crate::Error::NoScript) => self.forget_script(invocation.sha()),
            Err(_) => {}
        }
        result
    }
}

impl Connection {
    /// Records that `sha` is in this connection's server cache (no allocation when known).
    pub(crate) fn remember_script(&self, sha: &str) {
        if let Ok(mut inner) = self.lock() {
            if !inner.known_scripts.contains(sha) {
                inner.known_scripts.insert(sha.to_string());
            }
        }
    }

    pub(crate) fn forget_script(&self, sha: &str) {
        if let Ok(mut inner) = self.lock() {
            inner.known_scripts.remove(sha);
        }
    }

    /// Whether this connection has seen `sha` in its server's cache since it opened.
    pub(crate) fn knows_script(&self, sha: &str) -> bool {
        self.lock()
            .is_ok_and(|inner| inner.known_scripts.contains(sha))
    }
}
