//! What a pipeline hands to its target: [`Batch`], the queued commands and scripts, and the
//! replies collected while it runs; and how a batch runs on one connection (`run`).

use crate::cmd::{describe, Args, Cmd};
use crate::code::ScriptCode;
use crate::error::{Error, Result};
use crate::resp::Value;

mod run;
mod segments;
mod stream;

pub(crate) use run::{finish, run, start, Failure};
use segments::Segments;
pub(crate) use stream::PipelineReplies;

/// A pipeline's queued commands (encoded), the scripts they call, whether they run as a
/// transaction, and the replies collected so far.
///
/// A target receives it in [`ConnectionLike::run_pipeline`](crate::ConnectionLike::run_pipeline)
/// and hands it one reply per command, in order, with [`Batch::reply`]. Connections do that
/// themselves; a target of one's own either forwards the batch to one, or reads the commands
/// with [`Batch::command`] and [`Batch::script`] as
/// [`run_one_by_one`](crate::target::run_one_by_one) does.
///
/// # Example
///
/// ```no_run
/// use redline::target::Batch;
/// use redline::{Client, Cmd, ConnectionLike, Result, Value};
///
/// struct Logged(Client);
///
/// impl ConnectionLike for Logged {
///     fn req(&self, cmd: &Cmd) -> Result<Value> {
///         self.0.req(cmd)
///     }
///     fn run_pipeline(&self, batch: &mut Batch) -> Result<()> {
///         for i in 0..batch.len() {
///             eprintln!("{i}: {}", batch.command(i).map(|c| c.to_string()).unwrap_or_default());
///         }
///         self.0.run_pipeline(batch)
///     }
/// }
/// ```
pub struct Batch<'s> {
    pub(crate) core: Core,
    /// For one run: reads the replies straight into the caller's type, as they arrive, when
    /// the target can hand them over that way (a connection running a plain batch).
    pub(crate) sink: Option<Sink<'s>>,
}

/// What reads a batch's replies as they arrive ([`Pipeline::execute`](crate::Pipeline::execute)
/// converting into its `T`).
pub(crate) type Sink<'s> = &'s mut dyn FnMut(&mut PipelineReplies<'_>);

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl Default for Batch<'_> {
    fn default() -> Self {
        Batch::new(Core::default(), None)
    }
}

impl<'s> Batch<'s> {
    pub(crate) fn new(core: Core, sink: Option<Sink<'s>>) -> Batch<'s> {
        Batch { core, sink }
    }

    /// Gives back the data, once the run is over.
    pub(crate) fn into_core(self) -> Core {
        self.core
    }

    /// The number of queued commands.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// pipe.cmd(redline::cmd("PING").arg("a")).cmd(&redline::cmd("PING"));
    /// assert_eq!(pipe.batch().len(), 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// Returns `true` when nothing is queued.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// assert!(client.pipeline().batch().is_empty());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.core.is_empty()
    }

    /// Whether the commands run as one `MULTI`/`EXEC` transaction.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// assert!(client.pipeline().atomic().batch().is_atomic());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn is_atomic(&self) -> bool {
        self.core.is_atomic()
    }

    /// Command `index` as a [`Cmd`] (rebuilt from its encoded bytes), or `None` past the end or
    /// once a running batch has released it.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// pipe.cmd(redline::cmd("GET").arg("k"));
    /// let first = pipe.batch().command(0);
    /// assert_eq!(first.map(|c| c.to_string()), Some("GET k".to_string()));
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn command(&self, index: usize) -> Option<Cmd> {
        self.core.command(index)
    }

    /// The script command `index` calls (with `EVALSHA` or `EVALSHA_RO`), if any.
    ///
    /// # Example
    ///
    /// ```
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let script = client.register_script("return 1");
    /// let mut pipe = client.pipeline();
    /// pipe.script(&script, (), ()).get("k");
    /// assert_eq!(pipe.batch().script(0).map(|s| s.sha()), Some(script.sha()));
    /// assert!(pipe.batch().script(1).is_none());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn script(&self, index: usize) -> Option<&ScriptCode> {
        self.core.script(index)
    }

    /// Hands over the reply of the next command (replies come in queue order). A server's
    /// error reply is an `Err` that is not [`Error::is_connection_broken`]; it is kept as that
    /// command's outcome. A connection error is returned, for the run to stop.
    ///
    /// # Errors
    ///
    /// `reply` itself when it is a connection error; [`Error::InvalidArgument`] when more
    /// replies are handed over than commands were queued.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::target::Batch;
    /// use redline::{ConnectionLike, Result, Value};
    /// # use redline::Cmd;
    /// # struct Fixed;
    /// impl ConnectionLike for Fixed {
    ///     fn req(&self, _: &Cmd) -> Result<Value> {
    ///         Ok(Value::Int(1))
    ///     }
    ///     fn run_pipeline(&self, batch: &mut Batch) -> Result<()> {
    ///         for _ in 0..batch.len() {
    ///             batch.reply(Ok(Value::Int(1)))?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// let replies: Vec<i64> = redline::Pipeline::new(&Fixed).get("a").get("b").execute()?;
    /// assert_eq!(replies, [1, 1]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn reply(&mut self, reply: Result<Value>) -> Result<()> {
        self.core.reply(reply)
    }
}

