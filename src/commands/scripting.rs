//! The scripting commands: `EVAL` and friends and `SCRIPT ...` here, Redis 7 functions in
//! `functions.rs`; both on [`ScriptingCommands`] and on [`Pipeline`].
//!
//! For scripts called repeatedly, [`Script`](crate::Script) and [`Pipeline::script`] handle
//! `NOSCRIPT`; these are the raw commands.

use super::run;
use crate::cmd::Cmd;
use crate::error::Result;
use crate::pipeline::Pipeline;
use crate::target::ConnectionLike;
use crate::types::{FromValue, ToArg, ToArgs};

/// How `SCRIPT FLUSH` and `FUNCTION FLUSH` free memory.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{FlushMode, ScriptingCommands};
///
/// client.script_flush(FlushMode::Async)?;
/// client.function_flush(FlushMode::default())?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlushMode {
    /// No modifier: the server's `lazyfree-lazy-user-flush` decides (works before Redis 6.2).
    #[default]
    Default,
    /// `SYNC`: free before replying.
    Sync,
    /// `ASYNC`: free in the background.
    Async,
}

/// What `FUNCTION RESTORE` does with libraries that already exist.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{RestorePolicy, ScriptingCommands};
///
/// let backup = client.function_dump()?;
/// client.function_restore(&backup, RestorePolicy::Replace)?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RestorePolicy {
    /// `APPEND`: add the payload's libraries; fail if a name is taken.
    #[default]
    Append,
    /// `REPLACE`: add them, replacing libraries of the same name.
    Replace,
    /// `FLUSH`: delete every library first.
    Flush,
}

