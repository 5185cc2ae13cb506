//! The default [`ConnectionLike::run_pipeline`]: a batch sent one command at a time.

use super::{ConnectionLike, Reply, ScriptInvocation};
use crate::batch::{Batch, Core};
use crate::cmd::cmd;
use crate::code::check_sha;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::types::FromValue;

/// Runs a batch through `target`'s [`ConnectionLike::req`] and
/// [`ConnectionLike::invoke_script`], one command at a time: the default for targets that
/// cannot send a batch in one write. Scripts reload themselves as in a single call. A
/// transaction sends `MULTI`, a `SCRIPT LOAD` of each script it calls, each command and `EXEC`
/// (so no script can be missing at `EXEC`); the target must keep one connection for the whole
/// batch.
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
        let reply = run_command(target, &batch.core, index);
        batch.reply(reply)?;
    }
    Ok(())
}

/// Command `index` of `batch` alone: a script call through [`ConnectionLike::invoke_script`]
/// (so it is loaded if missing), any other command through [`ConnectionLike::req`].
pub(crate) fn run_command<C: ConnectionLike + ?Sized>(
    target: &C,
    batch: &Core,
    index: usize,
) -> Result<Value> {
    let command = batch.command(index).ok_or_else(released)?;
    match batch.script(index) {
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
    }
}

fn run_transaction<C: ConnectionLike + ?Sized>(target: &C, batch: &mut Batch<'_>) -> Result<()> {
    target.req(&cmd("MULTI"))?;
    // The scripts are loaded inside the transaction, so none can be missing at EXEC.
    let mut loads = Vec::new();
    let mut queue_error = None;
    for (i, code) in batch.core.scripts().iter().enumerate() {
        if let Some(source) = code.source() {
            loads.push((i, code.sha().to_string()));
            if let Err(e) = target.req(cmd("SCRIPT").arg("LOAD").arg(source)) {
                if e.is_connection_broken() {
                    return Err(e);
                }
                queue_error.get_or_insert((batch.core.first_caller(i).unwrap_or(0), e));
            }
        }
    }
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
        Ok(Value::Array(results)) if results.len() == loads.len() + batch.len() => {
            let mut results = results.into_iter();
            let mut load_failure = None;
            for ((i, sha), reply) in loads.iter().zip(results.by_ref()) {
                let outcome = match reply {
                    Value::Error(message) => Err(Error::from_server_reply(message)),
                    value => String::from_value(value).and_then(|got| check_sha(sha, got)),
                };
                if let (Err(e), None) = (outcome, &load_failure) {
                    load_failure = Some(match batch.core.first_caller(*i) {
                        Some(index) => batch.core.command_error(index, e),
                        None => e,
                    });
                }
            }
            for reply in results {
                batch.reply(Ok(reply))?;
            }
            load_failure.map_or(Ok(()), Err)
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
