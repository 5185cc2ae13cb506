//! Running the generated cases against a real server and the oracle, and the tests.

use super::*;

// ---------------------------------------------------------------------------------------------
// Running one case
// ---------------------------------------------------------------------------------------------

/// What the generated cases exercised, checked at the end so that a generator that drifts
/// cannot make the test pass vacuously.
#[derive(Default, Debug)]
struct Coverage {
    cases: usize,
    multi_segment: usize,
    large_values: usize,
    pipeline_errors: usize,
    noscript_errors: usize,
    wrongtype_errors: usize,
    /// The first error reply was that of an ignored command.
    ignored_first_error: usize,
    ok_typed: usize,
    conversion_errors: usize,
    ok_nested_lists: usize,
    ok_maps: usize,
    ok_tuples: usize,
    pushes_expected: usize,
}

struct Env<'a> {
    server: &'a RedisServer,
    other: Client,
    scripts: Scripts,
}

impl Env<'_> {
    /// Fresh data, the connection knowing every script cached, and `missing` flushed from the
    /// server's cache when the case wants `NOSCRIPT`.
    fn prepare(&self, case: &Case, conn: &Connection) {
        case.data.write(&self.other);
        let mut warm = conn.pipeline();
        for code in self.scripts.cached() {
            warm.script(code, case.data.key("l", 0), (1, "w"));
        }
        warm.script(&self.scripts.missing, (), "w");
        // Only the error script answers with an error reply. A `NOSCRIPT` here would mean the
        // connection did not forget `missing` when the last batch got `NOSCRIPT` for it.
        let replies = warm.execute_raw().unwrap();
        assert_eq!(replies.len(), 5);
        for (i, reply) in replies.iter().enumerate() {
            assert_eq!(
                matches!(reply, Value::Error(_)),
                i == 3,
                "{}: warm-up reply {i}: {reply:?}",
                case.describe()
            );
        }
        if case.noscript {
            self.other.script_flush(FlushMode::Sync).unwrap();
            for code in self.scripts.cached() {
                self.other
                    .script_load(code.source().expect("source"))
                    .unwrap();
            }
        }
    }
}

/// The first error reply of `all` (every command's reply) as `execute` must report it.
fn first_error(case: &Case, all: &[Value]) -> Option<Error> {
    all.iter().enumerate().find_map(|(index, v)| match v {
        Value::Error(message) => Some(Error::Pipeline {
            index,
            command: case.ops[index].name().to_string(),
            source: Box::new(Error::from_server_reply(message.clone())),
        }),
        _ => None,
    })
}

fn kept_of(case: &Case, all: &[Value]) -> Vec<Value> {
    all.iter()
        .zip(&case.ignored)
        .filter(|(_, &ignored)| !ignored)
        .map(|(v, _)| v.clone())
        .collect()
}

/// What `execute::<T>()` must give: the pipeline error, else `T::from_value` of the replies
/// kept.
fn oracle<T: FromValue>(case: &Case, all: &[Value]) -> Result<T, Error> {
    match first_error(case, all) {
        Some(e) => Err(e),
        None => T::from_value(Value::Array(kept_of(case, all))),
    }
}

fn brief(s: String) -> String {
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

/// Asserts that `got` and `want` agree: equal values, or the same error (for
/// `Error::Pipeline`: the same index and source, the command named).
fn assert_agree<T: PartialEq + Debug>(what: &str, got: &Result<T, Error>, want: &Result<T, Error>) {
    match (got, want) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "{what}: streamed {} but the oracle gave {}",
            brief(format!("{a:?}")),
            brief(format!("{b:?}"))
        ),
        (
            Err(Error::Pipeline {
                index,
                command,
                source,
            }),
            Err(Error::Pipeline {
                index: want_index,
                command: want_name,
                source: want_source,
            }),
        ) => {
            assert_eq!(index, want_index, "{what}: the failing command's index");
            assert_eq!(
                format!("{source:?}"),
                format!("{want_source:?}"),
                "{what}: the failing command's error"
            );
            assert!(
                command.starts_with(want_name.as_str()),
                "{what}: command {command:?}, expected it to start with {want_name}"
            );
        }
        (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}"),
        _ => panic!(
            "{what}: streamed {} but the oracle gave {}",
            brief(format!("{got:?}")),
            brief(format!("{want:?}"))
        ),
    }
}

