//! Decoding a reply straight into the caller's type while its bytes arrive.
//!
//! A `Vec<String>` of 100,000 elements decoded first to `Value`s and then converted is built
//! twice, and every element is touched again after the reply is whole, when its bytes have left
//! the cache. A [`Reader`] lets [`FromValue::read_reply`](crate::FromValue) take the common
//! shapes (an array or map header, a bulk string whose payload is in the read buffer) straight
//! from the buffer, element by element, and hands anything else to the general decoder one
//! value at a time. Its fast paths accept only the canonical form of a header and consume
//! nothing when they decline, so every judgement on malformed input stays with the decoder.

use super::Inner;
use crate::error::{Error, Result};
use crate::resp::{whole_bulk, Value};
use crate::types::ReplyStream;

/// Bulk payloads up to this size are taken from the read buffer; larger ones go through the
/// decoder, which reads big payloads straight into their own `Vec`.
const FAST_BULK_MAX: usize = 16 * 1024;
/// The most digits a fast-path header may have: the decoder refuses longer lengths (even
/// zero-padded ones), and the fast path must not accept what the decoder refuses.
const FAST_HEADER_DIGITS: usize = 19;
/// The fewest bytes one element can take on the wire (`_\r\n`): bounds up-front reservations
/// by the bytes already received, as the decoder does.
const MIN_ELEMENT_LEN: usize = 3;

/// Reads one reply from a connection's buffer and socket. Only the crate creates one.
#[doc(hidden)]
pub struct Reader<'a> {
    inner: &'a mut Inner,
    /// Aggregates opened by the fast paths and not yet finished; 0 at the reply's top level,
    /// where out-of-band pushes are kept for later and an error reply becomes an `Err`.
    depth: usize,
}

impl<'a> Reader<'a> {
    /// The next whole reply at the top level, out-of-band pushes kept, an error reply as a
    /// [`Value::Error`]: one reply of a batch.
    pub(crate) fn frame(&mut self) -> Result<Value> {
        if self.inner.broken {
            return Err(Error::Broken);
        }
        self.inner.recv()
    }

    /// Whether an I/O, timeout or protocol error broke the connection.
    pub(crate) fn is_broken(&self) -> bool {
        self.inner.broken
    }

    /// Aggregates opened and not yet closed.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// Writes the next segment of a batch while its replies are read; the segment's deadlines
    /// start now.
    pub(crate) fn write_counted(&mut self, bytes: &[u8]) -> (usize, Result<()>) {
        self.inner.deadlines.start_call();
        self.inner.write_counted(bytes)
    }

    /// The scripts known cached on this connection's server.
    pub(crate) fn scripts(&mut self) -> &mut super::ScriptCache {
        &mut self.inner.scripts
    }

    pub(super) fn new(inner: &'a mut Inner) -> Reader<'a> {
        Reader { inner, depth: 0 }
    }

    /// Decodes one whole value inside the aggregates the fast paths opened: the decoder counts
    /// those levels too, so the nesting limit covers the whole reply.
    fn nested(&mut self) -> Result<Value> {
        self.inner.decoder.set_outer_depth(self.depth);
        let value = self.inner.recv_any();
        self.inner.decoder.set_outer_depth(0);
        value
    }

    /// The type byte of the next value, reading if nothing is buffered. `None` when the
    /// decoder is in the middle of a frame (a push left half-read), where the fast paths must
    /// not look at raw bytes.
    fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            if !self.inner.decoder.is_idle() {
                return Ok(None);
            }
            if self.inner.rpos == self.inner.rend {
                self.more()?;
                continue;
            }
            let kind = self.inner.rbuf[self.inner.rpos];
            if kind == b'>' && self.depth == 0 {
                // An out-of-band push ahead of the reply: decode it whole and keep it.
                let push = self.inner.recv_any()?;
                self.inner.pushes.keep(push);
                continue;
            }
            return Ok(Some(kind));
        }
    }

    /// Reads more bytes, keeping the unconsumed ones.
    fn more(&mut self) -> Result<()> {
        let filled = self.inner.fill();
        self.inner.check(filled)
    }

    /// The canonical header `<kind><digits>\r\n` at the front of the buffer: the count and the
    /// header's length. Reads until the line is whole or clearly not canonical.
    fn header(&mut self) -> Result<Option<(usize, usize)>> {
        loop {
            let avail = &self.inner.rbuf[self.inner.rpos..self.inner.rend];
            match canonical_header(avail) {
                Header::Canonical(count, used) => return Ok(Some((count, used))),
                Header::Other => return Ok(None),
                Header::Incomplete => self.more()?,
            }
        }
    }

    /// Consumes an aggregate header whose count of values is its count times `per`.
    fn open(&mut self, per: usize) -> Result<Option<usize>> {
        let Some((count, used)) = self.header()? else {
            return Ok(None);
        };
        let limits = self.inner.decoder.limits();
        if count > limits.max_aggregate_len || self.depth >= limits.max_depth {
            return Ok(None);
        }
        let Some(values) = count.checked_mul(per) else {
            return Ok(None);
        };
        self.inner.rpos += used;
        self.depth += 1;
        Ok(Some(values))
    }
}

