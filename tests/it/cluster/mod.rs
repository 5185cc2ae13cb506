//! A real Redis Cluster (3 primaries, 3 replicas): routing, redirects, fan-out, scripts and
//! pipelines through `ClusterClient`.

mod failover;
pub mod harness;
mod pipelines;
mod pubsub;
mod resharding;
mod routing;
mod scan;
mod scripts;
