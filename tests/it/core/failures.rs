//! Timeouts, closed ports, server restarts and kills, and blocking commands.

use super::*;

// ---------------------------------------------------------------------------------------------
// Timeouts, failures, restarts
// ---------------------------------------------------------------------------------------------

#[test]
fn read_timeout_discards_the_connection() {
    let server = RedisServer::start();
    // A client without a timeout: its PING returns once the server is done sleeping.
    let barrier = server.client();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .read_timeout(Some(Duration::from_millis(200)))
            .build();
        assert_eq!(client.ping().unwrap(), "PONG");
        assert_eq!(client.idle_connections(), 1);
        let err = client
            .query::<()>(&command(&["DEBUG", "SLEEP", "1"]))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    op: Operation::Read,
                    ..
                }
            ),
            "{protocol:?}: {err:?}"
        );
        assert!(err.is_timeout());
        assert!(err.is_connection_broken());
        assert_eq!(client.idle_connections(), 0);
        barrier.ping().unwrap();
        // The late +OK of DEBUG SLEEP went to the discarded connection, not to us.
        assert_eq!(client.ping().unwrap(), "PONG");
        assert_eq!(client.idle_connections(), 1);

        // A dedicated connection is broken for good.
        let conn = client.get_connection().unwrap();
        assert_eq!(conn.read_timeout(), Some(Duration::from_millis(200)));
        let err = conn
            .query::<()>(&command(&["DEBUG", "SLEEP", "1"]))
            .unwrap_err();
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
        barrier.ping().unwrap();
        let err = conn.ping().unwrap_err();
        assert!(matches!(err, Error::Broken), "{err:?}");
        assert!(err.is_connection_broken());
        assert!(matches!(conn.recv(), Err(Error::Broken)));
        assert!(matches!(conn.send(&cmd("PING")), Err(Error::Broken)));

        // A blocking command gets its own block time on top of the read timeout: a 1 s BLPOP
        // outlives the 200 ms timeout and still answers (nil), on a connection kept in step.
        let started = std::time::Instant::now();
        let popped = client
            .query::<Option<Value>>(&command(&["BLPOP", "nothing", "1"]))
            .unwrap();
        assert_eq!(popped, None);
        assert!(started.elapsed() >= Duration::from_millis(900));
        assert_eq!(client.ping().unwrap(), "PONG");

        // The same timeout from the URL.
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let from_url = Client::open(&format!(
            "{}?read_timeout=200ms&protocol={proto}",
            server.url()
        ))
        .unwrap();
        assert_eq!(
            from_url.connection_info().read_timeout(),
            Some(Duration::from_millis(200))
        );
        let err = from_url
            .query::<()>(&command(&["DEBUG", "SLEEP", "1"]))
            .unwrap_err();
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
        assert_eq!(from_url.idle_connections(), 0);
        barrier.ping().unwrap();
        assert_eq!(from_url.ping().unwrap(), "PONG");
    }
}

#[test]
fn connect_to_closed_port_fails_fast() {
    let port = closed_port();
    let client = Client::builder()
        .host("127.0.0.1")
        .port(port)
        .connect_timeout(Some(Duration::from_secs(2)))
        .connect_retry_budget(Duration::ZERO)
        .build();
    let started = std::time::Instant::now();
    let err = client.ping().unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(200));
    match &err {
        Error::Io { source: e, .. } => assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(err.is_io());
    assert!(err.is_connection_broken());
    assert_eq!(client.idle_connections(), 0);
    let err = Connection::open(client.connection_info()).unwrap_err();
    assert!(
        matches!(&err, Error::Io { source: e, .. } if e.kind() == ErrorKind::ConnectionRefused)
    );
    let err = client.get_connection().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    // Also over a unix socket that does not exist.
    let err = Client::open("unix:///nonexistent/redline.sock")
        .unwrap()
        .ping()
        .unwrap_err();
    assert!(err.is_io(), "{err:?}");
}

