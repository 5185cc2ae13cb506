use redline::{Client, Commands};
fn main() -> redline::Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(20000);
    let client = Client::open("redis://127.0.0.1:7390")?;
    let keys: Vec<String> = (0..1000).map(|i| format!("key:{i:06}")).collect();
    for k in &keys {
        client.set(k, "xxxxxxxxxxxxxxxxxxxx")?;
    }
    let script = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    let t = std::time::Instant::now();
    match mode.as_str() {
        "pget" => {
            for _ in 0..n / 1000 {
                let mut p = client.pipeline();
                for k in &keys {
                    p.get(k);
                }
                let v: Vec<String> = p.execute()?;
                assert_eq!(v.len(), 1000);
            }
        }
        "script" => {
            for _ in 0..n {
                let _: i64 = script.call("ctr", 1)?;
            }
        }
        "get" => {
            for _ in 0..n {
                let _: String = client.get(&keys[0])?;
            }
        }
        _ => {}
    }
    eprintln!("{mode}: {:?}/op", t.elapsed() / n as u32);
    Ok(())
}
