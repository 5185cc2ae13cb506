//! Integration tests against real `redis-server` processes (see `support`).

mod support;

mod core;
mod faults;
mod hostile;
mod pipeline;
mod script;
