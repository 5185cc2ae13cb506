//! Pub/Sub with no background thread: a [`Subscriber`] owns one dedicated connection, reads
//! messages when asked ([`Subscriber::next_message`], with or without a timeout), and after a
//! connection loss reconnects, restores every subscription and says that there was a gap.

use crate::client::Client;
use crate::cmd::{cmd, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::info::Protocol;
use crate::resp::Value;
use crate::types::{FromValue, ToArgs};
use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

mod message;

pub(crate) use message::{classify, Frame, Kind};
pub use message::{Message, MessageKind};

/// A dedicated Pub/Sub connection: subscribe to channels (`SUBSCRIBE`), patterns
/// (`PSUBSCRIBE`) and shard channels (`SSUBSCRIBE`, Redis 7+) at any time, and read what is
/// published with [`Subscriber::next_message`] or [`Subscriber::messages`].
///
/// - Nothing is lost silently. Messages that arrive while the subscriber waits for a
///   subscription's confirmation, a `PING` or (on RESP3) another command's reply are queued
///   for the next read, in order.
/// - A timeout is not an error: `next_message(Some(t))` returns `Ok(None)` when nothing came
///   within `t`, and the subscriber stays usable.
/// - When the connection is lost (a restart, `CLIENT KILL`, a network failure), the next read
///   reconnects within the client's connect retry budget, subscribes again to every channel,
///   pattern and shard channel, and returns [`Error::PubSubGap`] once: messages published
///   meanwhile were missed. Reading on afterwards is fine. If the server cannot be reached, the
///   read returns that error, and the next one tries again.
///
/// `Send`, not `Sync`: one thread reads it (methods take `&mut self`).
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands};
/// use std::time::Duration;
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// let mut subscriber = client.subscriber()?;
/// subscriber.subscribe(["orders", "alerts"])?;
/// subscriber.psubscribe("prices.*")?;
/// client.publish("orders", "order 17")?;
/// while let Some(message) = subscriber.next_message(Some(Duration::from_secs(1)))? {
///     let text: String = message.payload()?;
///     println!("{:?}: {text}", message.channel_str());
/// }
/// # Ok::<(), redline::Error>(())
/// ```
pub struct Subscriber {
    client: Client,
    conn: Option<Connection>,
    /// What the caller subscribed to, by kind: restored after a reconnection.
    held: [BTreeSet<Vec<u8>>; 3],
    /// Messages read while waiting for something else.
    queued: VecDeque<Message>,
    /// A reconnection the caller has not been told about yet.
    gap: Option<Error>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("addr", &self.client.connection_info().addr().to_string())
            .field("channels", &self.held[0].len())
            .field("patterns", &self.held[1].len())
            .field("shard_channels", &self.held[2].len())
            .field("queued", &self.queued.len())
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    /// A subscriber on a new connection of `client` (see [`Client::subscriber`]).
    pub(crate) fn new(client: Client) -> Result<Subscriber> {
        let conn = client.get_connection()?;
        Ok(Subscriber {
            client,
            conn: Some(conn),
            held: Default::default(),
            queued: VecDeque::new(),
            gap: None,
        })
    }

