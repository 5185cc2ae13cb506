//! The crate's one error type, and the one place where server error replies are classified.

use crate::resp::ProtocolError;
use std::io;
use std::time::Duration;

mod kinds;
mod script_text;
pub use kinds::{Operation, ServerErrorKind};
use script_text::{acl_denied_in_script, script_details, ScriptDetails};

/// Everything that can go wrong, as variants a caller can match on.
///
/// Errors that leave a connection in an unknown state ([`Error::Io`], [`Error::Timeout`],
/// [`Error::Protocol`]) make redline discard that connection: a reply is never handed to the
/// wrong command. [`Error::is_connection_broken`] tells them apart from errors the server
/// replied with, after which the connection is fine.
///
/// # Example
///
/// ```
/// use redline::{Error, ServerErrorKind};
///
/// let reply = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// let err = Error::from_server_reply(reply.into());
/// assert!(matches!(err, Error::Server { kind: ServerErrorKind::WrongType, .. }));
/// assert!(!err.is_connection_broken()); // the server answered; the connection is fine
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed, or the server closed the connection.
    #[error("{addr}: i/o error while {op}: {source}")]
    Io {
        /// The server, as `redis://host:port` or `unix:///path` (never with credentials).
        addr: String,
        /// The step that failed.
        op: Operation,
        /// What the operating system reported.
        #[source]
        source: io::Error,
    },
    /// A connect, read or write took longer than its configured timeout.
    #[error("{addr}: timed out while {op} (limit {limit:?})")]
    Timeout {
        /// The server, as `redis://host:port` or `unix:///path` (never with credentials).
        addr: String,
        /// The step that took too long.
        op: Operation,
        /// The limit that ran out: the connect timeout for connecting and the handshake, the
        /// read or write timeout (plus a blocking command's own block time) for a call.
        limit: Duration,
    },
    /// The server sent bytes that are not valid RESP or break a [`Limits`](crate::resp::Limits).
    #[error("{addr}: protocol error while {op}: {source}")]
    Protocol {
        /// The server, as `redis://host:port` or `unix:///path` (never with credentials).
        addr: String,
        /// The step that failed.
        op: Operation,
        /// What was wrong with the bytes.
        #[source]
        source: ProtocolError,
    },
    /// The first bytes from the address are not RESP: something else listens there (an HTTP or
    /// SSH server, a proxy's banner). Nothing more is read from it.
    #[error("{addr} is not a Redis server: it sent {first_bytes}")]
    NotRedis {
        /// The server, as `redis://host:port` or `unix:///path` (never with credentials).
        addr: String,
        /// Up to 32 of the first bytes it sent, quoted and escaped (`"HTTP/1.1 400 Bad R"`).
        first_bytes: String,
    },
    /// The server replied with an error. `message` is the reply as sent, code included.
    #[error("server error: {message}")]
    Server {
        /// The error code, parsed from the first word.
        kind: ServerErrorKind,
        /// The full error text, such as `WRONGTYPE Operation against a key holding ...`.
        message: String,
    },
    /// The server refused the connection's credentials while it was being set up: a wrong
    /// user name or password (`WRONGPASS`), none given where one is needed (`NOAUTH`), or any
    /// error reply to `AUTH` itself. The password never appears in it, even when a server
    /// quotes it back. [`Error::server_kind`] gives `kind`, as for [`Error::Server`].
    ///
    /// ```
    /// use redline::{Error, ServerErrorKind};
    ///
    /// fn is_bad_password(err: &Error) -> bool {
    ///     matches!(err, Error::Auth { kind: ServerErrorKind::WrongPass, .. })
    /// }
    /// ```
    #[error("{addr}: authentication failed in the handshake: {message}")]
    Auth {
        /// The server, as `redis://host:port` or `unix:///path` (never with credentials).
        addr: String,
        /// The error code: [`ServerErrorKind::WrongPass`] or [`ServerErrorKind::NoAuth`] on
        /// Redis 6 and later.
        kind: ServerErrorKind,
        /// The server's reply, with the password replaced by `******`.
        message: String,
    },
    /// The [`CredentialsProvider`](crate::CredentialsProvider) failed, so no connection was
    /// made to `addr`. Not retried: the next call asks the provider again.
    #[error("{addr}: the credentials provider failed: {source}")]
    Credentials {
        /// The server the connection was for.
        addr: String,
        /// What the provider returned.
        #[source]
        source: crate::info::CredentialsError,
    },
    /// `NOSCRIPT`: the server's script cache has no script with that SHA1.
    #[error("NOSCRIPT: the server has no script with that SHA1")]
    NoScript,
    /// A Lua script or function failed to compile or raised an error while running.
    #[error("script error: {message}")]
    Script {
        /// The full error text as the server sent it.
        message: String,
        /// The error itself, without what the server wraps it in (the `ERR` code, `Error
        /// compiling script ...:`, `user_script:1:`, ` script: <sha>, on @user_script:1.`):
        /// `boom` for `error('boom')`, `'=' expected near 'end'` for a syntax error. When the
        /// text has none of the known forms, the message without its code.
        reason: String,
        /// The SHA1 of the failing script, when the server named it.
        sha: Option<String>,
        /// The line in the script, when the server named it.
        line: Option<u32>,
    },
    /// A reply could not be converted into the type asked for.
    #[error("cannot convert {got} into {expected}")]
    Conversion {
        /// The Rust type that was asked for.
        expected: &'static str,
        /// What arrived, described (never its bytes).
        got: String,
    },
    /// A connection URL could not be understood. Passwords never appear in `reason`.
    #[error("invalid URL: {reason}")]
    InvalidUrl {
        /// What was wrong.
        reason: String,
    },
    /// An argument the caller passed cannot work (an empty command, a malformed SHA1, ...).
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What was wrong.
        reason: String,
    },
    /// `rediss://` or another TLS setting was used but the `tls` feature is off.
    #[error("TLS was asked for, but redline was built without the `tls` feature")]
    TlsNotEnabled,
    /// TLS failed: the handshake (a certificate not trusted, not for this host, expired), a
    /// certificate or key file that cannot be read or used, or an alert the server sent (it
    /// requires a client certificate). `reason` says which, and what to set; it never holds
    /// key bytes. The connection, if any, is discarded.
    ///
    /// *Note:* the type of `source` (often a `native_tls` error) is not part of redline's semver
    /// API.
    #[cfg(feature = "tls")]
    #[error("{addr}: TLS: {reason}")]
    Tls {
        /// The server, as `rediss://host:port`.
        addr: String,
        /// What went wrong, in words.
        reason: String,
        /// The underlying error (TLS library or file system), if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A [`Subscriber`](crate::Subscriber)'s connection was lost and has been restored, with
    /// every subscription: messages published in between were missed. Reported once; reading
    /// on is fine.
    #[error("the Pub/Sub connection to {addr} was lost ({cause}) and restored with every subscription: messages published in between were missed")]
    PubSubGap {
        /// The server (`redis://host:port`, never credentials).
        addr: String,
        /// What broke the connection.
        cause: String,
    },
    /// `SCRIPT LOAD` returned a SHA1 other than the one computed locally.
    #[error("SCRIPT LOAD returned SHA1 {got}, expected {expected}")]
    ShaMismatch {
        /// The SHA1 computed from the script's bytes.
        expected: String,
        /// The SHA1 the server returned.
        got: String,
    },
    /// A command in a pipeline failed; `source` is its error.
    #[error("command #{index} ({command}) of the pipeline failed: {source}")]
    Pipeline {
        /// The command's position in the pipeline, from 0.
        index: usize,
        /// The command, truncated, with secrets replaced by `******`.
        command: String,
        /// What went wrong.
        source: Box<Error>,
    },
    /// A transaction was not run because a `WATCH`ed key changed (`EXEC` replied nil).
    #[error("transaction aborted: a watched key changed")]
    WatchConflict,
    /// Every pooled connection stayed in use for the whole wait: the pool is at its
    /// [`max_connections`](crate::ClientBuilder::max_connections). Nothing was sent.
    #[error("no pooled connection came free within {waited:?} ({max_connections} in use)")]
    PoolTimeout {
        /// The pool's size.
        max_connections: usize,
        /// How long the call waited.
        waited: std::time::Duration,
    },
    /// The connection failed earlier and cannot be used again.
    #[error("the connection is broken by an earlier error and cannot be used again")]
    Broken,
    /// A command, script or atomic pipeline for a Redis Cluster uses keys of two hash slots;
    /// refused before anything was sent (hash tags, `{user1}:a` and `{user1}:b`, put keys in
    /// one slot).
    #[error("{command} uses keys in slots {first_slot} and {second_slot}: a cluster runs it only when all its keys share one slot")]
    CrossSlot {
        /// The command (its name, or `pipeline` for an atomic batch).
        command: String,
        /// The slot of the first key.
        first_slot: u16,
        /// The slot of a key that differs from it.
        second_slot: u16,
    },
    /// A Redis Cluster could not serve a call: no node answered, a slot has no node, the
    /// redirects or retries ran out, or a script declared `no-cluster`. Says what and where.
    #[error("cluster: {reason}")]
    Cluster {
        /// What went wrong, with the node or slot concerned.
        reason: String,
    },
    /// A Sentinel client found no master within its resolve timeout: no sentinel named one, or
    /// the one named could not be reached or was not a master. Names the master and the
    /// sentinels asked (never credentials); the next call tries again.
    #[error("sentinel: no reachable master '{master}' (asked {}): {reason}", .sentinels.join(", "))]
    Sentinel {
        /// The master name asked for.
        master: String,
        /// The sentinels asked, as `host:port`.
        sentinels: Vec<String>,
        /// The last thing that went wrong.
        reason: String,
    },
}

