//! Lua scripts that load themselves: [`Script`].

use crate::client::Client;
use crate::cmd::{cmd, with_scratch, Cmd};
use crate::connection_like::ConnectionLike;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::types::{FromValue, ToArgs};
use std::fmt;
use std::sync::Arc;

/// A Lua script registered on a [`Client`], known by the SHA1 of its source.
///
/// Made by [`Client::register_script`] with no server call: the SHA1 (lower-case hex) is
/// computed here from the exact bytes. A call sends `EVALSHA`; if the server answers
/// `NOSCRIPT` (a new server, a restart, a `SCRIPT FLUSH`), it sends `SCRIPT LOAD`, checks that
/// the server's SHA1 is its own, and sends `EVALSHA` once more. It never loops and never falls
/// back to sending the whole source with `EVAL` on every call.
///
/// A `Script` borrows its client, is `Send + Sync`, and can be called from many threads at
/// once. It also runs on any other [`ConnectionLike`] ([`Script::call_on`]), read-only
/// ([`Script::call_ro`]), and in pipelines.
///
/// | call | round trips, script cached | round trips, not cached |
/// |---|---|---|
/// | [`call`](Script::call), [`call_ro`](Script::call_ro) | 1 (`EVALSHA`) | 3 (`EVALSHA`, `SCRIPT LOAD`, `EVALSHA`) |
/// | [`load`](Script::load) | 1 | 1 |
/// | [`exists`](Script::exists) | 1 | 1 |
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands};
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// let multiply = client.register_script(r#"
///     local value = redis.call('GET', KEYS[1])
///     return tonumber(value) * ARGV[1]
/// "#);
/// client.set("foo", 2)?;
/// assert_eq!(multiply.call::<i64>("foo", 5)?, 10);
///
/// let other = redline::Client::open("redis://127.0.0.1:6380")?;
/// other.set("foo", 3)?;
/// assert_eq!(multiply.call_on::<i64, _>(&other, "foo", 5)?, 15);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone)]
pub struct Script<'c> {
    client: &'c Client,
    sha: Arc<str>,
    source: Option<Arc<[u8]>>,
}

impl fmt::Debug for Script<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("sha", &&*self.sha)
            .field("source_len", &self.source.as_ref().map(|s| s.len()))
            .finish()
    }
}

/// Computes the SHA1 of a script's bytes as Redis does, in lower-case hex.
///
/// # Example
///
/// ```
/// assert_eq!(redline::script_sha("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
/// ```
pub fn script_sha(source: impl AsRef<[u8]>) -> String {
    sha1_smol::Sha1::from(source.as_ref()).digest().to_string()
}

