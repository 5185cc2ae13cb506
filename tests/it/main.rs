//! Integration tests against real `redis-server` processes (see `support`).

mod support;

mod cluster;
mod core;
mod faults;
mod hostile;
mod pipeline;
mod script;
mod sentinel;
