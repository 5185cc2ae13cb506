//! Batches of commands and scripts sent in one write: [`Pipeline`].

use crate::client::Client;
use crate::cmd::{cmd, describe, Args, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::script::Script;
use crate::types::{FromValue, ToArg, ToArgs};
use std::sync::Arc;

mod batch;
mod run;

use batch::Batch;

/// Total source bytes of unknown scripts that are loaded inline, ahead of the batch, without
/// asking `SCRIPT EXISTS` first. Larger sources are checked first so that big scripts are sent
/// only to a server that lacks them.
const INLINE_LOAD_MAX: usize = 64 * 1024;

/// A batch of commands and scripts, sent together and answered together.
///
/// Build it with [`Client::pipeline`] or [`Connection::pipeline`]; queue commands with
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
///   same write as the batch, ahead of it (ahead of `MULTI` when atomic): zero extra round trips;
/// - larger ones are first checked with one `SCRIPT EXISTS sha1 sha2 ...` round trip, and only
///   the missing ones are loaded, again in the batch's write.
///
/// A `NOSCRIPT` that still arrives (the cache was flushed between the check and the batch) is
/// reported on that command; the batch is never replayed. The next batch on that connection
/// loads the script again.
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
pub struct Pipeline<'a> {
    target: Target<'a>,
    /// The queued commands, encoded.
    batch: Batch,
    /// Distinct scripts used by the batch.
    scripts: Vec<ScriptRef>,
    atomic: bool,
    /// Reused to encode typed helpers without allocating per command.
    scratch: Cmd,
    /// Reused for each write.
    wbuf: Vec<u8>,
    /// An empty command was queued: the batch is refused.
    invalid: bool,
}

#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Client(&'a Client),
    Connection(&'a Connection),
}

#[derive(Clone, Debug)]
pub(crate) struct ScriptRef {
    pub(crate) sha: Arc<str>,
    pub(crate) source: Option<Arc<[u8]>>,
}

impl Client {
    /// Starts a [`Pipeline`] that runs on a pooled connection.
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline::new(Target::Client(self))
    }

    /// Runs an optimistic transaction: `WATCH` the keys, call `f` (which may read through the
    /// connection it is given, and queues writes on the pipeline), then `MULTI`/`EXEC` the
    /// queue. If a watched key changed, `EXEC` is refused and the whole thing runs again, as
    /// redis-py's `transaction()` does. Returns the `EXEC` replies converted to `T`.
    ///
    /// Everything happens on one pinned connection; if `f` fails, `UNWATCH` is sent before the
    /// connection returns to the pool.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let (new_balance,): (i64,) = client.transaction(&["balance"], |conn, pipe| {
    ///     let balance: i64 = conn.get::<Option<i64>>("balance")?.unwrap_or(0);
    ///     pipe.set("balance", balance + 10).ignore().get("balance");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn transaction<K, T, F>(&self, keys: K, mut f: F) -> Result<T>
    where
        K: ToArgs,
        T: FromValue,
        F: FnMut(&Connection, &mut Pipeline<'_>) -> Result<()>,
    {
        self.with_conn(|conn| loop {
            conn.req(cmd("WATCH").arg(&keys))?;
            let mut pipe = conn.pipeline();
            pipe.atomic();
            let attempt = f(conn, &mut pipe).and_then(|()| match pipe.is_empty() {
                true => Ok(None),
                false => pipe.execute::<T>().map(Some),
            });
            match attempt {
                Ok(Some(result)) => return Ok(result),
                Err(Error::WatchConflict) => continue,
                // Nothing queued, the closure failed, or the batch failed (maybe before EXEC
                // cleared the WATCH): clear it so no stale WATCH reaches the pool's next user.
                unfinished => {
                    if !conn.is_broken() {
                        conn.req(&cmd("UNWATCH"))?;
                    }
                    return match unfinished {
                        Ok(_) => T::from_value(Value::Array(Vec::new())),
                        Err(e) => Err(e),
                    };
                }
            }
        })
    }
}

impl Connection {
    /// Starts a [`Pipeline`] that runs on this connection.
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline::new(Target::Connection(self))
    }
}

impl<'a> Pipeline<'a> {
    fn new(target: Target<'a>) -> Pipeline<'a> {
        Pipeline {
            target,
            batch: Batch::default(),
            scripts: Vec::new(),
            atomic: false,
            scratch: Cmd::new(),
            wbuf: Vec::new(),
            invalid: false,
        }
    }

    /// Wraps the batch in `MULTI`/`EXEC`: it runs as a unit, with nothing interleaved.
    ///
    /// Redis has no rollback: if one command fails at run time, the others are still applied,
    /// and the failure is reported as [`Error::Pipeline`] for that command. A command that
    /// fails to queue (wrong arity, unknown command) makes the server discard the whole
    /// transaction (`EXECABORT`); that is reported for the command that failed to queue.
    pub fn atomic(&mut self) -> &mut Self {
        self.atomic = true;
        self
    }

    /// Queues a command.
    pub fn cmd(&mut self, cmd: &Cmd) -> &mut Self {
        if cmd.args_len() == 0 {
            // The server never answers an empty command; refuse the batch at execute.
            self.invalid = true;
        }
        self.push(cmd.encoded(), None)
    }

    /// Drops the reply of the command queued last from the results (its error, if any, is
    /// still reported).
    pub fn ignore(&mut self) -> &mut Self {
        self.batch.ignore_last();
        self
    }

    /// Queues a script call (`EVALSHA`); the script is loaded first if the server lacks it.
    pub fn script(
        &mut self,
        script: &Script<'_>,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.queue_script(script, false, &keys, &args)
    }

    /// Queues a read-only script call (`EVALSHA_RO`).
    pub fn script_ro(
        &mut self,
        script: &Script<'_>,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> &mut Self {
        self.queue_script(script, true, &keys, &args)
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
        self.push_scratch(script)
    }

    /// The number of queued commands.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Returns `true` when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.batch.len() == 0
    }

