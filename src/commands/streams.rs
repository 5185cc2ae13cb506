//! Streams: `XADD` (plain and trimming), `XRANGE`, `XREAD`, `XLEN`, `XTRIM`, and the
//! [`StreamEntry`] their replies convert into.

use super::options::{StreamReadOptions, StreamTrim};
use crate::cmd::Cmd;
use crate::error::Result;
use crate::pipeline::Pipeline;
use crate::resp::Value;
use crate::types::{FromValue, ToArg, ToArgs};

/// The stream helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! stream_commands {
    () => {
        /// `XADD key id field value [field value ...]`: appends an entry; its ID.
        ///
        /// `id` is `"*"` to let the server choose, or an explicit `"<ms>-<seq>"`. Fields are pairs
        /// such as `&[("kind", "click")]`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let id = client.xadd("events", "*", &[("kind", "click"), ("x", "10")])?;
        /// assert!(id.contains('-'));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xadd(
            &self,
            key: impl $crate::ToArg,
            id: impl $crate::ToArg,
            fields: impl $crate::ToArgs,
        ) -> $crate::Result<String> {
            $crate::commands::run(self, |c| {
                $crate::commands::streams::xadd(c, key, id, fields)
            })
        }

        /// `XADD key MAXLEN|MINID [~] threshold [LIMIT count] id field value [field value ...]`:
        /// appends an entry and trims the stream as [`StreamTrim`] says; the new entry's ID.
        ///
        /// [`StreamTrim`]: crate::StreamTrim
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, StreamTrim};
        ///
        /// // Keep about the last 1000 entries.
        /// let trim = StreamTrim::max_len(1000).approx();
        /// let id = client.xadd_trim("events", trim, "*", &[("kind", "click")])?;
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xadd_trim(
            &self,
            key: impl $crate::ToArg,
            trim: $crate::StreamTrim,
            id: impl $crate::ToArg,
            fields: impl $crate::ToArgs,
        ) -> $crate::Result<String> {
            $crate::commands::run(self, |c| {
                $crate::commands::streams::xadd_trim(c, key, trim, id, fields)
            })
        }

        /// `XRANGE key start end`: the entries with an ID in `start..=end` (`"-"` and `"+"` for the
        /// ends), oldest first; use `Vec<`[`StreamEntry`]`>` (RESP2 and RESP3 alike).
        ///
        /// [`StreamEntry`]: crate::StreamEntry
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, StreamEntry};
        ///
        /// client.xadd("events", "*", &[("kind", "click")])?;
        /// let entries: Vec<StreamEntry> = client.xrange("events", "-", "+")?;
        /// assert_eq!(entries.last().and_then(|e| e.get("kind")), Some(&b"click"[..]));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xrange<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            start: impl $crate::ToArg,
            end: impl $crate::ToArg,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::streams::xrange(c, key, start, end)
            })
        }

        /// `XRANGE key start end COUNT count`: at most `count` entries of
        /// [`xrange`](Commands::xrange).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, StreamEntry};
        ///
        /// let oldest: Vec<StreamEntry> = client.xrange_count("events", "-", "+", 10)?;
        /// // The next page starts after the last ID seen (exclusive, Redis 6.2).
        /// if let Some(last) = oldest.last() {
        ///     let after = format!("({}", last.id);
        ///     let next: Vec<StreamEntry> = client.xrange_count("events", after, "+", 10)?;
        /// }
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xrange_count<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            start: impl $crate::ToArg,
            end: impl $crate::ToArg,
            count: u64,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::streams::xrange_count(c, key, start, end, count)
            })
        }

        /// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key... id...`: per stream, the entries
        /// after its ID (`"$"`: only new ones, with `BLOCK`), or nil when there are none.
        ///
        /// Convert into `Option<Vec<(String, Vec<`[`StreamEntry`]`>)>>` (streams in order) or
        /// `Option<HashMap<String, Vec<StreamEntry>>>`; both read the RESP2 array and the RESP3
        /// map.
        ///
        /// With [`block`](crate::StreamReadOptions::block), the connection (on a
        /// [`Client`](crate::Client), a pooled one) waits up to that long; its read timeout must be
        /// longer, or the call fails with a timeout error and the connection is dropped.
        ///
        /// [`StreamEntry`]: crate::StreamEntry
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, StreamEntry, StreamReadOptions};
        ///
        /// let options = StreamReadOptions::default().count(100);
        /// let read: Option<Vec<(String, Vec<StreamEntry>)>> =
        ///     client.xread(["events"], ["0"], options)?;
        /// for (stream, entries) in read.unwrap_or_default() {
        ///     println!("{stream}: {} entries", entries.len());
        /// }
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xread<T: $crate::FromValue>(
            &self,
            keys: impl $crate::ToArgs,
            ids: impl $crate::ToArgs,
            options: $crate::StreamReadOptions,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::streams::xread(c, keys, ids, options)
            })
        }

        /// `XLEN key`: the number of entries (0 for a missing key).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.xadd("events", "*", &[("kind", "click")])?;
        /// assert!(client.xlen("events")? >= 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xlen(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::streams::xlen(c, key))
        }

        /// `XTRIM key MAXLEN|MINID [~] threshold [LIMIT count]`: how many entries were deleted.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, StreamTrim};
        ///
        /// let deleted = client.xtrim("events", StreamTrim::max_len(0))?;
        /// assert_eq!(client.xlen("events")?, 0);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn xtrim(&self, key: impl $crate::ToArg, trim: $crate::StreamTrim) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::streams::xtrim(c, key, trim))
        }
    };
}

