//! Sending a batch on one connection: script preload, segmented writes, reading replies.

use super::{Batch, Core, PipelineReplies};
use crate::code::check_sha;
use crate::connection::{Connection, Wire};
use crate::error::{Error, Result};
use crate::resp::{write_command, Value};
use crate::types::FromValue;

/// Total source bytes of scripts that are loaded inline, in the batch's own write, without
/// asking `SCRIPT EXISTS` first. Larger sources are checked first so that big scripts are sent
/// only to a server that lacks them.
const INLINE_LOAD_MAX: usize = 64 * 1024;

/// How a run failed: `Unsent` when nothing of the batch reached the server (so one retry on
/// a fresh connection is safe), `Sent` otherwise.
pub(crate) enum Failure {
    Unsent(Error),
    Sent(Error),
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Unsent(e) | Failure::Sent(e) => e,
        }
    }
}

/// Runs `batch` on `conn`, handing every reply to the batch, or to its sink while they arrive
/// (a plain batch).
pub(crate) fn run(batch: &mut Batch<'_>, conn: &Connection) -> Result<(), Failure> {
    let outcome = run_batch(batch, conn);
    if batch.core.flushes_scripts {
        // Whatever it loaded, the batch's own SCRIPT FLUSH may have emptied the cache since.
        conn.forget_scripts();
    }
    outcome
}

fn run_batch(batch: &mut Batch<'_>, conn: &Connection) -> Result<(), Failure> {
    let sink = if batch.core.atomic {
        None
    } else {
        batch.sink.take()
    };
    let started = start(&mut batch.core, conn)?;
    finish(started, &mut batch.core, sink)
}

/// A batch whose first write is out: what [`finish`] needs to read its replies and send the
/// rest. Holding it keeps the connection locked.
pub(crate) struct Started<'c> {
    wire: Wire<'c>,
    to_load: Vec<usize>,
    /// `MULTI` went alone, ahead of the first write, and is answered already.
    multi_first: bool,
    wbuf: Vec<u8>,
}

/// Sends the first segment of `batch` on `conn`, with the loads of the scripts the server may
/// lack (and `MULTI`) in front of it, without reading any reply: a runner with batches for
/// several servers starts them all before it reads one.
pub(crate) fn start<'c>(batch: &mut Core, conn: &'c Connection) -> Result<Started<'c>, Failure> {
    let mut wire = conn.wire().map_err(Failure::Unsent)?;
    batch.reset_replies();
    let to_load = scripts_to_load(batch, &mut wire).map_err(Failure::Unsent)?;
    let multi_first = batch.atomic && !wire.multi_accepted();
    if multi_first {
        open_transaction(&mut wire)?;
    }

    // Preamble, in the first write: the missing scripts' SCRIPT LOADs; a transaction has
    // MULTI first and loads every script it calls inside it, so that no script can be missing
    // at EXEC whatever another client flushes meanwhile (all or nothing).
    let mut preamble = Vec::new();
    if batch.atomic && !multi_first {
        write_command(&mut preamble, &[b"MULTI"]);
    }
    for &i in &to_load {
        if let Some(source) = batch.scripts[i].source() {
            write_command(&mut preamble, &[b"SCRIPT", b"LOAD", source]);
        }
    }
    let mut wbuf = std::mem::take(&mut batch.wbuf);
    let result = write_segment(batch, &mut wire, 0, &preamble, &mut wbuf);
    if let Err((sent, e)) = result {
        batch.wbuf = wbuf;
        return Err(if sent == 0 {
            Failure::Unsent(e)
        } else {
            Failure::Sent(e)
        });
    }
    Ok(Started {
        wire,
        to_load,
        multi_first,
        wbuf,
    })
}

/// Writes segment `k`, with `preamble` in front (the first) and `EXEC` after (the last of a
/// transaction). Only a segment with something around it is assembled in `wbuf`; a plain one
/// goes out as it is. On failure, how many bytes were handed to the socket.
fn write_segment(
    batch: &Core,
    wire: &mut Wire<'_>,
    k: usize,
    preamble: &[u8],
    wbuf: &mut Vec<u8>,
) -> Result<(), (usize, Error)> {
    let body = batch.segments.segment(k);
    let last = batch.segments.segments().saturating_sub(1);
    let with_exec = k == last && batch.atomic;
    let (sent, result) = if !preamble.is_empty() || with_exec {
        wbuf.clear();
        wbuf.extend_from_slice(preamble);
        wbuf.extend_from_slice(body);
        if with_exec {
            write_command(wbuf, &[b"EXEC"]);
        }
        wire.write_counted(wbuf)
    } else {
        wire.write_counted(body)
    };
    result.map_err(|e| (sent, e))
}