/// The batch's data; [`Batch`] adds the reader of its replies for one run.
#[derive(Default)]
pub(crate) struct Core {
    segments: Segments,
    /// Distinct scripts the commands call, by index.
    scripts: Vec<ScriptCode>,
    atomic: bool,
    /// An empty command was queued: the batch is refused.
    invalid: bool,
    /// Reused for each write.
    wbuf: Vec<u8>,
    /// The replies of the commands not ignored, in order.
    kept: Vec<Value>,
    /// The first error reply of any command, as [`Error::Pipeline`] naming it.
    first_error: Option<Error>,
    /// How many replies have been handed over.
    answered: usize,
    /// A `SCRIPT FLUSH` is queued.
    pub(crate) flushes_scripts: bool,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("len", &self.len())
            .field("scripts", &self.scripts.len())
            .field("atomic", &self.atomic)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// The number of queued commands.
    pub(crate) fn len(&self) -> usize {
        self.segments.len()
    }

    /// Returns `true` when nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the commands run as one `MULTI`/`EXEC` transaction.
    pub(crate) fn is_atomic(&self) -> bool {
        self.atomic
    }

    /// Command `index` as a [`Cmd`] (rebuilt from its encoded bytes), or `None` past the end or
    pub(crate) fn command(&self, index: usize) -> Option<Cmd> {
        let body = body(self.segments.command(index))?;
        let mut command = Cmd::new();
        for arg in Args::from_encoded(body) {
            command.push_bytes(arg);
        }
        Some(command)
    }

