//! Redis Cluster: [`ClusterClient`], which routes every command, script and pipeline to the
//! node serving its keys' slot, follows redirects, and sends the commands that span the
//! cluster to every node they concern.
//!
//! The layers inside: `slot` (the hash slot of a key), `topology` (the slot map from
//! `CLUSTER SHARDS`/`CLUSTER SLOTS`), `keys` (which arguments are keys, from the server's
//! `COMMAND`), `route` (where one command goes), `fanout` (commands for many nodes and their
//! merges), `state` (the current view and a pooled client per node), `call` (redirects and
//! retries), `pipeline` (a batch split by node).

mod builder;
mod call;
mod fanout;
mod fields;
mod keys;
mod pipeline;
mod pubsub;
mod route;
mod scan;
mod slot;
mod state;
mod topology;

pub use builder::{ClusterClientBuilder, ReadFrom};
pub use fanout::NodeSet;
pub use slot::key_slot;

use crate::batch::Batch;
use crate::cmd::{cmd, Cmd};
use crate::code::ScriptCode;
use crate::error::{Error, Result};
use crate::info::Addr;
use crate::pipeline::Pipeline;
use crate::resp::Value;
use crate::script::Script;
use crate::target::{ConnectionLike, Reply, ScanCursor, ScanOptions, ScriptInvocation};
use crate::types::FromValue;
use fanout::FanOut;
use route::Route;
use state::{Shared, View};
use std::sync::Arc;

/// A client of a Redis Cluster: `Send + Sync`, cheap to clone, shared by reference across
/// threads like [`Client`](crate::Client), with one pool of connections per node. Nothing
/// connects until the first call; there is no background thread (the slot map is refreshed
/// on the calling thread, when a redirect or a failure says it is stale).
///
/// The same [`Script`], [`Pipeline`] and [`Commands`](crate::Commands) as on one server:
///
/// - a command goes to the node serving its keys' slot, found from the server's own
///   `COMMAND` metadata; keys in two slots are refused before sending
///   ([`Error::CrossSlot`]); a keyless command goes to a primary, taken in turn;
/// - `SCRIPT LOAD`, `SCRIPT FLUSH` (every node), `SCRIPT EXISTS`, `SCRIPT KILL`,
///   `FUNCTION LOAD/DELETE/FLUSH/RESTORE/KILL`, `FLUSHALL`, `FLUSHDB`, `DBSIZE`, `PING` (every
///   primary) go to many nodes, their answers merged; [`ClusterClient::on_nodes`] sends any
///   command to a chosen set and returns each node's answer;
/// - a script runs on the node of its keys, loaded there on demand (`NOSCRIPT` → `SCRIPT
///   LOAD` on that node, the SHA1 checked, then once more), so a promoted replica or a node
///   that took over slots gets it transparently; [`Script::load`] loads it on every node;
/// - reads (`readonly` commands, `EVALSHA_RO`, `FCALL_RO`, scripts flagged `no-writes`) follow
///   [`ReadFrom`].
///
/// # Example
///
/// ```no_run
/// use redline::{ClusterClient, Commands};
///
/// let cluster = ClusterClient::open(&["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])?;
/// cluster.set("{user:1}:name", "ada")?;
/// let multiply = cluster.register_script("return redis.call('GET', KEYS[1]) * ARGV[1]");
/// cluster.set("{user:1}:n", 6)?;
/// let n: i64 = multiply.call("{user:1}:n", 7)?;
/// assert_eq!(n, 42);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone)]
pub struct ClusterClient {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ClusterClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterClient")
            .field("read_from", &self.shared.read_from)
            .finish_non_exhaustive()
    }
}

