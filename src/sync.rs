//! Locking the crate's mutexes: each guards plain data that stays consistent between
//! statements, so a mutex poisoned by a panic elsewhere is still used rather than turned into
//! a panic here.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, poisoned or not.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
