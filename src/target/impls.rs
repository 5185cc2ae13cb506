//! [`ConnectionLike`] for a [`Connection`]: the one target that talks to a socket itself.

use super::{ConnectionLike, Reply, ScriptInvocation};
use crate::batch::{self, Batch, Failure};
use crate::cmd::{cmd, Cmd};
use crate::code::check_sha;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::types::FromValue;

impl ConnectionLike for Connection {
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        Connection::req(self, cmd)
    }

    /// Hands the reply while it arrives, for decoding straight into the caller's type.
    fn req_reply(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_>) -> Result<()>) -> Result<()> {
        self.req_with(cmd, |reader| read(Reply::wire(reader)))?
    }

    /// The sequence of [`invoke_with_reload`](super::invoke_with_reload), with the reload's
    /// `SCRIPT LOAD` and `EVALSHA` in one write (`Connection::req_pair_with`): the server runs
    /// them back to back, so another client's `SCRIPT FLUSH` does not land between them and
    /// fail the call. Also records, per connection, what the outcome proved about the server's
    /// script cache.
    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        let outcome = match self.req_reply(call.command(), read) {
            Err(Error::NoScript) => match call.source() {
                Some(source) => reload_and_call(self, call, source, read),
                None => Err(Error::NoScript),
            },
            other => other,
        };
        self.note_script(call.sha(), &outcome);
        outcome
    }

    /// Sends the whole batch in one write per segment, its missing scripts loaded ahead of it.
    fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
        batch::run(batch, self).map_err(Failure::into_error)
    }
}

/// `SCRIPT LOAD` and the call again, in one write. A failed load (or a SHA1 other than ours) is
/// the error, ahead of the call's own (`NOSCRIPT`, then), whose reply is read all the same.
fn reload_and_call(
    conn: &Connection,
    call: &ScriptInvocation<'_>,
    source: &[u8],
    read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
) -> Result<()> {
    let mut load = cmd("SCRIPT");
    load.arg("LOAD").arg(source);
    let (loaded, outcome) =
        conn.req_pair_with(&load, call.command(), |reader| read(Reply::wire(reader)))?;
    match loaded {
        Value::Error(message) => Err(Error::from_server_reply(message)),
        value => String::from_value(value).and_then(|got| check_sha(call.sha(), got)),
    }?;
    outcome
}
