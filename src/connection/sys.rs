//! The socket calls std does not offer: a non-blocking read in one system call, TCP
//! keepalive with its timings, and a wait for the first of several sockets to be readable
//! (`poll`, for a Pub/Sub subscriber with connections to several cluster nodes). The only `unsafe` code in the crate, and Linux only: elsewhere
//! the probe takes the portable three-call path and keepalive is left to the system.
//!
//! They call the C library std already links (no dependency is added). Each call passes file
//! descriptors the caller's live sockets own and a pointer and length from one Rust buffer,
//! `c_int` or slice, so nothing outlives the call and nothing is written past the buffer.

#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

// Linux's values, the same on every architecture Rust supports there.
const SOL_SOCKET: c_int = 1;
const SO_KEEPALIVE: c_int = 9;
const IPPROTO_TCP: c_int = 6;
const TCP_KEEPIDLE: c_int = 4;
const TCP_KEEPINTVL: c_int = 5;
const TCP_KEEPCNT: c_int = 6;
const MSG_PEEK: c_int = 0x2;
const MSG_DONTWAIT: c_int = 0x40;

const POLLIN: i16 = 0x1;

/// `struct pollfd`.
#[repr(C)]
struct PollFd {
    fd: c_int,
    events: i16,
    revents: i16,
}

extern "C" {
    fn poll(fds: *mut PollFd, nfds: std::ffi::c_ulong, timeout: c_int) -> c_int;
    fn recv(fd: c_int, buf: *mut c_void, len: usize, flags: c_int) -> isize;
    fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_void, len: u32) -> c_int;
}

/// Reads what is waiting on `socket` without blocking, in one system call (the socket stays in
/// blocking mode): `None` when nothing is, `Some(0)` at end of stream. With `peek`, the bytes
/// stay on the socket.
pub(super) fn read_waiting(
    socket: &impl AsRawFd,
    buf: &mut [u8],
    peek: bool,
) -> io::Result<Option<usize>> {
    let flags = MSG_DONTWAIT | if peek { MSG_PEEK } else { 0 };
    loop {
        // SAFETY: the descriptor belongs to `socket`, borrowed for the call; `buf` is a live,
        // exclusively borrowed buffer of `buf.len()` bytes, and `recv` writes at most that.
        let n = unsafe {
            recv(
                socket.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                flags,
            )
        };
        if let Ok(n) = usize::try_from(n) {
            return Ok(Some(n));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::WouldBlock => return Ok(None),
            io::ErrorKind::Interrupted => continue,
            _ => return Err(e),
        }
    }
}

/// Waits until one of `sockets` is readable (data, or the peer closed), at most `timeout`
/// (`None`: for ever): which are, all false when the time ran out.
pub(super) fn wait_readable(
    sockets: &[std::os::fd::RawFd],
    timeout: Option<Duration>,
) -> io::Result<Vec<bool>> {
    let mut fds: Vec<PollFd> = sockets
        .iter()
        .map(|&fd| PollFd {
            fd,
            events: POLLIN,
            revents: 0,
        })
        .collect();
    let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
    loop {
        let millis = match deadline {
            None => -1,
            Some(by) => {
                let left = by.saturating_duration_since(std::time::Instant::now());
                // Rounded up, so that a wait never ends before its time.
                let ms = left.as_micros().div_ceil(1000);
                c_int::try_from(ms).unwrap_or(c_int::MAX)
            }
        };
        // SAFETY: `fds` is a live, exclusively borrowed array of `fds.len()` `pollfd`s, laid out
        // as C's; the kernel reads them and writes only their `revents`, during the call. The
        // descriptors belong to sockets the caller holds for the call.
        let n = unsafe { poll(fds.as_mut_ptr(), fds.len() as std::ffi::c_ulong, millis) };
        if n >= 0 {
            return Ok(fds.iter().map(|f| f.revents != 0).collect());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Turns keepalive on: the first probe after `idle` without traffic, then every `interval`,
/// the connection declared dead after `count` unanswered probes.
pub(super) fn set_keepalive(
    socket: &impl AsRawFd,
    idle: Duration,
    interval: Duration,
    count: u32,
) -> io::Result<()> {
    // The kernel takes whole seconds, at least 1 and at most 32,767.
    let secs = |d: Duration| d.as_secs().clamp(1, 32_767) as c_int;
    set(socket, SOL_SOCKET, SO_KEEPALIVE, 1)?;
    set(socket, IPPROTO_TCP, TCP_KEEPIDLE, secs(idle))?;
    set(socket, IPPROTO_TCP, TCP_KEEPINTVL, secs(interval))?;
    set(
        socket,
        IPPROTO_TCP,
        TCP_KEEPCNT,
        count.clamp(1, 127) as c_int,
    )
}

fn set(socket: &impl AsRawFd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: the descriptor belongs to `socket`, borrowed for the call; the option value is a
    // `c_int` on the stack, read by the kernel during the call, with its exact size.
    let done = unsafe {
        setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&value as *const c_int).cast(),
            std::mem::size_of::<c_int>() as u32,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads the keepalive settings back, for the tests.
#[cfg(test)]
pub(super) fn keepalive(socket: &impl AsRawFd) -> io::Result<(bool, c_int, c_int, c_int)> {
    extern "C" {
        fn getsockopt(
            fd: c_int,
            level: c_int,
            name: c_int,
            value: *mut c_void,
            len: *mut u32,
        ) -> c_int;
    }
    let get = |level: c_int, name: c_int| -> io::Result<c_int> {
        let mut value: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as u32;
        // SAFETY: as in `set`; the kernel writes at most `len` bytes into `value`.
        let done = unsafe {
            getsockopt(
                socket.as_raw_fd(),
                level,
                name,
                (&mut value as *mut c_int).cast(),
                &mut len,
            )
        };
        if done == 0 {
            Ok(value)
        } else {
            Err(io::Error::last_os_error())
        }
    };
    Ok((
        get(SOL_SOCKET, SO_KEEPALIVE)? != 0,
        get(IPPROTO_TCP, TCP_KEEPIDLE)?,
        get(IPPROTO_TCP, TCP_KEEPINTVL)?,
        get(IPPROTO_TCP, TCP_KEEPCNT)?,
    ))
}
