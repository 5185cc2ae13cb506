//! The Redis serialization protocol, RESP2 and RESP3, with no I/O.
//!
//! - [`Value`]: every reply type of both protocol versions.
//! - [`parse`] and [`Decoder`]: an incremental decoder that returns "need more bytes" on partial
//!   input, finds line ends with `memchr`, and enforces [`Limits`] (bulk length, aggregate
//!   length, nesting depth). Malformed input is a [`ProtocolError`], never a panic.
//! - The `write_*` functions: encoders that append to a caller's `Vec<u8>`.
//!
//! Nothing here touches a socket, so a fuzzer or a test can drive it with plain byte slices.

mod bulk;
mod encode;
mod limits;
mod lines;
mod parse;
mod value;

pub(crate) use encode::{decimal, float};
pub use encode::{
    write_array_header, write_bulk, write_command, write_f64, write_int, write_u64, write_value,
};
pub use limits::{Limits, ProtocolError};
pub(crate) use lines::{parse_i64, whole_bulk};
pub use parse::{parse, Decoder};
pub(crate) use value::Escaped;
pub use value::Value;

#[cfg(test)]
mod tests;