/// Scripting commands on every [`ConnectionLike`]: `EVAL`, `EVALSHA` and their `_RO` forms,
/// `SCRIPT LOAD|EXISTS|FLUSH|KILL`, and Redis 7 functions.
///
/// For scripts you call repeatedly, prefer [`Script`](crate::Script), which handles
/// `NOSCRIPT` for you; these are the raw commands.
///
/// Keys and arguments take anything [`ToArgs`]; `numkeys` is counted from `keys`. A
/// [`Pipeline`] has the same helpers, with the same names and arguments.
///
/// # Example
///
/// ```no_run
/// use redline::{Client, ScriptingCommands};
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// let n: i64 = client.eval("return #KEYS + #ARGV", ["a", "b"], 1)?;
/// assert_eq!(n, 3);
/// let lib = client.function_load(
///     "#!lua name=mylib\nredis.register_function('echo', function(keys, args) return args[1] end)",
///     true,
/// )?;
/// assert_eq!(lib, "mylib");
/// let echoed: String = client.fcall("echo", (), "hi")?;
/// # Ok::<(), redline::Error>(())
/// ```
pub trait ScriptingCommands: ConnectionLike {
    /// `EVAL script numkeys key... arg...`: sends the whole source every time.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let sum: i64 = client.eval("return ARGV[1] + ARGV[2]", (), (2, 3))?;
    /// assert_eq!(sum, 5);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn eval<T: FromValue>(
        &self,
        script: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        run(self, |c| eval(c, script, keys, args))
    }

    /// `EVAL_RO`: like [`eval`](ScriptingCommands::eval), refusing writes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let value: Option<String> =
    ///     client.eval_ro("return redis.call('GET', KEYS[1])", "config", ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn eval_ro<T: FromValue>(
        &self,
        script: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        run(self, |c| eval_ro(c, script, keys, args))
    }

    /// `EVALSHA sha numkeys key... arg...`: no reload on `NOSCRIPT` (that is [`Script`]'s job).
    ///
    /// [`Script`]: crate::Script
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let sha = client.script_load("return ARGV[1]")?;
    /// let echoed: String = client.evalsha(&sha, (), "hi")?;
    /// assert_eq!(echoed, "hi");
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn evalsha<T: FromValue>(&self, sha: &str, keys: impl ToArgs, args: impl ToArgs) -> Result<T> {
        run(self, |c| evalsha(c, sha, keys, args))
    }

    /// `EVALSHA_RO`: like [`evalsha`](ScriptingCommands::evalsha), refusing writes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let sha = client.script_load("return redis.call('GET', KEYS[1])")?;
    /// let value: Option<String> = client.evalsha_ro(&sha, "config", ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn evalsha_ro<T: FromValue>(
        &self,
        sha: &str,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        run(self, |c| evalsha_ro(c, sha, keys, args))
    }

    /// `SCRIPT LOAD source`: the SHA1 the server computed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let sha = client.script_load("return 1")?;
    /// assert_eq!(sha, redline::script_sha("return 1"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn script_load(&self, source: impl ToArg) -> Result<String> {
        run(self, |c| script_load(c, source))
    }

    /// `SCRIPT EXISTS sha...`: one flag per SHA1, in order.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let sha = client.script_load("return 1")?;
    /// let unknown = "0".repeat(40);
    /// assert_eq!(client.script_exists(&[&sha, &unknown])?, [true, false]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn script_exists(&self, shas: &[&str]) -> Result<Vec<bool>> {
        run(self, |c| script_exists(c, shas))
    }

    /// `SCRIPT FLUSH [SYNC|ASYNC]`: empties the script cache.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{FlushMode, ScriptingCommands};
    ///
    /// let sha = client.script_load("return 1")?;
    /// client.script_flush(FlushMode::Sync)?;
    /// assert_eq!(client.script_exists(&[&sha])?, [false]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn script_flush(&self, mode: FlushMode) -> Result<()> {
        run(self, |c| script_flush(c, mode))
    }

    /// `SCRIPT KILL`: stops a running script that has not written.
    ///
    /// # Errors
    ///
    /// [`ServerErrorKind::NotBusy`] when nothing runs, [`ServerErrorKind::Unkillable`] when the
    /// script has written (only `SHUTDOWN NOSAVE` stops it then).
    ///
    /// [`ServerErrorKind::NotBusy`]: crate::ServerErrorKind::NotBusy
    /// [`ServerErrorKind::Unkillable`]: crate::ServerErrorKind::Unkillable
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{ScriptingCommands, ServerErrorKind};
    ///
    /// let killed = match client.script_kill() {
    ///     Ok(()) => true,
    ///     Err(e) if e.server_kind() == Some(ServerErrorKind::NotBusy) => false, // none running
    ///     Err(e) => return Err(e),
    /// };
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn script_kill(&self) -> Result<()> {
        run(self, script_kill)
    }

    super::functions::function_commands! {}
}

impl<C: ConnectionLike + ?Sized> ScriptingCommands for C {}

pub(crate) fn eval(c: &mut Cmd, script: impl ToArg, keys: impl ToArgs, args: impl ToArgs) {
    c.arg("EVAL").keyed(script, &keys, &args);
}

pub(crate) fn eval_ro(c: &mut Cmd, script: impl ToArg, keys: impl ToArgs, args: impl ToArgs) {
    c.arg("EVAL_RO").keyed(script, &keys, &args);
}

pub(crate) fn evalsha(c: &mut Cmd, sha: &str, keys: impl ToArgs, args: impl ToArgs) {
    c.arg("EVALSHA").keyed(sha, &keys, &args);
}

pub(crate) fn evalsha_ro(c: &mut Cmd, sha: &str, keys: impl ToArgs, args: impl ToArgs) {
    c.arg("EVALSHA_RO").keyed(sha, &keys, &args);
}

pub(crate) fn script_load(c: &mut Cmd, source: impl ToArg) {
    c.arg("SCRIPT").arg("LOAD").arg(source);
}

pub(crate) fn script_exists(c: &mut Cmd, shas: &[&str]) {
    c.arg("SCRIPT").arg("EXISTS").arg(shas);
}

pub(crate) fn script_flush(c: &mut Cmd, mode: FlushMode) {
    c.arg("SCRIPT").arg("FLUSH").arg(mode.as_arg());
}

pub(crate) fn script_kill(c: &mut Cmd) {
    c.arg("SCRIPT").arg("KILL");
}

