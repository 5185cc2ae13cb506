//! The byte stream under a connection: TCP, Unix socket or TLS, how it is opened, and the
//! reads, writes and socket probes the connection makes on it.

use crate::error::{Error, Operation, Result};
use crate::info::{Addr, ConnectionInfo};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// The byte stream under a connection.
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    #[cfg(feature = "tls")]
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Stream {
    pub(super) fn connect(info: &ConnectionInfo) -> Result<Stream> {
        let failed = |e: io::Error| connect_failure(info, e);
        match &info.addr {
            Addr::Tcp { host, port, tls } => {
                let tcp = connect_tcp(host, *port, info.connect_timeout).map_err(failed)?;
                tcp.set_nodelay(true).map_err(failed)?;
                #[cfg(any(target_os = "linux", target_os = "android"))]
                if let Some(idle) = info.tcp_keepalive {
                    let interval = (idle / 4).max(Duration::from_secs(1));
                    super::sys::set_keepalive(&tcp, idle, interval, 3).map_err(failed)?;
                }
                if *tls {
                    // The TLS handshake is part of connecting: the connect timeout bounds it
                    // (a plain port never answers a ClientHello).
                    tcp.set_read_timeout(info.connect_timeout).map_err(failed)?;
                    tcp.set_write_timeout(info.connect_timeout)
                        .map_err(failed)?;
                    let stream = wrap_tls(info, host, tcp)?;
                    stream.set_read_timeout(info.read_timeout).map_err(failed)?;
                    stream
                        .set_write_timeout(info.write_timeout)
                        .map_err(failed)?;
                    return Ok(stream);
                }
                tcp.set_read_timeout(info.read_timeout).map_err(failed)?;
                tcp.set_write_timeout(info.write_timeout).map_err(failed)?;
                Ok(Stream::Tcp(tcp))
            }
            #[cfg(unix)]
            Addr::Unix(path) => {
                let unix = UnixStream::connect(path).map_err(failed)?;
                unix.set_read_timeout(info.read_timeout).map_err(failed)?;
                unix.set_write_timeout(info.write_timeout).map_err(failed)?;
                Ok(Stream::Unix(unix))
            }
            #[cfg(not(unix))]
            Addr::Unix(_) => Err(Error::invalid_argument("Unix sockets need a Unix platform")),
        }
    }

    /// Appends up to `n` bytes to `data`, stopping early only at end of stream. Goes through
    /// the concrete stream type so that std reads into the `Vec`'s spare capacity directly,
    /// without zero-filling it first.
    pub(super) fn read_exact_into(&mut self, data: &mut Vec<u8>, n: usize) -> io::Result<usize> {
        let n64 = n as u64;
        match self {
            Stream::Tcp(s) => s.take(n64).read_to_end(data),
            #[cfg(unix)]
            Stream::Unix(s) => s.take(n64).read_to_end(data),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.take(n64).read_to_end(data),
        }
    }

    pub(super) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(timeout),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(timeout),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.get_ref().set_read_timeout(timeout),
        }
    }

    pub(super) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_write_timeout(timeout),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_write_timeout(timeout),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.get_ref().set_write_timeout(timeout),
        }
    }

    /// Reads what is already waiting on the socket, without blocking: `None` when nothing is,
    /// `Some(0)` when the server closed the connection. Before every request, so that a reply
    /// nobody asked for is never taken for the next one: one system call on Linux (a
    /// non-blocking `recv`), three elsewhere (switching the socket's mode there and back).
    /// Over TLS only a closed socket is seen: records may legitimately wait there (session
    /// tickets), and they cannot be told from data without decrypting.
    pub(super) fn read_waiting(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use super::sys;
            match self {
                Stream::Tcp(s) => sys::read_waiting(s, buf, false),
                Stream::Unix(s) => sys::read_waiting(s, buf, false),
                #[cfg(feature = "tls")]
                Stream::Tls(s) => {
                    let seen = sys::read_waiting(s.get_ref(), &mut [0u8; 1], true)?;
                    Ok(seen.filter(|&n| n == 0))
                }
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            portable_read_waiting(self, buf)
        }
    }
}

impl Stream {
    /// Reads what has already arrived, without blocking, decrypting TLS records too (unlike
    /// [`Stream::read_waiting`]): for a wait of zero on the next frame (a client-side cache
    /// draining its invalidations). Over TLS the socket is switched to non-blocking mode and
    /// back around one read.
    pub(super) fn read_now(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self {
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                s.get_ref().set_nonblocking(true)?;
                let got = loop {
                    match s.read(buf) {
                        Ok(n) => break Ok(Some(n)),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(None),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => break Err(e),
                    }
                };
                s.get_ref().set_nonblocking(false)?;
                got
            }
            _ => self.read_waiting(buf),
        }
    }
}

