//! Lua scripts that load themselves: [`Script`], and the calls of a [`ScriptCode`].

use crate::cmd::{cmd, with_scratch};
use crate::code::ScriptCode;
use crate::error::{Error, Result};
use crate::target::{load_checked, not_read, ConnectionLike, Reply, ScriptInvocation};
use crate::types::{FromValue, ToArgs};
use std::fmt;

/// A Lua script bound to the target it runs on (a [`Client`](crate::Client), a cluster, any
/// [`ConnectionLike`] that can be shared across threads), known by the SHA1 of its source.
///
/// Made by [`Client::register_script`](crate::Client::register_script) (or
/// [`ScriptCode::bind`]) with no server call: the SHA1 (lower-case hex) is
/// computed here from the exact bytes. A call sends `EVALSHA`; if the server answers
/// `NOSCRIPT` (a new server, a restart, a `SCRIPT FLUSH`), it sends `SCRIPT LOAD` and
/// `EVALSHA` once more, and checks that the server's SHA1 is its own. On a
/// [`Client`](crate::Client) or a [`Connection`](crate::Connection) the two go out in one
/// write, so the server runs them back to back: another client's `SCRIPT FLUSH` does not
/// come between them (unless the write reaches the server in pieces: a script over 16 KiB). It never loops and never falls back to sending the whole source with `EVAL`
/// on every call.
///
/// A `Script` borrows its target, is `Send + Sync`, and can be called from many threads at
/// once. It also runs on any other [`ConnectionLike`] ([`Script::call_on`]), read-only
/// ([`Script::call_ro`]), and in pipelines. To keep a script beside its client in a struct,
/// or in a `static`, keep its [`ScriptCode`] (no borrow) and call that, or bind it when needed.
///
/// | call | round trips, script cached | round trips, not cached |
/// |---|---|---|
/// | [`call`](Script::call), [`call_ro`](Script::call_ro) | 1 (`EVALSHA`) | 2 (`EVALSHA`; `SCRIPT LOAD` and `EVALSHA` in one write) |
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
pub struct Script<'t> {
    target: &'t (dyn ConnectionLike + Sync),
    code: ScriptCode,
}

impl fmt::Debug for Script<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("sha", &self.sha())
            .field("source_len", &self.source().map(<[u8]>::len))
            .finish()
    }
}

impl<'t> Script<'t> {
    /// A script someone else loaded, known only by its SHA1, bound to `target`. Calls work
    /// while the server has it cached; after a `NOSCRIPT` there is no source to reload, so
    /// the call fails with [`Error::NoScript`].
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
    pub fn from_sha(target: &'t (dyn ConnectionLike + Sync), sha: &str) -> Result<Script<'t>> {
        Ok(ScriptCode::from_sha(sha)?.bind(target))
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
        self.code.sha()
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
        self.code.source()
    }

    /// The script without its target: `'static`, to keep in a struct or a `static`.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// let code: redline::ScriptCode = script.code().clone();
    /// assert_eq!(code.sha(), script.sha());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn code(&self) -> &ScriptCode {
        &self.code
    }

    /// The target the script runs on with [`Script::call`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, ConnectionLike};
    ///
    /// let script = client.register_script("return 1");
    /// script.target().req(&cmd("PING"))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn target(&self) -> &'t (dyn ConnectionLike + Sync) {
        self.target
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
        self.code.call_with(self.target, false, &keys, &args)
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
        self.code.call_with(self.target, true, &keys, &args)
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
        self.code.call_with(target, false, &keys, &args)
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
        self.code.call_with(target, true, &keys, &args)
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
        self.code.load_on(self.target)
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
        self.code.load_on(target)
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
        self.code.exists_on(self.target)
    }
}

impl ScriptCode {
    /// Binds the script to `target`, making the [`Script`] that [`Script::call`] runs there.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, ScriptCode};
    ///
    /// static ONE: ScriptCode = ScriptCode::from_static("return 1");
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let one: i64 = ONE.bind(&client).call((), ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn bind<'t>(&self, target: &'t (dyn ConnectionLike + Sync)) -> Script<'t> {
        Script {
            target,
            code: self.clone(),
        }
    }

    /// Runs the script on `target` with `EVALSHA`, loading it on `NOSCRIPT`, as
    /// [`Script::call`] does.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, ScriptCode};
    ///
    /// let add = ScriptCode::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let total: i64 = add.call_on(&client, "counter", 5)?;
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

    /// Like [`ScriptCode::call_on`], with `EVALSHA_RO`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, ScriptCode};
    ///
    /// let peek = ScriptCode::new("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])");
    /// let replica = Client::open("redis://127.0.0.1:6380")?;
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

    /// Loads the script on `target` now (`SCRIPT LOAD`, SHA1 checked) and returns its SHA1.
    ///
    /// # Errors
    ///
    /// [`Error::Script`] for a compile error, [`Error::ShaMismatch`], or
    /// [`Error::InvalidArgument`] for a script made from a SHA1.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, ScriptCode};
    ///
    /// let code = ScriptCode::new("return 1");
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// assert_eq!(code.load_on(&client)?, code.sha());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn load_on<C: ConnectionLike + ?Sized>(&self, target: &C) -> Result<String> {
        let source = self
            .source()
            .ok_or_else(|| Error::invalid_argument("a script made from a SHA1 has no source"))?;
        load_checked(target, source, self.sha()).map_err(|e| e.with_script_sha(self.sha()))?;
        Ok(self.sha().to_string())
    }

    /// Asks `target` whether the script is cached (`SCRIPT EXISTS`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, ScriptCode};
    ///
    /// let code = ScriptCode::new("return 1");
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// code.load_on(&client)?;
    /// assert!(code.exists_on(&client)?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn exists_on<C: ConnectionLike + ?Sized>(&self, target: &C) -> Result<bool> {
        let flags: Vec<bool> =
            crate::target::query(target, cmd("SCRIPT").arg("EXISTS").arg(self.sha()))?;
        Ok(flags.first().copied().unwrap_or(false))
    }

    /// Builds `EVALSHA sha numkeys keys... args...` (or `EVALSHA_RO`) in the thread's reused
    /// command buffer and runs it on `target`, converting the reply as it arrives.
    pub(crate) fn call_with<T: FromValue, C: ConnectionLike + ?Sized>(
        &self,
        target: &C,
        read_only: bool,
        keys: &impl ToArgs,
        args: &impl ToArgs,
    ) -> Result<T> {
        let name = if read_only { "EVALSHA_RO" } else { "EVALSHA" };
        with_scratch(name, |command| {
            command.keyed(self.sha(), keys, args);
            let call = ScriptInvocation::new(self, command, read_only);
            let mut out = None;
            target
                .invoke_script(&call, &mut |reply: Reply<'_>| {
                    out = Some(reply.convert::<T>()?);
                    Ok(())
                })
                .map_err(|e| e.with_script_sha(self.sha()))?;
            out.ok_or_else(not_read)
        })
    }
}
