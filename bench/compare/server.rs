//! The server under test, the redis-benchmark figures, and the raw-socket wire floor.

use crate::data::{self, Data, HASH_KEY, LIST_KEY};
use crate::{Ctx, Res};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` on a free port in a temp dir, without persistence, killed on drop.
pub struct Server {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Res<Server> {
        Server::start_with(&[])
    }

    /// A server with extra arguments (the TLS section's `--tls-port ...`).
    pub fn start_with(extra: &[String]) -> Res<Server> {
        let bin = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ctx("finding a free port")?
            .port();
        let dir = tempfile::tempdir().ctx("temp dir")?;
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(dir.path())
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .args(extra)
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ctx(&format!("starting {bin} (set REDIS_SERVER_BIN)"))?;
        let mut server = Server {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if ping(port).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{bin} exited at start: {status}"));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{bin} did not answer PING on port {port} within 10 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

fn ping(port: u16) -> io::Result<()> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(1)))?;
    s.write_all(b"*1\r\n$4\r\nPING\r\n")?;
    let mut reply = [0u8; 7];
    s.read_exact(&mut reply)?;
    if &reply == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(io::Error::other("not PONG"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `redis-benchmark -c 1 -P 1000 -n N --csv ...` against the same server.
pub struct Bench {
    bin: String,
    port: u16,
    n: usize,
}

impl Bench {
    /// `None` (its figures are skipped, with a note) when the binary is absent.
    pub fn find(port: u16, n: usize) -> Option<Bench> {
        let bin = std::env::var("REDIS_BENCHMARK_BIN").unwrap_or_else(|_| "redis-benchmark".into());
        let ok = Command::new(&bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("compare: {bin} not found: its figures for 2, 3, 8 skipped");
        }
        ok.then_some(Bench { bin, port, n })
    }

    /// Runs one test and returns its requests per second.
    pub fn run(&self, test: &[&str]) -> Res<f64> {
        let out = Command::new(&self.bin)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-c", "1", "-P", "1000", "-n", &self.n.to_string(), "--csv"])
            .args(test)
            .stdin(Stdio::null())
            .output()
            .ctx("running redis-benchmark")?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        ensure!(
            out.status.success(),
            "redis-benchmark {test:?} failed: {} {stdout}",
            out.status
        );
        // "test","rps",... then "SET","1250000.00",...
        let rps = stdout
            .lines()
            .filter(|l| !l.starts_with("\"test\""))
            .find_map(|l| l.split(',').nth(1))
            .map(|f| f.trim_matches('"'))
            .and_then(|f| f.parse::<f64>().ok());
        match rps {
            Some(rps) if rps > 0.0 => Ok(rps),
            _ => Err(format!("redis-benchmark {test:?}: no ops/s in {stdout:?}")),
        }
    }
}

/// The wire floor: the same requests on a raw socket, reading exactly the reply's byte count
/// into a ready buffer, parsing nothing.
pub struct Floor {
    stream: TcpStream,
    buf: Vec<u8>,
    /// LRANGE, HGETALL, GET small big value, GET large big value: (request, reply length).
    requests: Vec<(Vec<u8>, usize)>,
}

/// A RESP command, written by hand.
pub fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Bytes a RESP2 bulk string of `len` bytes takes.
fn bulk_len(len: usize) -> usize {
    1 + len.to_string().len() + 2 + len + 2
}

fn array_header_len(n: usize) -> usize {
    1 + n.to_string().len() + 2
}

impl Floor {
    /// The reply lengths come from the known data (a hash's reply length does not depend on
    /// the field order); each read checks the reply's frame and that nothing is left over.
    pub fn connect(port: u16, data: &Data) -> Res<Floor> {
        let stream = TcpStream::connect(("127.0.0.1", port)).ctx("floor connect")?;
        stream.set_nodelay(true).ctx("nodelay")?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ctx("floor timeout")?;
        let list = array_header_len(data.list_len)
            + (0..data.list_len)
                .map(|i| bulk_len(data::list_item(i).len()))
                .sum::<usize>();
        let hash = array_header_len(2 * data.hash_fields)
            + (0..data.hash_fields)
                .map(|i| bulk_len(data::hash_field(i).len()) + bulk_len(data::hash_value(i).len()))
                .sum::<usize>();
        let mut requests = vec![
            (resp(&[b"LRANGE", LIST_KEY.as_bytes(), b"0", b"-1"]), list),
            (resp(&[b"HGETALL", HASH_KEY.as_bytes()]), hash),
        ];
        for (key, value) in &data.big {
            requests.push((resp(&[b"GET", key.as_bytes()]), bulk_len(value.len())));
        }
        let max = requests.iter().map(|r| r.1).max().unwrap_or(0);
        // Written once so that its pages are mapped before any timing.
        let buf = vec![0xa5; max];
        let mut floor = Floor {
            stream,
            buf,
            requests,
        };
        for i in 0..floor.requests.len() {
            floor.time(i)?;
        }
        floor.check_drained()?;
        Ok(floor)
    }

    pub fn time(&mut self, i: usize) -> Res<Duration> {
        let (request, len) = &self.requests[i];
        let buf = &mut self.buf[..*len];
        let t = Instant::now();
        self.stream.write_all(request).ctx("floor write")?;
        self.stream.read_exact(buf).ctx("floor read")?;
        let elapsed = t.elapsed();
        ensure!(
            matches!(buf[0], b'*' | b'$') && buf.ends_with(b"\r\n"),
            "floor: request {i} got a reply that is not an array or a bulk string"
        );
        Ok(elapsed)
    }

    /// No byte is left unread: the computed lengths were exact.
    pub fn check_drained(&mut self) -> Res<()> {
        check_drained(&mut self.stream, "floor")
    }
}

/// No byte is left unread on a raw socket (the wire floor, the replay): the reply lengths
/// computed in advance were exact. `who` names the socket in the error.
pub fn check_drained(stream: &mut TcpStream, who: &str) -> Res<()> {
    std::thread::sleep(Duration::from_millis(5));
    stream.set_nonblocking(true).ctx("nonblocking")?;
    let mut byte = [0u8; 1];
    let peek = stream.peek(&mut byte);
    stream.set_nonblocking(false).ctx("blocking")?;
    match peek {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
        other => Err(format!("{who}: bytes left after the replies: {other:?}")),
    }
}

/// CPU model and core count, from /proc/cpuinfo.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_string();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    format!("{model}, {cores} cores")
}
