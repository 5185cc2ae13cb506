//! ACL refusals are `NoPerm`, keep the server's text (which names the command where the server
//! does), and stay the error of the one command that was refused: `EVALSHA` denied, `SCRIPT
//! LOAD` denied (not `NoScript`), a key pattern, a denied command called from Lua (each
//! server words it differently), and inside plain and atomic pipelines.

use super::*;
use redline::{Connection, FlushMode, Pipeline, ScriptCode, ScriptingCommands, Value};

const PW: &str = "denied-pw-D1";

/// `INCR`s `KEYS[1]`.
const INCR: &str = "return redis.call('INCR', KEYS[1])";

fn client_as(server: &RedisServer, user: &str, protocol: Protocol) -> Client {
    server
        .builder()
        .protocol(protocol)
        .username(user)
        .password(PW)
        .build()
}

fn assert_noperm(err: &Error, names: Option<&str>, what: &str) {
    assert_eq!(kind_of(err), ServerErrorKind::NoPerm, "{what}: {err:?}");
    if let Some(command) = names {
        assert!(
            message_of(err).contains(&format!("'{command}'")),
            "{what}: the message names {command}: {err}"
        );
    }
}

/// A user allowed `EVAL` but not `EVALSHA` gets `NoPerm` from a script call, naming `evalsha`:
/// redline does not fall back to sending the source with `EVAL` (no peer does on `NOPERM`, and
/// an ACL that denies `EVALSHA` is a policy to surface, not to route around).
#[test]
fn evalsha_denied_is_noperm_without_fallback() {
    let server = RedisServer::start();
    let admin = server.client();
    setuser(
        &admin,
        "noevalsha",
        &["on", &format!(">{PW}"), "~*", "+@all", "-evalsha"],
    );
    for protocol in PROTOCOLS {
        let client = client_as(&server, "noevalsha", protocol);
        let conn = client.get_connection().unwrap();
        admin.script_flush(FlushMode::Sync).unwrap();
        let script = ScriptCode::new(INCR);
        let err = script.call_on::<i64, _>(&client, "n", ()).unwrap_err();
        assert_noperm(&err, Some("evalsha"), "client");
        assert!(matches!(err, Error::Server { .. }), "{err:?}");
        let err = script.call_on::<i64, _>(&conn, "n", ()).unwrap_err();
        assert_noperm(&err, Some("evalsha"), "connection");
        // Nothing was loaded or run behind the caller's back.
        assert_eq!(admin.script_exists(&[script.sha()]).unwrap(), [false]);
        assert_eq!(admin.get::<Option<i64>>("n").unwrap(), None);
        // EVAL is the caller's explicit choice.
        assert_eq!(client.eval::<i64>(INCR, "n", ()).unwrap(), 1);

        // In a plain pipeline: that command's error; the others ran.
        let err = client
            .pipeline()
            .incr("n")
            .script(&script, "n", ())
            .incr("n")
            .execute::<Vec<Value>>()
            .unwrap_err();
        assert!(matches!(err, Error::Pipeline { index: 1, .. }), "{err:?}");
        assert_noperm(&err, Some("evalsha"), "pipeline");
        assert_eq!(admin.get::<i64>("n").unwrap(), 3);
        admin.del("n").unwrap();
    }
}

/// A user allowed `EVALSHA` but not `SCRIPT LOAD`: a script the server lacks fails with the
/// load's `NoPerm` naming it, not with the `NOSCRIPT` before it; once loaded by someone else,
/// the user's calls run.
#[test]
fn script_load_denied_is_noperm_not_noscript() {
    let server = RedisServer::start();
    let admin = server.client();
    let deny = deny_script_load();
    let named = &deny[1..];
    setuser(
        &admin,
        "noload",
        &["on", &format!(">{PW}"), "~*", "+@all", deny],
    );
    for protocol in PROTOCOLS {
        let client = client_as(&server, "noload", protocol);
        let conn = client.get_connection().unwrap();
        admin.script_flush(FlushMode::Sync).unwrap();
        let script = ScriptCode::new(INCR);
        for (target, what) in [
            (&client as &dyn redline::ConnectionLike, "client"),
            (&conn as &dyn redline::ConnectionLike, "connection"),
        ] {
            let err = script.call_on::<i64, _>(target, "n", ()).unwrap_err();
            assert_noperm(&err, Some(named), what);
            assert!(matches!(err, Error::Server { .. }), "{what}: {err:?}");
            // In a plain pipeline, which loads its scripts first.
            let err = Pipeline::new(target)
                .incr("other")
                .script(&script, "n", ())
                .execute::<Vec<Value>>()
                .unwrap_err();
            assert_noperm(&err, Some(named), &format!("{what} pipeline"));
            assert!(!matches!(err, Error::NoScript), "{what}: {err:?}");
            // The script's command failed, with the load's refusal; the other one ran.
            assert!(
                matches!(err, Error::Pipeline { index: 1, .. }),
                "{what}: {err:?}"
            );
            assert_eq!(admin.get::<i64>("other").unwrap(), 1, "{what}");
            admin.del("other").unwrap();
        }
        assert_eq!(admin.get::<Option<i64>>("n").unwrap(), None);
        admin.script_load(INCR).unwrap();
        assert_eq!(script.call_on::<i64, _>(&client, "n", ()).unwrap(), 1);
        assert_eq!(script.call_on::<i64, _>(&conn, "n", ()).unwrap(), 2);
        admin.del("n").unwrap();
    }
}

