//! `Text`: an immutable catalog string that is cheap to hand out.
//!
//! Every estimate line repeats its entry's id, model, task type, variant and source. For the
//! built-in catalog those strings are slices of the compiled-in file itself, so loading it does
//! not copy them and a line borrows them for free (no allocation, no reference count to touch);
//! strings from a user's catalog or overlay, and labels made at load, are shared behind an
//! `Arc`. Either way a `Text` reads, compares, hashes and serializes as the `str` it holds.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};

#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Text {
    /// A string that lives as long as the program (the built-in catalog, literals).
    pub const fn from_static(s: &'static str) -> Text {
        Text(Repr::Static(s))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_static("")
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Repr::Shared(Arc::from(s)))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Repr::Shared(Arc::from(s)))
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(s: Cow<'_, str>) -> Self {
        Text::from(s.as_ref())
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// Hashes exactly as `str` does, so maps keyed by `Text` are searched with a `&str`.
impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn static_and_shared_text_are_the_same_string() {
        let a = Text::from_static("kling");
        let b = Text::from(String::from("kling"));
        assert_eq!(a, b);
        assert_eq!(a, "kling");
        let map: HashMap<Text, u8> = [(b, 1)].into();
        assert_eq!(map.get("kling"), Some(&1));
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"kling\"");
        assert_eq!(format!("{a} {a:?}"), "kling \"kling\"");
    }
}
