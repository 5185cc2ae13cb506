//! Finding the master (and the replicas) through the sentinels, and the [`Dial`]s that give a
//! pool its connections there.
//!
//! The steps follow Redis's guidelines for Sentinel clients: ask the sentinels in order, the
//! last one that answered first; connect to the address named and check with `ROLE` that it is
//! a master; remember it until a connection to it fails or a write is refused with `READONLY`.

use crate::cmd::cmd;
use crate::connection::Connection;
use crate::error::{Error, Result, ServerErrorKind};
use crate::info::{Addr, ConnectionInfo};
use crate::pool::Dial;
use crate::resp::Value;
use crate::sync::lock;
use crate::types::FromValue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A host and port.
pub(crate) type HostPort = (String, u16);

/// The first pause between two rounds of asking, doubled each round up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(25);
const MAX_PAUSE: Duration = Duration::from_millis(250);

fn show((host, port): &HostPort) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The sentinels of one master name, and how to talk to them.
pub(crate) struct Sentinels {
    pub(crate) master_name: String,
    /// In the order to ask them: the last one that answered first.
    order: Mutex<Vec<HostPort>>,
    /// The settings of a connection to a sentinel (its address is replaced for each).
    info: ConnectionInfo,
    /// How long a dial may spend finding a server before it gives up.
    pub(crate) resolve_timeout: Duration,
}

impl Sentinels {
    pub(crate) fn new(
        master_name: String,
        sentinels: Vec<HostPort>,
        info: ConnectionInfo,
        resolve_timeout: Duration,
    ) -> Sentinels {
        Sentinels {
            master_name,
            order: Mutex::new(sentinels),
            info,
            resolve_timeout,
        }
    }

    /// The sentinels as `host:port`, for errors.
    fn names(&self) -> Vec<String> {
        lock(&self.order).iter().map(show).collect()
    }

    fn error(&self, reason: String) -> Error {
        Error::Sentinel {
            master: self.master_name.clone(),
            sentinels: self.names(),
            reason,
        }
    }

    /// Asks each sentinel in turn (the first `max` of them) until `ask` gets an answer from
    /// one, which then goes first.
    fn ask<T>(
        &self,
        max: usize,
        ask: impl Fn(&Connection) -> Result<Option<T>>,
    ) -> Result<T, String> {
        let mut order = lock(&self.order).clone();
        order.truncate(max);
        let mut last = String::from("no sentinel configured");
        for (i, sentinel) in order.iter().enumerate() {
            let answer = self
                .connect(sentinel)
                .and_then(|conn| ask(&conn))
                .map_err(|e| e.to_string());
            match answer {
                Ok(Some(found)) => {
                    if i > 0 {
                        let mut order = lock(&self.order);
                        if let Some(at) = order.iter().position(|s| s == sentinel) {
                            let first = order.remove(at);
                            order.insert(0, first);
                        }
                    }
                    return Ok(found);
                }
                Ok(None) => {
                    last = format!(
                        "sentinel {} does not know master '{}'",
                        show(sentinel),
                        self.master_name
                    )
                }
                Err(e) => last = format!("sentinel {}: {e}", show(sentinel)),
            }
        }
        Err(last)
    }

