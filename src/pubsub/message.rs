//! What a subscribed connection receives: [`Message`]s, and the confirmations and replies
//! around them, told apart from the frame's first element.

use crate::error::Result;
use crate::resp::Value;
use crate::types::FromValue;

/// Which kind of subscription delivered a [`Message`].
///
/// # Example
///
/// ```
/// use redline::MessageKind;
///
/// assert_ne!(MessageKind::Channel, MessageKind::Pattern);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// `SUBSCRIBE`: a `message`.
    Channel,
    /// `PSUBSCRIBE`: a `pmessage`, with the pattern that matched.
    Pattern,
    /// `SSUBSCRIBE` (Redis 7+): an `smessage` on a shard channel.
    Shard,
}

/// A published message.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// let mut subscriber = client.subscriber()?;
/// subscriber.subscribe("prices")?;
/// if let Some(message) = subscriber.next_message(None)? {
///     assert_eq!(message.channel, b"prices");
///     let price: f64 = message.payload()?;
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// Which kind of subscription delivered it.
    pub kind: MessageKind,
    /// The channel it was published on.
    pub channel: Vec<u8>,
    /// The pattern that matched the channel, for [`MessageKind::Pattern`].
    pub pattern: Option<Vec<u8>>,
    /// The message, as published.
    pub payload: Vec<u8>,
}

impl Message {
    /// The payload converted as a reply would be ([`FromValue`]): `String`, a number, `bool`,
    /// `Vec<u8>`...
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Message, MessageKind};
    /// # fn message(payload: &[u8]) -> Message {
    /// #     let frame = redline::Value::Array(vec![
    /// #         redline::Value::Bulk(b"message".to_vec()),
    /// #         redline::Value::Bulk(b"n".to_vec()),
    /// #         redline::Value::Bulk(payload.to_vec()),
    /// #     ]);
    /// #     Message::from_frame(frame).unwrap()
    /// # }
    /// let m = message(b"42");
    /// assert_eq!(m.payload::<i64>()?, 42);
    /// assert_eq!(m.payload::<String>()?, "42");
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn payload<T: FromValue>(&self) -> Result<T> {
        T::from_value(Value::Bulk(self.payload.clone()))
    }

    /// The channel as text, when it is UTF-8.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::Message;
    ///
    /// let frame = redline::Value::Push(vec![
    ///     redline::Value::Bulk(b"pmessage".to_vec()),
    ///     redline::Value::Bulk(b"news.*".to_vec()),
    ///     redline::Value::Bulk(b"news.eu".to_vec()),
    ///     redline::Value::Bulk(b"hello".to_vec()),
    /// ]);
    /// let m = Message::from_frame(frame).unwrap();
    /// assert_eq!(m.channel_str(), Some("news.eu"));
    /// assert_eq!(m.pattern.as_deref(), Some(&b"news.*"[..]));
    /// ```
    pub fn channel_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.channel).ok()
    }

    /// The message in a `message`, `pmessage` or `smessage` frame (a RESP3 push, or a RESP2
    /// array), `None` for any other frame.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Message, Value};
    ///
    /// assert!(Message::from_frame(Value::Okay).is_none());
    /// ```
    pub fn from_frame(frame: Value) -> Option<Message> {
        match classify(frame, true) {
            Frame::Message(message) => Some(message),
            _ => None,
        }
    }
}

/// The three kinds of subscription, with their commands and confirmations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    pub(crate) const ALL: [Kind; 3] = [Kind::Channel, Kind::Pattern, Kind::Shard];

    pub(crate) fn subscribe(self) -> &'static str {
        match self {
            Kind::Channel => "SUBSCRIBE",
            Kind::Pattern => "PSUBSCRIBE",
            Kind::Shard => "SSUBSCRIBE",
        }
    }

    pub(crate) fn unsubscribe(self) -> &'static str {
        match self {
            Kind::Channel => "UNSUBSCRIBE",
            Kind::Pattern => "PUNSUBSCRIBE",
            Kind::Shard => "SUNSUBSCRIBE",
        }
    }
}

/// A frame on a subscribed connection.
#[derive(Debug)]
pub(crate) enum Frame {
    Message(Message),
    /// A subscription confirmed (`subscribed`) or ended, with the server's count after it
    /// (of channels and patterns together, or of shard channels).
    Confirmation {
        kind: Kind,
        subscribed: bool,
        name: Option<Vec<u8>>,
    },
    /// Anything else: a command's reply (`pong` included), or a push of another kind.
    Other(Value),
}

