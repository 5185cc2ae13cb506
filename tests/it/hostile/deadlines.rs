//! A timeout bounds the whole call, not each `read()`; a signal does not fail a call.

use super::*;
use std::time::Instant;

/// `bytes` written one at a time, `every` apart.
fn drip(bytes: &[u8], every: Duration) -> Vec<Step> {
    bytes
        .iter()
        .flat_map(|&b| [Step::Pause(every), Step::Write(vec![b])])
        .collect()
}

#[test]
fn a_reply_dripped_a_byte_at_a_time_times_out_at_the_call_deadline() {
    // 15 bytes, one every 50 ms: 750 ms in all, each read well under the 300 ms timeout.
    let mut script = vec![Step::Read];
    script.extend(drip(b"$5\r\nhello\r\n", Duration::from_millis(50)));
    let fake = Fake::start(vec![script, pong()]);
    let client = fake
        .builder()
        .read_timeout(Some(Duration::from_millis(300)))
        .build();
    let started = Instant::now();
    let err = client.get::<String>("k").unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(took < Duration::from_millis(600), "the call took {took:?}");
    // The error says where, what and the limit.
    assert_eq!(
        err.to_string(),
        format!(
            "redis://127.0.0.1:{}: timed out while reading a reply (limit 300ms)",
            fake.port()
        )
    );
    // The pool dropped that connection; the next call works.
    assert_eq!(client.ping().unwrap(), "PONG");
}

#[test]
fn a_large_payload_dripped_slowly_times_out_at_the_call_deadline() {
    // A 40 KiB bulk (read straight into the reply's buffer): its header and first 32 KiB at
    // once, then the rest a chunk every 100 ms.
    let payload = vec![b'x'; 40 * 1024];
    let mut reply = format!("${}\r\n", payload.len()).into_bytes();
    reply.extend_from_slice(&payload[..100]);
    let mut script = vec![Step::Read, Step::Write(reply)];
    for chunk in payload[100..].chunks(2048) {
        script.push(Step::Pause(Duration::from_millis(100)));
        script.push(Step::Write(chunk.to_vec()));
    }
    script.push(Step::Write(b"\r\n".to_vec()));
    let fake = Fake::start(vec![script]);
    let client = fake
        .builder()
        .read_timeout(Some(Duration::from_millis(300)))
        .build();
    let started = Instant::now();
    let err = client.get::<Vec<u8>>("big").unwrap_err();
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(took < Duration::from_millis(700), "the call took {took:?}");
}

#[test]
fn a_handshake_dripped_slowly_times_out_at_the_connect_deadline() {
    // CLIENT SETNAME's +OK, a byte every 150 ms: each read is quick, the whole takes 750 ms.
    let mut script = vec![Step::Read];
    script.extend(drip(b"+OK\r\n", Duration::from_millis(150)));
    let fake = Fake::start(vec![script]);
    let info = fake
        .builder()
        .client_name("slow")
        .read_timeout(None)
        .connect_timeout(Some(Duration::from_millis(300)))
        .build()
        .connection_info()
        .clone();
    let started = Instant::now();
    let err = Connection::open(&info).map(|_| ()).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout { op: Operation::Handshake, limit, .. } if limit == Duration::from_millis(300)
        ),
        "{err:?}"
    );
    assert!(
        took < Duration::from_millis(600),
        "the handshake took {took:?}"
    );
}

extern "C" fn on_signal(_: libc::c_int) {}

#[test]
fn signals_during_a_read_do_not_fail_the_call() {
    // A reply 400 ms late, while a thread interrupts the reading thread every 10 ms. With a
    // socket timeout set, the kernel does not restart an interrupted read (EINTR).
    let fake = Fake::start(vec![vec![
        Step::Read,
        Step::Pause(Duration::from_millis(400)),
        Step::Write(b"$2\r\nok\r\n".to_vec()),
    ]]);
    let client = fake
        .builder()
        .read_timeout(Some(Duration::from_secs(2)))
        .build();
    // SAFETY (test only): installs a handler that does nothing, for SIGUSR1, and signals this
    // thread while it reads; `pthread_self` is this thread's id.
    let reader = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        action.sa_flags = libc::SA_RESTART;
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
        libc::pthread_self()
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    let sent = AtomicUsize::new(0);
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::SeqCst) {
                // SAFETY: `reader` is alive until `stop` is set, after the call below.
                unsafe { libc::pthread_kill(reader, libc::SIGUSR1) };
                sent.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let result = client.get::<String>("k");
        stop.store(true, Ordering::SeqCst);
        result
    });
    assert!(
        sent.load(Ordering::SeqCst) >= 10,
        "the reader was hardly interrupted"
    );
    assert_eq!(result.unwrap(), "ok");
}

#[test]
fn by_default_no_call_waits_for_ever() {
    // A server that accepts a command and never answers: with the default settings the call
    // ends with a timeout (5 s), it does not hang.
    let fake = Fake::start(vec![vec![Step::Read]]);
    let client = Client::builder().host("127.0.0.1").port(fake.port).build();
    assert_eq!(
        client.connection_info().read_timeout(),
        Some(Duration::from_secs(5))
    );
    let started = Instant::now();
    let err = client.ping().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                op: Operation::Read,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(7)).contains(&took),
        "{took:?}"
    );
}
