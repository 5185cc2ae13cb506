//! Pub/Sub on a cluster: where a [`Subscriber`]'s connections go. Channels and patterns on
//! any primary (the cluster bus carries every `PUBLISH` to every node); each shard channel on
//! the primary of its slot.

use super::ClusterClient;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::key_slot;
use crate::pubsub::{PubSubNodes, Subscriber};

impl PubSubNodes for ClusterClient {
    fn main(&self) -> Result<Client> {
        let view = self.shared.view()?;
        let node = self.shared.any_primary(&view)?;
        Ok(self.shared.client(node, false))
    }

    fn shard(&self, channel: &[u8]) -> Result<Client> {
        let view = self.shared.view()?;
        let slot = key_slot(channel);
        match view.topology.shard_of(slot) {
            Some(shard) => Ok(self.shared.client(&shard.primary, false)),
            None => Err(Error::Cluster {
                reason: format!("no node serves slot {slot}, the shard channel's"),
            }),
        }
    }

    fn slot(&self, channel: &[u8]) -> Option<u16> {
        Some(key_slot(channel))
    }

    fn refresh(&self) {
        let _ = self.shared.refresh(None);
    }
}

impl ClusterClient {
    /// A [`Subscriber`] over the cluster: channels and patterns on one primary (a message
    /// published on any node reaches them), each shard channel (`ssubscribe`) on the primary
    /// of its slot, following `MOVED` and slot migrations; one `next_message` waits on all of
    /// its connections at once. After a failover or a lost node it reconnects, subscribes
    /// again where each subscription now belongs, and reports the gap
    /// ([`Error::PubSubGap`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{ClusterClient, Commands};
    /// use std::time::Duration;
    ///
    /// let cluster = ClusterClient::open(&["redis://127.0.0.1:7000"])?;
    /// let mut subscriber = cluster.subscriber()?;
    /// subscriber.ssubscribe(["orders:{eu}", "orders:{us}"])?; // two slots, two nodes
    /// subscriber.subscribe("news")?;
    /// cluster.spublish("orders:{us}", "order 17")?;
    /// let message = subscriber.next_message(Some(Duration::from_secs(1)))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn subscriber(&self) -> Result<Subscriber> {
        Subscriber::new(Box::new(self.clone()))
    }
}
