//! A script's source and SHA1, with no client attached: [`ScriptCode`].

use crate::error::{Error, Result};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A Lua script known by its source and SHA1, tied to no client: it can live in a `static` or in
/// a struct beside its client, and runs on any [`ConnectionLike`](crate::ConnectionLike) target.
///
/// [`Script`](crate::Script) is this code bound to one target, which is what
/// [`Client::register_script`](crate::Client::register_script) returns; [`ScriptCode::bind`]
/// makes one. The SHA1 is computed from the exact bytes, once, on first use.
///
/// # Example
///
/// A script kept in a `static`, and in a struct beside the client it runs on (a `Script<'_>`
/// there would borrow a sibling field, which Rust does not allow):
///
/// ```no_run
/// use redline::{Client, ScriptCode};
///
/// static INCR_CAPPED: ScriptCode = ScriptCode::from_static(
///     "local n = redis.call('INCR', KEYS[1]) if n > tonumber(ARGV[1]) then return -1 end return n",
/// );
///
/// struct Limiter {
///     client: Client,
///     script: ScriptCode,
/// }
///
/// impl Limiter {
///     fn hit(&self, who: &str) -> redline::Result<bool> {
///         let n: i64 = self.script.call_on(&self.client, who, 100)?;
///         Ok(n >= 0)
///     }
/// }
///
/// let client = Client::open("redis://127.0.0.1:6379")?;
/// let n: i64 = INCR_CAPPED.call_on(&client, "hits", 10)?;
/// let limiter = Limiter { client, script: INCR_CAPPED.clone() };
/// assert!(limiter.hit("ada")?);
/// // Bound to a client, it is the familiar `Script`:
/// let script = INCR_CAPPED.bind(&limiter.client);
/// let m: i64 = script.call("hits", 10)?;
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone)]
pub struct ScriptCode {
    source: Source,
    /// Lower-case hex, computed from the source on first use (or given by `from_sha`).
    sha: OnceLock<Sha>,
}

#[derive(Clone)]
enum Source {
    Static(&'static [u8]),
    Shared(Arc<[u8]>),
    /// Known by SHA1 only: nothing to reload with.
    None,
}

#[derive(Clone, Copy)]
struct Sha([u8; 40]);

impl Sha {
    fn of(bytes: &[u8]) -> Sha {
        let digest = sha1_smol::Sha1::from(bytes).digest().bytes();
        let mut hex = [0u8; 40];
        for (i, byte) in digest.iter().enumerate() {
            hex[2 * i] = HEX[usize::from(byte >> 4)];
            hex[2 * i + 1] = HEX[usize::from(byte & 0xf)];
        }
        Sha(hex)
    }

    fn as_str(&self) -> &str {
        // Always ASCII hex digits; the fallback is never taken.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Shows the SHA1 and the source's length, not its text.
impl fmt::Debug for ScriptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptCode")
            .field("sha", &self.sha())
            .field("source_len", &self.source().map(<[u8]>::len))
            .finish()
    }
}

/// Two scripts are equal when their SHA1s are.
impl PartialEq for ScriptCode {
    fn eq(&self, other: &ScriptCode) -> bool {
        self.sha() == other.sha()
    }
}

impl Eq for ScriptCode {}

/// Computes the SHA1 of a script's bytes as Redis does, in lower-case hex.
///
/// # Example
///
/// ```
/// assert_eq!(redline::script_sha("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
/// ```
pub fn script_sha(source: impl AsRef<[u8]>) -> String {
    Sha::of(source.as_ref()).as_str().to_string()
}

impl ScriptCode {
    /// A script from Lua source (copied once into a shared buffer; clones share it).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ScriptCode;
    ///
    /// let code = ScriptCode::new("return 1");
    /// assert_eq!(code.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    /// ```
    pub fn new(lua: impl AsRef<[u8]>) -> ScriptCode {
        ScriptCode {
            source: Source::Shared(lua.as_ref().into()),
            sha: OnceLock::new(),
        }
    }

    /// A script from source known at compile time, usable in a `static` (no allocation; the
    /// SHA1 is computed on first use).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ScriptCode;
    ///
    /// static ONE: ScriptCode = ScriptCode::from_static("return 1");
    /// assert_eq!(ONE.source(), Some(&b"return 1"[..]));
    /// ```
    pub const fn from_static(lua: &'static str) -> ScriptCode {
        ScriptCode {
            source: Source::Static(lua.as_bytes()),
            sha: OnceLock::new(),
        }
    }

    /// A script someone else loaded, known only by its SHA1. Calls work while the server has
    /// it cached; after a `NOSCRIPT` there is no source to reload, so the call fails with
    /// [`Error::NoScript`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `sha` is 40 hex digits.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::ScriptCode;
    ///
    /// let code = ScriptCode::from_sha("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB")?;
    /// assert_eq!(code.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    /// assert!(code.source().is_none());
    /// assert!(ScriptCode::from_sha("not-a-sha1").is_err());
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn from_sha(sha: &str) -> Result<ScriptCode> {
        let mut hex = [0u8; 40];
        if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid_argument("a script SHA1 is 40 hex digits"));
        }
        hex.copy_from_slice(sha.as_bytes());
        hex.make_ascii_lowercase();
        Ok(ScriptCode {
            source: Source::None,
            sha: OnceLock::from(Sha(hex)),
        })
    }

    /// The SHA1 of the source, 40 lower-case hex digits.
    ///
    /// # Example
    ///
    /// ```
    /// let code = redline::ScriptCode::new("return 1");
    /// assert_eq!(code.sha(), redline::script_sha("return 1"));
    /// ```
    pub fn sha(&self) -> &str {
        self.sha
            .get_or_init(|| Sha::of(self.source().unwrap_or_default()))
            .as_str()
    }

    /// The Lua source, unless the script was made by [`ScriptCode::from_sha`].
    ///
    /// # Example
    ///
    /// ```
    /// let code = redline::ScriptCode::new("return 1");
    /// assert_eq!(code.source(), Some(&b"return 1"[..]));
    /// ```
    pub fn source(&self) -> Option<&[u8]> {
        match &self.source {
            Source::Static(bytes) => Some(bytes),
            Source::Shared(bytes) => Some(bytes),
            Source::None => None,
        }
    }
}

/// Checks the SHA1 a server returned for `SCRIPT LOAD` against the local one.
pub(crate) fn check_sha(expected: &str, got: String) -> Result<()> {
    if got.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(Error::ShaMismatch {
            expected: expected.to_string(),
            got,
        })
    }
}