    /// The arguments of command `index` (none past the end), read in place.
    pub(crate) fn args(&self, index: usize) -> Args<'_> {
        Args::from_encoded(body(self.segments.command(index)).unwrap_or_default())
    }

    /// Command `index` as encoded (`*N\r\n$...`), for a runner that splits the batch.
    pub(crate) fn encoded(&self, index: usize) -> &[u8] {
        self.segments.command(index)
    }

    /// The script command `index` calls (with `EVALSHA` or `EVALSHA_RO`), if any.
    pub(crate) fn script(&self, index: usize) -> Option<&ScriptCode> {
        let entry = self.segments.entries().get(index)?;
        self.scripts.get(entry.script()?)
    }

    /// Hands over the reply of the next command (replies come in queue order). A server's
    pub(crate) fn reply(&mut self, reply: Result<Value>) -> Result<()> {
        let index = self.answered;
        if index >= self.len() {
            return Err(Error::invalid_argument(
                "more replies handed over than commands queued",
            ));
        }
        let value = match reply {
            Ok(value) => value,
            Err(e) if e.is_connection_broken() => return Err(e),
            Err(e) => Value::Error(e.server_text()),
        };
        self.take(index, value);
        Ok(())
    }

    // ---- building (the pipeline) --------------------------------------------------------

    pub(crate) fn push(&mut self, encoded: &[u8], script: Option<usize>) {
        if encoded.len() <= 4 {
            // `*0\r\n`: the server never answers an empty command; refuse the batch at run.
            self.invalid = true;
        }
        if crate::cmd::flushes_scripts(encoded) {
            self.flushes_scripts = true;
        }
        self.segments.push(encoded, script);
    }

    /// The index of `code` among the batch's scripts, added if new.
    pub(crate) fn add_script(&mut self, code: &ScriptCode) -> usize {
        match self.scripts.iter().position(|s| s.sha() == code.sha()) {
            Some(i) => i,
            None => {
                self.scripts.push(code.clone());
                self.scripts.len() - 1
            }
        }
    }

    pub(crate) fn ignore_last(&mut self) {
        self.segments.ignore_last();
    }

    pub(crate) fn set_atomic(&mut self) {
        self.atomic = true;
    }

    /// Removes every queued command and reply, keeping the buffers and the `atomic` setting.
    pub(crate) fn clear(&mut self) {
        self.segments.clear();
        self.scripts.clear();
        self.invalid = false;
        self.flushes_scripts = false;
        self.reset_replies();
    }

    /// Checks the batch can be sent: no empty command was queued.
    pub(crate) fn check(&self) -> Result<()> {
        if self.invalid {
            return Err(Error::invalid_argument(
                "an empty command (no name) was queued",
            ));
        }
        Ok(())
    }

    /// The replies of the commands not ignored, and the first error reply of any command.
    pub(crate) fn take_replies(&mut self) -> (Vec<Value>, Option<Error>) {
        self.answered = 0;
        (std::mem::take(&mut self.kept), self.first_error.take())
    }

    // ---- running (a connection, a default runner) ---------------------------------------

    /// Forgets replies of an attempt that sent nothing, before another.
    pub(crate) fn reset_replies(&mut self) {
        self.kept.clear();
        self.first_error = None;
        self.answered = 0;
    }

    pub(crate) fn scripts(&self) -> &[ScriptCode] {
        &self.scripts
    }

    /// Takes the reply of command `index`: keeps it unless ignored and notes a first error.
    /// Returns the error's class for a `NOSCRIPT` reply of a script call, for the caller to
    /// forget the script on its connection.
    pub(crate) fn take(&mut self, index: usize, reply: Value) -> Option<&ScriptCode> {
        let missing = self.note(index, &reply).map(|_| index);
        if self
            .segments
            .entries()
            .get(index)
            .is_some_and(|e| !e.ignore)
        {
            self.kept.push(reply);
        }
        self.answered = index + 1;
        missing.and_then(|index| self.script(index))
    }

    /// Notes an error reply of command `index` (the first one is kept, named). Returns the
    /// script a `NOSCRIPT` reply says is missing, for the caller to forget on its connection.
    pub(crate) fn note(&mut self, index: usize, reply: &Value) -> Option<&ScriptCode> {
        // An error reply, also under RESP3 attributes.
        let error = crate::types::nested_error(std::slice::from_ref(reply))?;
        let missing = matches!(error, Error::NoScript);
        self.note_error(index, error);
        if missing {
            self.script(index)
        } else {
            None
        }
    }

    fn note_error(&mut self, index: usize, error: Error) {
        if self.first_error.is_none() {
            let error = match self.script(index) {
                Some(code) => error.with_script_sha(code.sha()),
                None => error,
            };
            self.first_error = Some(self.command_error(index, error));
        }
    }

    /// Wraps `source` as the error of command `index`, naming the command safely.
    pub(crate) fn command_error(&self, index: usize, source: Error) -> Error {
        let mut command = String::new();
        if let Some(body) = body(self.segments.command(index)) {
            let _ = describe(Args::from_encoded(body), &mut command);
        }
        Error::Pipeline {
            index,
            command,
            source: Box::new(source),
        }
    }

    /// The first command that calls script `script`.
    pub(crate) fn first_caller(&self, script: usize) -> Option<usize> {
        self.segments
            .entries()
            .iter()
            .position(|e| e.script() == Some(script))
    }
}

/// An encoded command without its `*N\r\n` header: the argument list `Args` reads.
fn body(bytes: &[u8]) -> Option<&[u8]> {
    let nl = memchr::memchr(b'\n', bytes)?;
    bytes.get(nl + 1..)
}