    /// Removes every queued command, keeping the buffers (and the `atomic` setting).
    pub fn clear(&mut self) {
        self.batch.clear();
        self.scripts.clear();
        self.invalid = false;
    }

    /// Sends the batch and converts the replies of the commands not ignored, as one array,
    /// into `T`: a tuple, a `Vec<T>`, or `Vec<Value>`. The queue is emptied either way.
    ///
    /// An empty pipeline makes no round trip.
    ///
    /// # Errors
    ///
    /// - [`Error::Pipeline`] for the first command that got an error reply, naming its index
    ///   and the command (cut, secrets hidden). In a plain pipeline the others still ran.
    /// - [`Error::WatchConflict`] when an atomic batch ran under `WATCH` and a key changed.
    /// - Connection errors: the connection is discarded. A batch that may have reached the
    ///   server is never re-sent.
    pub fn execute<T: FromValue>(&mut self) -> Result<T> {
        let replies = self.execute_replies()?;
        let result = match replies.first_error {
            Some(error) => Err(error),
            None => T::from_value(Value::Array(replies.kept)),
        };
        self.clear();
        result
    }

    /// Sends the batch and returns one reply per command not ignored, error replies included
    /// as [`Value::Error`], for callers that handle each command's outcome. (A batch that could
    /// not run as a whole, such as a script that failed to load or an aborted transaction, is
    /// still an `Err`.)
    pub fn execute_raw(&mut self) -> Result<Vec<Value>> {
        let replies = self.execute_replies()?;
        self.clear();
        Ok(replies.kept)
    }

    fn execute_replies(&mut self) -> Result<run::Replies> {
        if self.invalid {
            self.clear();
            return Err(Error::invalid_argument(
                "an empty command (no name) was queued",
            ));
        }
        if self.is_empty() {
            return Ok(run::Replies {
                kept: Vec::new(),
                first_error: None,
            });
        }
        let result = match self.target {
            Target::Connection(conn) => run::run(self, conn).map_err(run::Failure::into_error),
            Target::Client(client) => {
                match client.with_conn(|conn| Ok(run::run(self, conn))) {
                    // Nothing of the batch reached the server: one more try is safe.
                    Ok(Err(run::Failure::Unsent(e))) if e.is_connection_broken() => client
                        .with_conn(|conn| run::run(self, conn).map_err(run::Failure::into_error)),
                    Ok(other) => other.map_err(run::Failure::into_error),
                    Err(e) => Err(e),
                }
            }
        };
        if result.is_err() {
            self.clear();
        }
        result
    }

    fn queue_script(
        &mut self,
        script: &Script<'_>,
        read_only: bool,
        keys: &impl ToArgs,
        args: &impl ToArgs,
    ) -> &mut Self {
        let index = match self.scripts.iter().position(|s| *s.sha == *script.sha()) {
            Some(i) => i,
            None => {
                self.scripts.push(ScriptRef {
                    sha: script.shared_sha(),
                    source: script.shared_source(),
                });
                self.scripts.len() - 1
            }
        };
        let name = if read_only { "EVALSHA_RO" } else { "EVALSHA" };
        self.keyed(name, script.sha(), keys, args, Some(index))
    }

    /// Queues the command `build` lays out (name included) in the cleared scratch buffer.
    pub(crate) fn helper(&mut self, build: impl FnOnce(&mut Cmd)) -> &mut Self {
        self.scratch.clear();
        build(&mut self.scratch);
        self.push_scratch(None)
    }

    /// The queued commands' bytes, back to back.
    #[cfg(test)]
    pub(crate) fn queued_bytes(&self) -> Vec<u8> {
        (0..self.batch.len())
            .flat_map(|i| self.batch.command(i).iter().copied())
            .collect()
    }

    /// Queues the command in `scratch`; the field borrows are disjoint, so nothing is moved or
    /// allocated.
    fn push_scratch(&mut self, script: Option<usize>) -> &mut Self {
        self.batch.push(self.scratch.encoded(), script);
        self
    }

    fn push(&mut self, encoded: &[u8], script: Option<usize>) -> &mut Self {
        self.batch.push(encoded, script);
        self
    }

    /// Wraps `source` as the error of command `index`, naming the command safely.
    fn command_error(&self, index: usize, source: Error) -> Error {
        let bytes = self.batch.command(index);
        // Skip the `*N\r\n` header; the rest is the argument list `Args` reads.
        let body = memchr::memchr(b'\n', bytes).map_or(&bytes[..0], |nl| &bytes[nl + 1..]);
        let mut command = String::new();
        let _ = describe(Args::from_encoded(body), &mut command);
        Error::Pipeline {
            index,
            command,
            source: Box::new(source),
        }
    }
}
