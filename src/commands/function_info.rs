//! What the Redis 7 `FUNCTION` commands report: libraries, functions and engine statistics,
//! and how their replies (RESP2 flat arrays or RESP3 maps) are read.

use crate::error::{Error, Result};
use crate::resp::Value;
use crate::types::FromValue;
use std::collections::HashMap;

/// One library from `FUNCTION LIST`.
///
/// # Example
///
/// ```no_run
/// # use redline::ScriptingCommands;
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// # let code = "#!lua name=mylib\nredis.register_function('one', function() return 1 end)";
/// # client.function_load(code, true)?;
/// let libraries = client.function_list(Some("mylib"), true)?;
/// assert_eq!(libraries[0].name, "mylib");
/// assert_eq!(libraries[0].engine, "LUA");
/// assert!(libraries[0].code.is_some());
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryInfo {
    /// The library name (`#!lua name=...`).
    pub name: String,
    /// The engine, `LUA`.
    pub engine: String,
    /// Its functions.
    pub functions: Vec<FunctionInfo>,
    /// The source, when asked for with `with_code`.
    pub code: Option<String>,
}

/// One function of a [`LibraryInfo`].
///
/// # Example
///
/// ```no_run
/// # use redline::ScriptingCommands;
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// # let code = "#!lua name=mylib\nredis.register_function('one', function() return 1 end)";
/// # client.function_load(code, true)?;
/// let library = &client.function_list(Some("mylib"), false)?[0];
/// let names: Vec<&str> = library.functions.iter().map(|f| f.name.as_str()).collect();
/// assert_eq!(names, ["one"]);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The function name, as passed to `FCALL`.
    pub name: String,
    /// The description given at registration, if any.
    pub description: Option<String>,
    /// Flags such as `no-writes`.
    pub flags: Vec<String>,
}

/// The reply of `FUNCTION STATS`.
///
/// # Example
///
/// ```no_run
/// # use redline::ScriptingCommands;
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// let stats = client.function_stats()?;
/// assert!(stats.running_script.is_none());
/// println!("{} Lua libraries", stats.engines["LUA"].libraries_count);
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionStats {
    /// The function running now, if any.
    pub running_script: Option<RunningScript>,
    /// Per engine (`LUA`): how many libraries and functions are loaded.
    pub engines: HashMap<String, EngineStats>,
}

/// The function that `FUNCTION STATS` saw running.
///
/// # Example
///
/// ```no_run
/// # use redline::ScriptingCommands;
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// if let Some(running) = client.function_stats()?.running_script {
///     println!("{} has run for {} ms", running.name, running.duration_ms);
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningScript {
    /// The function's name.
    pub name: String,
    /// The command that called it, with its arguments.
    pub command: Vec<String>,
    /// How long it has run, in milliseconds.
    pub duration_ms: i64,
}

/// Per-engine counts in [`FunctionStats`].
///
/// # Example
///
/// ```no_run
/// # use redline::ScriptingCommands;
/// # let client = redline::Client::open("redis://127.0.0.1:6379")?;
/// let stats = client.function_stats()?;
/// if let Some(lua) = stats.engines.get("LUA") {
///     assert!(lua.functions_count >= lua.libraries_count);
/// }
/// # Ok::<(), redline::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineStats {
    /// Libraries loaded.
    pub libraries_count: i64,
    /// Functions loaded.
    pub functions_count: i64,
}

/// From one element of the `FUNCTION LIST` reply, so that a pipeline's reply converts too
/// (`execute::<(Vec<LibraryInfo>,)>()`).
impl FromValue for LibraryInfo {
    fn from_value(value: Value) -> Result<Self> {
        let mut map: HashMap<String, Value> = FromValue::from_value(value)?;
        let functions: Vec<Value> = field(&mut map, "functions")?;
        let functions = functions
            .into_iter()
            .map(|f| {
                let mut f: HashMap<String, Value> = FromValue::from_value(f)?;
                Ok(FunctionInfo {
                    name: field(&mut f, "name")?,
                    description: field(&mut f, "description")?,
                    flags: field(&mut f, "flags")?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(LibraryInfo {
            name: field(&mut map, "library_name")?,
            engine: field(&mut map, "engine")?,
            functions,
            code: map
                .remove("library_code")
                .map(FromValue::from_value)
                .transpose()?,
        })
    }
    const ONE_PER_ELEMENT: bool = true;
}

/// From the `FUNCTION STATS` reply.
impl FromValue for FunctionStats {
    fn from_value(value: Value) -> Result<Self> {
        let mut fields: HashMap<String, Value> = FromValue::from_value(value)?;
        let running_script = match fields.remove("running_script") {
            None | Some(Value::Nil) => None,
            Some(running) => {
                let mut r: HashMap<String, Value> = FromValue::from_value(running)?;
                Some(RunningScript {
                    name: field(&mut r, "name")?,
                    command: field(&mut r, "command")?,
                    duration_ms: field(&mut r, "duration_ms")?,
                })
            }
        };
        let engines: HashMap<String, HashMap<String, i64>> = field(&mut fields, "engines")?;
        let engines = engines
            .into_iter()
            .map(|(name, counts)| {
                let get = |k: &str| counts.get(k).copied().unwrap_or(0);
                let stats = EngineStats {
                    libraries_count: get("libraries_count"),
                    functions_count: get("functions_count"),
                };
                (name, stats)
            })
            .collect();
        Ok(FunctionStats {
            running_script,
            engines,
        })
    }
}

/// Takes a field out of a reply map; a missing one is a conversion error naming it.
fn field<T: FromValue>(map: &mut HashMap<String, Value>, name: &'static str) -> Result<T> {
    match map.remove(name) {
        Some(v) => T::from_value(v),
        None => Err(Error::Conversion {
            expected: name,
            got: "a reply without that field".into(),
        }),
    }
}