/// The connection answers its next command with its own reply.
fn assert_in_step(what: &str, conn: &Connection) {
    assert!(!conn.is_broken(), "{what}: the connection broke");
    let pong = conn.query::<String>(&cmd("PING"));
    assert_eq!(
        pong.as_deref().ok(),
        Some("PONG"),
        "{what}: out of step: {pong:?}"
    );
}

/// Runs the case with `execute::<T>()` on fresh data and compares with the oracle.
fn check_typed<T: FromValue + PartialEq + Debug>(
    env: &Env<'_>,
    conn: &Connection,
    case: &Case,
    all: &[Value],
    coverage: &mut Coverage,
) {
    let what = format!("{} as {}", case.describe(), std::any::type_name::<T>());
    env.prepare(case, conn);
    let got = case.pipeline(conn, &env.scripts, true).execute::<T>();
    let want = oracle::<T>(case, all);
    assert_agree(&what, &got, &want);
    assert_in_step(&what, conn);
    match &got {
        Ok(_) => coverage.ok_typed += 1,
        Err(Error::Conversion { .. }) => coverage.conversion_errors += 1,
        Err(_) => {}
    }
}

fn request_bytes(case: &Case, conn: &Connection, scripts: &Scripts) -> usize {
    let pipe = case.pipeline(conn, scripts, false);
    (0..pipe.len())
        .filter_map(|i| pipe.batch().command(i))
        .map(|c| c.encoded().len())
        .sum()
}

fn run_case(env: &Env<'_>, client: &Client, case: &Case, coverage: &mut Coverage) {
    let what = case.describe();
    let conn = client.get_connection().unwrap();
    // Before 7.0 the server can send a tracking invalidation in the middle of a script's or a
    // transaction's reply (redis/redis#8206, #8935): broken RESP3 that no client can read.
    let tracking = case.tracking
        && crate::support::supported!(
            server_kind().redis_version >= (7, 0, 0),
            "tracking invalidations inside a reply (redis#8206, fixed in 7.0)"
        );
    if tracking {
        let ok: String = conn.query(cmd("CLIENT").arg("TRACKING").arg("ON")).unwrap();
        assert_eq!(ok, "OK");
    }

    // The oracle's replies: every command's, none ignored.
    env.prepare(case, &conn);
    let all = case
        .pipeline(&conn, &env.scripts, false)
        .execute_raw()
        .unwrap();
    assert_eq!(all.len(), case.ops.len(), "{what}");
    assert_in_step(&what, &conn);
    for (i, op) in case.ops.iter().enumerate() {
        if op.fails() {
            assert!(matches!(all[i], Value::Error(_)), "{what}: reply {i}");
        }
        if matches!(op, Op::Missing(_)) && case.noscript {
            assert!(
                matches!(&all[i], Value::Error(m) if m.starts_with("NOSCRIPT")),
                "{what}: reply {i} {:?}",
                all[i]
            );
        }
    }

    // `execute_raw()` as queued gives the replies of the commands kept.
    env.prepare(case, &conn);
    let raw = case
        .pipeline(&conn, &env.scripts, true)
        .execute_raw()
        .unwrap();
    assert!(
        raw == kept_of(case, &all),
        "{what}: execute_raw with ignores"
    );
    assert_in_step(&what, &conn);

    // Coverage.
    coverage.cases += 1;
    if request_bytes(case, &conn, &env.scripts) > SEGMENT {
        coverage.multi_segment += 1;
    }
    if all
        .iter()
        .any(|v| matches!(v, Value::Bulk(b) if b.len() > FAST_BULK_MAX))
    {
        coverage.large_values += 1;
    }
    if let Some(Error::Pipeline { index, source, .. }) = first_error(case, &all) {
        coverage.pipeline_errors += 1;
        if case.ignored[index] {
            coverage.ignored_first_error += 1;
        }
        match *source {
            Error::NoScript => coverage.noscript_errors += 1,
            Error::Server {
                kind: ServerErrorKind::WrongType,
                ..
            } => coverage.wrongtype_errors += 1,
            _ => {}
        }
    }
    if tracking
        && case.ops.iter().any(|op| matches!(op, Op::Incr(_)))
        && case.ops.iter().any(|op| matches!(op, Op::GetCounter(_)))
    {
        coverage.pushes_expected += 1;
    }

    // The streaming path, for several `T`.
    check_typed::<Vec<Value>>(env, &conn, case, &all, coverage);
    check_typed::<Value>(env, &conn, case, &all, coverage);
    check_typed::<Vec<Option<String>>>(env, &conn, case, &all, coverage);
    check_typed::<Vec<Option<Vec<u8>>>>(env, &conn, case, &all, coverage);
    check_typed::<Vec<i64>>(env, &conn, case, &all, coverage);
    match case.shape {
        Shape::Mixed => {
            check_typed::<Vec<String>>(env, &conn, case, &all, coverage);
            check_typed::<Vec<Vec<String>>>(env, &conn, case, &all, coverage);
        }
        Shape::Strings => check_typed::<Vec<String>>(env, &conn, case, &all, coverage),
        Shape::Numbers => check_typed::<Vec<Option<i64>>>(env, &conn, case, &all, coverage),
        Shape::Lists => {
            let before = coverage.ok_typed;
            check_typed::<Vec<Vec<String>>>(env, &conn, case, &all, coverage);
            coverage.ok_nested_lists += coverage.ok_typed - before;
            check_typed::<Vec<Vec<Vec<u8>>>>(env, &conn, case, &all, coverage);
        }
        Shape::Hashes => {
            let before = coverage.ok_typed;
            check_typed::<Vec<HashMap<String, String>>>(env, &conn, case, &all, coverage);
            coverage.ok_maps += coverage.ok_typed - before;
            check_typed::<Vec<Vec<String>>>(env, &conn, case, &all, coverage);
        }
        Shape::Nested => check_typed::<Vec<Vec<Value>>>(env, &conn, case, &all, coverage),
    }
    let before = coverage.ok_typed;
    match case.kept() {
        0 => check_typed::<()>(env, &conn, case, &all, coverage),
        1 => check_typed::<(Value,)>(env, &conn, case, &all, coverage),
        2 => check_typed::<(Option<String>, Value)>(env, &conn, case, &all, coverage),
        3 => check_typed::<(Value, Option<Vec<u8>>, Value)>(env, &conn, case, &all, coverage),
        _ => {}
    }
    coverage.ok_tuples += coverage.ok_typed - before;
}

