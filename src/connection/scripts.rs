//! [`ScriptCache`]: which scripts this connection's server is known to have cached.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The SHA1s a connection has seen confirmed in its server's script cache since it opened:
/// by a script call that ran, a `SCRIPT LOAD` reply, or a `SCRIPT EXISTS` answer. It is the
/// only code that touches that set. A `NOSCRIPT` reply forgets a script; the set is never
/// trusted beyond the connection it belongs to.
#[derive(Default)]
pub(crate) struct ScriptCache {
    known: HashSet<String, BuildHasherDefault<ShaHasher>>,
    /// The owner's count of `SCRIPT FLUSH`es this set has caught up with (a pool counts the
    /// flushes sent through any of its connections).
    flushes: u64,
}

impl ScriptCache {
    /// Whether `sha` is known to be cached.
    pub(crate) fn knows(&self, sha: &str) -> bool {
        self.known.contains(sha)
    }

    /// Records what a server reply proved: `sha` is cached (no allocation when known).
    pub(crate) fn loaded(&mut self, sha: &str) {
        if !self.known.contains(sha) {
            self.known.insert(sha.to_string());
        }
    }

    /// A `SCRIPT FLUSH` went out: nothing is known loaded any more.
    pub(crate) fn clear(&mut self) {
        self.known.clear();
    }

    /// Catches up with `flushes` counted by the owner: a flush sent through another
    /// connection of the same client emptied this server's cache too.
    pub(crate) fn sync(&mut self, flushes: u64) {
        if self.flushes != flushes {
            self.known.clear();
            self.flushes = flushes;
        }
    }

    /// The server answered `NOSCRIPT` for `sha`.
    pub(crate) fn forget(&mut self, sha: &str) {
        self.known.remove(sha);
    }
}

/// A SHA1 in hex is already uniformly spread: its first 16 digits make a good hash, far cheaper
/// than SipHash over all 40 (this lookup is on every script call's path).
#[derive(Default)]
pub(crate) struct ShaHasher(u64);

impl Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(16) {
            self.0 = self.0.rotate_left(5) ^ u64::from(b);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_forgets() {
        let mut cache = ScriptCache::default();
        let sha = crate::script_sha("return 1");
        assert!(!cache.knows(&sha));
        cache.loaded(&sha);
        cache.loaded(&sha);
        assert!(cache.knows(&sha));
        cache.forget(&sha);
        assert!(!cache.knows(&sha));
    }
}
