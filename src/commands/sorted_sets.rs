//! Sorted sets: `ZADD`, `ZREM`, `ZSCORE`, `ZINCRBY`, `ZRANK`, `ZCARD`, `ZRANGE` by rank. The
//! ranges by score are in `score_ranges.rs`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{Number, ToArg, ToArgs};

/// The sorted set helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! sorted_set_commands {
    () => {
        /// `ZADD key score member`: 1 if the member is new. The score is any [`Number`].
        ///
        /// [`Number`]: crate::Number
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// assert_eq!(client.zadd("board", "ada", 10.5)?, 1);
        /// assert_eq!(client.zadd("board", "ada", 12)?, 0); // score updated
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zadd(
            &self,
            key: impl $crate::ToArg,
            member: impl $crate::ToArg,
            score: impl $crate::Number,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zadd(c, key, member, score)
            })
        }

        /// `ZADD key score member [score member ...]`, from `(score, member)` pairs.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// let added = client.zadd_multiple("board", &[(10.5, "ada"), (8.0, "bob")])?;
        /// assert_eq!(added, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zadd_multiple(
            &self,
            key: impl $crate::ToArg,
            scored: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zadd_multiple(c, key, scored)
            })
        }

        /// `ZREM key member...`: how many were removed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd("board", "ada", 10.5)?;
        /// assert_eq!(client.zrem("board", ["ada", "nobody"])?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrem(
            &self,
            key: impl $crate::ToArg,
            members: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zrem(c, key, members)
            })
        }

        /// `ZSCORE key member`: the score, or `None`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd("board", "ada", 10.5)?;
        /// assert_eq!(client.zscore("board", "ada")?, Some(10.5));
        /// assert_eq!(client.zscore("board", "nobody")?, None);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zscore(
            &self,
            key: impl $crate::ToArg,
            member: impl $crate::ToArg,
        ) -> $crate::Result<Option<f64>> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zscore(c, key, member)
            })
        }

        /// `ZINCRBY key by member`: the new score. `by` is any [`Number`].
        ///
        /// [`Number`]: crate::Number
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd("board", "ada", 10.0)?;
        /// assert_eq!(client.zincr_by("board", "ada", 2.5)?, 12.5);
        /// assert_eq!(client.zincr_by("board", "ada", 1)?, 13.5);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zincr_by(
            &self,
            key: impl $crate::ToArg,
            member: impl $crate::ToArg,
            by: impl $crate::Number,
        ) -> $crate::Result<f64> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zincr_by(c, key, member, by)
            })
        }

        /// `ZRANK key member`: the member's 0-based rank by ascending score, or `None` when it is
        /// not in the set.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(2, "bob"), (1, "ada")])?;
        /// assert_eq!(client.zrank("board", "bob")?, Some(1));
        /// assert_eq!(client.zrank("board", "nobody")?, None);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrank(
            &self,
            key: impl $crate::ToArg,
            member: impl $crate::ToArg,
        ) -> $crate::Result<Option<i64>> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zrank(c, key, member)
            })
        }

        /// `ZCARD key`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(2.0, "bob"), (1.0, "ada")])?;
        /// assert_eq!(client.zcard("board")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zcard(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::sorted_sets::zcard(c, key))
        }

        /// `ZRANGE key start stop`: members in score order.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(2.0, "bob"), (1.0, "ada")])?;
        /// let names: Vec<String> = client.zrange("board", 0, -1)?;
        /// assert_eq!(names, ["ada", "bob"]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrange<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            start: i64,
            stop: i64,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zrange(c, key, start, stop)
            })
        }

        /// `ZRANGE key start stop WITHSCORES`, into `Vec<(member, score)>` (RESP2 and RESP3 alike).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("board")?;
        /// client.zadd_multiple("board", &[(2.0, "bob"), (1.0, "ada")])?;
        /// let top: Vec<(String, f64)> = client.zrange_withscores("board", 0, 9)?;
        /// assert_eq!(top, [("ada".to_string(), 1.0), ("bob".to_string(), 2.0)]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zrange_withscores<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            start: i64,
            stop: i64,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::sorted_sets::zrange_withscores(c, key, start, stop)
            })
        }
    };
}

pub(super) use sorted_set_commands;

pub(crate) fn zadd(c: &mut Cmd, key: impl ToArg, member: impl ToArg, score: impl Number) {
    c.arg("ZADD").arg(key).arg(score).arg(member);
}

pub(crate) fn zadd_multiple(c: &mut Cmd, key: impl ToArg, scored: impl ToArgs) {
    c.arg("ZADD").arg(key).arg(scored);
}

pub(crate) fn zrem(c: &mut Cmd, key: impl ToArg, members: impl ToArgs) {
    c.arg("ZREM").arg(key).arg(members);
}

