//! A blocking Redis client whose strength is Lua scripting.
//!
//! redline is for programs that do not want an async runtime: command-line tools, batch jobs,
//! game servers. It speaks RESP2 and RESP3 over a plain `std::net::TcpStream` or a Unix socket,
//! with a hand-written parser that never panics and never trusts a length from the wire.
//!
//! - [`Client`]: shared by reference across threads, with a small pool of connections.
//! - [`Script`]: a Lua script known by its SHA1, run with `EVALSHA`, reloaded transparently on
//!   `NOSCRIPT`, on any [`ConnectionLike`] target, read-only with `EVALSHA_RO`.
//! - [`Pipeline`]: batches of commands and scripts in one write; scripts are made sure to be
//!   in the server's cache before the batch goes out.
//!
//! # Quick start
//!
//! ```no_run
//! use redline::{Client, Commands};
//!
//! let client = Client::open("redis://127.0.0.1:6379")?;
//! client.set("foo", 2)?;
//! let multiply = client.register_script(
//!     "local v = redis.call('GET', KEYS[1]) return tonumber(v) * ARGV[1]",
//! );
//! let ten: i64 = multiply.call("foo", 5)?;
//! assert_eq!(ten, 10);
//!
//! let (ok, product): (bool, i64) = client
//!     .pipeline()
//!     .set("foo", 5)
//!     .script(&multiply, "foo", 5)
//!     .execute()?;
//! assert_eq!((ok, product), (true, 25));
//! # Ok::<(), redline::Error>(())
//! ```
//!
//! # Connecting
//!
//! [`Client::open`] takes `redis://[user:pass@]host[:port][/db][?protocol=3&timeout=2s]`,
//! `rediss://` (TLS, with the `tls` feature) or `unix:///path/to/sock?db=N`; the full grammar
//! is on [`ConnectionInfo`] (user and password are percent-encoded: `p%40ss` for `p@ss`). [`ClientBuilder`] sets the same things in code. Nothing connects
//! until the first call. Credentials that rotate come from a [`CredentialsProvider`], asked
//! for each new connection ([`ClientBuilder::credentials_provider`]).
//! A Sentinel deployment: `redis+sentinel://host:26379,host2/mymaster`, or
//! [`SentinelBuilder`] (`docs/sentinel.md`).
//!
//! # Commands
//!
//! Any command: [`cmd`]`("NAME").arg(..)` and [`Client::query`]. The common ones have typed
//! helpers on the [`Commands`] trait, the scripting ones on [`ScriptingCommands`]; both work on
//! a [`Client`] and on a dedicated [`Connection`], and a [`Pipeline`] has the same helpers
//! (same names, same arguments, same bytes sent). `use redline::prelude::*;` brings the traits
//! and everyday types into scope.
//! Arguments are anything [`ToArgs`]; replies convert into anything [`FromValue`].
//!
//! # Errors
//!
//! One [`Error`] enum with variants to match on. Server error replies are classified in one
//! place ([`Error::from_server_reply`]): `NOSCRIPT` is [`Error::NoScript`], a Lua error is
//! [`Error::Script`] with the script's SHA1, line and the Lua error alone
//! ([`Error::script_reason`]), anything else is [`Error::Server`] with a
//! [`ServerErrorKind`]. Credentials refused while connecting are [`Error::Auth`], with the
//! server's address; an ACL refusal (`NOPERM`), also from inside a script, has kind
//! [`ServerErrorKind::NoPerm`] (`docs/auth.md`). After an I/O error, a timeout or a protocol error the connection is
//! discarded, so a reply can never reach the wrong caller.
//!
//! # Limits and safety
//!
//! | limit | default |
//! |---|---|
//! | bulk string length ([`resp::Limits::max_bulk_len`]) | 512 MiB |
//! | aggregate length ([`resp::Limits::max_aggregate_len`]) | 2^32 - 1 |
//! | nesting depth ([`resp::Limits::max_depth`]) | 128 |
//! | connect timeout | 10 s |
//! | read and write timeouts (whole call; blocking commands add their block time) | 5 s |
//!
//! Memory grows only with bytes actually received, whatever length a reply claims.
//!
//! # Keeping a script beside its client
//!
//! A [`Script`] borrows the client it runs on, so it cannot sit in the same struct as that
//! client. Keep its [`ScriptCode`] instead (no borrow, `'static`, also usable in a `static`):
//!
//! ```no_run
//! use redline::{Client, ScriptCode};
//!
//! struct Limiter {
//!     client: Client,
//!     script: ScriptCode,
//! }
//!
//! impl Limiter {
//!     fn allow(&self, who: &str) -> redline::Result<bool> {
//!         let count: i64 = self.script.call_on(&self.client, who, 60)?;
//!         Ok(count <= 10)
//!     }
//! }
//!
//! let limiter = Limiter {
//!     client: Client::open("redis://127.0.0.1:6379")?,
//!     script: ScriptCode::new(
//!         "local n = redis.call('INCR', KEYS[1]) \
//!          if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n",
//!     ),
//! };
//! assert!(limiter.allow("ada")?);
//! # Ok::<(), redline::Error>(())
//! ```
//!
//! # Iterating over keys: SCAN
//!
//! [`Commands::scan_iter`] walks the whole keyspace with `SCAN`, a page at a time, without
//! blocking the server as `KEYS` does; `hscan_iter`, `sscan_iter` and `zscan_iter` walk one
//! hash, set or sorted set. [`ScanOptions`] sets `MATCH`, `COUNT` and `TYPE`. A key present
//! for the whole iteration is returned at least once, possibly more than once (collect into a
//! set when that matters). On a [`ClusterClient`] `scan_iter` scans every primary and keeps
//! track of the slots it covered, so that a failover or a slot migration during the scan skips
//! no key that existed throughout (`docs/cluster.md`).
//!
//! ```no_run
//! use redline::{Client, Commands, ScanOptions};
//! use std::collections::HashSet;
//!
//! let client = Client::open("redis://127.0.0.1:6379")?;
//! let mut expired_sessions = HashSet::new();
//! for key in client.scan_iter::<String>(ScanOptions::new().pattern("session:*").count(1000)) {
//!     let key = key?;
//!     if client.ttl(&key)? == -1 {
//!         expired_sessions.insert(key);
//!     }
//! }
//! for (member, score) in client
//!     .zscan_iter::<(String, f64)>("board", ScanOptions::new())
//!     .collect::<redline::Result<Vec<_>>>()?
//! {
//!     println!("{member}: {score}");
//! }
//! # Ok::<(), redline::Error>(())
//! ```
//!
//! # Client-side caching
//!
//! [`ClientBuilder::client_cache`] serves `GET`, `MGET`, `HGET`, `HGETALL` and read-only
//! script calls ([`Script::call_ro`]) on chosen key prefixes from a bounded local cache (least
//! recently used out), kept right by the server's invalidations (`CLIENT TRACKING` in broadcast
//! mode on one dedicated RESP3 connection), which the client reads itself, with one
//! non-blocking read, before every lookup: no thread. Once another client's write has been
//! answered and this client has made one round trip, no cached read returns the value from
//! before it ([`Client::cache_sync`] is that round trip, on the tracking connection itself).
//! Counters: [`Client::cache_stats`]. `docs/caching.md` states the guarantee in full.
//!
//! ```no_run
//! use redline::{CacheOptions, Client, Commands};
//!
//! let client = Client::builder()
//!     .client_cache(CacheOptions::new().prefix("user:").max_entries(10_000))
//!     .build();
//! let name: Option<String> = client.hget("user:17", "name")?; // from the server, then kept
//! let again: Option<String> = client.hget("user:17", "name")?; // from the cache
//! assert_eq!(name, again);
//! let stats = client.cache_stats().unwrap();
//! println!("{} hits, {} misses", stats.hits, stats.misses);
//! # Ok::<(), redline::Error>(())
//! ```
//!
//! # Pub/Sub
//!
//! [`Client::subscriber`] (and [`ClusterClient::subscriber`]) gives a [`Subscriber`] on
//! dedicated connections, read when asked, with timeouts that leave it usable, nothing dropped,
//! and a reconnection that restores every subscription and reports the gap
//! ([`Error::PubSubGap`]); `docs/pubsub.md`.
//!
//! ```no_run
//! use redline::{Client, Commands};
//! use std::time::Duration;
//!
//! let client = Client::open("redis://127.0.0.1:6379")?;
//! let mut subscriber = client.subscriber()?;
//! subscriber.subscribe("news")?;
//! client.publish("news", "hello")?;
//! while let Some(message) = subscriber.next_message(Some(Duration::from_millis(100)))? {
//!     println!("{:?}: {}", message.channel_str(), message.payload::<String>()?);
//! }
//! # Ok::<(), redline::Error>(())
//! ```
//!
//! # Module map
//!
//! Layers, each using only the ones above it in this list (`docs/architecture.md` draws them):
//!
//! - [`resp`]: the protocol, free of I/O (values, incremental parser, encoders).
//! - `cmd`, `types`, `code`: building commands, converting replies, [`ScriptCode`].
//! - `error`, `info`: [`Error`] and its one classifier; [`ConnectionInfo`].
//! - `connection`: one [`Connection`], its buffer, its known scripts.
//! - `batch`: what a pipeline hands to its target, and how it runs on one connection.
//! - [`target`]: [`ConnectionLike`], the trait every kind of client implements.
//! - `script`, `pipeline`, `commands`: [`Script`], [`Pipeline`], [`Commands`] and
//!   [`ScriptingCommands`] (one file per command family), on any target.
//! - `pool`, `client`, `cluster`, `sentinel`: the pooled, shared [`Client`] (also of a
//!   Sentinel master, [`SentinelBuilder`]) and the [`ClusterClient`].
//! - [`prelude`]: the traits and types everyday code imports.

