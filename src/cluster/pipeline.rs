//! A pipeline on a cluster: its commands grouped by the node of their slot, each group run as
//! a batch on that node (scripts preloaded there by the one-node runner, in the same write),
//! replies put back in the order queued. A command a node redirected (`MOVED`, `ASK`) or
//! asked to retry did not run: it is sent again, one by one in queue order, through the
//! single-call path that follows redirects. A command for many nodes (`SCRIPT LOAD`,
//! `FLUSHALL`, ...) runs at its place in the order, between the groups before and after it.
//!
//! An atomic pipeline must have all its keys in one slot, and runs whole on its primary.

use super::call::{not_sent, redirect_of};
use super::keys::CommandInfo;
use super::route::{self, Route};
use super::state::View;
use super::topology::NodeAddr;
use super::ClusterClient;
use crate::batch::{self, Batch, Core, Failure};
use crate::client::Client;
use crate::cmd::Cmd;
use crate::connection::Connection;
use crate::error::{Error, Result, ServerErrorKind};
use crate::resp::Value;
use crate::target::ConnectionLike;
use std::time::Instant;

pub(super) fn run(cluster: &ClusterClient, batch: &mut Batch<'_>) -> Result<()> {
    batch.core.check()?;
    batch.core.reset_replies();
    let view = cluster.shared.view()?;
    if batch.core.is_atomic() {
        return run_atomic(cluster, &view, batch);
    }
    // Replies go through `Value`s: a redirected command must run again before the caller
    // sees any reply.
    batch.sink = None;
    let core = &mut batch.core;
    let mut replies: Vec<Option<Value>> = vec![None; core.len()];
    let mut phase: Vec<(usize, Route)> = Vec::new();
    let mut scratch = Scratch::default();
    for index in 0..core.len() {
        let route = route_of(cluster, &view, core, index, &mut scratch)?;
        if let Route::FanOut(_) = route {
            run_phase(
                cluster,
                &view,
                core,
                &std::mem::take(&mut phase),
                &mut replies,
            )?;
            let command = command(core, index)?;
            replies[index] = Some(as_reply(cluster.req(&command))?);
        } else {
            phase.push((index, route));
        }
    }
    run_phase(cluster, &view, core, &phase, &mut replies)?;
    for reply in replies {
        core.reply(Ok(reply.unwrap_or(Value::Nil)))?;
    }
    Ok(())
}

/// What routing one command after another reuses: the arguments' buffer, and the last command
/// name with its metadata.
#[derive(Default)]
struct Scratch<'c, 'v> {
    args: Vec<&'c [u8]>,
    last: Option<(&'c [u8], Option<&'v CommandInfo>)>,
}

/// Where command `index` goes; a script flagged `no-writes` reads.
fn route_of<'c, 'v>(
    cluster: &ClusterClient,
    view: &'v View,
    core: &'c Core,
    index: usize,
    scratch: &mut Scratch<'c, 'v>,
) -> Result<Route> {
    let args = &mut scratch.args;
    args.clear();
    args.extend(core.args(index));
    // A batch is mostly runs of one command: its metadata is looked up once per run.
    let info = match (scratch.last, args.first()) {
        (Some((name, info)), Some(this)) if name.eq_ignore_ascii_case(this) => info,
        _ => {
            let (info, for_the_name) = view.commands.lookup_keyed(args);
            scratch.last = match (for_the_name, args.first()) {
                (true, Some(name)) => Some((name, info)),
                _ => None,
            };
            info
        }
    };
    let route = cluster.route_as(view, args, info)?;
    Ok(match (route, core.script(index).and_then(|c| c.source())) {
        (Route::Slot { slot, read_only }, Some(source)) => Route::Slot {
            slot,
            read_only: read_only || route::script_flags(source).0,
        },
        (route, _) => route,
    })
}

fn command(core: &Core, index: usize) -> Result<Cmd> {
    core.command(index)
        .ok_or_else(|| Error::invalid_argument("a command of the batch was released before it ran"))
}

/// A server's error answer is a reply like any other; a failure to get one is an error.
fn as_reply(result: Result<Value>) -> Result<Value> {
    match result {
        Ok(value) => Ok(value),
        Err(e) if e.is_connection_broken() => Err(e),
        Err(e) => Ok(Value::Error(e.server_text())),
    }
}