pub(super) use stream_commands;

pub(crate) fn xadd(c: &mut Cmd, key: impl ToArg, id: impl ToArg, fields: impl ToArgs) {
    c.arg("XADD").arg(key).arg(id).arg(fields);
}

pub(crate) fn xadd_trim(
    c: &mut Cmd,
    key: impl ToArg,
    trim: StreamTrim,
    id: impl ToArg,
    fields: impl ToArgs,
) {
    c.arg("XADD").arg(key);
    trim.write(c);
    c.arg(id).arg(fields);
}

pub(crate) fn xrange(c: &mut Cmd, key: impl ToArg, start: impl ToArg, end: impl ToArg) {
    c.arg("XRANGE").arg(key).arg(start).arg(end);
}

pub(crate) fn xrange_count(
    c: &mut Cmd,
    key: impl ToArg,
    start: impl ToArg,
    end: impl ToArg,
    count: u64,
) {
    xrange(c, key, start, end);
    c.arg("COUNT").arg(count);
}

pub(crate) fn xread(c: &mut Cmd, keys: impl ToArgs, ids: impl ToArgs, options: StreamReadOptions) {
    c.arg("XREAD");
    options.write(c);
    c.arg("STREAMS").arg(keys).arg(ids);
}

pub(crate) fn xlen(c: &mut Cmd, key: impl ToArg) {
    c.arg("XLEN").arg(key);
}

pub(crate) fn xtrim(c: &mut Cmd, key: impl ToArg, trim: StreamTrim) {
    c.arg("XTRIM").arg(key);
    trim.write(c);
}

