//! The command builder: `cmd("SET").arg("k").arg(5)`.

use crate::resp::{write_bulk, Escaped};
use crate::types::{ToArg, ToArgs};
use std::fmt;

/// Room kept in front of the arguments for the `*<argc>\r\n` header (`*`, 20 digits, CRLF).
const HEADER_ROOM: usize = 24;

/// A command, encoded as it is built.
///
/// Arguments are written straight into one buffer as RESP bulk strings, with room kept in front
/// for the array header, so sending a command is a single write of one contiguous slice and
/// building it allocates nothing per argument.
///
/// # Example
///
/// ```
/// use redline::cmd;
///
/// let mut set = cmd("SET");
/// set.arg("counter").arg(5);
/// assert_eq!(set.to_string(), "SET counter 5");
/// assert_eq!(set.encoded(), b"*3\r\n$3\r\nSET\r\n$7\r\ncounter\r\n$1\r\n5\r\n");
/// ```
#[derive(Clone)]
pub struct Cmd {
    buf: Vec<u8>,
    /// Where the header starts; it ends at `HEADER_ROOM`.
    start: usize,
    argc: usize,
}

thread_local! {
    /// A command buffer reused by the typed helpers of this thread.
    static SCRATCH: std::cell::RefCell<Cmd> = std::cell::RefCell::new(Cmd::new());
}

/// Past this capacity the scratch buffer is not kept, so one huge argument does not pin memory.
const SCRATCH_KEEP: usize = 64 * 1024;

/// Runs `f` on this thread's reused command buffer, started with `name`: building a command in
/// a helper then allocates nothing once the buffer is warm. A nested use gets a fresh `Cmd`.
pub(crate) fn with_scratch<R>(name: &str, f: impl FnOnce(&mut Cmd) -> R) -> R {
    with_empty_scratch(|c| {
        c.push_bytes(name.as_bytes());
        f(c)
    })
}

/// Like [`with_scratch`], with the buffer empty: for command layouts that write the name too.
pub(crate) fn with_empty_scratch<R>(f: impl FnOnce(&mut Cmd) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.clear();
            let result = f(&mut scratch);
            if scratch.buf.capacity() > SCRATCH_KEEP {
                *scratch = Cmd::new();
            }
            result
        }
        Err(_) => f(&mut Cmd::new()),
    })
}

/// How long a blocking command may block by its own arguments.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Block {
    /// A timeout of 0: until something arrives.
    Forever,
    For(std::time::Duration),
}

/// The block time of an encoded blocking command (`BLPOP k 5`, `XREAD BLOCK 100 ...`,
/// `WAIT 1 250`, ...), for the connection to add to its deadline; `None` for everything
/// else. Rejects almost every command on the first letter of its name.
pub(crate) fn blocks_for(encoded: &[u8]) -> Option<Block> {
    let body = memchr::memchr(b'\n', encoded).and_then(|nl| encoded.get(nl + 1..))?;
    let mut args = Args::from_encoded(body);
    let name = args.next()?;
    // Almost every command stops here, on its length and first letter.
    if !(4..=10).contains(&name.len())
        || !matches!(
            name[0].to_ascii_uppercase(),
            b'B' | b'X' | b'W' | b'S' | b'P' | b'M'
        )
    {
        return None;
    }
    let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
    let number =
        |arg: Option<&[u8]>| -> Option<f64> { std::str::from_utf8(arg?).ok()?.trim().parse().ok() };
    if ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR"]
        .iter()
        .any(|n| is(n))
    {
        // What follows comes when it comes: messages are read with `recv`.
        return Some(Block::Forever);
    }
    if [
        "BLPOP",
        "BRPOP",
        "BZPOPMIN",
        "BZPOPMAX",
        "BRPOPLPUSH",
        "BLMOVE",
    ]
    .iter()
    .any(|n| is(n))
    {
        return block_of(number(args.last())?);
    }
    if is("BLMPOP") || is("BZMPOP") {
        return block_of(number(args.next())?);
    }
    if is("WAIT") || is("WAITAOF") {
        return block_of(number(args.last())? / 1000.0);
    }
    if is("XREAD") || is("XREADGROUP") {
        let mut args = args.skip_while(|a| !a.eq_ignore_ascii_case(b"BLOCK"));
        args.next()?;
        return block_of(number(args.next())? / 1000.0);
    }
    None
}

