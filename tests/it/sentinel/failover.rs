//! Scripts and pipelines from 4 threads while the master fails over: `SENTINEL FAILOVER`, then
//! kill -9 of the new master. Every call returns its right value or a typed error, and calls
//! succeed again within the documented time.

use super::harness::{note, Deployment, Options};
use redline::{cmd, Client, Commands, ConnectionLike, Error, ScriptCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const THREADS: usize = 4;
/// What docs/sentinel.md promises with `down-after-milliseconds 1000`: a forced failover, and
/// a master killed, each cost at most this much of failing calls.
const FORCED_BOUND: Duration = Duration::from_secs(5);
const KILLED_BOUND: Duration = Duration::from_secs(10);

/// What the threads saw.
#[derive(Default)]
struct Log {
    ok: u64,
    /// When each call that failed ended, and how.
    errors: Vec<(Instant, String)>,
    wrong: Vec<String>,
}

static ECHO: ScriptCode = ScriptCode::from_static("return {ARGV[1], redis.call('INCR', KEYS[1])}");

fn worker(client: &Client, t: usize, stop: &AtomicBool, log: &Mutex<Log>) {
    let key = format!("{{t{t}}}:n");
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let token = format!("t{t}-{n}");
        let outcome: Result<(), Error> = if n % 2 == 0 {
            ECHO.call_on::<(String, i64), _>(client, &key, &token)
                .map(|(echo, count)| check(&token, &echo, count, log))
        } else {
            client
                .pipeline()
                .script(&ECHO, &key, &token)
                .incr(format!("{{t{t}}}:p"))
                .execute::<((String, i64), i64)>()
                .map(|((echo, count), p)| {
                    check(&token, &echo, count, log);
                    if p < 1 {
                        log.lock().unwrap().wrong.push(format!("{token}: INCR {p}"));
                    }
                })
        };
        let mut log = log.lock().unwrap();
        match outcome {
            Ok(()) => log.ok += 1,
            Err(e) => {
                // Typed: the enum says what it is; the connection errors and the Sentinel
                // error are what a failover may cost.
                let kind = match &e {
                    Error::Io { .. } => "io",
                    Error::Timeout { .. } => "timeout",
                    Error::Sentinel { .. } => "sentinel",
                    Error::Server { .. } => "server",
                    Error::Pipeline { .. } => "pipeline",
                    Error::Broken => "broken",
                    _ => "other",
                };
                log.errors.push((Instant::now(), format!("{kind}: {e}")));
            }
        }
    }
}

fn check(token: &str, echo: &str, count: i64, log: &Mutex<Log>) {
    if echo != token || count < 1 {
        log.lock()
            .unwrap()
            .wrong
            .push(format!("sent {token}, got ({echo}, {count})"));
    }
}

/// How long after `since` calls kept failing: the end of the last failure, or zero.
fn outage(log: &Mutex<Log>, since: Instant) -> Duration {
    let log = log.lock().unwrap();
    log.errors
        .iter()
        .filter(|(at, _)| *at >= since)
        .map(|(at, _)| *at - since)
        .max()
        .unwrap_or_default()
}

