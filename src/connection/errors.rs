//! The errors a connection raises about itself: each names the server and the step, a timeout
//! its limit, and bytes that are not RESP at all say that something else listens there.

use super::Inner;
use crate::error::{Error, Operation};
use crate::resp::ProtocolError;
use std::io;
use std::time::Duration;

/// How many of a foreign server's first bytes an error quotes.
const FIRST_BYTES: usize = 32;

impl Inner {
    /// A failed socket call: the connection is broken.
    #[cold]
    pub(super) fn io_failure(&mut self, e: io::Error, op: Operation) -> Error {
        self.broken = true;
        #[cfg(feature = "tls")]
        let e = self.tls_alert_instead(e);
        let limit = self.deadlines.limit(op == Operation::Write);
        io_error(self.addr.to_string(), op, limit, e)
    }

    /// The server hung up: the connection is broken.
    #[cold]
    pub(super) fn closed(&mut self, op: Operation) -> Error {
        let e = io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        );
        self.io_failure(e, op)
    }

    /// Bytes that are not valid RESP: the connection is broken. When they are the very first
    /// bytes the server sent and do not even start like RESP, the address is not a Redis
    /// server (an HTTP server's `HTTP/1.1 400`, an SSH banner), and the error says so.
    #[cold]
    pub(super) fn protocol_failure(&mut self, source: ProtocolError, op: Operation) -> Error {
        self.broken = true;
        let addr = self.addr.to_string();
        // Idle: the bad byte is the first of all, not one inside a reply that began as RESP
        // (its start, decoded in the same call, is not consumed yet).
        let first = !self.heard && self.rpos == 0 && self.decoder.is_idle();
        if first && matches!(source, ProtocolError::UnknownType(_)) {
            let seen = &self.rbuf[..self.rend.min(FIRST_BYTES)];
            return Error::NotRedis {
                addr,
                first_bytes: quote(seen),
            };
        }
        Error::Protocol { addr, op, source }
    }

    /// A TLS server that refuses the client's certificate (or its lack of one) after the
    /// handshake sends an alert and closes: the first write may then fail with a reset before
    /// the alert is read. The alert still waits in the socket's buffer; read it, so that the
    /// error says why. Only before anything was heard on the connection.
    #[cfg(feature = "tls")]
    #[cold]
    fn tls_alert_instead(&mut self, e: io::Error) -> io::Error {
        use std::io::Read;
        let hung_up = matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::UnexpectedEof
        );
        if !hung_up || self.heard || !matches!(self.stream, super::stream::Stream::Tls(_)) {
            return e;
        }
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Err(alert) if crate::info::alert_reason(&alert).is_some() => alert,
            _ => e,
        }
    }
}

/// A failed socket call as an error: a timeout (with the `limit` that ran out) or an I/O error.
pub(super) fn io_error(addr: String, op: Operation, limit: Duration, e: io::Error) -> Error {
    // A TLS 1.3 server checks the client's certificate after the handshake, so its refusal
    // arrives as an alert at the first read: said in words, not as an OpenSSL code.
    #[cfg(feature = "tls")]
    if let Some(reason) = crate::info::alert_reason(&e) {
        return Error::Tls {
            addr,
            reason,
            source: Some(e.into()),
        };
    }
    if matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ) {
        Error::Timeout { addr, op, limit }
    } else {
        Error::Io {
            addr,
            op,
            source: e,
        }
    }
}

/// `bytes` as a quoted, escaped string: printable ASCII as is, the rest as escapes.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        out.extend(std::ascii::escape_default(b).map(char::from));
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_bytes_escaped() {
        assert_eq!(
            super::quote(b"HTTP/1.1 400\r\n\x00\xff\""),
            r#""HTTP/1.1 400\r\n\x00\xff\"""#
        );
    }
}
