//! [`Wire`]: the narrow lock a batch runner gets on a connection.

use super::{Inner, Reader, ScriptCache};
use crate::error::Result;
use crate::resp::Value;
use std::cell::RefMut;

/// A locked connection, for a runner that writes a batch and reads its replies: only these
/// three things, so the runner cannot reach the connection's buffers or decoder.
pub(crate) struct Wire<'a> {
    pub(super) inner: RefMut<'a, Inner>,
}

impl Wire<'_> {
    /// Writes all of `bytes`, also returning how many were handed to the socket before any
    /// error: zero means the server provably never saw them.
    pub(crate) fn write_counted(&mut self, bytes: &[u8]) -> (usize, Result<()>) {
        self.inner.write_counted(bytes)
    }

    /// A new segment of the batch goes out: its deadlines start now.
    pub(crate) fn start_segment(&mut self) {
        self.inner.deadlines.start_call();
    }

    /// Reads one reply, keeping out-of-band pushes for later; an error reply is a
    /// [`Value::Error`].
    pub(crate) fn recv(&mut self) -> Result<Value> {
        self.inner.recv()
    }

    /// The scripts known cached on this connection's server.
    pub(crate) fn scripts(&mut self) -> &mut ScriptCache {
        &mut self.inner.scripts
    }

    /// Whether the server has accepted a `MULTI` on this connection.
    pub(crate) fn multi_accepted(&self) -> bool {
        self.inner.multi_accepted
    }

    /// The server accepted a `MULTI` on this connection.
    pub(crate) fn accept_multi(&mut self) {
        self.inner.multi_accepted = true;
    }

    /// Reads the replies of a batch straight into a caller's type.
    pub(crate) fn reader(&mut self) -> Reader<'_> {
        Reader::new(&mut self.inner)
    }

    /// Once the batch's replies are read: rewinds the read buffer.
    pub(crate) fn settle(&mut self) {
        self.inner.after_reply();
    }
}
