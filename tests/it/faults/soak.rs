//! 20 s of every fault at once, as `examples/soak.rs` runs it for longer.

use super::*;
use workload::{soak_schedule, Action};

#[test]
fn soak_20s() {
    let _serial = serial();
    let mut server = RedisServer::start();
    let deadline = Duration::from_secs(1);
    let clients = clients(&server, deadline);
    let mut plan = plan(Duration::from_secs(20));
    plan.schedule = soak_schedule(plan.duration, Duration::from_millis(1500));
    plan.signals = true;
    let counts = run(
        "soak_20s",
        &mut server,
        &clients,
        &plan,
        Duration::from_secs(10),
    );
    assert_eq!(counts.injected(Action::Restart), 5);
    quiet_afterwards("soak_20s", &mut server, &clients);
}