fn oracle_cases(protocol: Protocol, seeds: std::ops::Range<u64>) -> Coverage {
    let server = RedisServer::start();
    let env = Env {
        server: &server,
        other: server.client(),
        scripts: Scripts::new(),
    };
    let client = env
        .server
        .builder()
        .protocol(protocol)
        .read_timeout(Some(Duration::from_secs(20)))
        .build();
    let mut coverage = Coverage::default();
    for seed in seeds {
        let case = Case::generate(seed, protocol);
        run_case(&env, &client, &case, &mut coverage);
    }
    coverage
}

fn assert_covered(coverage: &Coverage) {
    eprintln!("{coverage:?}");
    let c = coverage;
    let enough = c.cases >= 200
        && c.multi_segment >= 8
        && c.large_values >= 60
        && c.pipeline_errors >= 60
        && c.noscript_errors >= 10
        && c.wrongtype_errors >= 15
        && c.ignored_first_error >= 10
        && c.ok_typed >= 150
        && c.conversion_errors >= 150
        && c.ok_nested_lists >= 3
        && c.ok_maps >= 2
        && c.ok_tuples >= 3;
    assert!(enough, "the cases exercised too little: {c:?}");
}

#[test]
fn streamed_pipelines_match_the_raw_replies_resp2() {
    let coverage = oracle_cases(Protocol::Resp2, 0..CASES);
    assert_covered(&coverage);
}

#[test]
fn streamed_pipelines_match_the_raw_replies_resp3() {
    let coverage = oracle_cases(Protocol::Resp3, 1000..1000 + CASES);
    assert_covered(&coverage);
    // Before 7.0 the cases run without tracking (see `run_case`), so no push is expected.
    if server_kind().redis_version >= (7, 0, 0) {
        assert!(coverage.pushes_expected >= 5, "{coverage:?}");
    }
}
