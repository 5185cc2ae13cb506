//! The data every scenario reads, loaded once with redis-rs, and the checks on replies.

use crate::server::Server;
use crate::{Config, Ctx, Res, SCRIPT};
use std::cell::RefCell;
use std::collections::HashMap;

pub const RT_KEY: &str = "rt:key";
pub const RT_VALUE: &str = "round-trip-value";
pub const LIST_KEY: &str = "big:list";
pub const HASH_KEY: &str = "big:hash";
/// The key scenario 3 (its replay and redis-benchmark's `EVALSHA` run too) increments.
pub const CTR_KEY: &str = "ctr";
/// The key scenario 4 increments.
pub const CTR4_KEY: &str = "ctr4";
/// Scenarios 2b and 8b: the one key redis-benchmark's `-t set` / `-t get` hit (it does not
/// substitute `__rand_int__` without `-r`), and a value of the size its `SET` writes (3 bytes,
/// `-d 3`; redis-benchmark 6.2+ fills them with pseudo-random characters, older ones with `x`).
pub const ONE_KEY: &str = "key:__rand_int__";
pub const ONE_VALUE: &str = "xxx";

pub struct Data {
    /// Scenario 2: 16-byte keys, like redis-benchmark's `key:__rand_int__`.
    pub set_keys: Vec<String>,
    /// Scenario 8: keys whose 3-byte values are `get_value(i)`.
    pub get_keys: Vec<String>,
    pub list_len: usize,
    pub hash_fields: usize,
    /// Scenario 6: (key, value).
    pub big: Vec<(String, Vec<u8>)>,
    pub sha: String,
}

pub fn get_value(i: usize) -> String {
    format!("{:03}", i % 1000)
}

pub fn list_item(i: usize) -> String {
    format!("item-{i:07}")
}

pub fn hash_field(i: usize) -> String {
    format!("field-{i:06}")
}

pub fn hash_value(i: usize) -> String {
    format!("value-{i:06}")
}

/// Deterministic bytes of every value 0..=255 (so `\r\n` occurs inside payloads).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

impl Data {
    pub fn load(server: &Server, cfg: &Config) -> Res<Data> {
        let client = redis::Client::open(server.url()).ctx("redis::Client::open")?;
        let mut con = client.get_connection().ctx("setup connection")?;
        let set_keys: Vec<String> = (0..cfg.pipe_total)
            .map(|i| format!("key:{i:012}"))
            .collect();
        let get_keys: Vec<String> = (0..cfg.pipe_total)
            .map(|i| format!("get:{i:012}"))
            .collect();
        let big: Vec<(String, Vec<u8>)> = cfg
            .big_sizes
            .iter()
            .map(|&n| (format!("big:{n}"), noise(n, n as u64)))
            .collect();

        redis::cmd("FLUSHALL").exec(&mut con).ctx("FLUSHALL")?;
        let mut pipe = redis::pipe();
        for (i, key) in get_keys.iter().enumerate() {
            pipe.cmd("SET").arg(key).arg(get_value(i)).ignore();
        }
        for i in (0..cfg.list_len).step_by(1000) {
            let items: Vec<String> = (i..(i + 1000).min(cfg.list_len)).map(list_item).collect();
            pipe.cmd("RPUSH").arg(LIST_KEY).arg(items).ignore();
        }
        for i in (0..cfg.hash_fields).step_by(1000) {
            let mut cmd = redis::cmd("HSET");
            cmd.arg(HASH_KEY);
            for j in i..(i + 1000).min(cfg.hash_fields) {
                cmd.arg(hash_field(j)).arg(hash_value(j));
            }
            pipe.add_command(cmd).ignore();
        }
        for (key, value) in &big {
            pipe.cmd("SET").arg(key).arg(&value[..]).ignore();
        }
        pipe.cmd("SET").arg(RT_KEY).arg(RT_VALUE).ignore();
        // redis-benchmark's GET reads this key; its SET writes 3 bytes there.
        pipe.cmd("SET").arg(ONE_KEY).arg(ONE_VALUE).ignore();
        pipe.cmd("SET").arg(CTR_KEY).arg(0).ignore();
        pipe.cmd("SET").arg(CTR4_KEY).arg(0).ignore();
        pipe.exec(&mut con).ctx("loading the data")?;

        let sha: String = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(SCRIPT)
            .query(&mut con)
            .ctx("SCRIPT LOAD")?;
        ensure!(
            sha == redline::script_sha(SCRIPT) && sha == redis::Script::new(SCRIPT).get_hash(),
            "SCRIPT LOAD returned {sha}, which neither client computes"
        );
        let (llen, hlen): (usize, usize) = redis::pipe()
            .cmd("LLEN")
            .arg(LIST_KEY)
            .cmd("HLEN")
            .arg(HASH_KEY)
            .query(&mut con)
            .ctx("LLEN/HLEN")?;
        ensure!(
            (llen, hlen) == (cfg.list_len, cfg.hash_fields),
            "loaded list/hash have {llen}/{hlen} elements"
        );
        Ok(Data {
            set_keys,
            get_keys,
            list_len: cfg.list_len,
            hash_fields: cfg.hash_fields,
            big,
            sha,
        })
    }

