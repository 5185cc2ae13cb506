//! A storm of signals on the worker threads (a handler without `SA_RESTART`).

use super::*;

#[test]
fn a_signal_storm_fails_no_call() {
    let _serial = serial();
    let mut server = RedisServer::start();
    let clients = clients(&server, Duration::from_secs(2));
    let mut plan = plan(Duration::from_secs(3));
    plan.signals = true;
    let counts = run(
        "a_signal_storm",
        &mut server,
        &clients,
        &plan,
        Duration::from_secs(5),
    );
    assert!(counts.signals() >= 1000, "{counts}");
    // EINTR is retried within the deadline.
    assert_eq!(counts.errors(), 0, "{counts}");
}
