//! [`ConnectionLike`] for a [`Client`]: each call on a pooled connection (read-only scripts on
//! the replica pool when there is one), `SCRIPT KILL` and `FUNCTION KILL` where a busy server
//! accepts them, and state-changing commands refused.

use super::Client;
use crate::batch::{self, Batch, Failure};
use crate::cache::{Cache, Plan};
use crate::cmd::Cmd;
use crate::connection::Connection;
use crate::error::{Result, ServerErrorKind};
use crate::pool::Pool;
use crate::resp::Value;
use crate::target::{ConnectionLike, Reply, ScriptInvocation};

impl ConnectionLike for Client {
    /// Like [`Connection::req`], on a pooled connection. Commands that change the state of
    /// the connection they run on (`MULTI`, `WATCH`, `SELECT`, `SUBSCRIBE`, `HELLO 3`, ...) are
    /// refused with [`Error::InvalidArgument`](crate::Error::InvalidArgument): the next caller
    /// of that pooled connection would inherit the state. Use [`Client::get_connection`] (or a
    /// pipeline's [`atomic`](crate::Pipeline::atomic), or [`Client::transaction`]) instead.
    /// `SCRIPT KILL` and `FUNCTION KILL` go as [`Client::req_while_busy`] sends them.
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        refuse_stateful(cmd)?;
        if is_kill(cmd) {
            return self.req_while_busy(cmd);
        }
        if let Some((cache, plan)) = self.cache_plan(cmd) {
            return cache.serve(self, cmd, plan, || self.req_uncached(cmd));
        }
        self.req_uncached(cmd)
    }

    fn req_reply(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_>) -> Result<()>) -> Result<()> {
        refuse_stateful(cmd)?;
        if is_kill(cmd) {
            return read(Reply::from(self.req_while_busy(cmd)?));
        }
        if let Some((cache, plan)) = self.cache_plan(cmd) {
            let value = cache.serve(self, cmd, plan, || self.req_uncached(cmd))?;
            return read(Reply::from(value));
        }
        if let Some(replicas) = self
            .replicas
            .as_ref()
            .and_then(|_| self.replica_pool_for(cmd))
        {
            return once_more(replicas, |conn| conn.req_reply(cmd, read));
        }
        let result = self.with_conn_once_more(|conn| conn.req_reply(cmd, read));
        self.after(cmd.encoded());
        match result {
            // A server busy with a script refuses a new pooled connection's handshake, yet
            // answers FUNCTION STATS: once more on a connection that skips the refused steps.
            Err(e) if e.server_kind() == Some(ServerErrorKind::Busy) && is_stats(cmd) => {
                read(Reply::from(self.req_while_busy(cmd)?))
            }
            other => other,
        }
    }

    /// Runs the whole EVALSHA / SCRIPT LOAD / EVALSHA sequence on one pooled connection; a
    /// read-only call is served by the client-side cache when there is one.
    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        if call.is_read_only() {
            if let Some((cache, plan)) = self.cache_plan(call.command()) {
                let value = cache.serve(self, call.command(), plan, || {
                    let mut out = None;
                    self.invoke_uncached(call, &mut |reply| {
                        out = Some(reply.convert::<Value>()?);
                        Ok(())
                    })?;
                    out.ok_or_else(crate::target::not_read)
                })?;
                return read(Reply::from(value));
            }
        }
        self.invoke_uncached(call, read)
    }

    /// Runs the batch on one pooled connection; if nothing of it reached the server before
    /// that connection failed, once more on another.
    fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
        let result = self.run_batch(batch);
        if batch.core.flushes_scripts {
            self.pool.scripts_flushed();
        }
        result
    }
}

impl Client {
    fn invoke_uncached(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        match &self.replicas {
            Some(replicas) if call.is_read_only() => {
                once_more(replicas, |conn| conn.invoke_script(call, read))
            }
            _ => self.with_conn_once_more(|conn| conn.invoke_script(call, read)),
        }
    }

    /// One command on a pooled connection (a replica's, for a read-only one when there is a
    /// replica pool), the cache aside.
    fn req_uncached(&self, cmd: &Cmd) -> Result<Value> {
        if let Some(replicas) = self
            .replicas
            .as_ref()
            .and_then(|_| self.replica_pool_for(cmd))
        {
            return once_more(replicas, |conn| conn.req(cmd));
        }
        let result = self.with_conn_once_more(|conn| conn.req(cmd));
        self.after(cmd.encoded());
        result
    }

    /// The cache and what `cmd` depends on, when the cache serves it.
    fn cache_plan(&self, cmd: &Cmd) -> Option<(&Cache, Plan)> {
        let cache = self.cache.as_deref()?;
        Some((cache, cache.plan(cmd)?))
    }

