//! Batches of commands and scripts sent in one write: [`Pipeline`].

use crate::batch::{Batch, Core, PipelineReplies};
use crate::cmd::Cmd;
use crate::code::ScriptCode;
use crate::connection::Connection;
use crate::error::Result;
use crate::resp::Value;
use crate::script::Script;
use crate::target::ConnectionLike;
use crate::types::{FromValue, ToArg, ToArgs};

/// A batch of commands and scripts, sent together and answered together.
///
/// Build it with [`Client::pipeline`](crate::Client::pipeline), [`Connection::pipeline`] or
/// [`Pipeline::new`] on any other target; queue commands with
/// [`cmd`](Pipeline::cmd) or the typed helpers, scripts with [`script`](Pipeline::script); then
/// [`execute`](Pipeline::execute). Every builder method returns `&mut Self`, so calls chain.
///
/// # Scripts in a batch
///
/// Before the batch goes out, every distinct script in it (by SHA1) is made sure to be in the
/// server's cache, at no more than one extra round trip and none in the common cases:
///
/// - a script this connection has already seen cached costs nothing;
/// - unknown scripts whose sources total at most 64 KiB are loaded with `SCRIPT LOAD` in the
///   same write as the batch, ahead of it: zero extra round trips;
/// - larger ones are first checked with one `SCRIPT EXISTS sha1 sha2 ...` round trip, and only
///   the missing ones are loaded, again in the batch's write;
/// - an [`atomic`](Pipeline::atomic) batch loads every script it calls *inside* the
///   transaction, right after `MULTI`, in the same write: whatever another client flushes
///   meanwhile, no script can be missing at `EXEC`, so the batch is all or nothing.
///
/// A `NOSCRIPT` that still arrives (the cache was flushed between the check and the batch) is
/// reported on that command; the batch is never replayed. The next batch on that connection
/// loads the script again.
///
/// # Targets
///
/// The target decides how the batch is sent ([`ConnectionLike::run_pipeline`]): a
/// [`Connection`] and a pooled [`Client`](crate::Client) send it in one write (per 256 KiB
/// segment); a target that implements only [`ConnectionLike::req`] sends it one command at a
/// time.
///
/// # Example
///
/// ```no_run
/// use redline::{cmd, Client};
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// let multiply = client.register_script(
///     "return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]",
/// );
/// let (ok, product): (bool, i64) = client
///     .pipeline()
///     .set("foo", 5)
///     .script(&multiply, "foo", 5)
///     .execute()?;
/// assert_eq!((ok, product), (true, 25));
///
/// let counts: Vec<i64> = client
///     .pipeline()
///     .atomic()
///     .incr_by("a", 1)
///     .cmd(cmd("SET").arg("b").arg(0)).ignore()
///     .incr_by("b", 2)
///     .execute()?;
/// # Ok::<(), redline::Error>(())
/// ```
pub struct Pipeline<'t> {
    target: &'t dyn ConnectionLike,
    /// With no sink between runs.
    batch: Batch<'static>,
    /// Reused to encode typed helpers without allocating per command.
    scratch: Cmd,
}

impl std::fmt::Debug for Pipeline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts a [`Pipeline`] that runs on this connection. (Defined here, beside the type it
    /// returns: the connection layer knows nothing of pipelines.)
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let conn = client.get_connection()?;
    /// let (a, b): (Option<String>, Option<String>) = conn.pipeline().get("a").get("b").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline::new(self)
    }
}

