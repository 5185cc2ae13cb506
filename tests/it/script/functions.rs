//! Redis 7 functions: load, list, delete, dump, restore, kill.

use super::*;

// ---------------------------------------------------------------------------------------------
// Functions (Redis 7)
// ---------------------------------------------------------------------------------------------

const MYLIB: &str =
    "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)";
const ROLIB: &str = "#!lua name=rolib
redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}}
redis.register_function('setter', function(keys, args) return redis.call('SET', keys[1], args[1]) end)
redis.register_function{function_name='described', callback=function(keys, args) return 1 end, description='says one', flags={'no-writes', 'allow-stale'}}
redis.register_function{function_name='ro_writer', callback=function(keys, args)
  return redis.call('SET', keys[1], 'x')
end, flags={'no-writes'}}";
const OTHERLIB: &str =
    "#!lua name=otherlib\nredis.register_function('hello', function() return 'Hello World' end)";
const FUNCTION_NOT_FOUND: &str = "ERR Function not found";

#[test]
fn function_load_replace_and_fcall() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();

        assert_eq!(client.function_load(MYLIB, false).unwrap(), "mylib");
        assert_server_error(
            client.function_load(MYLIB, false),
            ServerErrorKind::Err,
            "ERR Library 'mylib' already exists",
        );
        assert_eq!(client.function_load(MYLIB, true).unwrap(), "mylib");
        assert_eq!(
            client.fcall::<String>("myfunc", (), "hello").unwrap(),
            "hello"
        );
        // A function without the no-writes flag cannot run with FCALL_RO, even if it reads.
        let ro_refused = "ERR Can not execute a script with write flag using *_ro command.";
        assert_server_error(
            client.fcall_ro::<String>("myfunc", (), "hello"),
            ServerErrorKind::Err,
            ro_refused,
        );

        assert_eq!(client.function_load(ROLIB, false).unwrap(), "rolib");
        client.fcall::<()>("setter", "f:k", "v1").unwrap();
        assert_eq!(client.fcall_ro::<String>("ro", "f:k", ()).unwrap(), "v1");
        assert_eq!(client.fcall::<String>("ro", "f:k", ()).unwrap(), "v1");
        assert_server_error(
            client.fcall_ro::<()>("setter", "f:k", "v2"),
            ServerErrorKind::Err,
            ro_refused,
        );
        let v: String = client.get("f:k").unwrap();
        assert_eq!(v, "v1");
        // A no-writes function that writes anyway: a script error naming the function (but
        // on Valkey 9).
        let text = script_error_text(
            "ERR Write commands are not allowed from read-only scripts.",
            "ro_writer",
            "@user_function:6",
        );
        assert_script_error(
            client.fcall::<()>("ro_writer", "f:k", ()),
            &text,
            None,
            Some(6),
        );
        assert_server_error(
            client.fcall::<()>("nofunc", (), ()),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );
        // A library without the shebang, and one with a compile error.
        assert_server_error(
            client.function_load(
                "redis.register_function('x', function() return 1 end)",
                false,
            ),
            ServerErrorKind::Err,
            "ERR Missing library metadata",
        );
        assert_script_error(
            client.function_load("#!lua name=broken\nlocal x = = 1", false),
            "ERR Error compiling function: user_function:2: unexpected symbol near '='",
            None,
            Some(2),
        );
    }
}

#[test]
fn function_list_is_typed() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();
        assert!(client.function_list(None, false).unwrap().is_empty());
        client.function_load(MYLIB, false).unwrap();
        client.function_load(ROLIB, false).unwrap();

        let mut libs = client.function_list(None, false).unwrap();
        libs.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = libs.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["mylib", "rolib"]);
        for lib in &libs {
            assert_eq!(lib.engine, "LUA");
            assert_eq!(lib.code, None);
        }
        assert_eq!(libs[0].functions.len(), 1);
        let myfunc = &libs[0].functions[0];
        assert_eq!(myfunc.name, "myfunc");
        assert_eq!(myfunc.description, None);
        assert!(myfunc.flags.is_empty());

        let mut functions = libs[1].functions.clone();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        let summary: Vec<(&str, Option<&str>, Vec<&str>)> = functions
            .iter()
            .map(|f| {
                let mut flags: Vec<&str> = f.flags.iter().map(String::as_str).collect();
                flags.sort_unstable();
                (f.name.as_str(), f.description.as_deref(), flags)
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "described",
                    Some("says one"),
                    vec!["allow-stale", "no-writes"]
                ),
                ("ro", None, vec!["no-writes"]),
                ("ro_writer", None, vec!["no-writes"]),
                ("setter", None, vec![]),
            ]
        );

        let with_code = client.function_list(Some("my*"), true).unwrap();
        assert_eq!(with_code.len(), 1);
        assert_eq!(with_code[0].name, "mylib");
        assert_eq!(with_code[0].code.as_deref(), Some(MYLIB));
        assert_eq!(with_code[0].functions, libs[0].functions);

        let all_code = client.function_list(None, true).unwrap();
        assert!(all_code.iter().all(|l| l.code.is_some()));
        assert!(client
            .function_list(Some("nomatch*"), true)
            .unwrap()
            .is_empty());
    }
}