impl Error {
    /// Classifies an error reply. Every path that reads a server error comes through here, so
    /// `NOSCRIPT` or a Lua error is recognised the same way in a single call, a pipeline or a
    /// transaction.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Error;
    ///
    /// let err = Error::from_server_reply("NOSCRIPT No matching script.".into());
    /// assert!(matches!(err, Error::NoScript));
    /// let lua_error = "ERR user_script:3: attempt to compare nil with number";
    /// let err = Error::from_server_reply(lua_error.into());
    /// assert!(matches!(err, Error::Script { line: Some(3), .. }));
    /// assert_eq!(err.script_reason(), Some("attempt to compare nil with number"));
    /// ```
    pub fn from_server_reply(message: String) -> Error {
        let code = message.split(' ').next().unwrap_or("");
        if code == "NOSCRIPT" {
            return Error::NoScript;
        }
        if acl_denied_in_script(code, &message) {
            // A command or key the user may not use, called from Lua: the same kind as when
            // the command is sent directly, whatever text the server wraps it in.
            return Error::Server {
                kind: ServerErrorKind::NoPerm,
                message,
            };
        }
        if code == "ERR" {
            if let Some(ScriptDetails { reason, sha, line }) = script_details(&message) {
                // Redis 6 wraps an error that `redis.call` raised (`WRONGTYPE`, `READONLY`,
                // ...) in its own `ERR Error running script ...`; Redis 7 keeps the code in
                // front. Either way the caller gets the server's kind.
                let inner = reason.split(' ').next().unwrap_or("");
                let kind = ServerErrorKind::from_code(inner);
                if message.starts_with("ERR Error running script")
                    && !matches!(kind, ServerErrorKind::Other | ServerErrorKind::Err)
                {
                    return Error::Server { kind, message };
                }
                return Error::Script {
                    message,
                    reason,
                    sha,
                    line,
                };
            }
        }
        Error::Server {
            kind: ServerErrorKind::from_code(code),
            message,
        }
    }

