use crate::support::{RedisServer, PROTOCOLS};
use redline::{cmd, Commands, Value};

#[test]
fn smoke_set_get_script_pipeline() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("foo", 2).unwrap();
        let v: i64 = client.get("foo").unwrap();
        assert_eq!(v, 2);
        let multiply =
            client.register_script("return tonumber(redis.call('GET', KEYS[1])) * ARGV[1]");
        assert_eq!(multiply.call::<i64>("foo", 5).unwrap(), 10);
        let (ok, product): (bool, i64) = client
            .pipeline()
            .set("foo", 5)
            .script(&multiply, "foo", 5)
            .execute()
            .unwrap();
        assert_eq!((ok, product), (true, 25));
        let hello: Value = client.query(&cmd("HELLO")).unwrap();
        println!("{protocol:?}: {hello:?}");
    }
}
