//! Conversions between Rust values and the wire: [`ToArg`]/[`ToArgs`] for arguments,
//! [`FromValue`] for replies.

mod from_value;
mod read_reply;
mod reply_stream;
mod to_args;

pub(crate) use from_value::nested_error;
pub use from_value::FromValue;
pub use reply_stream::ReplyStream;
pub use to_args::{Number, ToArg, ToArgs};

#[cfg(test)]
mod tests;
