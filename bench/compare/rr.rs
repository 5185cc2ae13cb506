//! The scenarios with redis-rs 1.8.1 (sync API).

use crate::data::{
    self, Data, CTR4_KEY, CTR_KEY, HASH_KEY, LIST_KEY, ONE_KEY, ONE_VALUE, RT_KEY, RT_VALUE,
};
use crate::{count_allocs, steady, Ctx, Res, SCRIPT};
use redis::{Commands, Connection, Script};
use std::collections::HashMap;
use std::sync::Barrier;
use std::time::{Duration, Instant};

pub fn get_round_trips(con: &mut Connection, _data: &Data, n: usize) -> Res<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let v: String = con.get(RT_KEY).ctx("redis-rs GET")?;
        latencies.push(t.elapsed());
        ensure!(v == RT_VALUE, "redis-rs GET #{i}: {v:?}");
    }
    Ok(latencies)
}

pub fn set_pipelined(
    con: &mut Connection,
    keys: &[String],
    value: &str,
    batch: usize,
) -> Res<Duration> {
    let mut pipe = redis::pipe();
    let t = Instant::now();
    for chunk in keys.chunks(batch) {
        for key in chunk {
            pipe.set(key, value).ignore();
        }
        pipe.query::<()>(con).ctx("redis-rs pipelined SET")?;
        pipe.clear();
    }
    Ok(t.elapsed())
}

/// Scenario 2b: `SET key:__rand_int__ xxx`, `total` times in batches, replies ignored.
pub fn set_one_pipelined(con: &mut Connection, total: usize, batch: usize) -> Res<Duration> {
    let mut pipe = redis::pipe();
    let t = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(batch);
        for _ in 0..n {
            pipe.set(ONE_KEY, ONE_VALUE).ignore();
        }
        pipe.query::<()>(con)
            .ctx("redis-rs pipelined SET of one key")?;
        pipe.clear();
        left -= n;
    }
    Ok(t.elapsed())
}

/// Scenario 3 through `Pipeline::invoke_script` (the script is loaded beforehand).
pub fn evalsha_pipelined(
    con: &mut Connection,
    total: usize,
    batch: usize,
) -> Res<(Duration, Vec<Vec<i64>>)> {
    let script = Script::new(SCRIPT);
    let mut pipe = redis::pipe();
    let mut out = Vec::with_capacity(total.div_ceil(batch));
    let t = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(batch);
        for _ in 0..n {
            pipe.invoke_script(script.key(CTR_KEY).arg(1));
        }
        out.push(
            pipe.query::<Vec<i64>>(con)
                .ctx("redis-rs pipelined EVALSHA")?,
        );
        pipe.clear();
        left -= n;
    }
    Ok((t.elapsed(), out))
}

pub fn script_calls(con: &mut Connection, n: usize) -> Res<Vec<Duration>> {
    let script = Script::new(SCRIPT);
    let mut prev: i64 = script
        .key(CTR4_KEY)
        .arg(0)
        .invoke(con)
        .ctx("redis-rs Script::invoke")?;
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let v: i64 = script
            .key(CTR4_KEY)
            .arg(1)
            .invoke(con)
            .ctx("redis-rs Script::invoke")?;
        latencies.push(t.elapsed());
        ensure!(v == prev + 1, "redis-rs Script::invoke: {v} after {prev}");
        prev = v;
    }
    Ok(latencies)
}

/// Scenarios 5 and 6, as `rl::large` (each scenario's samples back to back after one untimed
/// warm-up).
pub fn large(con: &mut Connection, data: &Data, reps: usize) -> Res<Vec<Vec<Duration>>> {
    let mut out = vec![
        steady(
            reps,
            || {
                con.lrange::<_, Vec<String>>(LIST_KEY, 0, -1)
                    .ctx("redis-rs LRANGE")
            },
            |list| data.check_list("redis-rs", list),
        )?,
        steady(
            reps,
            || {
                con.hgetall::<_, HashMap<String, String>>(HASH_KEY)
                    .ctx("redis-rs HGETALL")
            },
            |hash| data.check_hash("redis-rs", hash),
        )?,
    ];
    for (i, (key, _)) in data.big.iter().enumerate() {
        out.push(steady(
            reps,
            || con.get::<_, Vec<u8>>(key).ctx("redis-rs GET big"),
            |value| data.check_big("redis-rs", i, value),
        )?);
    }
    Ok(out)
}

/// Scenario 7: redis-rs's sync connection cannot be shared, so each thread takes its own
/// connection from one `redis::Client` (before the start line).
pub fn threads(client: &redis::Client, threads: usize, calls: usize) -> Res<Duration> {
    let script = Script::new(SCRIPT);
    let start = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (script, start) = (&script, &start);
                s.spawn(move || -> Res<()> {
                    let key = format!("ctr7:rr:{i}");
                    let warm = client.get_connection().and_then(|mut con| {
                        let v = (0..20)
                            .try_fold(0, |_, _| script.key(&key).arg(0).invoke::<i64>(&mut con))?;
                        Ok((con, v))
                    });
                    start.wait();
                    let (mut con, mut prev) = warm.ctx("redis-rs thread warm-up")?;
                    for _ in 0..calls {
                        let v: i64 = script
                            .key(&key)
                            .arg(1)
                            .invoke(&mut con)
                            .ctx("redis-rs thread")?;
                        ensure!(v == prev + 1, "redis-rs thread {i}: {v} after {prev}");
                        prev = v;
                    }
                    Ok(())
                })
            })
            .collect();
        start.wait();
        let t = Instant::now();
        for h in handles {
            h.join()
                .map_err(|_| "redis-rs thread panicked".to_string())??;
        }
        Ok(t.elapsed())
    })
}

