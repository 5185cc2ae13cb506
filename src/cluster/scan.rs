//! `SCAN` over a cluster: one primary after another, keeping a record of the slots whose keys
//! have all been seen, so that a failover or a slot migration during the scan does not skip a
//! key that existed throughout.
//!
//! A pass scans one primary to the end and keeps only the keys of the slots it was asked for.
//! At the end the node says (`CLUSTER NODES`, its own line) which of those slots it still
//! serves and which it is migrating away. Slots still served are covered. A slot being
//! migrated is covered once its target has been scanned too: keys only move from source to
//! target, so a key the source's pass missed had moved before the pass reached it and is on
//! the target. Slots the node no longer serves (it failed over, or a migration finished
//! meanwhile) are scanned again where the refreshed map puts them. A pass cut off by a lost
//! connection starts again on the node that serves those slots now. Keys may so be returned
//! more than once, as `SCAN` itself allows; none that existed throughout is skipped.

use super::call::{backoff, transient};
use super::slot::SLOTS;
use super::topology::NodeAddr;
use super::ClusterClient;
use crate::cmd::cmd;
use crate::error::{Error, Result};
use crate::key_slot;
use crate::resp::Value;
use crate::target::{parse_page, ConnectionLike, ScanCursor, ScanOptions};
use std::time::Instant;

/// A set of slots, one bit each.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Slots(Vec<u64>);

impl Slots {
    fn none() -> Slots {
        Slots(vec![0; usize::from(SLOTS) / 64])
    }

    fn all() -> Slots {
        Slots(vec![u64::MAX; usize::from(SLOTS) / 64])
    }

