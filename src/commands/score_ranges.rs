//! Sorted sets by score: `ZRANGEBYSCORE` (plain, `WITHSCORES`, `LIMIT`), `ZREMRANGEBYSCORE`,
//! and `ZRANGE ... BYSCORE` with its options.
//!
//! Score bounds are [`ToArg`], not [`Number`](crate::Number): besides numbers, the server takes
//! `-inf`, `+inf` and exclusive bounds such as `(5`.

use super::options::ZRangeOptions;
use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::ToArg;

/// The score range helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! score_range_commands {
    () => {
        /// `ZRANGEBYSCORE key min max`: the members with a score in `min..=max`, in score order.
        ///
        /// Bounds are numbers, `"-inf"`/`"+inf"`, or exclusive as `"(5"`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(1, "ada"), (2, "bob"), (3, "cy")])?;
        /// let names: Vec<String> = client.zrangebyscore("board", 2, "+inf")?;
        /// assert_eq!(names, ["bob", "cy"]);
        /// let above_two: Vec<String> = client.zrangebyscore("board", "(2", "+inf")?;
        /// assert_eq!(above_two, ["cy"]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrangebyscore<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            min: impl $crate::ToArg,
            max: impl $crate::ToArg,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::score_ranges::zrangebyscore(c, key, min, max)
            })
        }

        /// `ZRANGEBYSCORE key min max WITHSCORES`, into `Vec<(member, score)>` (RESP2 and RESP3
        /// alike).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(1, "ada"), (2, "bob")])?;
        /// let scored: Vec<(String, f64)> = client.zrangebyscore_withscores("board", 2, 2)?;
        /// assert_eq!(scored, [("bob".to_string(), 2.0)]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrangebyscore_withscores<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            min: impl $crate::ToArg,
            max: impl $crate::ToArg,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::score_ranges::zrangebyscore_withscores(c, key, min, max)
            })
        }

        /// `ZRANGEBYSCORE key min max LIMIT offset count`: a page of
        /// [`zrangebyscore`](Commands::zrangebyscore): skips `offset` members, returns at most
        /// `count`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(1, "ada"), (2, "bob"), (3, "cy")])?;
        /// let second: Vec<String> = client.zrangebyscore_limit("board", "-inf", "+inf", 1, 1)?;
        /// assert_eq!(second, ["bob"]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrangebyscore_limit<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            min: impl $crate::ToArg,
            max: impl $crate::ToArg,
            offset: i64,
            count: i64,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::score_ranges::zrangebyscore_limit(c, key, min, max, offset, count)
            })
        }

        /// `ZREMRANGEBYSCORE key min max`: how many members with a score in `min..=max` were
        /// removed.
        ///
        /// Bounds as for [`zrangebyscore`](Commands::zrangebyscore).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(1, "ada"), (2, "bob"), (3, "cy")])?;
        /// assert_eq!(client.zremrangebyscore("board", "-inf", "(3")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zremrangebyscore(
            &self,
            key: impl $crate::ToArg,
            min: impl $crate::ToArg,
            max: impl $crate::ToArg,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::score_ranges::zremrangebyscore(c, key, min, max)
            })
        }

        /// `ZRANGE key start stop BYSCORE [REV] [LIMIT offset count] [WITHSCORES]` (Redis 6.2): the
        /// members with a score between the bounds, with the [`ZRangeOptions`] chosen.
        ///
        /// Bounds as for [`zrangebyscore`](Commands::zrangebyscore); with
        /// [`rev`](crate::ZRangeOptions::rev), `start` is the upper one. The reply is members
        /// (`Vec<T>`), or `(member, score)` pairs with
        /// [`withscores`](crate::ZRangeOptions::withscores).
        ///
        /// [`ZRangeOptions`]: crate::ZRangeOptions
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, ZRangeOptions};
        ///
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(1, "ada"), (2, "bob"), (3, "cy")])?;
        /// let options = ZRangeOptions::default().rev().limit(0, 2).withscores();
        /// let top: Vec<(String, f64)> = client.zrange_byscore("board", "+inf", "-inf", options)?;
        /// assert_eq!(top, [("cy".to_string(), 3.0), ("bob".to_string(), 2.0)]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrange_byscore<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            start: impl $crate::ToArg,
            stop: impl $crate::ToArg,
            options: $crate::ZRangeOptions,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::score_ranges::zrange_byscore(c, key, start, stop, options)
            })
        }
    };
}

pub(super) use score_range_commands;