    /// Fills in the SHA1 of the script a call ran, when the server's text did not name it
    /// (Valkey 9 and Redis 6 leave it out): redline knows which script it sent.
    pub(crate) fn with_script_sha(self, sent: &str) -> Error {
        match self {
            Error::Script {
                message,
                reason,
                sha: None,
                line,
            } => Error::Script {
                message,
                reason,
                sha: Some(sent.to_string()),
                line,
            },
            Error::Pipeline {
                index,
                command,
                source,
            } => Error::Pipeline {
                index,
                command,
                source: Box::new(source.with_script_sha(sent)),
            },
            other => other,
        }
    }

    /// The server error code, for [`Error::Server`] (and `Err` for [`Error::Script`]).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Error, ServerErrorKind};
    ///
    /// let err = Error::from_server_reply(
    ///     "OOM command not allowed when used memory > 'maxmemory'.".into(),
    /// );
    /// assert_eq!(err.server_kind(), Some(ServerErrorKind::Oom));
    /// assert_eq!(Error::WatchConflict.server_kind(), None);
    /// ```
    pub fn server_kind(&self) -> Option<ServerErrorKind> {
        match self {
            Error::Server { kind, .. } | Error::Auth { kind, .. } => Some(*kind),
            Error::Script { .. } => Some(ServerErrorKind::Err),
            Error::Pipeline { source, .. } => source.server_kind(),
            _ => None,
        }
    }

    /// The Lua error of an [`Error::Script`] without the server's additions (its `reason`), also
    /// when the script failed inside a pipeline; `None` for any other error.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Error;
    ///
    /// let reply = "ERR user_script:1: Script attempted to access nonexistent global variable 'x' \
    ///              script: e0e1f9fabfc9d4800c877a703b823ac0578ff8db, on @user_script:1.";
    /// let err = Error::from_server_reply(reply.into());
    /// let reason = "Script attempted to access nonexistent global variable 'x'";
    /// assert_eq!(err.script_reason(), Some(reason));
    ///
    /// let in_pipeline = Error::Pipeline {
    ///     index: 2,
    ///     command: "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0".into(),
    ///     source: Box::new(err),
    /// };
    /// assert_eq!(in_pipeline.script_reason(), Some(reason));
    /// assert_eq!(Error::WatchConflict.script_reason(), None);
    /// ```
    pub fn script_reason(&self) -> Option<&str> {
        match self {
            Error::Script { reason, .. } => Some(reason),
            Error::Pipeline { source, .. } => source.script_reason(),
            _ => None,
        }
    }

