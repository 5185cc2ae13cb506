//! Which arguments of a command are keys, read from the server's own `COMMAND` reply: its key
//! specifications (Redis 7+, Valkey) or the older first/last/step triple (Redis 6), so that
//! every command the server knows, modules' included, is routed without a hand-kept table.

use super::fields;
use crate::error::{Error, Result};
use crate::resp::Value;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::iter::StepBy;
use std::ops::RangeInclusive;

/// Command names to what the server says of them, hashed with FNV-1a: a lookup runs for every
/// command sent to a cluster, and the names are short and come from the server.
type Table = HashMap<Vec<u8>, CommandInfo, BuildHasherDefault<Fnv>>;

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// What the server said about each of its commands.
#[derive(Debug, Default)]
pub(crate) struct CommandTable {
    by_name: Table,
}

/// One command (or subcommand, `object|encoding`).
#[derive(Debug, Clone)]
pub(crate) struct CommandInfo {
    /// Flagged `readonly`: may run on a replica.
    pub(crate) readonly: bool,
    rule: KeyRule,
    /// By lower-case subcommand name (`encoding` for `OBJECT ENCODING`).
    subcommands: Table,
}

#[derive(Debug, Clone)]
enum KeyRule {
    /// Redis 7+: one or more key specifications.
    Specs(Vec<KeySpec>),
    /// Redis 6: keys from `first` to `last` (negative: from the end) every `step`; with
    /// `movable`, the triple does not cover every form and the server must be asked.
    Legacy {
        first: i64,
        last: i64,
        step: i64,
        movable: bool,
    },
}

#[derive(Debug, Clone)]
struct KeySpec {
    begin: Begin,
    find: Find,
}

#[derive(Debug, Clone)]
enum Begin {
    Index(usize),
    /// Keys start after `keyword`, searched from `startfrom` (negative: backwards from the end).
    Keyword {
        keyword: Vec<u8>,
        startfrom: i64,
    },
    Unknown,
}

#[derive(Debug, Clone)]
enum Find {
    /// Keys up to `lastkey` after the start (negative: from the end, or with `limit`, up to
    /// that fraction of what remains), every `step`.
    Range {
        lastkey: i64,
        step: usize,
        limit: usize,
    },
    /// A count at `numkeys_at` after the start, then that many keys from `first`, every `step`.
    Keynum {
        numkeys_at: usize,
        first: usize,
        step: usize,
    },
    Unknown,
}

/// The keys of one command line.
#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Keys {
    /// Indexes into the arguments (0 is the command name); empty for a keyless command.
    Known(Vec<usize>),
    /// The metadata cannot tell (only key specifications of unknown type, or a Redis 6
    /// command whose keys move): ask the server (`COMMAND GETKEYS`).
    AskServer,
}

impl CommandTable {
    /// Reads a `COMMAND` (or `COMMAND INFO ...`) reply.
    pub(crate) fn from_reply(reply: Value) -> Result<CommandTable> {
        let mut by_name = Table::default();
        for entry in list(reply)? {
            // `COMMAND INFO unknown-command` answers nil for it.
            if entry.is_nil() {
                continue;
            }
            let (name, info) = command_info(entry)?;
            by_name.insert(name, info);
        }
        Ok(CommandTable { by_name })
    }

    /// The command `args` runs (a container's subcommand when it has one), if the server knows it.
    pub(crate) fn lookup(&self, args: &[&[u8]]) -> Option<&CommandInfo> {
        self.lookup_keyed(args).0
    }

    /// Like [`CommandTable::lookup`], also saying whether the answer holds for any command of
    /// this name (it has no subcommands), so that a batch of them can look it up once.
    pub(crate) fn lookup_keyed(&self, args: &[&[u8]]) -> (Option<&CommandInfo>, bool) {
        let Some(info) = args
            .first()
            .and_then(|name| get_lowercase(&self.by_name, name))
        else {
            return (None, true);
        };
        if info.subcommands.is_empty() {
            return (Some(info), true);
        }
        let sub = args
            .get(1)
            .and_then(|sub| get_lowercase(&info.subcommands, sub));
        (sub.or(Some(info)), false)
    }

    /// How many commands it knows.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_name.len()
    }
}

/// `map[name.to_lowercase()]`, without allocating for the names commands have (a few dozen
/// bytes at most): this runs for every command sent to a cluster.
fn get_lowercase<'m>(map: &'m Table, name: &[u8]) -> Option<&'m CommandInfo> {
    let mut buf = [0u8; 48];
    match buf.get_mut(..name.len()) {
        Some(lower) => {
            lower.copy_from_slice(name);
            lower.make_ascii_lowercase();
            map.get(&*lower)
        }
        None => map.get(&name.to_ascii_lowercase()),
    }
}

