//! Integration tests against real `redis-server` processes (see `support`).

mod support;

mod auth;
mod cache;
mod cluster;
mod core;
mod faults;
mod hostile;
mod pipeline;
mod pubsub;
mod script;
mod sentinel;
#[cfg(feature = "tls")]
mod tls;
