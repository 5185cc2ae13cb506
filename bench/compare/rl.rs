//! The scenarios with redline.

use crate::data::{
    self, Data, CTR4_KEY, CTR_KEY, HASH_KEY, LIST_KEY, ONE_KEY, ONE_VALUE, RT_KEY, RT_VALUE,
};
use crate::{count_allocs, steady, Ctx, Res, SCRIPT};
use redline::{Client, Commands, Connection};
use std::collections::HashMap;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Scenario 1: one `GET` at a time; the latency of each.
pub fn get_round_trips(conn: &Connection, _data: &Data, n: usize) -> Res<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let v: String = conn.get(RT_KEY).ctx("redline GET")?;
        latencies.push(t.elapsed());
        ensure!(v == RT_VALUE, "redline GET #{i}: {v:?}");
    }
    Ok(latencies)
}

/// Scenario 2: `SET` in batches, replies ignored, one pipeline reused.
pub fn set_pipelined(
    conn: &Connection,
    keys: &[String],
    value: &str,
    batch: usize,
) -> Res<Duration> {
    let mut pipe = conn.pipeline();
    let t = Instant::now();
    for chunk in keys.chunks(batch) {
        for key in chunk {
            pipe.set(key.as_str(), value).ignore();
        }
        pipe.execute::<()>().ctx("redline pipelined SET")?;
    }
    Ok(t.elapsed())
}

/// Scenario 2b: redis-benchmark's `-t set` workload: `SET key:__rand_int__ xxx`, `total`
/// times in batches, replies ignored, one pipeline reused.
pub fn set_one_pipelined(conn: &Connection, total: usize, batch: usize) -> Res<Duration> {
    let mut pipe = conn.pipeline();
    let t = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(batch);
        for _ in 0..n {
            pipe.set(ONE_KEY, ONE_VALUE).ignore();
        }
        pipe.execute::<()>()
            .ctx("redline pipelined SET of one key")?;
        left -= n;
    }
    Ok(t.elapsed())
}

/// Scenario 3: `EVALSHA` in batches through `Pipeline::script`.
pub fn evalsha_pipelined(
    client: &Client,
    conn: &Connection,
    total: usize,
    batch: usize,
) -> Res<(Duration, Vec<Vec<i64>>)> {
    let script = client.register_script(SCRIPT);
    let mut pipe = conn.pipeline();
    let mut out = Vec::with_capacity(total.div_ceil(batch));
    let t = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(batch);
        for _ in 0..n {
            pipe.script(&script, CTR_KEY, 1);
        }
        out.push(
            pipe.execute::<Vec<i64>>()
                .ctx("redline pipelined EVALSHA")?,
        );
        left -= n;
    }
    Ok((t.elapsed(), out))
}

/// Scenario 4: `Script::call` (pooled client) or `Script::call_on` (dedicated connection);
/// the latency of each call.
pub fn script_calls(client: &Client, conn: Option<&Connection>, n: usize) -> Res<Vec<Duration>> {
    let script = client.register_script(SCRIPT);
    let call = |by: i64| match conn {
        Some(conn) => script.call_on::<i64, _>(conn, CTR4_KEY, by),
        None => script.call::<i64>(CTR4_KEY, by),
    };
    let mut prev = call(0).ctx("redline Script::call")?;
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let v = call(1).ctx("redline Script::call")?;
        latencies.push(t.elapsed());
        ensure!(v == prev + 1, "redline Script::call: {v} after {prev}");
        prev = v;
    }
    Ok(latencies)
}