pub fn get_pipelined(
    con: &mut Connection,
    keys: &[String],
    batch: usize,
) -> Res<(Duration, Vec<Vec<String>>)> {
    let mut pipe = redis::pipe();
    let mut out = Vec::with_capacity(keys.len().div_ceil(batch));
    let t = Instant::now();
    for chunk in keys.chunks(batch) {
        for key in chunk {
            pipe.get(key);
        }
        out.push(
            pipe.query::<Vec<String>>(con)
                .ctx("redis-rs pipelined GET")?,
        );
        pipe.clear();
    }
    Ok((t.elapsed(), out))
}

/// Scenario 8b: `GET key:__rand_int__`, `total` times in batches into `Vec<String>`.
pub fn get_one_pipelined(
    con: &mut Connection,
    total: usize,
    batch: usize,
) -> Res<(Duration, Vec<Vec<String>>)> {
    let mut pipe = redis::pipe();
    let mut out = Vec::with_capacity(total.div_ceil(batch));
    let t = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(batch);
        for _ in 0..n {
            pipe.get(ONE_KEY);
        }
        out.push(
            pipe.query::<Vec<String>>(con)
                .ctx("redis-rs pipelined GET of one key")?,
        );
        pipe.clear();
        left -= n;
    }
    Ok((t.elapsed(), out))
}

pub fn allocs_get(con: &mut Connection, data: &Data) -> Res<f64> {
    get_round_trips(con, data, 100)?;
    let n = 1_000;
    let (count, result) = count_allocs(|| -> Res<()> {
        for _ in 0..n {
            let v: String = con.get(RT_KEY).ctx("redis-rs GET")?;
            ensure!(v == RT_VALUE, "redis-rs GET: {v:?}");
        }
        Ok(())
    });
    result?;
    Ok(count as f64 / n as f64)
}

pub fn allocs_set(con: &mut Connection, data: &Data, batch: usize) -> Res<f64> {
    let keys = &data.set_keys[..(10 * batch).min(data.set_keys.len())];
    let mut pipe = redis::pipe();
    for key in &keys[..batch.min(keys.len())] {
        pipe.set(key, "xxx").ignore();
    }
    pipe.query::<()>(con).ctx("redis-rs pipelined SET")?;
    pipe.clear();
    let (count, result) = count_allocs(|| -> Res<()> {
        for chunk in keys.chunks(batch) {
            for key in chunk {
                pipe.set(key, "xxx").ignore();
            }
            pipe.query::<()>(con).ctx("redis-rs pipelined SET")?;
            pipe.clear();
        }
        Ok(())
    });
    result?;
    Ok(count as f64 / keys.len() as f64)
}

pub fn allocs_set_one(con: &mut Connection, batch: usize) -> Res<f64> {
    let mut pipe = redis::pipe();
    for _ in 0..batch {
        pipe.set(ONE_KEY, ONE_VALUE).ignore();
    }
    pipe.query::<()>(con)
        .ctx("redis-rs pipelined SET of one key")?;
    pipe.clear();
    let n = 10 * batch;
    let (count, result) = count_allocs(|| -> Res<()> {
        for _ in 0..10 {
            for _ in 0..batch {
                pipe.set(ONE_KEY, ONE_VALUE).ignore();
            }
            pipe.query::<()>(con)
                .ctx("redis-rs pipelined SET of one key")?;
            pipe.clear();
        }
        Ok(())
    });
    result?;
    Ok(count as f64 / n as f64)
}

pub fn allocs_get_pipe(con: &mut Connection, data: &Data, batch: usize) -> Res<f64> {
    let keys = &data.get_keys[..(10 * batch).min(data.get_keys.len())];
    let mut pipe = redis::pipe();
    for key in &keys[..batch.min(keys.len())] {
        pipe.get(key);
    }
    pipe.query::<Vec<String>>(con)
        .ctx("redis-rs pipelined GET")?;
    pipe.clear();
    let mut kept = Vec::with_capacity(keys.len().div_ceil(batch));
    let (count, result) = count_allocs(|| -> Res<()> {
        for chunk in keys.chunks(batch) {
            for key in chunk {
                pipe.get(key);
            }
            kept.push(
                pipe.query::<Vec<String>>(con)
                    .ctx("redis-rs pipelined GET")?,
            );
            pipe.clear();
        }
        Ok(())
    });
    result?;
    ensure!(
        kept.iter()
            .flatten()
            .enumerate()
            .all(|(i, v)| *v == data::get_value(i)),
        "redis-rs pipelined GET: wrong replies in the allocation pass"
    );
    Ok(count as f64 / keys.len() as f64)
}

pub fn allocs_large(con: &mut Connection, data: &Data) -> Res<[f64; 3]> {
    let (key, _) = &data.big[data.big.len() - 1];
    large(con, data, 1)?;
    let (a, list) = count_allocs(|| con.lrange::<_, Vec<String>>(LIST_KEY, 0, -1));
    data.check_list("redis-rs", &list.ctx("redis-rs LRANGE")?)?;
    let (b, hash) = count_allocs(|| con.hgetall::<_, HashMap<String, String>>(HASH_KEY));
    data.check_hash("redis-rs", &hash.ctx("redis-rs HGETALL")?)?;
    let (c, value) = count_allocs(|| con.get::<_, Vec<u8>>(key));
    data.check_big(
        "redis-rs",
        data.big.len() - 1,
        &value.ctx("redis-rs GET big")?,
    )?;
    Ok([
        a as f64 / data.list_len as f64,
        b as f64 / data.hash_fields as f64,
        c as f64,
    ])
}
