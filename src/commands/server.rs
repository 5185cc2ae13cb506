//! Server: `PING`, `INFO`, `DBSIZE`, `FLUSHDB`.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;

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
}
