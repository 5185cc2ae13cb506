//! The ceiling of the pipelined rows (2, 2b, 3, 8, 8b): the scenario's own batches replayed on
//! a raw socket.
//!
//! redis-benchmark's `-t set` / `-t get` without `-r` hit one key, so its figure is the ceiling
//! of another workload than scenarios 2 and 8. The replay sends exactly the commands a client
//! sends in the scenario (same keys, values of the same length, same batch size), encoded before
//! the clock starts, each batch in one `write_all`; it then reads the batch's replies, whose
//! exact bytes are known in advance, with one `read_exact` into a ready buffer, and compares
//! them after the clock stops. Nothing is parsed or allocated while timed: what is left is the
//! server's work, the loopback and two system calls per batch.

use crate::server::{self, resp};
use crate::{Ctx, Res};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One scenario's batches, encoded, and the replies the server must send.
pub struct Work {
    /// Per batch: its commands in RESP, and the byte count of its replies.
    batches: Vec<(Vec<u8>, usize)>,
    /// Every batch's replies, back to back.
    expected: Vec<u8>,
}

impl Work {
    /// `total` commands in batches of `batch` (the last one shorter, as in the clients' loops);
    /// `command(i, request, reply)` appends command `i` and the exact reply to it.
    fn build(
        total: usize,
        batch: usize,
        mut command: impl FnMut(usize, &mut Vec<u8>, &mut Vec<u8>),
    ) -> Work {
        let mut batches = Vec::with_capacity(total.div_ceil(batch));
        let mut expected = Vec::new();
        for start in (0..total).step_by(batch) {
            let mut request = Vec::new();
            let before = expected.len();
            for i in start..(start + batch).min(total) {
                command(i, &mut request, &mut expected);
            }
            batches.push((request, expected.len() - before));
        }
        Work { batches, expected }
    }

    /// Scenario 2 (and 2b, with one key repeated): `SET key value` for each key.
    pub fn set<K: AsRef<[u8]>>(keys: &[K], value: &str, batch: usize) -> Work {
        Work::build(keys.len(), batch, |i, request, reply| {
            request.extend(resp(&[b"SET", keys[i].as_ref(), value.as_bytes()]));
            reply.extend_from_slice(b"+OK\r\n");
        })
    }

    /// Scenario 3: `EVALSHA sha 1 key 1` `total` times; the script is `INCRBY key 1`, so the
    /// replies are `base + 1`, `base + 2`, ... where `base` is the key's value before the run.
    pub fn evalsha(sha: &str, key: &str, base: i64, total: usize, batch: usize) -> Work {
        let mut next = base;
        Work::build(total, batch, |_, request, reply| {
            request.extend(resp(&[
                b"EVALSHA",
                sha.as_bytes(),
                b"1",
                key.as_bytes(),
                b"1",
            ]));
            next += 1;
            reply.extend_from_slice(format!(":{next}\r\n").as_bytes());
        })
    }

    /// Scenario 8 (and 8b, with one key repeated): `GET key` for each key, whose value is
    /// `values(i)`.
    pub fn get<K: AsRef<[u8]>>(keys: &[K], batch: usize, values: impl Fn(usize) -> String) -> Work {
        Work::build(keys.len(), batch, |i, request, reply| {
            request.extend(resp(&[b"GET", keys[i].as_ref()]));
            let value = values(i);
            reply.extend_from_slice(format!("${}\r\n{value}\r\n", value.len()).as_bytes());
        })
    }
}

/// A plain `TcpStream` with `TCP_NODELAY` (like both clients) and the buffer replies are read
/// into.
pub struct Replay {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Replay {
    pub fn connect(port: u16) -> Res<Replay> {
        let stream = TcpStream::connect(("127.0.0.1", port)).ctx("replay connect")?;
        stream.set_nodelay(true).ctx("replay nodelay")?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ctx("replay timeout")?;
        Ok(Replay {
            stream,
            buf: Vec::new(),
        })
    }

    /// Times the batches of `work`, then checks every reply byte and that nothing is left on
    /// the socket. `who` names the scenario in errors.
    pub fn run(&mut self, who: &str, work: &Work) -> Res<Duration> {
        // Zeroed before the clock: every page is mapped, and no byte of an earlier run can pass
        // for this one's.
        self.buf.clear();
        self.buf.resize(work.expected.len(), 0);
        let mut at = 0;
        let t = Instant::now();
        for (request, len) in &work.batches {
            self.stream.write_all(request).ctx("replay write")?;
            self.stream
                .read_exact(&mut self.buf[at..at + len])
                .ctx("replay read")?;
            at += len;
        }
        let elapsed = t.elapsed();
        self.check(who, work)?;
        server::check_drained(&mut self.stream, who)?;
        Ok(elapsed)
    }

    /// The replies are byte for byte the expected ones; a mismatch names its batch.
    fn check(&self, who: &str, work: &Work) -> Res<()> {
        if self.buf == work.expected {
            return Ok(());
        }
        let mut at = 0;
        for (i, &(_, len)) in work.batches.iter().enumerate() {
            let (got, want) = (&self.buf[at..at + len], &work.expected[at..at + len]);
            if let Some(d) = got.iter().zip(want).position(|(g, w)| g != w) {
                let shown =
                    |b: &[u8]| String::from_utf8_lossy(&b[d..(d + 40).min(len)]).into_owned();
                return Err(format!(
                    "{who}: batch {i}, byte {d} of its replies: got {:?}, want {:?}",
                    shown(got),
                    shown(want)
                ));
            }
            at += len;
        }
        Err(format!("{who}: replies differ from the expected ones"))
    }
}