    /// Returns `true` for a timeout.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Error, Operation};
    /// use std::time::Duration;
    ///
    /// let addr = "redis://127.0.0.1:6379".to_string();
    /// let limit = Duration::from_secs(1);
    /// assert!(Error::Timeout { addr, op: Operation::Connect, limit }.is_timeout());
    /// assert!(!Error::Broken.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::PoolTimeout { .. })
    }

    /// Returns `true` for a socket error or a closed connection.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Error, Operation};
    /// use std::io;
    ///
    /// let err = Error::Io {
    ///     addr: "redis://127.0.0.1:6379".into(),
    ///     op: Operation::Read,
    ///     source: io::ErrorKind::ConnectionReset.into(),
    /// };
    /// assert!(err.is_io());
    /// ```
    pub fn is_io(&self) -> bool {
        matches!(self, Error::Io { .. })
    }

    /// Returns `true` when the connection that saw this error cannot be used again (redline
    /// has already discarded it).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Error, Operation};
    /// use std::time::Duration;
    ///
    /// let addr = "redis://127.0.0.1:6379".to_string();
    /// let limit = Duration::from_secs(1);
    /// assert!(Error::Timeout { addr, op: Operation::Read, limit }.is_connection_broken());
    /// assert!(!Error::from_server_reply("ERR unknown command".into()).is_connection_broken());
    /// ```
    pub fn is_connection_broken(&self) -> bool {
        match self {
            Error::Io { .. }
            | Error::Timeout { .. }
            | Error::Protocol { .. }
            | Error::NotRedis { .. }
            | Error::Broken => true,
            #[cfg(feature = "tls")]
            Error::Tls { .. } => true,
            Error::Pipeline { source, .. } => source.is_connection_broken(),
            _ => false,
        }
    }

    /// The server a connection error (or [`Error::Auth`], [`Error::Credentials`]) happened
    /// with (`redis://host:port`, `unix:///path`), looking through [`Error::Pipeline`]; `None`
    /// for errors that are not about a connection.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Error, Operation};
    /// use std::time::Duration;
    ///
    /// let err = Error::Timeout {
    ///     addr: "redis://10.0.0.7:6379".into(),
    ///     op: Operation::Read,
    ///     limit: Duration::from_secs(5),
    /// };
    /// assert_eq!(err.server_addr(), Some("redis://10.0.0.7:6379"));
    /// assert_eq!(Error::WatchConflict.server_addr(), None);
    /// ```
    pub fn server_addr(&self) -> Option<&str> {
        match self {
            Error::Io { addr, .. }
            | Error::Timeout { addr, .. }
            | Error::Protocol { addr, .. }
            | Error::NotRedis { addr, .. }
            | Error::Auth { addr, .. }
            | Error::Credentials { addr, .. } => Some(addr),
            #[cfg(feature = "tls")]
            Error::Tls { addr, .. } => Some(addr),
            Error::Pipeline { source, .. } => source.server_addr(),
            _ => None,
        }
    }

    /// The check before a request failed: the request itself was never written.
    pub(crate) fn failed_before_sending(&self) -> bool {
        matches!(
            self,
            Error::Io {
                op: Operation::Probe,
                ..
            } | Error::Protocol {
                op: Operation::Probe,
                ..
            }
        )
    }

    pub(crate) fn conversion<T: ?Sized>(got: &crate::Value) -> Error {
        Error::Conversion {
            expected: std::any::type_name::<T>(),
            got: got.describe(),
        }
    }

    /// The text of a server error reply, as the server sent it (for a [`Value::Error`] built
    /// back from an `Error`).
    ///
    /// [`Value::Error`]: crate::Value::Error
    pub(crate) fn server_text(&self) -> String {
        match self {
            Error::Server { message, .. }
            | Error::Script { message, .. }
            | Error::Auth { message, .. } => message.clone(),
            Error::NoScript => "NOSCRIPT No matching script.".to_string(),
            Error::Pipeline { source, .. } => source.server_text(),
            other => format!("ERR {other}"),
        }
    }

    pub(crate) fn invalid_argument(reason: impl Into<String>) -> Error {
        Error::InvalidArgument {
            reason: reason.into(),
        }
    }
}

/// The result type of every fallible redline call.
///
/// # Example
///
/// ```
/// fn configured_db(url: &str) -> redline::Result<i64> {
///     Ok(redline::ConnectionInfo::from_url(url)?.db())
/// }
/// assert_eq!(configured_db("redis://127.0.0.1/4")?, 4);
/// # Ok::<(), redline::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
