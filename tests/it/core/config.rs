//! URLs, databases, Unix sockets, client names and authentication.

use super::*;

// ---------------------------------------------------------------------------------------------
// URLs, configuration, authentication
// ---------------------------------------------------------------------------------------------

#[test]
fn url_db_selects_database() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let suffix = if protocol == Protocol::Resp3 {
            "?protocol=3"
        } else {
            ""
        };
        let key = format!("only-in-3:{protocol:?}");
        let c3 = Client::open(&format!("{}/3{suffix}", server.url())).unwrap();
        assert_eq!(c3.connection_info().db(), 3);
        assert_eq!(c3.connection_info().protocol(), protocol);
        c3.set(&key, "three").unwrap();
        let info: String = c3.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" db=3 "), "{info}");
        assert_eq!(c3.get::<String>(&key).unwrap(), "three");

        let c0 = server.client_with(protocol);
        assert_eq!(c0.get::<Option<String>>(&key).unwrap(), None);
        let conn = c0.get_connection().unwrap();
        let _: () = conn.query(&command(&["SELECT", "3"])).unwrap();
        assert_eq!(conn.get::<String>(&key).unwrap(), "three");

        // A dedicated connection of the db-3 client is on db 3 as well.
        let conn3 = c3.get_connection().unwrap();
        assert_eq!(conn3.get::<String>(&key).unwrap(), "three");
        // The builder does the same.
        let b3 = server.builder().protocol(protocol).db(3).build();
        assert_eq!(b3.get::<String>(&key).unwrap(), "three");
    }
}

#[test]
fn unix_socket_url() {
    let server = RedisServer::start();
    let path = server.unix_socket();
    for protocol in PROTOCOLS {
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let url = format!("unix://{}?db=2&protocol={proto}", path.display());
        let client = Client::open(&url).unwrap();
        assert_eq!(client.connection_info().db(), 2);
        assert_eq!(client.ping().unwrap(), "PONG");
        client.set("over-unix", proto).unwrap();
        let info: String = client.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" db=2 "), "{info}");
        assert_eq!(spoken_protocol(&client), Value::Int(proto));
        // A unix client reports its address as the socket path (laddr), not 127.0.0.1.
        assert!(info.contains("redis.sock"), "{info}");
        let tcp2 = server.builder().db(2).build();
        assert_eq!(tcp2.get::<i64>("over-unix").unwrap(), proto);
        let conn = client.get_connection().unwrap();
        assert_eq!(conn.protocol(), protocol);
        assert_eq!(conn.get::<i64>("over-unix").unwrap(), proto);
    }
    // The plain form without parameters.
    let client = Client::open(&format!("unix://{}", path.display())).unwrap();
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn protocol_param_yields_resp3() {
    let server = RedisServer::start();
    let resp3 = Client::open(&format!("{}?protocol=3", server.url())).unwrap();
    assert_eq!(resp3.connection_info().protocol(), Protocol::Resp3);
    match raw(&resp3, &["HELLO"]) {
        Value::Map(pairs) => {
            assert_eq!(map_get(&pairs, "proto"), Some(&Value::Int(3)));
            let name = &server_kind().name;
            assert_eq!(map_get(&pairs, "server"), Some(&bulk(name)));
        }
        other => panic!("HELLO in RESP3 replied {other:?}"),
    }
    assert_eq!(resp3.get_connection().unwrap().protocol(), Protocol::Resp3);

    let resp2 = Client::open(&server.url()).unwrap();
    assert_eq!(resp2.connection_info().protocol(), Protocol::Resp2);
    match raw(&resp2, &["HELLO"]) {
        Value::Array(items) => {
            let proto = items.iter().position(|v| *v == bulk("proto")).unwrap();
            assert_eq!(items[proto + 1], Value::Int(2));
        }
        other => panic!("HELLO in RESP2 replied {other:?}"),
    }
    for spelling in ["resp3", "RESP3"] {
        let c = Client::open(&format!("{}?protocol={spelling}", server.url())).unwrap();
        assert!(matches!(raw(&c, &["HELLO"]), Value::Map(_)));
    }
}

