use super::*;

// `COMMAND INFO` for 27 commands and one unknown name, captured from Redis 7.0.15 in RESP2 and,
// after `HELLO 3`, in RESP3.
const INFO_RESP2: &[u8] = include_bytes!("command_info2.bin");
const HELLO_INFO_RESP3: &[u8] = include_bytes!("hello_command_info3.bin");

use super::super::fields::nth_reply as nth;

fn split(line: &str) -> Vec<Vec<u8>> {
    line.split(' ').map(|a| a.as_bytes().to_vec()).collect()
}

fn keys_of(table: &CommandTable, line: &str) -> Keys {
    let args = split(line);
    let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    table
        .lookup(&args)
        .map_or(Keys::AskServer, |info| info.keys(&args))
}

/// Each line's key indexes as `COMMAND GETKEYS` on the same server gave them.
const FROM_THE_SERVER: &[(&str, &[usize])] = &[
    ("GET k1", &[1]),
    ("SET k1 v", &[1]),
    ("MSET k1 v1 k2 v2 k3 v3", &[1, 3, 5]),
    ("MGET k1 k2 k3", &[1, 2, 3]),
    ("DEL k1 k2", &[1, 2]),
    ("XREAD COUNT 2 STREAMS s1 s2 0 0", &[4, 5]),
    ("XREAD STREAMS s1 0", &[2]),
    ("XREADGROUP GROUP g c COUNT 1 STREAMS s1 s2 > >", &[7, 8]),
    ("ZUNIONSTORE dst 2 z1 z2 WEIGHTS 1 2", &[1, 3, 4]),
    ("ZUNION 3 z1 z2 z3", &[2, 3, 4]),
    ("EVAL s 2 k1 k2 a1", &[3, 4]),
    ("EVAL s 0 a1", &[]),
    ("EVALSHA_RO sha 1 k1 a1", &[3]),
    ("FCALL f 2 k1 k2 a", &[3, 4]),
    ("MIGRATE h 6379 k1 0 5000", &[3]),
    ("OBJECT ENCODING k1", &[2]),
    ("OBJECT HELP", &[]),
    ("SORT k1 LIMIT 0 1", &[1]),
    ("GEORADIUS k1 0 0 1 km STORE dst", &[1, 7]),
    ("LMPOP 2 l1 l2 LEFT", &[2, 3]),
    ("BITOP AND dst s1 s2", &[2, 3, 4]),
    ("BLPOP l1 l2 0", &[1, 2]),
    ("MEMORY USAGE k1", &[2]),
    ("XINFO STREAM s1", &[2]),
    ("RENAME k1 k2", &[1, 2]),
    ("SMOVE s1 s2 m", &[1, 2]),
    ("LCS k1 k2", &[1, 2]),
    ("ping", &[]),
    ("SCRIPT LOAD x", &[]),
];

#[test]
fn key_specifications_find_the_keys_the_server_finds() {
    for reply in [nth(INFO_RESP2, 0), nth(HELLO_INFO_RESP3, 1)] {
        let table = CommandTable::from_reply(reply).unwrap();
        assert_eq!(table.len(), 27);
        for &(line, expected) in FROM_THE_SERVER {
            assert_eq!(
                keys_of(&table, line),
                Keys::Known(expected.to_vec()),
                "{line}"
            );
        }
    }
}

#[test]
fn where_routing_differs_from_command_getkeys() {
    let table = CommandTable::from_reply(nth(INFO_RESP2, 0)).unwrap();
    // A sharded channel routes like a key, though GETKEYS says "no key arguments".
    assert_eq!(keys_of(&table, "SPUBLISH ch msg"), Keys::Known(vec![1]));
    // SORT's STORE key has a specification of unknown type: the first key routes the
    // command, and the server checks that STORE's key shares its slot (GETKEYS: [1, 3]).
    assert_eq!(keys_of(&table, "SORT k1 STORE dst"), Keys::Known(vec![1]));
    // An unknown command: only the server can tell.
    assert_eq!(keys_of(&table, "NOSUCHCOMMAND a b"), Keys::AskServer);
}

