//! Real `redis-server` processes for the tests: a free port and a temp dir each, killed on drop.
//!
//! The binary is `$REDIS_SERVER_BIN` or `redis-server` on `PATH`. No test uses a server that
//! someone else started. Which server that binary is (Redis or Valkey, and its version) is found
//! once per test run ([`server_kind`]); a test that needs what a server lacks is skipped with
//! [`skip_unless!`], which says so on stderr.

use redline::{Client, ClientBuilder, Commands, Protocol};
use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    extra: Vec<String>,
    /// False only for the server started to detect what the binary is.
    detected: bool,
}

fn binary() -> String {
    std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_string())
}

fn free_port() -> u16 {
    // Bind to :0 and let the OS pick; the tiny race with another process is handled by the
    // retry in `spawn`.
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl RedisServer {
    /// A fresh server with default settings.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// A fresh server with extra `redis-server` arguments (`["--requirepass", "x"]`).
    pub fn start_with(extra: &[&str]) -> RedisServer {
        server_kind(); // Before the first spawn, which needs to know the version.
        RedisServer::launch(extra, true)
    }

    fn launch(extra: &[&str], detected: bool) -> RedisServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = RedisServer {
            child: None,
            port: 0,
            dir,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            detected,
        };
        for _ in 0..10 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("could not start {} after 10 attempts", binary());
    }

    /// A server on `port` (with its cluster bus on `port + 10000` when cluster-enabled), or
    /// `None` when it could not start there (the port was taken).
    pub fn start_on_port(port: u16, extra: &[&str]) -> Option<RedisServer> {
        server_kind(); // Before the first spawn, which needs to know the version.
        let mut server = RedisServer {
            child: None,
            port,
            dir: tempfile::tempdir().expect("temp dir"),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            detected: true,
        };
        server.spawn().then_some(server)
    }

    fn spawn(&mut self) -> bool {
        let mut cmd = Command::new(binary());
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--unixsocket")
            .arg(self.unix_socket())
            .arg("--unixsocketperm")
            .arg("700");
        // DEBUG is off by default from 7.0 on, and 6.2 refuses the option that turns it on.
        if self.detected && server_kind().redis_version >= (7, 0, 0) {
            cmd.arg("--enable-debug-command").arg("yes");
        }
        cmd.args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "`{}` was not found: install redis-server (apt-get install redis-server) \
                 or set REDIS_SERVER_BIN",
                binary()
            ),
            Err(e) => panic!("could not run {}: {e}", binary()),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                return false; // Exited: most likely the port was taken.
            }
            if self.ping() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        false
    }

    fn ping(&self) -> bool {
        matches!(raw_command(self.port, &["PING"]), Some(r) if r.starts_with("+PONG") || r.starts_with("-NOAUTH"))
    }

    /// A guard to hold while a script or function spins: if the test panics, dropping it stops
    /// the script so the test ends instead of hanging (see [`StopScriptOnPanic`]).
    pub fn stop_script_on_panic(&self) -> StopScriptOnPanic {
        StopScriptOnPanic { port: self.port }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn unix_socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A client speaking `protocol`.
    pub fn client_with(&self, protocol: Protocol) -> Client {
        self.builder().protocol(protocol).build()
    }

    /// A RESP2 client.
    pub fn client(&self) -> Client {
        self.client_with(Protocol::Resp2)
    }

    pub fn builder(&self) -> ClientBuilder {
        Client::builder().host("127.0.0.1").port(self.port)
    }

    /// Kills the server (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts a new one on the same port, with an empty dataset.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("could not restart redis-server on port {}", self.port);
    }

    /// The server's process id (for signals), or 0 when it is not running.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }
}

/// One command on a fresh TCP connection with no handshake (which a busy server would refuse);
/// the start of the reply, `None` when the server is not there or did not answer in 500 ms.
fn raw_command(port: u16, args: &[&str]) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    s.write_all(request.as_bytes()).ok()?;
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Stops a spinning script or function when the test panics while it runs: `SCRIPT KILL` and
/// `FUNCTION KILL` from fresh connections, retried for 3 s in case the script has not started
/// yet, and `SHUTDOWN NOSAVE` for a script that wrote (`UNKILLABLE`). Without it a failed
/// assertion leaves the script's caller thread waiting for its read deadline (for ever on a
/// client without one) before the test can end.
pub struct StopScriptOnPanic {
    port: u16,
}

