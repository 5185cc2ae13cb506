//! One call on a cluster: the node its route picks, then `MOVED` and `ASK` redirects and
//! retries within the attempt and time budgets. A call is sent again only when it provably
//! did not run: a redirect or retry reply, or a failure before anything was written (a
//! read-only command may also be retried after a connection loss).

use super::route::Route;
use super::state::Shared;
use super::topology::NodeAddr;
use crate::client::Client;
use crate::cmd::cmd;
use crate::error::{Error, Operation, Result, ServerErrorKind};
use crate::target::ConnectionLike;
use std::time::{Duration, Instant};

/// Where the next attempt goes, after a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Redirect {
    /// The slot lives on this node now.
    Moved(NodeAddr),
    /// This key is being imported by this node: `ASKING`, then the command, there, once.
    Ask(NodeAddr),
}

/// Reads `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381` (an empty host is the
/// host that answered).
pub(crate) fn redirect_of(error: &Error, asked: &NodeAddr) -> Option<Redirect> {
    let Error::Server { kind, message } = error else {
        return None;
    };
    let kind = *kind;
    if kind != ServerErrorKind::Moved && kind != ServerErrorKind::Ask {
        return None;
    }
    let endpoint = message.split(' ').nth(2)?;
    let (host, port) = endpoint.rsplit_once(':')?;
    let node = NodeAddr {
        host: if host.is_empty() || host == "?" {
            asked.host.clone()
        } else {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        },
        port: port.parse().ok()?,
    };
    Some(if kind == ServerErrorKind::Moved {
        Redirect::Moved(node)
    } else {
        Redirect::Ask(node)
    })
}

/// The command provably never reached the server: the failure came before it was written.
pub(crate) fn not_sent(error: &Error) -> bool {
    let early = |op: &Operation| {
        matches!(
            op,
            Operation::Connect | Operation::Handshake | Operation::Probe
        )
    };
    match error {
        Error::Io { op, .. } | Error::Timeout { op, .. } | Error::Protocol { op, .. } => early(op),
        Error::PoolTimeout { .. } => true,
        _ => false,
    }
}

/// A reply that says "not now, try again": the cluster is resharding, failing over or loading.
pub(crate) fn transient(error: &Error) -> bool {
    matches!(
        error.server_kind(),
        Some(
            ServerErrorKind::TryAgain
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::Loading
                | ServerErrorKind::MasterDown
        )
    )
}

/// 10 ms, doubling, at most 500 ms.
pub(crate) fn backoff(retry: u32) -> Duration {
    Duration::from_millis(10u64 << retry.min(6)).min(Duration::from_millis(500))
}

impl Shared {
    /// Runs `send` for a call routed by `route`, on the node it picks, following redirects and
    /// retrying as the module says.
    pub(crate) fn call<R>(
        &self,
        route: Route,
        mut send: impl FnMut(&dyn ConnectionLike) -> Result<R>,
    ) -> Result<R> {
        let started = Instant::now();
        let read_only = matches!(
            route,
            Route::Slot {
                read_only: true,
                ..
            }
        );
        let mut redirect = None;
        let mut avoid_replicas = false;
        let mut retries = 0u32;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let view = self.view()?;
            let picked = match redirect.take() {
                Some(Redirect::Moved(node)) => Ok((node, false, false)),
                Some(Redirect::Ask(node)) => Ok((node, false, true)),
                None => self
                    .node_for(&view, route, avoid_replicas)
                    .map(|(node, replica)| (node.clone(), replica, false)),
            };
            let (outcome, node) = match picked {
                Ok((node, replica, asking)) => {
                    let client = self.client(&node, replica);
                    avoid_replicas |= replica;
                    (send_to(&client, asking, &mut send), Some(node))
                }
                // No node serves the slot now: like CLUSTERDOWN, worth a refresh and a wait.
                Err(e) => (Err(e), None),
            };
            let error = match outcome {
                Ok(reply) => return Ok(reply),
                Err(e) => e,
            };
            if attempt >= self.max_attempts {
                return Err(error);
            }
            if let Some(to) = node.as_ref().and_then(|n| redirect_of(&error, n)) {
                if matches!(to, Redirect::Moved(_)) {
                    // The map is stale; the redirect says where to go meanwhile.
                    let _ = self.refresh(Some(&view));
                }
                redirect = Some(to);
                continue;
            }
            let retry = transient(&error)
                || node.is_none()
                || (error.is_connection_broken() && (read_only || not_sent(&error)));
            if !retry || started.elapsed() >= self.retry_budget {
                return Err(error);
            }
            std::thread::sleep(
                backoff(retries).min(self.retry_budget.saturating_sub(started.elapsed())),
            );
            retries += 1;
            let _ = self.refresh(Some(&view));
        }
    }
}

/// Sends on a pooled connection of `client`; after `ASK`, `ASKING` first on that same one.
fn send_to<R>(
    client: &Client,
    asking: bool,
    send: &mut dyn FnMut(&dyn ConnectionLike) -> Result<R>,
) -> Result<R> {
    if !asking {
        return send(client);
    }
    client.with_conn(|conn| {
        conn.req(&cmd("ASKING"))?;
        send(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(host: &str, port: u16) -> NodeAddr {
        NodeAddr {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn redirects_are_read() {
        let asked = node("10.0.0.1", 7000);
        let moved = Error::from_server_reply("MOVED 3999 127.0.0.1:6381".into());
        assert_eq!(
            redirect_of(&moved, &asked),
            Some(Redirect::Moved(node("127.0.0.1", 6381)))
        );
        let ask = Error::from_server_reply("ASK 3999 :6382".into());
        assert_eq!(
            redirect_of(&ask, &asked),
            Some(Redirect::Ask(node("10.0.0.1", 6382)))
        );
        let ipv6 = Error::from_server_reply("MOVED 1 ::1:7001".into());
        assert_eq!(
            redirect_of(&ipv6, &asked),
            Some(Redirect::Moved(node("::1", 7001)))
        );
        for other in [
            "ERR nope",
            "MOVED",
            "MOVED 1",
            "MOVED 1 host:notaport",
            "ASK 1 host",
        ] {
            assert_eq!(
                redirect_of(&Error::from_server_reply(other.into()), &asked),
                None,
                "{other}"
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_half_a_second() {
        assert_eq!(backoff(0), Duration::from_millis(10));
        assert_eq!(backoff(1), Duration::from_millis(20));
        assert_eq!(backoff(5), Duration::from_millis(320));
        assert_eq!(backoff(6), Duration::from_millis(500));
        assert_eq!(backoff(60), Duration::from_millis(500));
    }
}