    fn contains(&self, slot: u16) -> bool {
        let slot = usize::from(slot);
        self.0
            .get(slot / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }

    fn insert(&mut self, slot: u16) {
        let slot = usize::from(slot);
        if let Some(w) = self.0.get_mut(slot / 64) {
            *w |= 1 << (slot % 64);
        }
    }

    fn and(&self, other: &Slots) -> Slots {
        Slots(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }

    fn remove_all(&mut self, other: &Slots) {
        for (w, o) in self.0.iter_mut().zip(&other.0) {
            *w &= !o;
        }
    }

    fn first(&self) -> Option<u16> {
        let (i, w) = self.0.iter().enumerate().find(|(_, w)| **w != 0)?;
        u16::try_from(i * 64 + w.trailing_zeros() as usize).ok()
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..SLOTS).filter(|&s| self.contains(s))
    }
}

/// One primary being scanned, for `slots`.
#[derive(Debug)]
struct Pass {
    node: NodeAddr,
    slots: Slots,
    cursor: String,
    /// The target of a migration seen at the end of the source's pass: its slots are covered
    /// once it has been scanned, whoever serves them then.
    migration_target: bool,
}

/// A cluster scan's progress, kept in the [`ScanCursor`].
#[derive(Debug)]
struct Progress {
    /// Slots not covered yet.
    needed: Slots,
    /// Migration targets still to be scanned, each for the slots migrating to it.
    targets: Vec<(NodeAddr, Slots)>,
    pass: Option<Pass>,
    /// Failures and passes that covered nothing, in a row, and since when: bounded by the
    /// client's attempts and retry budget, as a call's retries are.
    stalls: u32,
    stalled_since: Option<Instant>,
}

pub(super) fn page(
    cluster: &ClusterClient,
    cursor: &mut ScanCursor,
    options: &ScanOptions,
) -> Result<Vec<Value>> {
    if cursor.finished {
        return Ok(Vec::new());
    }
    if !cursor.progress.as_ref().is_some_and(|p| p.is::<Progress>()) {
        cursor.progress = Some(Box::new(Progress {
            needed: Slots::all(),
            targets: Vec::new(),
            pass: None,
            stalls: 0,
            stalled_since: None,
        }));
    }
    let Some(progress) = cursor
        .progress
        .as_mut()
        .and_then(|p| p.downcast_mut::<Progress>())
    else {
        return Err(Error::invalid_argument("a cluster scan lost its progress"));
    };
    loop {
        let mut pass = match progress.pass.take() {
            Some(pass) => pass,
            None => match next_pass(cluster, progress)? {
                Some(pass) => pass,
                None => {
                    cursor.finished = true;
                    return Ok(Vec::new());
                }
            },
        };
        let client = cluster.shared.client(&pass.node, false);
        let mut scan = cmd("SCAN");
        scan.arg(pass.cursor.as_str());
        options.add_to(&mut scan);
        match client.req(&scan).and_then(parse_page) {
            Ok((next, items)) => {
                let keys = items
                    .into_iter()
                    .filter(|key| match key {
                        Value::Bulk(key) => pass.slots.contains(key_slot(key)),
                        _ => true,
                    })
                    .collect();
                if next == "0" {
                    finish_pass(cluster, progress, pass)?;
                } else {
                    pass.cursor = next;
                    progress.pass = Some(pass);
                }
                return Ok(keys);
            }
            Err(e) if e.is_connection_broken() || e.is_io() || transient(&e) => {
                // The node failed or is failing over: the pass starts again where the map
                // puts its slots once refreshed (a target's, on the same node).
                stall(cluster, progress, e)?;
                if pass.migration_target {
                    progress.targets.push((pass.node, pass.slots));
                }
                let _ = cluster.shared.refresh(None);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Counts a pass that failed or covered nothing, waits a little, and gives up with `error`
/// after the client's number of attempts.
fn stall(cluster: &ClusterClient, progress: &mut Progress, error: Error) -> Result<()> {
    let since = *progress.stalled_since.get_or_insert_with(Instant::now);
    progress.stalls += 1;
    let budget = cluster.shared.retry_budget;
    if progress.stalls as usize >= cluster.shared.max_attempts.max(1) || since.elapsed() >= budget {
        return Err(error);
    }
    std::thread::sleep(backoff(progress.stalls).min(budget.saturating_sub(since.elapsed())));
    Ok(())
}

impl Progress {
    fn moved_on(&mut self) {
        self.stalls = 0;
        self.stalled_since = None;
    }
}

/// The next pass: a migration target owed a scan, else the primary serving the first slot not
/// covered yet, for every uncovered slot it serves.
fn next_pass(cluster: &ClusterClient, progress: &mut Progress) -> Result<Option<Pass>> {
    if let Some((node, slots)) = progress.targets.pop() {
        return Ok(Some(Pass {
            node,
            slots,
            cursor: "0".into(),
            migration_target: true,
        }));
    }
    let Some(first) = progress.needed.first() else {
        return Ok(None);
    };
    loop {
        let view = cluster.shared.view()?;
        let Some(shard) = view.topology.shard_of(first) else {
            let unserved = Error::Cluster {
                reason: format!("no node serves slot {first}, so a SCAN cannot cover it"),
            };
            stall(cluster, progress, unserved)?;
            let _ = cluster.shared.refresh(Some(&view));
            continue;
        };
        let mut slots = Slots::none();
        for slot in progress.needed.iter() {
            if view
                .topology
                .shard_of(slot)
                .is_some_and(|s| s.primary == shard.primary)
            {
                slots.insert(slot);
            }
        }
        return Ok(Some(Pass {
            node: shard.primary.clone(),
            slots,
            cursor: "0".into(),
            migration_target: false,
        }));
    }
}

/// Records what a finished pass covered (see the module's docs).
fn finish_pass(cluster: &ClusterClient, progress: &mut Progress, pass: Pass) -> Result<()> {
    if pass.migration_target {
        progress.needed.remove_all(&pass.slots);
        progress.moved_on();
        return Ok(());
    }
    let client = cluster.shared.client(&pass.node, false);
    let nodes = match client.req(cmd("CLUSTER").arg("NODES")) {
        Ok(Value::Bulk(text) | Value::Verbatim { text, .. }) => {
            String::from_utf8_lossy(&text).into_owned()
        }
        Ok(other) => return Err(Error::conversion::<String>(&other)),
        Err(e) if e.is_connection_broken() || e.is_io() || transient(&e) => {
            // The node went away after its last page: its slots are scanned again elsewhere.
            stall(cluster, progress, e)?;
            let _ = cluster.shared.refresh(None);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let own = OwnSlots::parse(&nodes, &pass.node);
    let mut covered = pass.slots.and(&own.served);
    for (target, slots) in own.migrating_to {
        let moving = slots.and(&pass.slots);
        if !moving.is_empty() {
            covered.remove_all(&moving);
            progress.needed.remove_all(&moving);
            progress.targets.push((target, moving));
        }
    }
    if covered.is_empty() && progress.targets.is_empty() {
        let moved = Error::Cluster {
            reason: format!(
                "{}:{} no longer serves the slots it was scanned for",
                pass.node.host, pass.node.port
            ),
        };
        stall(cluster, progress, moved)?;
    } else {
        progress.moved_on();
    }
    progress.needed.remove_all(&covered);
    if covered != pass.slots {
        // Some slots moved: find where.
        let _ = cluster.shared.refresh(None);
    }
    Ok(())
}

/// What a node's own line of `CLUSTER NODES` says: the slots it serves, and those it is
/// migrating, by target.
struct OwnSlots {
    served: Slots,
    migrating_to: Vec<(NodeAddr, Slots)>,
}

impl OwnSlots {
    /// `<id> <ip:port@cport[,host]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...`,
    /// a slot being `5`, `0-5460`, `[5->-<target id>]` or `[5-<-<source id>]`. A node that is
    /// a replica now serves nothing.
    fn parse(text: &str, asked: &NodeAddr) -> OwnSlots {
        let mut own = OwnSlots {
            served: Slots::none(),
            migrating_to: Vec::new(),
        };
        let lines: Vec<Vec<&str>> = text
            .lines()
            .map(|l| l.split_ascii_whitespace().collect())
            .collect();
        let Some(mine) = lines.iter().find(|f| {
            f.get(2)
                .is_some_and(|flags| flags.split(',').any(|x| x == "myself"))
        }) else {
            return own;
        };
        let is_primary = mine
            .get(2)
            .is_some_and(|flags| flags.split(',').any(|x| x == "master"));
        if !is_primary {
            return own;
        }
        for field in mine.iter().skip(8) {
            if let Some(migration) = field.strip_prefix('[').and_then(|f| f.strip_suffix(']')) {
                if let Some((slot, target_id)) = migration.split_once("->-") {
                    let (Ok(slot), Some(target)) =
                        (slot.parse::<u16>(), address_of(&lines, target_id, asked))
                    else {
                        continue;
                    };
                    match own.migrating_to.iter_mut().find(|(n, _)| *n == target) {
                        Some((_, slots)) => slots.insert(slot),
                        None => {
                            let mut slots = Slots::none();
                            slots.insert(slot);
                            own.migrating_to.push((target, slots));
                        }
                    }
                }
                continue;
            }
            let (low, high) = field.split_once('-').unwrap_or((field, field));
            if let (Ok(low), Ok(high)) = (low.parse::<u16>(), high.parse::<u16>()) {
                for slot in low..=high.min(SLOTS - 1) {
                    own.served.insert(slot);
                }
            }
        }
        own
    }
}

/// The address of the node with `id`, from its `ip:port@cport[,hostname]` field.
fn address_of(lines: &[Vec<&str>], id: &str, asked: &NodeAddr) -> Option<NodeAddr> {
    let line = lines.iter().find(|f| f.first() == Some(&id))?;
    let endpoint = line.get(1)?.split(['@', ',']).next()?;
    let (host, port) = endpoint.rsplit_once(':')?;
    Some(NodeAddr {
        host: if host.is_empty() {
            asked.host.clone()
        } else {
            host.to_string()
        },
        port: port.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(port: u16) -> NodeAddr {
        NodeAddr {
            host: "127.0.0.1".into(),
            port,
        }
    }

    #[test]
    fn own_line_with_a_migration() {
        let text = "\
aaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5 9 [3->-bbb]
bbb 127.0.0.1:7001@17001,host-b master - 0 0 2 connected 6-8 [3-<-aaa]
ccc 127.0.0.1:7002@17002 slave aaa 0 0 1 connected
";
        let own = OwnSlots::parse(text, &node(7000));
        let served: Vec<u16> = own.served.iter().collect();
        assert_eq!(served, [0, 1, 2, 3, 4, 5, 9]);
        assert_eq!(own.migrating_to.len(), 1);
        assert_eq!(own.migrating_to[0].0, node(7001));
        assert_eq!(own.migrating_to[0].1.iter().collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn a_replica_serves_nothing_and_garbage_is_harmless() {
        let text = "aaa 127.0.0.1:7000@17000 myself,slave bbb 0 0 1 connected 0-5\n";
        assert!(OwnSlots::parse(text, &node(7000)).served.is_empty());
        for junk in ["", "x", "a b myself,master c d e f g 99999-1 [x->-nope] -5"] {
            let own = OwnSlots::parse(junk, &node(7000));
            assert!(own.migrating_to.is_empty());
        }
    }

    #[test]
    fn slot_sets() {
        let mut all = Slots::all();
        assert_eq!(all.first(), Some(0));
        let mut some = Slots::none();
        some.insert(0);
        some.insert(16_383);
        all.remove_all(&some);
        assert_eq!(all.first(), Some(1));
        assert!(!all.contains(16_383));
        assert_eq!(all.iter().count(), 16_382);
    }
}
