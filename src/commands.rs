//! Typed helpers for the common commands, on every [`ConnectionLike`].
//!
//! A modest, hand-written set; anything else is `cmd("NAME").arg(..)` with
//! [`Commands::query`].

use crate::cmd::{with_scratch, Cmd};
use crate::connection_like::ConnectionLike;
use crate::error::Result;
use crate::types::{FromValue, ToArg, ToArgs};

/// Typed helpers for strings, keys, hashes, lists, sets, sorted sets and server commands.
///
/// Implemented for everything [`ConnectionLike`]: [`Client`](crate::Client) (each call on a
/// pooled connection) and [`Connection`](crate::Connection). Each helper is one command with one
/// round trip; the command it sends is named first in its doc. Replies whose shape the caller
/// chooses (`get`, `lrange`, ...) are generic over [`FromValue`].
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands};
/// use std::collections::HashMap;
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// client.set("k", 2)?;
/// let v: i64 = client.get("k")?;
/// assert_eq!(client.incr_by("k", 3)?, 5);
/// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
/// let user: HashMap<String, String> = client.hgetall("user:1")?;
/// client.rpush("queue", ["a", "b", "c"])?;
/// let items: Vec<String> = client.lrange("queue", 0, -1)?;
/// client.zadd("board", "ada", 10.5)?;
/// let top: Vec<(String, f64)> = client.zrange_withscores("board", 0, 9)?;
/// # Ok::<(), redline::Error>(())
/// ```
pub trait Commands: ConnectionLike {
    /// Sends any command and converts its reply.
    fn query<T: FromValue>(&self, cmd: &Cmd) -> Result<T> {
        T::from_value(self.req(cmd)?)
    }

    /// `PING`: returns `PONG`.
    fn ping(&self) -> Result<String> {
        run(self, "PING", |_| {})
    }

