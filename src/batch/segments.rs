//! The encoded commands of a batch, in segments that can be written and released one by one.

use std::ops::Range;

/// A segment is written in one go once it holds about this many bytes of commands. It is also
/// the unit of flow control (at most two are unanswered) and of release: a plain pipeline frees
/// each segment once its replies are read, so a batch of any size never holds all its encoded
/// commands and all its replies at once.
pub(super) const SEGMENT: usize = 256 * 1024;

/// Queued commands, encoded back to back in segments that end on command boundaries (a single
/// command larger than a segment gets one of its own).
#[derive(Default)]
pub(super) struct Segments {
    segments: Vec<Segment>,
    entries: Vec<Entry>,
}

pub(super) struct Segment {
    pub(super) bytes: Vec<u8>,
    /// Index of the segment's first command.
    first: usize,
}

/// One queued command, kept to 16 bytes: a million-command batch holds a million of these.
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    /// End of this command within its segment; it starts where the previous one ended (or at
    /// 0 for the segment's first command).
    end: usize,
    /// Index into the batch's scripts for `EVALSHA` commands, `NO_SCRIPT` otherwise.
    script: u32,
    pub(super) ignore: bool,
}

const NO_SCRIPT: u32 = u32::MAX;

impl Entry {
    pub(super) fn script(&self) -> Option<usize> {
        (self.script != NO_SCRIPT).then_some(self.script as usize)
    }
}

impl Segments {
    /// Queues one encoded command.
    pub(super) fn push(&mut self, encoded: &[u8], script: Option<usize>) {
        let full = self.segments.last().map_or(true, |s| {
            !s.bytes.is_empty() && s.bytes.len() + encoded.len() > SEGMENT
        });
        if full {
            let first = self.entries.len();
            let capacity = encoded.len().max(SEGMENT / 4);
            self.segments.push(Segment {
                bytes: Vec::with_capacity(capacity),
                first,
            });
        }
        if let Some(segment) = self.segments.last_mut() {
            segment.bytes.extend_from_slice(encoded);
            self.entries.push(Entry {
                end: segment.bytes.len(),
                script: script.map_or(NO_SCRIPT, |i| i as u32),
                ignore: false,
            });
        }
    }

    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(super) fn ignore_last(&mut self) {
        if let Some(last) = self.entries.last_mut() {
            last.ignore = true;
        }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Empties the batch, keeping the first segment's buffer warm for the next one (unless a
    /// huge command made it large).
    pub(super) fn clear(&mut self) {
        self.segments.truncate(1);
        if let Some(first) = self.segments.first_mut() {
            first.bytes.clear();
            if first.bytes.capacity() > 2 * SEGMENT {
                first.bytes = Vec::new();
            }
        }
        self.entries.clear();
    }

    pub(super) fn segments(&self) -> usize {
        self.segments.len()
    }

    pub(super) fn segment(&self, k: usize) -> &[u8] {
        self.segments.get(k).map_or(&[], |s| &s.bytes)
    }

    /// The commands in segment `k`.
    pub(super) fn commands_of(&self, k: usize) -> Range<usize> {
        let start = self.segments.get(k).map_or(self.entries.len(), |s| s.first);
        let end = self
            .segments
            .get(k + 1)
            .map_or(self.entries.len(), |s| s.first);
        start..end
    }

    /// The segment that holds command `index`.
    pub(super) fn segment_of(&self, index: usize) -> usize {
        self.segments
            .partition_point(|s| s.first <= index)
            .saturating_sub(1)
    }

    /// Frees segment `k`'s bytes (its commands can no longer be shown in errors).
    pub(super) fn release(&mut self, k: usize) {
        if let Some(segment) = self.segments.get_mut(k) {
            segment.bytes = Vec::new();
        }
    }

    /// The encoded bytes of command `index` (empty if its segment was released).
    pub(super) fn command(&self, index: usize) -> &[u8] {
        let k = self.segments.partition_point(|s| s.first <= index);
        let (Some(segment), Some(entry)) = (
            k.checked_sub(1).and_then(|k| self.segments.get(k)),
            self.entries.get(index),
        ) else {
            return &[];
        };
        let start = if index == segment.first {
            0
        } else {
            self.entries[index - 1].end
        };
        segment.bytes.get(start..entry.end).unwrap_or(&[])
    }
}
