//! [`PipelineReplies`]: a plain batch's replies read straight into the caller's type while
//! they arrive, as one array of the replies of the commands not ignored.
//!
//! `execute::<Vec<String>>()` on a batch of 1,000 `GET`s would otherwise decode 1,000 `Value`s,
//! keep them in a vector, and convert that afterwards. Here the replies are a *virtual* array:
//! the conversion opens it, takes the bulk strings already buffered in one tight loop, and the
//! stream writes each next segment of the batch before it reads the replies of the current one
//! (the flow control of `run`). Every reply still passes the batch's bookkeeping: error
//! replies are noted (the first one named), `NOSCRIPT` forgets its script, ignored replies are
//! read and dropped.

use super::Core;
use crate::connection::Reader;
use crate::error::{Error, Result};
use crate::resp::Value;
use crate::types::ReplyStream;

/// The replies of a plain batch on one connection, as a [`ReplyStream`]. Only the crate makes
/// one (in `run`); a caller's conversion reads it.
pub struct PipelineReplies<'a> {
    reader: Reader<'a>,
    core: &'a mut Core,
    /// The next command whose reply is to be read.
    next: usize,
    /// Segments written so far.
    written: usize,
    /// Segments freed so far.
    released: usize,
    /// Where the run of commands the fast path may take from `next` ends (the end of the
    /// segment or an ignored command), kept until `next` reaches it: found again on every
    /// call it made a batch of alternating shapes quadratic.
    run_end: usize,
    /// The conversion opened the virtual array (and has not closed it).
    opened: bool,
    /// A connection error seen while reading: kept for the run to report; the conversion got
    /// [`Error::Broken`].
    fatal: Option<Error>,
}

impl<'a> PipelineReplies<'a> {
    pub(super) fn new(reader: Reader<'a>, core: &'a mut Core, written: usize) -> Self {
        PipelineReplies {
            reader,
            core,
            next: 0,
            written,
            released: 0,
            run_end: 0,
            opened: false,
            fatal: None,
        }
    }

