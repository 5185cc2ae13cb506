//! The classifier of server error replies, on real texts and odd ones.

use super::*;

#[test]
fn error_stays_small() {
    // `Error::Script` is the largest variant: three strings and a line number.
    assert!(
        std::mem::size_of::<Error>() <= 80,
        "{}",
        std::mem::size_of::<Error>()
    );
}

#[test]
fn classifies_codes() {
    let e = Error::from_server_reply("WRONGTYPE Operation against a key".into());
    assert_eq!(e.server_kind(), Some(ServerErrorKind::WrongType));
    assert!(matches!(
        Error::from_server_reply("NOSCRIPT No matching script.".into()),
        Error::NoScript
    ));
    let e = Error::from_server_reply("BUSY Redis is busy running a script.".into());
    assert_eq!(e.server_kind(), Some(ServerErrorKind::Busy));
    let e = Error::from_server_reply("my own error".into());
    assert_eq!(e.server_kind(), Some(ServerErrorKind::Other));
    let e = Error::from_server_reply("".into());
    assert_eq!(e.server_kind(), Some(ServerErrorKind::Other));
}

#[test]
fn parses_lua_runtime_error() {
    let text = "ERR user_script:3: Script attempted to access nonexistent global variable \
                'x' script: E0E1F9FABFC9D4800C877A703B823AC0578FF8DB, on @user_script:3.";
    match Error::from_server_reply(text.into()) {
        Error::Script {
            message,
            reason,
            sha,
            line,
        } => {
            assert_eq!(message, text);
            assert_eq!(
                reason,
                "Script attempted to access nonexistent global variable 'x'"
            );
            assert_eq!(
                sha.as_deref(),
                Some("e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
            );
            assert_eq!(line, Some(3));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn parses_compile_error() {
    let text = "ERR Error compiling script (new function): user_script:7: '=' expected";
    match Error::from_server_reply(text.into()) {
        Error::Script {
            reason, sha, line, ..
        } => {
            assert_eq!(reason, "'=' expected");
            assert_eq!(sha, None);
            assert_eq!(line, Some(7));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn readonly_inside_script_keeps_its_kind() {
    let text = "READONLY You can't write against a read only replica. script: \
                e0e1f9fabfc9d4800c877a703b823ac0578ff8db, on @user_script:1.";
    let e = Error::from_server_reply(text.into());
    assert_eq!(e.server_kind(), Some(ServerErrorKind::ReadOnly));
}

/// Classifies `text` and returns its script details, failing the test if it is not a
/// script error.
#[track_caller]
fn script(text: &str) -> (String, Option<String>, Option<u32>) {
    match Error::from_server_reply(text.into()) {
        Error::Script {
            message,
            reason,
            sha,
            line,
        } => {
            assert_eq!(message, text, "the message is kept whole");
            (reason, sha, line)
        }
        other => panic!("{text:?} gave {other:?}"),
    }
}

const SHA: &str = "82903a0434f1503e152f89c03c9acd881a0e8150";

#[test]
fn script_reasons_of_redis_7() {
    // Texts of redis-server 7.0.15.
    let cases: &[(&str, &str, Option<&str>, Option<u32>)] = &[
        // error('boom')
        (
            "ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on \
             @user_script:1.",
            "boom",
            Some(SHA),
            Some(1),
        ),
        // error('boom', 0): no location from Lua
        (
            "ERR boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
            "boom",
            Some(SHA),
            Some(1),
        ),
        // error() with no argument
        (
            "ERR nil script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
            "nil",
            Some(SHA),
            Some(1),
        ),
        // redis.call('nosuchcmd')
        (
            "ERR Unknown Redis command called from script script: \
             82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
            "Unknown Redis command called from script",
            Some(SHA),
            Some(1),
        ),
        // a rethrown error keeps both locations
        (
            "ERR user_script:1: user_script:1: inner script: \
             82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
            "inner",
            Some(SHA),
            Some(1),
        ),
        // the Lua text imitates the server's tail: the last one is the server's
        (
            "ERR user_script:1: x script: 0123456789012345678901234567890123456789, on \
             @user_script:9. script: 82903a0434f1503e152f89c03c9acd881a0e8150, on \
             @user_script:1.",
            "x script: 0123456789012345678901234567890123456789, on @user_script:9.",
            Some(SHA),
            Some(1),
        ),
        // error('') says nothing
        (
            "ERR user_script:1:  script: 82903a0434f1503e152f89c03c9acd881a0e8150, on \
             @user_script:1.",
            "",
            Some(SHA),
            Some(1),
        ),
        (
            "ERR user_script:1: é script: 82903a0434f1503e152f89c03c9acd881a0e8150, on \
             @user_script:1.",
            "é",
            Some(SHA),
            Some(1),
        ),
        (
            "ERR Script killed by user with SCRIPT KILL... script: \
             82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
            "Script killed by user with SCRIPT KILL...",
            Some(SHA),
            Some(1),
        ),
        (
            "ERR Error compiling script (new function): user_script:1: '=' expected near \
             'end'",
            "'=' expected near 'end'",
            None,
            Some(1),
        ),
        (
            "ERR Error compiling script (new function): user_script:1: unexpected symbol \
             near '<eof>'",
            "unexpected symbol near '<eof>'",
            None,
            Some(1),
        ),
        // FCALL: the server names the function where a script's SHA1 would be
        (
            "ERR user_function:2: boom script: f_boom, on @user_function:2.",
            "boom",
            None,
            Some(2),
        ),
        (
            "ERR Unknown Redis command called from script script: f_unknown, on \
             @user_function:4.",
            "Unknown Redis command called from script",
            None,
            Some(4),
        ),
        // a function whose name is 41 hex digits
        (
            "ERR user_function:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150f, on \
             @user_function:1.",
            "boom",
            None,
            Some(1),
        ),
        // FUNCTION LOAD
        (
            "ERR Error compiling function: user_function:2: unexpected symbol near 'end'",
            "unexpected symbol near 'end'",
            None,
            Some(2),
        ),
        (
            "ERR Error registering functions: ERR user_function:2: Script attempted to \
             access nonexistent global variable 'y'",
            "Script attempted to access nonexistent global variable 'y'",
            None,
            Some(2),
        ),
    ];
    for &(text, reason, sha, line) in cases {
        let (got_reason, got_sha, got_line) = script(text);
        assert_eq!(got_reason, reason, "{text}");
        assert_eq!(got_sha.as_deref(), sha, "{text}");
        assert_eq!(got_line, line, "{text}");
    }
}

#[test]
fn script_reasons_of_valkey_9() {
    // Texts of valkey-server 9.1.2: the tail names neither the script nor the function.
    let cases: &[(&str, &str, Option<u32>)] = &[
        (
            "ERR user_script:3: Script attempted to access nonexistent global variable \
             'undefined_global' script: on @user_script:3.",
            "Script attempted to access nonexistent global variable 'undefined_global'",
            Some(3),
        ),
        (
            "ERR user_script:2: boom script: on @user_script:2.",
            "boom",
            Some(2),
        ),
        (
            "ERR Unknown command called from script script: on @user_script:1.",
            "Unknown command called from script",
            Some(1),
        ),
        (
            "ERR Write commands are not allowed from read-only scripts. script: on \
             @user_function:6.",
            "Write commands are not allowed from read-only scripts.",
            Some(6),
        ),
        // The Lua text may say "script: on @" itself; only the last one is the server's.
        (
            "ERR user_script:1: a script: on @b script: on @user_script:1.",
            "a script: on @b",
            Some(1),
        ),
    ];
    for &(text, reason, line) in cases {
        let (got_reason, sha, got_line) = script(text);
        assert_eq!(got_reason, reason, "{text}");
        assert_eq!(sha, None, "{text}");
        assert_eq!(got_line, line, "{text}");
    }
    // An error that redis.call raised keeps its kind, as on Redis 7.
    let text = "WRONGTYPE Operation against a key holding the wrong kind of value script: on \
                @user_script:1.";
    assert_eq!(
        Error::from_server_reply(text.into()).server_kind(),
        Some(ServerErrorKind::WrongType)
    );
}

#[test]
fn script_reasons_without_redis_7_tail() {
    // Redis 6.2 and older name the script's Lua function, and put the location twice.
    let cases: &[(&str, &str, Option<u32>)] = &[
        (
            "ERR Error running script (call to f_82903a0434f1503e152f89c03c9acd881a0e8150): \
             @user_script:1: user_script:1: boom",
            "boom",
            Some(1),
        ),
        (
            "ERR Error running script (call to f_82903a0434f1503e152f89c03c9acd881a0e8150): \
             @user_script:3: user_script:3: Script attempted to access nonexistent global \
             variable 'x'",
            "Script attempted to access nonexistent global variable 'x'",
            Some(3),
        ),
        (
            "ERR Error running script (call to f_82903a0434f1503e152f89c03c9acd881a0e8150): \
             @user_script:1: @user_script: 1: Unknown Redis command called from Lua script",
            "Unknown Redis command called from Lua script",
            Some(1),
        ),
    ];
    for &(text, reason, line) in cases {
        let (got_reason, sha, got_line) = script(text);
        assert_eq!(got_reason, reason, "{text}");
        assert_eq!(sha.as_deref(), Some(SHA), "{text}");
        assert_eq!(got_line, line, "{text}");
    }
    // A server that sends Lua's own text only.
    let (reason, sha, line) = script("ERR user_script:12: boom: with: colons");
    assert_eq!(
        (reason.as_str(), sha, line),
        ("boom: with: colons", None, Some(12))
    );
}

#[test]
fn script_reason_falls_back_to_the_text_without_its_code() {
    // Recognised as a script error, but the reason has none of the known forms.
    let cases = [
        (
            "ERR Error compiling script something new",
            "Error compiling script something new",
        ),
        ("ERR oops user_script:4: later", "oops user_script:4: later"),
        ("ERR user_script:7", "user_script:7"),
        (
            "ERR user_script:x: y script: ab, on @user_script:2.",
            "user_script:x: y",
        ),
        (
            "ERR Error running script (call to f_x @user_script:1",
            "Error running script (call to f_x @user_script:1",
        ),
    ];
    for (text, reason) in cases {
        assert_eq!(script(text).0, reason, "{text}");
    }
}

#[test]
fn script_parsing_never_panics_on_odd_text() {
    let odd = [
        "ERR",
        "ERR ",
        "ERR  script: , on @",
        "ERR script: , on @user_script:",
        "ERR x script: é, on @user_script:é",
        "ERR x script: 82903a0434f1503e152f89c03c9acd881a0e815é, on @user_script:1.",
        "ERR Error running script (call to f_82903a0434f1503e152f89c03c9acd881a0e81é",
        "ERR Error running script (call to f_",
        "ERR @user_script: : ",
        "ERR user_script:99999999999999999999: big",
        "ERR user_function:1:é",
        "ERR é script: é, on @é",
    ];
    for text in odd {
        let err = Error::from_server_reply(text.into());
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Err), "{text}");
        if let Some(reason) = err.script_reason() {
            assert!(text.contains(reason), "{text}: {reason}");
        }
    }
    // Every prefix of a real text, cut at every char boundary.
    let text = "ERR Error running script (call to f_82903a0434f1503e152f89c03c9acd881a0e8150): \
                @user_script: 1: é script: 82903a0434f1503e152f89c03c9acd881a0e8150, on \
                @user_script:1.";
    for (at, _) in text.char_indices() {
        let _ = Error::from_server_reply(text[..at].to_owned());
    }
}

#[test]
fn only_script_errors_have_a_reason() {
    for text in [
        "MY_CODE my text", // redis.error_reply('MY_CODE my text')
        "ERR boom",        // redis.error_reply('boom'): the server adds ERR
        "MY_CODE tbl script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
        "NOSCRIPT No matching script. Please use EVAL.",
    ] {
        assert_eq!(Error::from_server_reply(text.into()).script_reason(), None);
    }
    let boom = "ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on \
                @user_script:1.";
    let err = Error::from_server_reply(boom.into());
    // Display keeps the full text.
    assert_eq!(err.to_string(), format!("script error: {boom}"));
    let in_pipeline = Error::Pipeline {
        index: 1,
        command: "EVALSHA".into(),
        source: Box::new(err),
    };
    assert_eq!(in_pipeline.script_reason(), Some("boom"));
    assert!(in_pipeline.to_string().ends_with(boom));
}

#[test]
fn redis_6_keeps_the_code_of_an_error_raised_by_redis_call() {
    let text = "ERR Error running script (call to f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db): \
                @user_script:1: WRONGTYPE Operation against a key holding the wrong kind of value";
    let err = Error::from_server_reply(text.into());
    assert!(
        matches!(&err, Error::Server { kind: ServerErrorKind::WrongType, message } if message == text),
        "{err:?}"
    );
    let text = "ERR Error running script (call to f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db): \
                @user_script:1: READONLY You can't write against a read only replica.";
    assert_eq!(
        Error::from_server_reply(text.into()).server_kind(),
        Some(ServerErrorKind::ReadOnly)
    );
    // A Lua error whose text starts with a capitalised word stays a script error.
    let text = "ERR Error running script (call to f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db): \
                @user_script:1: user_script:1: FOO bar";
    assert!(matches!(
        Error::from_server_reply(text.into()),
        Error::Script { .. }
    ));
}

#[test]
fn a_script_error_without_a_sha_gets_the_one_sent() {
    let sent = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    // Valkey 9 leaves the SHA1 out of the text.
    let err = Error::from_server_reply("ERR user_script:1: boom".into()).with_script_sha(sent);
    assert!(
        matches!(&err, Error::Script { sha: Some(s), .. } if s == sent),
        "{err:?}"
    );
    // A SHA1 the server named is kept; other errors are left alone.
    let named = "ERR user_script:1: boom script: 0000000000000000000000000000000000000000, on \
                 @user_script:1.";
    let err = Error::from_server_reply(named.into()).with_script_sha(sent);
    assert!(
        matches!(&err, Error::Script { sha: Some(s), .. } if s.starts_with("0000")),
        "{err:?}"
    );
    assert!(matches!(
        Error::NoScript.with_script_sha(sent),
        Error::NoScript
    ));
}

#[test]
fn acl_refusals_inside_scripts_are_noperm_on_every_server() {
    // The texts of `redis.call('set', ...)` and a denied key, for a user with `-set` and
    // `~app:*`, as each server sends them; a returned `redis.pcall` error too.
    let texts = [
        // Redis 7.0
        "ERR The user executing the script can't run this command or subcommand script: \
         ee5bed0f6963e93a14eebfb64f07c299c1b4313f, on @user_script:1.",
        "ERR The user executing the script can't access at least one of the keys mentioned \
         in the command arguments script: cc4bcd324bac4baec8b0740fc46d1a1330240616, on \
         @user_script:1.",
        "ERR The user executing the script can't run this command or subcommand",
        // Valkey 9 (and Redis 7.2+)
        "ERR ACL failure in script: User alice has no permissions to run the 'set' command \
         script: on @user_script:1.",
        "ERR ACL failure in script: No permissions to access a key script: on @user_script:1.",
        // Redis 6.2
        "ERR Error running script (call to f_ee5bed0f6963e93a14eebfb64f07c299c1b4313f): \
         @user_script:1: @user_script: 1: The user executing the script can't run this \
         command or subcommand",
        "@user_script: 1: The user executing the script can't run this command or subcommand",
    ];
    for text in texts {
        match Error::from_server_reply(text.into()) {
            Error::Server { kind, message } => {
                assert_eq!(kind, ServerErrorKind::NoPerm, "{text}");
                assert_eq!(message, text, "the server's text is kept whole");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    // A direct refusal names the command, and keeps its text.
    let text = "NOPERM User bob has no permissions to run the 'script|load' command";
    let err = Error::from_server_reply(text.into());
    assert_eq!(err.server_kind(), Some(ServerErrorKind::NoPerm));
    assert!(err.to_string().contains("'script|load'"), "{err}");
    // A Lua error that merely mentions scripts is still a script error.
    let text = "ERR user_script:1: the user executing it said no script: \
                e0e1f9fabfc9d4800c877a703b823ac0578ff8db, on @user_script:1.";
    assert!(matches!(
        Error::from_server_reply(text.into()),
        Error::Script { .. }
    ));
}

#[test]
fn auth_errors_say_where_and_keep_the_kind() {
    let err = Error::Auth {
        addr: "redis://10.0.0.7:6379".into(),
        kind: ServerErrorKind::WrongPass,
        message: "WRONGPASS invalid username-password pair or user is disabled.".into(),
    };
    assert_eq!(
        err.to_string(),
        "redis://10.0.0.7:6379: authentication failed in the handshake: WRONGPASS invalid \
         username-password pair or user is disabled."
    );
    assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongPass));
    assert_eq!(err.server_addr(), Some("redis://10.0.0.7:6379"));
    assert!(!err.is_connection_broken());
    let err = Error::Credentials {
        addr: "redis://10.0.0.7:6379".into(),
        source: "vault sealed".into(),
    };
    assert_eq!(
        err.to_string(),
        "redis://10.0.0.7:6379: the credentials provider failed: vault sealed"
    );
    assert!(std::error::Error::source(&err).is_some());
}