pub(crate) fn zrangebyscore(c: &mut Cmd, key: impl ToArg, min: impl ToArg, max: impl ToArg) {
    c.arg("ZRANGEBYSCORE").arg(key).arg(min).arg(max);
}

pub(crate) fn zrangebyscore_withscores(
    c: &mut Cmd,
    key: impl ToArg,
    min: impl ToArg,
    max: impl ToArg,
) {
    zrangebyscore(c, key, min, max);
    c.arg("WITHSCORES");
}

pub(crate) fn zrangebyscore_limit(
    c: &mut Cmd,
    key: impl ToArg,
    min: impl ToArg,
    max: impl ToArg,
    offset: i64,
    count: i64,
) {
    zrangebyscore(c, key, min, max);
    c.arg("LIMIT").arg(offset).arg(count);
}

pub(crate) fn zremrangebyscore(c: &mut Cmd, key: impl ToArg, min: impl ToArg, max: impl ToArg) {
    c.arg("ZREMRANGEBYSCORE").arg(key).arg(min).arg(max);
}

pub(crate) fn zrange_byscore(
    c: &mut Cmd,
    key: impl ToArg,
    start: impl ToArg,
    stop: impl ToArg,
    options: ZRangeOptions,
) {
    c.arg("ZRANGE").arg(key).arg(start).arg(stop).arg("BYSCORE");
    options.write(c);
}

/// The score range helpers, queued: each sends what the [`Commands`](crate::Commands) method of the
/// same name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::zrangebyscore`](crate::Commands::zrangebyscore): `ZRANGEBYSCORE key min
    /// max`, replying the members (`Vec<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (names,): (Vec<String>,) = pipe.zrangebyscore("board", "-inf", 10).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrangebyscore(
        &mut self,
        key: impl ToArg,
        min: impl ToArg,
        max: impl ToArg,
    ) -> &mut Self {
        self.helper(|c| zrangebyscore(c, key, min, max))
    }

    /// Queues [`Commands::zrangebyscore_withscores`](crate::Commands::zrangebyscore_withscores):
    /// `ZRANGEBYSCORE key min max WITHSCORES`, replying `(member, score)` pairs (`Vec<(T, f64)>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// pipe.zrangebyscore_withscores("board", 0, 5);
    /// let (scored,): (Vec<(String, f64)>,) = pipe.execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrangebyscore_withscores(
        &mut self,
        key: impl ToArg,
        min: impl ToArg,
        max: impl ToArg,
    ) -> &mut Self {
        self.helper(|c| zrangebyscore_withscores(c, key, min, max))
    }

    /// Queues [`Commands::zrangebyscore_limit`](crate::Commands::zrangebyscore_limit):
    /// `ZRANGEBYSCORE key min max LIMIT offset count`, replying the members (`Vec<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (page,): (Vec<String>,) = pipe.zrangebyscore_limit("board", 0, 100, 20, 10).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrangebyscore_limit(
        &mut self,
        key: impl ToArg,
        min: impl ToArg,
        max: impl ToArg,
        offset: i64,
        count: i64,
    ) -> &mut Self {
        self.helper(|c| zrangebyscore_limit(c, key, min, max, offset, count))
    }

    /// Queues [`Commands::zremrangebyscore`](crate::Commands::zremrangebyscore): `ZREMRANGEBYSCORE
    /// key min max`, replying how many were removed (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (i64,) = client.pipeline().zremrangebyscore("board", "-inf", 0).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zremrangebyscore(
        &mut self,
        key: impl ToArg,
        min: impl ToArg,
        max: impl ToArg,
    ) -> &mut Self {
        self.helper(|c| zremrangebyscore(c, key, min, max))
    }

    /// Queues [`Commands::zrange_byscore`](crate::Commands::zrange_byscore): `ZRANGE key start stop
    /// BYSCORE [REV] [LIMIT offset count] [WITHSCORES]`, replying the members (`Vec<T>`), or
    /// `(member, score)` pairs with [`withscores`](crate::ZRangeOptions::withscores).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::ZRangeOptions;
    ///
    /// let options = ZRangeOptions::default().limit(0, 10);
    /// let mut pipe = client.pipeline();
    /// let (names,): (Vec<String>,) = pipe.zrange_byscore("board", 5, "+inf", options).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrange_byscore(
        &mut self,
        key: impl ToArg,
        start: impl ToArg,
        stop: impl ToArg,
        options: ZRangeOptions,
    ) -> &mut Self {
        self.helper(|c| zrange_byscore(c, key, start, stop, options))
    }
}