//! # Features
//!
//! - `tls`: `rediss://` through `native-tls` (off by default; a plain build needs no OpenSSL),
//!   with the CA, client certificate and server name set by `ClientBuilder`'s `tls_*` methods
//!   (`docs/tls.md`).
//!
//! # Versioning and MSRV
//!
//! Pre-1.0: minor versions may break the API. The minimum Rust version is 1.77 (`rust-version`
//! in `Cargo.toml`), 1.80 with the `tls` feature.

// `deny`, not `forbid`: one module (`connection/sys.rs`) makes the socket calls std lacks.
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

// Layers, each using only those above it: protocol; commands and conversions; errors and
// settings; one connection; batches on a connection; the target trait; what runs on any
// target; the concrete clients.
pub mod resp;

mod cmd;
mod code;
mod types;

mod error;
mod info;
mod sync;

mod connection;

mod batch;

pub mod target;

mod commands;
mod pipeline;
mod script;

mod cache;
mod client;
mod cluster;
mod pool;
pub mod prelude;
mod pubsub;
mod sentinel;

pub use cache::{CacheOptions, CacheStats};
pub use client::{Client, ClientBuilder};
pub use cluster::{key_slot, ClusterClient, ClusterClientBuilder, NodeSet, ReadFrom};
pub use cmd::{cmd, Args, Cmd};
pub use code::{script_sha, ScriptCode};
pub use commands::{
    Commands, Direction, EngineStats, Expiry, FlushMode, FunctionInfo, FunctionStats, LibraryInfo,
    RestorePolicy, RunningScript, ScanIter, ScriptingCommands, SetOptions, StreamEntry,
    StreamReadOptions, StreamTrim, ZRangeOptions,
};
pub use connection::Connection;
pub use error::{Error, Operation, Result, ServerErrorKind};
pub use info::{
    Addr, ConnectionInfo, Credentials, CredentialsError, CredentialsProvider, Protocol,
};
pub use pipeline::Pipeline;
pub use pool::PoolStats;
pub use pubsub::{Message, MessageKind, Subscriber};
pub use resp::Value;
pub use script::Script;
pub use sentinel::SentinelBuilder;
pub use target::{ConnectionLike, Reply, ScanCursor, ScanOptions, ScriptInvocation};
pub use types::{FromValue, Number, ToArg, ToArgs};

/// Kept at the root for code written before it moved to [`target`].
#[doc(hidden)]
pub use target::invoke_with_reload;

/// The guides' and the README's Rust blocks, compiled (and `no_run` ones only built) by
/// `cargo test --doc`, so that they keep matching the API.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../docs/migrating.md")]
    struct Migrating;
}
