//! Servers that quote a password back in their refusal (an old server that does not know
//! `HELLO` or `AUTH` with a user echoes its arguments; a hostile one may say anything): the
//! error is `Error::Auth` or a server error with `******` in its place, on both protocols,
//! with a user and password or a password alone, from fixed credentials or a provider.

use super::*;
use redline::{Credentials, Protocol, ServerErrorKind};

const SECRET: &str = "hunter2-H9";

fn assert_redacted(err: &Error, what: &str) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET), "{what}: {text}");
    assert!(err.to_string().contains("******"), "{what}: {err}");
}

#[test]
fn echoed_credentials_are_redacted_on_both_protocols() {
    // (protocol, user, the server's refusal quoting what it got)
    let cases: [(Protocol, Option<&str>, String); 4] = [
        (
            Protocol::Resp3,
            Some("alice"),
            format!("-ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'alice' '{SECRET}' \r\n"),
        ),
        (
            Protocol::Resp3,
            None,
            format!("-ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' '{SECRET}' \r\n"),
        ),
        // A server before ACLs: AUTH takes one argument, and an unknown form is echoed.
        (
            Protocol::Resp2,
            Some("alice"),
            format!("-ERR wrong number of arguments for 'auth' command: 'alice' '{SECRET}'\r\n"),
        ),
        (
            Protocol::Resp2,
            None,
            format!("-WRONGPASS the password '{SECRET}' is not right\r\n"),
        ),
    ];
    for (protocol, user, refusal) in cases {
        let what = format!("{protocol:?} {user:?}");
        for provided in [false, true] {
            let fake = Fake::start(vec![reply(refusal.as_bytes(), false)]);
            let mut builder = fake.builder().protocol(protocol);
            builder = match (provided, user) {
                (false, Some(user)) => builder.username(user).password(SECRET),
                (false, None) => builder.password(SECRET),
                (true, Some(user)) => {
                    builder.credentials_provider(move || Ok(Credentials::new(user, SECRET)))
                }
                (true, None) => {
                    builder.credentials_provider(|| Ok(Credentials::password_only(SECRET)))
                }
            };
            let err = builder.build().get_connection().unwrap_err();
            assert_redacted(&err, &what);
            // The sent command itself carried the password: the fake saw it.
            assert!(fake.commands()[0].iter().any(|w| w == SECRET), "{what}");
            match (&err, protocol) {
                // Any refusal of AUTH itself says it was the credentials; so does WRONGPASS.
                (Error::Auth { addr, kind, .. }, Protocol::Resp2) => {
                    assert_eq!(addr, &format!("redis://127.0.0.1:{}", fake.port()));
                    let want = if user.is_some() {
                        ServerErrorKind::Err
                    } else {
                        ServerErrorKind::WrongPass
                    };
                    assert_eq!(*kind, want, "{what}");
                }
                // A server without HELLO: not a refusal of the credentials.
                (Error::Server { kind, .. }, Protocol::Resp3) => {
                    assert_eq!(*kind, ServerErrorKind::Err, "{what}")
                }
                (other, _) => panic!("{what}: {other:?}"),
            }
        }
    }
}

/// A server before 6.0 cuts the echoed arguments at 128 characters: a long password shows
/// there only in part, and must not show at all in the error.
#[test]
fn a_long_password_echoed_in_part_is_not_shown() {
    let long = format!("{SECRET}-{}", "x".repeat(200));
    let echoed = format!(
        "-ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' '{}' \r\n",
        &long[..90]
    );
    let fake = Fake::start(vec![reply(echoed.as_bytes(), false)]);
    let err = fake
        .builder()
        .protocol(Protocol::Resp3)
        .password(&long)
        .build()
        .get_connection()
        .unwrap_err();
    assert_redacted(&err, "long password");
    assert!(!format!("{err:?}").contains("xxxxxxxx"), "{err:?}");
}
