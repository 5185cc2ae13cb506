//! Authentication and ACL users against real servers: `requirepass` and `ACL SETUSER` users
//! from URLs and builders on both protocols, with scripts, pipelines and transactions
//! (`users`); refusals typed as `NoPerm`, directly, from Lua and inside pipelines (`denied`);
//! credentials asked for per new connection and rotated under a running client (`rotation`);
//! and no secret in any `Debug`, `Display` or error (`secrets`). The basic forms of the URL
//! and builder credentials are in `core::config`; scripted fake servers that echo a password
//! back are in `hostile::auth`.

use crate::support::{server_kind, RedisServer, PROTOCOLS};
use redline::{cmd, Client, Commands, Error, Protocol, ServerErrorKind};

mod denied;
mod rotation;
mod secrets;
mod users;

/// `ACL SETUSER name rules...` through `admin`.
fn setuser(admin: &Client, name: &str, rules: &[&str]) {
    let mut c = cmd("ACL");
    c.arg("SETUSER").arg(name);
    for rule in rules {
        c.arg(*rule);
    }
    let _: () = admin
        .query(&c)
        .unwrap_or_else(|e| panic!("ACL SETUSER {name}: {e}"));
}

/// The rule that takes `SCRIPT LOAD` away: Redis 6.2 cannot take one subcommand away, so
/// there the whole of `SCRIPT` goes.
fn deny_script_load() -> &'static str {
    if server_kind().redis_version >= (7, 0, 0) {
        "-script|load"
    } else {
        "-script"
    }
}

/// `2` or `3`, for a URL's `protocol=`.
fn proto_number(protocol: Protocol) -> u8 {
    match protocol {
        Protocol::Resp2 => 2,
        _ => 3,
    }
}

/// The error's kind, looking through a pipeline's wrapper; fails the test for anything that is
/// not a server's refusal.
fn kind_of(err: &Error) -> ServerErrorKind {
    err.server_kind()
        .unwrap_or_else(|| panic!("not a server error: {err:?}"))
}

/// The server's message of an `Error::Server` (inside a pipeline's wrapper too).
fn message_of(err: &Error) -> &str {
    match err {
        Error::Server { message, .. } | Error::Auth { message, .. } => message,
        Error::Pipeline { source, .. } => message_of(source),
        other => panic!("no server message: {other:?}"),
    }
}

/// `ACL WHOAMI` on `target`.
fn whoami(target: &impl Commands) -> String {
    target.query(cmd("ACL").arg("WHOAMI")).unwrap()
}
