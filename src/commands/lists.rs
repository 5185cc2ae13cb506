//! Lists: `LPUSH`, `RPUSH`, `LPOP`, `RPOP`, `LRANGE`, `LLEN`, and the blocking `BLPOP`, `BRPOP`,
//! `BLMOVE`.

use super::options::Direction;
use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{Number, ToArg, ToArgs};

/// The list helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! list_commands {
    () => {
        /// `LPUSH key value...`: the new length.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("stack")?;
        /// assert_eq!(client.lpush("stack", ["a", "b"])?, 2);
        /// assert_eq!(client.lrange::<Vec<String>>("stack", 0, -1)?, ["b", "a"]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn lpush(
            &self,
            key: impl $crate::ToArg,
            values: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::lists::lpush(c, key, values))
        }

        /// `RPUSH key value...`: the new length.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("queue")?;
        /// assert_eq!(client.rpush("queue", ["a", "b"])?, 2);
        /// assert_eq!(client.rpush("queue", "c")?, 3);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn rpush(
            &self,
            key: impl $crate::ToArg,
            values: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::lists::rpush(c, key, values))
        }

        /// `LPOP key`: the element, or nil.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("queue")?;
        /// client.rpush("queue", ["a", "b"])?;
        /// let first: Option<String> = client.lpop("queue")?;
        /// assert_eq!(first.as_deref(), Some("a"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn lpop<T: $crate::FromValue>(&self, key: impl $crate::ToArg) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::lists::lpop(c, key))
        }

        /// `RPOP key`: the element, or nil.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("queue")?;
        /// client.rpush("queue", ["a", "b"])?;
        /// let last: Option<String> = client.rpop("queue")?;
        /// assert_eq!(last.as_deref(), Some("b"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn rpop<T: $crate::FromValue>(&self, key: impl $crate::ToArg) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::lists::rpop(c, key))
        }

        /// `LRANGE key start stop`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("queue")?;
        /// client.rpush("queue", ["a", "b", "c"])?;
        /// let all: Vec<String> = client.lrange("queue", 0, -1)?;
        /// assert_eq!(all, ["a", "b", "c"]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn lrange<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            start: i64,
            stop: i64,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::lists::lrange(c, key, start, stop)
            })
        }

        /// `LLEN key`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("queue")?;
        /// client.rpush("queue", ["a", "b"])?;
        /// assert_eq!(client.llen("queue")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn llen(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::lists::llen(c, key))
        }

        /// `BLPOP key... timeout`: the first element of the first non-empty list, as `(key,
        /// element)`, or `None` when `timeout` passed.
        ///
        /// Blocks the connection (on a [`Client`](crate::Client), a pooled one) until an element
        /// arrives or `timeout` seconds pass (0: forever). The connection's read timeout must be
        /// longer than `timeout`, or the call fails with a timeout error and the connection is
        /// dropped.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.rpush("jobs", "job-1")?;
        /// let popped: Option<(String, String)> = client.blpop(["urgent", "jobs"], 1.5)?;
        /// assert_eq!(popped, Some(("jobs".to_string(), "job-1".to_string())));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn blpop<K: $crate::FromValue, V: $crate::FromValue>(
            &self,
            keys: impl $crate::ToArgs,
            timeout: impl $crate::Number,
        ) -> $crate::Result<Option<(K, V)>> {
            $crate::commands::run(self, |c| $crate::commands::lists::blpop(c, keys, timeout))
        }

        /// `BRPOP key... timeout`: the last element of the first non-empty list, as `(key,
        /// element)`, or `None` when `timeout` passed.
        ///
        /// Blocks the connection (on a [`Client`](crate::Client), a pooled one) until an element
        /// arrives or `timeout` seconds pass (0: forever). The connection's read timeout must be
        /// longer than `timeout`, or the call fails with a timeout error and the connection is
        /// dropped.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.rpush("jobs", ["job-1", "job-2"])?;
        /// let popped: Option<(String, String)> = client.brpop("jobs", 0.5)?;
        /// assert_eq!(popped, Some(("jobs".to_string(), "job-2".to_string())));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn brpop<K: $crate::FromValue, V: $crate::FromValue>(
            &self,
            keys: impl $crate::ToArgs,
            timeout: impl $crate::Number,
        ) -> $crate::Result<Option<(K, V)>> {
            $crate::commands::run(self, |c| $crate::commands::lists::brpop(c, keys, timeout))
        }

        /// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`: takes an element from the
        /// `from` end of `source` and pushes it at the `to` end of `destination`; the element, or
        /// nil when `timeout` passed (use `Option<T>`).
        ///
        /// Blocks the connection (on a [`Client`](crate::Client), a pooled one) until an element
        /// arrives or `timeout` seconds pass (0: forever). The connection's read timeout must be
        /// longer than `timeout`, or the call fails with a timeout error and the connection is
        /// dropped.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, Direction::{Left, Right}};
        ///
        /// client.rpush("jobs", "job-1")?;
        /// let job: Option<String> = client.blmove("jobs", "working", Left, Right, 1)?;
        /// assert_eq!(job.as_deref(), Some("job-1"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn blmove<T: $crate::FromValue>(
            &self,
            source: impl $crate::ToArg,
            destination: impl $crate::ToArg,
            from: $crate::Direction,
            to: $crate::Direction,
            timeout: impl $crate::Number,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::lists::blmove(c, source, destination, from, to, timeout)
            })
        }
    };
}