#[test]
fn client_name_is_set() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .client_name("redline-core-test")
            .build();
        let name: String = client.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "redline-core-test");
        let conn = client.get_connection().unwrap();
        let name: String = conn.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "redline-core-test");

        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let from_url = Client::open(&format!(
            "{}/1?protocol={proto}&client_name=from%2Durl",
            server.url()
        ))
        .unwrap();
        let name: String = from_url.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, "from-url");
        let info: String = from_url.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" name=from-url "), "{info}");
        assert!(info.contains(" db=1 "), "{info}");

        // Without a name, GETNAME is nil.
        let anon = server.client_with(protocol);
        let name: Option<String> = anon.query(&command(&["CLIENT", "GETNAME"])).unwrap();
        assert_eq!(name, None);
    }
}

#[test]
fn password_auth() {
    let password = "s3cret-pw-XYZ";
    let wrong = "wrong-pw-QQQ";
    let server = RedisServer::start_with(&["--requirepass", password]);
    for protocol in PROTOCOLS {
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };

        let good = server
            .builder()
            .protocol(protocol)
            .password(password)
            .build();
        assert_eq!(good.ping().unwrap(), "PONG");
        good.set("authed", proto).unwrap();
        let conn = good.get_connection().unwrap();
        assert_eq!(conn.get::<i64>("authed").unwrap(), proto);
        let url = format!(
            "redis://:{password}@127.0.0.1:{}/0?protocol={proto}",
            server.port()
        );
        let from_url = Client::open(&url).unwrap();
        assert_eq!(from_url.ping().unwrap(), "PONG");
        // `redis://secret@host` names a user, not a password: no AUTH is sent.
        let user_only = format!(
            "redis://{password}@127.0.0.1:{}?protocol={proto}",
            server.port()
        );
        let err = Client::open(&user_only).unwrap().ping().unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoAuth), "{err:?}");

        // The password shows nowhere.
        for text in [
            format!("{good:?}"),
            format!("{:?}", good.connection_info()),
            format!("{conn:?}"),
            format!("{from_url:?}"),
            format!("{:?}", server.builder().password(password)),
            format!("{:?}", ConnectionInfo::from_url(&url).unwrap()),
        ] {
            assert!(!text.contains(password), "{text}");
        }

        // A wrong password.
        let bad = server.builder().protocol(protocol).password(wrong).build();
        let err = bad.ping().unwrap_err();
        match &err {
            Error::Auth {
                addr,
                kind,
                message,
            } => {
                assert_eq!(addr, &format!("redis://127.0.0.1:{}", server.port()));
                assert_eq!(*kind, ServerErrorKind::WrongPass, "{message}");
                assert_eq!(
                    message,
                    "WRONGPASS invalid username-password pair or user is disabled."
                );
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        assert!(!err.to_string().contains(wrong), "{err}");
        assert!(!format!("{err:?}").contains(wrong), "{err:?}");
        assert!(!format!("{bad:?}").contains(wrong));
        assert_eq!(bad.idle_connections(), 0);
        let err = bad.get_connection().unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongPass));

        // No password: refused on the first command (RESP2) or in HELLO (RESP3, where the
        // handshake says so).
        let none = server.client_with(protocol);
        let err = none.ping().unwrap_err();
        match (&err, protocol) {
            (Error::Server { kind, message }, Protocol::Resp2)
            | (Error::Auth { kind, message, .. }, Protocol::Resp3) => {
                assert_eq!(*kind, ServerErrorKind::NoAuth, "{message}");
                assert!(message.starts_with("NOAUTH "), "{message}");
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
        let err = none.set("k", "v").unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoAuth));
    }
}

