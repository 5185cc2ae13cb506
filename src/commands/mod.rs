//! Typed helpers for the common commands, on every [`ConnectionLike`] and on [`Pipeline`].
//!
//! A modest, hand-written set; anything else is `cmd("NAME").arg(..)` with
//! [`Commands::query`] (or [`Pipeline::cmd`]).
//!
//! One file per family: `keys`, `strings` and `counters`, `hashes`, `lists`, `sets`,
//! `sorted_sets` and `score_ranges`, `streams`, `server`; `scripting` and `functions` for
//! [`ScriptingCommands`].
//! Each holds, per command, the one function that lays out its arguments (name included), the
//! trait method that sends it (pasted into the trait by the family's macro: one trait cannot
//! span files, and family traits would each need importing), and the [`Pipeline`] method that
//! queues it. So a command is encoded the same way wherever it is sent (`tests.rs` checks every
//! pair). The option types are in `options.rs`.
//!
//! [`Pipeline`]: crate::Pipeline
//! [`Pipeline::cmd`]: crate::Pipeline::cmd

use crate::cmd::{with_empty_scratch, Cmd};
use crate::error::Result;
use crate::target::ConnectionLike;
use crate::types::FromValue;

mod counters;
mod function_info;
mod functions;
mod hashes;
mod keys;
mod lists;
mod options;
mod pubsub;
mod scan;
mod score_ranges;
mod scripting;
mod server;
mod sets;
mod sorted_sets;
mod streams;
mod strings;
#[cfg(test)]
mod tests;

pub use function_info::{EngineStats, FunctionInfo, FunctionStats, LibraryInfo, RunningScript};
pub use options::{Direction, Expiry, SetOptions, StreamReadOptions, StreamTrim, ZRangeOptions};
pub use scan::ScanIter;
pub use scripting::{FlushMode, RestorePolicy, ScriptingCommands};
pub use streams::StreamEntry;

/// Typed helpers for keys, strings, hashes, lists, sets, sorted sets, streams and server
/// commands.
///
/// Implemented for everything [`ConnectionLike`]: [`Client`](crate::Client) (each call on a
/// pooled connection) and [`Connection`](crate::Connection). Each helper is one command with one
/// round trip; the command it sends is named first in its doc. Replies whose shape the caller
/// chooses (`get`, `lrange`, ...) are generic over [`FromValue`]. A [`Pipeline`](crate::Pipeline)
/// has the same helpers, with the same names and arguments, queuing the same bytes.
///
/// Numeric arguments that the server accepts as integers or floats (scores, increments,
/// timeouts) take any [`Number`](crate::Number).
///
/// # Example
///
/// ```no_run
/// use redline::prelude::*;
/// use std::collections::HashMap;
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// client.set("k", 2)?;
/// let v: i64 = client.get("k")?;
/// assert_eq!(client.incr_by("k", 3)?, 5);
/// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
/// let user: HashMap<String, String> = client.hgetall("user:1")?;
/// client.rpush("queue", ["a", "b", "c"])?;
/// let items: Vec<String> = client.lrange("queue", 0, -1)?;
/// client.zadd("board", "ada", 10.5)?;
/// let top: Vec<(String, f64)> = client.zrange_withscores("board", 0, 9)?;
/// # Ok::<(), redline::Error>(())
/// ```
pub trait Commands: ConnectionLike {
    /// Sends any command and converts its reply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, Commands, Result};
    ///
    /// fn key_count(target: &impl Commands) -> Result<i64> {
    ///     target.query(&cmd("DBSIZE"))
    /// }
    /// assert_eq!(key_count(&client)?, client.dbsize()?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn query<T: FromValue>(&self, cmd: &Cmd) -> Result<T> {
        crate::target::query(self, cmd)
    }

    keys::key_commands! {}
    strings::string_commands! {}
    counters::counter_commands! {}
    hashes::hash_commands! {}
    lists::list_commands! {}
    sets::set_commands! {}
    sorted_sets::sorted_set_commands! {}
    score_ranges::score_range_commands! {}
    streams::stream_commands! {}
    server::server_commands! {}
    pubsub::pubsub_commands! {}
    scan::scan_commands! {}
}

impl<C: ConnectionLike + ?Sized> Commands for C {}

/// Lays the command out in the thread's scratch buffer, sends it, converts the reply.
fn run<C, T>(target: &C, layout: impl FnOnce(&mut Cmd)) -> Result<T>
where
    C: ConnectionLike + ?Sized,
    T: FromValue,
{
    with_empty_scratch(|c| {
        layout(c);
        crate::target::query(target, c)
    })
}