/// [`Stream::read_waiting`] with std alone: the socket switched to non-blocking mode and back.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn portable_read_waiting(stream: &mut Stream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    fn now<T>(
        nonblocking: impl Fn(bool) -> io::Result<()>,
        mut read: impl FnMut() -> io::Result<T>,
    ) -> io::Result<Option<T>> {
        nonblocking(true)?;
        let got = loop {
            match read() {
                Ok(n) => break Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        nonblocking(false)?;
        got
    }
    match stream {
        Stream::Tcp(s) => {
            let s2 = &*s;
            now(|on| s2.set_nonblocking(on), || (&*s2).read(buf))
        }
        #[cfg(unix)]
        Stream::Unix(s) => {
            let s2 = &*s;
            now(|on| s2.set_nonblocking(on), || (&*s2).read(buf))
        }
        #[cfg(feature = "tls")]
        Stream::Tls(s) => {
            let tcp = s.get_ref();
            let mut byte = [0u8; 1];
            let seen = now(|on| tcp.set_nonblocking(on), || tcp.peek(&mut byte))?;
            Ok(seen.filter(|&n| n == 0))
        }
    }
}

fn connect_tcp(host: &str, port: u16, timeout: Option<Duration>) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let attempt = match timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host resolved to no address")))
}

/// A connect that failed: where, and the limit when it timed out.
fn connect_failure(info: &ConnectionInfo, e: io::Error) -> Error {
    let limit = info.connect_timeout.unwrap_or_default();
    super::errors::io_error(info.addr.to_string(), Operation::Connect, limit, e)
}

/// The TLS handshake, with the connector built once per client from its TLS options. The name
/// checked against the certificate (and sent in SNI) is the configured server name, or the host.
#[cfg(feature = "tls")]
fn wrap_tls(info: &ConnectionInfo, host: &str, tcp: TcpStream) -> Result<Stream> {
    let addr = info.addr.to_string();
    let connector = info.tls.connector(&addr)?;
    let name = info.tls.server_name.as_deref().unwrap_or(host);
    let tls = connector.connect(name, tcp).map_err(|e| match e {
        native_tls::HandshakeError::Failure(e) => Error::Tls {
            reason: crate::info::handshake_reason(&e, name),
            addr,
            source: Some(e.into()),
        },
        native_tls::HandshakeError::WouldBlock(_) => {
            connect_failure(info, io::ErrorKind::TimedOut.into())
        }
    })?;
    Ok(Stream::Tls(Box::new(tls)))
}

/// A backstop: `ConnectionInfo::from_url`, the only way to a TLS address, already refuses it.
#[cfg(not(feature = "tls"))]
fn wrap_tls(_info: &ConnectionInfo, _host: &str, _tcp: TcpStream) -> Result<Stream> {
    Err(Error::TlsNotEnabled)
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            #[cfg(unix)]
            Stream::Unix(s) => s.flush(),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.flush(),
        }
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn connect_to(listener: &TcpListener, keepalive: Option<Duration>) -> Stream {
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let info = ConnectionInfo {
            addr: Addr::Tcp {
                host: "127.0.0.1".into(),
                port,
                tls: false,
            },
            tcp_keepalive: keepalive,
            ..ConnectionInfo::default()
        };
        Stream::connect(&info).unwrap()
    }

    #[test]
    fn keepalive_is_on_with_its_timings_by_default_and_off_when_asked() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let Stream::Tcp(tcp) = connect_to(&listener, ConnectionInfo::default().tcp_keepalive)
        else {
            panic!("not TCP")
        };
        assert_eq!(
            super::super::sys::keepalive(&tcp).unwrap(),
            (true, 60, 15, 3)
        );
        let Stream::Tcp(tcp) = connect_to(&listener, Some(Duration::from_secs(2))) else {
            panic!("not TCP")
        };
        // A quarter of two seconds rounds up to the kernel's one-second floor.
        assert_eq!(super::super::sys::keepalive(&tcp).unwrap(), (true, 2, 1, 3));
        let Stream::Tcp(tcp) = connect_to(&listener, None) else {
            panic!("not TCP")
        };
        assert!(!super::super::sys::keepalive(&tcp).unwrap().0);
    }

    #[test]
    fn read_waiting_sees_nothing_then_data_then_the_close_and_stays_blocking() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut stream = connect_to(&listener, None);
        let (mut peer, _) = listener.accept().unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(stream.read_waiting(&mut buf).unwrap(), None);
        peer.write_all(b"+late\r\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let got = loop {
            match stream.read_waiting(&mut buf).unwrap() {
                Some(n) => break n,
                None if std::time::Instant::now() < deadline => std::thread::yield_now(),
                None => panic!("the peer's bytes never arrived"),
            }
        };
        assert_eq!(&buf[..got], b"+late\r\n");
        // Still in blocking mode: a plain read waits for the next bytes.
        peer.write_all(b"+next\r\n").unwrap();
        let n = stream.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"+next\r\n");
        drop(peer);
        let closed = loop {
            match stream.read_waiting(&mut buf).unwrap() {
                Some(n) => break n,
                None if std::time::Instant::now() < deadline => std::thread::yield_now(),
                None => panic!("the close was never seen"),
            }
        };
        assert_eq!(closed, 0);
    }
}