#[test]
fn acl_user_auth() {
    let server = RedisServer::start();
    let admin = server.client();
    let _: () = admin
        .query(&command(&[
            "ACL",
            "SETUSER",
            "alice",
            "on",
            ">alice-pw-77",
            "~*",
            "+@all",
        ]))
        .unwrap();
    let _: () = admin
        .query(&command(&[
            "ACL",
            "SETUSER",
            "reader",
            "on",
            ">reader-pw-88",
            "~*",
            "+@read",
            "+ping",
        ]))
        .unwrap();
    admin.set("shared", "v").unwrap();
    for protocol in PROTOCOLS {
        let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
        let url = format!(
            "redis://alice:alice-pw-77@127.0.0.1:{}?protocol={proto}",
            server.port()
        );
        let alice = Client::open(&url).unwrap();
        assert_eq!(alice.connection_info().username(), Some("alice"));
        let who: String = alice.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");
        assert_eq!(alice.get::<String>("shared").unwrap(), "v");
        let conn = alice.get_connection().unwrap();
        let who: String = conn.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");
        assert!(!format!("{alice:?}").contains("alice-pw-77"));
        assert!(!format!("{:?}", alice.connection_info()).contains("alice-pw-77"));

        let built = server
            .builder()
            .protocol(protocol)
            .username("alice")
            .password("alice-pw-77")
            .build();
        let who: String = built.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");

        // A user limited by ACL: NOPERM for what it may not run.
        let reader = server
            .builder()
            .protocol(protocol)
            .username("reader")
            .password("reader-pw-88")
            .build();
        assert_eq!(reader.get::<String>("shared").unwrap(), "v");
        let err = reader.set("shared", "w").unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoPerm), "{err:?}");

        let bad = Client::open(&format!(
            "redis://alice:not-her-pw@127.0.0.1:{}?protocol={proto}",
            server.port()
        ))
        .unwrap();
        let err = bad.ping().unwrap_err();
        assert_eq!(
            err.server_kind(),
            Some(ServerErrorKind::WrongPass),
            "{err:?}"
        );
        assert!(!err.to_string().contains("not-her-pw"));
        let nobody = server
            .builder()
            .protocol(protocol)
            .username("nobody")
            .password("x")
            .build();
        let err = nobody.ping().unwrap_err();
        assert_eq!(
            err.server_kind(),
            Some(ServerErrorKind::WrongPass),
            "{err:?}"
        );
    }
}

/// The credentials of a URL against a server that wants them: a password with `@` and `/`
/// percent-encoded, a user name alone (no AUTH sent, so the server's NOAUTH rather than a
/// WRONGPASS for the name taken as a password), an empty password for a `nopass` user, and the
/// raw forms refused before anything is sent.
#[test]
fn url_credentials_against_acl_users() {
    let server = RedisServer::start_with(&["--requirepass", "x"]);
    let admin = server.builder().password("x").build();
    let _: () = admin
        .query(&command(&[
            "ACL",
            "SETUSER",
            "alice",
            "on",
            ">p@ss/word",
            "~*",
            "+@all",
        ]))
        .unwrap();
    let _: () = admin
        .query(&command(&[
            "ACL", "SETUSER", "bob", "on", "nopass", "~*", "+@all",
        ]))
        .unwrap();
    let port = server.port();
    for proto in [2, 3] {
        let url = format!("redis://alice:p%40ss%2Fword@127.0.0.1:{port}/2?protocol={proto}");
        let alice = Client::open(&url).unwrap();
        assert_eq!(alice.connection_info().username(), Some("alice"));
        assert!(!format!("{alice:?}").contains("ss/word"));
        let who: String = alice.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");
        let info: String = alice.query(&command(&["CLIENT", "INFO"])).unwrap();
        assert!(info.contains(" db=2 "), "{info}");
        let conn = alice.get_connection().unwrap();
        let who: String = conn.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "alice");

        // The password alone authenticates the default user (requirepass).
        let default =
            Client::open(&format!("redis://:x@127.0.0.1:{port}?protocol={proto}")).unwrap();
        let who: String = default.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "default");

        // A user name alone: no AUTH is sent, so the server refuses the unauthenticated
        // connection (in HELLO for RESP3, at the first command for RESP2).
        let url = format!("redis://alice@127.0.0.1:{port}?protocol={proto}");
        let user_only = Client::open(&url).unwrap();
        assert_eq!(user_only.connection_info().username(), Some("alice"));
        assert!(!user_only.connection_info().has_password());
        let err = user_only.ping().unwrap_err();
        match (&err, proto) {
            (Error::Server { kind, message }, 2) | (Error::Auth { kind, message, .. }, 3) => {
                assert_eq!(*kind, ServerErrorKind::NoAuth, "{proto}: {message}");
                assert!(message.starts_with("NOAUTH "), "{message}");
            }
            other => panic!("{proto}: {other:?}"),
        }
        // A dedicated connection: RESP2 sends nothing on connect, so only its first command
        // is refused.
        let err = match user_only.get_connection() {
            Ok(conn) if proto == 2 => conn.ping().unwrap_err(),
            Ok(conn) => panic!("HELLO 3 without AUTH was accepted: {conn:?}"),
            Err(err) => err,
        };
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NoAuth), "{err:?}");

        // An empty password is sent: refused for alice, accepted for the nopass bob.
        let url = format!("redis://alice:@127.0.0.1:{port}?protocol={proto}");
        let err = Client::open(&url).unwrap().ping().unwrap_err();
        assert_eq!(
            err.server_kind(),
            Some(ServerErrorKind::WrongPass),
            "{err:?}"
        );
        let bob = Client::open(&format!("redis://bob:@127.0.0.1:{port}?protocol={proto}")).unwrap();
        let who: String = bob.query(&command(&["ACL", "WHOAMI"])).unwrap();
        assert_eq!(who, "bob");

        // Left raw, the '@' and '/' are refused with the encoding to use, the password unshown.
        for (raw, hint) in [
            (format!("redis://alice:p@ss/word@127.0.0.1:{port}"), "%2F"),
            (format!("redis://alice:p@ss%2Fword@127.0.0.1:{port}"), "%40"),
            (
                format!("redis://alice:p%40ss/word@127.0.0.1:{port}/0"),
                "%2F",
            ),
        ] {
            let err = Client::open(&raw).unwrap_err();
            let reason = match &err {
                Error::InvalidUrl { reason } => reason,
                other => panic!("{raw}: {other:?}"),
            };
            assert!(reason.contains(hint), "{raw}: {reason}");
            assert!(reason.contains("percent-encode"), "{raw}: {reason}");
            for text in [err.to_string(), format!("{err:?}")] {
                for part in ["alice", "p@ss", "ss/", "ss%", "/word", "Fword"] {
                    assert!(!text.contains(part), "{raw}: {text}");
                }
            }
        }
    }
}