impl<'c> Script<'c> {
    pub(crate) fn new(client: &'c Client, source: &[u8]) -> Script<'c> {
        Script {
            client,
            sha: script_sha(source).into(),
            source: Some(source.into()),
        }
    }

    /// A script someone else loaded, known only by its SHA1. Calls work while the server has
    /// it cached; after a `NOSCRIPT` there is no source to reload, so the call fails with
    /// [`Error::NoScript`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `sha` is 40 hex digits.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::Script;
    ///
    /// let script = Script::from_sha(&client, "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB")?;
    /// assert_eq!(script.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    /// assert!(script.source().is_none());
    /// assert!(Script::from_sha(&client, "not-a-sha1").is_err());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_sha(client: &'c Client, sha: &str) -> Result<Script<'c>> {
        if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid_argument("a script SHA1 is 40 hex digits"));
        }
        Ok(Script {
            client,
            sha: sha.to_ascii_lowercase().into(),
            source: None,
        })
    }

    /// The SHA1 of the source, 40 lower-case hex digits.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// assert_eq!(script.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sha(&self) -> &str {
        &self.sha
    }

    /// The Lua source, unless the script was made by [`Script::from_sha`].
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// assert_eq!(script.source(), Some(&b"return 1"[..]));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn source(&self) -> Option<&[u8]> {
        self.source.as_deref()
    }

    /// The client the script was registered on.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// assert!(std::ptr::eq(script.client(), &client));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn client(&self) -> &'c Client {
        self.client
    }

    /// Runs the script on its client with `EVALSHA`, loading it on `NOSCRIPT`.
    ///
    /// `keys` become `KEYS` and `args` become `ARGV`; each takes anything [`ToArgs`]: one
    /// value, a slice, an array, a `Vec`, a tuple, or `()` for none.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] when the Lua code fails (with its line), [`Error::ShaMismatch`] if
    /// the server hashes the source differently, [`Error::NoScript`] for a
    /// [`from_sha`](Script::from_sha) script the server lost, connection errors.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1")?;
    /// let touch = client.register_script("return redis.call('SET', KEYS[1], ARGV[1])");
    /// touch.call::<()>("k", "v")?;
    /// let swap = client.register_script("return {KEYS[2], KEYS[1], ARGV[1]}");
    /// let out: (String, String, i64) = swap.call(["a", "b"], 7)?;
    /// assert_eq!(out, ("b".into(), "a".into(), 7));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn call<T: FromValue>(&self, keys: impl ToArgs, args: impl ToArgs) -> Result<T> {
        self.call_on(self.client, keys, args)
    }

    /// Like [`Script::call`], with `EVALSHA_RO`: the server refuses any write, and replicas
    /// accept it. For scripts declared `#!lua flags=no-writes` or that only read.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let lua = "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])";
    /// let peek = client.register_script(lua);
    /// let value: Option<String> = peek.call_ro("config", ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn call_ro<T: FromValue>(&self, keys: impl ToArgs, args: impl ToArgs) -> Result<T> {
        self.call_ro_on(self.client, keys, args)
    }

    /// Like [`Script::call`], on another target: a different client (even of another server,
    /// where the script loads itself on first use), a dedicated connection, or a cluster.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let add = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    /// let conn = client.get_connection()?;
    /// let total: i64 = add.call_on(&conn, "counter", 5)?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn call_on<T: FromValue, C: ConnectionLike + ?Sized>(
        &self,
        target: &C,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        self.call_with(target, false, &keys, &args)
    }

    /// Like [`Script::call_ro`], on another target.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let lua = "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])";
    /// let peek = client.register_script(lua);
    /// let replica = redline::Client::open("redis://127.0.0.1:6380")?;
    /// let value: Option<String> = peek.call_ro_on(&replica, "config", ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn call_ro_on<T: FromValue, C: ConnectionLike + ?Sized>(
        &self,
        target: &C,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        self.call_with(target, true, &keys, &args)
    }

    /// Builds `EVALSHA sha numkeys keys... args...` (or `EVALSHA_RO`) in the thread's reused
    /// command buffer and runs it on `target`.
    fn call_with<T: FromValue, C: ConnectionLike + ?Sized>(
        &self,
        target: &C,
        read_only: bool,
        keys: &impl ToArgs,
        args: &impl ToArgs,
    ) -> Result<T> {
        let name = if read_only { "EVALSHA_RO" } else { "EVALSHA" };
        with_scratch(name, |command| {
            command.keyed(&*self.sha, keys, args);
            T::from_value(target.invoke_script(&self.invocation(command, read_only))?)
        })
    }

    /// Loads the script into the client's server now (`SCRIPT LOAD`) and returns its SHA1.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] for a compile error, [`Error::ShaMismatch`], or
    /// [`Error::InvalidArgument`] for a [`from_sha`](Script::from_sha) script.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// assert_eq!(script.load()?, script.sha());
    /// assert!(script.exists()?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn load(&self) -> Result<String> {
        self.load_on(self.client)
    }

    /// Like [`Script::load`], on another target.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// let other = redline::Client::open("redis://127.0.0.1:6380")?;
    /// script.load_on(&other)?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn load_on<C: ConnectionLike + ?Sized>(&self, target: &C) -> Result<String> {
        let source = self
            .source
            .as_deref()
            .ok_or_else(|| Error::invalid_argument("a script made from a SHA1 has no source"))?;
        load_checked(target, source, &self.sha)?;
        Ok(self.sha.to_string())
    }

    /// Asks the client's server whether the script is cached (`SCRIPT EXISTS`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{FlushMode, ScriptingCommands};
    ///
    /// let script = client.register_script("return 1");
    /// client.script_flush(FlushMode::Sync)?;
    /// assert!(!script.exists()?);
    /// script.load()?;
    /// assert!(script.exists()?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn exists(&self) -> Result<bool> {
        let flags: Vec<bool> = FromValue::from_value(
            self.client
                .req(cmd("SCRIPT").arg("EXISTS").arg(&*self.sha))?,
        )?;
        Ok(flags.first().copied().unwrap_or(false))
    }

    pub(crate) fn invocation<'a>(
        &'a self,
        command: &'a Cmd,
        read_only: bool,
    ) -> ScriptInvocation<'a> {
        ScriptInvocation {
            sha: &self.sha,
            source: self.source.as_deref(),
            command,
            read_only,
        }
    }

    pub(crate) fn shared_source(&self) -> Option<Arc<[u8]>> {
        self.source.clone()
    }

    pub(crate) fn shared_sha(&self) -> Arc<str> {
        self.sha.clone()
    }
}

