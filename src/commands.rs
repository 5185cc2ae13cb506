//! Typed helpers for the common commands, on every [`ConnectionLike`].
//!
//! A modest, hand-written set; anything else is `cmd("NAME").arg(..)` with
//! [`Commands::query`].

use crate::cmd::{with_scratch, Cmd};
use crate::error::Result;
use crate::target::ConnectionLike;
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
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use redline::{cmd, Commands, Result};
    ///
    /// fn key_count(target: &impl Commands) -> Result<i64> {
    ///     target.query(&cmd("DBSIZE"))
    /// }
    /// assert_eq!(key_count(&client)?, client.dbsize()?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn query<T: FromValue>(&self, cmd: &Cmd) -> Result<T> {
        crate::target::query(self, cmd)
    }

    /// `PING`: returns `PONG`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let reply = client.ping()?;
    /// assert_eq!(reply, "PONG");
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn ping(&self) -> Result<String> {
        run(self, "PING", |_| {})
    }

    /// `GET key`: the value, or nil (use `Option<T>`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("greeting", "hello")?;
    /// let greeting: String = client.get("greeting")?;
    /// let missing: Option<String> = client.get("no-such-key")?;
    /// assert_eq!((greeting.as_str(), missing), ("hello", None));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn get<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "GET", |c| {
            c.arg(key);
        })
    }

    /// `SET key value`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("name", "ada")?;
    /// client.set("visits", 42)?;
    /// assert_eq!(client.get::<i64>("visits")?, 42);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn set(&self, key: impl ToArg, value: impl ToArg) -> Result<()> {
        run(self, "SET", |c| {
            c.arg(key).arg(value);
        })
    }

    /// `SET key value EX seconds`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set_ex("session", "token", 60)?;
    /// assert!((1..=60).contains(&client.ttl("session")?));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn set_ex(&self, key: impl ToArg, value: impl ToArg, seconds: u64) -> Result<()> {
        run(self, "SET", |c| {
            c.arg(key).arg(value).arg("EX").arg(seconds);
        })
    }

    /// `SET key value NX`: `true` if the key was set, `false` if it existed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("lock")?;
    /// assert!(client.set_nx("lock", "worker-1")?);
    /// assert!(!client.set_nx("lock", "worker-2")?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn set_nx(&self, key: impl ToArg, value: impl ToArg) -> Result<bool> {
        run(self, "SET", |c| {
            c.arg(key).arg(value).arg("NX");
        })
    }

    /// `MGET key...`: one reply per key (nil for missing ones).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("missing")?;
    /// client.mset(&[("a", 1), ("b", 2)])?;
    /// let values: Vec<Option<i64>> = client.mget(["a", "b", "missing"])?;
    /// assert_eq!(values, [Some(1), Some(2), None]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn mget<T: FromValue>(&self, keys: impl ToArgs) -> Result<T> {
        run(self, "MGET", |c| {
            c.arg(keys);
        })
    }

    /// `MSET key value [key value ...]`, from pairs such as `&[("a", 1), ("b", 2)]`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.mset(&[("a", 1), ("b", 2)])?;
    /// assert_eq!(client.get::<i64>("b")?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn mset(&self, pairs: impl ToArgs) -> Result<()> {
        run(self, "MSET", |c| {
            c.arg(pairs);
        })
    }

    /// `INCR key`: the new value.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("hits", 10)?;
    /// assert_eq!(client.incr("hits")?, 11);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn incr(&self, key: impl ToArg) -> Result<i64> {
        run(self, "INCR", |c| {
            c.arg(key);
        })
    }

    /// `INCRBY key n`: the new value.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("hits", 10)?;
    /// assert_eq!(client.incr_by("hits", 5)?, 15);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn incr_by(&self, key: impl ToArg, n: i64) -> Result<i64> {
        run(self, "INCRBY", |c| {
            c.arg(key).arg(n);
        })
    }

    /// `DECR key`: the new value.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("stock", 3)?;
    /// assert_eq!(client.decr("stock")?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn decr(&self, key: impl ToArg) -> Result<i64> {
        run(self, "DECR", |c| {
            c.arg(key);
        })
    }

    /// `DECRBY key n`: the new value.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("stock", 3)?;
    /// assert_eq!(client.decr_by("stock", 2)?, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn decr_by(&self, key: impl ToArg, n: i64) -> Result<i64> {
        run(self, "DECRBY", |c| {
            c.arg(key).arg(n);
        })
    }

    /// `APPEND key value`: the new length.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("log", "a")?;
    /// assert_eq!(client.append("log", "bc")?, 3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn append(&self, key: impl ToArg, value: impl ToArg) -> Result<i64> {
        run(self, "APPEND", |c| {
            c.arg(key).arg(value);
        })
    }

    /// `STRLEN key`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("name", "ada")?;
    /// assert_eq!(client.strlen("name")?, 3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn strlen(&self, key: impl ToArg) -> Result<i64> {
        run(self, "STRLEN", |c| {
            c.arg(key);
        })
    }

    /// `DEL key...`: how many keys were removed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("missing")?;
    /// client.mset(&[("a", 1), ("b", 2)])?;
    /// assert_eq!(client.del(["a", "b", "missing"])?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn del(&self, keys: impl ToArgs) -> Result<i64> {
        run(self, "DEL", |c| {
            c.arg(keys);
        })
    }

    /// `EXISTS key...`: how many of the keys exist.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("missing")?;
    /// client.set("a", 1)?;
    /// assert_eq!(client.exists(["a", "missing"])?, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn exists(&self, keys: impl ToArgs) -> Result<i64> {
        run(self, "EXISTS", |c| {
            c.arg(keys);
        })
    }

    /// `EXPIRE key seconds`: `true` if a timeout was set.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("session", "token")?;
    /// assert!(client.expire("session", 60)?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn expire(&self, key: impl ToArg, seconds: i64) -> Result<bool> {
        run(self, "EXPIRE", |c| {
            c.arg(key).arg(seconds);
        })
    }

    /// `PEXPIRE key milliseconds`: `true` if a timeout was set.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("session", "token")?;
    /// assert!(client.pexpire("session", 1500)?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn pexpire(&self, key: impl ToArg, milliseconds: i64) -> Result<bool> {
        run(self, "PEXPIRE", |c| {
            c.arg(key).arg(milliseconds);
        })
    }

    /// `TTL key`: seconds left, -1 without expiry, -2 when the key is missing.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("missing")?;
    /// client.set_ex("session", "token", 60)?;
    /// assert!((1..=60).contains(&client.ttl("session")?));
    /// assert_eq!(client.ttl("missing")?, -2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn ttl(&self, key: impl ToArg) -> Result<i64> {
        run(self, "TTL", |c| {
            c.arg(key);
        })
    }

    /// `PTTL key`: milliseconds left, -1 without expiry, -2 when the key is missing.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("forever", 1)?;
    /// assert_eq!(client.pttl("forever")?, -1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn pttl(&self, key: impl ToArg) -> Result<i64> {
        run(self, "PTTL", |c| {
            c.arg(key);
        })
    }

    /// `PERSIST key`: `true` if a timeout was removed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set_ex("session", "token", 60)?;
    /// assert!(client.persist("session")?);
    /// assert_eq!(client.ttl("session")?, -1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn persist(&self, key: impl ToArg) -> Result<bool> {
        run(self, "PERSIST", |c| {
            c.arg(key);
        })
    }

    /// `RENAME key newkey`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("old", 1)?;
    /// client.rename("old", "new")?;
    /// assert_eq!(client.get::<i64>("new")?, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn rename(&self, key: impl ToArg, new_key: impl ToArg) -> Result<()> {
        run(self, "RENAME", |c| {
            c.arg(key).arg(new_key);
        })
    }

    /// `TYPE key`: `string`, `list`, `hash`, ... or `none`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del(["queue", "missing"])?;
    /// client.rpush("queue", "job")?;
    /// assert_eq!(client.key_type("queue")?, "list");
    /// assert_eq!(client.key_type("missing")?, "none");
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn key_type(&self, key: impl ToArg) -> Result<String> {
        run(self, "TYPE", |c| {
            c.arg(key);
        })
    }

    /// `HGET key field`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.hset("user:1", "name", "ada")?;
    /// let name: Option<String> = client.hget("user:1", "name")?;
    /// assert_eq!(name.as_deref(), Some("ada"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hget<T: FromValue>(&self, key: impl ToArg, field: impl ToArg) -> Result<T> {
        run(self, "HGET", |c| {
            c.arg(key).arg(field);
        })
    }

    /// `HSET key field value`: 1 if the field is new.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("user:1")?;
    /// assert_eq!(client.hset("user:1", "name", "ada")?, 1);
    /// assert_eq!(client.hset("user:1", "name", "grace")?, 0); // updated, not new
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hset(&self, key: impl ToArg, field: impl ToArg, value: impl ToArg) -> Result<i64> {
        run(self, "HSET", |c| {
            c.arg(key).arg(field).arg(value);
        })
    }

    /// `HSET key field value [field value ...]`: how many fields are new.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("user:1")?;
    /// let added = client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
    /// assert_eq!(added, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hset_multiple(&self, key: impl ToArg, pairs: impl ToArgs) -> Result<i64> {
        run(self, "HSET", |c| {
            c.arg(key).arg(pairs);
        })
    }

    /// `HGETALL key`, into a map or a `Vec` of pairs (RESP2 and RESP3 alike).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use std::collections::HashMap;
    ///
    /// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
    /// let user: HashMap<String, String> = client.hgetall("user:1")?;
    /// assert_eq!(user["name"], "ada");
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hgetall<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "HGETALL", |c| {
            c.arg(key);
        })
    }

    /// `HDEL key field...`: how many fields were removed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("user:1")?;
    /// client.hset("user:1", "name", "ada")?;
    /// assert_eq!(client.hdel("user:1", ["name", "missing"])?, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hdel(&self, key: impl ToArg, fields: impl ToArgs) -> Result<i64> {
        run(self, "HDEL", |c| {
            c.arg(key).arg(fields);
        })
    }

    /// `HINCRBY key field n`: the new value.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("stats")?;
    /// assert_eq!(client.hincr_by("stats", "views", 3)?, 3);
    /// assert_eq!(client.hincr_by("stats", "views", -1)?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hincr_by(&self, key: impl ToArg, field: impl ToArg, n: i64) -> Result<i64> {
        run(self, "HINCRBY", |c| {
            c.arg(key).arg(field).arg(n);
        })
    }

    /// `HEXISTS key field`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.hset("user:1", "name", "ada")?;
    /// assert!(client.hexists("user:1", "name")?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hexists(&self, key: impl ToArg, field: impl ToArg) -> Result<bool> {
        run(self, "HEXISTS", |c| {
            c.arg(key).arg(field);
        })
    }

    /// `HLEN key`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("user:1")?;
    /// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
    /// assert_eq!(client.hlen("user:1")?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn hlen(&self, key: impl ToArg) -> Result<i64> {
        run(self, "HLEN", |c| {
            c.arg(key);
        })
    }

    /// `LPUSH key value...`: the new length.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("stack")?;
    /// assert_eq!(client.lpush("stack", ["a", "b"])?, 2);
    /// assert_eq!(client.lrange::<Vec<String>>("stack", 0, -1)?, ["b", "a"]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn lpush(&self, key: impl ToArg, values: impl ToArgs) -> Result<i64> {
        run(self, "LPUSH", |c| {
            c.arg(key).arg(values);
        })
    }

    /// `RPUSH key value...`: the new length.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("queue")?;
    /// assert_eq!(client.rpush("queue", ["a", "b"])?, 2);
    /// assert_eq!(client.rpush("queue", "c")?, 3);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn rpush(&self, key: impl ToArg, values: impl ToArgs) -> Result<i64> {
        run(self, "RPUSH", |c| {
            c.arg(key).arg(values);
        })
    }

    /// `LPOP key`: the element, or nil.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("queue")?;
    /// client.rpush("queue", ["a", "b"])?;
    /// let first: Option<String> = client.lpop("queue")?;
    /// assert_eq!(first.as_deref(), Some("a"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn lpop<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "LPOP", |c| {
            c.arg(key);
        })
    }

    /// `RPOP key`: the element, or nil.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("queue")?;
    /// client.rpush("queue", ["a", "b"])?;
    /// let last: Option<String> = client.rpop("queue")?;
    /// assert_eq!(last.as_deref(), Some("b"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn rpop<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "RPOP", |c| {
            c.arg(key);
        })
    }

    /// `LRANGE key start stop`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("queue")?;
    /// client.rpush("queue", ["a", "b", "c"])?;
    /// let all: Vec<String> = client.lrange("queue", 0, -1)?;
    /// assert_eq!(all, ["a", "b", "c"]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn lrange<T: FromValue>(&self, key: impl ToArg, start: i64, stop: i64) -> Result<T> {
        run(self, "LRANGE", |c| {
            c.arg(key).arg(start).arg(stop);
        })
    }

    /// `LLEN key`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("queue")?;
    /// client.rpush("queue", ["a", "b"])?;
    /// assert_eq!(client.llen("queue")?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn llen(&self, key: impl ToArg) -> Result<i64> {
        run(self, "LLEN", |c| {
            c.arg(key);
        })
    }

    /// `SADD key member...`: how many were added.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("tags")?;
    /// assert_eq!(client.sadd("tags", ["rust", "redis", "rust"])?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn sadd(&self, key: impl ToArg, members: impl ToArgs) -> Result<i64> {
        run(self, "SADD", |c| {
            c.arg(key).arg(members);
        })
    }

    /// `SREM key member...`: how many were removed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("tags")?;
    /// client.sadd("tags", ["rust", "redis"])?;
    /// assert_eq!(client.srem("tags", ["redis", "go"])?, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn srem(&self, key: impl ToArg, members: impl ToArgs) -> Result<i64> {
        run(self, "SREM", |c| {
            c.arg(key).arg(members);
        })
    }

    /// `SMEMBERS key`, into a `HashSet`, `BTreeSet` or `Vec`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// use std::collections::HashSet;
    ///
    /// client.sadd("tags", ["rust", "redis"])?;
    /// let tags: HashSet<String> = client.smembers("tags")?;
    /// assert!(tags.contains("rust"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn smembers<T: FromValue>(&self, key: impl ToArg) -> Result<T> {
        run(self, "SMEMBERS", |c| {
            c.arg(key);
        })
    }

    /// `SISMEMBER key member`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.sadd("tags", "rust")?;
    /// assert!(client.sismember("tags", "rust")?);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn sismember(&self, key: impl ToArg, member: impl ToArg) -> Result<bool> {
        run(self, "SISMEMBER", |c| {
            c.arg(key).arg(member);
        })
    }

    /// `SCARD key`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("tags")?;
    /// client.sadd("tags", ["rust", "redis"])?;
    /// assert_eq!(client.scard("tags")?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn scard(&self, key: impl ToArg) -> Result<i64> {
        run(self, "SCARD", |c| {
            c.arg(key);
        })
    }

    /// `ZADD key score member`: 1 if the member is new.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// assert_eq!(client.zadd("board", "ada", 10.5)?, 1);
    /// assert_eq!(client.zadd("board", "ada", 12.0)?, 0); // score updated
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zadd(&self, key: impl ToArg, member: impl ToArg, score: f64) -> Result<i64> {
        run(self, "ZADD", |c| {
            c.arg(key).arg(score).arg(member);
        })
    }

    /// `ZADD key score member [score member ...]`, from `(score, member)` pairs.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// let added = client.zadd_multiple("board", &[(10.5, "ada"), (8.0, "bob")])?;
    /// assert_eq!(added, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zadd_multiple(&self, key: impl ToArg, scored: impl ToArgs) -> Result<i64> {
        run(self, "ZADD", |c| {
            c.arg(key).arg(scored);
        })
    }

    /// `ZREM key member...`: how many were removed.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// client.zadd("board", "ada", 10.5)?;
    /// assert_eq!(client.zrem("board", ["ada", "nobody"])?, 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zrem(&self, key: impl ToArg, members: impl ToArgs) -> Result<i64> {
        run(self, "ZREM", |c| {
            c.arg(key).arg(members);
        })
    }

    /// `ZSCORE key member`: the score, or `None`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// client.zadd("board", "ada", 10.5)?;
    /// assert_eq!(client.zscore("board", "ada")?, Some(10.5));
    /// assert_eq!(client.zscore("board", "nobody")?, None);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zscore(&self, key: impl ToArg, member: impl ToArg) -> Result<Option<f64>> {
        run(self, "ZSCORE", |c| {
            c.arg(key).arg(member);
        })
    }

    /// `ZINCRBY key by member`: the new score.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// client.zadd("board", "ada", 10.0)?;
    /// assert_eq!(client.zincr_by("board", "ada", 2.5)?, 12.5);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zincr_by(&self, key: impl ToArg, member: impl ToArg, by: f64) -> Result<f64> {
        run(self, "ZINCRBY", |c| {
            c.arg(key).arg(by).arg(member);
        })
    }

    /// `ZRANGE key start stop`: members in score order.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// client.zadd_multiple("board", &[(2.0, "bob"), (1.0, "ada")])?;
    /// let names: Vec<String> = client.zrange("board", 0, -1)?;
    /// assert_eq!(names, ["ada", "bob"]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zrange<T: FromValue>(&self, key: impl ToArg, start: i64, stop: i64) -> Result<T> {
        run(self, "ZRANGE", |c| {
            c.arg(key).arg(start).arg(stop);
        })
    }

    /// `ZRANGE key start stop WITHSCORES`, into `Vec<(member, score)>` (RESP2 and RESP3 alike).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// client.zadd_multiple("board", &[(2.0, "bob"), (1.0, "ada")])?;
    /// let top: Vec<(String, f64)> = client.zrange_withscores("board", 0, 9)?;
    /// assert_eq!(top, [("ada".to_string(), 1.0), ("bob".to_string(), 2.0)]);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zrange_withscores<T: FromValue>(&self, key: impl ToArg, start: i64, stop: i64) -> Result<T> {
        run(self, "ZRANGE", |c| {
            c.arg(key).arg(start).arg(stop).arg("WITHSCORES");
        })
    }

    /// `ZCARD key`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// # client.del("board")?;
    /// client.zadd_multiple("board", &[(2.0, "bob"), (1.0, "ada")])?;
    /// assert_eq!(client.zcard("board")?, 2);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn zcard(&self, key: impl ToArg) -> Result<i64> {
        run(self, "ZCARD", |c| {
            c.arg(key);
        })
    }

    /// `INFO [section]`: the report text.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// let report = client.info(Some("server"))?;
    /// assert!(report.contains("redis_version:"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn info(&self, section: Option<&str>) -> Result<String> {
        run(self, "INFO", |c| {
            c.arg(section);
        })
    }

    /// `DBSIZE`: the number of keys in the selected database.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.set("k", 1)?;
    /// assert!(client.dbsize()? >= 1);
    /// # Ok::<(), redline::Error>(())
    /// ```
    fn dbsize(&self) -> Result<i64> {
        run(self, "DBSIZE", |_| {})
    }

    /// `FLUSHDB`: deletes every key of the selected database.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use redline::Commands;
    /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
    /// client.flushdb()?;
    /// assert_eq!(client.dbsize()?, 0);
    /// # Ok::<(), redline::Error>(())
    /// ```
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
        crate::target::query(target, c)
    })
}
