//! Writes a result straight to JSON text: the answers that cross the JavaScript boundary, and
//! the stdio fast path's replies.
//!
//! serde_json's serializer is generic over `io::Write` and a formatter; built for size
//! (`opt-level = "z"`) in WebAssembly, every `"`, `:` and `,` became a call through
//! `Write::write_all` and a `memory.copy`, and serializing one estimate took a third of the
//! call. This writer appends bytes to one buffer and copies a string's unescaped runs whole.
//!
//! It writes what the contract types need (objects, arrays, strings, booleans, integers,
//! null, and `serde_json::Value` with its `arbitrary_precision` numbers) and refuses floats
//! rather than formatting them: no contract type has one, and refusing keeps float
//! formatting out of the module.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use super::scan::plain_run_end;

/// serde_json's name for an `arbitrary_precision` number: a struct with one field, the digits.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Why a value has no JSON text here.
#[derive(Debug)]
pub struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(format!(
        "{what} has no JSON form in the contract"
    )))
}

/// Appends JSON text to a byte buffer.
///
/// Bytes rather than a `String`: pushing one ASCII byte is a store, while `String::push`
/// encodes a `char`. Only ASCII bytes and whole `&str`s are appended, so the buffer is UTF-8
/// at every step and [`JsonWriter::into_string`] cannot fail.
pub struct JsonWriter {
    out: Vec<u8>,
}

impl JsonWriter {
    pub fn with_capacity(capacity: usize) -> Self {
        JsonWriter {
            out: Vec::with_capacity(capacity),
        }
    }

    /// Appends text that is already JSON (an envelope's brackets).
    pub fn raw(&mut self, json: &str) {
        self.out.extend_from_slice(json.as_bytes());
    }

    /// Appends `value`'s JSON text; on error, the buffer holds a partial text.
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    pub fn into_string(self) -> String {
        // Never the empty fallback: see the type's docs.
        String::from_utf8(self.out).unwrap_or_default()
    }
}

/// Appends `s` as a JSON string literal: unescaped runs in one copy each.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    loop {
        let end = plain_run_end(bytes, start);
        out.extend_from_slice(&bytes[start..end]);
        let Some(&b) = bytes.get(end) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = end + 1;
    }
    out.push(b'"');
}

fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `v % 10` is below 10: the cast keeps every bit.
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn write_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(out, v.unsigned_abs());
}

impl<'a> ser::Serializer for &'a mut JsonWriter {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        write_i64(&mut self.out, v);
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        write_u64(&mut self.out, v);
        Ok(())
    }

    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        unsupported("a binary float")
    }

    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        unsupported("a binary float")
    }

    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        write_str(&mut self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        unsupported("a byte string")
    }

    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        Ok(Compound::open(self, b'[', None))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
        Ok(Compound::open(self, b'[', Some(b'}')))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        Ok(Compound::open(self, b'{', None))
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'a>, Unsupported> {
        if name == NUMBER_TOKEN {
            return Ok(Compound {
                writer: self,
                state: State::Number,
                close: None,
            });
        }
        Ok(Compound::open(self, b'{', None))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
        Ok(Compound::open(self, b'{', Some(b'}')))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing written yet inside the brackets.
    First,
    Rest,
    /// Inside an `arbitrary_precision` number: its one field is the digits, written bare.
    Number,
}

/// An open array or object.
pub struct Compound<'a> {
    writer: &'a mut JsonWriter,
    state: State,
    /// What closes an enclosing `{"variant": ...}` after this compound's own bracket.
    close: Option<u8>,
}

impl<'a> Compound<'a> {
    fn open(writer: &'a mut JsonWriter, bracket: u8, close: Option<u8>) -> Self {
        writer.out.push(bracket);
        Compound {
            writer,
            state: State::First,
            close,
        }
    }

    fn separate(&mut self) {
        if self.state == State::First {
            self.state = State::Rest;
        } else {
            self.writer.out.push(b',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unsupported> {
        if self.state == State::Number {
            return value.serialize(BareNumber(&mut self.writer.out));
        }
        self.separate();
        write_str(&mut self.writer.out, key);
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }

    fn close(self, bracket: u8) -> Result<(), Unsupported> {
        if self.state != State::Number {
            self.writer.out.push(bracket);
        }
        if let Some(outer) = self.close {
            self.writer.out.push(outer);
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b']')
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b']')
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b']')
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b']')
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.separate();
        key.serialize(MapKey(&mut self.writer.out))?;
        self.writer.out.push(b':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b'}')
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b'}')
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        self.close(b'}')
    }
}

