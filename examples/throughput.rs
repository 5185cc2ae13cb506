//! Pipelined throughput on redis-benchmark's own workload, to time as a whole process beside
//! `redis-benchmark -c 1 -P 1000` (see `docs/performance.md`, "Paired whole-process runs").
//!
//! `cargo run --release --example throughput -- PORT N set|get|evalsha` sends N commands in
//! batches of 1,000 on one connection: `SET key:__rand_int__ xxx`, `GET key:__rand_int__` (into
//! `Vec<String>`), or `EVALSHA` of `return redis.call('INCRBY', KEYS[1], ARGV[1])` on `ctr`
//! (into `Vec<i64>`). Every batch's replies are checked.

use redline::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: throughput PORT N set|get|evalsha";
    let port: u16 = args.next().ok_or(usage)?.parse()?;
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let what = args.next().ok_or(usage)?;
    let client = Client::builder().port(port).build();
    let conn = client.get_connection()?;
    let script = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    let mut pipe = conn.pipeline();
    for _ in 0..n / 1000 {
        match what.as_str() {
            "set" => {
                for _ in 0..1000 {
                    pipe.set("key:__rand_int__", "xxx").ignore();
                }
                pipe.execute::<()>()?;
            }
            "get" => {
                for _ in 0..1000 {
                    pipe.get("key:__rand_int__");
                }
                let replies: Vec<String> = pipe.execute()?;
                assert_eq!(replies.len(), 1000);
            }
            "evalsha" => {
                for _ in 0..1000 {
                    pipe.script(&script, "ctr", 1);
                }
                let replies: Vec<i64> = pipe.execute()?;
                assert!(replies.windows(2).all(|w| w[1] == w[0] + 1));
            }
            _ => return Err(usage.into()),
        }
    }
    Ok(())
}
