//! Writes results straight to JSON text: the answers that cross the JavaScript boundary, and
//! the stdio fast path's replies.
//!
//! Every result type derives [`ToJson`] (`#[derive(ToJson)]`, from the same declaration and
//! serde attributes its `Serialize` reads), which appends its text to one byte buffer: keys
//! with their punctuation are constants (`,"model":`), strings are copied in unescaped runs,
//! amounts are formatted from their mantissa. serde's `Serialize` stays on the types for rmcp
//! and serde_json; this writer is what the WebAssembly module and the stdio fast path use,
//! because a `serde::Serializer`, however small, instantiates every type's `serialize` against
//! it through serde's generic state machine (about 30 KB of the module), and a test holds the
//! two writers to the same text on every result.
//!
//! There are no floats in the contract, so there is no float formatting here.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use piapi_billing_derive::ToJson;

use super::scan::plain_run_end;
use crate::money::{Dec, Usd};
use crate::text::Text;

/// A value with JSON text: appends it to `out`.
pub trait ToJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

/// Appends text that is already JSON. Not inlined: the generated writers call it once per
/// field with a constant, and one call is smaller than an inlined `extend_from_slice`.
#[inline(never)]
pub fn raw(out: &mut Vec<u8>, json: &[u8]) {
    out.extend_from_slice(json);
}

/// Appends an object key (`"name":`, given with its quotes and colon), preceded by a comma
/// unless it is the object's first; for objects whose first fields may be left out.
#[inline(never)]
pub fn key(out: &mut Vec<u8>, first: &mut bool, json: &[u8]) {
    if !std::mem::take(first) {
        out.push(b',');
    }
    out.extend_from_slice(json);
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
        raw(&mut self.out, json.as_bytes());
    }

    /// Appends `value`'s JSON text.
    pub fn write<T: ToJson + ?Sized>(&mut self, value: &T) {
        value.write_json(&mut self.out);
    }

    pub fn into_string(self) -> String {
        // Never the empty fallback: see the type's docs.
        String::from_utf8(self.out).unwrap_or_default()
    }
}

/// `value`'s JSON text.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut out = JsonWriter::with_capacity(256);
    out.write(value);
    out.into_string()
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

impl ToJson for bool {
    fn write_json(&self, out: &mut Vec<u8>) {
        raw(out, if *self { b"true" } else { b"false" });
    }
}

impl ToJson for u64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_u64(out, *self);
    }
}

impl ToJson for usize {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_u64(out, *self as u64);
    }
}

impl ToJson for i64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        if *self < 0 {
            out.push(b'-');
        }
        write_u64(out, self.unsigned_abs());
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

impl ToJson for Text {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

/// Amounts are decimal strings: digits, a point and a sign, which need no escaping.
impl ToJson for Usd {
    fn write_json(&self, out: &mut Vec<u8>) {
        quoted_ascii(out, self.text().as_str());
    }
}

impl ToJson for Dec {
    fn write_json(&self, out: &mut Vec<u8>) {
        quoted_ascii(out, self.text().as_str());
    }
}

fn quoted_ascii(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut Vec<u8>) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.write_json(out),
            None => raw(out, b"null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write_json(out);
        }
        out.push(b']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        self.as_slice().write_json(out);
    }
}

impl<V: ToJson> ToJson for BTreeMap<String, V> {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_object(
            out,
            self.iter().map(|(k, v)| (k.as_str(), v as &dyn ToJson)),
        );
    }
}

impl ToJson for Map<String, Value> {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_object(
            out,
            self.iter().map(|(k, v)| (k.as_str(), v as &dyn ToJson)),
        );
    }
}

fn write_object<'a>(out: &mut Vec<u8>, entries: impl Iterator<Item = (&'a str, &'a dyn ToJson)>) {
    out.push(b'{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        v.write_json(out);
    }
    out.push(b'}');
}

/// Numbers keep their digits (serde_json's `arbitrary_precision`): they were read from valid
/// JSON number text, so they are written bare.
impl ToJson for Value {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => raw(out, b"null"),
            Value::Bool(b) => b.write_json(out),
            Value::Number(n) => raw(out, n.as_str().as_bytes()),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => items.write_json(out),
            Value::Object(map) => map.write_json(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use piapi_billing::{Billing, EstimateArgs, ListPricesArgs, QuoteTopUpArgs};
    use serde::Serialize;
    use serde_json::{Value, json};

    use super::*;

    /// The writer's text is the text serde_json writes, byte for byte.
    fn same_as_serde_json<T: ToJson + Serialize + ?Sized>(value: &T) {
        assert_eq!(to_string(value), serde_json::to_string(value).unwrap());
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
            to_string(&v),
            r#"{"a":0.30000000000000004,"b":[1e-7,-3],"c":null}"#
        );
        let mut map = BTreeMap::new();
        map.insert("k\"ey".to_string(), vec![Some(true), None]);
        same_as_serde_json(&map);
        same_as_serde_json(&json!({"nested": {"empty": {}, "list": []}, "s": "x\u{1}"}));
        for d in [
            "0",
            "-0.50",
            "2.000",
            "0.0000001",
            "79228162514264337593543950335",
        ] {
            let d: rust_decimal::Decimal = d.parse().unwrap();
            same_as_serde_json(&Usd(d));
            same_as_serde_json(&Dec(d));
        }
    }

    /// The derive writes what serde's derive writes from the same attributes: renamed unit
    /// variants, tagged enums, and fields left out by their condition in every position
    /// (first, middle, last, all of them).
    #[test]
    fn derived_writers_match_serde_json() {
        #[derive(Serialize, ToJson)]
        #[serde(rename_all = "kebab-case")]
        enum Unit {
            ThirdParty,
            One,
        }
        #[derive(Serialize, ToJson)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged {
            Input {
                field: String,
                #[serde(skip_serializing_if = "Option::is_none")]
                max: Option<u64>,
            },
            Frames {
                #[serde(skip_serializing_if = "Option::is_none")]
                max: Option<u64>,
            },
            One,
        }
        #[derive(Serialize, ToJson)]
        struct Gaps {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<u64>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            b: Vec<Unit>,
            #[serde(rename = "see")]
            c: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            d: Option<Text>,
            #[serde(skip)]
            _e: u64,
        }
        #[derive(Serialize, ToJson)]
        struct AllOptional {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<u64>,
        }
        #[derive(Serialize, ToJson)]
        struct Empty {}
        same_as_serde_json(&[Unit::ThirdParty, Unit::One][..]);
        same_as_serde_json(&vec![
            Tagged::Input {
                field: "duration".into(),
                max: None,
            },
            Tagged::Input {
                field: "d".into(),
                max: Some(3),
            },
            Tagged::Frames { max: None },
            Tagged::Frames { max: Some(1) },
            Tagged::One,
        ]);
        for (a, b, d) in [
            (None, vec![], None),
            (Some(1), vec![Unit::One], Some("x".into())),
        ] {
            same_as_serde_json(&Gaps {
                a,
                b,
                c: true,
                d,
                _e: 9,
            });
        }
        same_as_serde_json(&Gaps {
            a: None,
            b: vec![Unit::One],
            c: false,
            d: None,
            _e: 0,
        });
        for (a, b) in [
            (None, None),
            (Some(1), None),
            (None, Some(2)),
            (Some(1), Some(2)),
        ] {
            same_as_serde_json(&AllOptional { a, b });
        }
        same_as_serde_json(&Empty {});
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
