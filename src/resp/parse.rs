//! An incremental RESP2/RESP3 decoder with explicit limits.
//!
//! The decoder is free of I/O: it is handed bytes and says how many it consumed and whether a
//! whole reply is complete. It keeps the aggregates it has started on a stack, so a reply that
//! arrives in pieces is never scanned twice, and it allocates only in proportion to the bytes it
//! has actually seen: a claimed length is checked against [`Limits`] and never used to reserve
//! more than 64 KiB up front.
//!
//! In particular, a bulk string whose payload arrives in pieces is collected in a buffer that
//! the decoder grows to at most `min(claimed length, max(8 × payload bytes received so far,
//! 64 KiB))`. A hostile length therefore costs at most 8 times the bytes actually sent (or
//! 64 KiB), while a large honest payload fed in small chunks is reallocated only a handful of
//! times (a 16 MiB one fed 4 KiB at a time: 4 allocations, under 5 MiB copied) instead of
//! once per doubling, and it ends up with no spare capacity. (A caller filling the buffer
//! itself through [`Decoder::pending_bulk`] grows it by its own rules.)

use super::bulk::{finish_bulk, BulkKind, PartialBulk};
use super::limits::{Limits, ProtocolError};
use super::lines::{parse_big_number, parse_double, parse_i64, parse_len, whole_bulk};
use super::Value;
use memchr::memchr;

/// Parses one complete reply from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds only part of a reply: incomplete input is not an error.
/// Otherwise returns the reply and how many bytes it used.
///
/// # Errors
///
/// A [`ProtocolError`] when the bytes are not valid RESP or break a limit.
///
/// # Example
///
/// ```
/// use redline::resp::{parse, Limits, ProtocolError};
/// use redline::Value;
///
/// let limits = Limits::default();
/// assert_eq!(parse(b"$5\r\nhel", &limits), Ok(None));
/// assert_eq!(parse(b":-2\r\n", &limits), Ok(Some((Value::Int(-2), 5))));
/// assert_eq!(parse(b"$-5\r\n", &limits), Err(ProtocolError::InvalidLength));
/// ```
pub fn parse(buf: &[u8], limits: &Limits) -> Result<Option<(Value, usize)>, ProtocolError> {
    let mut decoder = Decoder::new(*limits);
    match decoder.decode(buf)? {
        (used, Some(value)) => Ok(Some((value, used))),
        (_, None) => Ok(None),
    }
}

/// The longest legal header line (type byte, sign, 20 digits): anything longer is hostile.
const MAX_HEADER_LINE: usize = 64;
/// Doubles are written with `%.17g`; 512 bytes leaves room for any decimal form.
const MAX_DOUBLE_LINE: usize = 512;
/// The fewest bytes one element of an aggregate can take (`_\r\n`), to bound pre-allocation.
const MIN_ELEMENT_LEN: usize = 3;
/// Elements reserved up front for a nested aggregate (pairs, small tables); more grow as needed.
const NESTED_RESERVE: usize = 16;
/// A streaming decoder: feed it bytes as they arrive, take replies as they complete.
///
/// State survives between calls to [`Decoder::decode`], so the caller drops the bytes it is
/// told were consumed and never hands them in again.
///
/// # Example
///
/// ```
/// use redline::resp::{Decoder, Limits};
/// use redline::Value;
///
/// let mut decoder = Decoder::new(Limits::default());
/// let (used, value) = decoder.decode(b"*2\r\n:1\r\n:2")?;
/// assert_eq!((used, value), (8, None));
/// let (used, value) = decoder.decode(b":2\r\n")?;
/// assert_eq!((used, value), (4, Some(Value::Array(vec![Value::Int(1), Value::Int(2)]))));
/// # Ok::<(), redline::resp::ProtocolError>(())
/// ```
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    stack: Vec<Frame>,
    bulk: Option<PartialBulk>,
    /// Bytes of the current incomplete line already searched for `\n`.
    scanned: usize,
    /// Levels of aggregates opened outside the decoder (by a connection decoding a reply's
    /// outer levels itself), counted against `Limits::max_depth`.
    outer_depth: usize,
}

