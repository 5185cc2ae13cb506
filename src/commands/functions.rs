//! Redis 7 functions: `FUNCTION LOAD|DELETE|FLUSH|LIST|DUMP|RESTORE|KILL|STATS`, `FCALL` and
//! `FCALL_RO`. Their typed replies are in `function_info.rs`.

use super::scripting::{FlushMode, RestorePolicy};
use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{ToArg, ToArgs};

/// The function helpers of [`ScriptingCommands`](crate::ScriptingCommands), pasted into the trait.
macro_rules! function_commands {
    () => {
        /// `FUNCTION LOAD [REPLACE] code`: the library's name.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::ScriptingCommands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let code = "#!lua name=mylib\n\
        ///     redis.register_function('one', function() return 1 end)";
        /// let library = client.function_load(code, true)?;
        /// assert_eq!(library, "mylib");
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn function_load(&self, code: impl $crate::ToArg, replace: bool) -> $crate::Result<String> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::function_load(c, code, replace)
            })
        }

        /// `FCALL function numkeys key... arg...`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::ScriptingCommands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # let code = "#!lua name=mylib\n\
        /// #     redis.register_function('one', function() return 1 end)";
        /// # client.function_load(code, true)?;
        /// let one: i64 = client.fcall("one", (), ())?;
        /// assert_eq!(one, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn fcall<T: $crate::FromValue>(
            &self,
            function: impl $crate::ToArg,
            keys: impl $crate::ToArgs,
            args: impl $crate::ToArgs,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::fcall(c, function, keys, args)
            })
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
        fn fcall_ro<T: $crate::FromValue>(
            &self,
            function: impl $crate::ToArg,
            keys: impl $crate::ToArgs,
            args: impl $crate::ToArgs,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::fcall_ro(c, function, keys, args)
            })
        }

        /// `FUNCTION DELETE library`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::ScriptingCommands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # let code = "#!lua name=mylib\n\
        /// #     redis.register_function('one', function() return 1 end)";
        /// # client.function_load(code, true)?;
        /// client.function_delete("mylib")?;
        /// assert!(client.function_list(Some("mylib"), false)?.is_empty());
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn function_delete(&self, library: impl $crate::ToArg) -> $crate::Result<()> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::function_delete(c, library)
            })
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
        fn function_flush(&self, mode: $crate::FlushMode) -> $crate::Result<()> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::function_flush(c, mode)
            })
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
        fn function_list(
            &self,
            pattern: Option<&str>,
            with_code: bool,
        ) -> $crate::Result<Vec<$crate::LibraryInfo>> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::function_list(c, pattern, with_code)
            })
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
        fn function_dump(&self) -> $crate::Result<Vec<u8>> {
            $crate::commands::run(self, $crate::commands::functions::function_dump)
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
        fn function_restore(
            &self,
            payload: &[u8],
            policy: $crate::RestorePolicy,
        ) -> $crate::Result<()> {
            $crate::commands::run(self, |c| {
                $crate::commands::functions::function_restore(c, payload, policy)
            })
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
        ///     // Nothing running.
        ///     Err(e) if e.server_kind() == Some(ServerErrorKind::NotBusy) => false,
        ///     Err(e) => return Err(e),
        /// };
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn function_kill(&self) -> $crate::Result<()> {
            $crate::commands::run(self, $crate::commands::functions::function_kill)
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
        fn function_stats(&self) -> $crate::Result<$crate::FunctionStats> {
            $crate::commands::run(self, $crate::commands::functions::function_stats)
        }
    };
}

pub(super) use function_commands;

pub(crate) fn function_load(c: &mut Cmd, code: impl ToArg, replace: bool) {
    c.arg("FUNCTION")
        .arg("LOAD")
        .arg(replace.then_some("REPLACE"))
        .arg(code);
}

pub(crate) fn fcall(c: &mut Cmd, function: impl ToArg, keys: impl ToArgs, args: impl ToArgs) {
    c.arg("FCALL").keyed(function, &keys, &args);
}

pub(crate) fn fcall_ro(c: &mut Cmd, function: impl ToArg, keys: impl ToArgs, args: impl ToArgs) {
    c.arg("FCALL_RO").keyed(function, &keys, &args);
}

pub(crate) fn function_delete(c: &mut Cmd, library: impl ToArg) {
    c.arg("FUNCTION").arg("DELETE").arg(library);
}

pub(crate) fn function_flush(c: &mut Cmd, mode: FlushMode) {
    c.arg("FUNCTION").arg("FLUSH").arg(mode.as_arg());
}

pub(crate) fn function_list(c: &mut Cmd, pattern: Option<&str>, with_code: bool) {
    c.arg("FUNCTION").arg("LIST");
    if let Some(pattern) = pattern {
        c.arg("LIBRARYNAME").arg(pattern);
    }
    c.arg(with_code.then_some("WITHCODE"));
}

pub(crate) fn function_dump(c: &mut Cmd) {
    c.arg("FUNCTION").arg("DUMP");
}

pub(crate) fn function_restore(c: &mut Cmd, payload: &[u8], policy: RestorePolicy) {
    let policy = match policy {
        RestorePolicy::Append => "APPEND",
        RestorePolicy::Replace => "REPLACE",
        RestorePolicy::Flush => "FLUSH",
    };
    c.arg("FUNCTION").arg("RESTORE").arg(payload).arg(policy);
}

pub(crate) fn function_kill(c: &mut Cmd) {
    c.arg("FUNCTION").arg("KILL");
}

pub(crate) fn function_stats(c: &mut Cmd) {
    c.arg("FUNCTION").arg("STATS");
}

/// The function helpers, queued: each sends what the
/// [`ScriptingCommands`](crate::ScriptingCommands) method of the same name sends.
impl Pipeline<'_> {
    /// Queues [`ScriptingCommands::function_load`](crate::ScriptingCommands::function_load):
    /// `FUNCTION LOAD [REPLACE] code`, replying the library's name (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let code = "#!lua name=mylib\nredis.register_function(\'one\', function() return 1 end)";
    /// let (library,): (String,) = client.pipeline().function_load(code, true).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_load(&mut self, code: impl ToArg, replace: bool) -> &mut Self {
        self.helper(|c| function_load(c, code, replace))
    }

    /// Queues [`ScriptingCommands::fcall`](crate::ScriptingCommands::fcall): `FCALL function
    /// numkeys key... arg...`, replying whatever the function returns.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (a, b): (i64, i64) = client
    ///     .pipeline()
    ///     .fcall("bump", "counter", 2)
    ///     .fcall("bump", "counter", 3)
    ///     .execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn fcall(
        &mut self,
        function: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.helper(|c| fcall(c, function, keys, args))
    }

    /// Queues [`ScriptingCommands::fcall_ro`](crate::ScriptingCommands::fcall_ro): `FCALL_RO`, for
    /// functions flagged `no-writes`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (value,): (Option<String>,) = pipe.fcall_ro("peek", "config", ()).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn fcall_ro(
        &mut self,
        function: impl ToArg,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.helper(|c| fcall_ro(c, function, keys, args))
    }

    /// Queues [`ScriptingCommands::function_delete`](crate::ScriptingCommands::function_delete):
    /// `FUNCTION DELETE library`, replying `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let ((),) = client.pipeline().function_delete("mylib").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_delete(&mut self, library: impl ToArg) -> &mut Self {
        self.helper(|c| function_delete(c, library))
    }

    /// Queues [`ScriptingCommands::function_flush`](crate::ScriptingCommands::function_flush):
    /// `FUNCTION FLUSH [SYNC|ASYNC]`, replying `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::FlushMode;
    ///
    /// let ((),) = client.pipeline().function_flush(FlushMode::Sync).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_flush(&mut self, mode: FlushMode) -> &mut Self {
        self.helper(|c| function_flush(c, mode))
    }

    /// Queues [`ScriptingCommands::function_list`](crate::ScriptingCommands::function_list):
    /// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`, whose reply converts into
    /// `Vec<`[`LibraryInfo`](crate::LibraryInfo)`>`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::LibraryInfo;
    ///
    /// let mut pipe = client.pipeline();
    /// let (libraries,): (Vec<LibraryInfo>,) = pipe.function_list(Some("my*"), false).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_list(&mut self, pattern: Option<&str>, with_code: bool) -> &mut Self {
        self.helper(|c| function_list(c, pattern, with_code))
    }

    /// Queues [`ScriptingCommands::function_dump`](crate::ScriptingCommands::function_dump):
    /// `FUNCTION DUMP`, replying a binary payload (`Vec<u8>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (backup,): (Vec<u8>,) = client.pipeline().function_dump().execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_dump(&mut self) -> &mut Self {
        self.helper(function_dump)
    }

    /// Queues [`ScriptingCommands::function_restore`](crate::ScriptingCommands::function_restore):
    /// `FUNCTION RESTORE payload policy`, replying `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # let backup: Vec<u8> = Vec::new();
    /// use redline::RestorePolicy;
    ///
    /// let mut pipe = client.pipeline();
    /// let ((),) = pipe.function_restore(&backup, RestorePolicy::Replace).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_restore(&mut self, payload: &[u8], policy: RestorePolicy) -> &mut Self {
        self.helper(|c| function_restore(c, payload, policy))
    }

    /// Queues [`ScriptingCommands::function_kill`](crate::ScriptingCommands::function_kill):
    /// `FUNCTION KILL`, replying `OK` (`()`), or the `NOTBUSY` error when nothing runs.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let replies = client.pipeline().function_kill().execute_raw()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_kill(&mut self) -> &mut Self {
        self.helper(function_kill)
    }

    /// Queues [`ScriptingCommands::function_stats`](crate::ScriptingCommands::function_stats):
    /// `FUNCTION STATS`, whose reply converts into [`FunctionStats`](crate::FunctionStats).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::FunctionStats;
    ///
    /// let (stats,): (FunctionStats,) = client.pipeline().function_stats().execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn function_stats(&mut self) -> &mut Self {
        self.helper(function_stats)
    }
}
