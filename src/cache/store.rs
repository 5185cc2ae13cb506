//! The cached replies: bounded by entries and bytes, least recently used out, each entry
//! indexed by the keys it depends on, and a short history of invalidations so that a reply
//! fetched while one of its keys changed is not kept.

use crate::resp::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How many recent invalidations are remembered for fills in flight; a fill that started
/// before the oldest of them is not kept.
const HISTORY: usize = 4096;

/// Per entry, on top of its reply and keys: the maps' own bookkeeping, roughly.
const ENTRY_OVERHEAD: usize = 96;

struct Entry {
    value: Value,
    keys: Vec<Vec<u8>>,
    bytes: usize,
    tick: u64,
}

/// Counters, as [`CacheStats`](super::CacheStats) reports them.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) hits: u64,
    pub(super) misses: u64,
    pub(super) invalidations: u64,
    pub(super) flushes: u64,
    pub(super) evictions: u64,
}

pub(super) struct Store {
    max_entries: usize,
    max_bytes: usize,
    /// By the command's encoded bytes.
    entries: HashMap<Vec<u8>, Entry>,
    /// Key → the entries that depend on it.
    by_key: HashMap<Vec<u8>, Vec<Vec<u8>>>,
    /// Tick of last use → entry, oldest first.
    lru: BTreeMap<u64, Vec<u8>>,
    tick: u64,
    bytes: usize,
    /// Counts invalidations applied; `recent` holds the last ones with their count.
    epoch: u64,
    recent: VecDeque<(u64, Vec<u8>)>,
    /// The epoch of the last flush (everything invalidated).
    flushed_at: u64,
    pub(super) counters: Counters,
}