#[test]
fn readonly_flags_and_subcommands() {
    let table = CommandTable::from_reply(nth(INFO_RESP2, 0)).unwrap();
    let info = |line: &str| {
        let args = split(line);
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        table.lookup(&args).unwrap().readonly
    };
    assert!(info("GET k"));
    assert!(info("get k"));
    assert!(info("EVALSHA_RO sha 1 k"));
    assert!(info("OBJECT ENCODING k"));
    assert!(!info("SET k v"));
    assert!(!info("EVAL s 1 k"));
    assert!(!info("FCALL f 1 k"));
}

#[test]
fn arguments_too_few_or_a_bad_count_give_no_keys_and_no_panic() {
    let table = CommandTable::from_reply(nth(INFO_RESP2, 0)).unwrap();
    for line in [
        "GET",
        "EVAL s",
        "EVAL s x k1",
        "EVAL s -1 k1",
        "EVAL s 5 k1",
        "ZUNION 99999999999999999999 a",
        "XREAD COUNT 2",
        "XREAD STREAMS",
        "MSET k1",
        "LMPOP",
        "OBJECT",
    ] {
        match keys_of(&table, line) {
            Keys::Known(keys) => {
                let argc = line.split(' ').count();
                assert!(keys.iter().all(|&k| k > 0 && k < argc), "{line}: {keys:?}");
            }
            Keys::AskServer => panic!("{line}: the specs could tell"),
        }
    }
    assert_eq!(keys_of(&table, "EVAL s 5 k1"), Keys::Known(vec![3]));
}

#[test]
fn legacy_triples_as_redis_6_gives_them() {
    let legacy = |first, last, step, movable| CommandInfo {
        readonly: false,
        rule: KeyRule::Legacy {
            first,
            last,
            step,
            movable,
        },
        subcommands: Table::default(),
    };
    let args = split("MSET k1 v1 k2 v2");
    let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    assert_eq!(legacy(1, -1, 2, false).keys(&args), Keys::Known(vec![1, 3]));
    assert_eq!(legacy(1, 1, 1, false).keys(&args), Keys::Known(vec![1]));
    assert_eq!(legacy(0, 0, 0, false).keys(&args), Keys::Known(vec![]));
    assert_eq!(legacy(0, 0, 0, true).keys(&args), Keys::AskServer);
    assert_eq!(legacy(1, 1, 1, true).keys(&args), Keys::Known(vec![1]));
    assert_eq!(
        legacy(1, 9, 1, false).keys(&args),
        Keys::Known(vec![1, 2, 3, 4])
    );
}

#[test]
fn malformed_metadata_is_an_error_not_a_panic() {
    for reply in [
        Value::Int(1),
        Value::Array(vec![Value::Int(1)]),
        Value::Array(vec![Value::Array(vec![])]),
        Value::Array(vec![Value::Array(vec![Value::Bulk(b"get".to_vec())])]),
        Value::Array(vec![Value::Array(vec![
            Value::Bulk(b"get".to_vec()),
            Value::Int(2),
            Value::Array(vec![]),
            Value::Bulk(b"x".to_vec()),
        ])]),
    ] {
        assert!(CommandTable::from_reply(reply).is_err());
    }
}

#[test]
fn a_lookup_says_when_it_holds_for_every_command_of_the_name() {
    let table = CommandTable::from_reply(nth(INFO_RESP2, 0)).unwrap();
    let lookup = |line: &str| {
        let args = split(line);
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let (info, for_the_name) = table.lookup_keyed(&args);
        (info.map(|i| i.readonly), for_the_name)
    };
    assert_eq!(lookup("GET k"), (Some(true), true));
    assert_eq!(lookup("set k v"), (Some(false), true));
    // A container: the answer is its subcommand's, not every OBJECT's.
    assert_eq!(lookup("OBJECT ENCODING k"), (Some(true), false));
    assert_eq!(lookup("NOSUCH"), (None, true));
}
