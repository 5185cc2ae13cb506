//! [`ConnectionLike`] for a [`Connection`]: the one target that talks to a socket itself.

use super::{invoke_with_reload, ConnectionLike, Reply, ScriptInvocation};
use crate::batch::{self, Batch, Failure};
use crate::cmd::Cmd;
use crate::connection::Connection;
use crate::error::Result;
use crate::resp::Value;

impl ConnectionLike for Connection {
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        Connection::req(self, cmd)
    }

    /// Hands the reply while it arrives, for decoding straight into the caller's type.
    fn req_reply(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_>) -> Result<()>) -> Result<()> {
        self.req_with(cmd, |reader| read(Reply::wire(reader)))?
    }

    /// Also records, per connection, what the outcome proved about the server's script cache.
    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        let outcome = invoke_with_reload(self, call, read);
        self.note_script(call.sha(), &outcome);
        outcome
    }

    /// Sends the whole batch in one write per segment, its missing scripts loaded ahead of it.
    fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
        batch::run(batch, self).map_err(Failure::into_error)
    }
}
