//! A batch job of many small pipelines, with the server restarted (`kill -9`, a new server on
//! the same port) five times while it runs; the job retries a batch on a typed error.

use super::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const BATCHES: usize = 24_000;
const RESTARTS: usize = 5;
const PER_BATCH: usize = 10;

#[test]
fn a_batch_job_survives_restarts() {
    let _serial = serial();
    let mut server = RedisServer::start();
    let deadline = Duration::from_secs(2);
    let client = server
        .builder()
        .read_timeout(Some(deadline))
        .write_timeout(Some(deadline))
        .connect_timeout(Some(deadline))
        .build();
    let run = workload::run_id();
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    let mut restarts = Vec::new();
    let (failures, wrong, slowest) = std::thread::scope(|s| {
        let job = s.spawn(|| {
            let mut failures: BTreeMap<String, usize> = BTreeMap::new();
            let (mut wrong, mut slowest) = (0, Duration::ZERO);
            for b in 0..BATCHES {
                for attempt in 0.. {
                    assert!(attempt < 1000, "batch {b} never went through: {failures:?}");
                    let token = |j: usize| format!("{run}:{b}:{j}:{attempt}");
                    let mut pipe = client.pipeline();
                    for j in 0..PER_BATCH {
                        let key = format!("job:{b}:{j}");
                        pipe.set(&key, token(j)).ignore().get(&key);
                    }
                    let call = Instant::now();
                    let result = pipe.execute::<Vec<Option<String>>>();
                    slowest = slowest.max(call.elapsed());
                    match result {
                        Ok(got) => {
                            let expected: Vec<Option<String>> =
                                (0..PER_BATCH).map(|j| Some(token(j))).collect();
                            if got != expected {
                                wrong += 1;
                                eprintln!("WRONG: batch {b}: {got:?}");
                            }
                            break;
                        }
                        Err(e) => {
                            *failures.entry(workload::kind(&e)).or_default() += 1;
                            std::thread::sleep(Duration::from_millis(10));
                        }
                    }
                }
                done.store(b + 1, Ordering::SeqCst);
            }
            (failures, wrong, slowest)
        });
        for mark in (1..=RESTARTS).map(|k| k * BATCHES / (RESTARTS + 1)) {
            while done.load(Ordering::SeqCst) < mark && !job.is_finished() {
                std::thread::sleep(Duration::from_micros(100));
            }
            let restart = Instant::now();
            server.restart();
            restarts.push(restart.elapsed());
        }
        job.join().unwrap()
    });
    let failed: usize = failures.values().sum();
    eprintln!(
        "faults::a_batch_job_survives_restarts: {BATCHES} batches of {PER_BATCH} SET+GET in \
         {:?}, restarts taking {restarts:?}; failed attempts {failed} {failures:?}, wrong \
         {wrong}, slowest attempt {slowest:?}",
        started.elapsed()
    );
    assert_eq!(done.load(Ordering::SeqCst), BATCHES);
    assert_eq!(restarts.len(), RESTARTS);
    assert_eq!(wrong, 0);
    for kind in failures.keys() {
        assert!(
            kind.starts_with("Io(") || kind.starts_with("Timeout("),
            "{kind}"
        );
    }
}
