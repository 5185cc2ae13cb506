//! A `SCAN` of a whole keyspace, one page at a time: what it asks for ([`ScanOptions`]) and
//! where it has got to ([`ScanCursor`]), which a target moves along with
//! [`ConnectionLike::scan_page`](super::ConnectionLike::scan_page).

use super::ConnectionLike;
use crate::cmd::{cmd, Cmd};
use crate::error::{Error, Result};
use crate::resp::Value;
use std::any::Any;
use std::fmt;

/// What a `SCAN`, `HSCAN`, `SSCAN` or `ZSCAN` iteration asks for: a `MATCH` pattern, a `COUNT`
/// hint (how much work the server does per page, not how many items come back) and, for `SCAN`
/// only, a `TYPE`.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{Commands, ScanOptions};
///
/// let options = ScanOptions::new().pattern("user:*").count(1000).key_type("hash");
/// for key in client.scan_iter::<String>(options) {
///     println!("{}", key?);
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOptions {
    pattern: Option<Vec<u8>>,
    count: Option<u64>,
    key_type: Option<String>,
}

impl ScanOptions {
    /// No pattern, the server's default `COUNT` (10), any type.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(redline::ScanOptions::new(), redline::ScanOptions::default());
    /// ```
    pub fn new() -> ScanOptions {
        ScanOptions::default()
    }

    /// `MATCH pattern`: only items matching the glob-style pattern (`*`, `?`, `[abc]`). The
    /// server filters after reading a page, so a sparse pattern gives many small or empty pages;
    /// raise [`ScanOptions::count`] for those.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::ScanOptions::new().pattern("session:*");
    /// ```
    pub fn pattern(mut self, pattern: impl AsRef<[u8]>) -> ScanOptions {
        self.pattern = Some(pattern.as_ref().to_vec());
        self
    }

    /// `COUNT n`: about how many entries the server looks at per page (it defaults to 10).
    /// Larger pages mean fewer round trips; a thousand suits most batch jobs.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::ScanOptions::new().count(1000);
    /// ```
    pub fn count(mut self, count: u64) -> ScanOptions {
        self.count = Some(count);
        self
    }

    /// `TYPE name` (`string`, `list`, `set`, `zset`, `hash`, `stream`): only keys of that type.
    /// `SCAN` only: the server refuses it for `HSCAN`, `SSCAN` and `ZSCAN`.
    ///
    /// # Example
    ///
    /// ```
    /// let options = redline::ScanOptions::new().key_type("zset");
    /// ```
    pub fn key_type(mut self, name: &str) -> ScanOptions {
        self.key_type = Some(name.to_string());
        self
    }

    /// Appends `MATCH`, `COUNT` and `TYPE` as set.
    pub(crate) fn add_to(&self, c: &mut Cmd) {
        if let Some(pattern) = &self.pattern {
            c.arg("MATCH").arg(pattern.as_slice());
        }
        if let Some(count) = self.count {
            c.arg("COUNT").arg(count);
        }
        if let Some(name) = &self.key_type {
            c.arg("TYPE").arg(name.as_str());
        }
    }
}

/// Where a scan has got to: the server's cursor and whether the iteration is over, plus any
/// progress of a target's own (a cluster's: which slots are covered). Made by the iterators of
/// [`Commands`](crate::Commands); a target of one's own only forwards it.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::{ConnectionLike, ScanCursor, ScanOptions};
///
/// // By hand, page by page (scan_iter does this for you).
/// let mut cursor = ScanCursor::new();
/// let mut keys = 0;
/// while !cursor.is_finished() {
///     keys += client.scan_page(&mut cursor, &ScanOptions::new().count(500))?.len();
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Default)]
pub struct ScanCursor {
    pub(crate) cursor: String,
    pub(crate) finished: bool,
    pub(crate) progress: Option<Box<dyn Any + Send>>,
}

impl fmt::Debug for ScanCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanCursor")
            .field("cursor", &self.cursor)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl ScanCursor {
    /// A scan that has not started.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(!redline::ScanCursor::new().is_finished());
    /// ```
    pub fn new() -> ScanCursor {
        ScanCursor {
            cursor: "0".into(),
            ..ScanCursor::default()
        }
    }

    /// Whether the server said the iteration is complete (its cursor came back as `0`).
    ///
    /// # Example
    ///
    /// ```
    /// assert!(!redline::ScanCursor::new().is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Moves to the server's next cursor; `0` ends the iteration.
    pub(crate) fn advance(&mut self, next: String) {
        self.finished = next == "0";
        self.cursor = next;
    }
}

/// One `SCAN` page from `target` (the default of [`ConnectionLike::scan_page`]).
pub(crate) fn one_page<C: ConnectionLike + ?Sized>(
    target: &C,
    cursor: &mut ScanCursor,
    options: &ScanOptions,
) -> Result<Vec<Value>> {
    if cursor.finished {
        return Ok(Vec::new());
    }
    let mut scan = cmd("SCAN");
    scan.arg(cursor.cursor.as_str());
    options.add_to(&mut scan);
    let (next, items) = parse_page(target.req(&scan)?)?;
    cursor.advance(next);
    Ok(items)
}

/// A `*SCAN` reply: the next cursor and the page's items.
pub(crate) fn parse_page(reply: Value) -> Result<(String, Vec<Value>)> {
    match reply {
        Value::Array(mut parts) if parts.len() == 2 && matches!(parts[1], Value::Array(_)) => {
            let Some(Value::Array(items)) = parts.pop() else {
                return Err(Error::conversion::<Vec<Value>>(&Value::Array(parts)));
            };
            let next = match &parts[0] {
                Value::Bulk(b) => std::str::from_utf8(b).ok().map(str::to_string),
                Value::SimpleString(s) => Some(s.clone()),
                Value::Int(i) => Some(i.to_string()),
                _ => None,
            };
            next.map(|next| (next, items))
                .ok_or_else(|| Error::conversion::<String>(&parts[0]))
        }
        other => Err(Error::conversion::<(String, Vec<Value>)>(&other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_layout() {
        let mut c = cmd("SCAN");
        c.arg("0");
        ScanOptions::new()
            .pattern("a*")
            .count(100)
            .key_type("hash")
            .add_to(&mut c);
        assert_eq!(
            c.encoded(),
            b"*8\r\n$4\r\nSCAN\r\n$1\r\n0\r\n$5\r\nMATCH\r\n$2\r\na*\r\n$5\r\nCOUNT\r\n$3\r\n100\r\n$4\r\nTYPE\r\n$4\r\nhash\r\n"
        );
    }

    #[test]
    fn pages_parse_and_malformed_ones_are_errors() {
        let page = Value::Array(vec![
            Value::Bulk(b"17".to_vec()),
            Value::Array(vec![Value::Bulk(b"k".to_vec())]),
        ]);
        let (next, items) = parse_page(page).unwrap();
        assert_eq!((next.as_str(), items.len()), ("17", 1));
        for bad in [
            Value::Int(1),
            Value::Array(vec![Value::Bulk(b"0".to_vec())]),
            Value::Array(vec![Value::Nil, Value::Array(vec![])]),
            Value::Array(vec![Value::Bulk(vec![0xff]), Value::Array(vec![])]),
        ] {
            assert!(parse_page(bad).is_err());
        }
    }
}