#[derive(Debug)]
struct Frame {
    kind: FrameKind,
    /// Values still to come (for maps: keys and values counted one by one).
    remaining: usize,
    items: Vec<Value>,
    pairs: Vec<(Value, Value)>,
    key: Option<Value>,
}

#[derive(Debug)]
enum FrameKind {
    Array,
    Set,
    Push,
    Map,
    Attribute,
    /// An attribute map is complete; the next value is the one it annotates.
    Annotated(Box<[(Value, Value)]>),
}

/// What one header line turned into.
enum Step {
    /// The line is not complete yet.
    Incomplete,
    /// A whole value, and the bytes it used.
    Value(Value, usize),
    /// An aggregate or a bulk was opened; the bytes its header used.
    Opened(usize),
}

impl Decoder {
    /// Creates a decoder that enforces `limits`.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{Decoder, Limits, ProtocolError};
    ///
    /// let mut decoder = Decoder::new(Limits { max_depth: 1, ..Limits::default() });
    /// assert_eq!(decoder.decode(b"*1\r\n*1\r\n:1\r\n"), Err(ProtocolError::TooDeep));
    /// ```
    pub fn new(limits: Limits) -> Self {
        Decoder {
            limits,
            stack: Vec::new(),
            bulk: None,
            scanned: 0,
            outer_depth: 0,
        }
    }

    /// Sets how many aggregate levels are already open around the next value (see
    /// `outer_depth`).
    pub(crate) fn set_outer_depth(&mut self, depth: usize) {
        self.outer_depth = depth;
    }

    /// The limits this decoder enforces.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{Decoder, Limits};
    ///
    /// let decoder = Decoder::new(Limits::default());
    /// assert_eq!(decoder.limits().max_depth, 128);
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Returns `true` when no reply is half-decoded.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{Decoder, Limits};
    ///
    /// let mut decoder = Decoder::new(Limits::default());
    /// decoder.decode(b"*2\r\n:1\r\n")?;
    /// assert!(!decoder.is_idle());
    /// decoder.decode(b":2\r\n")?;
    /// assert!(decoder.is_idle());
    ///
    /// # Ok::<(), redline::resp::ProtocolError>(())
    /// ```
    pub fn is_idle(&self) -> bool {
        self.stack.is_empty() && self.bulk.is_none() && self.scanned == 0
    }

    /// Whether the reply being decoded is an out-of-band push (its outermost aggregate is a
    /// RESP3 `>`), as opposed to an ordinary reply.
    pub fn in_push(&self) -> bool {
        matches!(self.stack.first(), Some(frame) if matches!(frame.kind, FrameKind::Push))
    }

    /// Forgets any half-decoded reply.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{Decoder, Limits};
    /// use redline::Value;
    ///
    /// let mut decoder = Decoder::new(Limits::default());
    /// decoder.decode(b"*2\r\n:1\r\n")?; // a reply cut short
    /// decoder.reset();
    /// assert!(decoder.is_idle());
    /// assert_eq!(decoder.decode(b":5\r\n")?, (4, Some(Value::Int(5))));
    ///
    /// # Ok::<(), redline::resp::ProtocolError>(())
    /// ```
    pub fn reset(&mut self) {
        self.stack.clear();
        self.bulk = None;
        self.scanned = 0;
        self.outer_depth = 0;
    }

