//! Custom decoder limits, and protocol errors that carry no wire bytes.

use super::*;

#[test]
fn custom_limits_reject_large_bulk_from_real_server() {
    let server = RedisServer::start();
    let normal = server.client();
    normal.set("two-kib", vec![b'x'; 2048]).unwrap();
    normal.set("one-kib", vec![b'y'; 1024]).unwrap();
    let limits = Limits {
        max_bulk_len: 1024,
        ..Limits::default()
    };
    let limited = server.builder().limits(limits).build();
    assert_eq!(limited.connection_info().limits().max_bulk_len, 1024);
    // Exactly at the limit is fine.
    assert_eq!(limited.get::<Vec<u8>>("one-kib").unwrap(), vec![b'y'; 1024]);
    assert_eq!(limited.idle_connections(), 1);
    let err = limited.get::<Vec<u8>>("two-kib").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::BulkTooLarge,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_connection_broken());
    assert_eq!(limited.idle_connections(), 0);
    // The unread 2 KiB never reach the next command.
    assert_eq!(limited.get::<Vec<u8>>("one-kib").unwrap(), vec![b'y'; 1024]);

    let conn = limited.get_connection().unwrap();
    let err = conn.get::<Vec<u8>>("two-kib").unwrap_err();
    assert!(matches!(
        err,
        Error::Protocol {
            source: ProtocolError::BulkTooLarge,
            ..
        }
    ));
    assert!(conn.is_broken());
    assert!(matches!(conn.get::<Vec<u8>>("one-kib"), Err(Error::Broken)));
}

#[test]
fn custom_limits_on_the_fake_server() {
    let two_kib = format!("${}\r\n{}\r\n", 2048, "z".repeat(2048));
    let limits = Limits {
        max_bulk_len: 1024,
        max_aggregate_len: 10,
        max_depth: 3,
    };
    let fake = Fake::start(vec![
        reply(two_kib.as_bytes(), false),
        reply(b"*11\r\n", false),
        reply(b"*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", false),
        reply(b"*1\r\n*1\r\n*1\r\n:1\r\n", false),
        reply(format!("+{}\r\n", "s".repeat(2048)).as_bytes(), false),
        reply(format!("-ERR {}\r\n", "e".repeat(2048)).as_bytes(), false),
    ]);
    let client = fake.builder().limits(limits).build();
    let err = client.get::<Vec<u8>>("k").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::BulkTooLarge,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    let err = client.query::<Value>(&cmd("LRANGE")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::AggregateTooLarge,
                ..
            }
        ),
        "{err:?}"
    );
    let err = client.query::<Value>(&cmd("X")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Protocol {
                source: ProtocolError::TooDeep,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.idle_connections(), 0);
    let nested: Vec<Vec<Vec<i64>>> = client.query(&cmd("Y")).unwrap();
    assert_eq!(nested, [[[1]]]);
    assert_eq!(client.idle_connections(), 1);
    // Status and error lines are bounded by the same limit (fresh clients: the pooled
    // connection above has no more replies scripted).
    for _ in 0..2 {
        let client = fake.builder().limits(limits).build();
        let err = client.query::<Value>(&cmd("Z")).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Protocol {
                    source: ProtocolError::LineTooLong,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(client.idle_connections(), 0);
    }
}

#[test]
fn protocol_error_display_carries_no_wire_bytes() {
    // After a first reply that was RESP: bytes from a Redis server may be the user's data.
    let mut script = pong();
    script.extend(reply(b"?s3cr3t-bytes\r\n", false));
    let fake = Fake::start(vec![script]);
    let conn = fake.connection();
    conn.ping().unwrap();
    let err = conn.ping().unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(!format!("{err:?}").contains("s3cr3t"));
    assert_eq!(
        text,
        format!(
            "redis://127.0.0.1:{}: protocol error while reading a reply: \
             unknown RESP type byte 0x3f",
            fake.port()
        )
    );
}
