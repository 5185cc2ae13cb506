//! Everything everyday code needs, in one import.
//!
//! The helper traits ([`Commands`], [`ScriptingCommands`]) must be in scope for their methods to
//! be callable on a [`Client`] or a [`Connection`]; this brings them, the types they take and
//! return, and the client types themselves. (`Pipeline` methods are inherent: they need no
//! import.)
//!
//! # Example
//!
//! ```no_run
//! use redline::prelude::*;
//!
//! let client = Client::open("redis://127.0.0.1:6379")?;
//! client.set_options::<bool>("lock", "me", SetOptions::default().nx().ex(30))?;
//! client.zadd("board", "alice", 5)?;
//! let n: i64 = client.eval("return #KEYS", ["a", "b"], ())?;
//! # Ok::<(), redline::Error>(())
//! ```

pub use crate::{
    cmd, Client, Cmd, Commands, Connection, ConnectionLike, Direction, Error, Expiry, FlushMode,
    FromValue, Number, Pipeline, RestorePolicy, Result, Script, ScriptingCommands, SetOptions,
    StreamEntry, StreamReadOptions, StreamTrim, ToArg, ToArgs, Value, ZRangeOptions,
};
