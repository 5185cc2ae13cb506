//! What the workers saw, counted.

use super::{Action, Op};
use redline::Error;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// What happened, counted by every worker.
#[derive(Default)]
pub struct Counts {
    ok: Mutex<BTreeMap<Op, u64>>,
    errors: Mutex<BTreeMap<(Op, String), u64>>,
    pub(super) injected: Mutex<BTreeMap<Action, u64>>,
    pub(super) wrong: AtomicU64,
    pub(super) partial: AtomicU64,
    pub(super) lost: AtomicU64,
    pub(super) atomic_checked: AtomicU64,
    slowest: Mutex<BTreeMap<Op, Duration>>,
    pub(super) signals: AtomicU64,
    pub(super) admin_errors: AtomicU64,
    samples: Mutex<Vec<String>>,
}

impl Counts {
    /// Replies checked and right.
    pub fn ok(&self) -> u64 {
        lock(&self.ok).values().sum()
    }

    pub fn ok_of(&self, op: Op) -> u64 {
        lock(&self.ok).get(&op).copied().unwrap_or(0)
    }

    /// Calls that returned an error.
    pub fn errors(&self) -> u64 {
        lock(&self.errors).values().sum()
    }

    pub fn errors_of(&self, op: Op) -> u64 {
        let errors = lock(&self.errors);
        errors
            .iter()
            .filter(|((o, _), _)| *o == op)
            .map(|(_, n)| n)
            .sum()
    }

    /// The kinds of error seen (`Io(Read, ConnectionReset)`, `Timeout(Read)`, ...).
    pub fn error_kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = lock(&self.errors).keys().map(|(_, k)| k.clone()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Successful replies that were not the call's own (or a conversion error: a reply of
    /// another shape).
    pub fn wrong(&self) -> u64 {
        self.wrong.load(Ordering::SeqCst)
    }

    /// Transactions found partly applied.
    pub fn partial(&self) -> u64 {
        self.partial.load(Ordering::SeqCst)
    }

    /// `GET`s that found nothing after their `SET` succeeded (a restart emptied the server).
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::SeqCst)
    }

    pub fn atomic_checked(&self) -> u64 {
        self.atomic_checked.load(Ordering::SeqCst)
    }

    /// The longest any call took, successful or not.
    pub fn slowest(&self) -> Duration {
        lock(&self.slowest)
            .values()
            .copied()
            .max()
            .unwrap_or_default()
    }

    pub fn signals(&self) -> u64 {
        self.signals.load(Ordering::SeqCst)
    }

    pub fn injected(&self, action: Action) -> u64 {
        lock(&self.injected).get(&action).copied().unwrap_or(0)
    }

    pub(super) fn record(
        &self,
        op: Op,
        outcome: Result<Result<(), String>, Error>,
        took: Duration,
    ) {
        {
            let mut slowest = lock(&self.slowest);
            let slowest = slowest.entry(op).or_default();
            *slowest = took.max(*slowest);
        }
        match outcome {
            Ok(Ok(())) => *lock(&self.ok).entry(op).or_default() += 1,
            Ok(Err(wrong)) => self.wrong_reply(format!("{op:?}: {wrong}")),
            Err(e) if is_conversion(&e) => self.wrong_reply(format!("{op:?}: {e}")),
            Err(e) => *lock(&self.errors).entry((op, kind(&e))).or_default() += 1,
        }
    }

    fn wrong_reply(&self, what: String) {
        self.wrong.fetch_add(1, Ordering::SeqCst);
        self.sample(what);
    }

    pub(super) fn sample(&self, what: String) {
        let mut samples = lock(&self.samples);
        if samples.len() < 10 {
            samples.push(what);
        }
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ops ok {} (", self.ok())?;
        for (i, (op, n)) in lock(&self.ok).iter().enumerate() {
            write!(f, "{}{op:?} {n}", if i > 0 { ", " } else { "" })?;
        }
        write!(f, "), errors {}", self.errors())?;
        for ((op, kind), n) in lock(&self.errors).iter() {
            write!(f, "\n    {op:?} {kind}: {n}")?;
        }
        write!(
            f,
            "\n  wrong {}, partial {} (transactions checked {}), lost after restarts {}, \
             slowest call {:?} (",
            self.wrong(),
            self.partial(),
            self.atomic_checked(),
            self.lost(),
            self.slowest(),
        )?;
        for (i, (op, took)) in lock(&self.slowest).iter().enumerate() {
            write!(f, "{}{op:?} {took:.1?}", if i > 0 { ", " } else { "" })?;
        }
        write!(f, "), signals sent {}", self.signals())?;
        let injected = lock(&self.injected);
        if !injected.is_empty() {
            write!(f, "\n  faults injected:")?;
            for (action, n) in injected.iter() {
                write!(f, " {action:?} {n}")?;
            }
            write!(
                f,
                " (admin calls failed {})",
                self.admin_errors.load(Ordering::SeqCst)
            )?;
        }
        for sample in lock(&self.samples).iter() {
            write!(f, "\n  WRONG: {sample}")?;
        }
        Ok(())
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A short name for an error's kind, with the step and the OS error where there is one.
pub fn kind(e: &Error) -> String {
    match e {
        Error::Io { op, source, .. } => format!("Io({op:?}, {:?})", source.kind()),
        Error::Timeout { op, .. } => format!("Timeout({op:?})"),
        Error::Protocol { op, source, .. } => format!("Protocol({op:?}, {source})"),
        Error::Server { kind, .. } => format!("Server({kind:?})"),
        Error::Pipeline { source, .. } => format!("Pipeline[{}]", kind(source)),
        other => {
            let text = format!("{other:?}");
            let end = text.find([' ', '(', '{']).unwrap_or(text.len());
            text[..end].to_string()
        }
    }
}

fn is_conversion(e: &Error) -> bool {
    match e {
        Error::Conversion { .. } => true,
        Error::Pipeline { source, .. } => is_conversion(source),
        _ => false,
    }
}