fn block_of(seconds: f64) -> Option<Block> {
    if seconds == 0.0 {
        Some(Block::Forever)
    } else if seconds > 0.0 && seconds < 1e9 {
        Some(Block::For(std::time::Duration::from_secs_f64(seconds)))
    } else {
        None
    }
}

/// Whether an encoded command is `SCRIPT FLUSH`: after it, no connection may believe a script
/// is loaded. (Rejects almost every command on its fifth to eighth bytes.)
pub(crate) fn flushes_scripts(encoded: &[u8]) -> bool {
    if encoded.get(4..8) != Some(b"$6\r\n".as_slice()) {
        return false;
    }
    let mut args = encoded
        .get(4..)
        .map_or_else(Args::empty, Args::from_encoded);
    args.next()
        .is_some_and(|a| a.eq_ignore_ascii_case(b"SCRIPT"))
        && args
            .next()
            .is_some_and(|a| a.eq_ignore_ascii_case(b"FLUSH"))
}

/// Starts a command with its name, such as `cmd("GET")` or `cmd("SCRIPT").arg("LOAD")`.
pub fn cmd(name: &str) -> Cmd {
    let mut c = Cmd::new();
    c.push_bytes(name.as_bytes());
    c
}

/// Two commands are equal when they send the same bytes.
impl PartialEq for Cmd {
    fn eq(&self, other: &Cmd) -> bool {
        self.encoded() == other.encoded()
    }
}

impl Eq for Cmd {}

impl Default for Cmd {
    fn default() -> Self {
        Cmd::new()
    }
}

impl Cmd {
    /// An empty command; add the name with [`Cmd::arg`].
    pub fn new() -> Cmd {
        let mut buf = Vec::with_capacity(64);
        buf.resize(HEADER_ROOM, 0);
        let mut c = Cmd {
            buf,
            start: HEADER_ROOM,
            argc: 0,
        };
        c.write_header();
        c
    }

    /// Appends one or more arguments: anything [`ToArgs`], such as a string, bytes, a number,
    /// a slice or a tuple (each element becomes an argument).
    pub fn arg<T: ToArgs>(&mut self, arg: T) -> &mut Cmd {
        arg.write_args(self);
        self
    }

    /// Appends `head numkeys key... arg...`: the shape of `EVAL`, `EVALSHA` and `FCALL`
    /// after their name, with `numkeys` counted from `keys`.
    pub(crate) fn keyed(
        &mut self,
        head: impl ToArg,
        keys: &impl ToArgs,
        args: &impl ToArgs,
    ) -> &mut Cmd {
        self.arg(head).arg(keys.num_args()).arg(keys).arg(args)
    }

    /// Appends one argument given as raw bytes.
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        write_bulk(&mut self.buf, bytes);
        self.argc += 1;
        if self.argc < 10 && self.start == HEADER_ROOM - 4 {
            // The header is `*<one digit>\r\n` already: only its digit changes.
            if let Some(digit) = self.buf.get_mut(HEADER_ROOM - 3) {
                *digit = b'0' + self.argc as u8;
            }
        } else {
            self.write_header();
        }
    }

    /// Removes every argument, keeping the buffer for reuse.
    pub fn clear(&mut self) {
        self.buf.truncate(HEADER_ROOM);
        self.argc = 0;
        self.write_header();
    }

    /// The number of arguments, the name included.
    pub fn args_len(&self) -> usize {
        self.argc
    }

    /// The command as it goes on the wire: a RESP array of bulk strings.
    pub fn encoded(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The arguments, the name first.
    pub fn args(&self) -> Args<'_> {
        Args {
            rest: &self.buf[HEADER_ROOM..],
        }
    }

    /// The command name, upper-cased as sent only if the caller wrote it so.
    pub fn name(&self) -> Option<&[u8]> {
        self.args().next()
    }

    fn write_header(&mut self) {
        // The usual case, fewer than ten arguments: four bytes in a fixed place.
        if self.argc < 10 {
            self.start = HEADER_ROOM - 4;
            if let Some(header) = self.buf.get_mut(HEADER_ROOM - 4..HEADER_ROOM) {
                header.copy_from_slice(&[b'*', b'0' + self.argc as u8, b'\r', b'\n']);
            }
            return;
        }
        let mut digits = [0u8; 20];
        let digits = crate::resp::decimal(self.argc as u64, &mut digits);
        self.start = HEADER_ROOM - digits.len() - 3;
        self.buf[self.start] = b'*';
        self.buf[self.start + 1..HEADER_ROOM - 2].copy_from_slice(digits);
        self.buf[HEADER_ROOM - 2] = b'\r';
        self.buf[HEADER_ROOM - 1] = b'\n';
    }
}

