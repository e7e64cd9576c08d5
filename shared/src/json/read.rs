//! The pull parser: JSON text in, the reader's position and the JSON path of the value being
//! read always known, so every refusal names its field (`tasks[2].count: …`) and its place
//! in the text (`… at line L column C`).
//!
//! Numbers are taken from their digits and never pass through a float; strings are borrowed
//! from the text when they have no escapes. Walks over objects and arrays take their callback
//! as `dyn`: generic, they were copied into every reader that calls them (half of the reading
//! code in the WebAssembly module), and one indirect call per key or item is nothing beside
//! parsing it.

use std::borrow::Cow;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};

use super::scan::plain_run_end;
use crate::error::Error;
use crate::money::{format_plain, parse_decimal, whole};
use crate::text::Text;

/// One step of the path to the value being read. Keys are kept as their place in the text
/// (only a key with escapes is copied), since the path is only read when there is an error.
#[derive(Clone, Debug)]
enum Step {
    Key(std::ops::Range<usize>),
    EscapedKey(String),
    Index(usize),
}

/// A pull parser over JSON text that knows where it is.
pub struct Reader<'a> {
    text: &'a str,
    /// The same text when it lives for the whole program: strings read as [`Text`] then
    /// borrow from it instead of being copied.
    pub(super) static_text: Option<&'static str>,
    pos: usize,
    path: Vec<Step>,
}