pub(crate) fn zscore(c: &mut Cmd, key: impl ToArg, member: impl ToArg) {
    c.arg("ZSCORE").arg(key).arg(member);
}

pub(crate) fn zincr_by(c: &mut Cmd, key: impl ToArg, member: impl ToArg, by: impl Number) {
    c.arg("ZINCRBY").arg(key).arg(by).arg(member);
}

pub(crate) fn zrank(c: &mut Cmd, key: impl ToArg, member: impl ToArg) {
    c.arg("ZRANK").arg(key).arg(member);
}

pub(crate) fn zcard(c: &mut Cmd, key: impl ToArg) {
    c.arg("ZCARD").arg(key);
}

pub(crate) fn zrange(c: &mut Cmd, key: impl ToArg, start: i64, stop: i64) {
    c.arg("ZRANGE").arg(key).arg(start).arg(stop);
}

pub(crate) fn zrange_withscores(c: &mut Cmd, key: impl ToArg, start: i64, stop: i64) {
    zrange(c, key, start, stop);
    c.arg("WITHSCORES");
}

/// The sorted set helpers, queued: each sends what the [`Commands`](crate::Commands) method of the
/// same name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::zadd`](crate::Commands::zadd): `ZADD key score member`, replying 1 if the
    /// member is new (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (new,): (i64,) = client.pipeline().zadd("board", "ada", 10).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zadd(&mut self, key: impl ToArg, member: impl ToArg, score: impl Number) -> &mut Self {
        self.helper(|c| zadd(c, key, member, score))
    }

    /// Queues [`Commands::zadd_multiple`](crate::Commands::zadd_multiple): `ZADD key score member
    /// [score member ...]`, replying how many members are new (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let scored = [(10.5, "ada"), (8.0, "bob")];
    /// let (new,): (i64,) = client.pipeline().zadd_multiple("board", &scored).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zadd_multiple(&mut self, key: impl ToArg, scored: impl ToArgs) -> &mut Self {
        self.helper(|c| zadd_multiple(c, key, scored))
    }

    /// Queues [`Commands::zrem`](crate::Commands::zrem): `ZREM key member...`, replying how many
    /// were removed (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (i64,) = client.pipeline().zrem("board", ["ada"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrem(&mut self, key: impl ToArg, members: impl ToArgs) -> &mut Self {
        self.helper(|c| zrem(c, key, members))
    }

    /// Queues [`Commands::zscore`](crate::Commands::zscore): `ZSCORE key member`, replying the
    /// score, or nil (`Option<f64>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (score,): (Option<f64>,) = client.pipeline().zscore("board", "ada").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zscore(&mut self, key: impl ToArg, member: impl ToArg) -> &mut Self {
        self.helper(|c| zscore(c, key, member))
    }

    /// Queues [`Commands::zincr_by`](crate::Commands::zincr_by): `ZINCRBY key by member`, replying
    /// the new score (`f64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (score,): (f64,) = client.pipeline().zincr_by("board", "ada", 2).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zincr_by(&mut self, key: impl ToArg, member: impl ToArg, by: impl Number) -> &mut Self {
        self.helper(|c| zincr_by(c, key, member, by))
    }

    /// Queues [`Commands::zrank`](crate::Commands::zrank): `ZRANK key member`, replying the rank,
    /// or nil (`Option<i64>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (rank,): (Option<i64>,) = client.pipeline().zrank("board", "ada").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrank(&mut self, key: impl ToArg, member: impl ToArg) -> &mut Self {
        self.helper(|c| zrank(c, key, member))
    }

    /// Queues [`Commands::zcard`](crate::Commands::zcard): `ZCARD key`, replying the number of
    /// members (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().zcard("board").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zcard(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| zcard(c, key))
    }

    /// Queues [`Commands::zrange`](crate::Commands::zrange): `ZRANGE key start stop`, replying the
    /// members in score order (`Vec<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (names,): (Vec<String>,) = client.pipeline().zrange("board", 0, -1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrange(&mut self, key: impl ToArg, start: i64, stop: i64) -> &mut Self {
        self.helper(|c| zrange(c, key, start, stop))
    }

    /// Queues [`Commands::zrange_withscores`](crate::Commands::zrange_withscores): `ZRANGE key
    /// start stop WITHSCORES`, replying `(member, score)` pairs (`Vec<(T, f64)>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (top,): (Vec<(String, f64)>,) = pipe.zrange_withscores("board", 0, 9).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn zrange_withscores(&mut self, key: impl ToArg, start: i64, stop: i64) -> &mut Self {
        self.helper(|c| zrange_withscores(c, key, start, stop))
    }
}