/// Reads the replies of a started batch, writing its other segments as it goes: segment k is
/// written, then the replies of segment k - 1 are read, so at most two segments are ever
/// unanswered and neither side's buffers can fill up and stall the other.
pub(crate) fn finish(
    started: Started<'_>,
    batch: &mut Core,
    sink: Option<super::Sink<'_>>,
) -> Result<(), Failure> {
    let Started {
        mut wire,
        to_load,
        multi_first,
        mut wbuf,
    } = started;
    let mut preamble_failure = read_preamble(batch, &mut wire, &to_load, !multi_first)?;
    if let Some(sink) = sink {
        batch.wbuf = wbuf;
        let mut replies = PipelineReplies::new(wire.reader(), batch, 1);
        sink(&mut replies);
        let read = replies.finish().map_err(Failure::Sent);
        wire.settle();
        read?;
        return match preamble_failure {
            Some(e) => Err(Failure::Sent(e)),
            None => Ok(()),
        };
    }
    // In a transaction the replies read before EXEC's are QUEUED (or a queue-time error).
    let mut queue_error = None;
    let last = batch.segments.segments().saturating_sub(1);
    for k in 1..=last {
        // Each segment has the whole timeout for its write and its replies.
        wire.start_segment();
        if let Err((_, e)) = write_segment(batch, &mut wire, k, &[], &mut wbuf) {
            batch.wbuf = wbuf;
            return Err(Failure::Sent(e));
        }
        read_segment(batch, &mut wire, k - 1, &mut queue_error)?;
    }
    read_segment(batch, &mut wire, last, &mut queue_error)?;
    batch.wbuf = wbuf;
    let exec = if batch.atomic {
        read_exec(
            batch,
            &mut wire,
            queue_error,
            &to_load,
            &mut preamble_failure,
        )
    } else {
        Ok(())
    };
    if let Some(e) = preamble_failure {
        return Err(Failure::Sent(e));
    }
    exec
}

/// Sends `MULTI` alone and waits for its answer: the first transaction on a connection does,
/// because a server that refuses `MULTI` (an ACL user without it) goes on to run every command
/// written behind it, one by one. Once accepted, later transactions on the connection send it
/// in the same write as their commands.
fn open_transaction(wire: &mut Wire<'_>) -> Result<(), Failure> {
    let mut request = Vec::new();
    write_command(&mut request, &[b"MULTI"]);
    let (sent, written) = wire.write_counted(&request);
    if let Err(e) = written {
        return Err(if sent == 0 {
            Failure::Unsent(e)
        } else {
            Failure::Sent(e)
        });
    }
    match wire.recv().map_err(Failure::Sent)? {
        // Nothing was queued and the connection is in step: the batch fails whole.
        Value::Error(message) => Err(Failure::Sent(Error::from_server_reply(message))),
        _ => {
            wire.accept_multi();
            Ok(())
        }
    }
}

/// Reads the replies of segment `k`'s commands. A plain batch then frees the segment: its
/// first error, if any, has already been named. A transaction keeps every segment, since the
/// errors of its commands arrive only with `EXEC`.
fn read_segment(
    batch: &mut Core,
    wire: &mut Wire<'_>,
    k: usize,
    queue_error: &mut Option<(usize, String)>,
) -> Result<(), Failure> {
    for index in batch.segments.commands_of(k) {
        let reply = wire.recv().map_err(Failure::Sent)?;
        if batch.atomic {
            if let Value::Error(message) = reply {
                queue_error.get_or_insert((index, message));
            }
        } else {
            take(batch, wire, index, reply);
        }
    }
    if !batch.atomic && k + 1 < batch.segments.segments() {
        batch.segments.release(k);
    }
    Ok(())
}

/// Hands a reply to the batch; a script the server reports missing is forgotten, so that the
/// next batch on this connection loads it again.
fn take(batch: &mut Core, wire: &mut Wire<'_>, index: usize, reply: Value) {
    if let Some(missing) = batch.take(index, reply) {
        wire.scripts().forget(missing.sha());
    }
}

