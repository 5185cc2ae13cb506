//! Publishing: `PUBLISH`, `SPUBLISH`. Subscribing is a [`Subscriber`](crate::Subscriber)'s.

use crate::cmd::Cmd;
use crate::pipeline::Pipeline;
use crate::types::ToArg;

/// The publishing helpers of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! pubsub_commands {
    () => {
        /// `PUBLISH channel message`: how many subscribers received it (on a cluster, those of
        /// the node it was sent to).
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let receivers = client.publish("news", "hello")?;
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn publish(
            &self,
            channel: impl $crate::ToArg,
            message: impl $crate::ToArg,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::pubsub::publish(c, channel, message)
            })
        }

        /// `SPUBLISH shardchannel message` (Redis 7+): how many subscribers received it. On a
        /// cluster it goes to the node of the channel's slot.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// let receivers = client.spublish("orders:{eu}", "order 17")?;
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn spublish(
            &self,
            channel: impl $crate::ToArg,
            message: impl $crate::ToArg,
        ) -> $crate::Result<i64> {
            $crate::commands::run(self, |c| {
                $crate::commands::pubsub::spublish(c, channel, message)
            })
        }
    };
}
pub(super) use pubsub_commands;

pub(crate) fn publish(c: &mut Cmd, channel: impl ToArg, message: impl ToArg) {
    c.arg("PUBLISH").arg(channel).arg(message);
}

pub(crate) fn spublish(c: &mut Cmd, channel: impl ToArg, message: impl ToArg) {
    c.arg("SPUBLISH").arg(channel).arg(message);
}

/// The publishing helpers, queued: each sends what the [`Commands`](crate::Commands) method of
/// the same name sends.
impl Pipeline<'_> {
    /// Queues [`Commands::publish`](crate::Commands::publish): `PUBLISH channel message`,
    /// replying how many subscribers received it (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (a, b): (i64, i64) = client.pipeline().publish("n", "1").publish("n", "2").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn publish(&mut self, channel: impl ToArg, message: impl ToArg) -> &mut Self {
        self.helper(|c| publish(c, channel, message))
    }

    /// Queues [`Commands::spublish`](crate::Commands::spublish): `SPUBLISH shardchannel
    /// message`, replying how many subscribers received it (`i64`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let (n,): (i64,) = client.pipeline().spublish("orders:{eu}", "17").execute()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn spublish(&mut self, channel: impl ToArg, message: impl ToArg) -> &mut Self {
        self.helper(|c| spublish(c, channel, message))
    }
}
