//! The server stopped (`SIGSTOP`) while calls run with a 300 ms deadline.

use super::*;
use workload::Action;

#[test]
fn a_stopped_server_times_calls_out_and_late_replies_reach_no_one() {
    let _serial = serial();
    let mut server = RedisServer::start();
    let clients = clients(&server, Duration::from_millis(300));
    let ms = Duration::from_millis;
    let mut plan = plan(ms(2500));
    plan.schedule = vec![(ms(500), Action::Stop), (ms(1700), Action::Cont)];
    let counts = run(
        "a_stopped_server_times_calls_out",
        &mut server,
        &clients,
        &plan,
        Duration::from_secs(5),
    );
    // Every call in flight while the server was stopped ended at its deadline.
    assert!(counts.errors() >= 4, "{counts}");
    for kind in counts.error_kinds() {
        assert!(kind.contains("Timeout("), "{kind}");
    }
    // The server answers every request it had received, late, on connections that were
    // dropped: none of those replies may reach a later call.
    quiet_afterwards("a_stopped_server", &mut server, &clients);
}