impl ReplyStream for Reader<'_> {
    /// Decodes the next whole value with the general decoder. At the top level pushes are
    /// kept for later and an error reply is an `Err`; inside an aggregate an error element is a
    /// [`Value::Error`], as the conversions expect.
    fn value(&mut self) -> Result<Value> {
        if self.depth > 0 {
            return self.nested();
        }
        match self.inner.recv()? {
            Value::Error(message) => Err(Error::from_server_reply(message)),
            value => Ok(value),
        }
    }

    /// The payload of the next value if it is a bulk string of at most `FAST_BULK_MAX` bytes,
    /// consumed; `None` (nothing consumed) for anything else.
    fn bulk(&mut self) -> Result<Option<&[u8]>> {
        if self.peek()? != Some(b'$') {
            return Ok(None);
        }
        let Some((len, used)) = self.header()? else {
            return Ok(None);
        };
        if len > FAST_BULK_MAX || len > self.inner.decoder.limits().max_bulk_len {
            return Ok(None);
        }
        let whole = used + len + 2;
        while self.inner.rend - self.inner.rpos < whole {
            self.more()?;
        }
        let start = self.inner.rpos + used;
        if self.inner.rbuf.get(start + len..start + len + 2) != Some(b"\r\n".as_slice()) {
            return Ok(None);
        }
        self.inner.rpos += whole;
        Ok(self.inner.rbuf.get(start..start + len))
    }

    /// Runs `f` on the payload of each of up to `max` consecutive bulk strings already whole in
    /// the buffer, consuming them, and returns how many it took. It stops, consuming nothing
    /// more, at the first value that is not a bulk string of at most `FAST_BULK_MAX` bytes
    /// with a canonical header, or that has not wholly arrived. When `f` fails, its element is
    /// consumed and the count of elements consumed comes with the error.
    ///
    /// With `text`, the buffered bytes are first checked as UTF-8 in one pass, and `f` also
    /// gets each payload as a `&str` when it lies in the valid part: one check of the whole
    /// buffer is much cheaper than one per short element, and a payload between ASCII header
    /// bytes of a valid region is valid on its own.
    fn bulks<F>(
        &mut self,
        max: usize,
        text: bool,
        mut f: F,
    ) -> std::result::Result<usize, (usize, Error)>
    where
        F: FnMut(&[u8], Option<&str>) -> Result<()>,
    {
        if !self.inner.decoder.is_idle() {
            return Ok(0);
        }
        let max_len = FAST_BULK_MAX.min(self.inner.decoder.limits().max_bulk_len);
        let buf = &self.inner.rbuf[..self.inner.rend];
        let base = self.inner.rpos;
        // First the run of elements to take, then one UTF-8 check of just those bytes: a check
        // of the whole buffer would be repeated for every element when few are fast.
        let (mut run_end, mut count) = (base, 0);
        while count < max {
            let Some(next) = whole_bulk(buf, run_end, max_len) else {
                break;
            };
            run_end = next.2;
            count += 1;
        }
        let valid = if text && count > 0 {
            utf8_prefix(&buf[base..run_end])
        } else {
            ""
        };
        let mut pos = base;
        for taken in 1..=count {
            let Some((start, len, end)) = whole_bulk(buf, pos, max_len) else {
                break;
            };
            let payload = &buf[start..start + len];
            let payload_text = valid.get(start - base..start - base + len);
            pos = end;
            if let Err(e) = f(payload, payload_text) {
                self.inner.rpos = pos;
                return Err((taken, e));
            }
        }
        self.inner.rpos = pos;
        Ok(count)
    }

    /// Opens the next value if it is an array or a set (`*N`, `~N`): its element count, each
    /// to be read before [`Reader::close`]. `None` (nothing consumed) for anything else.
    fn sequence(&mut self) -> Result<Option<usize>> {
        if !matches!(self.peek()?, Some(b'*' | b'~')) {
            return Ok(None);
        }
        self.open(1)
    }

    /// Opens the next value if it is a map (`%N`) or a flat array of pairs (`*2N`, as RESP2
    /// sends `HGETALL`): its number of pairs. An array whose first element is itself an
    /// array (pairs as two-element arrays) is declined, like anything else (`None`).
    fn pairs(&mut self) -> Result<Option<usize>> {
        match self.peek()? {
            Some(b'%') => self.open(2).map(|n| n.map(|n| n / 2)),
            Some(b'*') => {
                let Some((count, used)) = self.header()? else {
                    return Ok(None);
                };
                if count == 0 || count % 2 != 0 {
                    return Ok(None);
                }
                while self.inner.rend - self.inner.rpos <= used {
                    self.more()?;
                }
                if self.inner.rbuf[self.inner.rpos + used] == b'*' {
                    return Ok(None);
                }
                self.open(1).map(|n| n.map(|n| n / 2))
            }
            _ => Ok(None),
        }
    }

    /// Finishes an aggregate opened by [`Reader::sequence`] or [`Reader::pairs`].
    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// How many of `count` elements to reserve room for: no more than the bytes already
    /// received could hold, so a hostile count cannot make the client allocate.
    fn capacity_for(&self, count: usize, values_each: usize) -> usize {
        let buffered = self.inner.rend - self.inner.rpos;
        count.min(buffered / (MIN_ELEMENT_LEN * values_each) + 1)
    }

    /// After element conversion failed with `err`, reads the `left` values still owed by the
    /// open aggregate (so the connection stays in step) and closes it. With `prefer_server`,
    /// an error element among them wins over a conversion complaint, as in
    /// [`FromValue::from_value`]. A connection error while draining wins over everything.
    fn fail(&mut self, left: usize, err: Error, prefer_server: bool) -> Error {
        if self.inner.broken {
            return err;
        }
        let search = prefer_server && matches!(err, Error::Conversion { .. });
        let mut server = None;
        for _ in 0..left {
            match self.nested() {
                Ok(value) if search && server.is_none() => {
                    server = crate::types::nested_error(std::slice::from_ref(&value));
                }
                Ok(_) => {}
                Err(e) => return e,
            }
        }
        self.close();
        server.unwrap_or(err)
    }
}

/// The longest prefix of `bytes` that is valid UTF-8.
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // Rare: binary data, or a multi-byte character cut by the end of the buffer.
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}

enum Header {
    /// `<kind><digits>\r\n`: the number and the header's length.
    Canonical(usize, usize),
    /// Not ended yet, and canonical so far.
    Incomplete,
    /// Anything else (a sign, `-1`, a stray byte, an overlong line): the decoder's to judge.
    Other,
}

fn canonical_header(buf: &[u8]) -> Header {
    let mut n: usize = 0;
    for (i, &b) in buf.iter().enumerate().skip(1) {
        match b {
            b'0'..=b'9' => {
                if i > FAST_HEADER_DIGITS {
                    return Header::Other;
                }
                let Some(next) = n
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(usize::from(b - b'0')))
                else {
                    return Header::Other;
                };
                n = next;
            }
            b'\r' if i > 1 => {
                return match buf.get(i + 1) {
                    Some(b'\n') => Header::Canonical(n, i + 2),
                    Some(_) => Header::Other,
                    None => Header::Incomplete,
                };
            }
            _ => return Header::Other,
        }
    }
    Header::Incomplete
}
