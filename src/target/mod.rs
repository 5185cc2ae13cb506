//! What can run a command: the [`ConnectionLike`] trait every kind of client implements, and
//! what it hands over (a [`Reply`], a [`ScriptInvocation`], a [`Batch`]).
//!
//! Scripts, pipelines and the command helpers are written once against this trait, so they
//! work the same on a [`Client`](crate::Client), a [`Connection`](crate::Connection), or a
//! target of your own that implements only [`ConnectionLike::req`].

use crate::cmd::Cmd;
use crate::connection::Reader;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::types::FromValue;
use std::fmt;

mod impls;
mod invocation;
mod one_by_one;
mod scan;

pub use crate::batch::Batch;
pub(crate) use invocation::load_checked;
pub use invocation::{invoke_with_reload, ScriptInvocation};
pub(crate) use one_by_one::run_command;
pub use one_by_one::run_one_by_one;
pub(crate) use scan::parse_page;
pub use scan::{ScanCursor, ScanOptions};

/// Anything that can send a command to a server and read its reply: a
/// [`Client`](crate::Client), a dedicated [`Connection`](crate::Connection), or a target of
/// your own.
///
/// [`Script`](crate::Script), [`Pipeline`](crate::Pipeline) and the
/// [`Commands`](crate::Commands) helpers work on any implementation. Only
/// [`ConnectionLike::req`] is required; the provided methods have defaults built on it, and a
/// target overrides them to do better: read replies straight into the caller's type
/// ([`req_reply`](ConnectionLike::req_reply)), run a whole script call on one connection
/// ([`invoke_script`](ConnectionLike::invoke_script)), or send a pipeline in one write
/// ([`run_pipeline`](ConnectionLike::run_pipeline)). A target that wraps another forwards
/// each of them.
///
/// # Example
///
/// A target of one's own, with only the required method: every helper, script and pipeline
/// runs through it (a pipeline's commands one at a time).
///
/// ```no_run
/// use redline::{cmd, Client, Cmd, Commands, ConnectionLike, Result, Value};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// struct Counted {
///     inner: Client,
///     sent: AtomicUsize,
/// }
///
/// impl ConnectionLike for Counted {
///     fn req(&self, cmd: &Cmd) -> Result<Value> {
///         self.sent.fetch_add(1, Ordering::Relaxed);
///         self.inner.req(cmd)
///     }
/// }
///
/// let counted = Counted { inner: Client::open("redis://127.0.0.1:6379")?, sent: AtomicUsize::new(0) };
/// counted.set("k", 1)?;
/// let v: i64 = counted.get("k")?;
/// let script = redline::ScriptCode::new("return 1");
/// let one: i64 = script.call_on(&counted, (), ())?;
/// assert!(counted.sent.load(Ordering::Relaxed) >= 3);
/// # Ok::<(), redline::Error>(())
/// ```
pub trait ConnectionLike {
    /// Sends one command and returns its reply. An error reply is an `Err`, classified by
    /// [`Error::from_server_reply`].
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

    /// Sends one command and hands its reply to `read`, exactly once when this returns `Ok`.
    /// A connection hands the reply while it is still arriving, so that `read` can decode it
    /// straight into the caller's type; the default hands over the `Value` of
    /// [`ConnectionLike::req`]. An error reply reaches `read`'s conversion as an `Err`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, ConnectionLike};
    ///
    /// let mut items: Vec<String> = Vec::new();
    /// client.req_reply(cmd("LRANGE").arg("list").arg(0).arg(-1), &mut |reply| {
    ///     items = reply.convert()?;
    ///     Ok(())
    /// })?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn req_reply(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_>) -> Result<()>) -> Result<()> {
        read(Reply::from(self.req(cmd)?))
    }

    /// Runs a script: `EVALSHA` (or `EVALSHA_RO`); on `NOSCRIPT`, `SCRIPT LOAD` with the SHA1
    /// checked, then `EVALSHA` once more (never more than one reload), handing the reply to
    /// `read` as [`ConnectionLike::req_reply`] does. Routing targets run the whole sequence on
    /// the connection (or node) they chose, with [`invoke_with_reload`].
    ///
    /// # Example
    ///
    /// Overriding it, here to log every script call:
    ///
    /// ```no_run
    /// use redline::{ConnectionLike, Reply, Result, ScriptInvocation, Value};
    /// # use redline::Cmd;
    /// # struct Logged<C>(C);
    /// impl<C: ConnectionLike> ConnectionLike for Logged<C> {
    /// #   fn req(&self, cmd: &Cmd) -> Result<Value> { self.0.req(cmd) }
    ///     fn invoke_script(
    ///         &self,
    ///         call: &ScriptInvocation<'_>,
    ///         read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ///     ) -> Result<()> {
    ///         eprintln!("EVALSHA {}", call.sha());
    ///         self.0.invoke_script(call, read)
    ///     }
    /// }
    /// ```
    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        invoke_with_reload(self, call, read)
    }

    /// Runs a pipeline's queued commands and hands each reply to the [`Batch`]. The default
    /// ([`run_one_by_one`]) sends them one at a time through the methods above; connections
    /// send the whole batch in one write, with its scripts loaded ahead of it.
    ///
    /// # Example
    ///
    /// A wrapper forwards it, so that its pipelines keep going out in one write:
    ///
    /// ```no_run
    /// use redline::target::Batch;
    /// use redline::{Cmd, Connection, ConnectionLike, Result, Value};
    ///
    /// struct Traced(Connection);
    ///
    /// impl ConnectionLike for Traced {
    ///     fn req(&self, cmd: &Cmd) -> Result<Value> {
    ///         self.0.req(cmd)
    ///     }
    ///     fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
    ///         eprintln!("pipeline of {} commands", batch.len());
    ///         self.0.run_pipeline(batch)
    ///     }
    /// }
    /// ```
    fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
        run_one_by_one(self, batch)
    }

    /// Fetches the next page of a `SCAN` of the whole keyspace and moves `cursor` on; an empty
    /// page does not mean the end ([`ScanCursor::is_finished`] does). The default sends one
    /// `SCAN` through [`ConnectionLike::req`]; a cluster client scans every primary in turn,
    /// keeping track of which slots are covered. [`Commands::scan_iter`] is the iterator over
    /// it; a wrapper forwards it.
    ///
    /// [`Commands::scan_iter`]: crate::Commands::scan_iter
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{ConnectionLike, ScanCursor, ScanOptions, Value};
    ///
    /// let mut cursor = ScanCursor::new();
    /// let mut keys: Vec<Value> = Vec::new();
    /// while !cursor.is_finished() {
    ///     keys.extend(client.scan_page(&mut cursor, &ScanOptions::new().pattern("job:*"))?);
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn scan_page(&self, cursor: &mut ScanCursor, options: &ScanOptions) -> Result<Vec<Value>> {
        scan::one_page(self, cursor, options)
    }
}

