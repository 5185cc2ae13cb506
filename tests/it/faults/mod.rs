//! Faults against real servers: every reply checked against a token only its call could
//! produce, transactions checked all-or-nothing, every call bounded in time.
//!
//! `kill -9` in the middle of a 100,000-command batch (`kill`), the server stopped (`stop`),
//! `CLIENT KILL` and `SCRIPT FLUSH` storms (`storms`), a restart during a batch job
//! (`restart`), a signal storm on the workers (`signals`), and a 20 s soak of all of them
//! (`soak`). The workload is the one `examples/soak.rs` runs, written once in
//! `examples/common/faults/`. Run with `--nocapture` to read the counts.

use crate::support::RedisServer;
use redline::{Client, Protocol};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

#[path = "../../../examples/common/faults/mod.rs"]
mod workload;

mod kill;
mod restart;
mod signals;
mod soak;
mod stop;
mod storms;

use workload::{Counts, Op, Plan, ALL_OPS};

/// The fault tests stop, kill and flood servers and signal threads: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

impl workload::Server for RedisServer {
    fn pid(&self) -> u32 {
        RedisServer::pid(self)
    }

    fn restart(&mut self) {
        RedisServer::restart(self)
    }
}

/// A RESP2 and a RESP3 client with the given deadline for reads, writes and connects.
fn clients(server: &RedisServer, deadline: Duration) -> Vec<Client> {
    [Protocol::Resp2, Protocol::Resp3]
        .into_iter()
        .map(|protocol| {
            server
                .builder()
                .protocol(protocol)
                .read_timeout(Some(deadline))
                .write_timeout(Some(deadline))
                .connect_timeout(Some(deadline))
                .build()
        })
        .collect()
}

/// Runs `plan` on a fresh server, prints the counts under `name`, and checks what holds under
/// every fault: no wrong reply, no partial transaction, no call past `bound`.
fn run(
    name: &str,
    server: &mut RedisServer,
    clients: &[Client],
    plan: &Plan,
    bound: Duration,
) -> Counts {
    let admin = admin(server);
    let counts = workload::run(server, clients, &admin, plan);
    eprintln!("faults::{name}: {counts}");
    assert_eq!(counts.wrong(), 0, "{name}: wrong replies");
    assert_eq!(counts.partial(), 0, "{name}: partly applied transactions");
    assert!(
        counts.slowest() < bound,
        "{name}: a call took {:?}",
        counts.slowest()
    );
    assert!(counts.ok() > 0, "{name}: nothing succeeded");
    counts
}

fn admin(server: &RedisServer) -> Client {
    server
        .builder()
        .read_timeout(Some(Duration::from_secs(1)))
        .write_timeout(Some(Duration::from_secs(1)))
        .connect_timeout(Some(Duration::from_secs(1)))
        .build()
}

/// `plan`'s defaults: 4 workers of every kind of step, no faults, no signals.
fn plan(duration: Duration) -> Plan {
    Plan {
        duration,
        workers: 4,
        ops: workload::default_ops(),
        schedule: Vec::new(),
        signals: false,
    }
}

/// A short run with no faults: after the faults stopped, everything succeeds again.
fn quiet_afterwards(name: &str, server: &mut RedisServer, clients: &[Client]) {
    let counts = run(
        &format!("{name} (afterwards)"),
        server,
        clients,
        &plan(Duration::from_millis(300)),
        Duration::from_secs(5),
    );
    assert_eq!(counts.errors(), 0, "{name}: errors once the faults stopped");
    for op in ALL_OPS {
        assert!(counts.ok_of(op) > 0, "{name}: no {op:?} afterwards");
    }
}