    /// `GET key`: the value, or nil (use `Option<T>`).
    fn get<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "GET", |c| {
            c.arg(key);
        })
    }

    /// `SET key value`.
    fn set(&self, key: impl ToArg, value: impl ToArg) -> Result<()> {
        run(self, "SET", |c| {
            c.arg(key).arg(value);
        })
    }

    /// `SET key value EX seconds`.
    fn set_ex(&self, key: impl ToArg, value: impl ToArg, seconds: u64) -> Result<()> {
        run(self, "SET", |c| {
            c.arg(key).arg(value).arg("EX").arg(seconds);
        })
    }

    /// `SET key value NX`: `true` if the key was set, `false` if it existed.
    fn set_nx(&self, key: impl ToArg, value: impl ToArg) -> Result<bool> {
        run(self, "SET", |c| {
            c.arg(key).arg(value).arg("NX");
        })
    }

    /// `MGET key...`: one reply per key (nil for missing ones).
    fn mget<T: FromValue>(&self, keys: impl ToArgs) -> Result<T> {
        run(self, "MGET", |c| {
            c.arg(keys);
        })
    }

    /// `MSET key value [key value ...]`, from pairs such as `&[("a", 1), ("b", 2)]`.
    fn mset(&self, pairs: impl ToArgs) -> Result<()> {
        run(self, "MSET", |c| {
            c.arg(pairs);
        })
    }

    /// `INCR key`: the new value.
    fn incr(&self, key: impl ToArg) -> Result<i64> {
        run(self, "INCR", |c| {
            c.arg(key);
        })
    }

    /// `INCRBY key n`: the new value.
    fn incr_by(&self, key: impl ToArg, n: i64) -> Result<i64> {
        run(self, "INCRBY", |c| {
            c.arg(key).arg(n);
        })
    }

    /// `DECR key`: the new value.
    fn decr(&self, key: impl ToArg) -> Result<i64> {
        run(self, "DECR", |c| {
            c.arg(key);
        })
    }

    /// `DECRBY key n`: the new value.
    fn decr_by(&self, key: impl ToArg, n: i64) -> Result<i64> {
        run(self, "DECRBY", |c| {
            c.arg(key).arg(n);
        })
    }

    /// `APPEND key value`: the new length.
    fn append(&self, key: impl ToArg, value: impl ToArg) -> Result<i64> {
        run(self, "APPEND", |c| {
            c.arg(key).arg(value);
        })
    }

    /// `STRLEN key`.
    fn strlen(&self, key: impl ToArg) -> Result<i64> {
        run(self, "STRLEN", |c| {
            c.arg(key);
        })
    }

    /// `DEL key...`: how many keys were removed.
    fn del(&self, keys: impl ToArgs) -> Result<i64> {
        run(self, "DEL", |c| {
            c.arg(keys);
        })
    }

    /// `EXISTS key...`: how many of the keys exist.
    fn exists(&self, keys: impl ToArgs) -> Result<i64> {
        run(self, "EXISTS", |c| {
            c.arg(keys);
        })
    }

    /// `EXPIRE key seconds`: `true` if a timeout was set.
    fn expire(&self, key: impl ToArg, seconds: i64) -> Result<bool> {
        run(self, "EXPIRE", |c| {
            c.arg(key).arg(seconds);
        })
    }

    /// `PEXPIRE key milliseconds`: `true` if a timeout was set.
    fn pexpire(&self, key: impl ToArg, milliseconds: i64) -> Result<bool> {
        run(self, "PEXPIRE", |c| {
            c.arg(key).arg(milliseconds);
        })
    }

    /// `TTL key`: seconds left, -1 without expiry, -2 when the key is missing.
    fn ttl(&self, key: impl ToArg) -> Result<i64> {
        run(self, "TTL", |c| {
            c.arg(key);
        })
    }

    /// `PTTL key`: milliseconds left, -1 without expiry, -2 when the key is missing.
    fn pttl(&self, key: impl ToArg) -> Result<i64> {
        run(self, "PTTL", |c| {
            c.arg(key);
        })
    }

    /// `PERSIST key`: `true` if a timeout was removed.
    fn persist(&self, key: impl ToArg) -> Result<bool> {
        run(self, "PERSIST", |c| {
            c.arg(key);
        })
    }

    /// `RENAME key newkey`.
    fn rename(&self, key: impl ToArg, new_key: impl ToArg) -> Result<()> {
        run(self, "RENAME", |c| {
            c.arg(key).arg(new_key);
        })
    }

    /// `TYPE key`: `string`, `list`, `hash`, ... or `none`.
    fn key_type(&self, key: impl ToArg) -> Result<String> {
        run(self, "TYPE", |c| {
            c.arg(key);
        })
    }

    /// `HGET key field`.
    fn hget<T: FromValue>(&self, key: impl ToArg, field: impl ToArg) -> Result<T> {
        run(self, "HGET", |c| {
            c.arg(key).arg(field);
        })
    }

    /// `HSET key field value`: 1 if the field is new.
    fn hset(&self, key: impl ToArg, field: impl ToArg, value: impl ToArg) -> Result<i64> {
        run(self, "HSET", |c| {
            c.arg(key).arg(field).arg(value);
        })
    }

    /// `HSET key field value [field value ...]`: how many fields are new.
    fn hset_multiple(&self, key: impl ToArg, pairs: impl ToArgs) -> Result<i64> {
        run(self, "HSET", |c| {
            c.arg(key).arg(pairs);
        })
    }

    /// `HGETALL key`, into a map or a `Vec` of pairs (RESP2 and RESP3 alike).
    fn hgetall<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "HGETALL", |c| {
            c.arg(key);
        })
    }

    /// `HDEL key field...`: how many fields were removed.
    fn hdel(&self, key: impl ToArg, fields: impl ToArgs) -> Result<i64> {
        run(self, "HDEL", |c| {
            c.arg(key).arg(fields);
        })
    }

    /// `HINCRBY key field n`: the new value.
    fn hincr_by(&self, key: impl ToArg, field: impl ToArg, n: i64) -> Result<i64> {
        run(self, "HINCRBY", |c| {
            c.arg(key).arg(field).arg(n);
        })
    }

    /// `HEXISTS key field`.
    fn hexists(&self, key: impl ToArg, field: impl ToArg) -> Result<bool> {
        run(self, "HEXISTS", |c| {
            c.arg(key).arg(field);
        })
    }

    /// `HLEN key`.
    fn hlen(&self, key: impl ToArg) -> Result<i64> {
        run(self, "HLEN", |c| {
            c.arg(key);
        })
    }

    /// `LPUSH key value...`: the new length.
    fn lpush(&self, key: impl ToArg, values: impl ToArgs) -> Result<i64> {
        run(self, "LPUSH", |c| {
            c.arg(key).arg(values);
        })
    }

    /// `RPUSH key value...`: the new length.
    fn rpush(&self, key: impl ToArg, values: impl ToArgs) -> Result<i64> {
        run(self, "RPUSH", |c| {
            c.arg(key).arg(values);
        })
    }

    /// `LPOP key`: the element, or nil.
    fn lpop<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "LPOP", |c| {
            c.arg(key);
        })
    }

    /// `RPOP key`: the element, or nil.
    fn rpop<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "RPOP", |c| {
            c.arg(key);
        })
    }

    /// `LRANGE key start stop`.
    fn lrange<T: FromValue>(&self, key: impl ToArg, start: i64, stop: i64) -> Result<T> {
        run(self, "LRANGE", |c| {
            c.arg(key).arg(start).arg(stop);
        })
    }

    /// `LLEN key`.
    fn llen(&self, key: impl ToArg) -> Result<i64> {
        run(self, "LLEN", |c| {
            c.arg(key);
        })
    }

    /// `SADD key member...`: how many were added.
    fn sadd(&self, key: impl ToArg, members: impl ToArgs) -> Result<i64> {
        run(self, "SADD", |c| {
            c.arg(key).arg(members);
        })
    }

    /// `SREM key member...`: how many were removed.
    fn srem(&self, key: impl ToArg, members: impl ToArgs) -> Result<i64> {
        run(self, "SREM", |c| {
            c.arg(key).arg(members);
        })
    }

    /// `SMEMBERS key`, into a `HashSet`, `BTreeSet` or `Vec`.
    fn smembers<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "SMEMBERS", |c| {
            c.arg(key);
        })
    }

    /// `SISMEMBER key member`.
    fn sismember(&self, key: impl ToArg, member: impl ToArg) -> Result<bool> {
        run(self, "SISMEMBER", |c| {
            c.arg(key).arg(member);
        })
    }

    /// `SCARD key`.
    fn scard(&self, key: impl ToArg) -> Result<i64> {
        run(self, "SCARD", |c| {
            c.arg(key);
        })
    }

    /// `ZADD key score member`: 1 if the member is new.
    fn zadd(&self, key: impl ToArg, member: impl ToArg, score: f64) -> Result<i64> {
        run(self, "ZADD", |c| {
            c.arg(key).arg(score).arg(member);
        })
    }

    /// `ZADD key score member [score member ...]`, from `(score, member)` pairs.
    fn zadd_multiple(&self, key: impl ToArg, scored: impl ToArgs) -> Result<i64> {
        run(self, "ZADD", |c| {
            c.arg(key).arg(scored);
        })
    }

    /// `ZREM key member...`: how many were removed.
    fn zrem(&self, key: impl ToArg, members: impl ToArgs) -> Result<i64> {
        run(self, "ZREM", |c| {
            c.arg(key).arg(members);
        })
    }

    /// `ZSCORE key member`: the score, or `None`.
    fn zscore(&self, key: impl ToArg, member: impl ToArg) -> Result<Option<f64>> {
        run(self, "ZSCORE", |c| {
            c.arg(key).arg(member);
        })
    }

    /// `ZINCRBY key by member`: the new score.
    fn zincr_by(&self, key: impl ToArg, member: impl ToArg, by: f64) -> Result<f64> {
        run(self, "ZINCRBY", |c| {
            c.arg(key).arg(by).arg(member);
        })
    }

    /// `ZRANGE key start stop`: members in score order.
    fn zrange<T: FromValue>(&self, key: impl ToArg, start: i64, stop: i64) -> Result<T> {
        run(self, "ZRANGE", |c| {
            c.arg(key).arg(start).arg(stop);
        })
    }

    /// `ZRANGE key start stop WITHSCORES`, into `Vec<(member, score)>` (RESP2 and RESP3 alike).
    fn zrange_withscores<T: FromValue>(&self, key: impl ToArg, start: i64, stop: i64) -> Result<T> {
        run(self, "ZRANGE", |c| {
            c.arg(key).arg(start).arg(stop).arg("WITHSCORES");
        })
    }

    /// `ZCARD key`.
    fn zcard(&self, key: impl ToArg) -> Result<i64> {
        run(self, "ZCARD", |c| {
            c.arg(key);
        })
    }

    /// `INFO [section]`: the report text.
    fn info(&self, section: Option<&str>) -> Result<String> {
        run(self, "INFO", |c| {
            c.arg(section);
        })
    }

    /// `DBSIZE`: the number of keys in the selected database.
    fn dbsize(&self) -> Result<i64> {
        run(self, "DBSIZE", |_| {})
    }

    /// `FLUSHDB`: deletes every key of the selected database.
    fn flushdb(&self) -> Result<()> {
        run(self, "FLUSHDB", |_| {})
    }
}

impl<C: ConnectionLike + ?Sized> Commands for C {}

/// Builds the command in the thread's scratch buffer, sends it, converts the reply.
fn run<C, T>(target: &C, name: &str, build: impl FnOnce(&mut Cmd)) -> Result<T>
where
    C: ConnectionLike + ?Sized,
    T: FromValue,
{
    with_scratch(name, |c| {
        build(c);
        T::from_value(target.req(c)?)
    })
}
