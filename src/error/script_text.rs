//! Reading the server's texts: a Lua error's reason, SHA1 and line in each server's wording,
//! and an ACL refusal inside a script.

/// An ACL refusal of a `redis.call` (or a returned `redis.pcall` error), in the forms of
/// Redis 7.0 (`ERR The user executing the script can't run this command or subcommand script:
/// <sha>, on @user_script:1.`), Redis 6.2 (`ERR Error running script (call to f_<sha>):
/// @user_script:1: @user_script: 1: The user executing the script can't access at least one
/// of the keys ...`, or the bare `@user_script: 1: ...` of a returned `pcall` error) and
/// Valkey 9 and Redis 7.2+ (`ERR ACL failure in script: User alice has no permissions to run
/// the 'set' command script: on @user_script:1.`).
pub(super) fn acl_denied_in_script(code: &str, message: &str) -> bool {
    (code == "ERR" || code.starts_with("@user_script"))
        && (message.contains("The user executing the script can't ")
            || message.contains("ACL failure in script: "))
}

/// What an error reply of a script says beyond its text.
pub(super) struct ScriptDetails {
    pub(super) reason: String,
    pub(super) sha: Option<String>,
    pub(super) line: Option<u32>,
}

/// Reads a Lua error from the server's texts, such as Redis 7's
/// `ERR user_script:1: Script attempted to access nonexistent global variable 'x' script:
/// e0e1f9fabfc9d4800c877a703b823ac0578ff8db, on @user_script:1.`,
/// `ERR Error compiling script (new function): user_script:1: '=' expected near 'end'`, a
/// function's `... script: myfunc, on @user_function:2.`, Valkey 9's `... script: on
/// @user_script:1.` and Redis 6's
/// `ERR Error running script (call to f_<sha>): @user_script:1: user_script:1: boom`.
/// Returns `None` when the text does not come from a script. Never panics: the text is the
/// server's, and Lua puts whatever the script says into it.
pub(super) fn script_details(message: &str) -> Option<ScriptDetails> {
    let body = message.strip_prefix("ERR ").unwrap_or(message);
    // Redis 7 appends ` script: <sha or function>, on @user_script:<line>.`, Valkey 9
    // ` script: on @user_script:<line>.` (no name). The Lua text before it may say "script: "
    // itself, but never after it, so the last one is the server's.
    let split = body
        .rfind(" script: ")
        .filter(|&at| {
            body.get(at..)
                .is_some_and(|tail| tail.contains(", on @") || tail.starts_with(" script: on @"))
        })
        .and_then(|at| Some((body.get(..at)?, body.get(at + " script: ".len()..)?)));
    let (text, tail) = match split {
        Some((text, tail)) => (text, Some(tail)),
        None => (body, None),
    };

    // A function's name stands where a script's SHA1 would; it may look like one but be longer.
    let sha = tail
        .and_then(|tail| hex_sha(tail, ','))
        // Redis 6 names the script's Lua function instead: `(call to f_<sha>)`.
        .or_else(|| {
            let at = text.find("(call to f_")? + "(call to f_".len();
            hex_sha(text.get(at..)?, ')')
        });
    let line = tail.and_then(line_number).or_else(|| line_number(text));
    let compiling = message.starts_with("ERR Error compiling script");
    if sha.is_none() && line.is_none() && !compiling {
        return None;
    }
    Some(ScriptDetails {
        reason: reason(text).to_owned(),
        sha,
        line,
    })
}

/// The 40 hex digits at the start of `text`, if `end` follows them.
fn hex_sha(text: &str, end: char) -> Option<String> {
    let hex = text.get(..40)?;
    (hex.bytes().all(|b| b.is_ascii_hexdigit()) && text.get(40..)?.starts_with(end))
        .then(|| hex.to_ascii_lowercase())
}

/// The first line number the server gives, `@` forms (the server's own) before bare ones (from
/// Lua's message).
fn line_number(text: &str) -> Option<u32> {
    [
        "@user_script:",
        "user_script:",
        "@user_function:",
        "user_function:",
    ]
    .iter()
    .find_map(|marker| {
        let rest = text.get(text.find(marker)? + marker.len()..)?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        rest.get(..digits)?.parse().ok()
    })
}

/// The Lua error in `text` (the reply without its code and Redis 7's tail): what follows the
/// server's prefixes and every `user_script:<line>:` in front of it.
fn reason(text: &str) -> &str {
    let mut reason = text;
    for prefix in [
        "Error compiling script (new function): ",
        "Error compiling function: ",
        "Error registering functions: ",
    ] {
        if let Some(rest) = reason.strip_prefix(prefix) {
            reason = rest;
            break;
        }
    }
    // Redis 6: `Error running script (call to f_<sha>): `.
    if reason.starts_with("Error running script") {
        if let Some(rest) = reason
            .find("): ")
            .and_then(|at| reason.get(at + "): ".len()..))
        {
            reason = rest;
        }
    }
    // FUNCTION LOAD quotes the whole error reply, code included.
    reason = reason.strip_prefix("ERR ").unwrap_or(reason);
    // A rethrown error carries one location per `error()` it went through.
    while let Some(rest) = strip_location(reason) {
        reason = rest;
    }
    reason
}

/// `text` without a leading `user_script:3: ` (or `@user_script:3: `, `user_function:3: `, and
/// Redis 6's `@user_script: 3: `).
fn strip_location(text: &str) -> Option<&str> {
    let rest = [
        "@user_script:",
        "user_script:",
        "@user_function:",
        "user_function:",
    ]
    .iter()
    .find_map(|marker| text.strip_prefix(marker))?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = rest.get(digits..)?.strip_prefix(':')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}
