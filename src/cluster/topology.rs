//! The cluster's shape: which node serves each slot, and its replicas, read from
//! `CLUSTER SHARDS` (Redis 7+) or `CLUSTER SLOTS` (Redis 6).

use super::fields;
use super::slot::SLOTS;
use crate::error::{Error, Result};
use crate::resp::Value;

/// A node's address as the cluster announces it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NodeAddr {
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// One primary and the replicas that follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shard {
    pub(crate) primary: NodeAddr,
    /// Replicas not marked failed.
    pub(crate) replicas: Vec<NodeAddr>,
}

/// Slot ranges and the shard serving each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Topology {
    pub(crate) shards: Vec<Shard>,
    /// For each slot, the index of its shard in `shards`, or `UNASSIGNED`.
    slot_shard: Vec<u16>,
}

const UNASSIGNED: u16 = u16::MAX;

impl Topology {
    /// The shard serving `slot`, if any.
    pub(crate) fn shard_of(&self, slot: u16) -> Option<&Shard> {
        match self.slot_shard.get(usize::from(slot)) {
            Some(&i) if i != UNASSIGNED => self.shards.get(usize::from(i)),
            _ => None,
        }
    }

    /// How many slots have a shard.
    pub(crate) fn assigned_slots(&self) -> usize {
        self.slot_shard.iter().filter(|&&i| i != UNASSIGNED).count()
    }

    /// Every node: primaries first, then replicas, each once.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &NodeAddr> {
        let primaries = self.shards.iter().map(|s| &s.primary);
        primaries.chain(self.shards.iter().flat_map(|s| s.replicas.iter()))
    }

    fn new() -> Topology {
        Topology {
            shards: Vec::new(),
            slot_shard: vec![UNASSIGNED; usize::from(SLOTS)],
        }
    }

    /// Adds `shard` serving the slot `ranges`, merging it with a shard of the same primary
    /// (`CLUSTER SLOTS` lists a primary once per range).
    fn add(&mut self, shard: Shard, ranges: &[(u16, u16)]) -> Result<()> {
        let index = match self.shards.iter().position(|s| s.primary == shard.primary) {
            Some(i) => i,
            None => {
                self.shards.push(shard);
                self.shards.len() - 1
            }
        };
        let index = u16::try_from(index).map_err(|_| malformed("more shards than slots"))?;
        for &(start, end) in ranges {
            if start > end || end >= SLOTS {
                return Err(malformed("a slot range out of 0..16383"));
            }
            for slot in start..=end {
                self.slot_shard[usize::from(slot)] = index;
            }
        }
        Ok(())
    }
}

fn malformed(what: &str) -> Error {
    Error::Conversion {
        expected: "a cluster topology (CLUSTER SHARDS or CLUSTER SLOTS reply)",
        got: what.to_string(),
    }
}

/// Parses a `CLUSTER SHARDS` reply (RESP2 flat key-value arrays or RESP3 maps). `asked` is
/// the host the command went to, used for a node whose endpoint is unknown (`?` or empty);
/// `tls` picks each node's `tls-port` over its `port` (`tls-cluster yes` lists both).
pub(crate) fn from_shards(reply: Value, asked: &str, tls: bool) -> Result<Topology> {
    let mut topology = Topology::new();
    for shard in array(reply)? {
        let mut ranges = Vec::new();
        let mut primary = None;
        let mut replicas = Vec::new();
        for (key, value) in pairs(shard)? {
            match text(&key).as_deref() {
                Some("slots") => {
                    let bounds = array(value)?
                        .into_iter()
                        .map(slot_number)
                        .collect::<Result<Vec<u16>>>()?;
                    if bounds.len() % 2 != 0 {
                        return Err(malformed("an odd number of slot bounds"));
                    }
                    ranges.extend(bounds.chunks(2).map(|b| (b[0], b[1])));
                }
                Some("nodes") => {
                    for node in array(value)? {
                        let node = shard_node(node, asked, tls)?;
                        match (node.primary, node.usable) {
                            (true, _) => primary = Some(node.addr),
                            (false, true) => replicas.push(node.addr),
                            (false, false) => {}
                        }
                    }
                }
                _ => {}
            }
        }
        // A shard with no slots (a primary being emptied, a new node) serves nothing yet.
        if ranges.is_empty() {
            continue;
        }
        let primary = primary.ok_or_else(|| malformed("a shard with slots and no primary"))?;
        topology.add(Shard { primary, replicas }, &ranges)?;
    }
    Ok(topology)
}

