//! Keys and expiry: `DEL`, `UNLINK`, `EXISTS`, `EXPIRE`, `PEXPIRE`, `TTL`, `PTTL`, `PERSIST`,
//! `RENAME`, `TYPE`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{ToArg, ToArgs};

/// The key helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! key_commands {
    () => {
        /// `DEL key...`: how many keys were removed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("missing")?;
        /// client.mset(&[("a", 1), ("b", 2)])?;
        /// assert_eq!(client.del(["a", "b", "missing"])?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn del(&self, keys: impl $crate::ToArgs) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::keys::del(c, keys))
        }

        /// `UNLINK key...`: like `DEL`, but frees the memory in the background; how many keys were
        /// removed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.rpush("big-list", ["a", "b", "c"])?;
        /// assert_eq!(client.unlink(["big-list", "missing"])?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn unlink(&self, keys: impl $crate::ToArgs) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::keys::unlink(c, keys))
        }

        /// `EXISTS key...`: how many of the keys exist.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("missing")?;
        /// client.set("a", 1)?;
        /// assert_eq!(client.exists(["a", "missing"])?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn exists(&self, keys: impl $crate::ToArgs) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::keys::exists(c, keys))
        }

        /// `EXPIRE key seconds`: `true` if a timeout was set.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("session", "token")?;
        /// assert!(client.expire("session", 60)?);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn expire(&self, key: impl $crate::ToArg, seconds: i64) -> $crate::Result<bool> {
            $crate::commands::run(self, |c| $crate::commands::keys::expire(c, key, seconds))
        }

        /// `PEXPIRE key milliseconds`: `true` if a timeout was set.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("session", "token")?;
        /// assert!(client.pexpire("session", 1500)?);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn pexpire(&self, key: impl $crate::ToArg, milliseconds: i64) -> $crate::Result<bool> {
            $crate::commands::run(self, |c| {
                $crate::commands::keys::pexpire(c, key, milliseconds)
            })
        }

        /// `TTL key`: seconds left, -1 without expiry, -2 when the key is missing.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("missing")?;
        /// client.set_ex("session", "token", 60)?;
        /// assert!((1..=60).contains(&client.ttl("session")?));
        /// assert_eq!(client.ttl("missing")?, -2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn ttl(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::keys::ttl(c, key))
        }

        /// `PTTL key`: milliseconds left, -1 without expiry, -2 when the key is missing.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("forever", 1)?;
        /// assert_eq!(client.pttl("forever")?, -1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn pttl(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::keys::pttl(c, key))
        }

        /// `PERSIST key`: `true` if a timeout was removed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set_ex("session", "token", 60)?;
        /// assert!(client.persist("session")?);
        /// assert_eq!(client.ttl("session")?, -1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn persist(&self, key: impl $crate::ToArg) -> $crate::Result<bool> {
            $crate::commands::run(self, |c| $crate::commands::keys::persist(c, key))
        }

        /// `RENAME key newkey`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("old", 1)?;
        /// client.rename("old", "new")?;
        /// assert_eq!(client.get::<i64>("new")?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn rename(
            &self,
            key: impl $crate::ToArg,
            new_key: impl $crate::ToArg,
        ) -> $crate::Result<()> {
            $crate::commands::run(self, |c| $crate::commands::keys::rename(c, key, new_key))
        }

        /// `TYPE key`: `string`, `list`, `hash`, ... or `none`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del(["queue", "missing"])?;
        /// client.rpush("queue", "job")?;
        /// assert_eq!(client.key_type("queue")?, "list");
        /// assert_eq!(client.key_type("missing")?, "none");
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn key_type(&self, key: impl $crate::ToArg) -> $crate::Result<String> {
            $crate::commands::run(self, |c| $crate::commands::keys::key_type(c, key))
        }
    };
}

pub(super) use key_commands;

pub(crate) fn del(c: &mut Cmd, keys: impl ToArgs) {
    c.arg("DEL").arg(keys);
}

pub(crate) fn unlink(c: &mut Cmd, keys: impl ToArgs) {
    c.arg("UNLINK").arg(keys);
}

pub(crate) fn exists(c: &mut Cmd, keys: impl ToArgs) {
    c.arg("EXISTS").arg(keys);
}

