//! Hashes: `HGET`, `HSET`, `HMGET`, `HGETALL`, `HDEL`, `HINCRBY`, `HINCRBYFLOAT`, `HEXISTS`,
//! `HLEN`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{Number, ToArg, ToArgs};

/// The hash helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! hash_commands {
    () => {
        /// `HGET key field`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.hset("user:1", "name", "ada")?;
        /// let name: Option<String> = client.hget("user:1", "name")?;
        /// assert_eq!(name.as_deref(), Some("ada"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hget<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            field: impl $crate::ToArg,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::hashes::hget(c, key, field))
        }

        /// `HSET key field value`: 1 if the field is new.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("user:1")?;
        /// assert_eq!(client.hset("user:1", "name", "ada")?, 1);
        /// assert_eq!(client.hset("user:1", "name", "grace")?, 0); // updated, not new
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hset(
            &self,
            key: impl $crate::ToArg,
            field: impl $crate::ToArg,
            value: impl $crate::ToArg,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::hashes::hset(c, key, field, value)
            })
        }

        /// `HSET key field value [field value ...]`: how many fields are new.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("user:1")?;
        /// let added = client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
        /// assert_eq!(added, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hset_multiple(
            &self,
            key: impl $crate::ToArg,
            pairs: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::hashes::hset_multiple(c, key, pairs)
            })
        }

        /// `HMGET key field...`: one value per field, nil for missing ones (use `Vec<Option<T>>` or
        /// a tuple).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
        /// let values: Vec<Option<String>> = client.hmget("user:1", ["name", "age"])?;
        /// assert_eq!(values, [Some("ada".to_string()), None]);
        /// let (name, lang): (String, String) = client.hmget("user:1", ["name", "lang"])?;
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hmget<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            fields: impl $crate::ToArgs,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::hashes::hmget(c, key, fields))
        }

        /// `HGETALL key`, into a map or a `Vec` of pairs (RESP2 and RESP3 alike).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use std::collections::HashMap;
        ///
        /// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
        /// let user: HashMap<String, String> = client.hgetall("user:1")?;
        /// assert_eq!(user["name"], "ada");
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hgetall<T: $crate::FromValue>(&self, key: impl $crate::ToArg) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::hashes::hgetall(c, key))
        }

        /// `HDEL key field...`: how many fields were removed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("user:1")?;
        /// client.hset("user:1", "name", "ada")?;
        /// assert_eq!(client.hdel("user:1", ["name", "missing"])?, 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hdel(
            &self,
            key: impl $crate::ToArg,
            fields: impl $crate::ToArgs,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::hashes::hdel(c, key, fields))
        }

        /// `HINCRBY key field n`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("stats")?;
        /// assert_eq!(client.hincr_by("stats", "views", 3)?, 3);
        /// assert_eq!(client.hincr_by("stats", "views", -1)?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hincr_by(
            &self,
            key: impl $crate::ToArg,
            field: impl $crate::ToArg,
            n: i64,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::hashes::hincr_by(c, key, field, n)
            })
        }

        /// `HINCRBYFLOAT key field by`: the new value.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("prices")?;
        /// assert_eq!(client.hincr_by_float("prices", "tea", 2.5)?, 2.5);
        /// assert_eq!(client.hincr_by_float("prices", "tea", 1)?, 3.5);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hincr_by_float(
            &self,
            key: impl $crate::ToArg,
            field: impl $crate::ToArg,
            by: impl $crate::Number,
        ) -> $crate::Result<f64> {
            $crate::commands::run(self, |c| {
                $crate::commands::hashes::hincr_by_float(c, key, field, by)
            })
        }

        /// `HEXISTS key field`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.hset("user:1", "name", "ada")?;
        /// assert!(client.hexists("user:1", "name")?);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hexists(
            &self,
            key: impl $crate::ToArg,
            field: impl $crate::ToArg,
        ) -> $crate::Result<bool> {
            $crate::commands::run(self, |c| $crate::commands::hashes::hexists(c, key, field))
        }

        /// `HLEN key`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("user:1")?;
        /// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
        /// assert_eq!(client.hlen("user:1")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hlen(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::hashes::hlen(c, key))
        }
    };
}

pub(super) use hash_commands;

pub(crate) fn hget(c: &mut Cmd, key: impl ToArg, field: impl ToArg) {
    c.arg("HGET").arg(key).arg(field);
}

pub(crate) fn hset(c: &mut Cmd, key: impl ToArg, field: impl ToArg, value: impl ToArg) {
    c.arg("HSET").arg(key).arg(field).arg(value);
}

pub(crate) fn hset_multiple(c: &mut Cmd, key: impl ToArg, pairs: impl ToArgs) {
    c.arg("HSET").arg(key).arg(pairs);
}

pub(crate) fn hmget(c: &mut Cmd, key: impl ToArg, fields: impl ToArgs) {
    c.arg("HMGET").arg(key).arg(fields);
}

