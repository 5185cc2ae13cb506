//! Pipelines and transactions that carry scripts (see `docs/pipelines.md`).
//!
//! Run with `cargo run --example pipeline`. It uses `REDIS_URL` (default
//! `redis://127.0.0.1:6379`), or starts a throwaway server if nothing answers there.

mod common;

use redline::{cmd, Commands, Error, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _server) = common::connect()?;

    // One write: SET, then the script (loaded ahead of the batch if the server lacks it).
    let multiply = client.register_script(
        "local value = redis.call('GET', KEYS[1])
         return tonumber(value) * ARGV[1]",
    );
    let (ok, product): (bool, i64) = client
        .pipeline()
        .set("pipe:foo", 5)
        .script(&multiply, "pipe:foo", 5)
        .execute()?;
    println!("SET -> {ok}, multiply -> {product}");

    // A thousand increments in one round trip; ignore() drops replies we do not need.
    let mut pipe = client.pipeline();
    for i in 0..1000 {
        pipe.incr_by("pipe:counter", i).ignore();
    }
    pipe.get("pipe:counter");
    let (total,): (i64,) = pipe.execute()?;
    println!("sum of 0..1000 = {total}");

    // MULTI/EXEC: the batch runs as a unit. An error in it names the command.
    let err = client
        .pipeline()
        .atomic()
        .set("pipe:text", "hello")
        .cmd(cmd("INCR").arg("pipe:text"))
        .execute::<Vec<Value>>()
        .unwrap_err();
    if let Error::Pipeline {
        index,
        command,
        source,
    } = &err
    {
        println!(
            "command #{index} ({command}) failed: {source}; the SET still applied (no rollback)"
        );
    }

    // Optimistic transaction: WATCH, read, queue, EXEC; retried if the key changed meanwhile.
    client.set("pipe:balance", 100)?;
    let (balance,): (i64,) = client.transaction(["pipe:balance"], |conn, pipe| {
        let balance: i64 = conn.get("pipe:balance")?;
        pipe.set("pipe:balance", balance - 30)
            .ignore()
            .get("pipe:balance");
        Ok(())
    })?;
    println!("balance after the transaction: {balance}");

    client.del(["pipe:foo", "pipe:counter", "pipe:text", "pipe:balance"])?;
    Ok(())
}
