//! Where a [`Subscriber`](super::Subscriber)'s connections go, for one server; the cluster
//! client implements it in `cluster::pubsub`.

use crate::client::Client;
use crate::error::Result;

/// Where a subscriber's connections go: one server, or the nodes of a cluster.
pub(crate) trait PubSubNodes: Send + Sync {
    /// The client for channels and patterns.
    fn main(&self) -> Result<Client>;
    /// The client for a shard channel: the primary of its slot (on one server, the server).
    fn shard(&self, channel: &[u8]) -> Result<Client>;
    /// The slot of a shard channel, on a cluster: one `SSUBSCRIBE` takes one slot's channels.
    fn slot(&self, channel: &[u8]) -> Option<u16>;
    /// The node map is stale (a `MOVED`, a lost node).
    fn refresh(&self);
}

impl PubSubNodes for Client {
    fn main(&self) -> Result<Client> {
        Ok(self.clone())
    }
    fn shard(&self, _: &[u8]) -> Result<Client> {
        Ok(self.clone())
    }
    fn slot(&self, _: &[u8]) -> Option<u16> {
        None
    }
    fn refresh(&self) {}
}
