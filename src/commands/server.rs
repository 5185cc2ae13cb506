//! Server and messaging: `PING`, `INFO`, `DBSIZE`, `FLUSHDB`, `PUBLISH`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::ToArg;

/// The server helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! server_commands {
    () => {
        /// `PING`: returns `PONG`.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let reply = client.ping()?;
        /// assert_eq!(reply, "PONG");
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn ping(&self) -> $crate::Result<String> {
            $crate::commands::run(self, $crate::commands::server::ping)
        }

        /// `INFO [section]`: the report text.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let report = client.info(Some("server"))?;
        /// assert!(report.contains("redis_version:"));
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn info(&self, section: Option<&str>) -> $crate::Result<String> {
            $crate::commands::run(self, |c| $crate::commands::server::info(c, section))
        }

        /// `DBSIZE`: the number of keys in the selected database.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.set("k", 1)?;
        /// assert!(client.dbsize()? >= 1);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn dbsize(&self) -> $crate::Result<i64> {
            $crate::commands::run(self, $crate::commands::server::dbsize)
        }

        /// `FLUSHDB`: deletes every key of the selected database.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// client.flushdb()?;
        /// assert_eq!(client.dbsize()?, 0);
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn flushdb(&self) -> $crate::Result<()> {
            $crate::commands::run(self, $crate::commands::server::flushdb)
        }

        /// `PUBLISH channel message`: how many subscribers received it (on this node).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let receivers = client.publish("news", "hello")?;
        /// println!("{receivers} subscribers got it");
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn publish(
            &self,
            channel: impl $crate::ToArg,
            message: impl $crate::ToArg,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::server::publish(c, channel, message)
            })
        }
    };
}

pub(super) use server_commands;

pub(crate) fn ping(c: &mut Cmd) {
    c.arg("PING");
}

pub(crate) fn info(c: &mut Cmd, section: Option<&str>) {
    c.arg("INFO").arg(section);
}

pub(crate) fn dbsize(c: &mut Cmd) {
    c.arg("DBSIZE");
}

pub(crate) fn flushdb(c: &mut Cmd) {
    c.arg("FLUSHDB");
}

pub(crate) fn publish(c: &mut Cmd, channel: impl ToArg, message: impl ToArg) {
    c.arg("PUBLISH").arg(channel).arg(message);
}

/// The server helpers, queued: each sends what the [`Commands`](crate::Commands) method of the same
/// name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::ping`](crate::Commands::ping): `PING`, replying `PONG` (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (pong,): (String,) = client.pipeline().ping().execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn ping(&mut self) -> &mut Self {
        self.helper(ping)
    }

    /// Queues [`Commands::info`](crate::Commands::info): `INFO [section]`, replying the report text
    /// (`String`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (report,): (String,) = client.pipeline().info(Some("server")).execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn info(&mut self, section: Option<&str>) -> &mut Self {
        self.helper(|c| info(c, section))
    }

    /// Queues [`Commands::dbsize`](crate::Commands::dbsize): `DBSIZE`, replying the number of keys
    /// (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().dbsize().execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn dbsize(&mut self) -> &mut Self {
        self.helper(dbsize)
    }

    /// Queues [`Commands::flushdb`](crate::Commands::flushdb): `FLUSHDB`, replying `OK` (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let ((),) = client.pipeline().flushdb().execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn flushdb(&mut self) -> &mut Self {
        self.helper(flushdb)
    }

    /// Queues [`Commands::publish`](crate::Commands::publish): `PUBLISH channel message`, replying
    /// how many subscribers received it (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().publish("news", "hello").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn publish(&mut self, channel: impl ToArg, message: impl ToArg) -> &mut Self {
        self.helper(|c| publish(c, channel, message))
    }
}
