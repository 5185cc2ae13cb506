//! The option types of the typed helpers: what `SET`, `GETEX`, `BLMOVE`, `ZRANGE ... BYSCORE`,
//! `XADD`/`XTRIM` and `XREAD` take besides keys and values.
//!
//! Each type writes its own tokens (`write`), in the order the server documents, so a command
//! layout appends it in one call.

use crate::cmd::Cmd;

/// The options of `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL]`, for
/// [`Commands::set_options`](crate::Commands::set_options).
///
/// Built by chaining from [`SetOptions::default()`] (a plain `SET`); a later expiry or
/// condition replaces an earlier one.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, SetOptions};
///
/// // A lock held for 30 s, taken only if free: `SET lock me NX PX 30000`.
/// let taken: bool = client.set_options("lock", "me", SetOptions::default().nx().px(30_000))?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct SetOptions {
    condition: Option<&'static str>,
    get: bool,
    ttl: Option<SetTtl>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetTtl {
    Expire(Expiry),
    Keep,
}

impl SetOptions {
    /// `NX`: set only if the key does not exist.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().nx();
    /// ```
    pub fn nx(mut self) -> Self {
        self.condition = Some("NX");
        self
    }

    /// `XX`: set only if the key exists.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().xx();
    /// ```
    pub fn xx(mut self) -> Self {
        self.condition = Some("XX");
        self
    }

    /// `GET`: reply with the old value (nil if there was none) instead of `OK`.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().get();
    /// ```
    pub fn get(mut self) -> Self {
        self.get = true;
        self
    }

    /// `EX seconds`: expire after that many seconds.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().ex(60);
    /// ```
    pub fn ex(self, seconds: u64) -> Self {
        self.expire(Expiry::Ex(seconds))
    }

    /// `PX milliseconds`: expire after that many milliseconds.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().px(1500);
    /// ```
    pub fn px(self, milliseconds: u64) -> Self {
        self.expire(Expiry::Px(milliseconds))
    }

    /// `EXAT unix-time-seconds`: expire at that time.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().exat(1_900_000_000);
    /// ```
    pub fn exat(self, unix_seconds: u64) -> Self {
        self.expire(Expiry::ExAt(unix_seconds))
    }

    /// `PXAT unix-time-milliseconds`: expire at that time.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().pxat(1_900_000_000_000);
    /// ```
    pub fn pxat(self, unix_milliseconds: u64) -> Self {
        self.expire(Expiry::PxAt(unix_milliseconds))
    }

    /// `KEEPTTL`: keep the key's current time to live (a plain `SET` removes it).
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::SetOptions::default().keep_ttl();
    /// ```
    pub fn keep_ttl(mut self) -> Self {
        self.ttl = Some(SetTtl::Keep);
        self
    }

    fn expire(mut self, expiry: Expiry) -> Self {
        self.ttl = Some(SetTtl::Expire(expiry));
        self
    }

    pub(crate) fn write(&self, c: &mut Cmd) {
        c.arg(self.condition).arg(self.get.then_some("GET"));
        match self.ttl {
            Some(SetTtl::Expire(expiry)) => expiry.write(c),
            Some(SetTtl::Keep) => {
                c.arg("KEEPTTL");
            }
            None => {}
        }
    }
}

/// The new time to live that `GETEX` sets, for [`Commands::getex`](crate::Commands::getex).
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, Expiry};
///
/// // Read a session and give it another 30 minutes.
/// let session: Option<String> = client.getex("session:42", Expiry::Ex(1800))?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// `EX seconds`: expire after that many seconds.
    Ex(u64),
    /// `PX milliseconds`: expire after that many milliseconds.
    Px(u64),
    /// `EXAT unix-time-seconds`: expire at that time.
    ExAt(u64),
    /// `PXAT unix-time-milliseconds`: expire at that time.
    PxAt(u64),
    /// `PERSIST`: remove the time to live.
    Persist,
}

impl Expiry {
    pub(crate) fn write(&self, c: &mut Cmd) {
        match *self {
            Expiry::Ex(n) => c.arg("EX").arg(n),
            Expiry::Px(n) => c.arg("PX").arg(n),
            Expiry::ExAt(n) => c.arg("EXAT").arg(n),
            Expiry::PxAt(n) => c.arg("PXAT").arg(n),
            Expiry::Persist => c.arg("PERSIST"),
        };
    }
}

/// An end of a list, for [`Commands::blmove`](crate::Commands::blmove).
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, Direction};
///
/// // Take the oldest job (left) and park it at the tail (right) of `working`.
/// let job: Option<String> =
///     client.blmove("jobs", "working", Direction::Left, Direction::Right, 5)?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `LEFT`: the head.
    Left,
    /// `RIGHT`: the tail.
    Right,
}

impl Direction {
    pub(crate) fn as_arg(self) -> &'static str {
        match self {
            Direction::Left => "LEFT",
            Direction::Right => "RIGHT",
        }
    }
}

/// The options of `ZRANGE key start stop BYSCORE [REV] [LIMIT offset count] [WITHSCORES]`, for
/// [`Commands::zrange_byscore`](crate::Commands::zrange_byscore).
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, ZRangeOptions};
///
/// // The ten best scores, highest first, with their scores.
/// let options = ZRangeOptions::default().rev().limit(0, 10).withscores();
/// let top: Vec<(String, f64)> = client.zrange_byscore("board", "+inf", "-inf", options)?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ZRangeOptions {
    rev: bool,
    limit: Option<(i64, i64)>,
    withscores: bool,
}

