//! [`ClusterClientBuilder`] and [`ReadFrom`]: the settings of a [`ClusterClient`].

use super::state::Shared;
use super::topology::NodeAddr;
use super::ClusterClient;
use crate::client::ClientBuilder;
use crate::error::{Error, Result};
use crate::info::{Addr, ConnectionInfo};
use std::sync::Arc;
use std::time::Duration;

/// Which nodes serve read-only commands (`GET`, `EVALSHA_RO`, `FCALL_RO`, scripts flagged
/// `no-writes`; the server's own command flags decide what is read-only).
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadFrom {
    /// Every command goes to the primary of its slot: reads see every acknowledged write.
    #[default]
    Primary,
    /// Reads go to a replica of the slot (in turn), or to the primary when it has none that
    /// answers. Replicas lag: a read may miss a write just acknowledged.
    PreferReplica,
    /// Reads go only to replicas; a slot without one fails with [`Error::Cluster`].
    Replica,
}

/// Builds a [`ClusterClient`].
///
/// The seed nodes are any nodes of the cluster (one is enough); the client learns the rest.
/// Every node's connections use one set of settings: credentials, protocol, timeouts, pool
/// size, given as a [`ClientBuilder`] with [`ClusterClientBuilder::connections`], or taken
/// from the first seed URL.
///
/// # Example
///
/// ```
/// use redline::{Client, ClusterClient, ReadFrom};
/// use std::time::Duration;
///
/// let cluster = ClusterClient::builder()
///     .nodes(&["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])
///     .connections(
///         Client::builder()
///             .password("s3cret")
///             .read_timeout(Some(Duration::from_secs(1)))
///             .max_connections(8),
///     )
///     .read_from(ReadFrom::PreferReplica)
///     .retry_budget(Duration::from_secs(5))
///     .build()?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ClusterClientBuilder {
    seeds: Vec<String>,
    connections: Option<ClientBuilder>,
    read_from: ReadFrom,
    max_attempts: Option<usize>,
    retry_budget: Option<Duration>,
}

/// Shows each seed as its address only: a seed URL may carry a password.
impl std::fmt::Debug for ClusterClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seeds: Vec<String> = self
            .seeds
            .iter()
            .map(|url| match ConnectionInfo::from_url(url) {
                Ok(info) => info.addr().to_string(),
                Err(_) => "<invalid URL>".to_string(),
            })
            .collect();
        f.debug_struct("ClusterClientBuilder")
            .field("seeds", &seeds)
            .field("connections", &self.connections)
            .field("read_from", &self.read_from)
            .field("max_attempts", &self.max_attempts)
            .field("retry_budget", &self.retry_budget)
            .finish()
    }
}

/// How many times a call is sent at most, redirects and retries included.
pub(crate) const DEFAULT_MAX_ATTEMPTS: usize = 16;
/// How long a call keeps retrying while the cluster is down or failing over.
pub(crate) const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(5);

impl ClusterClientBuilder {
    /// The seed nodes, as URLs (`redis://host:port`, with credentials and parameters as for
    /// [`Client::open`](crate::Client::open)). Each call adds to the list.
    ///
    /// # Example
    ///
    /// ```
    /// let cluster = redline::ClusterClient::builder()
    ///     .nodes(&["redis://127.0.0.1:7000"])
    ///     .nodes(&["redis://127.0.0.1:7001"])
    ///     .build()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn nodes(mut self, urls: &[&str]) -> Self {
        self.seeds.extend(urls.iter().map(|u| u.to_string()));
        self
    }

    /// The settings of every node's connections (the builder's host, port and database are
    /// not used: a cluster has database 0 only). Without it, the first seed URL's settings
    /// apply to every node. With `rediss://` seeds every node is reached over TLS, on the TLS
    /// port it announces; the certificates to use (`tls_ca_file`, ...) go in these settings.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Client, ClusterClient, Protocol};
    ///
    /// let cluster = ClusterClient::builder()
    ///     .nodes(&["redis://127.0.0.1:7000"])
    ///     .connections(Client::builder().protocol(Protocol::Resp3))
    ///     .build()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn connections(mut self, settings: ClientBuilder) -> Self {
        self.connections = Some(settings);
        self
    }

    /// Which nodes serve read-only commands. Defaults to [`ReadFrom::Primary`].
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{ClusterClient, ReadFrom};
    ///
    /// let cluster = ClusterClient::builder()
    ///     .nodes(&["redis://127.0.0.1:7000"])
    ///     .read_from(ReadFrom::Replica)
    ///     .build()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn read_from(mut self, policy: ReadFrom) -> Self {
        self.read_from = policy;
        self
    }

    /// How many times one call is sent at most, following redirects (`MOVED`, `ASK`) and
    /// retrying (`TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`, a node that cannot be
    /// reached). Defaults to 16; at least 1.
    ///
    /// # Example
    ///
    /// ```
    /// let cluster = redline::ClusterClient::builder()
    ///     .nodes(&["redis://127.0.0.1:7000"])
    ///     .max_attempts(5)
    ///     .build()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn max_attempts(mut self, attempts: usize) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// How long one call keeps retrying while the cluster is down, a slot has no node or a
    /// primary is failing over (with backoff from 10 ms to 500 ms). Defaults to 5 s: set it
    /// above the time a failover takes (about twice `cluster-node-timeout`) for calls to ride
    /// one out.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let cluster = redline::ClusterClient::builder()
    ///     .nodes(&["redis://127.0.0.1:7000"])
    ///     .retry_budget(Duration::from_secs(30))
    ///     .build()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// Creates the client. Nothing connects until the first call.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for a seed URL that does not parse, [`Error::InvalidArgument`]
    /// for no seed, a Unix socket seed, or a database other than 0.
    ///
    /// # Example
    ///
    /// ```
    /// let cluster = redline::ClusterClient::builder().nodes(&["redis://127.0.0.1:7000"]).build()?;
    /// assert!(redline::ClusterClient::builder().build().is_err()); // no seed
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn build(self) -> Result<ClusterClient> {
        let mut seeds = Vec::new();
        let mut first_info = None;
        for url in &self.seeds {
            let info = ConnectionInfo::from_url(url)?;
            match info.addr() {
                Addr::Tcp { host, port, .. } => seeds.push(NodeAddr {
                    host: host.clone(),
                    port: *port,
                }),
                Addr::Unix(_) => {
                    return Err(Error::invalid_argument(
                        "a cluster's nodes are reached over TCP, not a Unix socket",
                    ))
                }
            }
            first_info.get_or_insert(info);
        }
        let Some(first_info) = first_info else {
            return Err(Error::invalid_argument(
                "a cluster client needs a seed node",
            ));
        };
        // `rediss://` seeds make every node's connections TLS, also with settings given in
        // code (which carry the certificates).
        let seed_tls = matches!(first_info.addr(), Addr::Tcp { tls: true, .. });
        let template = match self.connections {
            Some(settings) => {
                let tls = seed_tls || matches!(settings.info().addr(), Addr::Tcp { tls: true, .. });
                settings.with_tls(tls)
            }
            None => ClientBuilder::from_info(first_info),
        };
        if template.info().db() != 0 {
            return Err(Error::invalid_argument(
                "a cluster has database 0 only; remove the /db from the URL",
            ));
        }
        let shared = Shared::new(
            seeds,
            template,
            self.read_from,
            self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            self.retry_budget.unwrap_or(DEFAULT_RETRY_BUDGET),
        );
        Ok(ClusterClient {
            shared: Arc::new(shared),
        })
    }
}
