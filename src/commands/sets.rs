//! Sets: `SADD`, `SREM`, `SMEMBERS`, `SISMEMBER`, `SCARD`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{ToArg, ToArgs};

/// The set helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! set_commands {
    () => {
        /// `SADD key member...`: how many were added.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("tags")?;
        /// assert_eq!(client.sadd("tags", ["rust", "redis", "rust"])?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn sadd(
            &self,
            key: impl $crate::ToArg,
            members: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::sets::sadd(c, key, members))
        }

        /// `SREM key member...`: how many were removed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("tags")?;
        /// client.sadd("tags", ["rust", "redis"])?;
        /// assert_eq!(client.srem("tags", ["redis", "go"])?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn srem(
            &self,
            key: impl $crate::ToArg,
            members: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::sets::srem(c, key, members))
        }

        /// `SMEMBERS key`, into a `HashSet`, `BTreeSet` or `Vec`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use std::collections::HashSet;
        ///
        /// client.sadd("tags", ["rust", "redis"])?;
        /// let tags: HashSet<String> = client.smembers("tags")?;
        /// assert!(tags.contains("rust"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn smembers<T: $crate::FromValue>(&self, key: impl $crate::ToArg) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::sets::smembers(c, key))
        }

        /// `SISMEMBER key member`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.sadd("tags", "rust")?;
        /// assert!(client.sismember("tags", "rust")?);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn sismember(
            &self,
            key: impl $crate::ToArg,
            member: impl $crate::ToArg,
        ) -> $crate::Result<bool> {
            $crate::commands::run(self, |c| $crate::commands::sets::sismember(c, key, member))
        }

        /// `SCARD key`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("tags")?;
        /// client.sadd("tags", ["rust", "redis"])?;
        /// assert_eq!(client.scard("tags")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn scard(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::sets::scard(c, key))
        }
    };
}

pub(super) use set_commands;

pub(crate) fn sadd(c: &mut Cmd, key: impl ToArg, members: impl ToArgs) {
    c.arg("SADD").arg(key).arg(members);
}

pub(crate) fn srem(c: &mut Cmd, key: impl ToArg, members: impl ToArgs) {
    c.arg("SREM").arg(key).arg(members);
}

pub(crate) fn smembers(c: &mut Cmd, key: impl ToArg) {
    c.arg("SMEMBERS").arg(key);
}

pub(crate) fn sismember(c: &mut Cmd, key: impl ToArg, member: impl ToArg) {
    c.arg("SISMEMBER").arg(key).arg(member);
}

pub(crate) fn scard(c: &mut Cmd, key: impl ToArg) {
    c.arg("SCARD").arg(key);
}

/// The set helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::sadd`](crate::Commands::sadd): `SADD key member...`, replying how many
    /// were added (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (added,): (i64,) = client.pipeline().sadd("tags", ["rust", "redis"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sadd(&mut self, key: impl ToArg, members: impl ToArgs) -> &mut Self {
        self.helper(|c| sadd(c, key, members))
    }

    /// Queues [`Commands::srem`](crate::Commands::srem): `SREM key member...`, replying how many
    /// were removed (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (i64,) = client.pipeline().srem("tags", ["go"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn srem(&mut self, key: impl ToArg, members: impl ToArgs) -> &mut Self {
        self.helper(|c| srem(c, key, members))
    }

    /// Queues [`Commands::smembers`](crate::Commands::smembers): `SMEMBERS key`, replying the
    /// members (a `HashSet`, `BTreeSet` or `Vec`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use std::collections::HashSet;
    ///
    /// let (tags,): (HashSet<String>,) = client.pipeline().smembers("tags").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn smembers(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| smembers(c, key))
    }

    /// Queues [`Commands::sismember`](crate::Commands::sismember): `SISMEMBER key member`, replying
    /// whether it is a member (`bool`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (tagged,): (bool,) = client.pipeline().sismember("tags", "rust").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sismember(&mut self, key: impl ToArg, member: impl ToArg) -> &mut Self {
        self.helper(|c| sismember(c, key, member))
    }

    /// Queues [`Commands::scard`](crate::Commands::scard): `SCARD key`, replying the number of
    /// members (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().scard("tags").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn scard(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| scard(c, key))
    }
}