/// Waits until every thread has had calls succeed for `quiet` in a row after `since`.
fn wait_calm(log: &Mutex<Log>, since: Instant, quiet: Duration, within: Duration) {
    let deadline = since + within;
    loop {
        let last_error = {
            let log = log.lock().unwrap();
            log.errors.last().map(|(at, _)| *at)
        };
        let calm_since = last_error.filter(|at| *at > since).unwrap_or(since);
        if calm_since.elapsed() >= quiet {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "calls still failing {within:?} after the failover"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the client's scripts run on the server at `port` (its `EVALSHA` count grows:
/// a replica counts none, as scripts replicate as their effects) and returns how long after
/// `since` that was.
fn wait_for_calls(d: &Deployment, port: u16, since: Instant) -> Duration {
    let plain = d.plain(port, None);
    let deadline = since + Duration::from_secs(20);
    loop {
        let info = plain.info(Some("commandstats")).unwrap_or_default();
        let calls = info
            .lines()
            .find_map(|l| l.strip_prefix("cmdstat_evalsha:calls="))
            .and_then(|rest| rest.split(',').next()?.parse::<u64>().ok())
            .unwrap_or(0);
        if calls > 0 {
            return since.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "no call reached the new master {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn scripts_and_pipelines_across_failovers() {
    let started = Instant::now();
    let mut d = Deployment::start(Options {
        replicas: 2,
        sentinels: 3,
        master_password: None,
        sentinel_password: None,
        tls: None,
    });
    let ready = started.elapsed();
    let url = format!(
        "{}?timeout=1s&connect_timeout=500ms&resolve_timeout=3s",
        d.url()
    );
    let client = Client::open(&url).unwrap();
    let first = d.master_port().unwrap();
    assert!(client.ping().is_ok());

    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Log::default()));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, stop, log) = (client.clone(), stop.clone(), log.clone());
            std::thread::spawn(move || worker(&client, t, &stop, &log))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = log.lock().unwrap().ok;
    assert!(before > 0, "no call succeeded before the failover");

    // 1. A forced failover: the old master is demoted (READONLY) and a replica promoted.
    let forced_at = Instant::now();
    d.force_failover();
    let second = d.wait_for_new_master(first, Duration::from_secs(10));
    let forced_switch = wait_for_calls(&d, second, forced_at);
    wait_calm(
        &log,
        forced_at,
        Duration::from_millis(500),
        Duration::from_secs(15),
    );
    let forced = outage(&log, forced_at);

    // 2. The new master killed with SIGKILL: the sentinels notice after
    // down-after-milliseconds, elect a leader and promote a replica. (A sentinel does not
    // start a second failover of one master within 2 x failover-timeout of the last.)
    let since_forced = forced_at.elapsed();
    if since_forced < Duration::from_millis(4200) {
        std::thread::sleep(Duration::from_millis(4200) - since_forced);
    }
    let killed_at = Instant::now();
    d.server_on(second).kill();
    let third = d.wait_for_new_master(second, Duration::from_secs(20));
    let killed_switch = wait_for_calls(&d, third, killed_at);
    wait_calm(
        &log,
        killed_at,
        Duration::from_millis(500),
        Duration::from_secs(20),
    );
    let killed = outage(&log, killed_at);

    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let log = Arc::try_unwrap(log).ok().unwrap().into_inner().unwrap();
    let mut kinds: Vec<&str> = log
        .errors
        .iter()
        .map(|(_, e)| e.split(':').next().unwrap_or(""))
        .collect();
    kinds.sort();
    kinds.dedup();
    note(&format!(
        "sentinel failover ({}): ready in {ready:?}; {} calls ok, {} failed {kinds:?}; \
         forced failover {first}->{second}: calls failed for {forced:?}, reached the new \
         master after {forced_switch:?}; kill -9 {second}->{third}: calls failed for \
         {killed:?}, reached the new master after {killed_switch:?}",
        crate::support::server_kind(),
        log.ok,
        log.errors.len(),
    ));
    for (_, e) in log.errors.iter().take(3) {
        note(&format!("  e.g. {e}"));
    }
    assert!(log.wrong.is_empty(), "wrong values: {:?}", log.wrong);
    assert!(!kinds.contains(&"other"), "{:?}", log.errors);
    assert!(
        forced <= FORCED_BOUND,
        "forced failover: calls failed for {forced:?}"
    );
    assert!(
        killed <= KILLED_BOUND,
        "kill -9: calls failed for {killed:?}"
    );
    assert!(forced_switch <= FORCED_BOUND, "{forced_switch:?}");
    assert!(killed_switch <= KILLED_BOUND, "{killed_switch:?}");

    // The new master's script cache is empty (its scripts flushed here to be sure): the next
    // call and the next pipeline load the script again, transparently.
    let plain = d.plain(third, None);
    let _: () = plain.query(cmd("SCRIPT").arg("FLUSH")).unwrap();
    let (echo, _): (String, i64) = ECHO.call_on(&client, "after", "x").unwrap();
    assert_eq!(echo, "x");
    let ((echo, _), ok): ((String, i64), bool) = client
        .pipeline()
        .script(&ECHO, "after", "y")
        .set("after:set", 1)
        .execute()
        .unwrap();
    assert_eq!((echo.as_str(), ok), ("y", true));
    assert!(client.req(&cmd("PING")).is_ok());
}
