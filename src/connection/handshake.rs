//! Setting a new connection up: `HELLO 3` (with `AUTH` and `SETNAME` in it) or `AUTH`, then
//! `SELECT` and `CLIENT SETNAME`, all in one write.

use super::Connection;
use crate::cmd::cmd;
use crate::error::{Error, Result, ServerErrorKind};
use crate::info::{ConnectionInfo, Protocol};
use crate::resp::Value;

impl Connection {
    /// Sends the set-up commands in one write and reads every reply before reporting the first
    /// error, so nothing is left unread.
    pub(super) fn handshake(&self, info: &ConnectionInfo, select: bool) -> Result<()> {
        let mut setup = Vec::new();
        // Asked once per connection, so a rotated password reaches every new connection.
        let (username, password) =
            info.handshake_credentials()
                .map_err(|source| Error::Credentials {
                    addr: info.addr.to_string(),
                    source,
                })?;
        let password = password.as_deref();
        let user = username.as_deref().unwrap_or("default");
        // Which reply answers the credentials (AUTH, or HELLO carrying AUTH).
        let mut auth_at = None;
        // A busy server refuses CLIENT SETNAME but accepts HELLO ... SETNAME.
        let name = info
            .client_name
            .as_deref()
            .filter(|_| select || info.protocol == Protocol::Resp3);
        if info.protocol == Protocol::Resp3 {
            let mut hello = cmd("HELLO");
            hello.arg("3");
            if let Some(password) = password {
                hello.arg("AUTH").arg(user).arg(password);
                auth_at = Some(setup.len());
            }
            if let Some(name) = name {
                hello.arg("SETNAME").arg(name);
            }
            setup.push(hello);
        } else {
            if let Some(password) = password {
                let mut auth = cmd("AUTH");
                auth.arg(username.as_deref()).arg(password);
                auth_at = Some(setup.len());
                setup.push(auth);
            }
            if let Some(name) = name {
                let mut setname = cmd("CLIENT");
                setname.arg("SETNAME").arg(name);
                setup.push(setname);
            }
        }
        if select && info.db != 0 {
            let mut sel = cmd("SELECT");
            sel.arg(info.db);
            setup.push(sel);
        }
        if info.cluster_readonly {
            setup.push(cmd("READONLY"));
        }
        if setup.is_empty() {
            return Ok(());
        }
        let mut inner = self.lock()?;
        let mut batch = Vec::new();
        for c in &setup {
            batch.extend_from_slice(c.encoded());
        }
        inner.write_all(&batch)?;
        // Read every reply before reporting the first error, so nothing is left unread.
        let mut first_error = None;
        for at in 0..setup.len() {
            if let Value::Error(mut message) = inner.recv()? {
                message = redact(message, password, auth_at == Some(at));
                let error = match Error::from_server_reply(message) {
                    // Refused credentials, said where: any error to AUTH itself (older servers
                    // say `ERR invalid password`), and WRONGPASS or NOAUTH to any set-up
                    // command (HELLO with AUTH, or SELECT without credentials).
                    Error::Server { kind, message }
                        if (auth_at == Some(at) && info.protocol == Protocol::Resp2)
                            || matches!(
                                kind,
                                ServerErrorKind::WrongPass | ServerErrorKind::NoAuth
                            ) =>
                    {
                        Error::Auth {
                            addr: inner.addr.to_string(),
                            kind,
                            message,
                        }
                    }
                    other => other,
                };
                first_error.get_or_insert(error);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// A set-up reply without the password. A server that does not know `HELLO` echoes its
/// arguments, and cuts them at 128 characters, so that a long password shows only in part: in
/// the reply to the command that `carried` it, everything after `args beginning with:` goes.
fn redact(mut message: String, password: Option<&str>, carried: bool) -> String {
    const ECHO: &str = "args beginning with:";
    if let Some(at) = message.find(ECHO).filter(|_| carried) {
        message.truncate(at + ECHO.len());
        message.push_str(" ******");
    }
    match password.filter(|p| !p.is_empty()) {
        Some(password) => message.replace(password, "******"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn echoed_arguments_are_cut_even_when_truncated() {
        let long = "p".repeat(200);
        let echoed = format!(
            "ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' '{}' ",
            &long[..100]
        );
        let text = redact(echoed.clone(), Some(&long), true);
        assert!(redact(echoed, Some(&long), false).contains("'AUTH'"));
        assert_eq!(
            text,
            "ERR unknown command 'HELLO', with args beginning with: ******"
        );
        let text = redact("WRONGPASS no 'hunter2' here".into(), Some("hunter2"), false);
        assert_eq!(text, "WRONGPASS no '******' here");
        let text = redact("WRONGPASS invalid".into(), Some(""), true);
        assert_eq!(text, "WRONGPASS invalid");
    }
}