impl ZRangeOptions {
    /// `REV`: highest scores first; `start` is then the upper bound and `stop` the lower one.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::ZRangeOptions::default().rev();
    /// ```
    pub fn rev(mut self) -> Self {
        self.rev = true;
        self
    }

    /// `LIMIT offset count`: skip `offset` members, return at most `count` (all if negative).
    ///
    /// # Example
    ///
    /// ```
    /// let page_two = redline::ZRangeOptions::default().limit(20, 20);
    /// ```
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }

    /// `WITHSCORES`: reply with `(member, score)` pairs.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::ZRangeOptions::default().withscores();
    /// ```
    pub fn withscores(mut self) -> Self {
        self.withscores = true;
        self
    }

    pub(crate) fn write(&self, c: &mut Cmd) {
        c.arg(self.rev.then_some("REV"));
        if let Some((offset, count)) = self.limit {
            c.arg("LIMIT").arg(offset).arg(count);
        }
        c.arg(self.withscores.then_some("WITHSCORES"));
    }
}

/// How `XADD` and `XTRIM` trim a stream: `MAXLEN|MINID [=|~] threshold [LIMIT count]`, for
/// [`Commands::xadd_trim`](crate::Commands::xadd_trim) and
/// [`Commands::xtrim`](crate::Commands::xtrim).
///
/// Exact by default; [`approx`](StreamTrim::approx) (`~`) lets the server trim whole
/// nodes only, which is much cheaper.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, StreamTrim};
///
/// // Keep about the last 1000 events: `XADD events MAXLEN ~ 1000 * kind click`.
/// let trim = StreamTrim::max_len(1000).approx();
/// let id = client.xadd_trim("events", trim, "*", &[("kind", "click")])?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct StreamTrim {
    threshold: Threshold,
    approx: bool,
    limit: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Threshold {
    MaxLen(u64),
    MinId(String),
}

impl StreamTrim {
    /// `MAXLEN`: keep at most `len` entries (the newest).
    ///
    /// # Example
    ///
    /// ```
    /// let trim = redline::StreamTrim::max_len(1000);
    /// ```
    pub fn max_len(len: u64) -> Self {
        StreamTrim::new(Threshold::MaxLen(len))
    }

    /// `MINID`: drop the entries whose ID is lower than `id`.
    ///
    /// # Example
    ///
    /// ```
    /// let trim = redline::StreamTrim::min_id("1700000000000-0");
    /// ```
    pub fn min_id(id: impl Into<String>) -> Self {
        StreamTrim::new(Threshold::MinId(id.into()))
    }

    /// `~`: trim approximately, never more than asked.
    ///
    /// # Example
    ///
    /// ```
    /// let trim = redline::StreamTrim::max_len(1000).approx();
    /// ```
    pub fn approx(mut self) -> Self {
        self.approx = true;
        self
    }

    /// `LIMIT count`: evict at most `count` entries this time (only with
    /// [`approx`](StreamTrim::approx); the server refuses it otherwise).
    ///
    /// # Example
    ///
    /// ```
    /// let trim = redline::StreamTrim::max_len(1000).approx().limit(100);
    /// ```
    pub fn limit(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    fn new(threshold: Threshold) -> Self {
        StreamTrim {
            threshold,
            approx: false,
            limit: None,
        }
    }

    pub(crate) fn write(&self, c: &mut Cmd) {
        // Exact is the default; no `=`, which servers before 6.2 refuse.
        let approx = self.approx.then_some("~");
        match &self.threshold {
            Threshold::MaxLen(len) => c.arg("MAXLEN").arg(approx).arg(len),
            Threshold::MinId(id) => c.arg("MINID").arg(approx).arg(id),
        };
        if let Some(count) = self.limit {
            c.arg("LIMIT").arg(count);
        }
    }
}

/// The options of `XREAD [COUNT count] [BLOCK milliseconds]`, for
/// [`Commands::xread`](crate::Commands::xread).
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, StreamEntry, StreamReadOptions};
///
/// // Up to 100 new entries, waiting up to 2 s for the first.
/// let options = StreamReadOptions::default().count(100).block(2000);
/// let read: Option<Vec<(String, Vec<StreamEntry>)>> = client.xread(["events"], ["$"], options)?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct StreamReadOptions {
    count: Option<u64>,
    block: Option<u64>,
}

impl StreamReadOptions {
    /// `COUNT count`: at most that many entries per stream.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::StreamReadOptions::default().count(10);
    /// ```
    pub fn count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// `BLOCK milliseconds`: wait that long for an entry when none is there (0: forever). The
    /// connection's read timeout must be longer, or the wait ends in a timeout error.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::StreamReadOptions::default().block(5000);
    /// ```
    pub fn block(mut self, milliseconds: u64) -> Self {
        self.block = Some(milliseconds);
        self
    }

    pub(crate) fn write(&self, c: &mut Cmd) {
        if let Some(count) = self.count {
            c.arg("COUNT").arg(count);
        }
        if let Some(ms) = self.block {
            c.arg("BLOCK").arg(ms);
        }
    }
}