impl ClusterClient {
    /// A client of the cluster that these seed nodes belong to (one is enough). The first
    /// URL's credentials, protocol and timeouts apply to every node.
    ///
    /// # Errors
    ///
    /// As [`ClusterClientBuilder::build`]. Nothing connects until the first call.
    ///
    /// # Example
    ///
    /// ```
    /// let cluster = redline::ClusterClient::open(&["redis://127.0.0.1:7000"])?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn open(urls: &[&str]) -> Result<ClusterClient> {
        ClusterClient::builder().nodes(urls).build()
    }

    /// Starts a [`ClusterClientBuilder`].
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{ClusterClient, ReadFrom};
    ///
    /// let cluster = ClusterClient::builder()
    ///     .nodes(&["redis://127.0.0.1:7000"])
    ///     .read_from(ReadFrom::PreferReplica)
    ///     .build()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn builder() -> ClusterClientBuilder {
        ClusterClientBuilder::default()
    }

    /// A [`Script`] bound to this cluster: it runs on the node of its keys' slot.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let cluster = redline::ClusterClient::open(&["redis://127.0.0.1:7000"])?;
    /// let script = cluster.register_script("return #KEYS");
    /// let n: i64 = script.call(("{t}a", "{t}b"), ())?;
    /// assert_eq!(n, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn register_script(&self, lua: impl AsRef<[u8]>) -> Script<'_> {
        ScriptCode::new(lua).bind(self)
    }

    /// A [`Pipeline`] on this cluster: its commands are grouped by node, replies come back in
    /// the order queued. An [`atomic`](Pipeline::atomic) one must keep all its keys in one
    /// slot.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let cluster = redline::ClusterClient::open(&["redis://127.0.0.1:7000"])?;
    /// let (a, b): (Option<String>, Option<String>) = cluster.pipeline().get("a").get("b").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pipeline(&self) -> Pipeline<'_> {
        Pipeline::new(self)
    }

    /// Sends `cmd` to every node of `nodes` (as the slot map has them now) and returns each
    /// node's answer, converted into `T`.
    ///
    /// # Errors
    ///
    /// [`Error::Cluster`] when no node gives the slot map; each node's own failure is in its
    /// entry.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{cmd, ClusterClient, NodeSet};
    ///
    /// let cluster = ClusterClient::open(&["redis://127.0.0.1:7000"])?;
    /// for (node, keys) in cluster.on_nodes::<i64>(NodeSet::Primaries, &cmd("DBSIZE"))? {
    ///     println!("{node}: {} keys", keys?);
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn on_nodes<T: FromValue>(
        &self,
        nodes: NodeSet,
        cmd: &Cmd,
    ) -> Result<Vec<(Addr, Result<T>)>> {
        let view = self.shared.view()?;
        let tls = self.shared.tls();
        Ok(self
            .send_to_each(&view, nodes, cmd)
            .into_iter()
            .map(|(node, reply)| {
                let addr = Addr::Tcp {
                    host: node.host,
                    port: node.port,
                    tls,
                };
                (addr, reply.and_then(T::from_value))
            })
            .collect())
    }

    fn send_to_each(
        &self,
        view: &View,
        nodes: NodeSet,
        cmd: &Cmd,
    ) -> Vec<(topology::NodeAddr, Result<Value>)> {
        nodes
            .select(&view.topology)
            .into_iter()
            .map(|(node, replica)| {
                let reply = self.shared.client(&node, replica).req(cmd);
                (node, reply)
            })
            .collect()
    }

    /// Where `cmd` goes.
    fn route(&self, view: &View, args: &[&[u8]]) -> Result<Route> {
        self.route_as(view, args, view.commands.lookup(args))
    }

    /// [`ClusterClient::route`], with the command's metadata already looked up.
    fn route_as(
        &self,
        view: &View,
        args: &[&[u8]],
        info: Option<&keys::CommandInfo>,
    ) -> Result<Route> {
        route::route(args, info, &mut || self.keys_from_server(view, args))
    }

    /// `COMMAND GETKEYS` on a primary, for a command the metadata cannot describe; a
    /// command the server says has no key has none.
    fn keys_from_server(&self, view: &View, args: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        let mut getkeys = cmd("COMMAND");
        getkeys.arg("GETKEYS");
        for arg in args {
            getkeys.arg(*arg);
        }
        let primary = self.shared.any_primary(view)?;
        match self.shared.client(primary, false).req(&getkeys) {
            Ok(keys) => Vec::<Vec<u8>>::from_value(keys),
            Err(e) if e.server_kind().is_some() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Where `cmd` goes, and the view that said so.
    fn route_cmd(&self, cmd: &Cmd) -> Result<(Route, Arc<View>)> {
        let args: Vec<&[u8]> = cmd.args().collect();
        let view = self.shared.view()?;
        Ok((self.route(&view, &args)?, view))
    }

    fn fan_out(&self, view: &View, fan_out: FanOut, cmd: &Cmd) -> Result<Value> {
        let replies = self.send_to_each(view, fan_out.nodes(), cmd);
        fan_out.merge(replies)
    }
}

impl ConnectionLike for ClusterClient {
    /// Sends `cmd` to the node of its keys' slot (or to many, for the commands that span the
    /// cluster), following redirects.
    fn req(&self, cmd: &Cmd) -> Result<Value> {
        match self.route_cmd(cmd)? {
            (Route::FanOut(fan_out), view) => self.fan_out(&view, fan_out, cmd),
            (route, _) => self.shared.call(route, |target| target.req(cmd)),
        }
    }

    fn req_reply(&self, cmd: &Cmd, read: &mut dyn FnMut(Reply<'_>) -> Result<()>) -> Result<()> {
        match self.route_cmd(cmd)? {
            (Route::FanOut(fan_out), view) => read(Reply::from(self.fan_out(&view, fan_out, cmd)?)),
            (route, _) => self
                .shared
                .call(route, |target| target.req_reply(cmd, read)),
        }
    }

    /// Runs the script on the node of its keys' slot, loading it there if that node lacks it.
    fn invoke_script(
        &self,
        call: &ScriptInvocation<'_>,
        read: &mut dyn FnMut(Reply<'_>) -> Result<()>,
    ) -> Result<()> {
        let (no_writes, no_cluster) = call.source().map_or((false, false), route::script_flags);
        if no_cluster {
            return Err(Error::Cluster {
                reason: format!(
                    "script {} is flagged no-cluster: the server refuses it in a cluster",
                    call.sha()
                ),
            });
        }
        let name = if call.is_read_only() {
            "EVALSHA_RO"
        } else {
            "EVALSHA"
        };
        let slot = route::one_slot(name.as_bytes(), call.keys())?;
        let read_only = call.is_read_only() || no_writes;
        let route = match slot {
            Some(slot) => Route::Slot { slot, read_only },
            None => Route::AnyPrimary,
        };
        self.shared
            .call(route, |target| target.invoke_script(call, read))
    }

    fn run_pipeline(&self, batch: &mut Batch<'_>) -> Result<()> {
        pipeline::run(self, batch)
    }

    /// Scans every primary in turn, keeping track of the slots covered, so that a failover
    /// or a slot migration meanwhile skips no key that existed throughout (see
    /// [`Commands::scan_iter`](crate::Commands::scan_iter)).
    fn scan_page(&self, cursor: &mut ScanCursor, options: &ScanOptions) -> Result<Vec<Value>> {
        scan::page(self, cursor, options)
    }
}