    /// Consumes bytes from the start of `buf`, returning how many it used and the reply they
    /// completed, if any. Bytes after a completed reply are left for the next call.
    ///
    /// # Errors
    ///
    /// A [`ProtocolError`]; the decoder's state is then meaningless and the stream must be
    /// abandoned (call [`Decoder::reset`] before any reuse).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{Decoder, Limits};
    /// use redline::Value;
    ///
    /// let mut decoder = Decoder::new(Limits::default());
    /// let buf = b":1\r\n:2\r\n"; // two replies
    /// let (used, first) = decoder.decode(buf)?;
    /// assert_eq!((used, first), (4, Some(Value::Int(1))));
    /// assert_eq!(decoder.decode(&buf[used..])?, (4, Some(Value::Int(2))));
    ///
    /// # Ok::<(), redline::resp::ProtocolError>(())
    /// ```
    pub fn decode(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        // `+OK` is the commonest reply by far (every SET): with nothing half-decoded it is a
        // whole reply, settled before the general loop, unless a status line of 2 bytes is
        // already over the limit (the general path then refuses it).
        if buf.starts_with(b"+OK\r\n") && self.is_idle() && self.limits.max_bulk_len >= 2 {
            return Ok((5, Some(Value::Okay)));
        }
        let mut pos = 0;
        loop {
            if let Some(bulk) = &mut self.bulk {
                // More than `len` can only come from a caller overfilling `pending_bulk`.
                let Some(want) = bulk.len.checked_sub(bulk.data.len()) else {
                    return Err(ProtocolError::InvalidLength);
                };
                let take = want.min(buf.len() - pos);
                bulk.push(&buf[pos..pos + take]);
                pos += take;
                if bulk.data.len() < bulk.len || buf.len() - pos < 2 {
                    return Ok((pos, None));
                }
                if &buf[pos..pos + 2] != b"\r\n" {
                    return Err(ProtocolError::MissingCrlf);
                }
                pos += 2;
                let Some(bulk) = self.bulk.take() else {
                    continue;
                };
                let value = finish_bulk(bulk.kind, bulk.data)?;
                if let Some(done) = self.complete(value) {
                    return Ok((pos, Some(done)));
                }
                continue;
            }
            if pos == buf.len() {
                return Ok((pos, None));
            }
            // The commonest element: a short bulk string, whole, with a plain header.
            if let Some((value, used)) = self.whole_short_bulk(&buf[pos..]) {
                // A header line scanned in an earlier call ends here too.
                self.scanned = 0;
                pos += used;
                if let Some(done) = self.complete(value) {
                    return Ok((pos, Some(done)));
                }
                continue;
            }
            match self.step(&buf[pos..])? {
                Step::Incomplete => return Ok((pos, None)),
                Step::Opened(used) => pos += used,
                Step::Value(value, used) => {
                    pos += used;
                    if let Some(done) = self.complete(value) {
                        return Ok((pos, Some(done)));
                    }
                }
            }
        }
    }

    /// A bulk string whose payload is still arriving: its buffer so far and the payload bytes
    /// still missing. A connection may read those bytes straight into the buffer (it becomes
    /// the caller's value, so a large payload is never copied) and then call
    /// [`Decoder::decode`] again for the trailing `\r\n`.
    ///
    /// The buffer's capacity follows the bytes received (at most 8 times them, or 64 KiB; see
    /// the module docs), never the claimed length, so the caller reserves as it reads.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::resp::{Decoder, Limits};
    /// use redline::Value;
    ///
    /// let mut decoder = Decoder::new(Limits::default());
    /// assert_eq!(decoder.decode(b"$5\r\nhe")?, (6, None));
    /// let (data, missing) = decoder.pending_bulk().unwrap();
    /// assert_eq!(missing, 3);
    /// data.extend_from_slice(b"llo"); // as a read from the socket would
    /// assert_eq!(decoder.decode(b"\r\n")?, (2, Some(Value::Bulk(b"hello".to_vec()))));
    ///
    /// # Ok::<(), redline::resp::ProtocolError>(())
    /// ```
    pub fn pending_bulk(&mut self) -> Option<(&mut Vec<u8>, usize)> {
        match &mut self.bulk {
            Some(bulk) if bulk.data.len() < bulk.len => {
                let missing = bulk.len - bulk.data.len();
                Some((&mut bulk.data, missing))
            }
            _ => None,
        }
    }

    /// A bulk string at the front of `buf` with a canonical header of at most 7 digits and
    /// its whole payload present, as a value and the bytes it used; `None` leaves anything
    /// else (and every malformed case) to [`Decoder::step`].
    #[inline]
    fn whole_short_bulk(&self, buf: &[u8]) -> Option<(Value, usize)> {
        let (start, len, end) = whole_bulk(buf, 0, self.limits.max_bulk_len)?;
        Some((Value::Bulk(buf.get(start..start + len)?.to_vec()), end))
    }

