//! `scan_iter`, `hscan_iter`, `sscan_iter` and `zscan_iter` against a real server: every key
//! seen at least once, none outside the pattern, typed items, pages fetched lazily.

use super::*;
use redline::{FromValue, ScanCursor, ScanOptions};

#[test]
fn scan_iter_sees_every_matching_key_and_nothing_else() {
    let server = RedisServer::start();
    let client = server.client();
    let n = 100_000;
    for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
        let mut pipe = client.pipeline();
        for i in chunk {
            pipe.set(format!("job:{i}"), i).ignore();
            // Keys outside the pattern, and of another type.
            if i % 10 == 0 {
                pipe.sadd(format!("other:{i}"), "x").ignore();
            }
        }
        pipe.execute::<()>().unwrap();
    }
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let mut seen = HashSet::new();
        for key in client.scan_iter::<String>(ScanOptions::new().pattern("job:*").count(1000)) {
            let key = key.unwrap();
            assert!(key.starts_with("job:"), "{key} is outside the pattern");
            seen.insert(key);
        }
        assert_eq!(seen.len(), n, "{protocol:?}");
        // TYPE: only the sets.
        let sets: HashSet<String> = client
            .scan_iter(ScanOptions::new().key_type("set").count(1000))
            .collect::<redline::Result<_>>()
            .unwrap();
        assert_eq!(sets.len(), n / 10, "{protocol:?}");
        assert!(sets.iter().all(|k| k.starts_with("other:")));
    }
}

#[test]
fn pages_are_fetched_lazily_and_by_hand() {
    let server = RedisServer::start();
    let client = server.client();
    let mut pipe = client.pipeline();
    for i in 0..500 {
        pipe.set(format!("k:{i}"), i).ignore();
    }
    pipe.execute::<()>().unwrap();
    // Taking three keys costs one page, not the whole keyspace.
    let before = scan_calls(&client);
    let three: Vec<String> = client
        .scan_iter(ScanOptions::new().count(50))
        .take(3)
        .collect::<redline::Result<_>>()
        .unwrap();
    assert_eq!(three.len(), 3);
    assert_eq!(scan_calls(&client) - before, 1);
    // Page by page through the target trait, on a dedicated connection.
    let conn = client.get_connection().unwrap();
    let mut cursor = ScanCursor::new();
    let (mut keys, mut pages) = (HashSet::new(), 0);
    while !cursor.is_finished() {
        let page = conn
            .scan_page(&mut cursor, &ScanOptions::new().count(100))
            .unwrap();
        pages += 1;
        keys.extend(page.into_iter().map(|v| String::from_value(v).unwrap()));
    }
    assert_eq!(keys.len(), 500);
    assert!(pages > 1, "{pages} pages");
    // After the end, more pages are empty and nothing is sent.
    let before = scan_calls(&client);
    assert!(conn
        .scan_page(&mut cursor, &ScanOptions::new())
        .unwrap()
        .is_empty());
    assert_eq!(scan_calls(&client), before);
}

fn scan_calls(client: &Client) -> i64 {
    let stats = client.info(Some("commandstats")).unwrap();
    stats
        .lines()
        .find_map(|l| l.strip_prefix("cmdstat_scan:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |n| n.parse().unwrap())
}

#[test]
fn hash_set_and_sorted_set_scans_are_typed() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let fields: Vec<(String, String)> = (0..1000)
            .map(|i| (format!("f{i}"), format!("v{i}")))
            .collect();
        client.hset_multiple("h", &fields).unwrap();
        let got: HashMap<String, String> = client
            .hscan_iter::<(String, String)>("h", ScanOptions::new().count(100))
            .collect::<redline::Result<_>>()
            .unwrap();
        assert_eq!(got.len(), 1000);
        assert!(fields.iter().all(|(f, v)| got.get(f) == Some(v)));
        // MATCH on fields.
        let some: Vec<(String, String)> = client
            .hscan_iter("h", ScanOptions::new().pattern("f99*"))
            .collect::<redline::Result<_>>()
            .unwrap();
        let mut names: Vec<&str> = some.iter().map(|(f, _)| f.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names,
            [
                "f99", "f990", "f991", "f992", "f993", "f994", "f995", "f996", "f997", "f998",
                "f999"
            ]
        );

        let members: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
        client.sadd("s", &members).unwrap();
        let got: HashSet<String> = client
            .sscan_iter("s", ScanOptions::new().count(100))
            .collect::<redline::Result<_>>()
            .unwrap();
        assert_eq!(got.len(), 1000);

        for i in 0..1000 {
            client
                .zadd("z", format!("m{i}"), f64::from(i) + 0.5)
                .unwrap();
        }
        let got: Vec<(String, f64)> = client
            .zscan_iter("z", ScanOptions::new().count(100))
            .collect::<redline::Result<_>>()
            .unwrap();
        let scores: HashMap<String, f64> = got.into_iter().collect();
        assert_eq!(scores.len(), 1000);
        assert_eq!(scores["m7"], 7.5);
        // A missing key is an empty iteration; a key of another type is an error, then the end.
        assert_eq!(
            client
                .sscan_iter::<String>("missing", ScanOptions::new())
                .count(),
            0
        );
        let mut wrong = client.zscan_iter::<(String, f64)>("h", ScanOptions::new());
        let err = wrong.next().unwrap().unwrap_err();
        assert_eq!(err.server_kind(), Some(ServerErrorKind::WrongType), "{err}");
        assert!(wrong.next().is_none());
        client.del(["h", "s", "z"]).unwrap();
    }
}

#[test]
fn an_item_that_does_not_convert_is_its_own_error() {
    let server = RedisServer::start();
    let client = server.client();
    client.sadd("nums", ["1", "2", "not-a-number"]).unwrap();
    let items: Vec<redline::Result<i64>> = client.sscan_iter("nums", ScanOptions::new()).collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items.iter().filter(|r| r.is_err()).count(), 1);
}
