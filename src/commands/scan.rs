//! Iterators over `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN`: [`ScanIter`], a page fetched whenever
//! the last one is used up.

use crate::cmd::cmd;
use crate::error::Result;
use crate::resp::Value;
use crate::target::{parse_page, ConnectionLike, ScanCursor, ScanOptions};
use crate::types::FromValue;
use std::marker::PhantomData;

/// The scan iterators of [`Commands`](crate::Commands), pasted into the trait.
macro_rules! scan_commands {
    () => {
        /// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE name]`, page after page: every key
        /// of the database, each converted to `T`. A page is fetched when the last one is used
        /// up. On a cluster client, every primary is scanned (see
        /// [`ConnectionLike::scan_page`](crate::ConnectionLike::scan_page)).
        ///
        /// `SCAN`'s guarantee: a key present for the whole iteration is returned at least once
        /// (possibly more than once: de-duplicate if it matters); a key added or removed
        /// meanwhile may or may not be. After a page fails the iterator ends.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::ScanOptions;
        ///
        /// let mut sessions = 0;
        /// for key in client.scan_iter::<String>(ScanOptions::new().pattern("session:*").count(1000)) {
        ///     let key = key?;
        ///     sessions += 1;
        /// }
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn scan_iter<T: $crate::FromValue>(
            &self,
            options: $crate::ScanOptions,
        ) -> $crate::ScanIter<'_, Self, T> {
            $crate::ScanIter::new(self, None, options)
        }

        /// `HSCAN key cursor [MATCH pattern] [COUNT n]`, page after page: the hash's fields and
        /// values, as `(field, value)` pairs.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::ScanOptions;
        ///
        /// client.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
        /// for pair in client.hscan_iter::<(String, String)>("user:1", ScanOptions::new()) {
        ///     let (field, value) = pair?;
        ///     println!("{field} = {value}");
        /// }
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn hscan_iter<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            options: $crate::ScanOptions,
        ) -> $crate::ScanIter<'_, Self, T> {
            $crate::ScanIter::new(
                self,
                Some(("HSCAN", key.with_bytes(<[u8]>::to_vec), true)),
                options,
            )
        }

        /// `SSCAN key cursor [MATCH pattern] [COUNT n]`, page after page: the set's members.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::ScanOptions;
        ///
        /// client.sadd("tags", ["a", "b"])?;
        /// let tags: Vec<String> = client
        ///     .sscan_iter("tags", ScanOptions::new())
        ///     .collect::<redline::Result<_>>()?;
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn sscan_iter<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            options: $crate::ScanOptions,
        ) -> $crate::ScanIter<'_, Self, T> {
            $crate::ScanIter::new(
                self,
                Some(("SSCAN", key.with_bytes(<[u8]>::to_vec), false)),
                options,
            )
        }

        /// `ZSCAN key cursor [MATCH pattern] [COUNT n]`, page after page: the sorted set's
        /// members with their scores, as `(member, score)` pairs.
        ///
        /// # Example
        ///
        /// ```no_run
        /// # use redline::Commands;
        /// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
        /// use redline::ScanOptions;
        ///
        /// client.zadd("board", "ada", 10.5)?;
        /// for entry in client.zscan_iter::<(String, f64)>("board", ScanOptions::new()) {
        ///     let (member, score) = entry?;
        /// }
        /// # Ok::<(), redline::Error>(())
        /// ```
        fn zscan_iter<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            options: $crate::ScanOptions,
        ) -> $crate::ScanIter<'_, Self, T> {
            $crate::ScanIter::new(
                self,
                Some(("ZSCAN", key.with_bytes(<[u8]>::to_vec), true)),
                options,
            )
        }
    };
}
pub(crate) use scan_commands;

/// An iterator over the items of a `SCAN`, `HSCAN`, `SSCAN` or `ZSCAN`, from
/// [`Commands::scan_iter`](crate::Commands::scan_iter) and its siblings. Each item is a
/// `Result`: a page that could not be fetched is an `Err`, after which the iterator ends; an
/// item that does not convert to `T` is an `Err` for that item alone.
///
/// # Example
///
/// ```no_run
/// # use redline::Commands;
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::ScanOptions;
/// use std::collections::HashSet;
///
/// // SCAN may return a key twice: collect into a set when that matters.
/// let keys: HashSet<String> = client
///     .scan_iter(ScanOptions::new().pattern("job:*").count(1000))
///     .collect::<redline::Result<_>>()?;
/// # Ok::<(), redline::Error>(())
/// ```
pub struct ScanIter<'a, C: ?Sized, T> {
    target: &'a C,
    /// The command name, key and whether items come in pairs, for a keyed scan; `None` for
    /// `SCAN`, which goes through [`ConnectionLike::scan_page`].
    keyed: Option<(&'static str, Vec<u8>, bool)>,
    options: ScanOptions,
    cursor: ScanCursor,
    page: std::vec::IntoIter<Value>,
    failed: bool,
    item: PhantomData<fn() -> T>,
}

impl<C: ?Sized, T> std::fmt::Debug for ScanIter<'_, C, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanIter")
            .field("command", &self.keyed.as_ref().map_or("SCAN", |k| k.0))
            .field("options", &self.options)
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

impl<'a, C: ConnectionLike + ?Sized, T: FromValue> ScanIter<'a, C, T> {
    pub(crate) fn new(
        target: &'a C,
        keyed: Option<(&'static str, Vec<u8>, bool)>,
        options: ScanOptions,
    ) -> ScanIter<'a, C, T> {
        ScanIter {
            target,
            keyed,
            options,
            cursor: ScanCursor::new(),
            page: Vec::new().into_iter(),
            failed: false,
            item: PhantomData,
        }
    }

    fn fetch(&mut self) -> Result<Vec<Value>> {
        let Some((name, key, _)) = &self.keyed else {
            return self.target.scan_page(&mut self.cursor, &self.options);
        };
        let mut scan = cmd(name);
        scan.arg(key.as_slice()).arg(self.cursor.cursor.as_str());
        self.options.add_to(&mut scan);
        let (next, items) = parse_page(self.target.req(&scan)?)?;
        self.cursor.advance(next);
        Ok(items)
    }

    fn pairs(&self) -> bool {
        self.keyed.as_ref().is_some_and(|k| k.2)
    }
}

impl<C: ConnectionLike + ?Sized, T: FromValue> Iterator for ScanIter<'_, C, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(first) = self.page.next() {
                if !self.pairs() {
                    return Some(T::from_value(first));
                }
                let value = match self.page.next() {
                    Some(second) => Value::Array(vec![first, second]),
                    None => {
                        self.failed = true;
                        return Some(Err(crate::Error::conversion::<(Value, Value)>(&first)));
                    }
                };
                return Some(T::from_value(value));
            }
            if self.failed || self.cursor.is_finished() {
                return None;
            }
            match self.fetch() {
                Ok(items) => self.page = items.into_iter(),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<C: ConnectionLike + ?Sized, T: FromValue> std::iter::FusedIterator for ScanIter<'_, C, T> {}
