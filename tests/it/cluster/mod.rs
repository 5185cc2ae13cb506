//! A real Redis Cluster (3 primaries, 3 replicas): routing, redirects, fan-out, scripts and
//! pipelines through `ClusterClient`.

mod harness;
mod pipelines;
mod routing;
mod scripts;
