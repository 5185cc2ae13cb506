//! A soak under faults: four threads of scripts, plain commands, pipelines and transactions,
//! every reply checked against a token only its call could produce, while the server is
//! `CLIENT KILL`ed, its script cache flushed, stopped (`SIGSTOP`) past the clients' deadlines,
//! restarted (`kill -9`), and the workers are interrupted by signals every millisecond.
//!
//! ```text
//! cargo run --release --example soak -- 300     # seconds; 60 by default
//! ```
//!
//! Starts its own `redis-server` (`$REDIS_SERVER_BIN` or `redis-server` on `PATH`) on a free
//! port, in a temporary directory. Prints the counts; exits with 1 on any wrong reply, any
//! partly applied transaction, or any error once the faults are over. The suite runs the same
//! workload for 20 s (`tests/it/faults/soak.rs`).

mod common;
#[path = "common/faults/mod.rs"]
mod faults;

use faults::{soak_schedule, Plan, Server};
use redline::{Client, Protocol};
use std::process::{Child, ExitCode};
use std::time::{Duration, Instant};

/// The clients' read, write and connect deadline; the server is stopped for longer.
const DEADLINE: Duration = Duration::from_secs(1);
const STOPPED: Duration = Duration::from_millis(1500);

struct SoakServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SoakServer {
    fn start() -> Result<SoakServer, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        for _ in 0..10 {
            let port = common::free_port()?;
            let mut child = common::spawn_server(port, dir.path())?;
            if common::wait_until_ready(port, Duration::from_secs(10)) {
                return Ok(SoakServer { child, port, dir });
            }
            // Most likely the port was taken meanwhile: try another.
            let _ = child.kill();
            let _ = child.wait();
        }
        Err("could not start redis-server".into())
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server for SoakServer {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(child) = common::spawn_server(self.port, self.dir.path()) {
                self.child = child;
                if common::wait_until_ready(self.port, Duration::from_secs(2)) {
                    return;
                }
                self.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("could not restart redis-server on port {}", self.port);
        std::process::exit(2);
    }
}

impl Drop for SoakServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let seconds: u64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("not a number of seconds: {arg}"))?,
        None => 60,
    };
    let duration = Duration::from_secs(seconds);
    let mut server = SoakServer::start()?;
    let build = |protocol| {
        Client::builder()
            .port(server.port)
            .protocol(protocol)
            .read_timeout(Some(DEADLINE))
            .write_timeout(Some(DEADLINE))
            .connect_timeout(Some(DEADLINE))
            .build()
    };
    let clients = [build(Protocol::Resp2), build(Protocol::Resp3)];
    let admin = build(Protocol::Resp2);
    println!(
        "soak: {seconds} s against redis-server on port {}, 4 workers, deadlines {DEADLINE:?}",
        server.port
    );

    let plan = Plan {
        duration,
        workers: 4,
        ops: faults::default_ops(),
        schedule: soak_schedule(duration, STOPPED),
        signals: true,
    };
    let started = Instant::now();
    let counts = faults::run(&mut server, &clients, &admin, &plan);
    println!("under faults, {:?}: {counts}", started.elapsed());

    let quiet = Plan {
        duration: Duration::from_secs(1),
        schedule: Vec::new(),
        signals: false,
        ..plan
    };
    let after = faults::run(&mut server, &clients, &admin, &quiet);
    println!("afterwards, 1 s without faults: {after}");

    let failed =
        counts.wrong() + counts.partial() + after.wrong() + after.partial() + after.errors();
    Ok(if failed == 0 {
        println!("PASS");
        ExitCode::SUCCESS
    } else {
        println!("FAIL");
        ExitCode::from(1)
    })
}