    pub fn check_list(&self, who: &str, list: &[String]) -> Res<()> {
        ensure!(
            list.len() == self.list_len,
            "{who} LRANGE: {} elements, want {}",
            list.len(),
            self.list_len
        );
        for (i, item) in list.iter().enumerate() {
            ensure!(
                *item == list_item(i),
                "{who} LRANGE: element {i} is {item:?}"
            );
        }
        Ok(())
    }

    pub fn check_hash(&self, who: &str, hash: &HashMap<String, String>) -> Res<()> {
        ensure!(
            hash.len() == self.hash_fields,
            "{who} HGETALL: {} fields, want {}",
            hash.len(),
            self.hash_fields
        );
        for i in 0..self.hash_fields {
            let got = hash.get(&hash_field(i));
            ensure!(
                got == Some(&hash_value(i)),
                "{who} HGETALL: field {i} is {got:?}"
            );
        }
        Ok(())
    }

    pub fn check_big(&self, who: &str, i: usize, value: &[u8]) -> Res<()> {
        let want = &self.big[i].1;
        ensure!(
            value == &want[..],
            "{who} GET {}: {} bytes, not the {} bytes stored (or different content)",
            self.big[i].0,
            value.len(),
            want.len()
        );
        Ok(())
    }

    pub fn check_gets(&self, who: &str, batches: &[Vec<String>]) -> Res<()> {
        let n: usize = batches.iter().map(Vec::len).sum();
        ensure!(
            n == self.get_keys.len(),
            "{who}: {n} replies, want {}",
            self.get_keys.len()
        );
        for (i, v) in batches.iter().flatten().enumerate() {
            ensure!(*v == get_value(i), "{who}: reply {i} is {v:?}");
        }
        Ok(())
    }
}

/// Scenario 8b: `total` replies, every one `ONE_VALUE`.
pub fn check_gets_one(who: &str, batches: &[Vec<String>], total: usize) -> Res<()> {
    let n: usize = batches.iter().map(Vec::len).sum();
    ensure!(n == total, "{who}: {n} replies, want {total}");
    for (i, v) in batches.iter().flatten().enumerate() {
        ensure!(
            v == ONE_VALUE,
            "{who}: reply {i} is {v:?}, want {ONE_VALUE:?}"
        );
    }
    Ok(())
}

/// INCRBY replies of one client's run: `total` values, each one more than the one before.
pub fn check_consecutive(who: &str, batches: &[Vec<i64>], total: usize) -> Res<()> {
    let n: usize = batches.iter().map(Vec::len).sum();
    ensure!(n == total, "{who}: {n} replies, want {total}");
    let mut all = batches.iter().flatten();
    let Some(&first) = all.next() else {
        return Ok(());
    };
    for (i, &v) in all.enumerate() {
        ensure!(
            v == first + i as i64 + 1,
            "{who}: reply {} is {v}, want {}",
            i + 1,
            first + i as i64 + 1
        );
    }
    Ok(())
}

