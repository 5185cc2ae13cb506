//! One call of a script, and the standard way to run it: [`invoke_with_reload`].

use super::{ConnectionLike, Reply};
use crate::cmd::{cmd, Args, Cmd};
use crate::code::{check_sha, ScriptCode};
use crate::error::{Error, Result};
use crate::types::FromValue;
use std::fmt;

/// One call of a script, as handed to [`ConnectionLike::invoke_script`]: the `EVALSHA`
/// command and what is needed to reload the script if the server lost it.
///
/// # Example
///
/// ```
/// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
/// # struct Check;
/// # impl ConnectionLike for Check {
/// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
/// // In `impl ConnectionLike for ...`:
/// fn invoke_script(
///     &self,
///     call: &ScriptInvocation<'_>,
///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
/// ) -> Result<()> {
///     assert_eq!(call.sha(), redline::script_sha("return 1"));
///     assert_eq!(call.source(), Some(&b"return 1"[..]));
///     assert!(!call.is_read_only());
///     read(Reply::from(Value::Nil))
/// }
/// # }
/// # redline::ScriptCode::new("return 1").call_on::<(), _>(&Check, (), ())?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct ScriptInvocation<'a> {
    code: &'a ScriptCode,
    command: &'a Cmd,
    read_only: bool,
}

/// Shows the SHA1, the source's length (not its bytes) and the command.
impl fmt::Debug for ScriptInvocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptInvocation")
            .field("sha", &self.sha())
            .field("source_len", &self.source().map(<[u8]>::len))
            .field("command", self.command)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl<'a> ScriptInvocation<'a> {
    pub(crate) fn new(code: &'a ScriptCode, command: &'a Cmd, read_only: bool) -> Self {
        ScriptInvocation {
            code,
            command,
            read_only,
        }
    }

    /// The script's SHA1.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
    /// fn invoke_script(
    ///     &self,
    ///     call: &ScriptInvocation<'_>,
    ///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    /// ) -> Result<()> {
    ///     assert_eq!(call.sha(), redline::script_sha("return 1"));
    /// #   read(Reply::from(Value::Nil))
    /// }
    /// # }
    /// # redline::ScriptCode::new("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sha(&self) -> &'a str {
        self.code.sha()
    }

    /// The source, for `SCRIPT LOAD`; `None` for a script known only by SHA1.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
    /// fn invoke_script(
    ///     &self,
    ///     call: &ScriptInvocation<'_>,
    ///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    /// ) -> Result<()> {
    ///     assert_eq!(call.source(), Some(&b"return 1"[..]));
    /// #   read(Reply::from(Value::Nil))
    /// }
    /// # }
    /// # redline::ScriptCode::new("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn source(&self) -> Option<&'a [u8]> {
        self.code.source()
    }

    /// The script itself.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
    /// fn invoke_script(
    ///     &self,
    ///     call: &ScriptInvocation<'_>,
    ///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    /// ) -> Result<()> {
    ///     assert_eq!(call.code().sha(), call.sha());
    /// #   read(Reply::from(Value::Nil))
    /// }
    /// # }
    /// # redline::ScriptCode::new("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn code(&self) -> &'a ScriptCode {
        self.code
    }

    /// The `EVALSHA` / `EVALSHA_RO` command, keys and arguments included.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
    /// fn invoke_script(
    ///     &self,
    ///     call: &ScriptInvocation<'_>,
    ///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    /// ) -> Result<()> {
    ///     assert_eq!(call.command().name(), Some(&b"EVALSHA"[..]));
    /// #   read(Reply::from(Value::Nil))
    /// }
    /// # }
    /// # redline::ScriptCode::new("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn command(&self) -> &'a Cmd {
        self.command
    }

    /// The keys the call declares (`KEYS[1]`, ...), read from the command's `numkeys`: what a
    /// routing target hashes to pick a node.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
    /// fn invoke_script(
    ///     &self,
    ///     call: &ScriptInvocation<'_>,
    ///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    /// ) -> Result<()> {
    ///     assert_eq!(call.keys().collect::<Vec<_>>(), [&b"a"[..], b"b"]);
    /// #   read(Reply::from(Value::Nil))
    /// }
    /// # }
    /// # redline::ScriptCode::new("return 1").call_on::<(), _>(&Check, ["a", "b"], 5)?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn keys(&self) -> Args<'a> {
        declared_keys(self.command)
    }

    /// Whether it runs with `EVALSHA_RO`.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { Ok(Value::Nil) }
    /// fn invoke_script(
    ///     &self,
    ///     call: &ScriptInvocation<'_>,
    ///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    /// ) -> Result<()> {
    ///     assert!(call.is_read_only()); // the script was run with `call_ro`
    /// #   read(Reply::from(Value::Nil))
    /// }
    /// # }
    /// # redline::ScriptCode::new("return 1").call_ro_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}

/// The keys of `NAME head numkeys key...` (the shape of `EVALSHA` and `FCALL`); none when the
/// command does not have that shape.
fn declared_keys(command: &Cmd) -> Args<'_> {
    let mut args = command.args();
    let numkeys = args
        .nth(2)
        .and_then(|n| std::str::from_utf8(n).ok()?.parse::<usize>().ok());
    match numkeys {
        Some(n) if n > 0 => args.take_first(n),
        _ => Args::empty(),
    }
}

/// The standard sequence: `EVALSHA`; on `NOSCRIPT`, `SCRIPT LOAD` (SHA1 checked) and one more
/// `EVALSHA`. Targets that route (a pool, a cluster) call this on the connection they chose.
///
/// # Example
///
/// ```no_run
/// use redline::target::invoke_with_reload;
/// use redline::{Reply, Result, ScriptInvocation, Value};
/// # use redline::{Cmd, Connection, ConnectionLike};
/// # struct Pinned(Connection);
/// # impl Pinned { fn pick(&self) -> &Connection { &self.0 } }
/// # impl ConnectionLike for Pinned {
/// #     fn req(&self, cmd: &Cmd) -> Result<Value> { self.pick().req(cmd) }
/// // In a routing target's `impl ConnectionLike`: the whole sequence on the chosen connection.
/// fn invoke_script(
///     &self,
///     call: &ScriptInvocation<'_>,
///     read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
/// ) -> Result<()> {
///     invoke_with_reload(self.pick(), call, read)
/// }
/// # }
/// ```
pub fn invoke_with_reload<C: ConnectionLike + ?Sized>(
    target: &C,
    call: &ScriptInvocation<'_>,
    read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
) -> Result<()> {
    match target.req_reply(call.command, read) {
        Err(Error::NoScript) => {
            let source = call.source().ok_or(Error::NoScript)?;
            load_checked(target, source, call.sha())?;
            target.req_reply(call.command, read)
        }
        other => other,
    }
}

/// `SCRIPT LOAD`, failing loudly if the server's SHA1 differs from the local one.
pub(crate) fn load_checked<C: ConnectionLike + ?Sized>(
    target: &C,
    source: &[u8],
    sha: &str,
) -> Result<()> {
    let got: String = FromValue::from_value(target.req(cmd("SCRIPT").arg("LOAD").arg(source))?)?;
    check_sha(sha, got)
}
