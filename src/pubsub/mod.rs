//! Pub/Sub with no background thread: a [`Subscriber`] owns dedicated connections (one on a
//! single server; on a cluster one for channels and patterns and one per node holding its
//! shard channels), reads messages when asked ([`Subscriber::next_message`], with or without
//! a timeout, from whichever connection has one), and after a connection loss reconnects,
//! restores every subscription and says that there was a gap.

use crate::client::Client;
use crate::cmd::{cmd, Cmd};
use crate::connection::{recv_any_of, Connection};
use crate::error::{Error, Result, ServerErrorKind};
use crate::info::Protocol;
use crate::resp::Value;
use crate::types::{FromValue, ToArgs};
use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

mod links;
mod message;
mod nodes;

use links::Link;

pub(crate) use message::{classify, Frame, Kind};
pub use message::{Message, MessageKind};
pub(crate) use nodes::PubSubNodes;

/// A dedicated Pub/Sub connection: subscribe to channels (`SUBSCRIBE`), patterns
/// (`PSUBSCRIBE`) and shard channels (`SSUBSCRIBE`, Redis 7+) at any time, and read what is
/// published with [`Subscriber::next_message`] or [`Subscriber::messages`].
///
/// - Nothing is lost silently. Messages that arrive while the subscriber waits for a
///   subscription's confirmation, a `PING` or (on RESP3) another command's reply are queued
///   for the next read, in order.
/// - A timeout is not an error: `next_message(Some(t))` returns `Ok(None)` when nothing came
///   within `t`, and the subscriber stays usable.
/// - When a connection is lost (a restart, `CLIENT KILL`, a network failure, a failover), the
///   next read reconnects within the client's connect retry budget, subscribes again to every
///   channel, pattern and shard channel, and returns [`Error::PubSubGap`] once: messages
///   published meanwhile were missed. Reading on afterwards is fine. If the server cannot be
///   reached, the read returns that error, and the next one tries again.
/// - On a cluster ([`ClusterClient::subscriber`](crate::ClusterClient::subscriber)), channels
///   and patterns live on one node (a message published on any node reaches every node's
///   subscribers), and each shard channel on the primary of its slot: `SSUBSCRIBE` is sent
///   there, follows `MOVED`, and when the slot migrates (the server ends the subscription) the
///   channel is subscribed again on its new node, with a gap reported.
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
    nodes: Box<dyn PubSubNodes>,
    /// `links[0]` holds the channels and patterns (and, on one server, the shard channels).
    links: Vec<Link>,
    /// Shard channels to subscribe again where their slot now lives.
    rerouted: BTreeSet<Vec<u8>>,
    /// Messages read while waiting for something else.
    queued: VecDeque<Message>,
    /// A reconnection the caller has not been told about yet.
    gap: Option<Error>,
    resp2: bool,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |k: Kind| self.links.iter().map(|l| l.held(k).len()).sum::<usize>();
        f.debug_struct("Subscriber")
            .field(
                "nodes",
                &self.links.iter().map(Link::addr).collect::<Vec<_>>(),
            )
            .field("channels", &count(Kind::Channel))
            .field("patterns", &count(Kind::Pattern))
            .field("shard_channels", &count(Kind::Shard))
            .field("queued", &self.queued.len())
            .finish_non_exhaustive()
    }
}

/// Attempts at a shard channel's `SSUBSCRIBE` that a `MOVED` sends elsewhere.
const SHARD_ATTEMPTS: usize = 5;

