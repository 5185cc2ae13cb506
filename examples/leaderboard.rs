//! A game leaderboard: a sorted set loaded in bulk with pipelines, and one script that submits
//! a score and returns the player's rank atomically.
//!
//! Run with `cargo run --example leaderboard -- [--players N]` (default 10,000). It uses the
//! server at `REDIS_URL` (default `redis://127.0.0.1:6379`), or starts a throwaway one if
//! nothing answers there.

mod common;

use redline::{cmd, Commands, ScriptCode};
use std::time::Instant;

const BOARD: &str = "leaderboard:season1";

/// KEYS[1]: the board; ARGV: player, score. Keeps the player's best score (a compare in Lua
/// rather than `ZADD GT`, which needs Redis 6.2) and returns {improved 0/1, best score, rank}
/// with rank 1 for the top. As one script, no other write can slip in between the update and
/// the rank it reports. The score goes back as a string: Lua would truncate a number.
static SUBMIT: ScriptCode = ScriptCode::from_static(
    r#"
local best = redis.call('ZSCORE', KEYS[1], ARGV[1])
local improved = 0
if not best or tonumber(ARGV[2]) > tonumber(best) then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
    best = ARGV[2]
    improved = 1
end
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
return {improved, tostring(best), rank + 1}
"#,
);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let players = parse_players()?;
    let (client, _server) = common::connect()?;
    client.del(BOARD)?;

    // Bulk load: one write and one read per 1,000 players instead of a round trip each.
    let started = Instant::now();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut pipe = client.pipeline();
    for p in 0..players {
        pipe.zadd(BOARD, format!("player{p}"), next_score(&mut rng))
            .ignore();
        if pipe.len() == 1000 {
            pipe.execute::<()>()?;
        }
    }
    pipe.execute::<()>()?;
    let loaded = client.zcard(BOARD)?;
    println!(
        "loaded {loaded} players in {:.0} ms (pipelines of 1,000)",
        started.elapsed().as_secs_f64() * 1000.0
    );

    print_top(&client, 10)?;

    // A newcomer, then a better and a worse score for the same player.
    for score in [50_000, 99_500, 12] {
        let (improved, best, rank): (bool, f64, i64) =
            SUBMIT.call_on(&client, BOARD, ("ada", score))?;
        let verdict = if improved { "new best" } else { "kept" };
        println!(
            "ada submits {score:>6}: {verdict} {best}, rank {rank} of {}",
            loaded + 1
        );
        // What the script reported is what the board says.
        let rank_now: Option<i64> = client.query(cmd("ZREVRANK").arg(BOARD).arg("ada"))?;
        if rank_now != Some(rank - 1) || client.zscore(BOARD, "ada")? != Some(best) {
            return Err("the board disagrees with the script's reply".into());
        }
    }
    if client.zscore(BOARD, "ada")? != Some(99_500.0) {
        return Err("a worse score replaced the best one".into());
    }

    // Many submissions in one round trip: scripts ride in pipelines too.
    let mut pipe = client.pipeline();
    for p in 0..5 {
        pipe.script(&SUBMIT, BOARD, (format!("player{p}"), 100_000 + p));
    }
    let replies: Vec<(bool, f64, i64)> = pipe.execute()?;
    for (p, (improved, best, rank)) in replies.iter().enumerate() {
        println!(
            "player{p} submits {}: improved={improved}, best {best}, rank {rank}",
            100_000 + p
        );
    }

    print_top(&client, 10)?;
    client.del(BOARD)?;
    Ok(())
}

/// The `n` best, highest first: `ZRANGE` by rank is lowest first, so take the last `n`.
fn print_top(client: &redline::Client, n: i64) -> redline::Result<()> {
    let mut top: Vec<(String, f64)> = client.zrange_withscores(BOARD, -n, -1)?;
    top.reverse();
    println!("top {n}:");
    for (i, (player, score)) in top.iter().enumerate() {
        println!("  {:>2}. {player:<12} {score:>9}", i + 1);
    }
    Ok(())
}

/// Scores from 0 to 99,999, from a xorshift generator: the same board on every run.
fn next_score(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state % 100_000
}

fn parse_players() -> Result<u64, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(10_000),
        [flag, n] if flag == "--players" => Ok(n
            .parse()
            .map_err(|_| format!("--players takes a whole number, not {n:?}"))?),
        _ => Err("usage: leaderboard [--players N]".into()),
    }
}
