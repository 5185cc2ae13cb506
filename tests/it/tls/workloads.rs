//! Scripts and pipelines over TLS: `EVALSHA` with the `NOSCRIPT` reload, a pipeline of 100,000
//! commands (many TLS records each way), and the same on RESP3.

use super::tls_server;
use redline::{Commands, FlushMode, Protocol, ScriptingCommands, Value};

#[test]
fn a_script_runs_and_is_reloaded_after_a_flush() {
    let server = tls_server!("server", "no");
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let client = server.builder().protocol(protocol).build();
        let multiply = client
            .register_script("return tonumber(redis.call('GET', KEYS[1])) * tonumber(ARGV[1])");
        client.set("n", 6).unwrap();
        assert_eq!(multiply.call::<i64>("n", 7).unwrap(), 42);
        client.script_flush(FlushMode::Sync).unwrap();
        // NOSCRIPT, then SCRIPT LOAD and EVALSHA again, all over TLS.
        assert_eq!(multiply.call::<i64>("n", 2).unwrap(), 12);
        let (_, product): ((), i64) = client
            .pipeline()
            .set("n", 5)
            .script(&multiply, "n", 5)
            .execute()
            .unwrap();
        assert_eq!(product, 25);
    }
}

#[test]
fn a_pipeline_of_100_000_commands() {
    let server = tls_server!("server", "no");
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let client = server.builder().protocol(protocol).build();
        let mut pipe = client.pipeline();
        for i in 0..50_000 {
            pipe.set(format!("p{i}"), i);
        }
        for i in 0..50_000 {
            pipe.get(format!("p{i}"));
        }
        let replies: Vec<Value> = pipe.execute().unwrap();
        assert_eq!(replies.len(), 100_000);
        for (i, reply) in replies[50_000..].iter().enumerate() {
            assert_eq!(reply, &Value::Bulk(i.to_string().into_bytes()));
        }
    }
}
