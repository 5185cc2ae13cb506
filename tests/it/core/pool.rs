//! The connection pool: threads, dedicated connections, idle caps.

use super::*;

// ---------------------------------------------------------------------------------------------
// The pool
// ---------------------------------------------------------------------------------------------

#[test]
fn pool_shared_across_threads() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let key = format!("counter:{protocol:?}");
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        client.incr(&key).unwrap();
                    }
                });
            }
        });
        assert_eq!(client.get::<i64>(&key).unwrap(), 8000);
        let idle = client.idle_connections();
        assert!((1..=8).contains(&idle), "idle {idle}");
        // The server agrees: it has exactly the pooled connections of this protocol (the
        // one running CLIENT LIST is one of them).
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let list: String = client.query(&command(&["CLIENT", "LIST"])).unwrap();
        let ours = list
            .lines()
            .filter(|l| l.ends_with(&format!(" resp={proto}")))
            .count();
        assert_eq!(ours, idle, "{list}");
        // A clone shares the pool.
        let clone = client.clone();
        clone.ping().unwrap();
        assert_eq!(clone.idle_connections(), client.idle_connections());
    }
}

#[test]
fn dedicated_connection_is_separate_from_pool() {
    let server = RedisServer::start();
    let client = server.client();
    client.ping().unwrap();
    assert_eq!(client.idle_connections(), 1);
    let pooled_id: i64 = client.query(&command(&["CLIENT", "ID"])).unwrap();

    let conn = client.get_connection().unwrap();
    let conn_id: i64 = conn.query(&command(&["CLIENT", "ID"])).unwrap();
    assert_ne!(conn_id, pooled_id);
    // The pooled connection stays the same one and the pool does not grow or shrink.
    assert_eq!(
        client.query::<i64>(&command(&["CLIENT", "ID"])).unwrap(),
        pooled_id
    );
    assert_eq!(client.idle_connections(), 1);
    // State on the dedicated connection does not leak into the pool.
    let _: () = conn.query(&command(&["SELECT", "5"])).unwrap();
    conn.set("in-db-5", 1).unwrap();
    assert_eq!(client.get::<Option<i64>>("in-db-5").unwrap(), None);
    drop(conn);
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(
        client.query::<i64>(&command(&["CLIENT", "ID"])).unwrap(),
        pooled_id
    );
}

#[test]
fn max_idle_caps_the_pool() {
    let server = RedisServer::start();
    let client = server.builder().max_idle(2).build();
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| {
                for _ in 0..200 {
                    client.incr("n").unwrap();
                }
            });
        }
    });
    assert_eq!(client.get::<i64>("n").unwrap(), 1200);
    assert!(client.idle_connections() <= 2);
}