/// Iterator over a command's arguments. See [`Cmd::args`].
#[derive(Clone, Debug)]
pub struct Args<'a> {
    rest: &'a [u8],
}

impl<'a> Args<'a> {
    /// Reads the arguments of an encoded command body (after its `*N` header).
    pub(crate) fn from_encoded(rest: &'a [u8]) -> Args<'a> {
        Args { rest }
    }

    /// No arguments.
    pub(crate) fn empty() -> Args<'a> {
        Args { rest: &[] }
    }

    /// The next `n` arguments (fewer if there are not that many), as an `Args` of their own.
    pub(crate) fn take_first(self, n: usize) -> Args<'a> {
        let mut rest = self.clone();
        for _ in 0..n {
            if rest.next().is_none() {
                break;
            }
        }
        let end = self.rest.len() - rest.rest.len();
        Args {
            rest: &self.rest[..end],
        }
    }
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        // The buffer holds only `$<len>\r\n<data>\r\n` written by `push_bytes`: the length's
        // digits are read in place (a cluster reads every command's arguments back to route
        // it, so this is on a hot path), still checked, never trusted past the buffer.
        let rest = self.rest;
        if rest.first() != Some(&b'$') {
            return None;
        }
        let mut len = 0usize;
        let mut at = 1;
        loop {
            let byte = *rest.get(at)?;
            if byte == b'\r' && at > 1 {
                break;
            }
            if !byte.is_ascii_digit() {
                return None;
            }
            len = len.checked_mul(10)?.checked_add(usize::from(byte - b'0'))?;
            at += 1;
        }
        let start = at + 2;
        let data = rest.get(start..start.checked_add(len)?)?;
        self.rest = rest.get(start + len + 2..).unwrap_or(&[]);
        Some(data)
    }
}

/// The longest command text shown in errors and `Debug`.
const SHOWN_LEN: usize = 100;

/// Writes the command for people: arguments separated by spaces, secrets replaced by `******`,
/// cut after about 100 characters.
pub(crate) fn describe(args: Args<'_>, f: &mut dyn fmt::Write) -> fmt::Result {
    let args: Vec<&[u8]> = args.collect();
    let hidden = secret_positions(&args);
    let mut shown = 0;
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        if shown > SHOWN_LEN {
            return f.write_str("...");
        }
        if hidden.contains(&i) {
            f.write_str("******")?;
            shown += 6;
            continue;
        }
        let text = String::from_utf8_lossy(arg);
        let plain = text.chars().all(|c| !c.is_whitespace() && !c.is_control());
        let room = SHOWN_LEN.saturating_sub(shown);
        if plain && std::str::from_utf8(arg).is_ok() {
            let cut: String = text.chars().take(room.max(8)).collect();
            shown += cut.len();
            f.write_str(&cut)?;
            if cut.len() < text.len() {
                f.write_str("...")?;
            }
        } else {
            let cut = &arg[..arg.len().min(room.max(8))];
            let escaped = format!("{:?}", Escaped(cut));
            shown += escaped.len();
            f.write_str(&escaped)?;
            if cut.len() < arg.len() {
                f.write_str("...")?;
            }
        }
    }
    Ok(())
}