    /// `SUBSCRIBE channel...`: messages published on these channels from now on. Returns once
    /// the server confirmed every one.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe("news")?;
    /// subscriber.subscribe(["sports", "weather"])?;
    /// assert_eq!(subscriber.subscriptions(), 3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn subscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.change(Kind::Channel, true, channels)
    }

    /// `PSUBSCRIBE pattern...`: messages on every channel matching these glob-style patterns;
    /// each carries the pattern that matched.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.psubscribe("__keyspace@0__:user:*")?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn psubscribe(&mut self, patterns: impl ToArgs) -> Result<()> {
        self.change(Kind::Pattern, true, patterns)
    }

    /// `SSUBSCRIBE shardchannel...` (Redis 7+): shard channels, published with `SPUBLISH`. On
    /// one server they behave like channels; in a cluster they live on the node of their slot.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.ssubscribe("orders:{eu}")?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn ssubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.change(Kind::Shard, true, channels)
    }

    /// `UNSUBSCRIBE [channel...]`: from these channels, or from every channel when given none
    /// (`()`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe(["a", "b"])?;
    /// subscriber.unsubscribe("a")?;
    /// subscriber.unsubscribe(())?; // all
    /// assert_eq!(subscriber.subscriptions(), 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn unsubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.change(Kind::Channel, false, channels)
    }

    /// `PUNSUBSCRIBE [pattern...]`: from these patterns, or from all when given none.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.psubscribe("a.*")?;
    /// subscriber.punsubscribe(())?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn punsubscribe(&mut self, patterns: impl ToArgs) -> Result<()> {
        self.change(Kind::Pattern, false, patterns)
    }

    /// `SUNSUBSCRIBE [shardchannel...]`: from these shard channels, or from all when given
    /// none.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.ssubscribe("s")?;
    /// subscriber.sunsubscribe("s")?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn sunsubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.change(Kind::Shard, false, channels)
    }

    /// How many channels, patterns and shard channels this subscriber holds.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let subscriber = client.subscriber()?;
    /// assert_eq!(subscriber.subscriptions(), 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn subscriptions(&self) -> usize {
        self.held.iter().map(BTreeSet::len).sum()
    }

    /// The next message, waiting at most `timeout` for one (`None`: for ever). `Ok(None)` when
    /// none came in time; the subscriber stays usable. Messages queued meanwhile come first.
    ///
    /// # Errors
    ///
    /// [`Error::PubSubGap`] once after the connection was lost and restored (messages may
    /// have been missed; read on); a connection error when the server cannot be reached (the
    /// next call tries again).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::Error;
    /// use std::time::Duration;
    ///
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe("jobs")?;
    /// loop {
    ///     match subscriber.next_message(Some(Duration::from_millis(500))) {
    ///         Ok(Some(message)) => println!("{}", message.payload::<String>()?),
    ///         Ok(None) => break, // quiet for half a second
    ///         Err(gap @ Error::PubSubGap { .. }) => eprintln!("{gap}"), // resync here
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn next_message(&mut self, timeout: Option<Duration>) -> Result<Option<Message>> {
        if let Some(message) = self.queued.pop_front() {
            return Ok(Some(message));
        }
        // Reconnect first if the connection was lost before, then tell of the gap.
        self.connection()?;
        if let Some(gap) = self.gap.take() {
            return Err(gap);
        }
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            let frame = match self.connection()?.recv_timeout(left) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(None),
                Err(e) => {
                    let e = self.lost(e);
                    if self.gap.is_none() {
                        return Err(e);
                    }
                    // Restored at once when the server is back; else the next call tries.
                    self.connection()?;
                    return Err(self.gap.take().unwrap_or(e));
                }
            };
            match classify(frame, self.arrays()) {
                Frame::Message(message) => return Ok(Some(message)),
                // A subscription the server ended by itself (a shard channel's slot moved).
                Frame::Confirmation {
                    kind,
                    subscribed: false,
                    name: Some(name),
                } => {
                    self.held[kind as usize].remove(&name);
                }
                _ => {}
            }
            if left == Some(Duration::ZERO) {
                return Ok(None);
            }
        }
    }

    /// The messages, one after another, each read when asked for (waiting for ever). A gap
    /// ([`Error::PubSubGap`]) or a connection error is an `Err` item; the iterator goes on
    /// after it, so stop on errors you cannot handle.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe("events")?;
    /// for message in subscriber.messages().take(10) {
    ///     let message = message?;
    ///     println!("{:?}", message.channel_str());
    /// }
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn messages(&mut self) -> impl Iterator<Item = Result<Message>> + '_ {
        std::iter::from_fn(move || self.next_message(None).transpose())
    }

    /// `PING` while subscribed: proves the connection is alive; messages that arrive before
    /// the answer are queued.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe("news")?;
    /// subscriber.ping()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn ping(&mut self) -> Result<()> {
        self.query::<Value>(&cmd("PING")).map(|_| ())
    }

    /// Sends any command and converts its reply; messages that arrive first are queued for
    /// [`Subscriber::next_message`]. On RESP3 any command may be sent while subscribed; on
    /// RESP2 the server allows only `PING` and the subscription commands there (it answers
    /// others with an error).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{cmd, Client};
    ///
    /// let client = Client::open("redis://127.0.0.1:6379?protocol=3")?;
    /// let mut subscriber = client.subscriber()?;
    /// subscriber.subscribe("news")?;
    /// let n: i64 = subscriber.query(cmd("INCR").arg("seen"))?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn query<T: FromValue>(&mut self, command: &Cmd) -> Result<T> {
        match self.send_and_read(command) {
            Ok(Value::Error(message)) => Err(Error::from_server_reply(message)),
            Ok(Value::Array(items)) if is_pong(&items) => {
                T::from_value(Value::SimpleString("PONG".into()))
            }
            Ok(value) => T::from_value(value),
            Err(e) => Err(e),
        }
    }

    /// The client whose connection settings this subscriber uses.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let subscriber = client.subscriber()?;
    /// assert_eq!(subscriber.client().connection_info().db(), 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a command and reads frames until one that is not Pub/Sub traffic: its reply.
    fn send_and_read(&mut self, command: &Cmd) -> Result<Value> {
        let sent = self.connection()?.send(command);
        if let Err(e) = sent {
            return Err(self.lost(e));
        }
        loop {
            let frame = match self.connection()?.recv() {
                Ok(frame) => frame,
                Err(e) => return Err(self.lost(e)),
            };
            match classify(frame, self.arrays()) {
                Frame::Message(message) => self.queued.push_back(message),
                Frame::Confirmation { .. } => {}
                Frame::Other(reply) => return Ok(reply),
            }
        }
    }

    /// (Un)subscribes, then reads until the server confirmed each name (or, for "all", each
    /// name held, at least one).
    fn change(&mut self, kind: Kind, subscribe: bool, names: impl ToArgs) -> Result<()> {
        let mut command = cmd(if subscribe {
            kind.subscribe()
        } else {
            kind.unsubscribe()
        });
        command.arg(names);
        let named: Vec<Vec<u8>> = command.args().skip(1).map(<[u8]>::to_vec).collect();
        if subscribe && named.is_empty() {
            return Err(Error::invalid_argument(format!(
                "{} needs at least one name",
                kind.subscribe()
            )));
        }
        if self.conn.is_none() {
            // Restoring the others: the change itself goes out below.
            self.connection()?;
        }
        if !subscribe && named.is_empty() && !self.held[kind as usize].is_empty() {
            // "All", named: each name gets exactly one confirmation, whatever else the
            // server counts.
            for name in &self.held[kind as usize] {
                command.arg(name.as_slice());
            }
        }
        let expected = command.args_len().saturating_sub(1).max(1);
        let outcome = self.confirm(&command, kind, subscribe, expected);
        if outcome.is_ok() && !subscribe && named.is_empty() {
            self.held[kind as usize].clear();
        }
        match outcome {
            Ok(()) => Ok(()),
            Err(e) if e.is_connection_broken() => {
                // Reconnect with the change made: it is in effect once that succeeds.
                self.apply(kind, subscribe, &named);
                let lost = self.lost(e);
                match self.connection() {
                    Ok(_) => Ok(()),
                    Err(_) => Err(lost),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Sends `command` and reads until `expected` confirmations of `kind` came, queuing
    /// messages; records each confirmed name.
    fn confirm(
        &mut self,
        command: &Cmd,
        kind: Kind,
        subscribe: bool,
        expected: usize,
    ) -> Result<()> {
        self.conn.as_ref().ok_or(Error::Broken)?.send(command)?;
        let mut confirmed = 0;
        while confirmed < expected {
            let frame = self.conn.as_ref().ok_or(Error::Broken)?.recv()?;
            match classify(frame, true) {
                Frame::Message(message) => self.queued.push_back(message),
                Frame::Confirmation {
                    kind: k,
                    subscribed,
                    name,
                } if k == kind && subscribed == subscribe => {
                    confirmed += 1;
                    if let Some(name) = name {
                        self.apply(kind, subscribe, &[name]);
                    }
                }
                Frame::Confirmation { .. } => {}
                Frame::Other(Value::Error(message)) => {
                    return Err(Error::from_server_reply(message))
                }
                Frame::Other(_) => {}
            }
        }
        Ok(())
    }

    fn apply(&mut self, kind: Kind, subscribe: bool, names: &[Vec<u8>]) {
        let held = &mut self.held[kind as usize];
        if subscribe {
            held.extend(names.iter().cloned());
        } else if names.is_empty() {
            held.clear();
        } else {
            for name in names {
                held.remove(name);
            }
        }
    }

    /// The connection, reopened with every subscription restored if it was lost.
    fn connection(&mut self) -> Result<&Connection> {
        if self.conn.is_none() {
            let conn = self.client.get_connection()?;
            self.conn = Some(conn);
            for kind in Kind::ALL {
                let names: Vec<Vec<u8>> = self.held[kind as usize].iter().cloned().collect();
                if names.is_empty() {
                    continue;
                }
                let mut command = cmd(kind.subscribe());
                for name in &names {
                    command.arg(name.as_slice());
                }
                if let Err(e) = self.confirm(&command, kind, true, names.len()) {
                    self.conn = None;
                    return Err(e);
                }
            }
        }
        self.conn.as_ref().ok_or(Error::Broken)
    }

    /// Drops a broken connection: the next use reconnects, and a gap is reported once.
    fn lost(&mut self, e: Error) -> Error {
        if e.is_connection_broken() || self.conn.as_ref().is_some_and(Connection::is_broken) {
            self.conn = None;
            if self.subscriptions() > 0 {
                self.gap = Some(Error::PubSubGap {
                    addr: self.client.connection_info().addr().to_string(),
                    cause: e.to_string(),
                });
            }
        }
        e
    }

    /// Whether a plain array may be Pub/Sub traffic: on RESP2 while subscribed.
    fn arrays(&self) -> bool {
        self.client.connection_info().protocol() == Protocol::Resp2 && self.subscriptions() > 0
    }
}

/// A `PING` answered while subscribed on RESP2: `["pong", ""]`.
fn is_pong(items: &[Value]) -> bool {
    matches!(items.first(), Some(Value::Bulk(b)) if b.eq_ignore_ascii_case(b"pong"))
}