impl<'t> Pipeline<'t> {
    /// Starts an empty pipeline on any target; clients and connections have `pipeline()`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Pipeline};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = Pipeline::new(&client);
    /// let (n,): (i64,) = pipe.cmd(redline::cmd("INCR").arg("hits")).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn new(target: &'t dyn ConnectionLike) -> Pipeline<'t> {
        Pipeline {
            target,
            batch: Batch::new(Core::default(), None),
            scratch: Cmd::new(),
        }
    }

    /// Wraps the batch in `MULTI`/`EXEC`: it runs as a unit, with nothing interleaved. The
    /// scripts it carries are loaded inside the transaction, after `MULTI`, in the same write.
    ///
    /// Redis has no rollback: if one command fails at run time, the others are still applied,
    /// and the failure is reported as [`Error::Pipeline`](crate::Error::Pipeline) for that
    /// command. A command that fails to queue (wrong arity, unknown command) makes the server
    /// discard the whole transaction (`EXECABORT`); that is reported for the command that
    /// failed to queue.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (a, b): (i64, i64) = client.pipeline().atomic().incr_by("a", 1).incr_by("b", 1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn atomic(&mut self) -> &mut Self {
        self.batch.core.set_atomic();
        self
    }

    /// Queues a command.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::cmd;
    ///
    /// let (size,): (i64,) = client.pipeline().cmd(&cmd("DBSIZE")).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn cmd(&mut self, cmd: &Cmd) -> &mut Self {
        self.batch.core.push(cmd.encoded(), None);
        self
    }

    /// Drops the reply of the command queued last from the results (its error, if any, is
    /// still reported).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (v,): (String,) = client.pipeline().set("k", "v").ignore().get("k").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn ignore(&mut self) -> &mut Self {
        self.batch.core.ignore_last();
        self
    }

    /// Queues a script call (`EVALSHA`); the script is loaded first if the server lacks it.
    /// Takes a [`Script`] or a [`ScriptCode`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let add = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    /// let (a, b): (i64, i64) = client.pipeline().script(&add, "x", 1).script(&add, "y", 2).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script(
        &mut self,
        script: impl AsRef<ScriptCode>,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.queue_script(script.as_ref(), false, &keys, &args)
    }

    /// Queues a read-only script call (`EVALSHA_RO`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let peek = client.register_script("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])");
    /// let (v,): (Option<String>,) = client.pipeline().script_ro(&peek, "k", ()).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script_ro(
        &mut self,
        script: impl AsRef<ScriptCode>,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.queue_script(script.as_ref(), true, &keys, &args)
    }

    /// Queues `name head numkeys key... arg...`, the shape of `FCALL` and `EVALSHA`.
    fn keyed(
        &mut self,
        name: &str,
        head: impl ToArg,
        keys: &impl ToArgs,
        args: &impl ToArgs,
        script: Option<usize>,
    ) -> &mut Self {
        self.scratch.clear();
        self.scratch.arg(name).keyed(head, keys, args);
        self.batch.core.push(self.scratch.encoded(), script);
        self
    }

    /// The number of queued commands.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// assert_eq!(client.pipeline().get("a").get("b").len(), 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Returns `true` when nothing is queued.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// assert!(client.pipeline().is_empty());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// The queued commands, as the target receives them.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// pipe.get("k");
    /// assert_eq!(pipe.batch().command(0).map(|c| c.to_string()), Some("GET k".into()));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn batch(&self) -> &Batch<'static> {
        &self.batch
    }

    /// Removes every queued command, keeping the buffers (and the `atomic` setting).
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// pipe.get("k");
    /// pipe.clear();
    /// assert!(pipe.is_empty());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn clear(&mut self) {
        self.batch.core.clear();
    }

    /// Sends the batch and converts the replies of the commands not ignored, as one array,
    /// into `T`: a tuple, a `Vec<T>`, or `Vec<Value>`. The queue is emptied either way.
    ///
    /// An empty pipeline makes no round trip.
    ///
    /// # Errors
    ///
    /// - [`Error::Pipeline`](crate::Error::Pipeline) for the first command that got an error
    ///   reply, naming its index and the command (cut, secrets hidden). In a plain pipeline
    ///   the others still ran.
    /// - [`Error::WatchConflict`](crate::Error::WatchConflict) when an atomic batch ran under
    ///   `WATCH` and a key changed.
    /// - Connection errors: the connection is discarded. A batch that may have reached the
    ///   server is never re-sent.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let values: Vec<Option<String>> = client.pipeline().get("a").get("b").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn execute<T: FromValue>(&mut self) -> Result<T> {
        // Read straight into `T` while the replies arrive, where the target can: no `Value`
        // per reply, no second pass.
        let mut out: Option<Result<T>> = None;
        let mut sink = |replies: &mut PipelineReplies<'_>| out = Some(T::read_reply(replies));
        let (kept, first_error) = self.run(Some(&mut sink))?;
        match (first_error, out) {
            (Some(error), _) => Err(error),
            (None, Some(converted)) => converted,
            (None, None) => T::from_value(Value::Array(kept)),
        }
    }

    /// Sends the batch and returns one reply per command not ignored, error replies included
    /// as [`Value::Error`], for callers that handle each command's outcome. (A batch that could
    /// not run as a whole, such as a script that failed to load or an aborted transaction, is
    /// still an `Err`.)
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::Value;
    ///
    /// let replies = client.pipeline().incr("n").cmd(&redline::cmd("NO-SUCH")).execute_raw()?;
    /// assert!(matches!(replies[1], Value::Error(_)));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn execute_raw(&mut self) -> Result<Vec<Value>> {
        Ok(self.run(None)?.0)
    }

    /// Runs the batch on the target, with `sink` reading the replies where the target hands
    /// them over as they arrive, and empties it. Returns the replies not handed to the sink
    /// and the first error reply.
    fn run(
        &mut self,
        sink: Option<&mut dyn FnMut(&mut PipelineReplies<'_>)>,
    ) -> Result<(Vec<Value>, Option<crate::Error>)> {
        let core = std::mem::take(&mut self.batch).into_core();
        let result = match core.check() {
            Ok(()) if core.is_empty() => Ok((core, (Vec::new(), None))),
            Ok(()) => {
                let mut batch = Batch::new(core, sink);
                let ran = self.target.run_pipeline(&mut batch);
                let mut core = batch.into_core();
                match ran {
                    Ok(()) => {
                        let replies = core.take_replies();
                        Ok((core, replies))
                    }
                    Err(e) => Err((core, e)),
                }
            }
            Err(e) => Err((core, e)),
        };
        let (mut core, result) = match result {
            Ok((core, replies)) => (core, Ok(replies)),
            Err((core, e)) => (core, Err(e)),
        };
        core.clear();
        self.batch = Batch::new(core, None);
        result
    }

    fn queue_script(
        &mut self,
        code: &ScriptCode,
        read_only: bool,
        keys: &impl ToArgs,
        args: &impl ToArgs,
    ) -> &mut Self {
        let index = self.batch.core.add_script(code);
        let name = if read_only { "EVALSHA_RO" } else { "EVALSHA" };
        self.keyed(name, code.sha(), keys, args, Some(index))
    }

    /// The queued commands' bytes, back to back.
    #[cfg(test)]
    pub(crate) fn queued_bytes(&self) -> Vec<u8> {
        (0..self.batch.len())
            .filter_map(|i| self.batch.command(i))
            .flat_map(|c| c.encoded().to_vec())
            .collect()
    }

    /// Queues the command `build` writes into a cleared scratch `Cmd` (no allocation once the
    /// scratch is warm): the path of every typed helper.
    pub(crate) fn helper(&mut self, build: impl FnOnce(&mut Cmd)) -> &mut Self {
        self.scratch.clear();
        build(&mut self.scratch);
        self.batch.core.push(self.scratch.encoded(), None);
        self
    }
}

impl AsRef<ScriptCode> for Script<'_> {
    fn as_ref(&self) -> &ScriptCode {
        self.code()
    }
}

impl AsRef<ScriptCode> for ScriptCode {
    fn as_ref(&self) -> &ScriptCode {
        self
    }
}