    /// Adds a finished value to the innermost open aggregate, closing every aggregate it
    /// completes. Returns the top-level reply once it is whole.
    fn complete(&mut self, mut value: Value) -> Option<Value> {
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Some(value);
            };
            if matches!(top.kind, FrameKind::Map | FrameKind::Attribute) {
                match top.key.take() {
                    None => top.key = Some(value),
                    Some(key) => top.pairs.push((key, value)),
                }
            } else {
                top.items.push(value);
            }
            top.remaining -= 1;
            if top.remaining > 0 {
                return None;
            }
            let frame = self.stack.pop()?;
            value = match frame.kind {
                FrameKind::Array => Value::Array(frame.items),
                FrameKind::Set => Value::Set(frame.items),
                FrameKind::Push => Value::Push(frame.items),
                FrameKind::Map => Value::Map(frame.pairs),
                FrameKind::Annotated(attributes) => {
                    let data = frame.items.into_iter().next().map(Box::new)?;
                    Value::Attribute { data, attributes }
                }
                FrameKind::Attribute => {
                    // The attributes are whole; wait for the value they annotate.
                    self.stack.push(Frame::new(
                        FrameKind::Annotated(frame.pairs.into_boxed_slice()),
                        1,
                        0,
                    ));
                    return None;
                }
            };
        }
    }

    /// Reads one header line at the start of `buf` and acts on it.
    fn step(&mut self, buf: &[u8]) -> Result<Step, ProtocolError> {
        let kind = buf[0];
        let max_line = match kind {
            b'+' | b'-' | b'(' => self.limits.max_bulk_len.saturating_add(3),
            b',' => MAX_DOUBLE_LINE,
            _ => MAX_HEADER_LINE,
        };
        if !matches!(
            kind,
            b'+' | b'-'
                | b':'
                | b'$'
                | b'*'
                | b'%'
                | b'~'
                | b'>'
                | b'|'
                | b','
                | b'#'
                | b'('
                | b'_'
                | b'!'
                | b'='
        ) {
            return Err(ProtocolError::UnknownType(kind));
        }
        // A caller that re-feeds fewer bytes than were scanned breaks the contract; rescan
        // rather than panic.
        let from = if self.scanned <= buf.len() {
            self.scanned.max(1)
        } else {
            1
        };
        let Some(nl) = memchr(b'\n', &buf[from..]).map(|i| i + from) else {
            self.scanned = buf.len();
            if buf.len() > max_line {
                return Err(ProtocolError::LineTooLong);
            }
            return Ok(Step::Incomplete);
        };
        self.scanned = 0;
        if nl + 1 > max_line {
            return Err(ProtocolError::LineTooLong);
        }
        if nl < 2 || buf[nl - 1] != b'\r' {
            return Err(ProtocolError::MissingCrlf);
        }
        let line = &buf[1..nl - 1];
        let used = nl + 1;
        if matches!(kind, b'+' | b'-') && line != b"OK" && memchr(b'\r', line).is_some() {
            return Err(ProtocolError::BareCarriageReturn);
        }
        let value = match kind {
            b'+' if line == b"OK" => Value::Okay,
            b'+' => Value::SimpleString(String::from_utf8_lossy(line).into_owned()),
            b'-' => Value::Error(String::from_utf8_lossy(line).into_owned()),
            b':' => Value::Int(parse_i64(line).ok_or(ProtocolError::InvalidInteger)?),
            b',' => Value::Double(parse_double(line)?),
            b'#' => match line {
                b"t" => Value::Boolean(true),
                b"f" => Value::Boolean(false),
                _ => return Err(ProtocolError::InvalidBoolean),
            },
            b'(' => Value::BigNumber(parse_big_number(line)?),
            b'_' if line.is_empty() => Value::Nil,
            b'_' => return Err(ProtocolError::InvalidNull),
            b'$' | b'!' | b'=' => {
                let Some(len) = parse_len(line, kind == b'$')? else {
                    return Ok(Step::Value(Value::Nil, used));
                };
                // The checked add keeps `len + 2` below safe even with the limit at usize::MAX.
                if len > self.limits.max_bulk_len || len.checked_add(2).is_none() {
                    return Err(ProtocolError::BulkTooLarge);
                }
                let bulk_kind = match kind {
                    b'$' => BulkKind::Bulk,
                    b'!' => BulkKind::Error,
                    _ => BulkKind::Verbatim,
                };
                let rest = &buf[used..];
                // Fast path: the whole payload is here, so copy it once at its exact size.
                if rest.len() >= len + 2 {
                    if &rest[len..len + 2] != b"\r\n" {
                        return Err(ProtocolError::MissingCrlf);
                    }
                    let data = rest[..len].to_vec();
                    let value = match bulk_kind {
                        BulkKind::Bulk => Value::Bulk(data),
                        _ => finish_bulk(bulk_kind, data)?,
                    };
                    return Ok(Step::Value(value, used + len + 2));
                }
                // Nothing is reserved for the claimed length: `decode` hands the bytes that
                // did arrive to `PartialBulk::push`, which sizes the buffer by them.
                self.bulk = Some(PartialBulk {
                    kind: bulk_kind,
                    data: Vec::new(),
                    len,
                });
                return Ok(Step::Opened(used));
            }
            _ => {
                let Some(len) = parse_len(line, kind == b'*')? else {
                    return Ok(Step::Value(Value::Nil, used));
                };
                if len > self.limits.max_aggregate_len {
                    return Err(ProtocolError::AggregateTooLarge);
                }
                if self.outer_depth + self.stack.len() >= self.limits.max_depth {
                    return Err(ProtocolError::TooDeep);
                }
                let frame_kind = match kind {
                    b'*' => FrameKind::Array,
                    b'~' => FrameKind::Set,
                    b'>' => FrameKind::Push,
                    b'%' => FrameKind::Map,
                    _ => FrameKind::Attribute,
                };
                let paired = matches!(frame_kind, FrameKind::Map | FrameKind::Attribute);
                if len == 0 {
                    return match frame_kind {
                        FrameKind::Array => Ok(Step::Value(Value::Array(Vec::new()), used)),
                        FrameKind::Set => Ok(Step::Value(Value::Set(Vec::new()), used)),
                        FrameKind::Push => Ok(Step::Value(Value::Push(Vec::new()), used)),
                        FrameKind::Map => Ok(Step::Value(Value::Map(Vec::new()), used)),
                        _ => {
                            let empty = Box::default();
                            self.stack
                                .push(Frame::new(FrameKind::Annotated(empty), 1, 0));
                            Ok(Step::Opened(used))
                        }
                    };
                }
                let values = if paired {
                    len.checked_mul(2).ok_or(ProtocolError::AggregateTooLarge)?
                } else {
                    len
                };
                // Reserve only what the bytes already here could fill, and only once: nested
                // aggregates would otherwise count the same bytes again at every level.
                // Never more than the bytes at hand could fill, so memory follows the bytes
                // received (a nested header alone reserved 16 elements before: fuzzing found
                // 5 bytes holding 1 KiB).
                let by_bytes = (buf.len() - used) / MIN_ELEMENT_LEN + 1;
                let room = if self.stack.is_empty() {
                    by_bytes
                } else {
                    by_bytes.min(NESTED_RESERVE)
                };
                let capacity = len.min(room);
                self.stack.push(Frame::new(frame_kind, values, capacity));
                return Ok(Step::Opened(used));
            }
        };
        Ok(Step::Value(value, used))
    }
}

impl Frame {
    fn new(kind: FrameKind, remaining: usize, capacity: usize) -> Frame {
        let paired = matches!(kind, FrameKind::Map | FrameKind::Attribute);
        let (items, pairs) = if paired {
            (Vec::new(), Vec::with_capacity(capacity))
        } else {
            (Vec::with_capacity(capacity), Vec::new())
        };
        Frame {
            kind,
            remaining,
            items,
            pairs,
            key: None,
        }
    }
}