impl Drop for StopScriptOnPanic {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            for kind in ["SCRIPT", "FUNCTION"] {
                match raw_command(self.port, &[kind, "KILL"]) {
                    Some(reply) if reply.starts_with("+OK") => return,
                    Some(reply) if reply.starts_with("-UNKILLABLE") => {
                        let _ = raw_command(self.port, &["SHUTDOWN", "NOSAVE"]);
                        return;
                    }
                    _ => {}
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Both protocol versions, for tests that must hold in each.
pub const PROTOCOLS: [Protocol; 2] = [Protocol::Resp2, Protocol::Resp3];

/// The server a binary is, from its `INFO server`.
#[derive(Debug)]
pub struct ServerKind {
    /// `"redis"` or `"valkey"` (`server_name`, absent before Valkey).
    pub name: String,
    /// The server's own version: `valkey_version` on Valkey, else `redis_version`.
    pub version: Version,
    /// The Redis version whose features and protocol the server has: Valkey 8 and 9 say 7.2.4.
    pub redis_version: Version,
}

/// `(major, minor, patch)`, comparable: `server_kind().redis_version >= (7, 0, 0)`.
pub type Version = (u32, u32, u32);

impl ServerKind {
    pub fn is_valkey(&self) -> bool {
        self.name == "valkey"
    }

    /// How the server names itself in its texts: "Redis is busy ...", "Valkey is busy ...".
    pub fn product(&self) -> &'static str {
        if self.is_valkey() {
            "Valkey"
        } else {
            "Redis"
        }
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor, patch) = self.version;
        write!(f, "{} {major}.{minor}.{patch}", self.name)
    }
}

/// How the server starts its error for an unknown command: Redis 6 quotes the name with
/// backquotes.
pub fn unknown_command_text(name: &str) -> String {
    if server_kind().redis_version >= (7, 0, 0) {
        format!("ERR unknown command '{name}'")
    } else {
        format!("ERR unknown command `{name}`")
    }
}

/// Redis 7.0 brought functions, EVAL_RO/EVALSHA_RO and script flags: what Redis 6.2 lacks.
pub fn has_redis7_scripting() -> bool {
    server_kind().redis_version >= (7, 0, 0)
}

pub const NEEDS_FUNCTIONS: &str = "FUNCTION and FCALL came in Redis 7.0";
pub const NEEDS_RO: &str = "EVAL_RO, EVALSHA_RO and script flags came in Redis 7.0";
/// `CLIENT LIST` and `CLIENT INFO` show each connection's protocol from Redis 7.0 on.
pub const NEEDS_RESP_FIELD: &str = "CLIENT LIST/INFO show resp= from Redis 7.0";

/// What the binary under test is, found once (a throwaway server answers `INFO server`).
pub fn server_kind() -> &'static ServerKind {
    static DETECTED: OnceLock<ServerKind> = OnceLock::new();
    DETECTED.get_or_init(|| {
        let probe = RedisServer::launch(&[], false);
        let info = probe
            .client()
            .info(Some("server"))
            .unwrap_or_else(|e| panic!("INFO server on {}: {e}", binary()));
        parse_server_info(&info).unwrap_or_else(|| panic!("{} INFO server: {info}", binary()))
    })
}

fn parse_server_info(info: &str) -> Option<ServerKind> {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    let version = |text: &str| -> Option<Version> {
        let mut parts = text.split('.').map(|p| p.parse::<u32>());
        Some((
            parts.next()?.ok()?,
            parts.next()?.ok()?,
            parts.next().unwrap_or(Ok(0)).ok()?,
        ))
    };
    let redis_version = version(field("redis_version")?)?;
    let name = field("server_name").unwrap_or("redis").to_string();
    let own = match field("valkey_version") {
        Some(v) => version(v)?,
        None => redis_version,
    };
    Some(ServerKind {
        name,
        version: own,
        redis_version,
    })
}

/// The name under which `INFO commandstats` counts `command` (`script|load`, `evalsha`): before
/// Redis 7.0 a subcommand is counted with its command (`script`), so a count of `script|load`
/// there is the count of every SCRIPT subcommand.
pub fn commandstat_name(command: &str) -> &str {
    match command.split_once('|') {
        Some((base, _)) if server_kind().redis_version < (7, 0, 0) => base,
        _ => command,
    }
}

/// Prints `SKIPPED <test>: <reason> (server <name> <version>)`, or `SKIPPED <test> (in part): ...`
/// when the test goes on without that part; each line once. Written to the process's stderr,
/// not through `eprintln!`, which the test harness captures and shows only on failure.
pub fn report_skip(here: &str, reason: &str, whole: bool) {
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    // The harness names a test's thread after the test; a thread of the test's own has no name.
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => name.to_string(),
        _ => here
            .strip_suffix("::here")
            .unwrap_or(here)
            .replace("::{{closure}}", ""),
    };
    let test = test.strip_prefix("it::").unwrap_or(&test);
    let part = if whole { "" } else { " (in part)" };
    let line = format!(
        "SKIPPED {test}{part}: {reason} (server {})\n",
        server_kind()
    );
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if !seen.contains(&line) {
        let _ = std::io::stderr().write_all(line.as_bytes());
        seen.push(line);
    }
}

/// The path of a function item: the macros below name their test with a `fn here` of their own.
/// (`std::any::type_name_of_val` needs a newer Rust than the crate's MSRV.)
pub fn path_of<T>(_: &T) -> &'static str {
    std::any::type_name::<T>()
}

/// `supported!(cond, "reason")` is `cond`; when false it also reports that the test skips a part
/// (see [`report_skip`]). For a part of a test that needs what the server truly lacks.
macro_rules! supported {
    ($cond:expr, $reason:expr) => {{
        let supported: bool = $cond;
        if !supported {
            fn here() {}
            $crate::support::report_skip($crate::support::path_of(&here), &$reason, false);
        }
        supported
    }};
}
pub(crate) use supported;

/// `skip_unless!(cond, "reason")`: when `cond` is false, reports the test as skipped (see
/// [`report_skip`]) and returns from it. For a test of what the server truly lacks.
macro_rules! skip_unless {
    ($cond:expr, $reason:expr) => {
        if !$cond {
            fn here() {}
            $crate::support::report_skip($crate::support::path_of(&here), &$reason, true);
            return;
        }
    };
}
pub(crate) use skip_unless;
