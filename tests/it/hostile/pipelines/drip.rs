//! Hostile pipelines (d): replies dripped across segment boundaries.

use super::*;

// ---------------------------------------------------------------------------------------------
// (d) Replies dripped across segment boundaries
// ---------------------------------------------------------------------------------------------

/// The batch size at which the pipeline starts a new segment (`src/batch/segments.rs`).
pub(super) const SEGMENT: usize = 256 * 1024;
/// Key padding: each GET is about 2 KiB, so a segment holds about 129 of them.
const KEY_PAD: usize = 2000;

pub(super) fn drip_key(i: usize) -> String {
    format!("{i:06}:{}", "p".repeat(KEY_PAD))
}

/// What the drip server holds for key `i`: nil, empty, short multi-byte text, or text over
/// the fast-path limit whose characters the drip cuts.
fn drip_value(i: usize) -> Option<Vec<u8>> {
    match i {
        i if i % 13 == 0 => None,
        i if i % 17 == 3 => Some(Vec::new()),
        i if i % 50 == 7 => Some("é日🦀\r\n".repeat(2_000).into_bytes()),
        i => Some(format!("v{i}-é日🦀").into_bytes()),
    }
}

/// A server for a batch larger than a segment: one thread reads the client's commands as
/// they come (so the client never blocks writing), the other answers each command once it
/// has arrived, one byte per write (large payloads in 997-byte pieces), pausing after every
/// byte of the replies around segment boundaries. It answers a `PING` and stops; it returns
/// every command it got.
fn drip_server(per_segment: usize) -> (u16, std::thread::JoinHandle<Vec<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return Vec::new();
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = stream.try_clone().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            while let Some(words) = read_command(&mut reader, &mut buf) {
                if tx.send(words).is_err() {
                    return;
                }
            }
        });
        let mut writer = stream;
        let mut seen: Vec<Vec<String>> = Vec::new();
        while let Ok(words) = rx.recv_timeout(Duration::from_secs(10)) {
            let i = seen.len();
            let (reply, ping) = match words.first().map(String::as_str) {
                Some("PING") => (b"+PONG\r\n".to_vec(), true),
                Some("GET") => {
                    let index: usize = words[1][..6].parse().unwrap();
                    match drip_value(index) {
                        Some(v) => (bulk(&v), false),
                        None => (b"$-1\r\n".to_vec(), false),
                    }
                }
                _ => (b"-ERR unexpected\r\n".to_vec(), false),
            };
            let near_boundary = i % per_segment < 3 || i % per_segment >= per_segment - 3;
            let piece = if reply.len() > 1000 { 997 } else { 1 };
            for chunk in reply.chunks(piece) {
                if writer.write_all(chunk).is_err() {
                    return seen;
                }
                if near_boundary {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
            seen.push(words);
            if ping {
                break;
            }
        }
        seen
    });
    (port, handle)
}

#[test]
fn pipeline_dripped_across_segment_boundaries() {
    let command_len = cmd("GET").arg(drip_key(0)).encoded().len();
    let per_segment = SEGMENT / command_len;
    let n = per_segment * 4 + 10;
    for kind in 0..3 {
        let (port, server) = drip_server(per_segment);
        let conn = Client::builder()
            .host("127.0.0.1")
            .port(port)
            .read_timeout(Some(Duration::from_secs(5)))
            .build()
            .get_connection()
            .unwrap();
        let mut pipe = conn.pipeline();
        let ignored = |i: usize| kind == 0 && i % 7 == 3;
        for i in 0..n {
            pipe.cmd(cmd("GET").arg(drip_key(i)));
            if ignored(i) {
                pipe.ignore();
            }
        }
        let started = Instant::now();
        let expected: Vec<Option<Vec<u8>>> =
            (0..n).filter(|&i| !ignored(i)).map(drip_value).collect();
        match kind {
            0 | 1 => {
                let got: Vec<Option<String>> = pipe.execute().unwrap();
                let got: Vec<Option<Vec<u8>>> =
                    got.into_iter().map(|v| v.map(String::into_bytes)).collect();
                assert!(got == expected, "kind {kind}: wrong values");
            }
            _ => {
                let got: Vec<Value> = pipe.execute().unwrap();
                let got: Vec<Option<Vec<u8>>> = FromValue::from_value(Value::Array(got)).unwrap();
                assert!(got == expected, "kind {kind}: wrong values");
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(conn.ping().unwrap(), "PONG", "kind {kind}");
        drop(conn);
        let seen = server.join().unwrap();
        assert_eq!(seen.len(), n + 1, "kind {kind}");
        for (i, words) in seen[..n].iter().enumerate() {
            assert_eq!(words[0], "GET");
            assert_eq!(
                words[1],
                drip_key(i),
                "kind {kind}: command {i} out of order"
            );
        }
    }
}
