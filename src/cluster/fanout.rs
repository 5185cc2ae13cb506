//! The commands a cluster sends to many nodes, and how their answers merge into one.

use super::topology::{NodeAddr, Topology};
use crate::error::{Error, Result, ServerErrorKind};
use crate::resp::Value;

/// A set of a cluster's nodes, for [`ClusterClient::on_nodes`](crate::ClusterClient::on_nodes).
///
/// # Example
///
/// ```no_run
/// use redline::{cmd, ClusterClient, NodeSet};
///
/// let cluster = ClusterClient::open(&["redis://127.0.0.1:7000"])?;
/// for (node, memory) in cluster.on_nodes::<String>(NodeSet::All, &cmd("MEMORY").arg("DOCTOR"))? {
///     println!("{node}: {}", memory?);
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeSet {
    /// Every primary (one per shard).
    Primaries,
    /// Every replica that answers.
    Replicas,
    /// Every primary and replica.
    All,
}

impl NodeSet {
    /// The nodes of this set in `topology`: `(node, is_replica)`.
    pub(crate) fn select(self, topology: &Topology) -> Vec<(NodeAddr, bool)> {
        let primaries = topology.shards.iter().map(|s| (s.primary.clone(), false));
        let replicas = topology
            .shards
            .iter()
            .flat_map(|s| s.replicas.iter().map(|r| (r.clone(), true)));
        match self {
            NodeSet::Primaries => primaries.collect(),
            NodeSet::Replicas => replicas.collect(),
            NodeSet::All => primaries.chain(replicas).collect(),
        }
    }
}

/// A command that goes to many nodes, and how their answers become one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FanOut {
    /// `SCRIPT LOAD`: every node, replicas too (the script cache is never replicated); every
    /// node must answer the same SHA1.
    ScriptLoad,
    /// `SCRIPT EXISTS`: every primary; a script exists only where every primary has it.
    ScriptExists,
    /// `SCRIPT FLUSH`: every node.
    ScriptFlush,
    /// `SCRIPT KILL`, `FUNCTION KILL`: every primary; `NOTBUSY` means "not running there";
    /// done when any node killed one.
    Kill,
    /// `FUNCTION LOAD/DELETE/FLUSH/RESTORE`, `FLUSHALL`, `FLUSHDB`, `PING`: every primary
    /// (functions and data replicate to the replicas); every node must succeed.
    EveryPrimary,
    /// `DBSIZE`: every primary, summed.
    DbSize,
}

fn is(arg: Option<&&[u8]>, name: &str) -> bool {
    arg.is_some_and(|a| a.eq_ignore_ascii_case(name.as_bytes()))
}

impl FanOut {
    /// The fan-out `args` is, if it is one.
    pub(crate) fn of(args: &[&[u8]]) -> Option<FanOut> {
        let (name, sub) = (args.first(), args.get(1));
        if is(name, "SCRIPT") {
            return if is(sub, "LOAD") {
                Some(FanOut::ScriptLoad)
            } else if is(sub, "EXISTS") {
                Some(FanOut::ScriptExists)
            } else if is(sub, "FLUSH") {
                Some(FanOut::ScriptFlush)
            } else if is(sub, "KILL") {
                Some(FanOut::Kill)
            } else {
                None
            };
        }
        if is(name, "FUNCTION") {
            return if is(sub, "KILL") {
                Some(FanOut::Kill)
            } else if ["LOAD", "DELETE", "FLUSH", "RESTORE"]
                .iter()
                .any(|s| is(sub, s))
            {
                Some(FanOut::EveryPrimary)
            } else {
                None
            };
        }
        if ["FLUSHALL", "FLUSHDB", "PING"].iter().any(|n| is(name, n)) {
            return Some(FanOut::EveryPrimary);
        }
        is(name, "DBSIZE").then_some(FanOut::DbSize)
    }

    /// The nodes it goes to.
    pub(crate) fn nodes(self) -> NodeSet {
        match self {
            FanOut::ScriptLoad | FanOut::ScriptFlush => NodeSet::All,
            _ => NodeSet::Primaries,
        }
    }

    /// Merges the nodes' answers (`replies` is never empty: a cluster has a primary).
    pub(crate) fn merge(self, replies: Vec<(NodeAddr, Result<Value>)>) -> Result<Value> {
        match self {
            FanOut::Kill => merge_kill(replies),
            FanOut::ScriptLoad => {
                let values = all_ok(replies)?;
                let first = values.first().cloned().unwrap_or(Value::Nil);
                match values.iter().find(|v| **v != first) {
                    None => Ok(first),
                    Some(other) => Err(Error::Cluster {
                        reason: format!(
                            "SCRIPT LOAD answered {} on one node and {} on another",
                            first.describe(),
                            other.describe()
                        ),
                    }),
                }
            }
            FanOut::ScriptExists => {
                let mut merged: Option<Vec<bool>> = None;
                for value in all_ok(replies)? {
                    let flags: Vec<bool> = crate::types::FromValue::from_value(value)?;
                    merged = Some(match merged {
                        None => flags,
                        Some(m) => m.iter().zip(flags).map(|(a, b)| *a && b).collect(),
                    });
                }
                Ok(Value::Array(
                    merged
                        .unwrap_or_default()
                        .into_iter()
                        .map(|b| Value::Int(i64::from(b)))
                        .collect(),
                ))
            }
            FanOut::DbSize => {
                let mut total = 0i64;
                for value in all_ok(replies)? {
                    let n: i64 = crate::types::FromValue::from_value(value)?;
                    total = total.saturating_add(n);
                }
                Ok(Value::Int(total))
            }
            FanOut::ScriptFlush | FanOut::EveryPrimary => {
                Ok(all_ok(replies)?.into_iter().next().unwrap_or(Value::Okay))
            }
        }
    }
}

