//! [`ReplyStream`]: what a reply still arriving offers to [`FromValue::read_reply`], so that the
//! conversions know nothing of connections (the connection's reader implements it).
//!
//! [`FromValue::read_reply`]: super::FromValue::read_reply

use crate::error::{Error, Result};
use crate::resp::Value;

/// One reply being read from a connection. The fast paths (`bulk`, `bulks`, `sequence`,
/// `pairs`) accept only what they can take whole and consume nothing when they decline; every
/// judgement on malformed input stays with the general decoder behind `value`.
#[doc(hidden)]
pub trait ReplyStream {
    /// Decodes the next whole value. At the top level an error reply is an `Err`; inside an
    /// aggregate an error element is a [`Value::Error`].
    fn value(&mut self) -> Result<Value>;

    /// The payload of the next value if it is a short bulk string, consumed; `None` (nothing
    /// consumed) for anything else.
    fn bulk(&mut self) -> Result<Option<&[u8]>>;

    /// Runs `f` on each of up to `max` consecutive short bulk strings already whole in the
    /// buffer (with its text when `text` and it is UTF-8), and returns how many it took; on
    /// `f`'s error, the count consumed comes with it.
    fn bulks<F>(
        &mut self,
        max: usize,
        text: bool,
        f: F,
    ) -> std::result::Result<usize, (usize, Error)>
    where
        F: FnMut(&[u8], Option<&str>) -> Result<()>;

    /// Opens the next value if it is an array or a set: its element count.
    fn sequence(&mut self) -> Result<Option<usize>>;

    /// Opens the next value if it is a map or a flat array of pairs: its number of pairs.
    fn pairs(&mut self) -> Result<Option<usize>>;

    /// Finishes an aggregate opened by `sequence` or `pairs`.
    fn close(&mut self);

    /// How many of `count` elements to reserve room for, bounded by the bytes received.
    fn capacity_for(&self, count: usize, values_each: usize) -> usize;

    /// After an element failed with `err`, reads the `left` values the open aggregate still
    /// owes and closes it; with `prefer_server`, an error element among them wins.
    fn fail(&mut self, left: usize, err: Error, prefer_server: bool) -> Error;
}