    /// Reads whatever the conversion left unread, so the connection stays in step; the
    /// connection error that stopped the run, if any.
    pub(super) fn finish(mut self) -> Result<()> {
        while self.fatal.is_none() && self.next < self.core.len() {
            if self.element().is_err() && self.reader.is_broken() {
                break;
            }
        }
        if self.fatal.is_none() && self.reader.is_broken() {
            self.fatal = Some(Error::Broken);
        }
        match self.fatal {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Keeps a connection error for the run and hands the conversion a stand-in.
    fn fail_with(&mut self, e: Error) -> Error {
        if e.is_connection_broken() && self.fatal.is_none() {
            self.fatal = Some(e);
            return Error::Broken;
        }
        e
    }

    /// Before reading a reply of segment `k`, segment `k + 1` goes out: at most two segments
    /// are ever unanswered, so neither side's buffers fill up and stall the other. Segments
    /// whose replies are all read are freed.
    fn prepare(&mut self) -> Result<()> {
        if self.fatal.is_some() || self.reader.is_broken() {
            // Never write more, nor read, on a connection that failed.
            return Err(Error::Broken);
        }
        let segments = &self.core.segments;
        let k = segments.segment_of(self.next);
        while self.written <= k + 1 && self.written < segments.segments() {
            let (_, written) = self
                .reader
                .write_counted(self.core.segments.segment(self.written));
            if let Err(e) = written {
                return Err(self.fail_with(e));
            }
            self.written += 1;
        }
        while self.released < k {
            self.core.segments.release(self.released);
            self.released += 1;
        }
        Ok(())
    }

    /// Reads and drops the replies of ignored commands ahead, noting their errors, and makes
    /// sure the next reply is on its way.
    fn skip_ignored(&mut self) -> Result<()> {
        loop {
            self.prepare()?;
            let ignored = self
                .core
                .segments
                .entries()
                .get(self.next)
                .is_some_and(|e| e.ignore);
            if !ignored {
                return Ok(());
            }
            self.element()?;
        }
    }

    /// Reads the next reply whole and notes it (error replies included, as values).
    fn element(&mut self) -> Result<Value> {
        self.prepare()?;
        let value = match self.reader.frame() {
            Ok(value) => value,
            Err(e) => return Err(self.fail_with(e)),
        };
        self.noted(&value);
        Ok(value)
    }

    /// Notes reply `next` (an error is named; `NOSCRIPT` forgets its script) and moves on.
    fn noted(&mut self, value: &Value) {
        if matches!(value, Value::Error(_) | Value::Attribute { .. }) {
            if let Some(missing) = self.core.note(self.next, value) {
                self.reader.scripts().forget(missing.sha());
            }
        }
        self.next += 1;
        self.core.answered = self.next;
    }

    /// The replies kept, from `next` on.
    fn kept_left(&self) -> usize {
        self.core
            .segments
            .entries()
            .get(self.next..)
            .map_or(0, |rest| rest.iter().filter(|e| !e.ignore).count())
    }

    /// How many commands from `next` on, before the end of its segment or an ignored one, are
    /// safe for the fast path to take in one go.
    fn run_len(&mut self) -> usize {
        if self.next >= self.run_end {
            let segments = &self.core.segments;
            let end = segments.commands_of(segments.segment_of(self.next)).end;
            let run = segments
                .entries()
                .get(self.next..end)
                .map_or(0, |rest| rest.iter().take_while(|e| !e.ignore).count());
            self.run_end = self.next + run;
        }
        self.run_end - self.next
    }

    /// Whether the conversion is at the level of whole replies (not inside one of them).
    fn at_replies(&self) -> bool {
        self.opened && self.reader.depth() == 0
    }

    /// A conversion finished one whole reply of the array.
    fn element_done(&mut self) {
        if self.at_replies() {
            self.next += 1;
            self.core.answered = self.next;
        }
    }
}

impl ReplyStream for PipelineReplies<'_> {
    fn value(&mut self) -> Result<Value> {
        if !self.opened {
            // The whole array at once (tuples, `Value`, ...).
            let mut all = Vec::with_capacity(self.kept_left());
            while self.next < self.core.len() {
                self.skip_ignored()?;
                if self.next >= self.core.len() {
                    break;
                }
                all.push(self.element()?);
            }
            return Ok(Value::Array(all));
        }
        if self.reader.depth() > 0 {
            return self.reader.value().map_err(|e| self.fail_with(e));
        }
        self.skip_ignored()?;
        self.element()
    }

    fn bulk(&mut self) -> Result<Option<&[u8]>> {
        if !self.opened {
            return Ok(None);
        }
        if self.reader.depth() == 0 {
            self.skip_ignored()?;
        }
        let top = self.reader.depth() == 0;
        match self.reader.bulk() {
            Ok(Some(bytes)) => {
                if top {
                    self.next += 1;
                    self.core.answered = self.next;
                }
                Ok(Some(bytes))
            }
            Ok(None) => Ok(None),
            // (`fail_with`, on the fields: the borrow of the reader above lasts to the return.)
            Err(e) if e.is_connection_broken() && self.fatal.is_none() => {
                self.fatal = Some(e);
                Err(Error::Broken)
            }
            Err(e) => Err(e),
        }
    }

    fn bulks<F>(
        &mut self,
        max: usize,
        text: bool,
        f: F,
    ) -> std::result::Result<usize, (usize, Error)>
    where
        F: FnMut(&[u8], Option<&str>) -> Result<()>,
    {
        if !self.opened {
            return Ok(0);
        }
        if self.reader.depth() > 0 {
            return self.reader.bulks(max, text, f);
        }
        if let Err(e) = self.skip_ignored() {
            return Err((0, e));
        }
        let max = max.min(self.run_len());
        let taken = self.reader.bulks(max, text, f);
        let n = match &taken {
            Ok(n) | Err((n, _)) => *n,
        };
        self.next += n;
        self.core.answered = self.next;
        taken
    }

    fn sequence(&mut self) -> Result<Option<usize>> {
        if !self.opened {
            self.opened = true;
            return Ok(Some(self.kept_left()));
        }
        if self.reader.depth() == 0 {
            self.skip_ignored()?;
        }
        self.reader.sequence().map_err(|e| self.fail_with(e))
    }

    fn pairs(&mut self) -> Result<Option<usize>> {
        if !self.opened {
            // Replies are not read as pairs of a map: the conversion takes the whole array.
            return Ok(None);
        }
        if self.reader.depth() == 0 {
            self.skip_ignored()?;
        }
        self.reader.pairs().map_err(|e| self.fail_with(e))
    }

    fn close(&mut self) {
        if self.reader.depth() > 0 {
            self.reader.close();
            self.element_done();
        } else {
            self.opened = false;
        }
    }

    fn capacity_for(&self, count: usize, values_each: usize) -> usize {
        if self.at_replies() {
            count
        } else {
            self.reader.capacity_for(count, values_each)
        }
    }

    fn fail(&mut self, left: usize, err: Error, prefer_server: bool) -> Error {
        if self.reader.depth() > 0 {
            let err = self.reader.fail(left, err, prefer_server);
            self.element_done();
            // A connection error while draining stops the whole batch.
            return if self.reader.is_broken() {
                self.fail_with(err)
            } else {
                err
            };
        }
        // The rest of the array: every reply, ignored ones included.
        let search = prefer_server && matches!(err, Error::Conversion { .. });
        let mut server = None;
        while self.fatal.is_none() && self.next < self.core.len() {
            match self.element() {
                Ok(value) if search && server.is_none() => {
                    // An error reply wins, also under RESP3 attributes, as in `from_value`.
                    server = crate::types::nested_error(std::slice::from_ref(&value));
                }
                Ok(_) => {}
                Err(e) => return e,
            }
        }
        self.opened = false;
        server.unwrap_or(err)
    }
}
