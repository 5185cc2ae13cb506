//! Failures on connect and in the handshake, and error replies that keep a connection.

use super::*;

#[test]
fn server_closes_immediately_on_connect() {
    let fake = Fake::repeat(3, vec![Step::Close]);
    let client = fake.client();
    let err = client.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);

    // A dedicated connection fails on its first command (no handshake in RESP2).
    let conn = fake.connection();
    let err = conn.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(conn.is_broken());
    assert!(matches!(conn.ping(), Err(Error::Broken)));

    // With a handshake (RESP3), the connection cannot even open.
    let resp3 = fake.builder().protocol(redline::Protocol::Resp3).build();
    let err = resp3.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert_eq!(resp3.idle_connections(), 0);
}

#[test]
fn malformed_handshake_reply() {
    // HELLO 3 answered with garbage: the connection never reaches the pool.
    let fake = Fake::start(vec![reply(b"%1\r\n$5\r\nproto\r\n:x\r\n", false)]);
    let client = fake.builder().protocol(redline::Protocol::Resp3).build();
    let err = client.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::InvalidInteger,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    let commands = fake.commands();
    assert_eq!(commands, [vec!["HELLO".to_string(), "3".to_string()]]);
}

#[test]
fn handshake_refused_with_noproto() {
    let fake = Fake::start(vec![reply(
        b"-NOPROTO sorry, this protocol version is not supported.\r\n",
        false,
    )]);
    let client = fake.builder().protocol(redline::Protocol::Resp3).build();
    let err = client.ping().unwrap_err();
    assert_eq!(
        err.server_kind(),
        Some(redline::ServerErrorKind::NoProto),
        "{err:?}"
    );
    assert!(!err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
}

#[test]
fn error_reply_from_fake_keeps_connection() {
    // A well-formed error reply is not a protocol error: the connection stays usable.
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Write(b"-WRONGTYPE nope\r\n".to_vec()),
        Step::Read,
        Step::Write(b"!9\r\nERR blob!\r\n".to_vec()),
        Step::Read,
        Step::Write(b"+PONG\r\n".to_vec()),
    ]]);
    let client = fake.client();
    let err = client.get::<String>("k").unwrap_err();
    assert_eq!(
        err.server_kind(),
        Some(redline::ServerErrorKind::WrongType),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 1);
    let err = client.get::<String>("k").unwrap_err();
    match err {
        Error::Server { message, .. } => assert_eq!(message, "ERR blob!"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.ping().unwrap(), "PONG");
    assert_eq!(fake.commands().len(), 3);
}

#[test]
fn handshake_is_bounded_by_the_connect_timeout() {
    // The server accepts and never answers AUTH: with only a connect timeout set, opening the
    // connection must fail with a timeout rather than block for ever.
    let fake = Fake::start(vec![vec![Step::Read, Step::Pause(Duration::from_secs(5))]]);
    let client = Client::builder()
        .host("127.0.0.1")
        .port(fake.port)
        .password("pw")
        .connect_timeout(Some(Duration::from_millis(200)))
        .build();
    let err = client.get_connection().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Handshake,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn hello_errors_never_echo_the_password() {
    // An old server that does not know HELLO echoes its arguments, password included.
    let fake = Fake::start(vec![reply(
        b"-ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' 'hunter2' \r\n",
        false,
    )]);
    let client = Client::builder()
        .host("127.0.0.1")
        .port(fake.port)
        .password("hunter2")
        .protocol(redline::Protocol::Resp3)
        .read_timeout(Some(Duration::from_secs(1)))
        .build();
    let err = client.get_connection().unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    assert!(err.to_string().contains("******"), "{err}");
}

#[test]
fn a_handshake_cut_off_by_the_server_is_tried_again() {
    // The server closes the connection in the middle of the handshake (a CLIENT KILL or a
    // restart just after the connect): the set-up commands are safe to send twice, nothing of
    // the request was sent, so the connect is tried again within its retry budget.
    let fake = Fake::start(vec![
        vec![Step::Read, Step::Close],
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
    assert_eq!(commands[1][0], "CLIENT", "the handshake was sent again");
    // With no retry budget, the cut-off handshake is the error, and says where and what.
    let fake = Fake::start(vec![vec![Step::Read, Step::Close]]);
    let client = fake
        .builder()
        .client_name("worker")
        .connect_retry_budget(Duration::ZERO)
        .build();
    match client.get::<String>("k") {
        Err(Error::Io { op, .. }) => assert_eq!(op, Operation::Handshake),
        other => panic!("{other:?}"),
    }
}