impl CommandInfo {
    /// Hands `each` the index of every key of `args` (a key may come twice), as the server
    /// itself finds them; `false` when the metadata cannot tell (then nothing was handed). A
    /// specification the metadata cannot apply (`SORT ... STORE`, flagged incomplete) is
    /// passed over when the others found a key: that key routes the command, and the server
    /// checks the rest.
    pub(crate) fn visit_keys(&self, args: &[&[u8]], each: &mut dyn FnMut(usize)) -> bool {
        match &self.rule {
            KeyRule::Specs(specs) => {
                let (mut found, mut unknown) = (false, false);
                for spec in specs {
                    match spec.keys(args) {
                        Some(indexes) => {
                            for index in indexes {
                                found = true;
                                each(index);
                            }
                        }
                        None => unknown = true,
                    }
                }
                found || !unknown
            }
            &KeyRule::Legacy {
                first,
                last,
                step,
                movable,
            } => {
                // A command whose keys move (`EVAL`, `ZUNIONSTORE`, `XREAD` on Redis 6) has no
                // fixed first key; one that has one (`SORT`) is routed by it.
                if movable && first <= 0 {
                    return false;
                }
                legacy_keys(args.len(), first, last, step).for_each(each);
                true
            }
        }
    }

    /// The indexes of `args`'s keys, sorted, each once.
    #[cfg(test)]
    pub(crate) fn keys(&self, args: &[&[u8]]) -> Keys {
        let mut keys = Vec::new();
        if !self.visit_keys(args, &mut |i| keys.push(i)) {
            return Keys::AskServer;
        }
        keys.sort_unstable();
        keys.dedup();
        Keys::Known(keys)
    }
}

/// The empty range of key indexes (a start past its end; index 0 is never a key).
#[allow(clippy::reversed_empty_ranges)]
const NO_KEYS: RangeInclusive<usize> = 1..=0;

fn legacy_keys(argc: usize, first: i64, last: i64, step: i64) -> StepBy<RangeInclusive<usize>> {
    let argc = argc as i64;
    if first <= 0 || step <= 0 {
        return NO_KEYS.step_by(1);
    }
    let last = if last < 0 { argc + last } else { last }.min(argc - 1);
    if last < first {
        return NO_KEYS.step_by(1);
    }
    (first as usize..=last as usize).step_by(step as usize)
}

impl KeySpec {
    /// The key indexes this specification finds in `args` (none when its keyword is absent or
    /// the arguments are too few: the server then answers with an arity or syntax error);
    /// `None` when it cannot tell. A range, not a list: this runs for every command.
    fn keys(&self, args: &[&[u8]]) -> Option<StepBy<RangeInclusive<usize>>> {
        let argc = args.len();
        let start = match &self.begin {
            Begin::Index(i) => *i,
            Begin::Keyword { keyword, startfrom } => {
                match find_keyword(args, keyword, *startfrom) {
                    Some(at) => at + 1,
                    None => return Some(NO_KEYS.step_by(1)),
                }
            }
            Begin::Unknown => return None,
        };
        if start == 0 || start >= argc {
            return Some(NO_KEYS.step_by(1));
        }
        let (first, last, step) = match self.find {
            Find::Range {
                lastkey,
                step,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    start as i64 + lastkey
                } else if limit <= 1 {
                    argc as i64 + lastkey
                } else {
                    start as i64 + ((argc - start) / limit) as i64 + lastkey
                };
                (start, last, step)
            }
            Find::Keynum {
                numkeys_at,
                first,
                step,
            } => {
                let count = args
                    .get(start + numkeys_at)
                    .and_then(|n| std::str::from_utf8(n).ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|&n| n >= 0);
                let Some(count) = count else {
                    return Some(NO_KEYS.step_by(1));
                };
                let first = start + first;
                (first, first as i64 + (count - 1) * step as i64, step)
            }
            Find::Unknown => return None,
        };
        if step == 0 || last < first as i64 {
            return Some(NO_KEYS.step_by(1));
        }
        // Past the arguments there are no keys: the server answers with an arity error.
        let last = (last as usize).min(argc - 1);
        Some((first..=last).step_by(step))
    }
}

/// Where `keyword` is among `args` (never the command name), searched forwards from
/// `startfrom`, or backwards from `argc + startfrom` when it is negative.
fn find_keyword(args: &[&[u8]], keyword: &[u8], startfrom: i64) -> Option<usize> {
    let argc = args.len() as i64;
    let matches = |i: &i64| {
        args.get(*i as usize)
            .is_some_and(|a| a.eq_ignore_ascii_case(keyword))
    };
    if startfrom >= 0 {
        (startfrom.max(1)..argc).find(matches)
    } else {
        (1..=argc + startfrom).rev().find(matches)
    }
    .map(|i| i as usize)
}

fn malformed(what: &str) -> Error {
    Error::Conversion {
        expected: "a COMMAND reply (command metadata)",
        got: what.to_string(),
    }
}

