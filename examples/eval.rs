//! `redis-cli --eval` in a few lines: run a Lua file with keys and arguments and print the
//! reply as `redis-cli` does.
//!
//! ```text
//! cargo run --example eval -- [--url U] [--ro] [-3] script.lua [key ...] [, arg ...]
//! cargo run --example eval -- examples/scripts/sum.lua eval:total , 1 2 3
//! ```
//!
//! Without `--url` it uses `REDIS_URL` (default `redis://127.0.0.1:6379`), or starts a
//! throwaway server if nothing answers there. Exit codes: 0 success, 2 usage, 3 connection,
//! 4 script error (the Lua error and its line go to stderr).

mod common;

use redline::{Client, ClientBuilder, Error, Protocol, ScriptingCommands, Value};
use std::process::ExitCode;

const USAGE: &str = "\
usage: eval [--url URL] [--ro] [-3] SCRIPT.lua [KEY ...] [, ARG ...]

Runs a Lua script with EVAL (EVAL_RO with --ro) and prints the reply as redis-cli does.
Keys and arguments are separated by a lone comma, as with `redis-cli --eval`.

  --url URL   the server (redis://, rediss://, unix://); default: $REDIS_URL, or a throwaway
              redis-server when nothing answers at redis://127.0.0.1:6379
  --ro        run read-only (EVAL_RO, Redis 7): the server refuses writes
  -3          speak RESP3 (maps, sets, doubles come back as such)
  -h, --help  this text

exit codes: 0 ok, 2 usage, 3 connection, 4 script error";

/// Why the program stops, each with its own exit code so that scripts calling it can tell a
/// typo from a down server from a bug in the Lua.
enum Failure {
    /// A command line that does not parse: the usage text follows the message.
    Usage(String),
    /// A well-formed command line naming a file or URL that cannot be used.
    BadInput(String),
    Connection(String),
    Script(Error),
}

struct Invocation {
    url: Option<String>,
    read_only: bool,
    resp3: bool,
    file: String,
    keys: Vec<String>,
    args: Vec<String>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("eval: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::BadInput(message)) => {
            eprintln!("eval: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Connection(message)) => {
            eprintln!("eval: cannot reach the server: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Script(error)) => {
            report_script_error(&error);
            ExitCode::from(4)
        }
    }
}

fn run() -> Result<(), Failure> {
    let Some(invocation) = parse(std::env::args().skip(1))? else {
        println!("{USAGE}");
        return Ok(());
    };
    let source = std::fs::read(&invocation.file)
        .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", invocation.file)))?;
    // Kept alive until the end: dropping it stops the throwaway server.
    let (client, _server) = connect(&invocation)?;

    let (keys, args) = (&invocation.keys, &invocation.args);
    let reply: redline::Result<Value> = if invocation.read_only {
        client.eval_ro(source, keys, args)
    } else {
        client.eval(source, keys, args)
    };
    match reply {
        Ok(value) => {
            println!("{value}");
            Ok(())
        }
        Err(e) if is_connection_error(&e) => Err(Failure::Connection(e.to_string())),
        Err(e) => Err(Failure::Script(e)),
    }
}

/// Parses the command line; `None` for `--help`.
fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Invocation>, Failure> {
    let (mut url, mut read_only, mut resp3) = (None, false, false);
    let file = loop {
        match argv.next().as_deref() {
            Some("-h" | "--help") => return Ok(None),
            Some("--url") => {
                let u = argv
                    .next()
                    .ok_or(Failure::Usage("--url needs a URL".into()))?;
                url = Some(u);
            }
            Some("--ro") => read_only = true,
            Some("-3") => resp3 = true,
            Some(flag) if flag.starts_with('-') => {
                return Err(Failure::Usage(format!("unknown option {flag}")))
            }
            Some(file) => break file.to_string(),
            None => return Err(Failure::Usage("no script file given".into())),
        }
    };
    let rest: Vec<String> = argv.collect();
    let (keys, args) = match rest.iter().position(|a| a == ",") {
        Some(comma) => (rest[..comma].to_vec(), rest[comma + 1..].to_vec()),
        None => (rest, Vec::new()),
    };
    Ok(Some(Invocation {
        url,
        read_only,
        resp3,
        file,
        keys,
        args,
    }))
}

fn connect(invocation: &Invocation) -> Result<(Client, Option<common::Throwaway>), Failure> {
    let (client, server) = match &invocation.url {
        Some(url) => {
            let builder = ClientBuilder::from_url(url)
                .map_err(|e| Failure::BadInput(format!("bad --url: {e}")))?;
            (builder.build(), None)
        }
        None => common::connect().map_err(|e| Failure::Connection(e.to_string()))?,
    };
    let client = if invocation.resp3 {
        ClientBuilder::from_info(client.connection_info().clone())
            .protocol(Protocol::Resp3)
            .build()
    } else {
        client
    };
    // A first round trip, so that a down server is a connection error (3) and not mistaken for
    // a failing script.
    redline::Commands::ping(&client).map_err(|e| Failure::Connection(e.to_string()))?;
    Ok((client, server))
}

/// Errors about reaching or talking to the server, as opposed to errors the script raised.
fn is_connection_error(e: &Error) -> bool {
    e.is_connection_broken()
        || matches!(
            e,
            Error::Auth { .. } | Error::Credentials { .. } | Error::PoolTimeout { .. }
        )
}

/// Prints the error as `redis-cli` would, then, on stderr, the Lua error alone and its line.
fn report_script_error(error: &Error) {
    match error {
        Error::Script { message, line, .. } => {
            println!("(error) {message}");
            let reason = error.script_reason().unwrap_or(message);
            match line {
                Some(line) => eprintln!("eval: Lua error on line {line}: {reason}"),
                None => eprintln!("eval: Lua error: {reason}"),
            }
        }
        Error::Server { message, .. } => {
            println!("(error) {message}");
            eprintln!("eval: the script failed: {message}");
        }
        other => {
            println!("(error) {other}");
            eprintln!("eval: the script failed: {other}");
        }
    }
}