pub(super) use list_commands;

pub(crate) fn lpush(c: &mut Cmd, key: impl ToArg, values: impl ToArgs) {
    c.arg("LPUSH").arg(key).arg(values);
}

pub(crate) fn rpush(c: &mut Cmd, key: impl ToArg, values: impl ToArgs) {
    c.arg("RPUSH").arg(key).arg(values);
}

pub(crate) fn lpop(c: &mut Cmd, key: impl ToArg) {
    c.arg("LPOP").arg(key);
}

pub(crate) fn rpop(c: &mut Cmd, key: impl ToArg) {
    c.arg("RPOP").arg(key);
}

pub(crate) fn lrange(c: &mut Cmd, key: impl ToArg, start: i64, stop: i64) {
    c.arg("LRANGE").arg(key).arg(start).arg(stop);
}

pub(crate) fn llen(c: &mut Cmd, key: impl ToArg) {
    c.arg("LLEN").arg(key);
}

pub(crate) fn blpop(c: &mut Cmd, keys: impl ToArgs, timeout: impl Number) {
    c.arg("BLPOP").arg(keys).arg(timeout);
}

pub(crate) fn brpop(c: &mut Cmd, keys: impl ToArgs, timeout: impl Number) {
    c.arg("BRPOP").arg(keys).arg(timeout);
}

pub(crate) fn blmove(
    c: &mut Cmd,
    source: impl ToArg,
    destination: impl ToArg,
    from: Direction,
    to: Direction,
    timeout: impl Number,
) {
    c.arg("BLMOVE").arg(source).arg(destination);
    c.arg(from.as_arg()).arg(to.as_arg()).arg(timeout);
}

/// The list helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::lpush`](crate::Commands::lpush): `LPUSH key value...`, replying the new
    /// length (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (len,): (i64,) = client.pipeline().lpush("stack", ["a", "b"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn lpush(&mut self, key: impl ToArg, values: impl ToArgs) -> &mut Self {
        self.helper(|c| lpush(c, key, values))
    }

    /// Queues [`Commands::rpush`](crate::Commands::rpush): `RPUSH key value...`, replying the new
    /// length (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (len,): (i64,) = client.pipeline().rpush("queue", ["a", "b"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn rpush(&mut self, key: impl ToArg, values: impl ToArgs) -> &mut Self {
        self.helper(|c| rpush(c, key, values))
    }

    /// Queues [`Commands::lpop`](crate::Commands::lpop): `LPOP key`, replying the element, or nil
    /// (`Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (first,): (Option<String>,) = client.pipeline().lpop("queue").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn lpop(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| lpop(c, key))
    }

    /// Queues [`Commands::rpop`](crate::Commands::rpop): `RPOP key`, replying the element, or nil
    /// (`Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (last,): (Option<String>,) = client.pipeline().rpop("queue").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn rpop(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| rpop(c, key))
    }

    /// Queues [`Commands::lrange`](crate::Commands::lrange): `LRANGE key start stop`, replying the
    /// elements (`Vec<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (all,): (Vec<String>,) = client.pipeline().lrange("queue", 0, -1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn lrange(&mut self, key: impl ToArg, start: i64, stop: i64) -> &mut Self {
        self.helper(|c| lrange(c, key, start, stop))
    }

    /// Queues [`Commands::llen`](crate::Commands::llen): `LLEN key`, replying the length (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (len,): (i64,) = client.pipeline().llen("queue").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn llen(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| llen(c, key))
    }

    /// Queues [`Commands::blpop`](crate::Commands::blpop): `BLPOP key... timeout`, replying `(key,
    /// element)` or nil (`Option<(K, V)>`). In a pipeline the wait holds back every later reply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (popped,): (Option<(String, String)>,) = client.pipeline().blpop("jobs", 1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn blpop(&mut self, keys: impl ToArgs, timeout: impl Number) -> &mut Self {
        self.helper(|c| blpop(c, keys, timeout))
    }

    /// Queues [`Commands::brpop`](crate::Commands::brpop): `BRPOP key... timeout`, replying `(key,
    /// element)` or nil (`Option<(K, V)>`). In a pipeline the wait holds back every later reply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (popped,): (Option<(String, String)>,) = client.pipeline().brpop("jobs", 1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn brpop(&mut self, keys: impl ToArgs, timeout: impl Number) -> &mut Self {
        self.helper(|c| brpop(c, keys, timeout))
    }

    /// Queues [`Commands::blmove`](crate::Commands::blmove): `BLMOVE source destination LEFT|RIGHT
    /// LEFT|RIGHT timeout`, replying the element moved, or nil (`Option<T>`). In a pipeline the
    /// wait holds back every later reply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::Direction::{Left, Right};
    ///
    /// let mut pipe = client.pipeline();
    /// let (job,): (Option<String>,) = pipe.blmove("jobs", "working", Left, Right, 1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn blmove(
        &mut self,
        source: impl ToArg,
        destination: impl ToArg,
        from: Direction,
        to: Direction,
        timeout: impl Number,
    ) -> &mut Self {
        self.helper(|c| blmove(c, source, destination, from, to, timeout))
    }
}
