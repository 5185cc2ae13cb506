//! One worker: steps of every kind, each reply checked against its own token.

use super::{Counts, Op, BIG, ECHO_SET, PAD};
use redline::{cmd, Client, Commands, Error};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An id for this run, so that no two runs share a token.
pub fn run_id() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 1_000_000_007)
        .unwrap_or(0)
}

/// One worker: steps through `ops` until `stop`, checking every reply.
pub struct Worker<'a> {
    client: &'a Client,
    run: u64,
    id: usize,
    counts: &'a Counts,
}

impl<'a> Worker<'a> {
    pub fn new(client: &'a Client, run: u64, id: usize, counts: &'a Counts) -> Worker<'a> {
        Worker {
            client,
            run,
            id,
            counts,
        }
    }

    fn key(&self, name: &str) -> String {
        format!("faults:{}:{}:{name}", self.run, self.id)
    }

    /// Runs until `stop`, then checks its transactions' keys one last time.
    pub fn run(&self, ops: &[Op], stop: &AtomicBool) {
        let script = ECHO_SET.bind(self.client);
        let mut i = 0u64;
        while !stop.load(Ordering::SeqCst) && !ops.is_empty() {
            let token = format!("{}:{}:{i}", self.run, self.id);
            match ops[(i % ops.len() as u64) as usize] {
                Op::Script => self.timed(Op::Script, || {
                    let got: String = script.call(self.key("script"), &token)?;
                    Ok(expect(&got, &token))
                }),
                Op::Plain => self.plain(&token),
                Op::Pipeline => self.pipeline(&token),
                Op::Atomic => self.atomic(&token),
                Op::Big => self.big(&token, i % 2 == 0),
            }
            i += 1;
        }
        // The faults are over: the last transaction's keys must be readable now.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(self.check_atomic() && self.check_big()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn timed(&self, op: Op, call: impl FnOnce() -> Result<Result<(), String>, Error>) {
        let started = Instant::now();
        let outcome = call();
        self.counts.record(op, outcome, started.elapsed());
    }

    fn plain(&self, token: &str) {
        self.timed(Op::Plain, || {
            let got: String = self.client.query(cmd("ECHO").arg(token))?;
            Ok(expect(&got, token))
        });
        let key = self.key("plain");
        let started = Instant::now();
        let set = self.client.set(&key, token);
        let set_ok = set.is_ok();
        self.counts
            .record(Op::Plain, set.map(Ok), started.elapsed());
        if !set_ok {
            // It may or may not have been applied: the next GET proves nothing.
            return;
        }
        self.timed(Op::Plain, || {
            match self.client.get::<Option<String>>(&key)? {
                Some(got) => Ok(expect(&got, token)),
                None => {
                    self.counts.lost.fetch_add(1, Ordering::SeqCst);
                    Ok(Ok(()))
                }
            }
        });
    }

    fn pipeline(&self, token: &str) {
        let key = self.key("pipe");
        self.timed(Op::Pipeline, || {
            let ((), got, scripted, echoed): ((), Option<String>, String, String) = self
                .client
                .pipeline()
                .set(&key, token)
                .get(&key)
                .script(&ECHO_SET, self.key("pipe-script"), token)
                .cmd(cmd("ECHO").arg(token))
                .execute()?;
            // One connection, in order: the GET sees the SET of the same batch.
            let got = got.unwrap_or_else(|| "nil".into());
            Ok(expect(&got, token)
                .and(expect(&scripted, token))
                .and(expect(&echoed, token)))
        });
    }

    /// Checks that the three keys of this worker's transactions hold the same value (all set
    /// by one transaction, or none set). Returns whether the check could be made.
    fn check_atomic(&self) -> bool {
        let keys = [self.key("a"), self.key("b"), self.key("c")];
        let started = Instant::now();
        let values = match self.client.mget::<Vec<Option<String>>>(&keys[..]) {
            Ok(v) => v,
            Err(e) => {
                self.counts.record(Op::Atomic, Err(e), started.elapsed());
                return false;
            }
        };
        self.counts.atomic_checked.fetch_add(1, Ordering::SeqCst);
        if values.len() != 3 || values.iter().any(|v| *v != values[0]) {
            self.counts.partial.fetch_add(1, Ordering::SeqCst);
            self.counts
                .sample(format!("partial transaction: {values:?}"));
        }
        true
    }

    fn atomic(&self, token: &str) {
        // Every transaction's keys are checked before the next one runs (and at the end), so
        // a half-applied one is always seen, whether it returned an error or not.
        if !self.check_atomic() {
            return;
        }
        let [a, b, c] = [self.key("a"), self.key("b"), self.key("c")];
        self.timed(Op::Atomic, || {
            let ((), (), scripted): ((), (), String) = self
                .client
                .pipeline()
                .atomic()
                .set(&a, token)
                .set(&b, token)
                .script(&ECHO_SET, &c, token)
                .execute()?;
            Ok(expect(&scripted, token))
        });
    }
}

impl Worker<'_> {
    fn big_key(&self, atomic: bool, j: usize) -> String {
        self.key(&format!(
            "{}{j}",
            if atomic { "big-atomic:" } else { "big:" }
        ))
    }

    fn big(&self, token: &str, atomic: bool) {
        if atomic && !self.check_big() {
            return;
        }
        let value = |j: usize| format!("{token}/{j}/{PAD}");
        self.timed(Op::Big, || {
            let mut pipe = self.client.pipeline();
            if atomic {
                pipe.atomic();
            }
            for j in 0..BIG {
                let key = self.big_key(atomic, j);
                pipe.set(&key, value(j)).ignore().get(&key);
            }
            let got: Vec<Option<String>> = pipe.execute()?;
            if got.len() != BIG {
                return Ok(Err(format!("{} replies for {BIG} GETs", got.len())));
            }
            for (j, got) in got.into_iter().enumerate() {
                let got = got.unwrap_or_else(|| "nil".into());
                if let Err(e) = expect(&got, &value(j)) {
                    return Ok(Err(format!("GET #{j}: {e}")));
                }
            }
            Ok(Ok(()))
        });
    }

    /// Checks that the keys of this worker's big transactions were all set by the same one
    /// (or none set). Returns whether the check could be made.
    fn check_big(&self) -> bool {
        let keys: Vec<String> = (0..BIG).map(|j| self.big_key(true, j)).collect();
        let started = Instant::now();
        let values = match self.client.mget::<Vec<Option<String>>>(&keys[..]) {
            Ok(v) => v,
            Err(e) => {
                self.counts.record(Op::Big, Err(e), started.elapsed());
                return false;
            }
        };
        self.counts.atomic_checked.fetch_add(1, Ordering::SeqCst);
        let batch = |v: &Option<String>| {
            v.as_deref()
                .and_then(|v| v.split('/').next())
                .map(str::to_owned)
        };
        let first = values.first().map(batch).unwrap_or(None);
        if values.len() != BIG || values.iter().any(|v| batch(v) != first) {
            let set = values.iter().filter(|v| batch(v) == first).count();
            self.counts.partial.fetch_add(1, Ordering::SeqCst);
            self.counts.sample(format!(
                "partial big transaction: {set} of {} keys from {first:?}",
                values.len()
            ));
        }
        true
    }
}

fn expect(got: &str, token: &str) -> Result<(), String> {
    if got == token {
        Ok(())
    } else {
        Err(format!("expected {token:?}, got {got:?}"))
    }
}
