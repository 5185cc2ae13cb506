//! Pub/Sub and keyspace notifications, with no background thread.
//!
//! Run with `cargo run --example pubsub`. It uses the server at `REDIS_URL` (default
//! `redis://127.0.0.1:6379`), or starts a throwaway one if nothing answers there.
//!
//! A subscriber listens to a chat channel and to the keyspace notifications of `session:*`
//! keys (turned on with `CONFIG SET notify-keyspace-events`), while the main program publishes
//! and changes keys; then it reads everything that arrived, with a timeout, on this thread.

mod common;

use redline::{cmd, Commands, MessageKind};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _server) = common::connect()?;

    // Keyspace notifications are off by default: K = keyspace events, g = generic commands
    // (DEL, EXPIRE...), $ = string commands, x = expirations. The old setting is put back at
    // the end.
    let (_, before): (String, String) =
        client.query(cmd("CONFIG").arg("GET").arg("notify-keyspace-events"))?;
    let _: () = client.query(
        cmd("CONFIG")
            .arg("SET")
            .arg("notify-keyspace-events")
            .arg("Kg$x"),
    )?;

    let mut subscriber = client.subscriber()?;
    subscriber.subscribe("chat")?;
    subscriber.psubscribe("__keyspace@0__:session:*")?;
    println!(
        "subscribed to {} channels and patterns",
        subscriber.subscriptions()
    );

    // Another part of the program (or another process) publishes and writes.
    client.publish("chat", "hello from the main thread")?;
    client.set_ex("session:ada", "token", 1)?;
    client.set("session:bob", "token")?;
    client.del("session:bob")?;

    // Read what arrived, up to session:ada's expiry a second later; a quiet 1.5 s would end
    // the loop (a timeout is not an error).
    let mut expired = false;
    loop {
        let Some(message) = subscriber.next_message(Some(Duration::from_millis(1500)))? else {
            break;
        };
        match message.kind {
            MessageKind::Pattern => {
                let key = message
                    .channel_str()
                    .and_then(|c| c.strip_prefix("__keyspace@0__:"))
                    .unwrap_or("?");
                let event: String = message.payload()?;
                println!("keyspace: {key} <- {event}");
                expired |= event == "expired";
            }
            _ => println!(
                "{:?}: {}",
                message.channel_str(),
                message.payload::<String>()?
            ),
        }
        if expired {
            break;
        }
    }
    if !expired {
        return Err("session:ada's expiry was not notified".into());
    }
    subscriber.unsubscribe(())?;
    subscriber.punsubscribe(())?;
    let _: () = client.query(
        cmd("CONFIG")
            .arg("SET")
            .arg("notify-keyspace-events")
            .arg(before),
    )?;
    Ok(())
}
