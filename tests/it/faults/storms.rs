//! `CLIENT KILL` and `SCRIPT FLUSH` storms under four threads of scripts, plain commands,
//! pipelines and transactions.

use super::*;
use workload::{storm, Action};

#[test]
fn client_kill_storm() {
    let _serial = serial();
    let mut server = RedisServer::start();
    let clients = clients(&server, Duration::from_secs(2));
    let mut plan = plan(Duration::from_secs(3));
    plan.schedule = storm(
        Action::ClientKill,
        Duration::from_millis(50),
        Duration::from_millis(100),
        plan.duration,
    );
    let counts = run(
        "client_kill_storm",
        &mut server,
        &clients,
        &plan,
        Duration::from_secs(5),
    );
    assert!(counts.injected(Action::ClientKill) >= 40);
    // Killed connections fail the calls on them, as I/O errors, never as anything else.
    assert!(counts.errors() > 0, "the kills hit no call");
    for kind in counts.error_kinds() {
        assert!(kind.contains("Io("), "{kind}");
    }
    quiet_afterwards("client_kill_storm", &mut server, &clients);
}

#[test]
fn script_flush_storm() {
    let _serial = serial();
    let mut server = RedisServer::start();
    let clients = clients(&server, Duration::from_secs(2));
    let mut plan = plan(Duration::from_secs(3));
    plan.schedule = storm(
        Action::ScriptFlush,
        Duration::from_millis(5),
        Duration::from_millis(100),
        plan.duration,
    );
    let counts = run(
        "script_flush_storm",
        &mut server,
        &clients,
        &plan,
        Duration::from_secs(5),
    );
    assert!(counts.injected(Action::ScriptFlush) >= 300);
    // Transactions load their scripts inside MULTI: none fails.
    assert_eq!(counts.errors_of(Op::Atomic), 0);
    assert_eq!(counts.errors_of(Op::Big), 0);
    assert_eq!(counts.errors_of(Op::Plain), 0);
    // A script call reloads once on NOSCRIPT and never loops: a second flush between its
    // SCRIPT LOAD and its second EVALSHA fails it with NoScript. A plain pipeline whose
    // connection believes the script cached does not load it again: a flush since then is
    // reported on that command, the batch is never replayed, the next one loads the script
    // (docs/reliability.md, "What is retried"). Nothing else fails.
    for kind in counts.error_kinds() {
        assert!(kind == "NoScript" || kind == "Pipeline[NoScript]", "{kind}");
    }
    quiet_afterwards("script_flush_storm", &mut server, &clients);
}
