//! What a cluster client knows: the slot map and the server's command table (one [`View`],
//! replaced whole on a refresh), and a pooled [`Client`] per node.
//!
//! Refreshes run on the calling thread (there is no background thread), one at a time: a
//! caller that finds a refresh under way waits for it and uses its result, and a view younger
//! than [`MIN_REFRESH_INTERVAL`] is kept, so a burst of `MOVED` replies costs one refresh.

use super::builder::ReadFrom;
use super::keys::CommandTable;
use super::route::Route;
use super::topology::{self, NodeAddr, Shard, Topology};
use crate::client::{Client, ClientBuilder};
use crate::cmd::cmd;
use crate::error::{Error, Result, ServerErrorKind};
use crate::info::Addr;
use crate::sync::lock;
use crate::target::ConnectionLike;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// A refresh asked for sooner than this after the last one keeps the last one's view.
pub(crate) const MIN_REFRESH_INTERVAL: Duration = Duration::from_millis(100);

/// The slot map and the command table, as one refresh found them.
pub(crate) struct View {
    pub(crate) topology: Topology,
    pub(crate) commands: Arc<CommandTable>,
}

pub(crate) struct Shared {
    seeds: Vec<NodeAddr>,
    template: ClientBuilder,
    pub(crate) read_from: ReadFrom,
    pub(crate) max_attempts: usize,
    pub(crate) retry_budget: Duration,
    view: RwLock<Option<Arc<View>>>,
    /// When the last refresh ended; held while one runs, so that refreshes never overlap.
    refreshed: Mutex<Option<Instant>>,
    /// Pooled clients by node and role (a replica's connections send `READONLY`).
    nodes: Mutex<HashMap<(NodeAddr, bool), Client>>,
    /// Spreads keyless commands over the primaries and reads over the replicas.
    turn: AtomicUsize,
}

impl Shared {
    /// Whether the nodes are reached over TLS.
    pub(crate) fn tls(&self) -> bool {
        matches!(self.template.info().addr(), Addr::Tcp { tls: true, .. })
    }

    pub(crate) fn new(
        seeds: Vec<NodeAddr>,
        template: ClientBuilder,
        read_from: ReadFrom,
        max_attempts: usize,
        retry_budget: Duration,
    ) -> Shared {
        Shared {
            seeds,
            template,
            read_from,
            max_attempts,
            retry_budget,
            view: RwLock::new(None),
            refreshed: Mutex::new(None),
            nodes: Mutex::new(HashMap::new()),
            turn: AtomicUsize::new(0),
        }
    }

    /// The current view, loading the first one if there is none yet.
    pub(crate) fn view(&self) -> Result<Arc<View>> {
        let current = self
            .view
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        match current {
            Some(view) => Ok(view),
            None => self.refresh(None),
        }
    }

    /// A fresh view, unless another caller replaced `stale` meanwhile or the last refresh was
    /// under [`MIN_REFRESH_INTERVAL`] ago (then the current one).
    pub(crate) fn refresh(&self, stale: Option<&Arc<View>>) -> Result<Arc<View>> {
        let mut refreshed = lock(&self.refreshed);
        let current = self
            .view
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        if let Some(current) = &current {
            let replaced = stale.is_some_and(|s| !Arc::ptr_eq(s, current));
            let recent = refreshed.is_some_and(|at| at.elapsed() < MIN_REFRESH_INTERVAL);
            if replaced || recent {
                return Ok(current.clone());
            }
        }
        let view = Arc::new(self.load(current.as_deref())?);
        match self.view.write() {
            Ok(mut slot) => *slot = Some(view.clone()),
            Err(poisoned) => *poisoned.into_inner() = Some(view.clone()),
        }
        *refreshed = Some(Instant::now());
        Ok(view)
    }

