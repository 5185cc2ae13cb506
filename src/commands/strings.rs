//! Strings: `GET`, `SET` (plain, `EX`, `NX`, with options), `GETEX`, `GETDEL`, `MGET`,
//! `MSET`, `APPEND`, `STRLEN`. The counters are in `counters.rs`.

use super::options::{Expiry, SetOptions};
use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::{ToArg, ToArgs};

/// The string helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! string_commands {
    () => {
        /// `GET key`: the value, or nil (use `Option<T>`).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("greeting", "hello")?;
        /// let greeting: String = client.get("greeting")?;
        /// let missing: Option<String> = client.get("no-such-key")?;
        /// assert_eq!((greeting.as_str(), missing), ("hello", None));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn get<T: $crate::FromValue>(&self, key: impl $crate::ToArg) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::strings::get(c, key))
        }

        /// `SET key value`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("name", "ada")?;
        /// client.set("visits", 42)?;
        /// assert_eq!(client.get::<i64>("visits")?, 42);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn set(&self, key: impl $crate::ToArg, value: impl $crate::ToArg) -> $crate::Result<()> {
            $crate::commands::run(self, |c| $crate::commands::strings::set(c, key, value))
        }

        /// `SET key value EX seconds`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set_ex("session", "token", 60)?;
        /// assert!((1..=60).contains(&client.ttl("session")?));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn set_ex(
            &self,
            key: impl $crate::ToArg,
            value: impl $crate::ToArg,
            seconds: u64,
        ) -> $crate::Result<()> {
            $crate::commands::run(self, |c| {
                $crate::commands::strings::set_ex(c, key, value, seconds)
            })
        }

        /// `SET key value NX`: `true` if the key was set, `false` if it existed.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("lock")?;
        /// assert!(client.set_nx("lock", "worker-1")?);
        /// assert!(!client.set_nx("lock", "worker-2")?);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn set_nx(
            &self,
            key: impl $crate::ToArg,
            value: impl $crate::ToArg,
        ) -> $crate::Result<bool> {
            $crate::commands::run(self, |c| $crate::commands::strings::set_nx(c, key, value))
        }

        /// `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL]`, with the [`SetOptions`] chosen.
        ///
        /// The reply depends on the options: `OK`, or nil when `NX`/`XX` prevented the write (read
        /// it as `bool`: whether the key was set); with [`get`], the old value or nil (read it as
        /// `Option<T>`).
        ///
        /// [`SetOptions`]: crate::SetOptions
        /// [`get`]: crate::SetOptions::get
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, SetOptions};
        ///
        /// # client.del("lock")?;
        /// let lock = SetOptions::default().nx().px(30_000);
        /// assert!(client.set_options::<bool>("lock", "me", lock)?);
        /// let swap = SetOptions::default().get();
        /// let old: Option<String> = client.set_options("lock", "you", swap)?;
        /// assert_eq!(old.as_deref(), Some("me"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn set_options<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            value: impl $crate::ToArg,
            options: $crate::SetOptions,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| {
                $crate::commands::strings::set_options(c, key, value, options)
            })
        }

        /// `GETEX key EX|PX|EXAT|PXAT|PERSIST`: the value, or nil (use `Option<T>`), setting the
        /// key's time to live (or removing it, with [`Expiry::Persist`]).
        ///
        /// [`Expiry::Persist`]: crate::Expiry::Persist
        ///
        /// # Example
        ///
        /// ```no_run
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::{Commands, Expiry};
        ///
        /// client.set("session", "token")?;
        /// let token: Option<String> = client.getex("session", Expiry::Ex(60))?;
        /// assert_eq!(token.as_deref(), Some("token"));
        /// assert!((1..=60).contains(&client.ttl("session")?));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn getex<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            expiry: $crate::Expiry,
        ) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::strings::getex(c, key, expiry))
        }

        /// `GETDEL key`: the value, or nil (use `Option<T>`), deleting the key.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("once", "secret")?;
        /// let value: Option<String> = client.getdel("once")?;
        /// assert_eq!(value.as_deref(), Some("secret"));
        /// assert_eq!(client.exists("once")?, 0);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn getdel<T: $crate::FromValue>(&self, key: impl $crate::ToArg) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::strings::getdel(c, key))
        }

        /// `MGET key...`: one reply per key (nil for missing ones).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// # client.del("missing")?;
        /// client.mset(&[("a", 1), ("b", 2)])?;
        /// let values: Vec<Option<i64>> = client.mget(["a", "b", "missing"])?;
        /// assert_eq!(values, [Some(1), Some(2), None]);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn mget<T: $crate::FromValue>(&self, keys: impl $crate::ToArgs) -> $crate::Result<T> {
            $crate::commands::run(self, |c| $crate::commands::strings::mget(c, keys))
        }

        /// `MSET key value [key value ...]`, from pairs such as `&[("a", 1), ("b", 2)]`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.mset(&[("a", 1), ("b", 2)])?;
        /// assert_eq!(client.get::<i64>("b")?, 2);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn mset(&self, pairs: impl $crate::ToArgs) -> $crate::Result<()> {
            $crate::commands::run(self, |c| $crate::commands::strings::mset(c, pairs))
        }

        /// `APPEND key value`: the new length.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("log", "a")?;
        /// assert_eq!(client.append("log", "bc")?, 3);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn append(
            &self,
            key: impl $crate::ToArg,
            value: impl $crate::ToArg,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::strings::append(c, key, value))
        }

        /// `STRLEN key`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("name", "ada")?;
        /// assert_eq!(client.strlen("name")?, 3);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn strlen(&self, key: impl $crate::ToArg) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| $crate::commands::strings::strlen(c, key))
        }
    };
}

pub(super) use string_commands;

