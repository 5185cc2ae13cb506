//! The TLS section (issue 19): pipelined SET and GET of 16 MiB in all (1,024 values of 16 KiB)
//! over TLS, redline (`tls` feature) side by side with redis-rs (`tls-native-tls`), both on
//! native-tls with the same test CA, alternating order each round; the same work over plain TCP
//! on the same server as the reference for TLS's own cost. Certificates are made with the
//! `openssl` command; the section is skipped with a note when it or the server's TLS is
//! missing. Every GET is checked against what was written.

use crate::report::median_of as median;
use crate::{ab, Ctx, Res};
use redline::Connection;
use std::time::{Duration, Instant};

const VALUE_LEN: usize = 16 << 10;
const KEYS: usize = 1_024;

// The CA and server certificate the examples and tests use (`ca.crt`, `server.crt`/`.key`).
#[path = "../../examples/common/tls_certs.rs"]
mod tls_certs;

use tls_certs::make_certs;

fn mb_per_s(d: Duration) -> f64 {
    (VALUE_LEN * KEYS) as f64 / 1e6 / d.as_secs_f64()
}

fn rl_round(conn: &Connection, keys: &[String], value: &str) -> Res<(Duration, Duration)> {
    let mut pipe = conn.pipeline();
    let t = Instant::now();
    for key in keys {
        pipe.set(key.as_str(), value).ignore();
    }
    pipe.execute::<()>().ctx("redline pipelined SET")?;
    let set = t.elapsed();
    let mut pipe = conn.pipeline();
    let t = Instant::now();
    for key in keys {
        pipe.get(key.as_str());
    }
    let got: Vec<String> = pipe.execute().ctx("redline pipelined GET")?;
    let get = t.elapsed();
    check("redline", &got, value)?;
    Ok((set, get))
}

fn rr_round(
    con: &mut redis::Connection,
    keys: &[String],
    value: &str,
) -> Res<(Duration, Duration)> {
    let mut pipe = redis::pipe();
    let t = Instant::now();
    for key in keys {
        pipe.set(key, value).ignore();
    }
    pipe.query::<()>(con).ctx("redis-rs pipelined SET")?;
    let set = t.elapsed();
    let mut pipe = redis::pipe();
    let t = Instant::now();
    for key in keys {
        pipe.get(key);
    }
    let got: Vec<String> = pipe.query(con).ctx("redis-rs pipelined GET")?;
    let get = t.elapsed();
    check("redis-rs", &got, value)?;
    Ok((set, get))
}

fn check(who: &str, got: &[String], value: &str) -> Res<()> {
    ensure!(
        got.len() == KEYS,
        "{who}: {} GET replies, not {KEYS}",
        got.len()
    );
    ensure!(
        got.iter().all(|v| v == value),
        "{who}: a GET returned another value"
    );
    Ok(())
}

pub fn run(quick: bool) -> Res<()> {
    let dir = tempfile::tempdir().ctx("temp dir")?;
    if let Err(e) = make_certs(dir.path()) {
        println!("\n## TLS\n\nSkipped: could not make certificates ({e}).");
        return Ok(());
    }
    let tls_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ctx("free port")?
        .port();
    let file = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let args: Vec<String> = vec![
        "--tls-port".into(),
        tls_port.to_string(),
        "--tls-cert-file".into(),
        file("server.crt"),
        "--tls-key-file".into(),
        file("server.key"),
        "--tls-ca-cert-file".into(),
        file("ca.crt"),
        "--tls-auth-clients".into(),
        "no".into(),
    ];
    let server = match crate::server::Server::start_with(&args) {
        Ok(server) => server,
        Err(e) => {
            println!("\n## TLS\n\nSkipped: the server did not start with TLS ({e}).");
            return Ok(());
        }
    };
    eprintln!("compare: TLS section, redis-server on TLS port {tls_port}");
    let ca = std::fs::read(dir.path().join("ca.crt")).ctx("reading ca.crt")?;
    let timeout = Some(Duration::from_secs(60));
    let rl_tls = redline::ClientBuilder::from_url(&format!("rediss://127.0.0.1:{tls_port}"))
        .ctx("redline URL")?
        .tls_ca_pem(ca.clone())
        .read_timeout(timeout)
        .build()
        .get_connection()
        .ctx("redline TLS connection")?;
    let rl_tcp = redline::Client::builder()
        .port(server.port)
        .read_timeout(timeout)
        .build()
        .get_connection()
        .ctx("redline TCP connection")?;
    let rr_tls_client = redis::Client::build_with_tls(
        format!("rediss://127.0.0.1:{tls_port}"),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(ca),
        },
    )
    .ctx("redis-rs TLS client")?;
    let mut rr_tls = rr_tls_client
        .get_connection()
        .ctx("redis-rs TLS connection")?;
    rr_tls.set_read_timeout(timeout).ctx("redis-rs timeout")?;
    let mut rr_tcp = redis::Client::open(server.url())
        .ctx("redis-rs client")?
        .get_connection()
        .ctx("redis-rs TCP connection")?;
    rr_tcp.set_read_timeout(timeout).ctx("redis-rs timeout")?;

    let keys: Vec<String> = (0..KEYS).map(|i| format!("tls:{i}")).collect();
    let rounds = if quick { 3 } else { 7 };
    // [TLS SET, TLS GET, TCP SET, TCP GET] for redline and for redis-rs.
    let mut rl = vec![Vec::new(); 4];
    let mut rr = vec![Vec::new(); 4];
    for round in 0..rounds {
        let first = round % 2 == 0;
        // Each round and client writes a value of its own, so a GET sees only its own SETs.
        let value = |who: char| {
            let mut v = format!("{who}{round:03}");
            v.push_str(&"x".repeat(VALUE_LEN - v.len()));
            v
        };
        let (a, b) = ab(
            first,
            || rl_round(&rl_tls, &keys, &value('L')),
            || rr_round(&mut rr_tls, &keys, &value('R')),
        )?;
        rl[0].push(mb_per_s(a.0));
        rl[1].push(mb_per_s(a.1));
        rr[0].push(mb_per_s(b.0));
        rr[1].push(mb_per_s(b.1));
        let (a, b) = ab(
            first,
            || rl_round(&rl_tcp, &keys, &value('l')),
            || rr_round(&mut rr_tcp, &keys, &value('r')),
        )?;
        rl[2].push(mb_per_s(a.0));
        rl[3].push(mb_per_s(a.1));
        rr[2].push(mb_per_s(b.0));
        rr[3].push(mb_per_s(b.1));
    }
    let rl: Vec<f64> = rl.into_iter().map(median).collect();
    let rr: Vec<f64> = rr.into_iter().map(median).collect();
    println!();
    println!("## TLS (native-tls on both sides, loopback; medians of {rounds} rounds, clients alternating)");
    println!();
    println!("| scenario | redline | redis-rs | redline/redis-rs |");
    println!("|---|---|---|---|");
    let rows = [
        "T1. pipelined SET, 1,024 × 16 KiB = 16 MiB, over TLS",
        "T2. pipelined GET, 1,024 × 16 KiB = 16 MiB, over TLS",
        "T1'. the same SET over plain TCP (reference)",
        "T2'. the same GET over plain TCP (reference)",
    ];
    for (i, row) in rows.iter().enumerate() {
        println!(
            "| {row} | {:.0} MB/s | {:.0} MB/s | {:.2} |",
            rl[i],
            rr[i],
            rl[i] / rr[i]
        );
    }
    drop(server);
    Ok(())
}