    /// Asks the known nodes (primaries first), then the seeds, for the slot map; the first
    /// that gives one with slots wins.
    fn load(&self, current: Option<&View>) -> Result<View> {
        let mut candidates: Vec<NodeAddr> = Vec::new();
        if let Some(view) = current {
            candidates.extend(view.topology.nodes().cloned());
        }
        for seed in &self.seeds {
            if !candidates.contains(seed) {
                candidates.push(seed.clone());
            }
        }
        let mut last_error = None;
        for node in candidates {
            let client = self.client(&node, false);
            match fetch_topology(&client, &node.host) {
                Ok(topology) if topology.assigned_slots() > 0 => {
                    let commands = match current {
                        Some(view) => view.commands.clone(),
                        None => Arc::new(CommandTable::from_reply(client.req(&cmd("COMMAND"))?)?),
                    };
                    return Ok(View { topology, commands });
                }
                Ok(_) => {
                    last_error = Some(Error::Cluster {
                        reason: format!("{}:{} serves no slot yet", node.host, node.port),
                    })
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(match last_error {
            Some(Error::Cluster { reason }) => Error::Cluster { reason },
            // Refused or missing credentials: the caller's to fix, so kept typed.
            Some(e @ (Error::Auth { .. } | Error::Credentials { .. })) => e,
            Some(e) => Error::Cluster {
                reason: format!("no node gave the slot map; the last error: {e}"),
            },
            None => Error::Cluster {
                reason: "no node to ask for the slot map".into(),
            },
        })
    }

    /// The pooled client of `node` (made on first use); `replica` for a replica's connections.
    pub(crate) fn client(&self, node: &NodeAddr, replica: bool) -> Client {
        let mut nodes = lock(&self.nodes);
        nodes
            .entry((node.clone(), replica))
            .or_insert_with(|| self.template.build_for(&node.host, node.port, replica))
            .clone()
    }

    /// A node for a read-only call on `shard` under the policy: `(node, is_replica)`.
    pub(crate) fn reader_of<'v>(
        &self,
        shard: &'v Shard,
        avoid_replicas: bool,
    ) -> Result<(&'v NodeAddr, bool)> {
        let replica = || {
            let n = shard.replicas.len();
            (n > 0).then(|| &shard.replicas[self.turn.fetch_add(1, Ordering::Relaxed) % n])
        };
        match self.read_from {
            ReadFrom::Primary => Ok((&shard.primary, false)),
            ReadFrom::PreferReplica => match replica().filter(|_| !avoid_replicas) {
                Some(node) => Ok((node, true)),
                None => Ok((&shard.primary, false)),
            },
            ReadFrom::Replica => match replica() {
                Some(node) => Ok((node, true)),
                None => Err(Error::Cluster {
                    reason: format!(
                        "no replica of {}:{} answers, and reads go to replicas only",
                        shard.primary.host, shard.primary.port
                    ),
                }),
            },
        }
    }

    /// The node a call of `route` goes to now, `(node, is_replica)`; `avoid_replicas` after a
    /// replica failed the call.
    pub(crate) fn node_for<'v>(
        &self,
        view: &'v View,
        route: Route,
        avoid_replicas: bool,
    ) -> Result<(&'v NodeAddr, bool)> {
        match route {
            Route::Slot { slot, read_only } => {
                let shard = view.topology.shard_of(slot).ok_or_else(|| Error::Cluster {
                    reason: format!("no node serves slot {slot}"),
                })?;
                if read_only {
                    self.reader_of(shard, avoid_replicas)
                } else {
                    Ok((&shard.primary, false))
                }
            }
            Route::AnyPrimary => Ok((self.any_primary(view)?, false)),
            Route::FanOut(_) => Err(Error::Cluster {
                reason: "a command for many nodes was routed to one".into(),
            }),
        }
    }

    /// A primary, taken in turn, for a command with no key.
    pub(crate) fn any_primary<'v>(&self, view: &'v View) -> Result<&'v NodeAddr> {
        let shards = &view.topology.shards;
        if shards.is_empty() {
            return Err(Error::Cluster {
                reason: "the slot map has no primary".into(),
            });
        }
        Ok(&shards[self.turn.fetch_add(1, Ordering::Relaxed) % shards.len()].primary)
    }
}

/// `CLUSTER SHARDS` (Redis 7+), or `CLUSTER SLOTS` from a server that does not know it.
fn fetch_topology(client: &Client, host: &str) -> Result<Topology> {
    match client.req(cmd("CLUSTER").arg("SHARDS")) {
        Ok(reply) => {
            let tls = matches!(client.connection_info().addr(), Addr::Tcp { tls: true, .. });
            topology::from_shards(reply, host, tls)
        }
        // Redis 6 has no SHARDS; an ACL user may be allowed only SLOTS (on 6.2 the only way
        // to allow part of CLUSTER is by subcommand).
        Err(e)
            if matches!(
                e.server_kind(),
                Some(ServerErrorKind::Err | ServerErrorKind::NoPerm)
            ) =>
        {
            topology::from_slots(client.req(cmd("CLUSTER").arg("SLOTS"))?, host)
        }
        Err(e) => Err(e),
    }
}