pub(crate) fn get(c: &mut Cmd, key: impl ToArg) {
    c.arg("GET").arg(key);
}

pub(crate) fn set(c: &mut Cmd, key: impl ToArg, value: impl ToArg) {
    c.arg("SET").arg(key).arg(value);
}

pub(crate) fn set_ex(c: &mut Cmd, key: impl ToArg, value: impl ToArg, seconds: u64) {
    c.arg("SET").arg(key).arg(value).arg("EX").arg(seconds);
}

pub(crate) fn set_nx(c: &mut Cmd, key: impl ToArg, value: impl ToArg) {
    c.arg("SET").arg(key).arg(value).arg("NX");
}

pub(crate) fn set_options(c: &mut Cmd, key: impl ToArg, value: impl ToArg, options: SetOptions) {
    c.arg("SET").arg(key).arg(value);
    options.write(c);
}

pub(crate) fn getex(c: &mut Cmd, key: impl ToArg, expiry: Expiry) {
    c.arg("GETEX").arg(key);
    expiry.write(c);
}

pub(crate) fn getdel(c: &mut Cmd, key: impl ToArg) {
    c.arg("GETDEL").arg(key);
}

pub(crate) fn mget(c: &mut Cmd, keys: impl ToArgs) {
    c.arg("MGET").arg(keys);
}

pub(crate) fn mset(c: &mut Cmd, pairs: impl ToArgs) {
    c.arg("MSET").arg(pairs);
}

pub(crate) fn append(c: &mut Cmd, key: impl ToArg, value: impl ToArg) {
    c.arg("APPEND").arg(key).arg(value);
}

pub(crate) fn strlen(c: &mut Cmd, key: impl ToArg) {
    c.arg("STRLEN").arg(key);
}

/// The string helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::get`](crate::Commands::get): `GET key`, replying the value, or nil
    /// (convert into `Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (greeting,): (Option<String>,) = client.pipeline().get("greeting").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn get(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| get(c, key))
    }

    /// Queues [`Commands::set`](crate::Commands::set): `SET key value`, replying `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let ((), ()) = client.pipeline().set("name", "ada").set("visits", 42).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn set(&mut self, key: impl ToArg, value: impl ToArg) -> &mut Self {
        self.helper(|c| set(c, key, value))
    }

    /// Queues [`Commands::set_ex`](crate::Commands::set_ex): `SET key value EX seconds`, replying
    /// `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let ((),) = client.pipeline().set_ex("session", "token", 60).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn set_ex(&mut self, key: impl ToArg, value: impl ToArg, seconds: u64) -> &mut Self {
        self.helper(|c| set_ex(c, key, value, seconds))
    }

    /// Queues [`Commands::set_nx`](crate::Commands::set_nx): `SET key value NX`, replying whether
    /// the key was set (`bool`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (taken,): (bool,) = client.pipeline().set_nx("lock", "worker-1").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn set_nx(&mut self, key: impl ToArg, value: impl ToArg) -> &mut Self {
        self.helper(|c| set_nx(c, key, value))
    }

    /// Queues [`Commands::set_options`](crate::Commands::set_options): `SET key value` with
    /// options, replying `OK` or nil (`bool`: whether the key was set), or with
    /// [`get`](crate::SetOptions::get) the old value (`Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::SetOptions;
    ///
    /// let options = SetOptions::default().get().keep_ttl();
    /// let (old,): (Option<String>,) = client.pipeline().set_options("k", "v", options).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn set_options(
        &mut self,
        key: impl ToArg,
        value: impl ToArg,
        options: SetOptions,
    ) -> &mut Self {
        self.helper(|c| set_options(c, key, value, options))
    }

    /// Queues [`Commands::getex`](crate::Commands::getex): `GETEX key EX|PX|EXAT|PXAT|PERSIST`,
    /// replying the value, or nil (`Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::Expiry;
    ///
    /// let mut pipe = client.pipeline();
    /// let (token,): (Option<String>,) = pipe.getex("session", Expiry::Persist).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn getex(&mut self, key: impl ToArg, expiry: Expiry) -> &mut Self {
        self.helper(|c| getex(c, key, expiry))
    }

    /// Queues [`Commands::getdel`](crate::Commands::getdel): `GETDEL key`, replying the value, or
    /// nil (`Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (value,): (Option<String>,) = client.pipeline().getdel("once").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn getdel(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| getdel(c, key))
    }

    /// Queues [`Commands::mget`](crate::Commands::mget): `MGET key...`, replying one value per key,
    /// nil for missing ones (`Vec<Option<T>>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (values,): (Vec<Option<i64>>,) = client.pipeline().mget(["a", "b"]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn mget(&mut self, keys: impl ToArgs) -> &mut Self {
        self.helper(|c| mget(c, keys))
    }

    /// Queues [`Commands::mset`](crate::Commands::mset): `MSET key value [key value ...]`, replying
    /// `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let ((),) = client.pipeline().mset(&[("a", 1), ("b", 2)]).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn mset(&mut self, pairs: impl ToArgs) -> &mut Self {
        self.helper(|c| mset(c, pairs))
    }

    /// Queues [`Commands::append`](crate::Commands::append): `APPEND key value`, replying the new
    /// length (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (len,): (i64,) = client.pipeline().append("log", "bc").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn append(&mut self, key: impl ToArg, value: impl ToArg) -> &mut Self {
        self.helper(|c| append(c, key, value))
    }

    /// Queues [`Commands::strlen`](crate::Commands::strlen): `STRLEN key`, replying the length
    /// (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (len,): (i64,) = client.pipeline().strlen("name").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn strlen(&mut self, key: impl ToArg) -> &mut Self {
        self.helper(|c| strlen(c, key))
    }
}