/// Which arguments are passwords: `AUTH [user] pass`, `HELLO ... AUTH user pass`,
/// `MIGRATE ... AUTH pass` / `AUTH2 user pass`, `CONFIG SET masterauth|requirepass|tls-*-pass v`,
/// `ACL SETUSER name >pass`.
fn secret_positions(args: &[&[u8]]) -> Vec<usize> {
    let upper = |i: usize| {
        args.get(i)
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default()
    };
    let name = upper(0);
    let mut hidden = Vec::new();
    match name.as_slice() {
        b"AUTH" => hidden.extend(1..args.len()),
        b"HELLO" | b"MIGRATE" => {
            for i in 1..args.len() {
                match upper(i).as_slice() {
                    b"AUTH" if name == b"HELLO" => hidden.extend([i + 1, i + 2]),
                    b"AUTH" => hidden.push(i + 1),
                    b"AUTH2" => hidden.extend([i + 1, i + 2]),
                    _ => {}
                }
            }
        }
        b"CONFIG" if upper(1) == b"SET" => {
            let mut i = 2;
            while i + 1 < args.len() {
                if matches!(
                    upper(i).as_slice(),
                    b"MASTERAUTH"
                        | b"REQUIREPASS"
                        | b"TLS-KEY-FILE-PASS"
                        | b"TLS-CLIENT-KEY-FILE-PASS"
                ) {
                    hidden.push(i + 1);
                }
                i += 2;
            }
        }
        b"ACL" if upper(1) == b"SETUSER" => {
            for (i, arg) in args.iter().enumerate().skip(3) {
                if matches!(arg.first(), Some(b'>' | b'<' | b'#' | b'!')) {
                    hidden.push(i);
                }
            }
        }
        _ => {}
    }
    hidden
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self.args(), f)
    }
}

impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cmd(")?;
        describe(self.args(), f)?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocking_commands_say_how_long() {
        use super::{blocks_for, cmd, Block};
        use std::time::Duration;
        let block = |words: &[&str]| {
            let mut c = cmd(words[0]);
            c.arg(&words[1..]);
            blocks_for(c.encoded())
        };
        assert_eq!(
            block(&["BLPOP", "a", "b", "2.5"]),
            Some(Block::For(Duration::from_millis(2500)))
        );
        assert_eq!(block(&["brpop", "a", "0"]), Some(Block::Forever));
        assert_eq!(
            block(&["BLMOVE", "a", "b", "LEFT", "RIGHT", "1"]),
            Some(Block::For(Duration::from_secs(1)))
        );
        assert_eq!(
            block(&["BLMPOP", "3", "1", "k", "LEFT"]),
            Some(Block::For(Duration::from_secs(3)))
        );
        assert_eq!(
            block(&["XREAD", "COUNT", "1", "BLOCK", "250", "STREAMS", "s", "$"]),
            Some(Block::For(Duration::from_millis(250)))
        );
        assert_eq!(block(&["XREAD", "STREAMS", "s", "0"]), None);
        assert_eq!(block(&["WAIT", "1", "0"]), Some(Block::Forever));
        assert_eq!(block(&["SUBSCRIBE", "news"]), Some(Block::Forever));
        for plain in [
            &["GET", "k"][..],
            &["SET", "k", "v"],
            &["BITCOUNT", "k"],
            &["BLPOP", "k", "x"],
            &["BLPOP", "k", "-1"],
        ] {
            assert_eq!(block(plain), None, "{plain:?}");
        }
    }

    use super::*;

    #[test]
    fn header_tracks_argument_count() {
        let mut c = cmd("MSET");
        for i in 0..11 {
            c.arg(i);
        }
        let wire = c.encoded();
        assert!(wire.starts_with(b"*12\r\n$4\r\nMSET\r\n"));
        let parsed = crate::resp::parse(wire, &Default::default())
            .unwrap()
            .unwrap();
        assert_eq!(parsed.1, wire.len());
        c.clear();
        assert_eq!(c.encoded(), b"*0\r\n");
    }

    #[test]
    fn secrets_never_show() {
        let mut c = cmd("AUTH");
        c.arg("alice").arg("s3cret");
        assert_eq!(c.to_string(), "AUTH ****** ******");
        let mut c = cmd("HELLO");
        c.arg("3")
            .arg("AUTH")
            .arg("alice")
            .arg("s3cret")
            .arg("SETNAME")
            .arg("x");
        assert_eq!(c.to_string(), "HELLO 3 AUTH ****** ****** SETNAME x");
        let mut c = cmd("CONFIG");
        c.arg("SET").arg("requirepass").arg("s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
        let mut c = cmd("ACL");
        c.arg("SETUSER").arg("bob").arg("on").arg(">s3cret");
        assert!(!c.to_string().contains("s3cret"));
    }

    #[test]
    fn long_and_binary_arguments_are_cut() {
        let mut c = cmd("SET");
        c.arg("k").arg(vec![b'x'; 10_000]);
        assert!(c.to_string().len() < 130);
        let mut c = cmd("SET");
        c.arg(b"\x00\xff".as_slice());
        assert_eq!(c.to_string(), "SET \"\\x00\\xff\"");
    }
}