    fn connect(&self, (host, port): &HostPort) -> Result<Connection> {
        let tls = matches!(self.info.addr, Addr::Tcp { tls: true, .. });
        let info = ConnectionInfo {
            addr: Addr::Tcp {
                host: host.clone(),
                port: *port,
                tls,
            },
            ..self.info.clone()
        };
        Connection::open(&info)
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME`, from the first of `max` sentinels that knows the
    /// name.
    fn master_addr(&self, max: usize) -> Result<HostPort, String> {
        self.ask(max, |conn| {
            let mut c = cmd("SENTINEL");
            c.arg("GET-MASTER-ADDR-BY-NAME").arg(&self.master_name);
            let reply: Option<(String, String)> = conn.query(&c)?;
            Ok(reply.and_then(|(host, port)| Some((host, port.parse().ok()?))))
        })
    }

    /// `SENTINEL REPLICAS`, less those a sentinel flags as down or disconnected.
    fn replica_addrs(&self) -> Result<Vec<HostPort>, String> {
        self.ask(usize::MAX, |conn| {
            let mut c = cmd("SENTINEL");
            c.arg("REPLICAS").arg(&self.master_name);
            let replicas: Vec<Vec<String>> = conn.query(&c)?;
            Ok(Some(replicas.iter().filter_map(|r| healthy(r)).collect()))
        })
    }
}

/// A replica's address from its `SENTINEL REPLICAS` entry (field, value, ...), unless it is
/// flagged down or disconnected.
fn healthy(fields: &[String]) -> Option<HostPort> {
    let field = |name: &str| {
        fields
            .chunks(2)
            .find(|kv| kv[0] == name)
            .and_then(|kv| kv.get(1))
    };
    let flags = field("flags")?;
    if flags
        .split(',')
        .any(|f| matches!(f, "s_down" | "o_down" | "disconnected"))
    {
        return None;
    }
    Some((field("ip")?.clone(), field("port")?.parse().ok()?))
}

/// Opens a connection to `addr` with `info`'s settings; with `master`, checks with `ROLE` that
/// the server is a master (a demoted one would refuse every write).
fn open_at(
    info: &ConnectionInfo,
    addr: &HostPort,
    select: bool,
    master: bool,
) -> Result<Connection> {
    let tls = matches!(info.addr, Addr::Tcp { tls: true, .. });
    let info = ConnectionInfo {
        addr: Addr::Tcp {
            host: addr.0.clone(),
            port: addr.1,
            tls,
        },
        // A refused connect moves on to asking the sentinels, which retry within their own
        // budget, rather than waiting on an address that may be gone for good.
        connect_retry_budget: Duration::ZERO,
        ..info.clone()
    };
    let conn = Connection::open_with(&info, select)?;
    // A connection that skips the set-up (`select` false) is for a server busy with a
    // script, which would refuse ROLE too.
    if master && select {
        match conn.req(&cmd("ROLE")) {
            Ok(Value::Array(items)) => {
                let role = items.into_iter().next().map(String::from_value);
                if !matches!(role, Some(Ok(ref r)) if r == "master") {
                    return Err(Error::Server {
                        kind: ServerErrorKind::ReadOnly,
                        message: format!("{} is not a master (ROLE)", show(addr)),
                    });
                }
            }
            // An ACL user may be denied ROLE: the sentinels' word is taken then.
            Err(e) if e.server_kind() == Some(ServerErrorKind::NoPerm) => {}
            Err(e) => return Err(e),
            Ok(_) => {}
        }
    }
    Ok(conn)
}

/// The master the sentinels name now.
struct Current {
    addr: Option<HostPort>,
    /// A connection to `addr` failed: ask the sentinels before using it again.
    suspect: bool,
    /// Bumped by each answer from the sentinels, so that callers that waited for another's
    /// asking use its answer.
    answers: u64,
}

/// The dialer of a Sentinel client's master pool.
pub(crate) struct MasterDial {
    sentinels: Arc<Sentinels>,
    current: Mutex<Current>,
    /// Changes with the master's address (see [`Dial`]).
    generation: AtomicU64,
    /// Held while asking the sentinels, so that many callers finding the master gone ask once.
    asking: Mutex<()>,
    /// How often a checkout asks the sentinels whether the master moved (`None`: never).
    check_every: Option<Duration>,
    /// When the next such check is due, in milliseconds since `started`.
    next_check: AtomicU64,
    started: Instant,
}

impl MasterDial {
    pub(crate) fn new(sentinels: Arc<Sentinels>, check_every: Option<Duration>) -> MasterDial {
        MasterDial {
            check_every: check_every.filter(|d| !d.is_zero()),
            next_check: AtomicU64::new(0),
            started: Instant::now(),
            sentinels,
            current: Mutex::new(Current {
                addr: None,
                suspect: false,
                answers: 0,
            }),
            generation: AtomicU64::new(0),
            asking: Mutex::new(()),
        }
    }

    /// The master's address, known or asked for; `answers` is the count of answers seen when
    /// the caller last found the known address wanting.
    fn master(&self, answers_seen: u64) -> Result<(HostPort, u64), String> {
        let _asking = lock(&self.asking);
        {
            // Another caller asked while this one waited: its answer is fresh.
            let current = lock(&self.current);
            if current.answers != answers_seen && !current.suspect {
                if let Some(addr) = &current.addr {
                    return Ok((addr.clone(), current.answers));
                }
            }
        }
        let addr = self.sentinels.master_addr(usize::MAX)?;
        Ok((addr.clone(), self.adopt(addr)))
    }

    /// Takes the sentinels' answer: a new address starts a new generation.
    fn adopt(&self, addr: HostPort) -> u64 {
        let mut current = lock(&self.current);
        if current.addr.as_ref() != Some(&addr) {
            current.addr = Some(addr);
            self.generation.fetch_add(1, Ordering::Release);
        }
        current.suspect = false;
        current.answers += 1;
        current.answers
    }

    fn suspect(&self, addr: &HostPort) {
        let mut current = lock(&self.current);
        if current.addr.as_ref() == Some(addr) {
            current.suspect = true;
        }
    }
}

impl Dial for MasterDial {
    fn dial(&self, info: &ConnectionInfo, select: bool) -> Result<(Connection, u64)> {
        let deadline = Instant::now() + self.sentinels.resolve_timeout;
        let mut pause = FIRST_PAUSE;
        let mut last: String;
        loop {
            let (known, answers) = {
                let current = lock(&self.current);
                let known = current.addr.clone().filter(|_| !current.suspect);
                (known, current.answers)
            };
            // Read before connecting: a change meanwhile makes this connection stale, not
            // the next one.
            let generation = self.generation.load(Ordering::Acquire);
            let target = match known {
                Some(addr) => Ok((addr, generation)),
                None => self
                    .master(answers)
                    .map(|(addr, _)| (addr, self.generation.load(Ordering::Acquire))),
            };
            match target {
                Ok((addr, generation)) => match open_at(info, &addr, select, true) {
                    Ok(conn) => return Ok((conn, generation)),
                    Err(e) => {
                        self.suspect(&addr);
                        last = e.to_string();
                    }
                },
                Err(reason) => last = reason,
            }
            let now = Instant::now();
            if now + pause > deadline {
                return Err(self.sentinels.error(last));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Now and then (one caller per interval, the others do not wait), asks the sentinels
    /// where the master is: after a failover the old master may go on accepting writes for
    /// seconds before the sentinels demote it, and nothing on its connections would tell.
    fn checkout(&self) {
        let Some(every) = self.check_every else {
            return;
        };
        let now = self.started.elapsed().as_millis() as u64;
        let due = self.next_check.load(Ordering::Relaxed);
        if now < due {
            return;
        }
        let next = now + every.as_millis() as u64;
        if self
            .next_check
            .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return; // Another caller checks.
        }
        let Ok(_asking) = self.asking.try_lock() else {
            return; // Being asked already.
        };
        if lock(&self.current).addr.is_none() {
            return; // The next connection asks anyway.
        }
        // One sentinel only, the last that answered: the caller paying for the check waits
        // for one round trip at most (or one `sentinel_timeout` if that sentinel is gone).
        if let Ok(addr) = self.sentinels.master_addr(1) {
            self.adopt(addr);
        }
    }

    fn failed(&self, generation: u64, error: &Error) {
        let demoted = error.server_kind() == Some(ServerErrorKind::ReadOnly);
        if !demoted && !error.is_connection_broken() {
            return;
        }
        let mut current = lock(&self.current);
        if generation != self.generation.load(Ordering::Acquire) {
            return; // Already replaced.
        }
        current.suspect = true;
        if demoted {
            // Every connection to the old master would be refused too: drop them all now.
            current.addr = None;
            self.generation.fetch_add(1, Ordering::Release);
        }
    }
}

/// The replicas known, and which one the next connection goes to.
struct Replicas {
    addrs: Vec<HostPort>,
    next: usize,
    /// Ask the sentinels again before the next connection.
    stale: bool,
}

/// The dialer of a Sentinel client's replica pool: the replicas in turn, or the master when
/// none is up.
pub(crate) struct ReplicaDial {
    sentinels: Arc<Sentinels>,
    master: Arc<MasterDial>,
    replicas: Mutex<Replicas>,
}

impl ReplicaDial {
    pub(crate) fn new(sentinels: Arc<Sentinels>, master: Arc<MasterDial>) -> ReplicaDial {
        ReplicaDial {
            sentinels,
            master,
            replicas: Mutex::new(Replicas {
                addrs: Vec::new(),
                next: 0,
                stale: true,
            }),
        }
    }

    /// The replicas to try, starting with the next in turn.
    fn candidates(&self) -> Vec<HostPort> {
        let stale = lock(&self.replicas).stale;
        if stale {
            // A sentinel that cannot answer leaves the list empty: the master serves.
            let found = self.sentinels.replica_addrs().unwrap_or_default();
            let mut replicas = lock(&self.replicas);
            replicas.addrs = found;
            replicas.stale = false;
        }
        let mut replicas = lock(&self.replicas);
        let n = replicas.addrs.len();
        let start = replicas.next;
        replicas.next = replicas.next.wrapping_add(1);
        (0..n)
            .map(|i| replicas.addrs[start.wrapping_add(i) % n].clone())
            .collect()
    }
}

impl Dial for ReplicaDial {
    fn dial(&self, info: &ConnectionInfo, select: bool) -> Result<(Connection, u64)> {
        for addr in self.candidates() {
            match open_at(info, &addr, select, false) {
                Ok(conn) => return Ok((conn, 0)),
                Err(_) => lock(&self.replicas).stale = true,
            }
        }
        self.master.dial(info, select).map(|(conn, _)| (conn, 0))
    }

    fn generation(&self) -> u64 {
        0
    }

    fn failed(&self, _: u64, error: &Error) {
        if error.is_connection_broken() {
            lock(&self.replicas).stale = true;
        }
    }
}