/// Nesting deeper than this is refused: the reader recurses, and no contract value nests deep.
const MAX_DEPTH: usize = 128;

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            static_text: None,
            pos: 0,
            path: Vec::new(),
        }
    }

    /// Checks that nothing but whitespace follows the value.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.path.clear();
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters after the JSON value")),
        }
    }

    // ---- errors ---------------------------------------------------------------------------

    /// The JSON path of the value being read (`tasks[2].count`), empty at the top.
    pub fn path(&self) -> String {
        let mut out = String::new();
        let key = |out: &mut String, k: &str| {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(k);
        };
        for step in &self.path {
            match step {
                Step::Key(span) => key(&mut out, &self.text[span.clone()]),
                Step::EscapedKey(k) => key(&mut out, k),
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// An error about the value being read.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::invalid(self.path(), message)
    }

    fn syntax(&self, what: &str) -> Error {
        // Bytes, not `str`: an error position need not fall on a character boundary.
        let before = &self.bytes()[..self.pos.min(self.text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
            + 1;
        self.error(format!(
            "invalid JSON: {what} at line {line} column {column}"
        ))
    }

    /// "invalid type: string \"x\", expected …", naming what was found without consuming it.
    fn invalid_type(&mut self, expected: &str) -> Error {
        let found = match self.peek() {
            Some(b'"') => {
                let mark = self.pos;
                let found = match self.string() {
                    Ok(s) => format!("string {}", super::write::to_string(s.as_ref())),
                    Err(_) => "a malformed string".to_string(),
                };
                self.pos = mark;
                found
            }
            Some(b'{') => "map".to_string(),
            Some(b'[') => "sequence".to_string(),
            Some(b't' | b'f') => "boolean".to_string(),
            Some(b'n') => "null".to_string(),
            Some(b'-' | b'0'..=b'9') => {
                let mark = self.pos;
                let found = match self.number_text() {
                    Ok(n) => format!("number {n}"),
                    Err(_) => "a malformed number".to_string(),
                };
                self.pos = mark;
                found
            }
            _ => return self.syntax("expected a value"),
        };
        self.error(format!("invalid type: {found}, expected {expected}"))
    }

    /// "unknown field `x`, expected one of `a`, `b`" for the field just entered.
    pub fn unknown_field(&self, key: &str, expected: &[&str]) -> Error {
        if expected.is_empty() {
            return self.error(format!("unknown field `{key}`, there are no fields"));
        }
        self.error(format!(
            "unknown field `{key}`, expected {}",
            one_of(expected)
        ))
    }

    /// "kind: unknown variant `x`, expected one of `a`, `b`" for an internally tagged enum
    /// whose tag names no variant.
    pub fn unknown_tag(&self, tag: &str, found: &str, variants: &[&str]) -> Error {
        self.error(format!(
            "{tag}: unknown variant `{found}`, expected {}",
            one_of(variants)
        ))
    }

    // ---- lexing ---------------------------------------------------------------------------

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next significant byte, after whitespace, without consuming it.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        match bytes.get(self.pos) {
            Some(&b) if b > b' ' => return Some(b),
            None => return None,
            _ => {}
        }
        while let Some(&b) = bytes.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Some(b);
            }
        }
        None
    }

    fn expect_byte(&mut self, byte: u8, what: &str) -> Result<(), Error> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(what))
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), Error> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.syntax("expected a value"))
        }
    }

    /// Consumes `null` when it is next.
    pub fn null(&mut self) -> Result<bool, Error> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The text of a JSON number, validated against the JSON grammar.
    fn number_text(&mut self) -> Result<&'a str, Error> {
        self.peek();
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        let n = digits(&mut i);
        if n == 0 || (n > 1 && bytes[int_start] == b'0') {
            self.pos = i;
            return Err(self.syntax("invalid number"));
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                self.pos = i;
                return Err(self.syntax("invalid number"));
            }
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                self.pos = i;
                return Err(self.syntax("invalid number"));
            }
        }
        self.pos = i;
        Ok(&self.text[start..i])
    }

    /// A JSON string, borrowed from the text when it has no escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        Ok(match self.string_or_span()? {
            Ok(span) => Cow::Borrowed(&self.text[span]),
            Err(owned) => Cow::Owned(owned),
        })
    }

    /// A JSON string as a [`Text`]: a slice of static text when the reader has it.
    pub fn text(&mut self) -> Result<Text, Error> {
        Ok(match (self.string_or_span()?, self.static_text) {
            (Ok(span), Some(text)) => Text::from_static(&text[span]),
            (Ok(span), None) => Text::from(&self.text[span]),
            (Err(owned), _) => Text::from(owned),
        })
    }

    /// A string's byte range in the text when it has no escapes, else its decoded value.
    fn string_or_span(&mut self) -> Result<Result<std::ops::Range<usize>, String>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type("a string"));
        }
        self.pos += 1;
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = plain_run_end(bytes, start);
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Ok(start..i));
                }
                b'\\' => break,
                0..=0x1f => {
                    self.pos = i;
                    return Err(self.syntax("control character in a string"));
                }
                _ => i += 1,
            }
        }
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(&self.text[start..i]);
        loop {
            let Some(&b) = bytes.get(i) else {
                self.pos = i;
                return Err(self.syntax("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Err(out));
                }
                b'\\' => {
                    self.pos = i;
                    let escaped = *bytes
                        .get(i + 1)
                        .ok_or_else(|| self.syntax("unterminated string"))?;
                    i += 2;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4(i)?;
                            i += 4;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if bytes.get(i) != Some(&b'\\') || bytes.get(i + 1) != Some(&b'u') {
                                    self.pos = i;
                                    return Err(self.syntax("unpaired surrogate in a string"));
                                }
                                let lo = self.hex4(i + 2)?;
                                i += 6;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    self.pos = i;
                                    return Err(self.syntax("unpaired surrogate in a string"));
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => {
                                    self.pos = i;
                                    return Err(self.syntax("unpaired surrogate in a string"));
                                }
                            }
                        }
                        _ => return Err(self.syntax("invalid escape in a string")),
                    }
                }
                0..=0x1f => {
                    self.pos = i;
                    return Err(self.syntax("control character in a string"));
                }
                _ => {
                    // Copy the run up to the next quote or escape in one go (UTF-8 intact).
                    let run = plain_run_end(bytes, i);
                    out.push_str(&self.text[i..run]);
                    i = run;
                }
            }
        }
    }

    fn hex4(&mut self, at: usize) -> Result<u32, Error> {
        let digits = self.text.get(at..at + 4);
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) if digits.is_some_and(|d| d.bytes().all(|b| b.is_ascii_hexdigit())) => Ok(v),
            _ => {
                self.pos = at;
                Err(self.syntax("invalid \\u escape in a string"))
            }
        }
    }

    // ---- values -----------------------------------------------------------------------------

    pub fn bool(&mut self) -> Result<bool, Error> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|_| true),
            Some(b'f') => self.literal("false").map(|_| false),
            _ => Err(self.invalid_type("a boolean")),
        }
    }

    /// An exact decimal: a JSON number read from its digits, or a decimal string.
    pub fn decimal(&mut self) -> Result<Decimal, Error> {
        match self.peek() {
            Some(b'"') => {
                let text = self.string()?;
                parse_decimal(&text).map_err(|m| self.error(m))
            }
            Some(b'-' | b'0'..=b'9') => {
                let text = self.number_text()?;
                parse_decimal(text).map_err(|m| self.error(m))
            }
            _ => {
                Err(self.invalid_type("a decimal number as a string (\"12.50\") or a JSON number"))
            }
        }
    }

    /// A whole, non-negative number (a JSON integer, or its text).
    pub fn whole(&mut self) -> Result<u64, Error> {
        let v = self.decimal()?;
        whole(v).ok_or_else(|| {
            self.error(format!(
                "must be a whole number of at least 0, got {}",
                format_plain(v)
            ))
        })
    }

    /// One of the named variants, given by its JSON name.
    pub fn variant<T: Copy>(&mut self, variants: &[(&str, T)]) -> Result<T, Error> {
        if self.peek() != Some(b'"') {
            let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
            return Err(self.invalid_type(&one_of(&names)));
        }
        let name = self.string()?;
        match variants.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(*v),
            None => {
                let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
                Err(self.error(format!(
                    "unknown variant `{name}`, expected {}",
                    one_of(&names)
                )))
            }
        }
    }

    /// Any JSON value, kept as a `serde_json::Value` (PiAPI's open `input` object). Numbers
    /// keep their digits (serde_json's `arbitrary_precision`).
    pub fn value(&mut self) -> Result<Value, Error> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.syntax("nesting too deep"));
        }
        Ok(match self.peek() {
            Some(b'"') => Value::String(self.string()?.into_owned()),
            Some(b'{') => Value::Object(self.map_at(depth + 1)?),
            Some(b'[') => {
                let mut items = Vec::new();
                self.array(|r, _| {
                    items.push(r.value_at(depth + 1)?);
                    Ok(())
                })?;
                Value::Array(items)
            }
            Some(b't' | b'f') => Value::Bool(self.bool()?),
            Some(b'n') => {
                self.literal("null")?;
                Value::Null
            }
            Some(b'-' | b'0'..=b'9') => {
                let text = self.number_text()?;
                // JSON integers have no leading zeros, so a `u64` prints back to the same
                // digits; anything else keeps its text through serde_json's own reading.
                let number = match text.parse::<u64>() {
                    Ok(n) => Number::from(n),
                    Err(_) => Number::from_str(text).map_err(|_| self.syntax("invalid number"))?,
                };
                Value::Number(number)
            }
            _ => return Err(self.syntax("expected a value")),
        })
    }

    /// A JSON object of any values; a repeated key keeps its last value.
    pub fn map(&mut self) -> Result<Map<String, Value>, Error> {
        self.map_at(0)
    }

    fn map_at(&mut self, depth: usize) -> Result<Map<String, Value>, Error> {
        if self.peek() != Some(b'{') {
            return Err(self.invalid_type("a map"));
        }
        let mut map = Map::new();
        self.object(|r, key| {
            let v = r.value_at(depth)?;
            map.insert(key.to_string(), v);
            Ok(())
        })?;
        Ok(map)
    }

    /// Skips one value of any shape.
    pub fn skip(&mut self) -> Result<(), Error> {
        self.value().map(drop)
    }

    /// Walks a JSON object: `each` is called with every key, the reader at its value, and must
    /// consume that value. The key is on the path while `each` runs.
    pub fn object(
        &mut self,
        mut each: impl FnMut(&mut Self, &str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.walk_object(&mut each)
    }

    // The walks take their callback as `dyn`: generic, they were copied into every reader that
    // calls them (half of the reading code in the WebAssembly module), and one indirect call
    // per key or item is nothing beside parsing it.
    fn walk_object(
        &mut self,
        each: &mut dyn FnMut(&mut Self, &str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() != Some(b'{') {
            return Err(self.invalid_type("a map"));
        }
        self.pos += 1;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.syntax("expected a string key"));
            }
            match self.string_or_span()? {
                Ok(span) => {
                    let text: &'a str = self.text;
                    let key = &text[span.clone()];
                    self.expect_byte(b':', "expected `:` after a key")?;
                    self.path.push(Step::Key(span));
                    each(self, key)?;
                }
                Err(escaped) => {
                    self.expect_byte(b':', "expected `:` after a key")?;
                    self.path.push(Step::EscapedKey(escaped.clone()));
                    each(self, &escaped)?;
                }
            }
            self.path.pop();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected `,` or `}` in an object")),
            }
        }
    }

    /// Walks a JSON object whose keys are `fields`: `each` gets the field's position in
    /// `fields`. Unknown and repeated fields are refused; the returned mask says which fields
    /// were present (bit *i* for `fields[i]`).
    pub fn fields(
        &mut self,
        fields: &[&str],
        mut each: impl FnMut(&mut Self, usize) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        self.walk_fields(fields, &mut each)
    }

    fn walk_fields(
        &mut self,
        fields: &[&str],
        each: &mut dyn FnMut(&mut Self, usize) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        debug_assert!(fields.len() <= 64);
        let mut seen = 0u64;
        // Files mostly list fields in the order of `fields`: try the one after the last first.
        let mut next = 0;
        self.walk_object(&mut |r, key| {
            let i = match fields.get(next) {
                Some(f) if *f == key => next,
                _ => match fields.iter().position(|f| *f == key) {
                    Some(i) => i,
                    None => return Err(r.unknown_field(key, fields)),
                },
            };
            next = i + 1;
            if seen & (1 << i) != 0 {
                return Err(r.error(format!("duplicate field `{key}`")));
            }
            seen |= 1 << i;
            each(r, i)
        })?;
        Ok(seen)
    }

    /// Refuses an object that lacked one of the `required` fields (indices into `fields`).
    pub fn require(&self, seen: u64, fields: &[&str], required: &[usize]) -> Result<(), Error> {
        match required.iter().find(|&&i| seen & (1 << i) == 0) {
            Some(&i) => Err(self.error(format!("missing field `{}`", fields[i]))),
            None => Ok(()),
        }
    }

    /// Reads the value at the reader into `slot` (a field of an object being read). The
    /// derived readers call this for every field: one instance per field *type*, shared by
    /// every type that has such a field, where reading in place made a copy per field.
    pub fn slot<T: super::FromJson>(&mut self, slot: &mut Option<T>) -> Result<(), Error> {
        *slot = Some(T::read(self)?);
        Ok(())
    }

    /// The value of a required field, or "missing field `name`" for the object just read.
    pub fn need<T>(&self, value: Option<T>, field: &str) -> Result<T, Error> {
        match value {
            Some(v) => Ok(v),
            None => Err(self.missing(field)),
        }
    }

    /// "missing field `name`": outside [`Reader::need`], which is instantiated per field type.
    #[cold]
    #[inline(never)]
    fn missing(&self, field: &str) -> Error {
        self.error(format!("missing field `{field}`"))
    }

    /// Walks a JSON array; the index is on the path while `each` reads the item.
    pub fn array(
        &mut self,
        mut each: impl FnMut(&mut Self, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.walk_array(&mut each)
    }

    fn walk_array(
        &mut self,
        each: &mut dyn FnMut(&mut Self, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() != Some(b'[') {
            return Err(self.invalid_type("a sequence"));
        }
        self.pos += 1;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            self.path.push(Step::Index(i));
            each(self, i)?;
            self.path.pop();
            i += 1;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected `,` or `]` in an array")),
            }
        }
    }

    /// The string value of `tag` in the object ahead, without consuming the object (serde's
    /// "internally tagged" enums put the tag anywhere among the fields).
    pub fn peek_tag(&mut self, tag: &str) -> Result<Option<Cow<'a, str>>, Error> {
        let mark = self.pos;
        let depth = self.path.len();
        let mut found = None;
        let walked = self.object(|r, key| {
            if key == tag && r.peek() == Some(b'"') {
                found = Some(r.string()?);
                Ok(())
            } else {
                r.skip()
            }
        });
        self.pos = mark;
        self.path.truncate(depth);
        walked.map(|()| found)
    }
}

/// "one of `a`, `b`, `c`" as serde words it.
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_string(),
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        many => {
            let listed: Vec<String> = many.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", listed.join(", "))
        }
    }
}
