//! Stray replies never reach the next command; a clean connection is reused.

use super::*;

#[test]
fn stray_second_reply_never_reaches_the_next_command() {
    // The first connection answers GET twice; the second answers correctly.
    let fake = Fake::start(vec![
        reply(b"$3\r\none\r\n$5\r\nstray\r\n", false),
        reply(b"$3\r\ntwo\r\n", false),
    ]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    let second = client.get::<String>("k").unwrap();
    assert_ne!(second, "stray", "the stray reply reached the next command");
    assert_eq!(second, "two");
    assert_eq!(fake.commands().len(), 2);
}

#[test]
fn stray_reply_on_a_dedicated_connection_breaks_it() {
    // Two replies to one GET on a dedicated connection: the next request must not take the
    // second one for its own; the connection is out of step and is broken instead.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"$3\r\none\r\n$5\r\nstray\r\n".to_vec()),
        Step::Read,
        Step::Write(b"$3\r\ntwo\r\n".to_vec()),
    ]]);
    let conn = fake.connection();
    assert_eq!(conn.get::<String>("k").unwrap(), "one");
    let err = conn.get::<String>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::UnsolicitedReply,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(conn.is_broken());
    assert!(matches!(conn.get::<String>("k"), Err(Error::Broken)));
    // The second GET was never sent: the stray reply was caught before writing.
    assert_eq!(fake.commands().len(), 1);
}

#[test]
fn stray_reply_arriving_while_idle_is_detected() {
    // The stray reply arrives after the client has its answer and the connection is idle in
    // the pool: the check on checkout must see it and open a fresh connection.
    let fake = Fake::start(vec![
        vec![
            Step::Read,
            Step::Write(b"$3\r\none\r\n".to_vec()),
            Step::Pause(Duration::from_millis(50)),
            Step::Write(b"$5\r\nstray\r\n".to_vec()),
        ],
        reply(b"$3\r\ntwo\r\n", false),
    ]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    assert_eq!(client.idle_connections(), 1);
    fake.wait_for_writes(2);
    let second = client.get::<String>("k").unwrap();
    assert_ne!(second, "stray", "the stray reply reached the next command");
    assert_eq!(second, "two");
    assert_eq!(fake.commands().len(), 2);
}

#[test]
fn pool_reuses_a_clean_connection() {
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"$3\r\none\r\n".to_vec()),
        Step::Read,
        Step::Write(b"$3\r\ntwo\r\n".to_vec()),
    ]]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    // Nothing stray: the same connection is reused (the fake accepts only one).
    assert_eq!(client.get::<String>("k").unwrap(), "two");
    assert_eq!(fake.commands().len(), 2);
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn partly_arrived_stray_reply_is_not_taken_by_the_next_command() {
    // PING is answered with PONG and the start of a second reply; the next command must not
    // complete that stray reply and return it as its own.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"+PONG\r\n*2\r\n:1\r\n".to_vec()),
        Step::Read,
        Step::Write(b":42\r\n".to_vec()),
    ]]);
    let conn = fake.connection();
    assert_eq!(conn.ping().unwrap(), "PONG");
    let err = conn.incr("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::UnsolicitedReply,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(conn.is_broken());
}

#[test]
fn a_stray_reply_arriving_after_the_call_is_never_taken_by_the_next_one() {
    // The stray reply comes 30 ms after the answer, when the buffer is empty: on a dedicated
    // connection the next request must see it on the socket and refuse to start.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"$3\r\none\r\n".to_vec()),
        Step::Pause(Duration::from_millis(30)),
        Step::Write(b"$5\r\nstray\r\n".to_vec()),
        Step::Read,
        Step::Write(b"$3\r\ntwo\r\n".to_vec()),
    ]]);
    let conn = fake.connection();
    assert_eq!(conn.get::<String>("k").unwrap(), "one");
    fake.wait_for_writes(2);
    let err = conn.get::<String>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::UnsolicitedReply,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(conn.is_broken());
    assert_eq!(fake.commands().len(), 1, "the second GET must not be sent");
}

#[test]
fn a_stray_reply_on_a_pooled_connection_reused_at_once_is_caught() {
    // The pooled connection is reused well within 1 ms of the stray's arrival: the check on
    // checkout probes the socket every time, and the call goes to a fresh connection.
    let fake = Fake::start(vec![
        vec![
            Step::Read,
            Step::Write(b"$3\r\none\r\n".to_vec()),
            Step::Pause(Duration::from_millis(30)),
            Step::Write(b"$5\r\nstray\r\n".to_vec()),
        ],
        reply(b"$3\r\ntwo\r\n", false),
    ]);
    let client = fake.client();
    assert_eq!(client.get::<String>("k").unwrap(), "one");
    fake.wait_for_writes(2);
    // Give the stray's bytes time to cross the loopback, then reuse the connection at once.
    std::thread::sleep(Duration::from_millis(5));
    let second = client.get::<String>("k").unwrap();
    assert_eq!(second, "two", "the stray reply reached the next command");
    assert_eq!(client.pool_stats().discarded, 1);
}

#[test]
fn a_new_pooled_connection_found_out_of_step_costs_no_failed_call() {
    // The server answers the new connection's handshake with a stray reply behind it: the
    // check before the request finds it, nothing of the request was sent, and the call runs
    // on another connection instead of failing. (A connection closed just after it opened,
    // as by a CLIENT KILL, takes the same path when the close arrives before the request.)
    let fake = Fake::start(vec![
        vec![Step::Read, Step::Write(b"+OK\r\n$5\r\nstray\r\n".to_vec())],
        vec![
            Step::Read,
            Step::Write(b"+OK\r\n".to_vec()),
            Step::Read,
            Step::Write(b"$2\r\nok\r\n".to_vec()),
        ],
    ]);
    let client = fake.builder().client_name("worker").build();
    let got: String = client.get("k").unwrap();
    assert_eq!(got, "ok");
    let commands = fake.commands();
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert_eq!(commands[0][0], "CLIENT");
    assert_eq!(commands[2], ["GET", "k"]);
    assert_eq!(client.pool_stats().discarded, 1);
}