/// One call of a script, as handed to [`ConnectionLike::invoke_script`]: the `EVALSHA` command
/// and what is needed to reload the script if the server lost it.
///
/// # Example
///
/// ```
/// # use redline::{Cmd, ConnectionLike, Result, ScriptInvocation, Value};
/// # struct Check;
/// # impl ConnectionLike for Check {
/// #     fn req(&self, _: &Cmd) -> Result<Value> { unreachable!() }
/// // In `impl ConnectionLike for ...`:
/// fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
///     assert_eq!(call.sha(), redline::script_sha("return 1"));
///     assert_eq!(call.source(), Some(&b"return 1"[..]));
///     assert!(!call.is_read_only());
/// #   Ok(Value::Nil)
/// }
/// # }
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// # client.register_script("return 1").call_on::<(), _>(&Check, (), ())?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct ScriptInvocation<'a> {
    sha: &'a str,
    source: Option<&'a [u8]>,
    command: &'a Cmd,
    read_only: bool,
}

/// Shows the SHA1, the source's length (not its bytes) and the command.
impl fmt::Debug for ScriptInvocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptInvocation")
            .field("sha", &self.sha)
            .field("source_len", &self.source.map(<[u8]>::len))
            .field("command", self.command)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl<'a> ScriptInvocation<'a> {
    /// The script's SHA1.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { unreachable!() }
    /// // In `impl ConnectionLike for ...`:
    /// fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
    ///     assert_eq!(call.sha(), redline::script_sha("return 1"));
    /// #   Ok(Value::Nil)
    /// }
    /// # }
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.register_script("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sha(&self) -> &'a str {
        self.sha
    }

    /// The source, for `SCRIPT LOAD`; `None` for a script known only by SHA1.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { unreachable!() }
    /// // In `impl ConnectionLike for ...`:
    /// fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
    ///     assert_eq!(call.source(), Some(&b"return 1"[..]));
    /// #   Ok(Value::Nil)
    /// }
    /// # }
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.register_script("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn source(&self) -> Option<&'a [u8]> {
        self.source
    }

    /// The `EVALSHA` / `EVALSHA_RO` command, keys and arguments included.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { unreachable!() }
    /// // In `impl ConnectionLike for ...`:
    /// fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
    ///     assert_eq!(call.command().name(), Some(&b"EVALSHA"[..]));
    /// #   Ok(Value::Nil)
    /// }
    /// # }
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.register_script("return 1").call_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn command(&self) -> &'a Cmd {
        self.command
    }

    /// Whether it runs with `EVALSHA_RO`.
    ///
    /// # Example
    ///
    /// ```
    /// # use redline::{Cmd, ConnectionLike, Result, ScriptInvocation, Value};
    /// # struct Check;
    /// # impl ConnectionLike for Check {
    /// #     fn req(&self, _: &Cmd) -> Result<Value> { unreachable!() }
    /// // In `impl ConnectionLike for ...`:
    /// fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
    ///     assert!(call.is_read_only()); // the script was run with `call_ro`
    /// #   Ok(Value::Nil)
    /// }
    /// # }
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.register_script("return 1").call_ro_on::<(), _>(&Check, (), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}

/// The standard sequence: `EVALSHA`; on `NOSCRIPT`, `SCRIPT LOAD` (SHA1 checked) and one more
/// `EVALSHA`. Targets that route (pool, cluster) call this on the connection they chose.
///
/// # Example
///
/// ```no_run
/// use redline::{invoke_with_reload, Result, ScriptInvocation, Value};
/// # use redline::{Cmd, Connection, ConnectionLike};
/// # struct Pinned(Connection);
/// # impl Pinned { fn pick(&self) -> &Connection { &self.0 } }
/// # impl ConnectionLike for Pinned {
/// #     fn req(&self, cmd: &Cmd) -> Result<Value> { self.pick().req(cmd) }
/// // In a routing target's `impl ConnectionLike`: the whole sequence on the chosen connection.
/// fn invoke_script(&self, call: &ScriptInvocation<'_>) -> Result<Value> {
///     invoke_with_reload(self.pick(), call)
/// }
/// # }
/// ```
pub fn invoke_with_reload<C: ConnectionLike + ?Sized>(
    target: &C,
    invocation: &ScriptInvocation<'_>,
) -> Result<Value> {
    match target.req(invocation.command) {
        Err(Error::NoScript) => {
            let source = invocation.source.ok_or(Error::NoScript)?;
            load_checked(target, source, invocation.sha)?;
            target.req(invocation.command)
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

pub(crate) fn check_sha(expected: &str, got: String) -> Result<()> {
    if got.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(Error::ShaMismatch {
            expected: expected.to_string(),
            got,
        })
    }
}
