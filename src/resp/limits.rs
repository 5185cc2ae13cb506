//! The bounds a reply must respect ([`Limits`]) and what is wrong when it does not
//! ([`ProtocolError`]).

/// Bounds that a reply must respect; anything beyond them is a [`ProtocolError`].
///
/// Memory use is bounded by the bytes received whatever the limits say; the limits reject
/// nonsense early and cap what one reply may grow to.
///
/// # Example
///
/// ```
/// use redline::resp::{parse, Limits, ProtocolError};
///
/// let limits = Limits { max_bulk_len: 4, ..Limits::default() };
/// assert!(parse(b"$4\r\nhell\r\n", &limits)?.is_some());
/// assert_eq!(parse(b"$5\r\nhello\r\n", &limits), Err(ProtocolError::BulkTooLarge));
///
/// # Ok::<(), redline::resp::ProtocolError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest bulk string, blob error, verbatim string or status line, in bytes.
    /// Defaults to 512 MiB, Redis's own `proto-max-bulk-len`.
    pub max_bulk_len: usize,
    /// The most elements one array, set or push may claim (for maps: entries).
    /// Defaults to 2^32 - 1.
    pub max_aggregate_len: usize,
    /// The deepest nesting of aggregates (attributes count as a level). Defaults to 128.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_aggregate_len: u32::MAX as usize,
            max_depth: 128,
        }
    }
}

/// What was wrong with the bytes the server sent.
///
/// It never carries wire bytes, so it can be logged safely.
///
/// # Example
///
/// ```
/// use redline::resp::{parse, Limits, ProtocolError};
///
/// let err = parse(b"?1\r\n", &Limits::default()).unwrap_err();
/// assert_eq!(err, ProtocolError::UnknownType(b'?'));
/// assert_eq!(err.to_string(), "unknown RESP type byte 0x3f");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A reply started with a byte that is no RESP type.
    #[error("unknown RESP type byte 0x{0:02x}")]
    UnknownType(u8),
    /// A length was not a decimal number, was below -1, or overflowed.
    #[error("invalid length")]
    InvalidLength,
    /// An integer reply was not a decimal `i64`.
    #[error("invalid integer")]
    InvalidInteger,
    /// A double reply was not a number, `inf`, `-inf` or `nan`.
    #[error("invalid double")]
    InvalidDouble,
    /// A boolean reply was not `t` or `f`.
    #[error("invalid boolean")]
    InvalidBoolean,
    /// A big number was not an optional `-` followed by digits.
    #[error("invalid big number")]
    InvalidBigNumber,
    /// A null (`_`) carried data.
    #[error("invalid null")]
    InvalidNull,
    /// A verbatim string lacked its `xxx:` format prefix.
    #[error("invalid verbatim string")]
    InvalidVerbatim,
    /// A line or a bulk payload was not terminated by `\r\n`.
    #[error("missing CRLF")]
    MissingCrlf,
    /// A bulk string claimed more than [`Limits::max_bulk_len`].
    #[error("bulk string longer than the limit")]
    BulkTooLarge,
    /// An aggregate claimed more than [`Limits::max_aggregate_len`] elements.
    #[error("aggregate longer than the limit")]
    AggregateTooLarge,
    /// Aggregates were nested deeper than [`Limits::max_depth`].
    #[error("nesting deeper than the limit")]
    TooDeep,
    /// A header line went on past its longest legal length without `\r\n`.
    #[error("line longer than the limit")]
    LineTooLong,
    /// A status or error line contained a bare `\r`.
    #[error("carriage return inside a line")]
    BareCarriageReturn,
    /// A reply arrived that no command asked for (the server sent more replies than commands).
    #[error("a reply arrived that no command asked for")]
    UnsolicitedReply,
}
