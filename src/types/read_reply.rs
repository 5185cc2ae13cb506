//! `FromValue::read_reply` for the containers: elements decoded straight from the
//! connection's buffer while the reply arrives (see `src/connection/reader.rs`), with the same
//! results and errors as converting the whole reply's `Value`.

use super::FromValue;
use super::ReplyStream;
use crate::error::Result;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// `Vec<T>`: an array or set, one element per value.
pub(super) fn vec<T: FromValue, R: ReplyStream>(reader: &mut R) -> Result<Vec<T>> {
    let opened = if T::ONE_PER_ELEMENT {
        reader.sequence()?
    } else {
        None
    };
    let Some(count) = opened else {
        return Vec::<T>::from_value(reader.value()?);
    };
    let mut out = Vec::with_capacity(reader.capacity_for(count, 1));
    let mut done = 0;
    while done < count {
        if T::FROM_BULK {
            // The bulk strings already buffered, in one tight loop.
            let taken = reader.bulks(count - done, T::TEXT, |bytes, text| {
                out.push(from_bulk::<T>(bytes, text)?);
                Ok(())
            });
            match taken {
                Ok(n) => done += n,
                Err((n, e)) => return Err(reader.fail(count - done - n, e, true)),
            }
            if done == count {
                break;
            }
        }
        // Anything else, or a bulk not wholly here yet: one element, reading as needed.
        match T::read_reply(reader) {
            Ok(item) => out.push(item),
            Err(e) => return Err(reader.fail(count - done - 1, e, true)),
        }
        done += 1;
    }
    reader.close();
    Ok(out)
}

/// `HashMap<K, V, S>`: a map, or an array of alternating keys and values.
pub(super) fn map<K, V, S, R: ReplyStream>(reader: &mut R) -> Result<HashMap<K, V, S>>
where
    K: FromValue + Eq + Hash,
    V: FromValue,
    S: BuildHasher + Default,
{
    let Some(count) = reader.pairs()? else {
        return HashMap::<K, V, S>::from_value(reader.value()?);
    };
    let capacity = reader.capacity_for(count, 2);
    let mut map = HashMap::with_capacity_and_hasher(capacity, S::default());
    // Keys and values counted one by one; a key waits in `key` for its value.
    let values = 2 * count;
    let mut done = 0;
    let mut key: Option<K> = None;
    while done < values {
        if K::FROM_BULK && V::FROM_BULK {
            let taken = reader.bulks(values - done, K::TEXT || V::TEXT, |bytes, text| {
                match key.take() {
                    None => key = Some(from_bulk::<K>(bytes, text)?),
                    Some(k) => {
                        map.insert(k, from_bulk::<V>(bytes, text)?);
                    }
                }
                Ok(())
            });
            match taken {
                Ok(n) => done += n,
                Err((n, e)) => return Err(reader.fail(values - done - n, e, false)),
            }
            if done == values {
                break;
            }
        }
        let read = match key.take() {
            None => K::read_reply(reader).map(|k| key = Some(k)),
            Some(k) => V::read_reply(reader).map(|v| {
                map.insert(k, v);
            }),
        };
        if let Err(e) = read {
            return Err(reader.fail(values - done - 1, e, false));
        }
        done += 1;
    }
    reader.close();
    Ok(map)
}

/// Converts a bulk payload, through its text when it is known to be UTF-8.
#[inline]
fn from_bulk<T: FromValue>(bytes: &[u8], text: Option<&str>) -> Result<T> {
    match text {
        Some(text) if T::TEXT => T::from_bulk_text(text),
        _ => T::from_bulk(bytes),
    }
}
