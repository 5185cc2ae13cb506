//! Where a command goes in a cluster: the slot of its keys (all keys must share one), any
//! primary for a keyless command, or every node of a set for the commands whose effect or
//! answer spans the cluster.

use super::fanout::FanOut;
use super::keys::CommandInfo;
use super::slot::key_slot;
use crate::error::{Error, Result};

/// Where one command goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// The node serving `slot`; a replica may serve it when `read_only`.
    Slot { slot: u16, read_only: bool },
    /// No key: any primary.
    AnyPrimary,
    /// Several nodes, their answers merged.
    FanOut(FanOut),
}

/// The `EVAL` family carries its keys after a count, read here rather than from the
/// server's metadata, which marks them movable.
const NUMKEYS_COMMANDS: [&[u8]; 6] = [
    b"EVAL",
    b"EVALSHA",
    b"EVAL_RO",
    b"EVALSHA_RO",
    b"FCALL",
    b"FCALL_RO",
];

/// Where a command goes, from its keys and its metadata (`info`, `None` when the server's
/// table lacks it). `ask_server` finds the keys of a command the metadata cannot describe
/// (`COMMAND GETKEYS` on some node).
pub(crate) fn route(
    args: &[&[u8]],
    info: Option<&CommandInfo>,
    ask_server: &mut dyn FnMut() -> Result<Vec<Vec<u8>>>,
) -> Result<Route> {
    let Some(name) = args.first() else {
        return Err(Error::invalid_argument("an empty command (no name)"));
    };
    if let Some(fan_out) = FanOut::of(args) {
        return Ok(Route::FanOut(fan_out));
    }
    // Its cursor belongs to the node that gave it, and a keyless command goes to any primary:
    // page after page would mix nodes and silently skip keys.
    if name.eq_ignore_ascii_case(b"SCAN") {
        return Err(Error::Cluster {
            reason: "SCAN cursors belong to one node: use scan_iter or scan_page, which cover \
                     every primary, or on_nodes for one node's pages"
                .into(),
        });
    }
    let read_only = info.is_some_and(|i| i.readonly);
    let mut slot = OneSlot::default();
    if NUMKEYS_COMMANDS
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
    {
        numkeys_keys(args).iter().for_each(|key| slot.add(key));
    } else {
        let known = info.is_some_and(|info| {
            info.visit_keys(args, &mut |i| {
                if let Some(key) = args.get(i) {
                    slot.add(key);
                }
            })
        });
        // Unknown to the server's table, or keys the metadata cannot find.
        if !known {
            ask_server()?.iter().for_each(|key| slot.add(key));
        }
    }
    Ok(match slot.finish(name)? {
        Some(slot) => Route::Slot { slot, read_only },
        None => Route::AnyPrimary,
    })
}

/// The slot of keys seen one by one, and a second slot if any differs.
#[derive(Default)]
struct OneSlot {
    first: Option<u16>,
    other: Option<u16>,
}

impl OneSlot {
    fn add(&mut self, key: &[u8]) {
        let this = key_slot(key);
        match self.first {
            None => self.first = Some(this),
            Some(first) if first != this && self.other.is_none() => self.other = Some(this),
            Some(_) => {}
        }
    }

    /// The one slot (`None` without keys), or [`Error::CrossSlot`] naming two.
    fn finish(self, command: &[u8]) -> Result<Option<u16>> {
        match (self.first, self.other) {
            (Some(first), Some(second)) => Err(Error::CrossSlot {
                command: String::from_utf8_lossy(command).to_uppercase(),
                first_slot: first,
                second_slot: second,
            }),
            (first, _) => Ok(first),
        }
    }
}

/// The keys of an `EVAL`/`EVALSHA`/`FCALL` line: `numkeys` arguments after the count. A bad
/// count gives none; the server answers it with an error.
pub(crate) fn numkeys_keys<'a>(args: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let count = args
        .get(2)
        .and_then(|n| std::str::from_utf8(n).ok())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    args.iter().skip(3).take(count).copied().collect()
}

/// The one slot of `keys` (`None` without keys), or [`Error::CrossSlot`] naming two.
pub(crate) fn one_slot<'a>(
    command: &[u8],
    keys: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<u16>> {
    let mut slot = OneSlot::default();
    keys.into_iter().for_each(|key| slot.add(key));
    slot.finish(command)
}

/// The flags of a script's `#!lua flags=...` first line: `(no_writes, no_cluster)`.
pub(crate) fn script_flags(source: &[u8]) -> (bool, bool) {
    let first_line = source.split(|&b| b == b'\n').next().unwrap_or_default();
    let Some(rest) = first_line.strip_prefix(b"#!lua") else {
        return (false, false);
    };
    let mut no_writes = false;
    let mut no_cluster = false;
    for word in rest.split(|&b| b == b' ' || b == b'\t' || b == b'\r') {
        if let Some(flags) = word.strip_prefix(b"flags=") {
            for flag in flags.split(|&b| b == b',') {
                no_writes |= flag == b"no-writes";
                no_cluster |= flag == b"no-cluster";
            }
        }
    }
    (no_writes, no_cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_flags() {
        assert_eq!(script_flags(b"return 1"), (false, false));
        assert_eq!(script_flags(b"#!lua\nreturn 1"), (false, false));
        assert_eq!(
            script_flags(b"#!lua flags=no-writes\nreturn 1"),
            (true, false)
        );
        assert_eq!(
            script_flags(b"#!lua name=x flags=allow-oom,no-cluster,no-writes\r\nreturn 1"),
            (true, true)
        );
        // Only the first line counts.
        assert_eq!(
            script_flags(b"return 1\n#!lua flags=no-writes"),
            (false, false)
        );
    }

    #[test]
    fn one_slot_names_the_command_and_two_slots() {
        assert_eq!(one_slot(b"mget", []).unwrap(), None);
        assert_eq!(
            one_slot(b"mget", [b"{t}a".as_slice(), b"{t}b"]).unwrap(),
            Some(key_slot("t"))
        );
        match one_slot(b"mget", [b"foo".as_slice(), b"bar"]) {
            Err(Error::CrossSlot {
                command,
                first_slot,
                second_slot,
            }) => {
                assert_eq!(command, "MGET");
                assert_eq!((first_slot, second_slot), (12182, 5061));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numkeys_reads_the_count() {
        let args: Vec<&[u8]> = vec![b"EVALSHA", b"sha", b"2", b"k1", b"k2", b"a"];
        assert_eq!(numkeys_keys(&args), [b"k1".as_slice(), b"k2"]);
        let args: Vec<&[u8]> = vec![b"EVALSHA", b"sha", b"9", b"k1"];
        assert_eq!(numkeys_keys(&args), [b"k1".as_slice()]);
        let args: Vec<&[u8]> = vec![b"EVALSHA", b"sha", b"x", b"k1"];
        assert!(numkeys_keys(&args).is_empty());
    }
}