/// Keys outside the user's pattern and a denied command, sent directly and from Lua
/// (`redis.call`, and a `redis.pcall` error the script returns): `NoPerm` on every server,
/// whose texts differ (Redis 7.0 and 6.2 say `ERR The user executing the script can't ...`,
/// Valkey 9 `ERR ACL failure in script: ...`).
#[test]
fn key_patterns_and_commands_denied_directly_and_from_lua() {
    let server = RedisServer::start();
    let admin = server.client();
    setuser(
        &admin,
        "appkeys",
        &["on", &format!(">{PW}"), "~app:*", "+@all", "-set"],
    );
    let set_from_lua = ScriptCode::new("return redis.call('SET', KEYS[1], 'x')");
    let read_other = ScriptCode::new("return redis.call('GET', 'other:1')");
    let pcall_set = ScriptCode::new("return redis.pcall('SET', KEYS[1], 'x')");
    for protocol in PROTOCOLS {
        let client = client_as(&server, "appkeys", protocol);
        let conn = client.get_connection().unwrap();
        check_denials(&client, &set_from_lua, &read_other, &pcall_set);
        check_denials(&conn, &set_from_lua, &read_other, &pcall_set);
        // The user may still run what it is allowed, on the same connections.
        assert_eq!(client.incr("app:n").unwrap(), 1);
        assert_eq!(conn.incr("app:n").unwrap(), 2);
        admin.del("app:n").unwrap();
    }
}

fn check_denials(
    target: &impl Commands,
    set_from_lua: &ScriptCode,
    read_other: &ScriptCode,
    pcall_set: &ScriptCode,
) {
    let err = target.get::<Option<String>>("other:1").unwrap_err();
    assert_noperm(&err, None, "GET other:1");
    assert!(message_of(&err).starts_with("NOPERM "), "{err}");
    let err = target.set("app:1", "x").unwrap_err();
    assert_noperm(&err, Some("set"), "SET app:1");

    // From Lua: the same kind. Valkey 9 names the command; Redis 7.0 and 6.2 do not.
    let names = server_kind().is_valkey().then_some("set");
    let err = set_from_lua
        .call_on::<(), _>(target, "app:1", ())
        .unwrap_err();
    assert_noperm(&err, names, "redis.call('SET')");
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    let err = read_other.call_on::<(), _>(target, (), ()).unwrap_err();
    assert_noperm(&err, None, "redis.call('GET', 'other:1')");
    let err = pcall_set.call_on::<(), _>(target, "app:1", ()).unwrap_err();
    assert_noperm(&err, names, "redis.pcall('SET') returned");
    // The server's text is kept whole.
    let text = message_of(&err);
    assert!(
        text.contains("The user executing the script can't") || text.contains("ACL failure"),
        "{text}"
    );
}

/// In a plain pipeline a refusal is the refused command's error alone: the commands around it
/// ran, and `execute_raw` shows each command's own outcome. In an atomic one the server
/// refuses the command while queueing and discards the transaction: `NoPerm`, nothing applied.
#[test]
fn noperm_in_a_pipeline_is_that_commands_error_only() {
    let server = RedisServer::start();
    let admin = server.client();
    setuser(
        &admin,
        "appkeys",
        &["on", &format!(">{PW}"), "~app:*", "+@all", "-set"],
    );
    let set_from_lua = ScriptCode::new("return redis.call('SET', KEYS[1], 'x')");
    for protocol in PROTOCOLS {
        let client = client_as(&server, "appkeys", protocol);
        let conn: Connection = client.get_connection().unwrap();
        for target in [
            &client as &dyn redline::ConnectionLike,
            &conn as &dyn redline::ConnectionLike,
        ] {
            let replies = Pipeline::new(target)
                .incr("app:n")
                .get("other:1")
                .set("app:1", "x")
                .script(&set_from_lua, "app:1", ())
                .incr("app:n")
                .execute_raw()
                .unwrap();
            assert_eq!(replies.len(), 5, "{replies:?}");
            assert_eq!(replies[0], Value::Int(1));
            for (at, reply) in replies[1..4].iter().enumerate() {
                let Value::Error(text) = reply else {
                    panic!("#{}: {reply:?}", at + 1)
                };
                let err = Error::from_server_reply(text.clone());
                assert_eq!(
                    kind_of(&err),
                    ServerErrorKind::NoPerm,
                    "#{}: {text}",
                    at + 1
                );
            }
            assert_eq!(replies[4], Value::Int(2));

            let err = Pipeline::new(target)
                .incr("app:n")
                .set("app:1", "x")
                .incr("app:n")
                .execute::<Vec<Value>>()
                .unwrap_err();
            assert!(matches!(err, Error::Pipeline { index: 1, .. }), "{err:?}");
            assert_noperm(&err, Some("set"), "plain pipeline");
            assert_eq!(admin.get::<i64>("app:n").unwrap(), 4);

            let err = Pipeline::new(target)
                .atomic()
                .incr("app:n")
                .get("other:1")
                .execute::<Vec<Value>>()
                .unwrap_err();
            assert_noperm(&err, None, "atomic pipeline");
            assert_eq!(admin.get::<i64>("app:n").unwrap(), 4, "nothing applied");
            admin.del("app:n").unwrap();
        }
    }
}
