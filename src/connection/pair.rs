//! Two requests in one write, for a script's reload: the server runs them back to back.

use super::{not_empty, Connection, Reader};
use crate::cmd::Cmd;
use crate::error::Result;
use crate::resp::Value;

impl Connection {
    /// Sends `first` and `then` in one write. A server that reads them in one piece runs them
    /// back to back, with no other client's command in between (`SCRIPT LOAD` and the
    /// `EVALSHA` that needs it: no `SCRIPT FLUSH` between them); only a write that reaches it in
    /// pieces (over 16 KiB, or split by the network) leaves a gap, far shorter than the round
    /// trip that separated them before. Returns `first`'s reply as it came
    /// (an error reply is a [`Value::Error`]) and what `read` made of `then`'s reply, which is
    /// read whatever `first`'s said, so the connection stays in step.
    pub(crate) fn req_pair_with<R>(
        &self,
        first: &Cmd,
        then: &Cmd,
        read: impl FnOnce(Reader<'_>) -> R,
    ) -> Result<(Value, R)> {
        not_empty(first)?;
        not_empty(then)?;
        let mut inner = self.lock()?;
        inner.ensure_in_step()?;
        inner.sent(first.encoded());
        inner.sent(then.encoded());
        let block =
            crate::cmd::blocks_for(first.encoded()).or(crate::cmd::blocks_for(then.encoded()));
        inner.deadlines.start_blocking_call(block);
        let mut both = Vec::with_capacity(first.encoded().len() + then.encoded().len());
        both.extend_from_slice(first.encoded());
        both.extend_from_slice(then.encoded());
        inner.write_all(&both)?;
        let first_reply = inner.recv()?;
        let result = read(Reader::new(&mut inner));
        inner.after_reply();
        Ok((first_reply, result))
    }
}
