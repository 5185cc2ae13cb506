//! The small enums an [`Error`](super::Error) carries: the step a connection error struck in, and
//! the code of a server error.

use std::fmt;

/// The step a connection error struck in: [`Error::Io`](crate::Error::Io), [`Error::Timeout`](crate::Error::Timeout),
/// [`Error::Protocol`](crate::Error::Protocol).
///
/// # Example
///
/// ```
/// use redline::{Error, Operation};
/// use std::time::Duration;
///
/// let err = Error::Timeout {
///     addr: "redis://127.0.0.1:6379".into(),
///     op: Operation::Read,
///     limit: Duration::from_millis(300),
/// };
/// assert_eq!(
///     err.to_string(),
///     "redis://127.0.0.1:6379: timed out while reading a reply (limit 300ms)"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Opening the connection (resolving, TCP connect, TLS).
    Connect,
    /// Setting the opened connection up: `HELLO`, `AUTH`, `SELECT`, `CLIENT SETNAME`.
    Handshake,
    /// Reading a reply.
    Read,
    /// Writing a command.
    Write,
    /// Checking, before a request, that nothing unasked for waits on the socket.
    Probe,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Connect => "connecting",
            Operation::Handshake => "in the handshake",
            Operation::Read => "reading a reply",
            Operation::Write => "writing a command",
            Operation::Probe => "checking the socket before a request",
        })
    }
}

/// The code of a server error, from the first word of its reply.
///
/// `NOSCRIPT` and Lua errors are not here: they have their own [`Error`](super::Error) variants.
///
/// # Example
///
/// ```
/// use redline::{Error, ServerErrorKind};
///
/// let err = Error::from_server_reply("BUSY Redis is busy running a script.".into());
/// assert_eq!(err.server_kind(), Some(ServerErrorKind::Busy));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerErrorKind {
    /// `ERR`: the generic error.
    Err,
    /// `WRONGTYPE`: the key holds another type.
    WrongType,
    /// `BUSY`: a script or function is running and blocks the server.
    Busy,
    /// `NOTBUSY`: `SCRIPT KILL` or `FUNCTION KILL` found nothing running.
    NotBusy,
    /// `UNKILLABLE`: the running script has written and cannot be killed.
    Unkillable,
    /// `READONLY`: a write was sent to a replica (also from inside a script).
    ReadOnly,
    /// `NOAUTH`: authentication is required.
    NoAuth,
    /// `WRONGPASS`: the user name or password is wrong.
    WrongPass,
    /// `NOPERM`: the ACL user may not run this.
    NoPerm,
    /// `NOPROTO`: the server does not speak the protocol version asked for.
    NoProto,
    /// `LOADING`: the server is loading its dataset.
    Loading,
    /// `MOVED`: the slot lives on another cluster node.
    Moved,
    /// `ASK`: the slot is migrating; ask the other node once.
    Ask,
    /// `TRYAGAIN`: a multi-key command during resharding.
    TryAgain,
    /// `CLUSTERDOWN`: the cluster cannot serve the slot.
    ClusterDown,
    /// `CROSSSLOT`: the keys of one command hash to different slots.
    CrossSlot,
    /// `MASTERDOWN`: the replica lost its primary.
    MasterDown,
    /// `EXECABORT`: a transaction was discarded because a command failed to queue.
    ExecAbort,
    /// `OOM`: the server is out of memory (`maxmemory`).
    Oom,
    /// Any other code, such as one a script made up with `redis.error_reply`.
    Other,
}

impl ServerErrorKind {
    pub(super) fn from_code(code: &str) -> ServerErrorKind {
        match code {
            "ERR" => ServerErrorKind::Err,
            "WRONGTYPE" => ServerErrorKind::WrongType,
            "BUSY" => ServerErrorKind::Busy,
            "NOTBUSY" => ServerErrorKind::NotBusy,
            "UNKILLABLE" => ServerErrorKind::Unkillable,
            "READONLY" => ServerErrorKind::ReadOnly,
            "NOAUTH" => ServerErrorKind::NoAuth,
            "WRONGPASS" => ServerErrorKind::WrongPass,
            "NOPERM" => ServerErrorKind::NoPerm,
            "NOPROTO" => ServerErrorKind::NoProto,
            "LOADING" => ServerErrorKind::Loading,
            "MOVED" => ServerErrorKind::Moved,
            "ASK" => ServerErrorKind::Ask,
            "TRYAGAIN" => ServerErrorKind::TryAgain,
            "CLUSTERDOWN" => ServerErrorKind::ClusterDown,
            "CROSSSLOT" => ServerErrorKind::CrossSlot,
            "MASTERDOWN" => ServerErrorKind::MasterDown,
            "EXECABORT" => ServerErrorKind::ExecAbort,
            "OOM" => ServerErrorKind::Oom,
            _ => ServerErrorKind::Other,
        }
    }
}