impl Store {
    pub(super) fn new(max_entries: usize, max_bytes: usize) -> Store {
        Store {
            max_entries: max_entries.max(1),
            max_bytes,
            entries: HashMap::new(),
            by_key: HashMap::new(),
            lru: BTreeMap::new(),
            tick: 0,
            bytes: 0,
            epoch: 0,
            recent: VecDeque::new(),
            flushed_at: 0,
            counters: Counters::default(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(super) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The reply cached for `command`, marked as just used.
    pub(super) fn get(&mut self, command: &[u8]) -> Option<Value> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.entries.get_mut(command)?;
        // The same key moves to the newest tick: no allocation on a hit.
        let key = self
            .lru
            .remove(&entry.tick)
            .unwrap_or_else(|| command.to_vec());
        entry.tick = tick;
        self.lru.insert(tick, key);
        Some(entry.value.clone())
    }

    /// Keeps `value` for `command` unless one of `keys` was invalidated after `since` (the
    /// epoch before the reply was asked for): it may predate the change.
    pub(super) fn insert(&mut self, command: &[u8], keys: Vec<Vec<u8>>, value: Value, since: u64) {
        if self.changed_since(since, &keys) {
            return;
        }
        let bytes = ENTRY_OVERHEAD
            + 2 * command.len()
            + keys.iter().map(|k| k.len() + 24).sum::<usize>()
            + value_bytes(&value);
        if bytes > self.max_bytes {
            return;
        }
        self.remove(command);
        while self.entries.len() >= self.max_entries || self.bytes + bytes > self.max_bytes {
            let Some((_, oldest)) = self.lru.pop_first() else {
                break;
            };
            self.remove(&oldest);
            self.counters.evictions += 1;
        }
        self.tick += 1;
        for key in &keys {
            self.by_key
                .entry(key.clone())
                .or_default()
                .push(command.to_vec());
        }
        self.lru.insert(self.tick, command.to_vec());
        self.bytes += bytes;
        self.entries.insert(
            command.to_vec(),
            Entry {
                value,
                keys,
                bytes,
                tick: self.tick,
            },
        );
    }

    /// A key changed: every entry depending on it goes.
    pub(super) fn invalidate(&mut self, key: &[u8]) {
        self.epoch += 1;
        self.counters.invalidations += 1;
        if self.recent.len() >= HISTORY {
            self.recent.pop_front();
        }
        self.recent.push_back((self.epoch, key.to_vec()));
        if let Some(commands) = self.by_key.remove(key) {
            for command in commands {
                self.remove(&command);
            }
        }
    }

    /// Everything goes (a flush of the database, or a lost tracking connection).
    pub(super) fn flush(&mut self) {
        self.epoch += 1;
        self.flushed_at = self.epoch;
        self.counters.flushes += 1;
        self.entries.clear();
        self.by_key.clear();
        self.lru.clear();
        self.bytes = 0;
    }

    fn changed_since(&self, since: u64, keys: &[Vec<u8>]) -> bool {
        if self.epoch == since {
            return false;
        }
        if self.flushed_at > since {
            return true;
        }
        // History lost past `since`: assume the worst.
        if self.recent.front().is_some_and(|(e, _)| *e > since + 1) {
            return true;
        }
        self.recent
            .iter()
            .rev()
            .take_while(|(e, _)| *e > since)
            .any(|(_, key)| keys.contains(key))
    }

    fn remove(&mut self, command: &[u8]) {
        let Some(entry) = self.entries.remove(command) else {
            return;
        };
        self.lru.remove(&entry.tick);
        self.bytes = self.bytes.saturating_sub(entry.bytes);
        for key in &entry.keys {
            if let Some(list) = self.by_key.get_mut(key) {
                list.retain(|c| c.as_slice() != command);
                if list.is_empty() {
                    self.by_key.remove(key);
                }
            }
        }
    }
}

/// Roughly what a reply holds in memory.
fn value_bytes(value: &Value) -> usize {
    const NODE: usize = 32;
    match value {
        Value::Bulk(b) => NODE + b.len(),
        Value::SimpleString(s) | Value::Error(s) | Value::BigNumber(s) => NODE + s.len(),
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            NODE + items.iter().map(value_bytes).sum::<usize>()
        }
        Value::Map(pairs) => {
            NODE + pairs
                .iter()
                .map(|(k, v)| value_bytes(k) + value_bytes(v))
                .sum::<usize>()
        }
        Value::Verbatim { text, .. } => NODE + text.len(),
        Value::Attribute { data, attributes } => {
            NODE + value_bytes(data)
                + attributes
                    .iter()
                    .map(|(k, v)| value_bytes(k) + value_bytes(v))
                    .sum::<usize>()
        }
        _ => NODE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn least_recently_used_goes_first() {
        let mut store = Store::new(2, 1 << 20);
        store.insert(b"a", vec![b"a".to_vec()], bulk("1"), 0);
        store.insert(b"b", vec![b"b".to_vec()], bulk("2"), 0);
        assert!(store.get(b"a").is_some());
        store.insert(b"c", vec![b"c".to_vec()], bulk("3"), 0);
        assert!(store.get(b"b").is_none(), "b was the least recently used");
        assert!(store.get(b"a").is_some() && store.get(b"c").is_some());
        assert_eq!(store.counters.evictions, 1);
    }

    #[test]
    fn bytes_are_bounded() {
        let mut store = Store::new(1000, 2000);
        for i in 0..100 {
            let key = format!("k{i}");
            store.insert(
                key.as_bytes(),
                vec![key.as_bytes().to_vec()],
                Value::Bulk(vec![0; 300]),
                0,
            );
            assert!(store.bytes() <= 2000);
        }
        assert!(store.len() < 10);
        // Too big for the cache at all: not kept, nothing evicted for it.
        let before = store.len();
        store.insert(
            b"huge",
            vec![b"huge".to_vec()],
            Value::Bulk(vec![0; 5000]),
            0,
        );
        assert_eq!(store.len(), before);
    }

    #[test]
    fn invalidation_removes_every_entry_of_the_key() {
        let mut store = Store::new(10, 1 << 20);
        store.insert(b"GET k", vec![b"k".to_vec()], bulk("1"), 0);
        store.insert(b"HGET k f", vec![b"k".to_vec()], bulk("2"), 0);
        store.insert(
            b"SCRIPT k j",
            vec![b"k".to_vec(), b"j".to_vec()],
            bulk("3"),
            0,
        );
        store.insert(b"GET j", vec![b"j".to_vec()], bulk("4"), 0);
        store.invalidate(b"k");
        assert_eq!(store.len(), 1);
        assert!(store.get(b"GET j").is_some());
        store.invalidate(b"j");
        assert_eq!((store.len(), store.bytes()), (0, 0));
    }

    #[test]
    fn a_fill_that_raced_an_invalidation_is_not_kept() {
        let mut store = Store::new(10, 1 << 20);
        let since = store.epoch();
        store.invalidate(b"k"); // arrives while the GET is in flight
        store.insert(b"GET k", vec![b"k".to_vec()], bulk("old"), since);
        assert!(store.get(b"GET k").is_none());
        // Another key's invalidation does not matter.
        let since = store.epoch();
        store.invalidate(b"other");
        store.insert(b"GET k", vec![b"k".to_vec()], bulk("new"), since);
        assert!(store.get(b"GET k").is_some());
        // A flush meanwhile: nothing from before is kept.
        let since = store.epoch();
        store.flush();
        store.insert(b"GET j", vec![b"j".to_vec()], bulk("x"), since);
        assert!(store.get(b"GET j").is_none());
    }
}