/// Scenarios 5 and 6: `reps` samples each of LRANGE, HGETALL, GET big values (in
/// `Id::LARGE` order), each reply checked after the clock stops and dropped before the next
/// sample. Each scenario's samples run back to back after one untimed warm-up, so that every
/// sample follows the drop of a reply of its own shape: a steady state, in which a sample does
/// not pay for the allocator's coalescing of another scenario's freed reply (dropping 100,000
/// `String`s makes glibc's next allocations take its slow path).
pub fn large(conn: &Connection, data: &Data, reps: usize) -> Res<Vec<Vec<Duration>>> {
    let mut out = vec![
        steady(
            reps,
            || {
                conn.lrange::<Vec<String>>(LIST_KEY, 0, -1)
                    .ctx("redline LRANGE")
            },
            |list| data.check_list("redline", list),
        )?,
        steady(
            reps,
            || {
                conn.hgetall::<HashMap<String, String>>(HASH_KEY)
                    .ctx("redline HGETALL")
            },
            |hash| data.check_hash("redline", hash),
        )?,
    ];
    for (i, (key, _)) in data.big.iter().enumerate() {
        out.push(steady(
            reps,
            || conn.get::<Vec<u8>>(key.as_str()).ctx("redline GET big"),
            |value| data.check_big("redline", i, value),
        )?);
    }
    Ok(out)
}

/// Scenario 7: `threads` threads share one `Client` (and one `Script`), each making `calls`
/// script calls on its own key. Returns the wall time from the start line to the last join.
pub fn threads(client: &Client, threads: usize, calls: usize) -> Res<Duration> {
    let script = client.register_script(SCRIPT);
    let start = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (script, start) = (&script, &start);
                s.spawn(move || -> Res<()> {
                    let key = format!("ctr7:rl:{i}");
                    // Warm-up (concurrently, so the pool holds enough connections).
                    let warm = (0..20).try_fold(0, |_, _| script.call::<i64>(key.as_str(), 0));
                    start.wait();
                    let mut prev = warm.ctx("redline thread warm-up")?;
                    for _ in 0..calls {
                        let v: i64 = script.call(key.as_str(), 1).ctx("redline thread")?;
                        ensure!(v == prev + 1, "redline thread {i}: {v} after {prev}");
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
                .map_err(|_| "redline thread panicked".to_string())??;
        }
        Ok(t.elapsed())
    })
}

/// Scenario 8: `GET` in batches into `Vec<String>`.
pub fn get_pipelined(
    conn: &Connection,
    keys: &[String],
    batch: usize,
) -> Res<(Duration, Vec<Vec<String>>)> {
    let mut pipe = conn.pipeline();
    let mut out = Vec::with_capacity(keys.len().div_ceil(batch));
    let t = Instant::now();
    for chunk in keys.chunks(batch) {
        for key in chunk {
            pipe.get(key.as_str());
        }
        out.push(pipe.execute::<Vec<String>>().ctx("redline pipelined GET")?);
    }
    Ok((t.elapsed(), out))
}

/// Scenario 8b: redis-benchmark's `-t get` workload: `GET key:__rand_int__`, `total` times
/// in batches into `Vec<String>`.
pub fn get_one_pipelined(
    conn: &Connection,
    total: usize,
    batch: usize,
) -> Res<(Duration, Vec<Vec<String>>)> {
    let mut pipe = conn.pipeline();
    let mut out = Vec::with_capacity(total.div_ceil(batch));
    let t = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(batch);
        for _ in 0..n {
            pipe.get(ONE_KEY);
        }
        out.push(
            pipe.execute::<Vec<String>>()
                .ctx("redline pipelined GET of one key")?,
        );
        left -= n;
    }
    Ok((t.elapsed(), out))
}

/// Allocations per `GET` round trip (String reply), warm.
pub fn allocs_get(conn: &Connection, data: &Data) -> Res<f64> {
    get_round_trips(conn, data, 100)?;
    let n = 1_000;
    let (count, result) = count_allocs(|| -> Res<()> {
        for _ in 0..n {
            let v: String = conn.get(RT_KEY).ctx("redline GET")?;
            ensure!(v == RT_VALUE, "redline GET: {v:?}");
        }
        Ok(())
    });
    result?;
    Ok(count as f64 / n as f64)
}

