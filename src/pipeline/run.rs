//! Sending a pipeline on one connection: script preload, chunked writes, reading replies.

use super::{Pipeline, INLINE_LOAD_MAX};
use crate::cmd::cmd;
use crate::connection::{Connection, Inner};
use crate::error::{Error, Result};
use crate::resp::{write_command, Value};
use crate::script::check_sha;
use crate::types::FromValue;

/// How a run failed: `Unsent` when nothing of the batch reached the server (so one retry on
/// a fresh connection is safe), `Sent` otherwise.
pub(super) enum Failure {
    Unsent(Error),
    Sent(Error),
}

impl Failure {
    pub(super) fn into_error(self) -> Error {
        match self {
            Failure::Unsent(e) | Failure::Sent(e) => e,
        }
    }
}

/// The replies of a run: those of the commands not ignored, in order (error replies included
/// as values), and the first error reply of any command, ignored ones included.
pub(super) struct Replies {
    pub(super) kept: Vec<Value>,
    /// The first error reply, as [`Error::Pipeline`] naming its command (named when read,
    /// while the command's segment is still held).
    pub(super) first_error: Option<Error>,
}

impl Replies {
    fn new(pipe: &Pipeline<'_>) -> Replies {
        let kept = pipe.batch.entries().iter().filter(|e| !e.ignore).count();
        Replies {
            kept: Vec::with_capacity(kept),
            first_error: None,
        }
    }

    /// Takes the reply of command `index`: keeps it unless ignored, notes a first error, and
    /// forgets a script the server reports missing (the next batch loads it again).
    fn take(&mut self, pipe: &Pipeline<'_>, inner: &mut Inner, index: usize, reply: Value) {
        let entry = pipe.batch.entries()[index];
        if let Value::Error(message) = &reply {
            if message.starts_with("NOSCRIPT") {
                if let Some(script) = entry.script() {
                    inner.known_scripts.remove(&*pipe.scripts[script].sha);
                }
            }
            if self.first_error.is_none() {
                let error = Error::from_server_reply(message.clone());
                self.first_error = Some(pipe.command_error(index, error));
            }
        }
        if !entry.ignore {
            self.kept.push(reply);
        }
    }
}

/// Runs `pipe` on `conn` and collects its replies.
pub(super) fn run(pipe: &mut Pipeline<'_>, conn: &Connection) -> Result<Replies, Failure> {
    let to_load = scripts_to_load(pipe, conn).map_err(Failure::Unsent)?;
    let mut inner = conn.lock().map_err(Failure::Unsent)?;
    inner.ensure_in_step().map_err(Failure::Unsent)?;

    // Preamble, in the first write: the missing scripts' SCRIPT LOADs, then MULTI.
    let mut preamble = Vec::new();
    for &i in &to_load {
        if let Some(source) = &pipe.scripts[i].source {
            write_command(&mut preamble, &[b"SCRIPT", b"LOAD", source]);
        }
    }
    if pipe.atomic {
        write_command(&mut preamble, &[b"MULTI"]);
    }

    let mut replies = Replies::new(pipe);
    // In a transaction the replies read before EXEC's are QUEUED (or a queue-time error).
    let mut queue_error = None;
    let mut wbuf = std::mem::take(&mut pipe.wbuf);
    let mut preamble_failure = None;
    let last = pipe.batch.segments().saturating_sub(1);
    // Write segment k, then read the replies of segment k - 1: at most two segments are ever
    // unanswered, so neither side's buffers can fill up and stall the other.
    for k in 0..=last {
        let body = pipe.batch.segment(k);
        let with_preamble = k == 0 && !preamble.is_empty();
        let with_exec = k == last && pipe.atomic;
        // Only a segment with something around it is assembled; a plain one goes out as it is.
        let (sent, result) = if with_preamble || with_exec {
            wbuf.clear();
            if with_preamble {
                wbuf.extend_from_slice(&preamble);
            }
            wbuf.extend_from_slice(body);
            if with_exec {
                write_command(&mut wbuf, &[b"EXEC"]);
            }
            inner.write_counted(&wbuf)
        } else {
            inner.write_counted(body)
        };
        if let Err(e) = result {
            pipe.wbuf = wbuf;
            return Err(if k == 0 && sent == 0 {
                Failure::Unsent(e)
            } else {
                Failure::Sent(e)
            });
        }
        if k == 0 {
            preamble_failure = read_preamble(pipe, &mut inner, &to_load)?;
        } else {
            read_segment(pipe, &mut inner, k - 1, &mut replies, &mut queue_error)?;
        }
    }
    read_segment(pipe, &mut inner, last, &mut replies, &mut queue_error)?;
    pipe.wbuf = wbuf;
    let exec = if pipe.atomic {
        read_exec(pipe, &mut inner, queue_error, &mut replies)
    } else {
        Ok(())
    };
    if let Some(e) = preamble_failure {
        return Err(Failure::Sent(e));
    }
    exec?;
    Ok(replies)
}