pub(crate) fn hgetall(c: &mut Cmd, key: impl ToArg) {
    c.arg("HGETALL").arg(key);
}

pub(crate) fn hdel(c: &mut Cmd, key: impl ToArg, fields: impl ToArgs) {
    c.arg("HDEL").arg(key).arg(fields);
}

pub(crate) fn hincr_by(c: &mut Cmd, key: impl ToArg, field: impl ToArg, n: i64) {
    c.arg("HINCRBY").arg(key).arg(field).arg(n);
}

pub(crate) fn hincr_by_float(c: &mut Cmd, key: impl ToArg, field: impl ToArg, by: impl Number) {
    c.arg("HINCRBYFLOAT").arg(key).arg(field).arg(by);
}

pub(crate) fn hexists(c: &mut Cmd, key: impl ToArg, field: impl ToArg) {
    c.arg("HEXISTS").arg(key).arg(field);
}

pub(crate) fn hlen(c: &mut Cmd, key: impl ToArg) {
    c.arg("HLEN").arg(key);
}

/// The hash helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::hget`](crate::Commands::hget): `HGET key field`, replying the value, or
    /// nil (`Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (name,): (Option<String>,) = client.pipeline().hget("user:1", "name").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hget(&mut self, key: impl ToArg, field: impl ToArg) -> &mut Self {
        self.helper(|c| hget(c, key, field))
    }

    /// Queues [`Commands::hset`](crate::Commands::hset): `HSET key field value`, replying 1 if the
    /// field is new (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (new,): (i64,) = client.pipeline().hset("user:1", "name", "ada").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hset(&mut self, key: impl ToArg, field: impl ToArg, value: impl ToArg) -> &mut Self {
        self.helper(|c| hset(c, key, field, value))
    }

    /// Queues [`Commands::hset_multiple`](crate::Commands::hset_multiple): `HSET key field value
    /// [field value ...]`, replying how many fields are new (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let pairs = [("name", "ada"), ("lang", "en")];
    /// let (new,): (i64,) = client.pipeline().hset_multiple("user:1", &pairs).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hset_multiple(&mut self, key: impl ToArg, pairs: impl ToArgs) -> &mut Self {
        self.helper(|c| hset_multiple(c, key, pairs))
    }

    /// Queues [`Commands::hmget`](crate::Commands::hmget): `HMGET key field...`, replying one value
    /// per field, nil for missing ones (`Vec<Option<T>>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (values,): (Vec<Option<String>>,) = pipe.hmget("user:1", ["name", "age"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hmget(&mut self, key: impl ToArg, fields: impl ToArgs) -> &mut Self {
        self.helper(|c| hmget(c, key, fields))
    }

    /// Queues [`Commands::hgetall`](crate::Commands::hgetall): `HGETALL key`, replying the fields
    /// and values (a map or `Vec` of pairs, RESP2 and RESP3 alike).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use std::collections::HashMap;
    ///
    /// let (user,): (HashMap<String, String>,) = client.pipeline().hgetall("user:1").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hgetall(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| hgetall(c, key))
    }

    /// Queues [`Commands::hdel`](crate::Commands::hdel): `HDEL key field...`, replying how many
    /// fields were removed (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (removed,): (i64,) = client.pipeline().hdel("user:1", ["name"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hdel(&mut self, key: impl ToArg, fields: impl ToArgs) -> &mut Self {
        self.helper(|c| hdel(c, key, fields))
    }

    /// Queues [`Commands::hincr_by`](crate::Commands::hincr_by): `HINCRBY key field n`, replying
    /// the new value (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (views,): (i64,) = client.pipeline().hincr_by("stats", "views", 1).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hincr_by(&mut self, key: impl ToArg, field: impl ToArg, n: i64) -> &mut Self {
        self.helper(|c| hincr_by(c, key, field, n))
    }

    /// Queues [`Commands::hincr_by_float`](crate::Commands::hincr_by_float): `HINCRBYFLOAT key
    /// field by`, replying the new value (`f64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut pipe = client.pipeline();
    /// let (price,): (f64,) = pipe.hincr_by_float("prices", "tea", 0.5).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hincr_by_float(
        &mut self,
        key: impl ToArg,
        field: impl ToArg,
        by: impl Number,
    ) -> &mut Self {
        self.helper(|c| hincr_by_float(c, key, field, by))
    }

    /// Queues [`Commands::hexists`](crate::Commands::hexists): `HEXISTS key field`, replying
    /// whether the field exists (`bool`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (known,): (bool,) = client.pipeline().hexists("user:1", "name").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hexists(&mut self, key: impl ToArg, field: impl ToArg) -> &mut Self {
        self.helper(|c| hexists(c, key, field))
    }

    /// Queues [`Commands::hlen`](crate::Commands::hlen): `HLEN key`, replying the number of fields
    /// (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().hlen("user:1").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn hlen(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| hlen(c, key))
    }
}