/// Allocations per pipelined `SET` (ignored replies), pipeline warm.
pub fn allocs_set(conn: &Connection, data: &Data, batch: usize) -> Res<f64> {
    let keys = &data.set_keys[..(10 * batch).min(data.set_keys.len())];
    let mut pipe = conn.pipeline();
    for key in &keys[..batch.min(keys.len())] {
        pipe.set(key.as_str(), "xxx").ignore();
    }
    pipe.execute::<()>().ctx("redline pipelined SET")?;
    let (count, result) = count_allocs(|| -> Res<()> {
        for chunk in keys.chunks(batch) {
            for key in chunk {
                pipe.set(key.as_str(), "xxx").ignore();
            }
            pipe.execute::<()>().ctx("redline pipelined SET")?;
        }
        Ok(())
    });
    result?;
    Ok(count as f64 / keys.len() as f64)
}

/// Allocations per pipelined `SET` of one key (scenario 2b, ignored replies), pipeline warm.
pub fn allocs_set_one(conn: &Connection, batch: usize) -> Res<f64> {
    let mut pipe = conn.pipeline();
    for _ in 0..batch {
        pipe.set(ONE_KEY, ONE_VALUE).ignore();
    }
    pipe.execute::<()>()
        .ctx("redline pipelined SET of one key")?;
    let n = 10 * batch;
    let (count, result) = count_allocs(|| -> Res<()> {
        for _ in 0..10 {
            for _ in 0..batch {
                pipe.set(ONE_KEY, ONE_VALUE).ignore();
            }
            pipe.execute::<()>()
                .ctx("redline pipelined SET of one key")?;
        }
        Ok(())
    });
    result?;
    Ok(count as f64 / n as f64)
}

/// Allocations per pipelined `GET` into `Vec<String>`, pipeline warm; the replies are
/// dropped outside the count.
pub fn allocs_get_pipe(conn: &Connection, data: &Data, batch: usize) -> Res<f64> {
    let keys = &data.get_keys[..(10 * batch).min(data.get_keys.len())];
    let mut pipe = conn.pipeline();
    for key in &keys[..batch.min(keys.len())] {
        pipe.get(key.as_str());
    }
    pipe.execute::<Vec<String>>().ctx("redline pipelined GET")?;
    let mut kept = Vec::with_capacity(keys.len().div_ceil(batch));
    let (count, result) = count_allocs(|| -> Res<()> {
        for chunk in keys.chunks(batch) {
            for key in chunk {
                pipe.get(key.as_str());
            }
            kept.push(pipe.execute::<Vec<String>>().ctx("redline pipelined GET")?);
        }
        Ok(())
    });
    result?;
    ensure!(
        kept.iter()
            .flatten()
            .enumerate()
            .all(|(i, v)| *v == data::get_value(i)),
        "redline pipelined GET: wrong replies in the allocation pass"
    );
    Ok(count as f64 / keys.len() as f64)
}

/// Allocations for one LRANGE (per element), one HGETALL (per field), one GET of the
/// largest value (per call), warm.
pub fn allocs_large(conn: &Connection, data: &Data) -> Res<[f64; 3]> {
    let (key, _) = &data.big[data.big.len() - 1];
    large(conn, data, 1)?;
    let (a, list) = count_allocs(|| conn.lrange::<Vec<String>>(LIST_KEY, 0, -1));
    data.check_list("redline", &list.ctx("redline LRANGE")?)?;
    let (b, hash) = count_allocs(|| conn.hgetall::<HashMap<String, String>>(HASH_KEY));
    data.check_hash("redline", &hash.ctx("redline HGETALL")?)?;
    let (c, value) = count_allocs(|| conn.get::<Vec<u8>>(key.as_str()));
    data.check_big(
        "redline",
        data.big.len() - 1,
        &value.ctx("redline GET big")?,
    )?;
    Ok([
        a as f64 / data.list_len as f64,
        b as f64 / data.hash_fields as f64,
        c as f64,
    ])
}