pub(crate) fn expire(c: &mut Cmd, key: impl ToArg, seconds: i64) {
    c.arg("EXPIRE").arg(key).arg(seconds);
}

pub(crate) fn pexpire(c: &mut Cmd, key: impl ToArg, milliseconds: i64) {
    c.arg("PEXPIRE").arg(key).arg(milliseconds);
}

pub(crate) fn ttl(c: &mut Cmd, key: impl ToArg) {
    c.arg("TTL").arg(key);
}

pub(crate) fn pttl(c: &mut Cmd, key: impl ToArg) {
    c.arg("PTTL").arg(key);
}

pub(crate) fn persist(c: &mut Cmd, key: impl ToArg) {
    c.arg("PERSIST").arg(key);
}

pub(crate) fn rename(c: &mut Cmd, key: impl ToArg, new_key: impl ToArg) {
    c.arg("RENAME").arg(key).arg(new_key);
}

pub(crate) fn key_type(c: &mut Cmd, key: impl ToArg) {
    c.arg("TYPE").arg(key);
}

/// The key helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::del`](crate::Commands::del): `DEL key...`, replying how many keys were
    /// removed (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (i64,) = client.pipeline().del(["a", "b"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn del(&mut self, keys: impl ToArgs) -> &mut Self {
        self.helper(|c| del(c, keys))
    }

    /// Queues [`Commands::unlink`](crate::Commands::unlink): `UNLINK key...`, replying how many
    /// keys were removed (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (i64,) = client.pipeline().unlink(["a", "b"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn unlink(&mut self, keys: impl ToArgs) -> &mut Self {
        self.helper(|c| unlink(c, keys))
    }

    /// Queues [`Commands::exists`](crate::Commands::exists): `EXISTS key...`, replying how many of
    /// the keys exist (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().exists(["a", "b"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn exists(&mut self, keys: impl ToArgs) -> &mut Self {
        self.helper(|c| exists(c, keys))
    }

    /// Queues [`Commands::expire`](crate::Commands::expire): `EXPIRE key seconds`, replying whether
    /// a timeout was set (`bool`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (_, set): ((), bool) = client.pipeline().set("k", 1).expire("k", 60).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn expire(&mut self, key: impl ToArg, seconds: i64) -> &mut Self {
        self.helper(|c| expire(c, key, seconds))
    }

    /// Queues [`Commands::pexpire`](crate::Commands::pexpire): `PEXPIRE key milliseconds`, replying
    /// whether a timeout was set (`bool`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (_, set): ((), bool) = client.pipeline().set("k", 1).pexpire("k", 1500).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pexpire(&mut self, key: impl ToArg, milliseconds: i64) -> &mut Self {
        self.helper(|c| pexpire(c, key, milliseconds))
    }

    /// Queues [`Commands::ttl`](crate::Commands::ttl): `TTL key`, replying the seconds left (`i64`;
    /// -1 without expiry, -2 when missing).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (ttl,): (i64,) = client.pipeline().ttl("session").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn ttl(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| ttl(c, key))
    }

    /// Queues [`Commands::pttl`](crate::Commands::pttl): `PTTL key`, replying the milliseconds left
    /// (`i64`; -1 without expiry, -2 when missing).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (pttl,): (i64,) = client.pipeline().pttl("session").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn pttl(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| pttl(c, key))
    }

    /// Queues [`Commands::persist`](crate::Commands::persist): `PERSIST key`, replying whether a
    /// timeout was removed (`bool`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (bool,) = client.pipeline().persist("session").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn persist(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| persist(c, key))
    }

    /// Queues [`Commands::rename`](crate::Commands::rename): `RENAME key newkey`, replying `OK`
    /// (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let ((), ()) = client.pipeline().set("old", 1).rename("old", "new").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn rename(&mut self, key: impl ToArg, new_key: impl ToArg) -> &mut Self {
        self.helper(|c| rename(c, key, new_key))
    }

    /// Queues [`Commands::key_type`](crate::Commands::key_type): `TYPE key`, replying `string`,
    /// `list`, ... or `none` (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (kind,): (String,) = client.pipeline().key_type("queue").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn key_type(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| key_type(c, key))
    }
}
