//! Turning Rust values into command arguments.

use crate::cmd::Cmd;
use crate::resp::{decimal, float};

/// A value that is exactly one argument: a string, bytes, a number or a bool.
///
/// Used where a command takes one argument in one place, such as a key. Numbers are sent in
/// decimal, `bool` as `1` or `0`. `u8` is deliberately not an argument, so that `Vec<u8>`
/// and `&[u8]` mean bytes.
///
/// # Example
///
/// ```
/// use redline::ToArg;
///
/// assert_eq!(42i64.with_bytes(|b| b.to_vec()), b"42");
/// assert_eq!(1.5f64.with_bytes(|b| b.to_vec()), b"1.5");
/// ```
pub trait ToArg: ToArgs {
    /// Calls `f` with the argument's bytes (formatted on the stack for numbers).
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
}

/// A value that is any number of arguments: one [`ToArg`], or a slice, array, `Vec`, tuple,
/// `Option` (`None` is no argument) or `()` (none) of them.
///
/// # Example
///
/// ```
/// use redline::{cmd, ToArgs};
///
/// let keys = vec!["a", "b"];
/// assert_eq!(keys.num_args(), 2);
/// assert_eq!(("k", 1, Some(2.5), None::<i32>).num_args(), 3);
/// let mut c = cmd("DEL");
/// c.arg(&keys);
/// assert_eq!(c.to_string(), "DEL a b");
/// ```
pub trait ToArgs {
    /// Appends the arguments to `cmd`.
    fn write_args(&self, cmd: &mut Cmd);
    /// How many arguments [`ToArgs::write_args`] appends.
    fn num_args(&self) -> usize;
}

/// A number argument, for commands the server lets take an integer or a float (a `ZADD` score,
/// `ZINCRBY`, `INCRBYFLOAT`, a `BLPOP` timeout...).
///
/// Implemented for every primitive integer and float except `u8` (which is not a [`ToArg`], so
/// that `Vec<u8>` means bytes), and for references to them. Implement it for a numeric type of
/// your own if its [`ToArg`] writes a number the server parses.
///
/// # Example
///
/// ```no_run
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// use redline::Commands;
///
/// client.zadd("board", "alice", 5)?; // an integer score
/// client.zadd("board", "bob", 5.5)?; // a float score
/// # Ok::<(), redline::Error>(())
/// ```
pub trait Number: ToArg {}

impl<T: Number + ?Sized> Number for &T {}

macro_rules! number {
    ($($t:ty),*) => {$(impl Number for $t {})*};
}

number!(i8, i16, u16, i32, u32, i64, u64, i128, u128, isize, usize, f32, f64);

impl<T: ToArg + ?Sized> ToArg for &T {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        (**self).with_bytes(f)
    }
}

impl<T: ToArgs + ?Sized> ToArgs for &T {
    fn write_args(&self, cmd: &mut Cmd) {
        (**self).write_args(cmd)
    }
    fn num_args(&self) -> usize {
        (**self).num_args()
    }
}

/// Makes single arguments usable wherever several may go.
macro_rules! single_arg {
    ($($t:ty),*) => {$(
        impl ToArgs for $t {
            fn write_args(&self, cmd: &mut Cmd) {
                self.with_bytes(|b| cmd.push_bytes(b))
            }
            fn num_args(&self) -> usize {
                1
            }
        }
    )*};
}

impl ToArg for str {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}
impl ToArg for String {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}
impl ToArg for [u8] {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}
impl ToArg for Vec<u8> {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}
impl<const N: usize> ToArg for [u8; N] {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}
impl<const N: usize> ToArgs for [u8; N] {
    fn write_args(&self, cmd: &mut Cmd) {
        cmd.push_bytes(self)
    }
    fn num_args(&self) -> usize {
        1
    }
}
impl ToArg for bool {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(if *self { b"1" } else { b"0" })
    }
}
impl ToArg for f64 {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut buf = [0u8; 32];
        f(float(*self, &mut buf))
    }
}
impl ToArg for f32 {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        // The shortest form that reads back as this f32 (0.1, not 0.10000000149011612).
        match format_f32(*self) {
            Some((buf, len)) => f(&buf[..len]),
            None => f64::from(*self).with_bytes(f),
        }
    }
}

