//! JSON in the core: one reader, one writer, one byte scanner.
//!
//! - [`read`]: the pull parser every front end reads arguments, catalogs and overlays with.
//!   Each type's [`FromJson`] is derived from its declaration (`#[derive(FromJson)]`, which
//!   honours the serde attributes the type already carries), so a shape is written once.
//! - [`write`]: results' JSON text into one byte buffer ([`ToJson`], derived like the reader).
//! - [`scan`]: the eight-bytes-at-a-time search for bytes a JSON string cannot hold verbatim,
//!   shared by both.
//!
//! Why not serde's derived `Deserialize`: the derive instantiates a visitor per type *per
//! deserializer* (text, `Value`, the path-tracking wrapper, serde's buffered `Content` for the
//! tagged enum), which made up more than half of the WebAssembly module, and it could only name
//! the failing path on a second, slower pass. Here every type has one reader over one parser.
//! The serde `Deserialize` impls the derive emits delegate to this reader, so rmcp, the CLI,
//! the WebAssembly module and the tests all refuse the same input with the same message.

pub mod read;
pub mod scan;
pub mod write;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use piapi_billing_derive::FromJson;
pub use read::Reader;
pub use write::{JsonWriter, ToJson};

use crate::error::Error;
use crate::money::{Dec, Usd};
use crate::text::Text;

/// A type the reader can build from JSON.
pub trait FromJson: Sized {
    /// Reads one JSON value at the reader's position.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error>;
}

/// Parses JSON text into `T`; the whole text must be one value.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, Error> {
    read_whole(Reader::new(text))
}

/// Like [`from_str`], for text compiled into the program: its strings are borrowed, not
/// copied, wherever a type holds them as [`Text`].
pub fn from_static_str<T: FromJson>(text: &'static str) -> Result<T, Error> {
    let mut r = Reader::new(text);
    r.static_text = Some(text);
    read_whole(r)
}

fn read_whole<T: FromJson>(mut r: Reader<'_>) -> Result<T, Error> {
    let value = T::read(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// Parses an already-decoded JSON value into `T` (front ends whose transport decoded the
/// message, such as rmcp).
pub fn from_value<T: FromJson>(value: &Value) -> Result<T, Error> {
    from_str(&value.to_string())
}

/// serde's entry into the reader: what the derived `Deserialize` impls call.
pub fn deserialize<'de, T: FromJson, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(d)?;
    from_value(&value).map_err(|e| <D::Error as serde::de::Error>::custom(e.message))
}

// ---- the building blocks --------------------------------------------------------------------

impl FromJson for String {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.string().map(Cow::into_owned)
    }
}

impl FromJson for Text {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.text()
    }
}

impl FromJson for bool {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.bool()
    }
}

impl FromJson for u64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.whole()
    }
}

/// A whole number of either sign, for fields whose range the operation checks and reports.
impl FromJson for i64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let v = r.decimal()?;
        crate::money::integer(v).ok_or_else(|| {
            r.error(format!(
                "must be a whole number, got {}",
                crate::money::format_plain(v)
            ))
        })
    }
}

impl FromJson for Value {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.value()
    }
}

impl FromJson for Map<String, Value> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.map()
    }
}

impl FromJson for BTreeMap<String, Value> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut map = BTreeMap::new();
        r.object(|r, key| {
            let v = r.value()?;
            map.insert(key.to_string(), v);
            Ok(())
        })?;
        Ok(map)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut items = Vec::new();
        r.array(|r, _| {
            items.push(T::read(r)?);
            Ok(())
        })?;
        Ok(items)
    }
}

/// `null` reads as `None`; an absent field is the caller's business.
impl<T: FromJson> FromJson for Option<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        if r.null()? {
            Ok(None)
        } else {
            T::read(r).map(Some)
        }
    }
}

impl FromJson for Usd {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.decimal().map(Usd)
    }
}

impl FromJson for Dec {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.decimal().map(Dec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pair {
        name: String,
        n: u64,
    }

    impl FromJson for Pair {
        fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
            const FIELDS: &[&str] = &["name", "n"];
            let (mut name, mut n) = (String::new(), 0);
            let seen = r.fields(FIELDS, |r, i| {
                match i {
                    0 => name = r.string()?.into_owned(),
                    _ => n = r.whole()?,
                }
                Ok(())
            })?;
            r.require(seen, FIELDS, &[0])?;
            Ok(Pair { name, n })
        }
    }

    fn err<T: FromJson + std::fmt::Debug>(text: &str) -> String {
        from_str::<T>(text).unwrap_err().message
    }

    #[test]
    fn reads_nested_values_with_escapes_and_exact_numbers() {
        let v: Value =
            from_str(r#" {"a": [1, -2.50, 1e3, true, null], "s": "q\"\\\/\n\u00e9\ud83d\ude00"} "#)
                .unwrap();
        assert_eq!(v["s"], "q\"\\/\né😀");
        assert_eq!(v["a"][1].to_string(), "-2.50");
        assert_eq!(v, serde_json::from_str::<Value>(&v.to_string()).unwrap());
    }

    #[test]
    fn paths_name_the_failing_field() {
        assert_eq!(
            err::<Vec<Pair>>(r#"[{"name": "a"}, {"name": "b", "n": "x"}]"#),
            "[1].n: \"x\" is not a decimal number"
        );
        assert_eq!(
            err::<Vec<Pair>>(r#"[{"nme": "a"}]"#),
            "[0].nme: unknown field `nme`, expected `name` or `n`"
        );
        assert_eq!(err::<Pair>(r#"{"n": 1}"#), "missing field `name`");
        assert_eq!(
            err::<Pair>(r#"{"name": "a", "name": "b"}"#),
            "name: duplicate field `name`"
        );
        assert_eq!(
            err::<Pair>(r#"{"name": 7}"#),
            "name: invalid type: number 7, expected a string"
        );
        assert_eq!(
            err::<Pair>(r#"{"name": "a", "n": 2.5}"#),
            "n: must be a whole number of at least 0, got 2.5"
        );
    }

    #[test]
    fn malformed_text_is_refused_with_its_position() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "1e",
            "\"\\x\"",
            "\"\u{1}\"",
            "tru",
            "{\"a\":1}}",
            "\"\\ud800\"",
            "[1 2]",
            "nul",
        ] {
            let e = from_str::<Value>(bad).expect_err(bad);
            assert!(e.message.contains("invalid JSON"), "{bad:?}: {}", e.message);
        }
        assert_eq!(
            err::<Value>("{\n  \"a\": ?}"),
            "a: invalid JSON: expected a value at line 2 column 8"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert!(err::<Value>(&deep).contains("nesting too deep"));
    }

    #[test]
    fn tags_are_found_wherever_they_stand() {
        let mut r = Reader::new(r#"{"a": {"kind": "x"}, "kind": "input", "b": [1]}"#);
        assert_eq!(r.peek_tag("kind").unwrap().as_deref(), Some("input"));
        let v = r.value().unwrap();
        assert_eq!(v["b"][0], 1);
    }
}