/// The stream helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::xadd`](crate::Commands::xadd): `XADD key id field value [field value
    /// ...]`, replying the entry's ID (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (id,): (String,) = pipe.xadd("events", "*", &[("kind", "click")]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xadd(&mut self, key: impl ToArg, id: impl ToArg, fields: impl ToArgs) -> &mut Self {
        self.helper(|c| xadd(c, key, id, fields))
    }

    /// Queues [`Commands::xadd_trim`](crate::Commands::xadd_trim): `XADD key MAXLEN|MINID ... id
    /// field value...`, replying the entry's ID (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::StreamTrim;
    ///
    /// let mut pipe = client.pipeline();
    /// pipe.xadd_trim("events", StreamTrim::max_len(100), "*", &[("kind", "click")]);
    /// let (id,): (String,) = pipe.execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xadd_trim(
        &mut self,
        key: impl ToArg,
        trim: StreamTrim,
        id: impl ToArg,
        fields: impl ToArgs,
    ) -> &mut Self {
        self.helper(|c| xadd_trim(c, key, trim, id, fields))
    }

    /// Queues [`Commands::xrange`](crate::Commands::xrange): `XRANGE key start end`, replying the
    /// entries (`Vec<`[`StreamEntry`](crate::StreamEntry)`>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::StreamEntry;
    ///
    /// let mut pipe = client.pipeline();
    /// let (entries,): (Vec<StreamEntry>,) = pipe.xrange("events", "-", "+").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xrange(&mut self, key: impl ToArg, start: impl ToArg, end: impl ToArg) -> &mut Self {
        self.helper(|c| xrange(c, key, start, end))
    }

    /// Queues [`Commands::xrange_count`](crate::Commands::xrange_count): `XRANGE key start end
    /// COUNT count`, replying the entries (`Vec<`[`StreamEntry`](crate::StreamEntry)`>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::StreamEntry;
    ///
    /// let mut pipe = client.pipeline();
    /// let (entries,): (Vec<StreamEntry>,) = pipe.xrange_count("events", "-", "+", 10).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xrange_count(
        &mut self,
        key: impl ToArg,
        start: impl ToArg,
        end: impl ToArg,
        count: u64,
    ) -> &mut Self {
        self.helper(|c| xrange_count(c, key, start, end, count))
    }

    /// Queues [`Commands::xread`](crate::Commands::xread): `XREAD [COUNT count] [BLOCK
    /// milliseconds] STREAMS key... id...`, replying the new entries per stream, or nil
    /// (`Option<Vec<(String, Vec<`[`StreamEntry`](crate::StreamEntry)`>)>>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{StreamEntry, StreamReadOptions};
    ///
    /// let mut pipe = client.pipeline();
    /// pipe.xread(["events"], ["0"], StreamReadOptions::default());
    /// let (read,): (Option<Vec<(String, Vec<StreamEntry>)>>,) = pipe.execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xread(
        &mut self,
        keys: impl ToArgs,
        ids: impl ToArgs,
        options: StreamReadOptions,
    ) -> &mut Self {
        self.helper(|c| xread(c, keys, ids, options))
    }

    /// Queues [`Commands::xlen`](crate::Commands::xlen): `XLEN key`, replying the number of entries
    /// (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().xlen("events").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xlen(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| xlen(c, key))
    }

    /// Queues [`Commands::xtrim`](crate::Commands::xtrim): `XTRIM key MAXLEN|MINID ...`, replying
    /// how many entries were deleted (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::StreamTrim;
    ///
    /// let mut pipe = client.pipeline();
    /// let (deleted,): (i64,) = pipe.xtrim("events", StreamTrim::max_len(1000)).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn xtrim(&mut self, key: impl ToArg, trim: StreamTrim) -> &mut Self {
        self.helper(|c| xtrim(c, key, trim))
    }
}

/// One stream entry, as `XRANGE` and `XREAD` reply: its ID and its fields in order.
///
/// Values are bytes, as Redis stores them; [`get`](StreamEntry::get) finds one by field name.
/// Converts from the RESP2 and RESP3 shapes alike; an entry deleted since it was listed (nil
/// fields) has no fields.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, StreamEntry};
///
/// client.xadd("events", "*", &[("kind", "click"), ("x", "10")])?;
/// for entry in client.xrange::<Vec<StreamEntry>>("events", "-", "+")? {
///     let kind = entry.get("kind").map(String::from_utf8_lossy);
///     println!("{} {:?} ({} fields)", entry.id, kind, entry.fields.len());
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry's ID, `<milliseconds>-<sequence>`.
    pub id: String,
    /// The field names and values, in the order they were added.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl StreamEntry {
    /// The value of the first field named `field`.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::StreamEntry;
    ///
    /// let entry = StreamEntry {
    ///     id: "1-0".into(),
    ///     fields: vec![("kind".into(), b"click".to_vec())],
    /// };
    /// assert_eq!(entry.get("kind"), Some(&b"click"[..]));
    /// assert_eq!(entry.get("x"), None);
    /// ```
    pub fn get(&self, field: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_slice())
    }
}

/// From `[id, [field, value, ...]]`; the fields may also come as a map, or nil.
impl FromValue for StreamEntry {
    fn from_value(value: Value) -> Result<Self> {
        let (id, fields): (String, Value) = FromValue::from_value(value)?;
        let fields: Option<Vec<(String, Vec<u8>)>> = FromValue::from_value(fields)?;
        Ok(StreamEntry {
            id,
            fields: fields.unwrap_or_default(),
        })
    }
    const ONE_PER_ELEMENT: bool = true;
}