/// A password with characters that URLs reserve: percent-encoded it works; left raw, the
/// error must still not show it.
#[test]
fn url_password_with_reserved_characters() {
    let server = RedisServer::start();
    let admin = server.client();
    let password = "p@ss:w/rd?#%&=x";
    let _: () = admin
        .query(
            cmd("ACL")
                .arg("SETUSER")
                .arg("bob")
                .arg("on")
                .arg(format!(">{password}"))
                .arg("~*")
                .arg("+@all"),
        )
        .unwrap();
    for proto in [2, 3] {
        let url = format!(
            "redis://bob:p%40ss%3Aw%2Frd%3F%23%25%26%3Dx@127.0.0.1:{}/4?protocol={proto}&client_name=combo",
            server.port()
        );
        let client = Client::open(&url).unwrap();
        let info: String = client.query(&command(&["CLIENT", "INFO"])).unwrap();
        for part in [" db=4 ", " name=combo ", " user=bob "] {
            assert!(info.contains(part), "{part:?} not in {info}");
        }
        assert_eq!(spoken_protocol(&client), Value::Int(proto));
        assert!(!format!("{client:?}").contains("w/rd"));
        // The password given as a query parameter (also percent-encoded).
        let url = format!(
            "redis://127.0.0.1:{}?username=bob&password=p%40ss%3Aw%2Frd%3F%23%25%26%3Dx&protocol={proto}",
            server.port()
        );
        let who: String = Client::open(&url)
            .unwrap()
            .query(&command(&["ACL", "WHOAMI"]))
            .unwrap();
        assert_eq!(who, "bob");
    }
}

/// `InvalidUrl` says what is wrong without echoing the password, even when an unencoded `/`
/// or `?` in the password cuts the URL in the wrong place.
#[test]
fn url_errors_never_show_the_password() {
    for url in [
        "redis://alice:hunter2/secret@127.0.0.1:6379",
        "redis://alice:hunter2?secret@127.0.0.1",
        "redis://:hunter2/secret@127.0.0.1",
        "redis://alice:hunter2%zz@127.0.0.1",
        "redis://alice:hunter2@127.0.0.1:6379/x",
        "redis://alice:hunter2@127.0.0.1:99999",
        "redis://alice:hunter2@127.0.0.1:6379?password=hunter2&db=x",
        "redis://alice:hunter2@127.0.0.1:6379?bogus=1",
        "unix:///tmp/x.sock?password=hunter2&bogus=1",
    ] {
        match ConnectionInfo::from_url(url) {
            Ok(info) => assert!(!format!("{info:?}").contains("hunter2"), "{url}"),
            Err(err) => {
                assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
                assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
                assert!(!format!("{err:?}").contains("hunter2"), "{url}: {err:?}");
            }
        }
        if let Err(err) = Client::open(url) {
            assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
        }
    }
}
