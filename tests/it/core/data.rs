//! Binary, very large and Unicode keys and values.

use super::*;

// ---------------------------------------------------------------------------------------------
// Binary and unusual data
// ---------------------------------------------------------------------------------------------

#[test]
fn binary_keys_and_values_round_trip() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b"nul\0key".to_vec(), b"nul\0\0value\0".to_vec()),
            (
                vec![0xff, 0xfe, 0x80, 0x00],
                vec![0xc3, 0x28, 0xa0, 0xa1, 0xff],
            ),
            (b"crlf\r\nkey".to_vec(), b"\r\n$3\r\nfoo\r\n*1\r\n".to_vec()),
            (b"all-bytes".to_vec(), (0..=255u8).collect()),
            (b"empty".to_vec(), Vec::new()),
            (Vec::new(), b"the empty key".to_vec()),
        ];
        for (key, value) in &cases {
            client.set(key, value).unwrap();
            let back: Vec<u8> = client.get(key).unwrap();
            assert_eq!(&back, value, "{protocol:?} key {key:?}");
            assert_eq!(client.strlen(key).unwrap(), value.len() as i64);
        }
        // Empty is not nil.
        let empty: Option<Vec<u8>> = client.get(b"empty".as_slice()).unwrap();
        assert_eq!(empty, Some(Vec::new()));
        let empty: String = client.get(b"empty".as_slice()).unwrap();
        assert_eq!(empty, "");
        // Invalid UTF-8 read as a String is a conversion error that keeps the connection.
        let err = client
            .get::<String>([0xff, 0xfe, 0x80, 0x00].as_slice())
            .unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err:?}");
        assert_eq!(client.idle_connections(), 1);
        // Binary members in aggregates.
        client.del(b"binlist".as_slice()).unwrap();
        let members: Vec<Vec<u8>> = cases.iter().map(|(_, v)| v.clone()).collect();
        client.rpush(b"binlist".as_slice(), &members).unwrap();
        let back: Vec<Vec<u8>> = client.lrange(b"binlist".as_slice(), 0, -1).unwrap();
        assert_eq!(back, members);
        // MGET mixes present, empty and missing keys.
        let got: Vec<Option<Vec<u8>>> = client
            .mget((b"nul\0key".as_slice(), b"empty".as_slice(), "nope"))
            .unwrap();
        assert_eq!(
            got,
            vec![Some(b"nul\0\0value\0".to_vec()), Some(Vec::new()), None]
        );
    }
}

#[test]
fn ten_mib_value_round_trip() {
    let server = RedisServer::start();
    let value: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i % 251) as u8 ^ (i >> 13) as u8)
        .collect();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        client.set("big", &value).unwrap();
        assert_eq!(client.strlen("big").unwrap(), value.len() as i64);
        let back: Vec<u8> = client.get("big").unwrap();
        assert!(
            back == value,
            "{protocol:?}: the 10 MiB value came back different"
        );
        // The connection is still in step after the large reply.
        assert_eq!(client.ping().unwrap(), "PONG");
        let conn = client.get_connection().unwrap();
        let back: Vec<u8> = conn.get("big").unwrap();
        assert!(
            back == value,
            "{protocol:?}: different on a dedicated connection"
        );
        assert_eq!(conn.ping().unwrap(), "PONG");
        client.del("big").unwrap();
    }
}

#[test]
fn unicode_keys_and_values() {
    let server = RedisServer::start();
    for protocol in PROTOCOLS {
        let client = server.client_with(protocol);
        let pairs = [
            ("ключ", "значение"),
            ("🔑 emoji", "🦀 crab ✓"),
            ("日本語のキー", "値\u{0}with nul"),
            ("e\u{301}", "combining \u{301} accent"),
        ];
        for (k, v) in pairs {
            client.set(k, v).unwrap();
            assert_eq!(client.get::<String>(k).unwrap(), v);
            assert_eq!(client.strlen(k).unwrap(), v.len() as i64);
        }
        client.del("uh").unwrap();
        client.hset_multiple("uh", pairs).unwrap();
        let map: HashMap<String, String> = client.hgetall("uh").unwrap();
        assert_eq!(map["🔑 emoji"], "🦀 crab ✓");
        assert_eq!(map.len(), pairs.len());
    }
}