/// Every answer, or the first node's error, naming the node.
fn all_ok(replies: Vec<(NodeAddr, Result<Value>)>) -> Result<Vec<Value>> {
    let mut values = Vec::with_capacity(replies.len());
    for (_node, reply) in replies {
        values.push(reply?);
    }
    Ok(values)
}

/// Done when any node killed a script; `NOTBUSY` everywhere is `NOTBUSY`; another error is
/// returned when nothing was killed.
fn merge_kill(replies: Vec<(NodeAddr, Result<Value>)>) -> Result<Value> {
    let mut not_busy = None;
    let mut other = None;
    let mut killed = false;
    for (_node, reply) in replies {
        match reply {
            Ok(_) => killed = true,
            Err(e) if e.server_kind() == Some(ServerErrorKind::NotBusy) => {
                not_busy.get_or_insert(e);
            }
            Err(e) => {
                other.get_or_insert(e);
            }
        }
    }
    match (killed, other, not_busy) {
        (true, _, _) => Ok(Value::Okay),
        (false, Some(e), _) | (false, None, Some(e)) => Err(e),
        (false, None, None) => Ok(Value::Okay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(port: u16) -> NodeAddr {
        NodeAddr {
            host: "h".into(),
            port,
        }
    }

    fn of(line: &str) -> Option<FanOut> {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        FanOut::of(&args)
    }

    #[test]
    fn which_commands_fan_out() {
        assert_eq!(of("SCRIPT LOAD x"), Some(FanOut::ScriptLoad));
        assert_eq!(of("script exists a b"), Some(FanOut::ScriptExists));
        assert_eq!(of("SCRIPT FLUSH SYNC"), Some(FanOut::ScriptFlush));
        assert_eq!(of("SCRIPT KILL"), Some(FanOut::Kill));
        assert_eq!(of("FUNCTION KILL"), Some(FanOut::Kill));
        assert_eq!(of("FUNCTION LOAD REPLACE code"), Some(FanOut::EveryPrimary));
        assert_eq!(of("FLUSHALL"), Some(FanOut::EveryPrimary));
        assert_eq!(of("DBSIZE"), Some(FanOut::DbSize));
        assert_eq!(of("FUNCTION LIST"), None);
        assert_eq!(of("SCRIPT DEBUG YES"), None);
        assert_eq!(of("GET k"), None);
        assert_eq!(FanOut::ScriptLoad.nodes(), NodeSet::All);
        assert_eq!(FanOut::ScriptExists.nodes(), NodeSet::Primaries);
    }

    #[test]
    fn merges() {
        let exists = |v: &[i64]| Ok(Value::Array(v.iter().map(|&i| Value::Int(i)).collect()));
        let merged = FanOut::ScriptExists
            .merge(vec![
                (node(1), exists(&[1, 1, 0])),
                (node(2), exists(&[1, 0, 0])),
            ])
            .unwrap();
        assert_eq!(
            merged,
            Value::Array(vec![Value::Int(1), Value::Int(0), Value::Int(0)])
        );

        let sum = FanOut::DbSize
            .merge(vec![
                (node(1), Ok(Value::Int(3))),
                (node(2), Ok(Value::Int(4))),
            ])
            .unwrap();
        assert_eq!(sum, Value::Int(7));

        let sha = |s: &str| Ok(Value::Bulk(s.as_bytes().to_vec()));
        assert!(FanOut::ScriptLoad
            .merge(vec![(node(1), sha("ab")), (node(2), sha("ab"))])
            .is_ok());
        assert!(matches!(
            FanOut::ScriptLoad.merge(vec![(node(1), sha("ab")), (node(2), sha("cd"))]),
            Err(Error::Cluster { .. })
        ));

        let not_busy = || {
            Err(Error::from_server_reply(
                "NOTBUSY No scripts in execution right now.".into(),
            ))
        };
        assert!(FanOut::Kill
            .merge(vec![(node(1), not_busy()), (node(2), Ok(Value::Okay))])
            .is_ok());
        let err = FanOut::Kill
            .merge(vec![(node(1), not_busy()), (node(2), not_busy())])
            .unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::NotBusy));
        let err = FanOut::EveryPrimary
            .merge(vec![
                (node(1), Ok(Value::Okay)),
                (node(2), Err(Error::from_server_reply("ERR boom".into()))),
            ])
            .unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err));
    }
}