/// Reads the replies of segment `k`'s commands. A plain pipeline then frees the segment: its
/// first error, if any, has already been named. A transaction keeps every segment, since the
/// errors of its commands arrive only with `EXEC`.
fn read_segment(
    pipe: &mut Pipeline<'_>,
    inner: &mut Inner,
    k: usize,
    replies: &mut Replies,
    queue_error: &mut Option<(usize, String)>,
) -> Result<(), Failure> {
    for index in pipe.batch.commands_of(k) {
        let reply = inner.recv().map_err(Failure::Sent)?;
        if pipe.atomic {
            if let Value::Error(message) = reply {
                queue_error.get_or_insert((index, message));
            }
        } else {
            replies.take(pipe, inner, index, reply);
        }
    }
    if !pipe.atomic && k + 1 < pipe.batch.segments() {
        pipe.batch.release(k);
    }
    Ok(())
}

/// The scripts (indexes into `pipe.scripts`) to load ahead of the batch. Small unknown
/// scripts are loaded without asking; otherwise one `SCRIPT EXISTS` round trip decides.
fn scripts_to_load(pipe: &Pipeline<'_>, conn: &Connection) -> Result<Vec<usize>> {
    let unknown: Vec<usize> = (0..pipe.scripts.len())
        .filter(|&i| !conn.knows_script(&pipe.scripts[i].sha))
        .collect();
    let source_bytes: usize = unknown
        .iter()
        .filter_map(|&i| pipe.scripts[i].source.as_ref().map(|s| s.len()))
        .sum();
    if unknown.is_empty() || source_bytes <= INLINE_LOAD_MAX {
        return Ok(unknown
            .into_iter()
            .filter(|&i| pipe.scripts[i].source.is_some())
            .collect());
    }
    let mut exists = cmd("SCRIPT");
    exists.arg("EXISTS");
    for &i in &unknown {
        exists.arg(&*pipe.scripts[i].sha);
    }
    let flags: Vec<bool> = conn.query(&exists)?;
    let mut to_load = Vec::new();
    for (&i, cached) in unknown.iter().zip(flags) {
        if cached {
            conn.remember_script(&pipe.scripts[i].sha);
        } else if pipe.scripts[i].source.is_some() {
            to_load.push(i);
        }
    }
    Ok(to_load)
}

/// Reads the replies to the preamble. A script that failed to load is returned as the error of
/// the first command that calls it, to be reported once every reply has been read, so that the
/// connection stays in step.
fn read_preamble(
    pipe: &Pipeline<'_>,
    inner: &mut Inner,
    to_load: &[usize],
) -> Result<Option<Error>, Failure> {
    let mut failure = None;
    for &i in to_load {
        let sha = &pipe.scripts[i].sha;
        let outcome = match inner.recv().map_err(Failure::Sent)? {
            Value::Error(message) => Err(Error::from_server_reply(message)),
            value => String::from_value(value).and_then(|got| check_sha(sha, got)),
        };
        match outcome {
            Ok(()) => {
                if !inner.known_scripts.contains(&**sha) {
                    inner.known_scripts.insert(sha.to_string());
                }
            }
            Err(e) => {
                if failure.is_none() {
                    let index = pipe
                        .batch
                        .entries()
                        .iter()
                        .position(|e| e.script() == Some(i))
                        .unwrap_or(0);
                    failure = Some(pipe.command_error(index, e));
                }
            }
        }
    }
    if pipe.atomic {
        if let Value::Error(message) = inner.recv().map_err(Failure::Sent)? {
            failure.get_or_insert(Error::from_server_reply(message));
        }
    }
    Ok(failure)
}

/// Reads `EXEC`'s reply: the real replies, a watch conflict, or an abort caused by a command
/// that failed to queue (reported for that command).
fn read_exec(
    pipe: &Pipeline<'_>,
    inner: &mut Inner,
    queue_error: Option<(usize, String)>,
    replies: &mut Replies,
) -> Result<(), Failure> {
    match inner.recv().map_err(Failure::Sent)?.into_data() {
        Value::Array(results) if results.len() == pipe.batch.len() => {
            for (index, reply) in results.into_iter().enumerate() {
                replies.take(pipe, inner, index, reply);
            }
            Ok(())
        }
        Value::Nil => Err(Failure::Sent(Error::WatchConflict)),
        Value::Error(message) => Err(Failure::Sent(match queue_error {
            Some((i, m)) => pipe.command_error(i, Error::from_server_reply(m)),
            None => Error::from_server_reply(message),
        })),
        other => Err(Failure::Sent(Error::conversion::<Vec<Value>>(&other))),
    }
}