/// A reply handed to a reader by [`ConnectionLike::req_reply`] or
/// [`ConnectionLike::invoke_script`]: either decoded already, or still arriving on a
/// connection, to be decoded straight into the caller's type.
///
/// # Example
///
/// ```
/// use redline::{Reply, Value};
///
/// let reply = Reply::from(Value::Int(7));
/// let n: i64 = reply.convert()?;
/// assert_eq!(n, 7);
/// # Ok::<(), redline::Error>(())
/// ```
pub struct Reply<'r>(Kind<'r>);

enum Kind<'r> {
    Value(Value),
    Wire(Reader<'r>),
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Value(value) => f.debug_tuple("Reply").field(value).finish(),
            Kind::Wire(_) => f.write_str("Reply(<on the wire>)"),
        }
    }
}

impl From<Value> for Reply<'static> {
    fn from(value: Value) -> Reply<'static> {
        Reply(Kind::Value(value))
    }
}

impl<'r> Reply<'r> {
    pub(crate) fn wire(reader: Reader<'r>) -> Reply<'r> {
        Reply(Kind::Wire(reader))
    }

    /// Converts the reply into `T`, straight from the wire when it is still there. An error
    /// reply is an `Err`.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Reply, Value};
    ///
    /// let reply = Reply::from(Value::Array(vec![Value::Int(1), Value::Int(2)]));
    /// assert_eq!(reply.convert::<Vec<i64>>()?, [1, 2]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn convert<T: FromValue>(self) -> Result<T> {
        match self.0 {
            Kind::Value(value) => T::from_value(value),
            Kind::Wire(mut reader) => T::read_reply(&mut reader),
        }
    }
}

/// Sends `cmd` to `target` and converts its reply into `T` as it arrives: the one path of
/// every typed call.
pub(crate) fn query<C, T>(target: &C, cmd: &Cmd) -> Result<T>
where
    C: ConnectionLike + ?Sized,
    T: FromValue,
{
    let mut out = None;
    target.req_reply(cmd, &mut |reply| {
        out = Some(reply.convert::<T>()?);
        Ok(())
    })?;
    out.ok_or_else(not_read)
}

/// Sending a command from the command's side, as redis-rs users write it.
impl Cmd {
    /// Sends the command to `target` (a [`Client`](crate::Client), a
    /// [`Connection`](crate::Connection), a [`ClusterClient`](crate::ClusterClient), any
    /// [`ConnectionLike`]) and converts the reply: the same as `target.query(&cmd)`
    /// ([`Commands::query`](crate::Commands::query)). `&mut target` works too, so redis-rs's
    /// `cmd("GET").arg("k").query(&mut con)` compiles unchanged.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{cmd, Client};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379")?;
    /// let _: () = cmd("SET").arg("k").arg(1).query(&client)?;
    /// let mut con = client.get_connection()?;
    /// let v: i64 = cmd("GET").arg("k").query(&mut con)?;
    /// assert_eq!(v, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn query<T: FromValue>(&self, target: &(impl ConnectionLike + ?Sized)) -> Result<T> {
        query(target, self)
    }
}

/// A target returned `Ok` without handing over the reply.
pub(crate) fn not_read() -> Error {
    Error::invalid_argument("the target returned without handing over the reply")
}

/// Forwards every method, so a wrapper's overrides are kept behind a reference or a pointer.
macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<T: ConnectionLike + ?Sized> ConnectionLike for $ty {
            fn req(&self, cmd: &Cmd) -> Result<Value> {
                (**self).req(cmd)
            }
            fn req_reply(
                &self,
                cmd: &Cmd,
                read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
            ) -> Result<()> {
                (**self).req_reply(cmd, read)
            }
            fn invoke_script(
                &self,
                call: &ScriptInvocation<'_>,
                read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
            ) -> Result<()> {
                (**self).invoke_script(call, read)
            }
            fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
                (**self).run_pipeline(batch)
            }
            fn scan_page(
                &self,
                cursor: &mut ScanCursor,
                options: &ScanOptions,
            ) -> Result<Vec<Value>> {
                (**self).scan_page(cursor, options)
            }
        }
    )*};
}

forward!(&T, Box<T>, std::sync::Arc<T>, std::rc::Rc<T>);