/// Runs `commands` grouped by node, then sends again, one by one, those a node redirected.
fn run_phase(
    cluster: &ClusterClient,
    view: &View,
    core: &Core,
    commands: &[(usize, Route)],
    replies: &mut [Option<Value>],
) -> Result<()> {
    let mut groups: Vec<(&NodeAddr, bool, Vec<usize>)> = Vec::new();
    for &(index, route) in commands {
        let (node, replica) = cluster.shared.node_for(view, route, false)?;
        // The nodes are the view's own: the same node is the same address in memory.
        match groups
            .iter_mut()
            .find(|(n, r, _)| std::ptr::eq(*n, node) && *r == replica)
        {
            Some((_, _, members)) => members.push(index),
            None => groups.push((node, replica, vec![index])),
        }
    }
    let mut again = Vec::new();
    let mut subs: Vec<Core> = Vec::with_capacity(groups.len());
    let mut clients = Vec::with_capacity(groups.len());
    for (node, replica, members) in &groups {
        let mut sub = Core::default();
        for &index in members {
            let script = core.script(index).map(|code| sub.add_script(code));
            sub.push(core.encoded(index), script);
        }
        subs.push(sub);
        clients.push(cluster.shared.client(node, *replica));
    }
    // Every group's first write goes out before any reply is read: a batch over three
    // shards costs about one round trip.
    let outcomes = with_connections(&clients, &[], &mut |conns| {
        let started: Vec<_> = subs
            .iter_mut()
            .zip(conns)
            .map(|(sub, conn)| batch::start(sub, conn))
            .collect();
        started
            .into_iter()
            .zip(subs.iter_mut())
            .map(|(started, sub)| started.and_then(|s| batch::finish(s, sub, None)))
            .collect::<Vec<_>>()
    });
    let outcomes = match outcomes {
        Ok(outcomes) => outcomes,
        // A node could not even be reached: nothing of the phase was sent.
        Err(e) if not_sent(&e) => {
            again.extend(commands.iter().map(|&(index, _)| index));
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    for (((node, _, members), mut sub), outcome) in groups.into_iter().zip(subs).zip(outcomes) {
        let node = node.clone();
        let (values, _first_error) = sub.take_replies();
        match outcome {
            Ok(()) => {}
            // A group that provably never reached its node runs again command by command.
            Err(Failure::Unsent(_)) if values.is_empty() => {
                again.extend(members);
                continue;
            }
            // As on one node: a connection lost mid-batch, or a script that failed to load.
            Err(failure) => return Err(failure.into_error()),
        }
        for (&index, value) in members.iter().zip(values) {
            if needs_again(&value, &node) {
                again.push(index);
            } else {
                replies[index] = Some(value);
            }
        }
    }
    again.sort_unstable();
    for index in again {
        replies[index] = Some(one_by_one(cluster, core, index)?);
    }
    Ok(())
}

/// Checks out a pooled connection of each client, then runs `f` with them all.
fn with_connections<R>(
    clients: &[Client],
    held: &[&Connection],
    f: &mut dyn FnMut(&[&Connection]) -> R,
) -> Result<R> {
    match clients.split_first() {
        None => Ok(f(held)),
        Some((first, rest)) => first.with_conn(|conn| {
            let mut next = held.to_vec();
            next.push(conn);
            with_connections(rest, &next, f)
        }),
    }
}

/// A reply that says the command did not run here: a redirect or a "try again".
fn needs_again(value: &Value, node: &NodeAddr) -> bool {
    let Value::Error(message) = value else {
        return false;
    };
    let error = Error::from_server_reply(message.clone());
    redirect_of(&error, node).is_some()
        || matches!(
            error.server_kind(),
            Some(
                ServerErrorKind::TryAgain | ServerErrorKind::ClusterDown | ServerErrorKind::Loading
            )
        )
}

/// Command `index` alone, through the path that follows redirects and reloads scripts.
fn one_by_one(cluster: &ClusterClient, core: &Core, index: usize) -> Result<Value> {
    as_reply(crate::target::run_command(cluster, core, index))
}

/// An atomic batch: every key in one slot (zero-key scripts and keyless commands join it),
/// run whole on that slot's primary. A redirect answered at queue time aborted it (nothing
/// ran): it is sent again to the new owner, within the retry budget.
fn run_atomic(cluster: &ClusterClient, view: &View, batch: &mut Batch<'_>) -> Result<()> {
    let mut slot = None;
    let mut scratch = Scratch::default();
    for index in 0..batch.core.len() {
        match route_of(cluster, view, &batch.core, index, &mut scratch)? {
            Route::FanOut(_) => {
                return Err(Error::Cluster {
                    reason: "an atomic pipeline cannot hold a command for many nodes \
                             (SCRIPT LOAD, FLUSHALL, ...)"
                        .into(),
                })
            }
            Route::Slot { slot: this, .. } => match slot {
                None => slot = Some(this),
                Some(first) if first != this => {
                    return Err(Error::CrossSlot {
                        command: "atomic pipeline".into(),
                        first_slot: first,
                        second_slot: this,
                    })
                }
                Some(_) => {}
            },
            Route::AnyPrimary => {}
        }
    }
    let route = match slot {
        Some(slot) => Route::Slot {
            slot,
            read_only: false,
        },
        None => Route::AnyPrimary,
    };
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let view = cluster.shared.view()?;
        let (node, _) = cluster.shared.node_for(&view, route, false)?;
        let node = node.clone();
        let ran = cluster.shared.client(&node, false).run_pipeline(batch);
        let redirected = match &ran {
            Err(Error::Pipeline { source, .. }) => {
                redirect_of(source, &node).is_some()
                    || source.server_kind() == Some(ServerErrorKind::TryAgain)
            }
            _ => false,
        };
        if !redirected
            || attempt >= cluster.shared.max_attempts
            || started.elapsed() >= cluster.shared.retry_budget
        {
            return ran;
        }
        batch.core.reset_replies();
        let _ = cluster.shared.refresh(Some(&view));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
