//! `SCRIPT KILL`, `BUSY`, `NOTBUSY` and `UNKILLABLE`.

use super::*;

// ---------------------------------------------------------------------------------------------
// SCRIPT KILL, BUSY, NOTBUSY, UNKILLABLE
// ---------------------------------------------------------------------------------------------

const SPIN: &str = "local i = 0\nwhile true do i = i + 1 end\n";

#[test]
fn script_kill_stops_a_busy_read_only_script() {
    let server = RedisServer::start_with(&["--lua-time-limit", "100"]);
    for protocol in PROTOCOLS {
        // db != 0 and a name: a new connection's handshake needs SELECT (and in RESP2
        // CLIENT SETNAME), which a busy server refuses.
        let client = server
            .builder()
            .protocol(protocol)
            .db(3)
            .client_name("busy-test")
            .build();
        assert_eq!(client.connection_info().db(), 3);
        let spin = client.register_script(SPIN);

        let killed = std::thread::scope(|s| {
            let _stop = server.stop_script_on_panic();
            let caller = s.spawn(|| spin.call::<Value>((), ()));
            let busy = wait_for_busy(&client);
            assert_server_error(
                Err::<(), _>(busy),
                ServerErrorKind::Busy,
                &busy_text("SCRIPT"),
            );
            // A normal handshake is refused now (SELECT, and CLIENT SETNAME in RESP2); Valkey 9
            // accepts both while busy ...
            let handshake = client.get_connection().map(drop);
            let kind = server_kind();
            if kind.is_valkey() && kind.version >= (9, 0, 0) {
                handshake.expect("Valkey 9 accepts SELECT and CLIENT SETNAME while busy");
            } else {
                assert_server_error(handshake, ServerErrorKind::Busy, &busy_text("SCRIPT"));
            }
            // ... yet SCRIPT KILL gets through the same client.
            client
                .script_kill()
                .expect("SCRIPT KILL through the same client");
            caller.join().unwrap()
        });
        let text = script_error_text(&killed_text("SCRIPT"), spin.sha(), "@user_script:2");
        assert_script_error(killed, &text, Some(spin.sha()), Some(2));

        // Nothing runs any more.
        assert_server_error(client.script_kill(), ServerErrorKind::NotBusy, NOTBUSY_TEXT);
        if supported!(has_redis7_scripting(), NEEDS_FUNCTIONS) {
            assert_server_error(
                client.function_kill(),
                ServerErrorKind::NotBusy,
                NOTBUSY_TEXT,
            );
        }

        // The client works again, on its database and with its name.
        client.set("after_kill", 1).unwrap();
        let name: String = client.query(cmd("CLIENT").arg("GETNAME")).unwrap();
        assert_eq!(name, "busy-test");
        let db0 = server.client_with(protocol);
        assert_eq!(db0.exists("after_kill").unwrap(), 0);
        client.del("after_kill").unwrap();
    }
}

#[test]
fn script_kill_with_nothing_running_is_notbusy() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        assert_server_error(client.script_kill(), ServerErrorKind::NotBusy, NOTBUSY_TEXT);
        let conn = client.get_connection().unwrap();
        assert_server_error(conn.script_kill(), ServerErrorKind::NotBusy, NOTBUSY_TEXT);
    }
}

#[test]
fn script_that_wrote_is_unkillable() {
    for protocol in PROTOCOLS {
        let mut server = RedisServer::start_with(&["--lua-time-limit", "100"]);
        let client = server
            .builder()
            .protocol(protocol)
            .db(2)
            .client_name("unkillable-test")
            .build();
        let writer = client.register_script(
            "redis.call('SET', KEYS[1], 'v')\nlocal i = 0\nwhile true do i = i + 1 end\n",
        );
        let caller_result = std::thread::scope(|s| {
            let _stop = server.stop_script_on_panic();
            let caller = s.spawn(|| writer.call::<Value>("written", ()));
            let busy = wait_for_busy(&client);
            assert_server_error(
                Err::<(), _>(busy),
                ServerErrorKind::Busy,
                &busy_text("SCRIPT"),
            );
            assert_server_error(
                client.script_kill(),
                ServerErrorKind::Unkillable,
                UNKILLABLE_TEXT,
            );
            // Still busy; only SHUTDOWN NOSAVE (or killing the process) ends it. Sent with
            // the handshake a busy server accepts; the server exits without replying.
            let shutdown = client.req_while_busy(cmd("SHUTDOWN").arg("NOSAVE"));
            match shutdown {
                Err(e) => assert!(e.is_connection_broken(), "{e:?}"),
                Ok(v) => panic!("SHUTDOWN NOSAVE replied {v:?}"),
            }
            caller.join().unwrap()
        });
        match caller_result {
            Err(e) => assert!(e.is_connection_broken(), "{e:?}"),
            Ok(v) => panic!("the looping script returned {v:?}"),
        }
        server.kill();
    }
}

#[test]
fn kill_and_stats_get_through_a_client_with_nothing_pooled() {
    let server = RedisServer::start_with(&["--lua-time-limit", "100"]);
    let spinlib = "#!lua name=spinlib\nredis.register_function{function_name='spin', \
                   callback=function()\nlocal i = 0 while true do i = i + 1 end\nend, \
                   flags={'no-writes'}}";
    for protocol in PROTOCOLS {
        // db != 0 and a name: every new pooled connection's handshake is refused while busy.
        let builder = || {
            server
                .builder()
                .protocol(protocol)
                .db(4)
                .client_name("nothing-pooled")
        };
        let client = builder().build();
        let functions = supported!(has_redis7_scripting(), NEEDS_FUNCTIONS);
        if functions {
            client.function_load(spinlib, true).unwrap();
        }
        let spin = client.register_script(SPIN);

        // Each check runs on a fresh client; if one fails, the script is still stopped (with
        // the old busy handshake) so that the scope can end, and the failure shows after.
        let (script_killed, killed_by_fresh) = std::thread::scope(|s| {
            let _stop = server.stop_script_on_panic();
            let caller = s.spawn(|| spin.call::<Value>((), ()));
            wait_for_busy(&client);
            let fresh = builder().build();
            let killed = fresh.script_kill();
            if killed.is_err() {
                let _ = client.req_while_busy(cmd("SCRIPT").arg("KILL"));
            }
            (caller.join().unwrap(), killed)
        });
        assert!(script_killed.is_err());
        killed_by_fresh.expect("SCRIPT KILL from a client with nothing pooled");

        if !functions {
            continue;
        }
        let (function_killed, stats, killed_by_fresh) = std::thread::scope(|s| {
            let _stop = server.stop_script_on_panic();
            let caller = s.spawn(|| client.fcall::<Value>("spin", (), ()));
            wait_for_busy(&client);
            let stats = builder().build().function_stats();
            let killed = builder().build().function_kill();
            if killed.is_err() {
                let _ = client.req_while_busy(cmd("FUNCTION").arg("KILL"));
            }
            (caller.join().unwrap(), stats, killed)
        });
        assert!(function_killed.is_err());
        let running = stats.expect("FUNCTION STATS").running_script;
        assert_eq!(running.map(|r| r.name).as_deref(), Some("spin"));
        killed_by_fresh.expect("FUNCTION KILL from a client with nothing pooled");
    }
}