/// An independent connection (redis-rs) that checks what a scenario wrote, and asks the
/// server for its version.
pub struct Checker {
    con: RefCell<redis::Connection>,
}

impl Checker {
    pub fn new(client: &redis::Client) -> Res<Checker> {
        let con = client.get_connection().ctx("checker connection")?;
        Ok(Checker {
            con: RefCell::new(con),
        })
    }

    /// Every key of a pipelined SET run holds this run's value.
    pub fn check_set(&self, who: &str, keys: &[String], value: &str) -> Res<()> {
        let mut con = self.con.borrow_mut();
        for chunk in keys.chunks(10_000) {
            let got: Vec<Option<String>> = redis::cmd("MGET")
                .arg(chunk)
                .query(&mut *con)
                .ctx("checker MGET")?;
            for (key, v) in chunk.iter().zip(&got) {
                ensure!(
                    v.as_deref() == Some(value),
                    "{who} pipelined SET: {key} holds {v:?}, want {value:?}"
                );
            }
        }
        Ok(())
    }

    /// Scenario 2b, before a client's run (untimed): overwrites `ONE_KEY` with another value,
    /// so that the run must write it again, and returns the server's count of `SET` calls.
    pub fn reset_one(&self) -> Res<u64> {
        let mut con = self.con.borrow_mut();
        redis::cmd("SET")
            .arg(ONE_KEY)
            .arg("not-yet")
            .exec(&mut *con)
            .ctx("checker SET")?;
        set_calls(&mut con)
    }

    /// Scenario 2b, after a client's run: `ONE_KEY` holds `ONE_VALUE` again and the server ran
    /// exactly `total` more `SET`s (so every command of every batch arrived and succeeded; the
    /// replies themselves were ignored, error replies would have failed the run).
    pub fn check_set_one(&self, who: &str, calls_before: u64, total: usize) -> Res<()> {
        let mut con = self.con.borrow_mut();
        let v: Option<String> = redis::cmd("GET")
            .arg(ONE_KEY)
            .query(&mut *con)
            .ctx("checker GET")?;
        ensure!(
            v.as_deref() == Some(ONE_VALUE),
            "{who} pipelined SET of one key: {ONE_KEY} holds {v:?}, want {ONE_VALUE:?}"
        );
        let calls = set_calls(&mut con)? - calls_before;
        ensure!(
            calls == total as u64,
            "{who} pipelined SET of one key: the server ran {calls} SETs, want {total}"
        );
        Ok(())
    }

    /// Scenario 8b, before the clients' runs (untimed): `ONE_KEY` holds `ONE_VALUE` again
    /// (redis-benchmark's `SET` ceiling left its own 3 pseudo-random bytes there).
    pub fn restore_one(&self) -> Res<()> {
        redis::cmd("SET")
            .arg(ONE_KEY)
            .arg(ONE_VALUE)
            .exec(&mut *self.con.borrow_mut())
            .ctx("checker SET")
    }

    /// Scenario 3's replay, before the run (untimed): the counter's value, from which the
    /// replies of its `INCRBY` calls follow. Read, not reset, so that the replies have as many
    /// digits as the clients' in the same round.
    pub fn counter(&self, key: &str) -> Res<i64> {
        redis::cmd("GET")
            .arg(key)
            .query(&mut *self.con.borrow_mut())
            .ctx("checker GET counter")
    }

    pub fn server_version(&self) -> Res<String> {
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query(&mut *self.con.borrow_mut())
            .ctx("INFO server")?;
        Ok(info
            .lines()
            .find_map(|l| l.strip_prefix("redis_version:"))
            .unwrap_or("unknown")
            .trim()
            .to_string())
    }
}

/// `calls=` of `cmdstat_set` in `INFO commandstats`.
fn set_calls(con: &mut redis::Connection) -> Res<u64> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(con)
        .ctx("INFO commandstats")?;
    info.lines()
        .find_map(|l| l.strip_prefix("cmdstat_set:calls="))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| "INFO commandstats: no cmdstat_set calls".to_string())
}
