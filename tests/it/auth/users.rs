//! A server with `requirepass` and an ACL user limited to `app:*` keys: every way of giving the
//! credentials (URL and builder; user and password, password alone), on both protocols, on a
//! client and on a dedicated connection, runs commands, scripts (loaded by the user after a
//! flush), plain and atomic pipelines carrying scripts, and `WATCH` transactions.

use super::*;
use redline::{FlushMode, Pipeline, ScriptCode, ScriptingCommands};

const ADMIN_PW: &str = "admin-pw-U1";
const ALICE_PW: &str = "alice-pw-U2";

/// Sets `KEYS[1]` to `ARGV[1]` and adds `ARGV[2]`.
const SET_AND_ADD: &str =
    "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCRBY', KEYS[1], ARGV[2])";

/// Everything an application does, as the user `who`, on `target`, with its keys under `key`.
fn exercise(target: &impl Commands, admin: &Client, who: &str, key: &str) {
    assert_eq!(whoami(target), who);
    target.set(key, 1).unwrap();
    assert_eq!(target.get::<i64>(key).unwrap(), 1);

    // A script the server does not have: EVALSHA, NOSCRIPT, SCRIPT LOAD, all as this user.
    admin.script_flush(FlushMode::Sync).unwrap();
    let script = ScriptCode::new(SET_AND_ADD);
    assert_eq!(script.call_on::<i64, _>(target, key, (10, 5)).unwrap(), 15);

    // Pipelines carrying the script, which they load first (flushed again).
    admin.script_flush(FlushMode::Sync).unwrap();
    let (ok, sum, got): (bool, i64, i64) = Pipeline::new(target)
        .set(key, 2)
        .script(&script, key, (20, 2))
        .get(key)
        .execute()
        .unwrap();
    assert_eq!((ok, sum, got), (true, 22, 22));
    admin.script_flush(FlushMode::Sync).unwrap();
    let (sum, got): (i64, i64) = Pipeline::new(target)
        .atomic()
        .script(&script, key, (30, 3))
        .get(key)
        .execute()
        .unwrap();
    assert_eq!((sum, got), (33, 33));
}

#[test]
fn requirepass_and_acl_users_run_scripts_and_pipelines() {
    let server = RedisServer::start_with(&["--requirepass", ADMIN_PW]);
    let admin = server.builder().password(ADMIN_PW).build();
    setuser(
        &admin,
        "alice",
        &["on", &format!(">{ALICE_PW}"), "~app:*", "+@all"],
    );
    let port = server.port();
    for protocol in PROTOCOLS {
        let n = proto_number(protocol);
        let forms: [(&str, Client); 4] = [
            (
                "alice",
                Client::open(&format!(
                    "redis://alice:{ALICE_PW}@127.0.0.1:{port}?protocol={n}"
                ))
                .unwrap(),
            ),
            (
                "alice",
                server
                    .builder()
                    .protocol(protocol)
                    .username("alice")
                    .password(ALICE_PW)
                    .build(),
            ),
            (
                "default",
                Client::open(&format!(
                    "redis://:{ADMIN_PW}@127.0.0.1:{port}?protocol={n}"
                ))
                .unwrap(),
            ),
            (
                "default",
                server
                    .builder()
                    .protocol(protocol)
                    .password(ADMIN_PW)
                    .build(),
            ),
        ];
        for (form, (who, client)) in forms.iter().enumerate() {
            assert_eq!(client.connection_info().protocol(), protocol);
            let key = format!("app:{n}:{form}");
            exercise(client, &admin, who, &key);
            let conn = client.get_connection().unwrap();
            exercise(&conn, &admin, who, &format!("{key}:conn"));

            // A WATCH transaction as the user, carrying the script.
            let script = ScriptCode::new(SET_AND_ADD);
            admin.script_flush(FlushMode::Sync).unwrap();
            let (sum,): (i64,) = client
                .transaction([key.as_str()], |_conn, pipe| {
                    pipe.script(&script, key.as_str(), (40, 4));
                    Ok(())
                })
                .unwrap();
            assert_eq!(sum, 44);
        }
    }
}