    /// After a request went out on a pooled connection: a `SCRIPT FLUSH` emptied the cache the
    /// other connections believe in.
    fn after(&self, encoded: &[u8]) {
        if crate::cmd::flushes_scripts(encoded) {
            self.pool.scripts_flushed();
        }
    }

    fn run_batch(&self, batch: &mut Batch<'_>) -> Result<()> {
        // The batch's error goes through the pool (a Sentinel client's pool learns of a
        // READONLY from it); whether it may run once more is noted on the way.
        let mut unsent = false;
        let first = self.with_conn(|conn| {
            batch::run(batch, conn).map_err(|failure| {
                unsent = matches!(&failure, Failure::Unsent(e) if e.is_connection_broken());
                failure.into_error()
            })
        });
        match first {
            Err(_) if unsent => {
                self.with_conn(|conn| batch::run(batch, conn).map_err(Failure::into_error))
            }
            other => other,
        }
    }
}

/// Runs one request on a connection of `pool`, once more on another when the check before it
/// found its connection closed or out of step (nothing of it was sent), or when a Sentinel
/// client's master turned out to be demoted (`READONLY`: the write was refused, and the pool
/// has since dropped that master's connections).
pub(super) fn once_more<R>(pool: &Pool, mut f: impl FnMut(&Connection) -> Result<R>) -> Result<R> {
    match pool.with_conn(&mut f) {
        Err(e)
            if e.failed_before_sending()
                || (pool.follows_failover()
                    && e.server_kind() == Some(ServerErrorKind::ReadOnly)) =>
        {
            pool.with_conn(f)
        }
        other => other,
    }
}

/// `FUNCTION STATS`, which a server busy with a script answers.
fn is_stats(cmd: &Cmd) -> bool {
    let mut args = cmd.args();
    args.next()
        .is_some_and(|n| n.eq_ignore_ascii_case(b"FUNCTION"))
        && args
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case(b"STATS"))
}

/// `SCRIPT KILL` and `FUNCTION KILL`, which must get through while a script blocks the server.
fn is_kill(cmd: &Cmd) -> bool {
    let mut args = cmd.args();
    let (Some(name), Some(sub)) = (args.next(), args.next()) else {
        return false;
    };
    (name.eq_ignore_ascii_case(b"SCRIPT") || name.eq_ignore_ascii_case(b"FUNCTION"))
        && sub.eq_ignore_ascii_case(b"KILL")
}

/// Refuses, for a pooled connection, the commands that would leave it in a state the next
/// caller does not expect.
fn refuse_stateful(cmd: &Cmd) -> Result<()> {
    const STATEFUL: [&[u8]; 13] = [
        b"MULTI",
        b"EXEC",
        b"DISCARD",
        b"WATCH",
        b"SELECT",
        b"SUBSCRIBE",
        b"PSUBSCRIBE",
        b"SSUBSCRIBE",
        b"MONITOR",
        b"AUTH",
        b"RESET",
        b"QUIT",
        b"READONLY",
    ];
    let mut args = cmd.args();
    let name = args.next().unwrap_or_default();
    let second = args.next();
    // CLIENT REPLY OFF would silence replies; HELLO with a version switches the protocol
    // (without one it only reports).
    let stateful_form = (name.eq_ignore_ascii_case(b"CLIENT")
        && second.is_some_and(|sub| sub.eq_ignore_ascii_case(b"REPLY")))
        || (name.eq_ignore_ascii_case(b"HELLO") && second.is_some());
    let stateful = STATEFUL.iter().any(|s| name.eq_ignore_ascii_case(s));
    if stateful_form || stateful {
        return Err(crate::Error::invalid_argument(format!(
            "{} changes the state of the connection it runs on; use Client::get_connection",
            String::from_utf8_lossy(name)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stateful_commands_are_refused_on_the_pool() {
        let refused = [
            &["MULTI"][..],
            &["select", "1"],
            &["CLIENT", "reply", "OFF"],
            &["Watch", "k"],
            &["HELLO", "3"],
        ];
        for words in refused {
            let mut c = Cmd::new();
            c.arg(words);
            assert!(
                matches!(
                    refuse_stateful(&c),
                    Err(crate::Error::InvalidArgument { .. })
                ),
                "{words:?}"
            );
        }
        for words in [
            &["GET", "k"][..],
            &["CLIENT", "ID"],
            &["UNWATCH"],
            &["HELLO"],
            &["CLIENT", "TRACKING", "ON"],
        ] {
            let mut c = Cmd::new();
            c.arg(words);
            assert!(refuse_stateful(&c).is_ok(), "{words:?}");
        }
    }
}