impl Subscriber {
    /// A subscriber whose first connection (for channels and patterns) is opened now.
    pub(crate) fn new(nodes: Box<dyn PubSubNodes>) -> Result<Subscriber> {
        let client = nodes.main()?;
        let resp2 = client.connection_info().protocol() == Protocol::Resp2;
        let link = Link::open(client)?;
        Ok(Subscriber {
            nodes,
            links: vec![link],
            rerouted: BTreeSet::new(),
            queued: VecDeque::new(),
            gap: None,
            resp2,
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
        let held: usize = self.links.iter().map(Link::held_count).sum();
        held + self.rerouted.len()
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
        // Reconnect first what was lost before, then tell of the gap.
        self.restore()?;
        if let Some(gap) = self.gap.take() {
            return Err(gap);
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let (index, frame) = match self.recv_any(left) {
                None => return Ok(None),
                Some((index, Ok(frame))) => (index, frame),
                Some((index, Err(e))) => {
                    self.lose(index, &e);
                    // Restored at once when the server is back; else the next call tries.
                    self.restore()?;
                    return Err(self.gap.take().unwrap_or(e));
                }
            };
            match classify(frame, self.arrays()) {
                Frame::Message(message) => return Ok(Some(message)),
                // The server ended a shard channel's subscription: its slot moved.
                Frame::Confirmation {
                    kind: Kind::Shard,
                    subscribed: false,
                    name: Some(name),
                } => {
                    if let Some(link) = self.links.get_mut(index) {
                        link.forget(Kind::Shard, &name);
                    }
                    self.rerouted.insert(name);
                    self.gap_at(index, "the shard channel's slot moved to another node");
                    self.nodes.refresh();
                    self.restore()?;
                    if let Some(gap) = self.gap.take() {
                        return Err(gap);
                    }
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
            Ok(value) => T::from_value(value),
            Err(e) => Err(e),
        }
    }

    /// The client of the connection holding the channels and patterns (on one server, the
    /// subscriber's only connection).
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
        self.links[0].client()
    }

    /// Sends a command on the main connection and reads frames until one that is not Pub/Sub
    /// traffic: its reply.
    fn send_and_read(&mut self, command: &Cmd) -> Result<Value> {
        self.restore()?;
        let arrays = self.arrays();
        let outcome = self.links[0].request(command, arrays, &mut self.queued);
        if let Err(e) = &outcome {
            self.lose(0, e);
        }
        outcome
    }

    /// (Un)subscribes, then reads until the server confirmed each name.
    fn change(&mut self, kind: Kind, subscribe: bool, names: impl ToArgs) -> Result<()> {
        let mut listed = Cmd::new();
        listed.arg(names);
        let named: Vec<Vec<u8>> = listed.args().map(<[u8]>::to_vec).collect();
        if subscribe && named.is_empty() {
            return Err(Error::invalid_argument(format!(
                "{} needs at least one name",
                kind.subscribe()
            )));
        }
        self.restore()?;
        let outcome = if kind == Kind::Shard && !self.links.is_empty() {
            self.change_shard(subscribe, named)
        } else {
            let queued = &mut self.queued;
            self.links[0].change(kind, subscribe, &named, queued)
        };
        match outcome {
            Err(e) if e.is_connection_broken() => {
                // The change is in effect once the connection is restored.
                self.restore()?;
                Ok(())
            }
            other => other,
        }
    }

    /// `SSUBSCRIBE` on the node of each channel's slot (one command per slot), following
    /// `MOVED`; `SUNSUBSCRIBE` on the connection holding each channel.
    fn change_shard(&mut self, subscribe: bool, named: Vec<Vec<u8>>) -> Result<()> {
        if !subscribe {
            let all = named.is_empty();
            for name in &named {
                self.rerouted.remove(name);
            }
            if all {
                self.rerouted.clear();
            }
            for index in 0..self.links.len() {
                let mine: Vec<Vec<u8>> = if all {
                    self.links[index]
                        .held(Kind::Shard)
                        .iter()
                        .cloned()
                        .collect()
                } else {
                    named
                        .iter()
                        .filter(|n| self.links[index].held(Kind::Shard).contains(*n))
                        .cloned()
                        .collect()
                };
                if !mine.is_empty() {
                    self.change_on(index, Kind::Shard, false, &mine)?;
                }
            }
            return Ok(());
        }
        let mut groups: Vec<(Option<u16>, Vec<Vec<u8>>)> = Vec::new();
        for name in named {
            let slot = self.nodes.slot(&name);
            match groups.iter_mut().find(|(s, _)| *s == slot) {
                Some((_, members)) => members.push(name),
                None => groups.push((slot, vec![name])),
            }
        }
        for (_, members) in groups {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let client = self.nodes.shard(&members[0])?;
                let index = self.link_for(client)?;
                match self.change_on(index, Kind::Shard, true, &members) {
                    Err(e)
                        if e.server_kind() == Some(ServerErrorKind::Moved)
                            && attempt < SHARD_ATTEMPTS =>
                    {
                        self.nodes.refresh();
                        std::thread::sleep(Duration::from_millis(10 << attempt));
                    }
                    other => {
                        other?;
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    fn change_on(
        &mut self,
        index: usize,
        kind: Kind,
        subscribe: bool,
        names: &[Vec<u8>],
    ) -> Result<()> {
        let queued = &mut self.queued;
        let outcome = self.links[index].change(kind, subscribe, names, queued);
        if let Err(e) = &outcome {
            self.lose(index, e);
        }
        outcome
    }

    /// The link to `client`'s server, opened if there is none yet.
    fn link_for(&mut self, client: Client) -> Result<usize> {
        let addr = client.connection_info().addr().clone();
        if let Some(index) = self
            .links
            .iter()
            .position(|l| *l.client().connection_info().addr() == addr)
        {
            return Ok(index);
        }
        self.links.push(Link::open(client)?);
        Ok(self.links.len() - 1)
    }

    /// Reconnects what was lost, restoring its subscriptions; shard channels go where their
    /// slot now lives.
    fn restore(&mut self) -> Result<()> {
        for index in (0..self.links.len()).rev() {
            if self.links[index].is_connected() {
                continue;
            }
            let moved = self.links[index].take(Kind::Shard);
            self.rerouted.extend(moved);
            if index > 0 {
                self.links.remove(index);
            }
        }
        if !self.links[0].is_connected() {
            // Its node may be gone (a failover): ask where to go now.
            self.nodes.refresh();
            let client = self.nodes.main()?;
            let queued = &mut self.queued;
            self.links[0].reopen(client, queued)?;
        }
        if !self.rerouted.is_empty() {
            self.nodes.refresh();
            let names: Vec<Vec<u8>> = std::mem::take(&mut self.rerouted).into_iter().collect();
            if let Err(e) = self.change_shard(true, names.clone()) {
                self.rerouted.extend(names);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The next frame of any link, one wait for all of them.
    fn recv_any(&mut self, wait: Option<Duration>) -> Option<(usize, Result<Value>)> {
        let conns: Vec<&Connection> = self.links.iter().filter_map(Link::conn).collect();
        if conns.len() != self.links.len() {
            return Some((0, Err(Error::Broken)));
        }
        recv_any_of(&conns, wait)
    }

    /// Drops a broken link's connection: the next use reconnects, and a gap is reported once.
    fn lose(&mut self, index: usize, e: &Error) {
        let broken = e.is_connection_broken() || self.links.get(index).is_some_and(Link::is_broken);
        if broken {
            if let Some(link) = self.links.get_mut(index) {
                link.drop_connection();
            }
            if self.subscriptions() > 0 {
                self.gap_at(index, &e.to_string());
            }
        }
    }

    fn gap_at(&mut self, index: usize, cause: &str) {
        let addr = self.links.get(index).map(Link::addr).unwrap_or_default();
        self.gap.get_or_insert(Error::PubSubGap {
            addr,
            cause: cause.to_string(),
        });
    }

    /// Whether a plain array may be Pub/Sub traffic: on RESP2 while subscribed.
    fn arrays(&self) -> bool {
        self.resp2 && self.subscriptions() > 0
    }
}
