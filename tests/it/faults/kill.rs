//! `kill -9` in the middle of a 100,000-command pipeline, plain and atomic, on a server that
//! writes every command to its AOF before answering (`appendfsync always`); the server then
//! restarts on that AOF, and what it applied is read back.

use super::*;
use redline::{cmd, Commands, Value};
use std::time::Instant;

const N: usize = 100_000;

/// When the killer strikes.
#[derive(Clone, Copy, Debug)]
enum When {
    /// Once `DBSIZE` reaches this many keys (applied, and in the AOF).
    Applied(i64),
    /// Once the server holds this many commands queued in the transaction (`CLIENT LIST`'s
    /// `multi=`), before `EXEC` arrives.
    Queued(i64),
}

fn key(i: usize) -> String {
    format!("kill:{i}")
}

fn value(run: u64, i: usize) -> String {
    format!("{run}:{i}")
}

/// The most commands any client has queued in a transaction.
fn queued(watcher: &Client) -> i64 {
    let Ok(list) = watcher.query::<String>(cmd("CLIENT").arg("LIST")) else {
        return -1;
    };
    list.split_whitespace()
        .filter_map(|field| field.strip_prefix("multi="))
        .filter_map(|n| n.parse().ok())
        .max()
        .unwrap_or(-1)
}

/// What the restarted server holds: (keys present, first index absent, wrong values).
fn read_back(client: &Client, run: u64) -> (usize, usize, usize) {
    let (mut present, mut first_absent, mut wrong) = (0, N, 0);
    for start in (0..N).step_by(1000) {
        let keys: Vec<String> = (start..start + 1000).map(key).collect();
        let values: Vec<Option<String>> = client.mget(&keys[..]).unwrap();
        for (i, v) in (start..).zip(values) {
            match v {
                Some(v) if v == value(run, i) => present += 1,
                Some(_) => wrong += 1,
                None => first_absent = first_absent.min(i),
            }
        }
    }
    (present, first_absent, wrong)
}

fn round(atomic: bool, when: When) {
    let mut server = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    let client = server.client();
    let watcher = server.client();
    let run = workload::run_id();
    let mut pipe = client.pipeline();
    if atomic {
        pipe.atomic();
    }
    for i in 0..N {
        pipe.set(key(i), value(run, i));
    }
    let pid = server.pid();
    let (result, took, seen) = std::thread::scope(|s| {
        let killer = s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut seen = -1;
            while Instant::now() < deadline {
                seen = match when {
                    When::Applied(_) => watcher.dbsize().unwrap_or(-1),
                    When::Queued(_) => queued(&watcher),
                };
                match when {
                    When::Applied(n) | When::Queued(n) if seen >= n => break,
                    _ => std::thread::sleep(Duration::from_micros(200)),
                }
            }
            workload::signal(pid, libc::SIGKILL);
            seen
        });
        let started = Instant::now();
        let result = pipe.execute::<Vec<Value>>();
        let took = started.elapsed();
        (result, took, killer.join().unwrap())
    });
    let outcome = match &result {
        Ok(replies) => format!("Ok ({} replies)", replies.len()),
        Err(e) => workload::kind(e),
    };
    // The batch returns a connection error, never hangs (5 s deadline per segment); only a
    // kill that lands after EXEC's whole reply was read lets it succeed.
    if let Err(e) = &result {
        assert!(e.is_connection_broken(), "{e:?}");
    }
    assert!(took < Duration::from_secs(10), "{took:?}");

    server.restart(); // The same dir: the AOF is loaded again.
    let started = Instant::now();
    let (present, first_absent, wrong) = read_back(&server.client(), run);
    eprintln!(
        "faults::kill atomic={atomic} {when:?} (seen {seen}): the call returned after \
         {took:?}: {outcome}; after the restart {present} of {N} keys present, first absent \
         #{first_absent}, wrong values {wrong} (read back in {:?})",
        started.elapsed()
    );
    assert_eq!(wrong, 0, "values that are not their own");
    if atomic {
        assert!(
            present == 0 || present == N,
            "a partly applied transaction: {present}"
        );
    } else {
        // One connection executes in order: what was applied is a prefix of the batch.
        assert_eq!(present, first_absent.min(N), "not a prefix");
    }
    if let When::Applied(n) = when {
        // Whatever DBSIZE reported had been written to the AOF first.
        assert!(present as i64 >= n.min(seen), "{present} < {seen}");
    }
    if result.is_ok() {
        assert_eq!(present, N);
    }
}

#[test]
fn kill_9_in_the_middle_of_a_plain_pipeline() {
    let _serial = serial();
    round(false, When::Applied(30_000));
}

#[test]
fn kill_9_in_the_middle_of_a_transaction() {
    let _serial = serial();
    // While the commands are queued (nothing applied), then right after EXEC (all applied).
    round(true, When::Queued(50_000));
    round(true, When::Applied(1));
}
