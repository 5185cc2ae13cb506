//! Which of Redis Cluster's 16,384 hash slots a key belongs to.

/// The number of hash slots in a Redis Cluster.
pub const SLOTS: u16 = 16_384;

/// The hash slot of `key` in a Redis Cluster: CRC16 (XMODEM) of the key modulo 16,384, where a
/// key with a hash tag, the text between its first `{` and the next `}` when that is not
/// empty, is hashed on the tag alone. Keys that share a tag share a slot, so a multi-key
/// command, a script or an atomic pipeline can use them together.
///
/// # Example
///
/// ```
/// use redline::key_slot;
///
/// assert_eq!(key_slot("foo"), 12182);
/// assert_eq!(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
/// assert_eq!(key_slot("{user1000}.following"), key_slot("user1000"));
/// // An empty tag is no tag: the whole key is hashed.
/// assert_eq!(key_slot("foo{}{bar}"), key_slot(b"foo{}{bar}".as_slice()));
/// assert_ne!(key_slot("foo{}{bar}"), key_slot("bar"));
/// ```
pub fn key_slot(key: impl AsRef<[u8]>) -> u16 {
    crc16(hash_tag(key.as_ref())) % SLOTS
}

/// The part of `key` that is hashed: its hash tag if it has a non-empty one, else all of it.
fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(open) = memchr::memchr(b'{', key) else {
        return key;
    };
    let after = &key[open + 1..];
    match memchr::memchr(b'}', after) {
        Some(close) if close > 0 => &after[..close],
        _ => key,
    }
}

/// CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection), as the cluster
/// specification defines it; a table built at compile time makes it one lookup per byte.
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ CRC16_TABLE[usize::from(((crc >> 8) as u8) ^ b)]
    })
}

const CRC16_TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_specifications_check_value() {
        // The cluster specification's reference: CRC16 of "123456789" is 0x31C3.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn slots_of_known_keys() {
        // Values from `CLUSTER KEYSLOT` on a real server.
        for (key, slot) in [
            ("foo", 12182),
            ("bar", 5061),
            ("hello", 866),
            ("key:__rand_int__", 13782),
            ("123456789", 12739),
            ("", 0),
        ] {
            assert_eq!(key_slot(key), slot, "{key:?}");
        }
    }

    #[test]
    fn hash_tags_follow_the_specification() {
        // The cluster specification's examples.
        assert_eq!(hash_tag(b"{user1000}.following"), b"user1000");
        assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
        assert_eq!(hash_tag(b"foo{bar}{zap}"), b"bar");
        assert_eq!(hash_tag(b"no tag"), b"no tag");
        assert_eq!(hash_tag(b"{unclosed"), b"{unclosed");
        assert_eq!(hash_tag(b"}{"), b"}{");
        assert_eq!(key_slot("a{tag}b"), key_slot("tag"));
        assert_eq!(key_slot([0xff_u8, b'{', 0, b'}']), key_slot([0_u8]));
    }
}
