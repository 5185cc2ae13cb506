//! Lua runtime and compile errors, and error kinds from scripts.

use super::*;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn lua_runtime_and_compile_errors() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);

        let global =
            client.register_script("local a = 1\nlocal b = 2\nreturn undefined_global.field\n");
        let text = script_error_text(
            "ERR user_script:3: Script attempted to access nonexistent global variable \
             'undefined_global'",
            global.sha(),
            "@user_script:3",
        );
        assert_script_error(
            global.call::<Value>((), ()),
            &text,
            Some(global.sha()),
            Some(3),
        );
        // Same classification through EVAL.
        assert_script_error(
            client.eval::<Value>(global.source().unwrap(), (), ()),
            &text,
            named_sha(global.sha()),
            Some(3),
        );

        let boom = client.register_script("local a = 1\nlocal b = 2\nerror('boom')\n");
        let text = script_error_text("ERR user_script:3: boom", boom.sha(), "@user_script:3");
        assert_script_error(boom.call::<Value>((), ()), &text, Some(boom.sha()), Some(3));

        // A compile error: found by SCRIPT LOAD after the NOSCRIPT, so no SHA1 in the text;
        // a `Script` knows which script it sent and fills it in, a raw SCRIPT LOAD or EVAL
        // cannot.
        let syntax = client.register_script("local a = 1\nlocal b = 2\nretur 1\n");
        let text =
            "ERR Error compiling script (new function): user_script:3: '=' expected near '1'";
        assert_script_error(
            syntax.call::<Value>((), ()),
            text,
            Some(syntax.sha()),
            Some(3),
        );
        assert_script_error(syntax.load(), text, Some(syntax.sha()), Some(3));
        assert_script_error(
            client.script_load(syntax.source().unwrap()),
            text,
            None,
            Some(3),
        );
        assert_script_error(
            client.eval::<Value>(syntax.source().unwrap(), (), ()),
            text,
            None,
            Some(3),
        );
        assert!(!syntax.exists().unwrap());

        // A failed script leaves the client usable.
        assert_eq!(client.ping().unwrap(), "PONG");
    }
}

#[test]
fn script_reason_leaves_out_what_the_server_adds() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let reason = |result: Result<Value, Error>| match result {
            Err(e @ Error::Script { .. }) => {
                let Some(reason) = e.script_reason() else {
                    panic!("{protocol:?}: no reason in {e:?}");
                };
                reason.to_owned()
            }
            other => panic!("{protocol:?}: expected a script error, got {other:?}"),
        };

        // Runtime errors: `ERR user_script:3: ... script: <sha>, on @user_script:3.`
        let global = "local a = 1\nlocal b = 2\nreturn undefined_global.field\n";
        assert_eq!(
            reason(client.eval(global, (), ())),
            "Script attempted to access nonexistent global variable 'undefined_global'"
        );
        assert_eq!(reason(client.eval("error('boom')", (), ())), "boom");
        let script = client.register_script("local a = 1\nerror('boom: with a colon')");
        assert_eq!(reason(script.call((), ())), "boom: with a colon");
        let unknown = if server_kind().redis_version < (7, 0, 0) {
            "Unknown Redis command called from Lua script"
        } else if server_kind().is_valkey() {
            "Unknown command called from script"
        } else {
            "Unknown Redis command called from script"
        };
        assert_eq!(
            reason(client.eval("return redis.call('nosuchcommand')", (), ())),
            unknown
        );

        // Compile errors: `ERR Error compiling script (new function): user_script:3: ...`,
        // through EVAL and through a `Script`'s SCRIPT LOAD.
        let syntax = "local a = 1\nlocal b = 2\nretur 1\n";
        assert_eq!(reason(client.eval(syntax, (), ())), "'=' expected near '1'");
        assert_eq!(
            reason(client.register_script(syntax).call((), ())),
            "'=' expected near '1'"
        );

        // A function: `ERR user_function:2: boom script: fails, on @user_function:2.`
        if !supported!(has_redis7_scripting(), NEEDS_FUNCTIONS) {
            continue;
        }
        client
            .function_load(
                "#!lua name=reasons\n\
                 redis.register_function('fails', function(keys, args) error('boom') end)",
                true,
            )
            .unwrap();
        assert_eq!(reason(client.fcall("fails", (), ())), "boom");

        // redis.error_reply is the script's own error reply, not a Lua error.
        let err = client
            .eval::<Value>("return redis.error_reply('MY_CODE my text')", (), ())
            .unwrap_err();
        assert_eq!(err.script_reason(), None, "{err:?}");
        assert_eq!(err.server_kind(), Some(ServerErrorKind::Other));
    }
}

#[test]
fn wrongtype_inside_script_keeps_its_kind() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("a_string", "x").unwrap();
        let push = client.register_script("return redis.call('LPUSH', KEYS[1], 'a')");
        let text = script_error_text(
            "WRONGTYPE Operation against a key holding the wrong kind of value",
            push.sha(),
            "@user_script:1",
        );
        assert_server_error(
            push.call::<i64>("a_string", ()),
            ServerErrorKind::WrongType,
            &text,
        );
        // With redis.pcall the script gets the error as a table and returns it untouched.
        let pcall = client.register_script("return redis.pcall('LPUSH', KEYS[1], 'a')");
        assert_server_error(
            pcall.call::<i64>("a_string", ()),
            ServerErrorKind::WrongType,
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        );
        let v: String = client.get("a_string").unwrap();
        assert_eq!(v, "x");
    }
}
