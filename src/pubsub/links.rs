//! One connection of a [`Subscriber`](super::Subscriber) and what it is subscribed to.

use super::{classify, Frame, Kind, Message};
use crate::client::Client;
use crate::cmd::{cmd, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::resp::Value;
use std::collections::{BTreeSet, VecDeque};

pub(super) struct Link {
    client: Client,
    conn: Option<Connection>,
    /// What this connection is subscribed to, by kind: restored after a reconnection.
    held: [BTreeSet<Vec<u8>>; 3],
}

impl Link {
    /// A link to `client`'s server, connected now.
    pub(super) fn open(client: Client) -> Result<Link> {
        let conn = client.get_connection()?;
        Ok(Link {
            client,
            conn: Some(conn),
            held: Default::default(),
        })
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn addr(&self) -> String {
        self.client.connection_info().addr().to_string()
    }

    pub(super) fn conn(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    pub(super) fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    pub(super) fn is_broken(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::is_broken)
    }

    pub(super) fn drop_connection(&mut self) {
        self.conn = None;
    }

    pub(super) fn held(&self, kind: Kind) -> &BTreeSet<Vec<u8>> {
        &self.held[kind as usize]
    }

    pub(super) fn held_count(&self) -> usize {
        self.held.iter().map(BTreeSet::len).sum()
    }

    pub(super) fn forget(&mut self, kind: Kind, name: &[u8]) {
        self.held[kind as usize].remove(name);
    }

    pub(super) fn take(&mut self, kind: Kind) -> BTreeSet<Vec<u8>> {
        std::mem::take(&mut self.held[kind as usize])
    }

    /// Connects again (to `client`, which may be another node) and subscribes again to what
    /// the link held.
    pub(super) fn reopen(&mut self, client: Client, queued: &mut VecDeque<Message>) -> Result<()> {
        let conn = client.get_connection()?;
        self.client = client;
        self.conn = Some(conn);
        for kind in Kind::ALL {
            let names: Vec<Vec<u8>> = self.held[kind as usize].iter().cloned().collect();
            if names.is_empty() {
                continue;
            }
            let mut command = cmd(kind.subscribe());
            for name in &names {
                command.arg(name.as_slice());
            }
            if let Err(e) = self.confirm(&command, kind, true, names.len(), queued) {
                self.conn = None;
                return Err(e);
            }
        }
        Ok(())
    }

    /// (Un)subscribes `names` (none: all of the kind), then reads until the server confirmed
    /// each, queuing messages. A lost connection leaves the change recorded, to be made when
    /// the link is restored.
    pub(super) fn change(
        &mut self,
        kind: Kind,
        subscribe: bool,
        names: &[Vec<u8>],
        queued: &mut VecDeque<Message>,
    ) -> Result<()> {
        let mut command = cmd(if subscribe {
            kind.subscribe()
        } else {
            kind.unsubscribe()
        });
        for name in names {
            command.arg(name.as_slice());
        }
        if !subscribe && names.is_empty() {
            // "All", named: each name gets exactly one confirmation, whatever else the
            // server counts.
            for name in &self.held[kind as usize] {
                command.arg(name.as_slice());
            }
        }
        let expected = command.args_len().saturating_sub(1).max(1);
        let outcome = self.confirm(&command, kind, subscribe, expected, queued);
        let lost = matches!(&outcome, Err(e) if e.is_connection_broken());
        if outcome.is_ok() || lost {
            let held = &mut self.held[kind as usize];
            match (subscribe, names.is_empty()) {
                (true, _) => held.extend(names.iter().cloned()),
                (false, true) => held.clear(),
                (false, false) => names.iter().for_each(|n| {
                    held.remove(n);
                }),
            }
        }
        if lost {
            self.conn = None;
        }
        outcome
    }

    /// Sends `command` and reads until `expected` confirmations of `kind` came, queuing
    /// messages.
    fn confirm(
        &mut self,
        command: &Cmd,
        kind: Kind,
        subscribe: bool,
        expected: usize,
        queued: &mut VecDeque<Message>,
    ) -> Result<()> {
        let conn = self.conn.as_ref().ok_or(Error::Broken)?;
        conn.send(command)?;
        let mut confirmed = 0;
        while confirmed < expected {
            match classify(conn.recv()?, true) {
                Frame::Message(message) => queued.push_back(message),
                Frame::Confirmation {
                    kind: k,
                    subscribed,
                    ..
                } if k == kind && subscribed == subscribe => confirmed += 1,
                Frame::Confirmation { .. } => {}
                Frame::Other(Value::Error(message)) => {
                    return Err(Error::from_server_reply(message))
                }
                Frame::Other(_) => {}
            }
        }
        Ok(())
    }

    /// Sends a command and reads frames until one that is not Pub/Sub traffic: its reply
    /// (RESP2's `["pong", ""]` as `PONG`).
    pub(super) fn request(
        &mut self,
        command: &Cmd,
        arrays: bool,
        queued: &mut VecDeque<Message>,
    ) -> Result<Value> {
        let conn = self.conn.as_ref().ok_or(Error::Broken)?;
        conn.send(command)?;
        loop {
            match classify(conn.recv()?, arrays) {
                Frame::Message(message) => queued.push_back(message),
                Frame::Confirmation { .. } => {}
                Frame::Other(Value::Array(items)) if arrays && is_pong(&items) => {
                    return Ok(Value::SimpleString("PONG".into()))
                }
                Frame::Other(reply) => return Ok(reply),
            }
        }
    }
}

/// A `PING` answered while subscribed on RESP2: `["pong", ""]`.
fn is_pong(items: &[Value]) -> bool {
    matches!(items.first(), Some(Value::Bulk(b)) if b.eq_ignore_ascii_case(b"pong"))
}