/// The scripts (indexes into the batch's scripts) to load ahead of the batch, in its own
/// write. When their sources come to at most [`INLINE_LOAD_MAX`] bytes, all of them, whatever
/// this connection believes: another client's `SCRIPT FLUSH` can then cause a `NOSCRIPT` only
/// within the batch's own write, for the price of the sources' bytes (the server answers a
/// `SCRIPT LOAD` of a cached script without compiling it). Larger sets: the unknown ones,
/// inline if small, else after one `SCRIPT EXISTS` round trip.
fn scripts_to_load(batch: &Core, wire: &mut Wire<'_>) -> Result<Vec<usize>> {
    let scripts = batch.scripts();
    let with_source = || (0..scripts.len()).filter(|&i| scripts[i].source().is_some());
    let all_bytes: usize = scripts
        .iter()
        .filter_map(|s| s.source().map(<[u8]>::len))
        .sum();
    if batch.atomic || all_bytes <= INLINE_LOAD_MAX {
        // A transaction loads inside itself, whatever the sizes: nothing may be missing at EXEC.
        return Ok(with_source().collect());
    }
    let unknown: Vec<usize> = (0..scripts.len())
        .filter(|&i| !wire.scripts().knows(scripts[i].sha()))
        .collect();
    let source_bytes: usize = unknown
        .iter()
        .filter_map(|&i| scripts[i].source().map(<[u8]>::len))
        .sum();
    if unknown.is_empty() || source_bytes <= INLINE_LOAD_MAX {
        return Ok(unknown
            .into_iter()
            .filter(|&i| scripts[i].source().is_some())
            .collect());
    }
    let mut exists: Vec<&[u8]> = vec![b"SCRIPT", b"EXISTS"];
    exists.extend(unknown.iter().map(|&i| scripts[i].sha().as_bytes()));
    let mut request = Vec::new();
    write_command(&mut request, &exists);
    wire.write_counted(&request).1?;
    let flags: Vec<bool> = match wire.recv()? {
        Value::Error(message) => return Err(Error::from_server_reply(message)),
        value => FromValue::from_value(value)?,
    };
    let mut to_load = Vec::new();
    for (&i, cached) in unknown.iter().zip(flags) {
        if cached {
            wire.scripts().loaded(scripts[i].sha());
        } else if scripts[i].source().is_some() {
            to_load.push(i);
        }
    }
    Ok(to_load)
}

/// Reads the replies to the preamble. A script that failed to load is returned as the error of
/// the first command that calls it, to be reported once every reply has been read, so that the
/// connection stays in step.
fn read_preamble(
    batch: &Core,
    wire: &mut Wire<'_>,
    to_load: &[usize],
    with_multi: bool,
) -> Result<Option<Error>, Failure> {
    let mut failure = None;
    if batch.atomic {
        // MULTI's reply (unless it was sent alone), then QUEUED for each load: the loads'
        // results come with EXEC's.
        for _ in 0..to_load.len() + usize::from(with_multi) {
            if let Value::Error(message) = wire.recv().map_err(Failure::Sent)? {
                failure.get_or_insert(Error::from_server_reply(message));
            }
        }
        return Ok(failure);
    }
    for &i in to_load {
        let reply = wire.recv().map_err(Failure::Sent)?;
        loaded(batch, wire, i, reply, &mut failure);
    }
    Ok(failure)
}

/// Checks the reply of script `i`'s `SCRIPT LOAD`: only a reply with its SHA1 marks it loaded;
/// a failure becomes the error of the first command that calls it.
fn loaded(batch: &Core, wire: &mut Wire<'_>, i: usize, reply: Value, failure: &mut Option<Error>) {
    let sha = batch.scripts[i].sha();
    let outcome = match reply {
        Value::Error(message) => Err(Error::from_server_reply(message)),
        value => String::from_value(value).and_then(|got| check_sha(sha, got)),
    };
    match outcome {
        Ok(()) => wire.scripts().loaded(sha),
        Err(e) => {
            if failure.is_none() {
                let e = e.with_script_sha(sha);
                *failure = Some(match batch.first_caller(i) {
                    Some(index) => batch.command_error(index, e),
                    None => e,
                });
            }
        }
    }
}

/// Reads `EXEC`'s reply: the real replies, a watch conflict, or an abort caused by a command
/// that failed to queue (reported for that command).
fn read_exec(
    batch: &mut Core,
    wire: &mut Wire<'_>,
    queue_error: Option<(usize, String)>,
    to_load: &[usize],
    load_failure: &mut Option<Error>,
) -> Result<(), Failure> {
    match wire.recv().map_err(Failure::Sent)?.into_data() {
        Value::Array(results) if results.len() == to_load.len() + batch.len() => {
            let mut results = results.into_iter();
            for (&i, reply) in to_load.iter().zip(results.by_ref()) {
                loaded(batch, wire, i, reply, load_failure);
            }
            for (index, reply) in results.enumerate() {
                take(batch, wire, index, reply);
            }
            Ok(())
        }
        Value::Nil => Err(Failure::Sent(Error::WatchConflict)),
        Value::Error(message) => Err(Failure::Sent(match queue_error {
            Some((i, m)) => batch.command_error(i, Error::from_server_reply(m)),
            None => Error::from_server_reply(message),
        })),
        other => Err(Failure::Sent(Error::conversion::<Vec<Value>>(&other))),
    }
}
