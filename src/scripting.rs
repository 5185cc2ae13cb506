//! The scripting commands: `EVAL` and friends, `SCRIPT ...`, and Redis 7 functions.

use crate::cmd::{cmd, with_scratch};
use crate::error::Result;
use crate::function::{
    field, library_info, EngineStats, FunctionStats, LibraryInfo, RunningScript,
};
use crate::resp::Value;
use crate::target::ConnectionLike;
use crate::types::{FromValue, ToArg, ToArgs};
use std::collections::HashMap;

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
/// Keys and arguments take anything [`ToArgs`]; `numkeys` is counted from `keys`.
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
        keyed(self, "EVAL", script, &keys, &args)
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
        keyed(self, "EVAL_RO", script, &keys, &args)
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
        keyed(self, "EVALSHA", sha, &keys, &args)
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
        keyed(self, "EVALSHA_RO", sha, &keys, &args)
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
        FromValue::from_value(self.req(cmd("SCRIPT").arg("LOAD").arg(source))?)
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
        FromValue::from_value(self.req(cmd("SCRIPT").arg("EXISTS").arg(shas))?)
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
        FromValue::from_value(self.req(cmd("SCRIPT").arg("FLUSH").arg(flush_arg(mode)))?)
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
        FromValue::from_value(self.req(cmd("SCRIPT").arg("KILL"))?)
    }

    /// `FUNCTION LOAD [REPLACE] code`: the library's name.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let code = "#!lua name=mylib\nredis.register_function('one', function() return 1 end)";
    /// let library = client.function_load(code, true)?;
    /// assert_eq!(library, "mylib");
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_load(&self, code: impl ToArg, replace: bool) -> Result<String> {
        let mut c = cmd("FUNCTION");
        c.arg("LOAD").arg(replace.then_some("REPLACE")).arg(code);
        FromValue::from_value(self.req(&c)?)
    }

    /// `FCALL function numkeys key... arg...`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # let code = "#!lua name=mylib\nredis.register_function('one', function() return 1 end)";
    /// # client.function_load(code, true)?;
    /// let one: i64 = client.fcall("one", (), ())?;
    /// assert_eq!(one, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn fcall<T: FromValue>(
        &self,
        function: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        keyed(self, "FCALL", function, &keys, &args)
    }

    /// `FCALL_RO`: for functions flagged `no-writes`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # let code = "#!lua name=readers\nredis.register_function{function_name='peek', \
    /// #     callback=function(keys) return redis.call('GET', keys[1]) end, \
    /// #     flags={'no-writes'}}";
    /// # client.function_load(code, true)?;
    /// // `peek` was registered with `flags={'no-writes'}`.
    /// let value: Option<String> = client.fcall_ro("peek", "config", ())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn fcall_ro<T: FromValue>(
        &self,
        function: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<T> {
        keyed(self, "FCALL_RO", function, &keys, &args)
    }

    /// `FUNCTION DELETE library`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # let code = "#!lua name=mylib\nredis.register_function('one', function() return 1 end)";
    /// # client.function_load(code, true)?;
    /// client.function_delete("mylib")?;
    /// assert!(client.function_list(Some("mylib"), false)?.is_empty());
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_delete(&self, library: impl ToArg) -> Result<()> {
        FromValue::from_value(self.req(cmd("FUNCTION").arg("DELETE").arg(library))?)
    }

    /// `FUNCTION FLUSH [SYNC|ASYNC]`: deletes every library.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{FlushMode, ScriptingCommands};
    ///
    /// client.function_flush(FlushMode::Sync)?;
    /// assert!(client.function_list(None, false)?.is_empty());
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_flush(&self, mode: FlushMode) -> Result<()> {
        FromValue::from_value(self.req(cmd("FUNCTION").arg("FLUSH").arg(flush_arg(mode)))?)
    }

    /// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`, typed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// for library in client.function_list(Some("my*"), false)? {
    ///     println!("{}: {} functions", library.name, library.functions.len());
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_list(&self, pattern: Option<&str>, with_code: bool) -> Result<Vec<LibraryInfo>> {
        let mut c = cmd("FUNCTION");
        c.arg("LIST");
        if let Some(pattern) = pattern {
            c.arg("LIBRARYNAME").arg(pattern);
        }
        c.arg(with_code.then_some("WITHCODE"));
        let libraries: Vec<Value> = FromValue::from_value(self.req(&c)?)?;
        libraries.into_iter().map(library_info).collect()
    }

    /// `FUNCTION DUMP`: a binary payload for [`function_restore`](Self::function_restore).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{FlushMode, RestorePolicy, ScriptingCommands};
    ///
    /// let backup = client.function_dump()?;
    /// client.function_flush(FlushMode::Sync)?;
    /// client.function_restore(&backup, RestorePolicy::Append)?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_dump(&self) -> Result<Vec<u8>> {
        FromValue::from_value(self.req(cmd("FUNCTION").arg("DUMP"))?)
    }

    /// `FUNCTION RESTORE payload policy`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{RestorePolicy, ScriptingCommands};
    ///
    /// let backup = client.function_dump()?;
    /// // Replace every library by the backup's.
    /// client.function_restore(&backup, RestorePolicy::Flush)?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_restore(&self, payload: &[u8], policy: RestorePolicy) -> Result<()> {
        let policy = match policy {
            RestorePolicy::Append => "APPEND",
            RestorePolicy::Replace => "REPLACE",
            RestorePolicy::Flush => "FLUSH",
        };
        FromValue::from_value(self.req(cmd("FUNCTION").arg("RESTORE").arg(payload).arg(policy))?)
    }

    /// `FUNCTION KILL`: stops a running function that has not written.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{ScriptingCommands, ServerErrorKind};
    ///
    /// let killed = match client.function_kill() {
    ///     Ok(()) => true,
    ///     Err(e) if e.server_kind() == Some(ServerErrorKind::NotBusy) => false, // none running
    ///     Err(e) => return Err(e),
    /// };
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_kill(&self) -> Result<()> {
        FromValue::from_value(self.req(cmd("FUNCTION").arg("KILL"))?)
    }

    /// `FUNCTION STATS`, typed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::ScriptingCommands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let stats = client.function_stats()?;
    /// if let Some(running) = &stats.running_script {
    ///     println!("{} is running: {:?}", running.name, running.command);
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn function_stats(&self) -> Result<FunctionStats> {
        let mut fields: HashMap<String, Value> =
            FromValue::from_value(self.req(cmd("FUNCTION").arg("STATS"))?)?;
        let running_script = match fields.remove("running_script") {
            None | Some(Value::Nil) => None,
            Some(running) => {
                let mut r: HashMap<String, Value> = FromValue::from_value(running)?;
                Some(RunningScript {
                    name: field(&mut r, "name")?,
                    command: field(&mut r, "command")?,
                    duration_ms: field(&mut r, "duration_ms")?,
                })
            }
        };
        let engines: HashMap<String, HashMap<String, i64>> = field(&mut fields, "engines")?;
        let engines = engines
            .into_iter()
            .map(|(name, counts)| {
                let get = |k: &str| counts.get(k).copied().unwrap_or(0);
                let stats = EngineStats {
                    libraries_count: get("libraries_count"),
                    functions_count: get("functions_count"),
                };
                (name, stats)
            })
            .collect();
        Ok(FunctionStats {
            running_script,
            engines,
        })
    }
}

impl<C: ConnectionLike + ?Sized> ScriptingCommands for C {}

/// Sends `name head numkeys key... arg...`, built in the thread's reused command buffer.
fn keyed<C, T>(
    target: &C,
    name: &str,
    head: impl ToArg,
    keys: &impl ToArgs,
    args: &impl ToArgs,
) -> Result<T>
where
    C: ConnectionLike + ?Sized,
    T: FromValue,
{
    with_scratch(name, |c| {
        c.keyed(head, keys, args);
        crate::target::query(target, c)
    })
}

fn flush_arg(mode: FlushMode) -> Option<&'static str> {
    match mode {
        FlushMode::Default => None,
        FlushMode::Sync => Some("SYNC"),
        FlushMode::Async => Some("ASYNC"),
    }
}