/// Tells a frame apart by its first element. `arrays`: whether a plain array may be a
/// Pub/Sub frame (RESP2 has no pushes; on RESP3 only pushes are).
pub(crate) fn classify(frame: Value, arrays: bool) -> Frame {
    let (items, pushed) = match frame {
        Value::Push(items) => (items, true),
        Value::Array(items) if arrays => (items, false),
        other => return Frame::Other(other),
    };
    let other = |items| {
        Frame::Other(if pushed {
            Value::Push(items)
        } else {
            Value::Array(items)
        })
    };
    let kind_of = |v: &Value| match v {
        Value::Bulk(b) => Some(b.to_ascii_lowercase()),
        Value::SimpleString(s) => Some(s.as_bytes().to_ascii_lowercase()),
        _ => None,
    };
    let Some(word) = items.first().and_then(kind_of) else {
        return other(items);
    };
    let bytes = |v: Option<&Value>| match v {
        Some(Value::Bulk(b)) => Some(b.clone()),
        Some(Value::SimpleString(s)) => Some(s.as_bytes().to_vec()),
        _ => None,
    };
    let message = |kind, pattern: Option<Vec<u8>>, at: usize| {
        Some(Frame::Message(Message {
            kind,
            channel: bytes(items.get(at))?,
            pattern,
            payload: bytes(items.get(at + 1))?,
        }))
    };
    let confirmation = |kind, subscribed| {
        matches!(items.get(2), Some(Value::Int(_))).then(|| Frame::Confirmation {
            kind,
            subscribed,
            name: bytes(items.get(1)),
        })
    };
    let frame = match (word.as_slice(), items.len()) {
        (b"message", 3) => message(MessageKind::Channel, None, 1),
        (b"smessage", 3) => message(MessageKind::Shard, None, 1),
        (b"pmessage", 4) => match bytes(items.get(1)) {
            Some(pattern) => message(MessageKind::Pattern, Some(pattern), 2),
            None => None,
        },
        (b"subscribe", 3) => confirmation(Kind::Channel, true),
        (b"psubscribe", 3) => confirmation(Kind::Pattern, true),
        (b"ssubscribe", 3) => confirmation(Kind::Shard, true),
        (b"unsubscribe", 3) => confirmation(Kind::Channel, false),
        (b"punsubscribe", 3) => confirmation(Kind::Pattern, false),
        (b"sunsubscribe", 3) => confirmation(Kind::Shard, false),
        _ => None,
    };
    match frame {
        Some(frame) => frame,
        None => other(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn frames_are_told_apart() {
        let push = Value::Push(vec![bulk("message"), bulk("c"), bulk("p")]);
        assert!(matches!(classify(push, false), Frame::Message(m) if m.payload == b"p"));
        // On RESP3 an array is a reply, whatever it holds.
        let array = Value::Array(vec![bulk("message"), bulk("c"), bulk("p")]);
        assert!(matches!(classify(array.clone(), false), Frame::Other(_)));
        assert!(matches!(classify(array, true), Frame::Message(_)));
        let confirm = Value::Push(vec![bulk("ssubscribe"), bulk("s"), Value::Int(1)]);
        assert!(matches!(
            classify(confirm, false),
            Frame::Confirmation {
                kind: Kind::Shard,
                subscribed: true,
                ..
            }
        ));
        let all_gone = Value::Array(vec![bulk("unsubscribe"), Value::Nil, Value::Int(0)]);
        assert!(matches!(
            classify(all_gone, true),
            Frame::Confirmation {
                subscribed: false,
                name: None,
                ..
            }
        ));
        for odd in [
            Value::Push(vec![]),
            Value::Push(vec![bulk("message"), bulk("c")]),
            Value::Push(vec![Value::Int(1), bulk("c"), bulk("p")]),
            Value::Push(vec![bulk("pmessage"), Value::Nil, bulk("c"), bulk("p")]),
            Value::Push(vec![bulk("subscribe"), bulk("c"), bulk("1")]),
            Value::Push(vec![bulk("invalidate"), Value::Array(vec![bulk("k")])]),
            Value::Array(vec![bulk("pong"), bulk("")]),
        ] {
            assert!(matches!(classify(odd, true), Frame::Other(_)));
        }
    }
}
