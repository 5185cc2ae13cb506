//! Shared by the examples: connect to `REDIS_URL`, or start a private throwaway server.

use redline::{Client, Commands};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` this example started; killed when dropped.
pub struct Throwaway(Child, std::path::PathBuf, u16);

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

impl Throwaway {
    /// Stops the server with `SHUTDOWN SAVE` (its data written to `dump.rdb` in its directory)
    /// and starts it again on the same port, where it loads that data back: a restart that
    /// keeps the keys, as a server with persistence would.
    #[allow(dead_code)] // Only the examples that show a restart use it.
    pub fn restart(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let client = Client::builder().port(self.2).build();
        // The server closes the connection instead of replying: an error here is expected.
        let _ = client.query::<redline::Value>(redline::cmd("SHUTDOWN").arg("SAVE"));
        self.0.wait()?;
        self.0 = spawn_server(self.2, &self.1)?;
        if !wait_until_ready(self.2, Duration::from_secs(10)) {
            return Err("the throwaway redis-server did not come back".into());
        }
        Ok(())
    }
}

/// Connects to `REDIS_URL` (default `redis://127.0.0.1:6379`). When nothing answers there and
/// `redis-server` is on `PATH`, starts a private server on a free port instead. Which one it
/// is goes to stderr, so that stdout holds only what the example prints (`eval`'s reply).
#[allow(dead_code)] // Not every example uses both.
pub fn connect() -> Result<(Client, Option<Throwaway>), Box<dyn std::error::Error>> {
    connect_to("REDIS_URL", "redis://127.0.0.1:6379")
}

/// Like [`connect`], with the URL from the environment variable `var`.
pub fn connect_to(
    var: &str,
    default: &str,
) -> Result<(Client, Option<Throwaway>), Box<dyn std::error::Error>> {
    let url = std::env::var(var).unwrap_or_else(|_| default.into());
    let client = redline::ClientBuilder::from_url(&url)?
        .connect_timeout(Some(Duration::from_secs(1)))
        .build();
    if client.ping().is_ok() {
        eprintln!("using the server at {url}");
        return Ok((client, None));
    }
    let port = free_port()?;
    let dir = std::env::temp_dir().join(format!("redline-example-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let child = spawn_server(port, &dir).map_err(|e| {
        format!("nothing answers at {url}, and redis-server could not be started: {e}")
    })?;
    let guard = Throwaway(child, dir, port);
    if !wait_until_ready(port, Duration::from_secs(10)) {
        return Err("the throwaway redis-server did not start".into());
    }
    let client = Client::builder().port(port).build();
    eprintln!("nothing answered at {url}; started a throwaway redis-server on port {port}");
    Ok((client, Some(guard)))
}

/// A port nothing listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `$REDIS_SERVER_BIN` (or `redis-server` on `PATH`) on `port` with its files in `dir`,
/// persisting nothing.
pub fn spawn_server(port: u16, dir: &std::path::Path) -> std::io::Result<Child> {
    let binary = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".into());
    Command::new(binary)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// Whether a server on `port` answers `PING` within `timeout`.
pub fn wait_until_ready(port: u16, timeout: Duration) -> bool {
    let client = Client::builder()
        .port(port)
        .connect_timeout(Some(Duration::from_millis(500)))
        .read_timeout(Some(Duration::from_millis(500)))
        .build();
    let deadline = Instant::now() + timeout;
    while client.ping().is_err() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}
