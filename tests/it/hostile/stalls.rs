//! Replies that are truncated, never come, or stall halfway.

use super::*;

#[test]
fn reply_truncated_mid_frame() {
    assert_discarded(b"*2\r\n$3\r\nfoo\r\n$3\r\nba", true, eof);
    assert_discarded(b"*3\r\n:1\r\n", true, eof);
    assert_discarded(b"+PON", true, eof);
    assert_discarded(b"$3\r\nfoo", true, eof);
    assert_discarded(b"$3\r\nfoo\r", true, eof);
}

#[test]
fn server_closes_without_reply() {
    assert_discarded(b"", true, eof);
}

#[test]
fn server_never_replies() {
    let fake = Fake::start(vec![vec![Step::Read], pong(), vec![Step::Read]]);
    let client = fake.client();
    let err = client.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");

    let conn = fake.connection();
    let err = conn.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(conn.is_broken());
    assert!(matches!(conn.ping(), Err(Error::Broken)));
}

#[test]
fn server_sends_half_a_reply_then_stalls() {
    let fake = Fake::start(vec![reply(b"$10\r\n01234", false), pong()]);
    let client = fake.client();
    let err = client.get::<Vec<u8>>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn server_sends_half_a_large_bulk_then_stalls() {
    let mut partial = b"$1000000\r\n".to_vec();
    partial.extend(std::iter::repeat(b'q').take(200_000));
    let fake = Fake::start(vec![reply(&partial, false), pong(), reply(&partial, false)]);
    let client = fake.client();
    let err = client.get::<Vec<u8>>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(client.ping().unwrap(), "PONG");

    let conn = fake.connection();
    let err = conn.get::<Vec<u8>>("k").unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(conn.get::<Vec<u8>>("k"), Err(Error::Broken)));
}
