//! Counters on string values: `INCR`, `INCRBY`, `INCRBYFLOAT`, `DECR`, `DECRBY`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{Number, ToArg};

/// The counter helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! counter_commands {
    () => {
        /// `INCR key`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("hits", 10)?;
        /// assert_eq!(client.incr("hits")?, 11);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn incr(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::counters::incr(c, key))
        }

        /// `INCRBY key n`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("hits", 10)?;
        /// assert_eq!(client.incr_by("hits", 5)?, 15);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn incr_by(&self, key: impl $crate::ToArg, n: i64) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::counters::incr_by(c, key, n))
        }

        /// `INCRBYFLOAT key by`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("temperature", 20)?;
        /// assert_eq!(client.incr_by_float("temperature", 1.5)?, 21.5);
        /// assert_eq!(client.incr_by_float("temperature", -1)?, 20.5);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn incr_by_float(
            &self,
            key: impl $crate::ToArg,
            by: impl $crate::Number,
        ) -> $crate::Result<f64> {
            $crate::commands::run(self, |c| {
                $crate::commands::counters::incr_by_float(c, key, by)
            })
        }

        /// `DECR key`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("stock", 3)?;
        /// assert_eq!(client.decr("stock")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn decr(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::counters::decr(c, key))
        }

        /// `DECRBY key n`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("stock", 3)?;
        /// assert_eq!(client.decr_by("stock", 2)?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn decr_by(&self, key: impl $crate::ToArg, n: i64) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::counters::decr_by(c, key, n))
        }
    };
}

pub(super) use counter_commands;

pub(crate) fn incr(c: &mut Cmd, key: impl ToArg) {
    c.arg("INCR").arg(key);
}

pub(crate) fn incr_by(c: &mut Cmd, key: impl ToArg, n: i64) {
    c.arg("INCRBY").arg(key).arg(n);
}

pub(crate) fn incr_by_float(c: &mut Cmd, key: impl ToArg, by: impl Number) {
    c.arg("INCRBYFLOAT").arg(key).arg(by);
}

pub(crate) fn decr(c: &mut Cmd, key: impl ToArg) {
    c.arg("DECR").arg(key);
}

pub(crate) fn decr_by(c: &mut Cmd, key: impl ToArg, n: i64) {
    c.arg("DECRBY").arg(key).arg(n);
}

/// The counter helpers, queued: each sends what the [`Commands`](crate::Commands) method of the
/// same name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::incr`](crate::Commands::incr): `INCR key`, replying the new value
    /// (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (hits,): (i64,) = client.pipeline().incr("hits").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn incr(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| incr(c, key))
    }

    /// Queues [`Commands::incr_by`](crate::Commands::incr_by): `INCRBY key n`, replying the new
    /// value (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (hits,): (i64,) = client.pipeline().incr_by("hits", 5).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn incr_by(&mut self, key: impl ToArg, n: i64) -> &mut Self {
        self.helper(|c| incr_by(c, key, n))
    }

    /// Queues [`Commands::incr_by_float`](crate::Commands::incr_by_float): `INCRBYFLOAT key by`,
    /// replying the new value (`f64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (t,): (f64,) = client.pipeline().incr_by_float("temperature", 0.5).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn incr_by_float(&mut self, key: impl ToArg, by: impl Number) -> &mut Self {
        self.helper(|c| incr_by_float(c, key, by))
    }

    /// Queues [`Commands::decr`](crate::Commands::decr): `DECR key`, replying the new value
    /// (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (stock,): (i64,) = client.pipeline().decr("stock").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn decr(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| decr(c, key))
    }

    /// Queues [`Commands::decr_by`](crate::Commands::decr_by): `DECRBY key n`, replying the new
    /// value (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (stock,): (i64,) = client.pipeline().decr_by("stock", 2).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn decr_by(&mut self, key: impl ToArg, n: i64) -> &mut Self {
        self.helper(|c| decr_by(c, key, n))
    }
}