/// Refuses every value but a string, which it hands to `$accept`; the rest of a serializer
/// for the two places that take only text (a map key, a number's digits).
macro_rules! only_text {
    ($name:ident, $what:literal, |$out:ident, $v:ident| $accept:expr) => {
        struct $name<'a>(&'a mut Vec<u8>);

        impl ser::Serializer for $name<'_> {
            type Ok = ();
            type Error = Unsupported;
            type SerializeSeq = Impossible<(), Unsupported>;
            type SerializeTuple = Impossible<(), Unsupported>;
            type SerializeTupleStruct = Impossible<(), Unsupported>;
            type SerializeTupleVariant = Impossible<(), Unsupported>;
            type SerializeMap = Impossible<(), Unsupported>;
            type SerializeStruct = Impossible<(), Unsupported>;
            type SerializeStructVariant = Impossible<(), Unsupported>;

            fn serialize_str(self, $v: &str) -> Result<(), Unsupported> {
                let $out = self.0;
                $accept;
                Ok(())
            }

            fn serialize_bool(self, _: bool) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_i8(self, _: i8) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_i16(self, _: i16) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_i32(self, _: i32) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_i64(self, _: i64) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_u8(self, _: u8) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_u16(self, _: u16) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_u32(self, _: u32) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_u64(self, _: u64) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_char(self, _: char) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_none(self) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_unit(self) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_unit_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
            ) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_newtype_struct<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                _: &T,
            ) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_newtype_variant<T: Serialize + ?Sized>(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: &T,
            ) -> Result<(), Unsupported> {
                unsupported($what)
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
                unsupported($what)
            }
            fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
                unsupported($what)
            }
            fn serialize_tuple_struct(
                self,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleStruct, Unsupported> {
                unsupported($what)
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleVariant, Unsupported> {
                unsupported($what)
            }
            fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
                unsupported($what)
            }
            fn serialize_struct(
                self,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStruct, Unsupported> {
                unsupported($what)
            }
            fn serialize_struct_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStructVariant, Unsupported> {
                unsupported($what)
            }
        }
    };
}

// JSON object keys are strings; the contract's maps are keyed by strings.
only_text!(
    MapKey,
    "a map key that is not a string",
    |out, v| write_str(out, v)
);

// serde_json produced these digits from valid JSON number text, so they are written bare.
only_text!(BareNumber, "a number that is not digits", |out, v| out
    .extend_from_slice(v.as_bytes()));

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use piapi_billing::{Billing, EstimateArgs, ListPricesArgs, QuoteTopUpArgs};
    use serde::Serialize;
    use serde_json::{Value, json};

    use super::*;

    fn text<T: Serialize + ?Sized>(value: &T) -> Result<String, Unsupported> {
        let mut writer = JsonWriter::with_capacity(0);
        writer.write(value)?;
        Ok(writer.into_string())
    }

    /// The writer's text is the text serde_json writes, byte for byte.
    fn same_as_serde_json<T: Serialize + ?Sized>(value: &T) {
        let ours = text(value).expect("writable");
        assert_eq!(ours, serde_json::to_string(value).unwrap());
    }

    #[test]
    fn strings_escape_exactly_as_serde_json_does() {
        for s in [
            "",
            "plain",
            "quote \" and backslash \\",
            "new\nline\ttab\rreturn",
            "\u{0}\u{1}\u{1f}\u{7f}",
            "é ünïcødé ✓ 🎬",
            "\u{8}\u{c} backspace and form feed",
        ] {
            same_as_serde_json(s);
        }
        // A special byte at every offset of a long run, where the eight-byte scan stops.
        for special in ['"', '\\', '\n', '\u{1f}', '\u{0}', 'é', '\u{7f}'] {
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrst".into();
                s.insert(at, special);
                same_as_serde_json(&s);
            }
        }
    }

    #[test]
    fn numbers_and_values_match_serde_json() {
        for n in [0u64, 7, 10, 20_000_000, u64::MAX] {
            same_as_serde_json(&n);
        }
        for n in [i64::MIN, -1, 0, 42, i64::MAX] {
            same_as_serde_json(&n);
        }
        // `arbitrary_precision` numbers keep their digits.
        let v: Value =
            serde_json::from_str(r#"{"a": 0.30000000000000004, "b": [1e-7, -3], "c": null}"#)
                .unwrap();
        same_as_serde_json(&v);
        assert_eq!(
            text(&v).unwrap(),
            r#"{"a":0.30000000000000004,"b":[1e-7,-3],"c":null}"#
        );
        let mut map = BTreeMap::new();
        map.insert("k\"ey", vec![Some(true), None]);
        same_as_serde_json(&map);
        same_as_serde_json(&json!({"nested": {"empty": {}, "list": []}}));
    }

    #[test]
    fn enums_match_serde_json() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, bool),
            Struct { a: u8 },
        }
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged {
            Input { field: String },
            One,
        }
        same_as_serde_json(&[E::Unit, E::New(1), E::Tuple(2, true), E::Struct { a: 3 }]);
        same_as_serde_json(&[
            Tagged::Input {
                field: "duration".into(),
            },
            Tagged::One,
        ]);
    }

    #[test]
    fn floats_and_non_text_keys_are_refused_not_guessed() {
        let err = text(&1.5f64).unwrap_err();
        assert!(err.to_string().contains("binary float"), "{err}");
        let mut map = BTreeMap::new();
        map.insert(1u8, "one");
        let err = text(&map).unwrap_err();
        assert!(err.to_string().contains("map key"), "{err}");
    }

    #[test]
    fn contract_results_match_serde_json() {
        let billing = Billing::new();
        let args: EstimateArgs = crate::json::from_value(&json!({"tasks": [
            {"model": "kling", "task_type": "video_generation",
             "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true}},
            {"model": "no-such-model", "task_type": "x"}
        ]}))
        .unwrap();
        same_as_serde_json(&billing.estimate_cost(&args).unwrap());
        same_as_serde_json(&billing.list_plans());
        let all: ListPricesArgs = crate::json::from_value(&json!({})).unwrap();
        same_as_serde_json(&billing.list_prices(&all).unwrap());
        let top_up: QuoteTopUpArgs =
            crate::json::from_value(&json!({"amount_usd": "1234.5"})).unwrap();
        same_as_serde_json(&billing.quote_top_up(&top_up).unwrap());
    }
}