impl FlushMode {
    pub(crate) fn as_arg(self) -> Option<&'static str> {
        match self {
            FlushMode::Default => None,
            FlushMode::Sync => Some("SYNC"),
            FlushMode::Async => Some("ASYNC"),
        }
    }
}

/// The script helpers, queued: each sends what the [`ScriptingCommands`] method of the same
/// name sends. A raw `EVALSHA` here is not reloaded on `NOSCRIPT`; [`Pipeline::script`] is.
impl Pipeline<'_> {
    /// Queues [`ScriptingCommands::eval`]: `EVAL script numkeys key... arg...`, replying
    /// whatever the script returns.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (sum,): (i64,) = pipe.eval("return ARGV[1] + ARGV[2]", (), (2, 3)).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn eval(&mut self, script: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> &mut Self {
        self.helper(|c| eval(c, script, keys, args))
    }

    /// Queues [`ScriptingCommands::eval_ro`]: `EVAL_RO`, like [`eval`](Pipeline::eval),
    /// refusing writes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = "return redis.call('GET', KEYS[1])";
    /// let mut pipe = client.pipeline();
    /// let (value,): (Option<String>,) = pipe.eval_ro(script, "config", ()).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn eval_ro(
        &mut self,
        script: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.helper(|c| eval_ro(c, script, keys, args))
    }

    /// Queues [`ScriptingCommands::evalsha`]: `EVALSHA sha numkeys key... arg...`, replying
    /// whatever the script returns (a `NOSCRIPT` error if the server lacks it).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::ScriptingCommands;
    ///
    /// let sha = client.script_load("return ARGV[1]")?;
    /// let (echoed,): (String,) = client.pipeline().evalsha(&sha, (), "hi").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn evalsha(&mut self, sha: &str, keys: impl ToArgs, args: impl ToArgs) -> &mut Self {
        self.helper(|c| evalsha(c, sha, keys, args))
    }

    /// Queues [`ScriptingCommands::evalsha_ro`]: `EVALSHA_RO`, like
    /// [`evalsha`](Pipeline::evalsha), refusing writes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::ScriptingCommands;
    ///
    /// let sha = client.script_load("return redis.call('GET', KEYS[1])")?;
    /// let (value,): (Option<String>,) = client.pipeline().evalsha_ro(&sha, "k", ()).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn evalsha_ro(&mut self, sha: &str, keys: impl ToArgs, args: impl ToArgs) -> &mut Self {
        self.helper(|c| evalsha_ro(c, sha, keys, args))
    }

    /// Queues [`ScriptingCommands::script_load`]: `SCRIPT LOAD source`, replying the SHA1
    /// (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (sha,): (String,) = client.pipeline().script_load("return 1").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script_load(&mut self, source: impl ToArg) -> &mut Self {
        self.helper(|c| script_load(c, source))
    }

    /// Queues [`ScriptingCommands::script_exists`]: `SCRIPT EXISTS sha...`, replying one flag
    /// per SHA1 (`Vec<bool>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let sha = redline::script_sha("return 1");
    /// let (known,): (Vec<bool>,) = client.pipeline().script_exists(&[&sha]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script_exists(&mut self, shas: &[&str]) -> &mut Self {
        self.helper(|c| script_exists(c, shas))
    }

    /// Queues [`ScriptingCommands::script_flush`]: `SCRIPT FLUSH [SYNC|ASYNC]`, replying `OK`
    /// (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::FlushMode;
    ///
    /// let ((),) = client.pipeline().script_flush(FlushMode::Sync).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script_flush(&mut self, mode: FlushMode) -> &mut Self {
        self.helper(|c| script_flush(c, mode))
    }

    /// Queues [`ScriptingCommands::script_kill`]: `SCRIPT KILL`, replying `OK` (`()`), or the
    /// `NOTBUSY` error when nothing runs.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let replies = client.pipeline().script_kill().execute_raw()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script_kill(&mut self) -> &mut Self {
        self.helper(script_kill)
    }
}
