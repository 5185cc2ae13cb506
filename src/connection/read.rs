//! Reading replies: whole frames from the buffer and the socket, within the call's deadline.

use super::deadline::{self, Timed};
use super::{Inner, DIRECT_READ_MIN};
use crate::error::{Operation, Result};
use crate::resp::Value;
use std::io;

impl Inner {
    /// Reads one reply; out-of-band pushes that come first are kept for later.
    pub(super) fn recv(&mut self) -> Result<Value> {
        loop {
            match self.recv_any()? {
                push @ Value::Push(_) => self.pushes.keep(push),
                value => return Ok(value),
            }
        }
    }

    /// Reads the next frame, pushes included.
    #[inline]
    pub(super) fn recv_any(&mut self) -> Result<Value> {
        let result = self.recv_frame();
        self.check(result)
    }

    fn recv_frame(&mut self) -> Result<Value> {
        loop {
            let decoded = self.decoder.decode(&self.rbuf[self.rpos..self.rend]);
            let (used, value) = match decoded {
                Ok(done) => done,
                Err(e) => return Err(self.protocol_failure(e, Operation::Read)),
            };
            self.consume(used);
            if let Some(value) = value {
                self.heard = true;
                return Ok(value);
            }
            if self.rpos == self.rend {
                if let Some((data, missing)) = self.decoder.pending_bulk() {
                    if missing >= DIRECT_READ_MIN {
                        // Read the rest of a large payload straight into the reply's buffer.
                        let got = if self.deadlines.reads_bounded() {
                            // Read by read, each within the call's deadline.
                            let timed = Timed {
                                stream: &mut self.stream,
                                deadlines: &mut self.deadlines,
                            };
                            io::Read::read_to_end(&mut io::Read::take(timed, missing as u64), data)
                        } else {
                            self.stream.read_exact_into(data, missing)
                        };
                        match got {
                            Ok(n) if n < missing => return Err(self.closed(Operation::Read)),
                            Ok(_) => {}
                            Err(e) => return Err(self.io_failure(e, Operation::Read)),
                        }
                        continue;
                    }
                }
            }
            self.fill()?;
        }
    }

    /// Reads more bytes into the buffer, after moving the unconsumed ones (at most a partial
    /// line or element) to its front, so that the read gets the whole buffer.
    pub(super) fn fill(&mut self) -> Result<()> {
        if self.rpos > 0 {
            self.heard = true;
            self.rbuf.copy_within(self.rpos..self.rend, 0);
            self.rend -= self.rpos;
            self.rpos = 0;
        }
        if self.rend == self.rbuf.len() {
            // One line longer than the buffer; the decoder's limits bound how far this goes.
            let len = self.rbuf.len() * 2;
            self.rbuf.resize(len, 0);
        }
        let read = deadline::read(
            &mut self.stream,
            &mut self.deadlines,
            &mut self.rbuf[self.rend..],
        );
        let n = match read {
            Ok(0) => return Err(self.closed(Operation::Read)),
            Ok(n) => n,
            Err(e) => return Err(self.io_failure(e, Operation::Read)),
        };
        self.rend += n;
        Ok(())
    }
}
