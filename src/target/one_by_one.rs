//! The default [`ConnectionLike::run_pipeline`]: a batch sent one command at a time.

use super::{load_checked, ConnectionLike, Reply, ScriptInvocation};
use crate::batch::Batch;
use crate::cmd::cmd;
use crate::error::{Error, Result};
use crate::resp::Value;

/// Runs a batch through `target`'s [`ConnectionLike::req`] and
/// [`ConnectionLike::invoke_script`], one command at a time: the default for targets that
/// cannot send a batch in one write. Scripts reload themselves as in a single call. A
/// transaction loads its scripts first, then sends `MULTI`, each command and `EXEC`, so the
/// target must keep one connection for the whole batch.
///
/// # Errors
///
/// As [`Pipeline::execute`](crate::Pipeline::execute): a connection error stops the run.
///
/// # Example
///
/// ```no_run
/// use redline::target::{run_one_by_one, Batch};
/// use redline::{Cmd, Connection, ConnectionLike, Result, Value};
///
/// struct Slow(Connection);
///
/// impl ConnectionLike for Slow {
///     fn req(&self, cmd: &Cmd) -> Result<Value> {
///         self.0.req(cmd)
///     }
///     fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
///         std::thread::sleep(std::time::Duration::from_millis(1));
///         run_one_by_one(self, batch)
///     }
/// }
/// ```
pub fn run_one_by_one<C: ConnectionLike + ?Sized>(target: &C, batch: &mut Batch<'_>) -> Result<()> {
    batch.core.reset_replies();
    if batch.is_atomic() {
        return run_transaction(target, batch);
    }
    for index in 0..batch.len() {
        let command = batch.command(index).ok_or_else(released)?;
        let reply = match batch.script(index) {
            Some(code) => {
                let read_only = command.name() == Some(b"EVALSHA_RO".as_slice());
                let call = ScriptInvocation::new(code, &command, read_only);
                let mut out = None;
                target
                    .invoke_script(&call, &mut |reply: Reply<'_>| {
                        out = Some(reply.convert::<Value>()?);
                        Ok(())
                    })
                    .and_then(|()| out.ok_or_else(super::not_read))
            }
            None => target.req(&command),
        };
        batch.reply(reply)?;
    }
    Ok(())
}

fn run_transaction<C: ConnectionLike + ?Sized>(target: &C, batch: &mut Batch<'_>) -> Result<()> {
    for code in batch.core.scripts() {
        if let Some(source) = code.source() {
            load_checked(target, source, code.sha())?;
        }
    }
    target.req(&cmd("MULTI"))?;
    let mut queue_error = None;
    for index in 0..batch.len() {
        let command = batch.command(index).ok_or_else(released)?;
        match target.req(&command) {
            Ok(_) => {}
            Err(e) if e.is_connection_broken() => return Err(e),
            Err(e) => {
                queue_error.get_or_insert((index, e));
            }
        }
    }
    match target.req(&cmd("EXEC")) {
        Ok(Value::Array(results)) if results.len() == batch.len() => {
            for reply in results {
                batch.reply(Ok(reply))?;
            }
            Ok(())
        }
        Ok(Value::Nil) => Err(Error::WatchConflict),
        Ok(other) => Err(Error::conversion::<Vec<Value>>(&other)),
        Err(e) => Err(match queue_error {
            Some((index, queued)) => batch.core.command_error(index, queued),
            None => e,
        }),
    }
}

fn released() -> Error {
    Error::invalid_argument("a command of the batch was released before it ran")
}