fn command_info(entry: Value) -> Result<(Vec<u8>, CommandInfo)> {
    let mut fields = list(entry)?.into_iter();
    let name = fields
        .next()
        .and_then(|n| text(&n))
        .ok_or_else(|| malformed("a command without a name"))?;
    let _arity = fields.next();
    let flags: Vec<Vec<u8>> = match fields.next() {
        Some(flags) => list(flags)?.iter().filter_map(text).collect(),
        None => return Err(malformed("a command without flags")),
    };
    let number = |v: Option<Value>| {
        v.as_ref()
            .and_then(fields::int)
            .ok_or_else(|| malformed("a command whose first/last/step is not a number"))
    };
    let (first, last, step) = (
        number(fields.next())?,
        number(fields.next())?,
        number(fields.next())?,
    );
    let _acl_categories = fields.next();
    let _tips = fields.next();
    let specs = fields.next();
    let subcommands = fields.next();
    let rule = match specs {
        Some(specs) => KeyRule::Specs(
            list(specs)?
                .into_iter()
                .map(key_spec)
                .collect::<Result<_>>()?,
        ),
        None => KeyRule::Legacy {
            first,
            last,
            step,
            movable: flags.iter().any(|f| f == b"movablekeys"),
        },
    };
    let mut subs = Table::default();
    if let Some(subcommands) = subcommands {
        for sub in list(subcommands)? {
            let (full, info) = command_info(sub)?;
            // `object|encoding`: the part after the bar.
            let short = match full.iter().position(|&b| b == b'|') {
                Some(bar) => full[bar + 1..].to_vec(),
                None => full,
            };
            subs.insert(short, info);
        }
    }
    let info = CommandInfo {
        readonly: flags.iter().any(|f| f == b"readonly"),
        rule,
        subcommands: subs,
    };
    Ok((name.to_ascii_lowercase(), info))
}

fn key_spec(spec: Value) -> Result<KeySpec> {
    let mut begin = Begin::Unknown;
    let mut find = Find::Unknown;
    for (key, value) in pairs(spec)? {
        match text(&key).as_deref() {
            Some(b"begin_search") => begin = begin_search(value)?,
            Some(b"find_keys") => find = find_keys(value)?,
            _ => {}
        }
    }
    Ok(KeySpec { begin, find })
}

/// A key specification part's fields by name.
type Fields = HashMap<Vec<u8>, Value>;

/// A `{type, spec}` map: the type and the spec's fields.
fn typed(value: Value) -> Result<(Vec<u8>, Fields)> {
    let mut kind = Vec::new();
    let mut fields = HashMap::new();
    for (key, value) in pairs(value)? {
        match text(&key).as_deref() {
            Some(b"type") => kind = text(&value).unwrap_or_default(),
            Some(b"spec") => {
                for (k, v) in pairs(value)? {
                    if let Some(k) = text(&k) {
                        fields.insert(k, v);
                    }
                }
            }
            _ => {}
        }
    }
    Ok((kind, fields))
}

fn int_field(fields: &Fields, name: &str) -> Result<i64> {
    fields
        .get(name.as_bytes())
        .and_then(fields::int)
        .ok_or_else(|| malformed("a key specification without a number it needs"))
}

fn index(n: i64) -> Result<usize> {
    usize::try_from(n).map_err(|_| malformed("a negative index in a key specification"))
}

fn begin_search(value: Value) -> Result<Begin> {
    let (kind, fields) = typed(value)?;
    Ok(match kind.as_slice() {
        b"index" => Begin::Index(index(int_field(&fields, "index")?)?),
        b"keyword" => Begin::Keyword {
            keyword: fields
                .get(b"keyword".as_slice())
                .and_then(text)
                .ok_or_else(|| malformed("a keyword search without its keyword"))?,
            startfrom: int_field(&fields, "startfrom")?,
        },
        _ => Begin::Unknown,
    })
}

fn find_keys(value: Value) -> Result<Find> {
    let (kind, fields) = typed(value)?;
    Ok(match kind.as_slice() {
        b"range" => Find::Range {
            lastkey: int_field(&fields, "lastkey")?,
            step: index(int_field(&fields, "keystep")?)?,
            limit: index(int_field(&fields, "limit")?)?,
        },
        b"keynum" => Find::Keynum {
            numkeys_at: index(int_field(&fields, "keynumidx")?)?,
            first: index(int_field(&fields, "firstkey")?)?,
            step: index(int_field(&fields, "keystep")?)?,
        },
        _ => Find::Unknown,
    })
}

fn list(value: Value) -> Result<Vec<Value>> {
    fields::list(value).ok_or_else(|| malformed("a field that is not an array"))
}

fn pairs(value: Value) -> Result<Vec<(Value, Value)>> {
    fields::pairs(value).ok_or_else(|| malformed("a field that is not a map"))
}

fn text(value: &Value) -> Option<Vec<u8>> {
    fields::bytes(value).map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests;