struct ShardNode {
    addr: NodeAddr,
    primary: bool,
    /// Not failed. A replica reported `loading` stays: Redis 7 reports so a replica whose
    /// replication offset is still 0, as on a fresh cluster with no writes yet, and a read
    /// that meets a really loading replica gets `LOADING`, which is retried elsewhere.
    usable: bool,
}

fn shard_node(node: Value, asked: &str, tls: bool) -> Result<ShardNode> {
    let (mut endpoint, mut ip, mut port, mut tls_port) = (None, None, None, None);
    let (mut primary, mut usable) = (false, true);
    for (key, value) in pairs(node)? {
        match text(&key).as_deref() {
            Some("endpoint") => endpoint = text(&value),
            Some("ip") => ip = text(&value),
            Some("port") => port = Some(port_number(value)?),
            Some("tls-port") => tls_port = Some(port_number(value)?),
            Some("role") => primary = text(&value).as_deref() == Some("master"),
            Some("health") => usable = text(&value).as_deref() != Some("fail"),
            _ => {}
        }
    }
    // A node lists `port` for plain clients and `tls-port` for TLS ones; one with a single
    // kind of listener lists only that one, which is then the only way in.
    let (preferred, other) = if tls {
        (tls_port, port)
    } else {
        (port, tls_port)
    };
    let port = preferred
        .or(other)
        .ok_or_else(|| malformed("a node without a port"))?;
    Ok(ShardNode {
        addr: NodeAddr {
            host: endpoint_host(endpoint.or(ip), asked),
            port,
        },
        primary,
        usable,
    })
}

/// Parses a `CLUSTER SLOTS` reply: `[start, end, [host, port, id, ...], replicas...]` per range.
/// Over a TLS connection to a `tls-cluster yes` node, `port` is the TLS port.
pub(crate) fn from_slots(reply: Value, asked: &str) -> Result<Topology> {
    let mut topology = Topology::new();
    for range in array(reply)? {
        let mut fields = array(range)?.into_iter();
        let (Some(start), Some(end), Some(primary)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(malformed("a slot range with fewer than three fields"));
        };
        let range = (slot_number(start)?, slot_number(end)?);
        let primary = slots_node(primary, asked)?;
        let replicas = fields
            .map(|node| slots_node(node, asked))
            .collect::<Result<Vec<_>>>()?;
        topology.add(Shard { primary, replicas }, &[range])?;
    }
    Ok(topology)
}

fn slots_node(node: Value, asked: &str) -> Result<NodeAddr> {
    let mut fields = array(node)?.into_iter();
    let (Some(host), Some(port)) = (fields.next(), fields.next()) else {
        return Err(malformed("a node with no host and port"));
    };
    Ok(NodeAddr {
        // A nil endpoint is an unknown one, as `?` is.
        host: endpoint_host(text(&host), asked),
        port: port_number(port)?,
    })
}

/// An announced endpoint, or the host the command went to when the endpoint is unknown (`?`
/// or empty, as the cluster specification says).
fn endpoint_host(endpoint: Option<String>, asked: &str) -> String {
    match endpoint {
        Some(e) if !e.is_empty() && e != "?" => e,
        _ => asked.to_string(),
    }
}

fn array(value: Value) -> Result<Vec<Value>> {
    fields::list(value).ok_or_else(|| malformed("a field that is not an array"))
}

fn pairs(value: Value) -> Result<Vec<(Value, Value)>> {
    fields::pairs(value).ok_or_else(|| malformed("a field that is not a map"))
}

fn text(value: &Value) -> Option<String> {
    let bytes = fields::bytes(value)?;
    std::str::from_utf8(bytes).ok().map(str::to_string)
}

fn integer(value: Value) -> Option<i64> {
    fields::int(&value)
}

fn slot_number(value: Value) -> Result<u16> {
    integer(value)
        .and_then(|n| u16::try_from(n).ok())
        .filter(|&n| n < SLOTS)
        .ok_or_else(|| malformed("a slot number out of 0..16383"))
}

fn port_number(value: Value) -> Result<u16> {
    integer(value)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| malformed("a port out of 0..65535"))
}

#[cfg(test)]
mod tests;