#[test]
fn function_delete_and_flush() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();
        client.function_load(MYLIB, false).unwrap();
        assert_eq!(client.fcall::<String>("myfunc", (), "x").unwrap(), "x");
        client.function_delete("mylib").unwrap();
        assert_server_error(
            client.fcall::<String>("myfunc", (), "x"),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );
        assert_server_error(
            client.function_delete("mylib"),
            ServerErrorKind::Err,
            "ERR Library not found",
        );
        // Loadable again without replace once deleted.
        assert_eq!(client.function_load(MYLIB, false).unwrap(), "mylib");

        for mode in [FlushMode::Sync, FlushMode::Async, FlushMode::Default] {
            client.function_load(MYLIB, true).unwrap();
            client.function_load(OTHERLIB, true).unwrap();
            assert_eq!(client.function_list(None, false).unwrap().len(), 2);
            client.function_flush(mode).unwrap();
            assert!(
                client.function_list(None, false).unwrap().is_empty(),
                "{mode:?}"
            );
            assert_server_error(
                client.fcall::<String>("hello", (), ()),
                ServerErrorKind::Err,
                FUNCTION_NOT_FOUND,
            );
        }
    }
}

#[test]
fn function_dump_and_restore() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();
        client.function_load(MYLIB, false).unwrap();
        let payload = client.function_dump().unwrap();
        assert!(!payload.is_empty());

        client.function_flush(FlushMode::Sync).unwrap();
        assert_server_error(
            client.fcall::<String>("myfunc", (), "x"),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );

        client
            .function_restore(&payload, RestorePolicy::Append)
            .unwrap();
        assert_eq!(
            client.fcall::<String>("myfunc", (), "back").unwrap(),
            "back"
        );

        // Appending a library that exists fails; replacing works.
        let append_again = client.function_restore(&payload, RestorePolicy::Append);
        assert_server_error(
            append_again,
            ServerErrorKind::Err,
            "ERR Library mylib already exists",
        );
        client
            .function_restore(&payload, RestorePolicy::Replace)
            .unwrap();
        assert_eq!(client.fcall::<String>("myfunc", (), "r").unwrap(), "r");

        // FLUSH drops the libraries that are not in the payload.
        client.function_load(OTHERLIB, false).unwrap();
        assert_eq!(
            client.fcall::<String>("hello", (), ()).unwrap(),
            "Hello World"
        );
        client
            .function_restore(&payload, RestorePolicy::Flush)
            .unwrap();
        assert_server_error(
            client.fcall::<String>("hello", (), ()),
            ServerErrorKind::Err,
            FUNCTION_NOT_FOUND,
        );
        let libs = client.function_list(None, true).unwrap();
        assert_eq!(libs.len(), 1);
        assert_eq!(libs[0].code.as_deref(), Some(MYLIB));

        assert_server_error(
            client.function_restore(b"not a payload", RestorePolicy::Append),
            ServerErrorKind::Err,
            "ERR DUMP payload version or checksum are wrong",
        );
    }
}

#[test]
fn function_stats_and_kill_when_idle() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.function_flush(FlushMode::Sync).unwrap();

        let stats = client.function_stats().unwrap();
        assert_eq!(stats.running_script, None);
        let lua = stats.engines["LUA"];
        assert_eq!((lua.libraries_count, lua.functions_count), (0, 0));

        client.function_load(MYLIB, false).unwrap();
        client.function_load(ROLIB, false).unwrap();
        let stats = client.function_stats().unwrap();
        assert_eq!(stats.running_script, None);
        assert_eq!(stats.engines.len(), 1, "{stats:?}");
        let lua = stats.engines["LUA"];
        assert_eq!((lua.libraries_count, lua.functions_count), (2, 5));

        assert_server_error(
            client.function_kill(),
            ServerErrorKind::NotBusy,
            NOTBUSY_TEXT,
        );
    }
}

#[test]
fn function_kill_stops_a_running_function() {
    skip_unless!(has_redis7_scripting(), NEEDS_FUNCTIONS);
    let server = RedisServer::start_with(&["--lua-time-limit", "100"]);
    let spinlib = "#!lua name=spinlib\nredis.register_function{function_name='spin', \
                   callback=function(keys, args)\nlocal i = 0 while true do i = i + 1 end\nend, \
                   flags={'no-writes'}}";
    for protocol in PROTOCOLS {
        let client = server
            .builder()
            .protocol(protocol)
            .db(5)
            .client_name("function-kill-test")
            .build();
        client.function_load(spinlib, true).unwrap();

        let killed = std::thread::scope(|s| {
            let _stop = server.stop_script_on_panic();
            let caller = s.spawn(|| client.fcall::<Value>("spin", (), "arg1"));
            let busy = wait_for_busy(&client);
            assert_server_error(
                Err::<(), _>(busy),
                ServerErrorKind::Busy,
                &busy_text("FUNCTION"),
            );
            // FUNCTION STATS gets through too, and names the running function.
            let stats = client.function_stats().unwrap();
            let running = stats.running_script.expect("a running function");
            assert_eq!(running.name, "spin");
            assert_eq!(running.command, ["FCALL", "spin", "0", "arg1"]);
            assert!(running.duration_ms >= 0);
            // SCRIPT KILL does not stop a function.
            assert_server_error(
                client.script_kill(),
                ServerErrorKind::Busy,
                &busy_text("FUNCTION"),
            );
            client.function_kill().expect("FUNCTION KILL");
            caller.join().unwrap()
        });
        let text = script_error_text(&killed_text("FUNCTION"), "spin", "@user_function:3");
        assert_script_error(killed, &text, None, Some(3));
        assert_server_error(
            client.function_kill(),
            ServerErrorKind::NotBusy,
            NOTBUSY_TEXT,
        );
        assert_eq!(client.function_stats().unwrap().running_script, None);
    }
}