#[test]
fn connect_timeout_when_the_backlog_is_full() {
    // A listener that never accepts: once its backlog is full the kernel drops further SYNs,
    // so a connect can only time out. (An "unroutable" address is no good here: sandboxes
    // may proxy outbound connections.)
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    let mut full = false;
    for _ in 0..4096 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => fillers.push(s),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
                full = true;
                break;
            }
        }
    }
    assert!(
        full,
        "the backlog never filled after {} connects",
        fillers.len()
    );
    let client = Client::builder()
        .host("127.0.0.1")
        .port(addr.port())
        .connect_timeout(Some(Duration::from_millis(200)))
        .build();
    let err = client.ping().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(err.is_connection_broken());
    assert_eq!(
        err.to_string(),
        format!(
            "redis://{}:{}: timed out while connecting (limit 200ms)",
            addr.ip(),
            addr.port()
        )
    );
    assert_eq!(client.idle_connections(), 0);
}

#[test]
fn server_restart_reconnects_pool_and_breaks_dedicated() {
    let mut server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("before", 1).unwrap();
        assert_eq!(client.idle_connections(), 1);
        let conn = client.get_connection().unwrap();
        assert_eq!(conn.ping().unwrap(), "PONG");

        server.restart();

        // The dead pooled connection is noticed at checkout; the call goes on a new one.
        assert_eq!(client.get::<Option<i64>>("before").unwrap(), None);
        assert_eq!(client.idle_connections(), 1);
        client.set("after", 2).unwrap();
        assert_eq!(client.get::<i64>("after").unwrap(), 2);

        // The dedicated connection sees the closed socket, then stays broken.
        let err = conn.ping().unwrap_err();
        assert!(err.is_io(), "{protocol:?}: {err:?}");
        assert!(conn.is_broken());
        let err = conn.ping().unwrap_err();
        assert!(matches!(err, Error::Broken), "{err:?}");
    }
}

#[test]
fn server_killed_gives_io_then_recovers_after_restart() {
    let mut server = RedisServer::start();
    let client = server.client();
    client.set("k", 1).unwrap();
    server.kill();
    let err = client.ping().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert_eq!(client.idle_connections(), 0);
    server.restart();
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn blocking_pop_on_dedicated_connection() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let key = format!("queue:{protocol:?}");
        let conn = client.get_connection().unwrap();
        let popped: Option<(String, String)> = conn.query(&command(&["BLPOP", &key, "1"])).unwrap();
        assert_eq!(popped, None);
        let raw_timeout = conn.req(&command(&["BLPOP", &key, "1"])).unwrap();
        assert_eq!(raw_timeout, Value::Nil);
        assert!(!conn.is_broken());

        std::thread::scope(|s| {
            s.spawn(|| {
                wait_for_blocked_clients(&client, 1);
                client.rpush(&key, "job-1").unwrap();
            });
            let popped: Option<(String, String)> =
                conn.query(&command(&["BLPOP", &key, "30"])).unwrap();
            assert_eq!(popped, Some((key.clone(), "job-1".to_string())));
        });
        // The connection is in step afterwards.
        assert_eq!(conn.ping().unwrap(), "PONG");
        assert_eq!(conn.llen(&key).unwrap(), 0);

        // A read timeout around a blocking command can be lifted for it.
        conn.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        conn.set_read_timeout(None).unwrap();
        assert_eq!(conn.read_timeout(), None);
        let popped: Option<(String, String)> = conn.query(&command(&["BLPOP", &key, "1"])).unwrap();
        assert_eq!(popped, None);
    }
}

#[test]
fn a_refused_connect_is_retried_within_the_budget() {
    // Nothing listens: the default budget (1 s) is spent retrying, then the refusal is
    // reported.
    let port = closed_port();
    let client = Client::builder().host("127.0.0.1").port(port).build();
    let started = std::time::Instant::now();
    let err = client.ping().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Io { source: e, .. } if e.kind() == ErrorKind::ConnectionRefused),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(700), "gave up after {took:?}");
    assert!(took < Duration::from_millis(1500), "retried for {took:?}");

    // A server that restarts within the budget costs no failed call.
    let mut server = RedisServer::start();
    let client = server.client();
    client.set("k", 1).unwrap();
    server.kill();
    let calls = std::thread::scope(|s| {
        let caller = s.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            (0..20).map(|_| client.ping()).collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(300));
        server.restart();
        caller.join().unwrap()
    });
    let failed: Vec<_> = calls.iter().filter(|r| r.is_err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
}