fn format_f32(value: f32) -> Option<([u8; 48], usize)> {
    use std::io::Write as _;
    if !value.is_finite() || (value != 0.0 && !(1e-5..1e16).contains(&value.abs())) {
        return None; // inf, nan and extreme magnitudes: the f64 path writes those.
    }
    let mut buf = [0u8; 48];
    let mut cursor = &mut buf[..];
    write!(cursor, "{value}").ok()?;
    let len = 48 - cursor.len();
    Some((buf, len))
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                let mut buf = [0u8; 20];
                let n = *self;
                #[allow(unused_comparisons)] // Unsigned types are never negative.
                if n < 0 {
                    let digits = decimal((n as i128).unsigned_abs() as u64, &mut buf);
                    let mut signed = [0u8; 21];
                    signed[0] = b'-';
                    signed[1..=digits.len()].copy_from_slice(digits);
                    let len = digits.len() + 1;
                    f(&signed[..len])
                } else {
                    f(decimal(n as u64, &mut buf))
                }
            }
        }
        single_arg!($t);
    )*};
}

int_arg!(i8, i16, u16, i32, u32, i64, u64, isize, usize);
single_arg!(str, String, [u8], Vec<u8>, bool, f64, f32);

impl ToArg for i128 {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.to_string().as_bytes())
    }
}
impl ToArg for u128 {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.to_string().as_bytes())
    }
}
single_arg!(i128, u128);

impl<T: ToArgs> ToArgs for [T] {
    fn write_args(&self, cmd: &mut Cmd) {
        for item in self {
            item.write_args(cmd);
        }
    }
    fn num_args(&self) -> usize {
        self.iter().map(ToArgs::num_args).sum()
    }
}

impl<T: ToArgs> ToArgs for Vec<T> {
    fn write_args(&self, cmd: &mut Cmd) {
        self.as_slice().write_args(cmd)
    }
    fn num_args(&self) -> usize {
        self.as_slice().num_args()
    }
}

impl<T: ToArgs, const N: usize> ToArgs for [T; N] {
    fn write_args(&self, cmd: &mut Cmd) {
        self.as_slice().write_args(cmd)
    }
    fn num_args(&self) -> usize {
        self.as_slice().num_args()
    }
}

impl<T: ToArgs> ToArgs for Option<T> {
    fn write_args(&self, cmd: &mut Cmd) {
        if let Some(v) = self {
            v.write_args(cmd);
        }
    }
    fn num_args(&self) -> usize {
        self.as_ref().map_or(0, ToArgs::num_args)
    }
}

macro_rules! tuple_args {
    ($($name:ident)*) => {
        impl<$($name: ToArgs),*> ToArgs for ($($name,)*) {
            #[allow(non_snake_case, unused_variables)]
            fn write_args(&self, cmd: &mut Cmd) {
                let ($($name,)*) = self;
                $($name.write_args(cmd);)*
            }
            #[allow(non_snake_case)]
            fn num_args(&self) -> usize {
                let ($($name,)*) = self;
                0 $(+ $name.num_args())*
            }
        }
    };
}

tuple_args!();
tuple_args!(A);
tuple_args!(A B);
tuple_args!(A B C);
tuple_args!(A B C D);
tuple_args!(A B C D E);
tuple_args!(A B C D E F);
tuple_args!(A B C D E F G);
tuple_args!(A B C D E F G H);
tuple_args!(A B C D E F G H I);
tuple_args!(A B C D E F G H I J);
tuple_args!(A B C D E F G H I J K);
tuple_args!(A B C D E F G H I J K L);

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(a: impl ToArg) -> Vec<u8> {
        a.with_bytes(|b| b.to_vec())
    }

    #[test]
    fn integers_format_without_alloc_paths() {
        assert_eq!(bytes(0i32), b"0");
        assert_eq!(bytes(-1i64), b"-1");
        assert_eq!(bytes(i64::MIN), b"-9223372036854775808");
        assert_eq!(bytes(u64::MAX), b"18446744073709551615");
        assert_eq!(bytes(i8::MIN), b"-128");
        assert_eq!(bytes(true), b"1");
        assert_eq!(bytes(f64::INFINITY), b"inf");
        assert_eq!(bytes(f64::NEG_INFINITY), b"-inf");
        assert_eq!(bytes(0.1f64), b"0.1");
        assert_eq!(bytes(1e300f64), b"1e300");
        assert_eq!(bytes(-2.5e-10f64), b"-2.5e-10");
        assert_eq!(bytes(0.1f32), b"0.1");
        assert_eq!(bytes(f32::INFINITY), b"inf");
    }

    #[test]
    fn collections_flatten() {
        let mut c = crate::cmd("X");
        c.arg((["a", "b"], vec![1u32, 2], Some("z"), None::<&str>, ()));
        assert_eq!(c.to_string(), "X a b 1 2 z");
        assert_eq!(c.args_len(), 6);
        let v: Vec<u8> = vec![0, 1, 2];
        assert_eq!(v.num_args(), 1);
        assert_eq!(b"ab".num_args(), 1);
    }
}
