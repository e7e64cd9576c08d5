//! The compact binary form the built-in catalog is compiled into.
//!
//! The catalog's JSON file is the source of truth; a test turns it into this form
//! (`catalog/builtin.bin`, checked for freshness like generated code) so that loading the
//! built-in catalog is a straight walk over bytes: no JSON to lex, strings borrowed from the
//! program image, decimals rebuilt from their mantissa. It is the same on every target, so
//! the server and the WebAssembly module load the catalog the same way.
//!
//! The form carries no field names: it is only read by a build of the same types that wrote
//! it, and [`Compact::SHAPE`], a fingerprint of every field name and variant reachable from the
//! root type, refuses a blob written for other types instead of misreading it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};

use crate::money::{Dec, Usd};
use crate::text::Text;

pub use piapi_billing_derive::Compact;

/// A type with a compact binary form.
///
/// Decoding is total: a malformed or truncated input makes the [`Cursor`] record its first
/// error and every later read yield an empty value, and the caller asks the cursor once at
/// the end ([`Cursor::finish`], [`decode_all`]). Decoders are so straight lines of field
/// reads with no early return to drop what was decoded before, which, derived for every
/// catalog type, made up most of their code in the WebAssembly module.
pub trait Compact: Sized {
    /// A fingerprint of the type's shape: field names, variant names, and the shapes of what
    /// they hold.
    const SHAPE: u64;
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(r: &mut Cursor) -> Self;
}

/// Decodes the whole of `bytes` as a `T`.
pub fn decode_all<T: Compact>(bytes: &'static [u8]) -> Result<T, Malformed> {
    let mut r = Cursor::new(bytes);
    let value = T::decode(&mut r);
    r.finish().map(|()| value)
}

/// Bytes that are not the compact form of the expected type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub at: usize,
    pub what: &'static str,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// A read position in bytes that live for the whole program, and the first error met.
pub struct Cursor {
    bytes: &'static [u8],
    pos: usize,
    error: Option<Malformed>,
}

impl Cursor {
    pub fn new(bytes: &'static [u8]) -> Self {
        Cursor {
            bytes,
            pos: 0,
            error: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The first error met, if any; otherwise whether every byte was read.
    pub fn finish(self) -> Result<(), Malformed> {
        match self.error {
            Some(e) => Err(e),
            None if !self.is_empty() => Err(Malformed {
                at: self.pos,
                what: "trailing bytes",
            }),
            None => Ok(()),
        }
    }

    /// Records `what` (unless an error came first) and skips to the end, so that every later
    /// read yields an empty value at once.
    #[cold]
    pub fn fail(&mut self, what: &'static str) {
        if self.error.is_none() {
            self.error = Some(Malformed { at: self.pos, what });
        }
        self.pos = self.bytes.len();
    }

    fn byte(&mut self) -> u8 {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => {
                self.fail("unexpected end");
                0
            }
        }
    }

    /// The next `n` bytes, borrowed from the program image (none after an error).
    pub fn take(&mut self, n: usize) -> &'static [u8] {
        let bytes: &'static [u8] = self.bytes;
        match self.pos.checked_add(n).filter(|&e| e <= bytes.len()) {
            Some(end) => {
                let out = &bytes[self.pos..end];
                self.pos = end;
                out
            }
            None => {
                self.fail("unexpected end");
                &[]
            }
        }
    }

    /// A length-prefixed UTF-8 string, borrowed from the program image.
    pub fn str(&mut self) -> &'static str {
        let n = get_len(self);
        let bytes = self.take(n);
        std::str::from_utf8(bytes).unwrap_or_else(|_| {
            self.fail("invalid UTF-8");
            ""
        })
    }
}

/// FNV-1a of a shape's description and its parts' fingerprints, at compile time.
pub const fn fingerprint(text: &str, parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    let mut j = 0;
    while j < parts.len() {
        h = (h ^ parts[j]).wrapping_mul(0x0100_0000_01b3);
        j += 1;
    }
    h
}

/// LEB128.
pub fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn get_u64(r: &mut Cursor) -> u64 {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = r.byte();
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return v;
        }
    }
    r.fail("integer too long");
    0
}

/// A length or a count.
pub fn get_len(r: &mut Cursor) -> usize {
    let v = get_u64(r);
    usize::try_from(v).unwrap_or_else(|_| {
        r.fail("length too large");
        0
    })
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

impl Compact for u64 {
    const SHAPE: u64 = fingerprint("u64", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_u64(out, *self);
    }
    fn decode(r: &mut Cursor) -> Self {
        get_u64(r)
    }
}

impl Compact for bool {
    const SHAPE: u64 = fingerprint("bool", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Cursor) -> Self {
        match r.byte() {
            0 => false,
            1 => true,
            _ => {
                r.fail("invalid boolean");
                false
            }
        }
    }
}

impl Compact for String {
    const SHAPE: u64 = fingerprint("str", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }
    fn decode(r: &mut Cursor) -> Self {
        r.str().to_string()
    }
}

/// Borrowed from the program image: loading copies no string.
impl Compact for Text {
    const SHAPE: u64 = fingerprint("str", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }
    fn decode(r: &mut Cursor) -> Self {
        Text::from_static(r.str())
    }
}

/// The 96-bit mantissa (zig-zag, LEB128) and the scale.
impl Compact for Decimal {
    const SHAPE: u64 = fingerprint("decimal", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        let m = self.mantissa();
        let zigzag = ((m << 1) ^ (m >> 127)) as u128;
        put_u64(out, zigzag as u64);
        put_u64(out, (zigzag >> 64) as u64);
        out.push(self.scale() as u8);
    }
    fn decode(r: &mut Cursor) -> Self {
        let lo = u128::from(get_u64(r));
        let hi = u128::from(get_u64(r));
        let zigzag = lo | (hi << 64);
        let m = (zigzag >> 1) as i128 ^ -((zigzag & 1) as i128);
        let scale = u32::from(r.byte());
        Decimal::try_from_i128_with_scale(m, scale).unwrap_or_else(|_| {
            r.fail("invalid decimal");
            Decimal::ZERO
        })
    }
}

macro_rules! decimal_newtype {
    ($($ty:ident),*) => {$(
        impl Compact for $ty {
            const SHAPE: u64 = <Decimal as Compact>::SHAPE;
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out);
            }
            fn decode(r: &mut Cursor) -> Self {
                $ty(Decimal::decode(r))
            }
        }
    )*};
}
decimal_newtype!(Usd, Dec);

impl<T: Compact> Compact for Option<T> {
    const SHAPE: u64 = fingerprint("option", &[T::SHAPE]);
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(r: &mut Cursor) -> Self {
        match r.byte() {
            0 => None,
            1 => Some(T::decode(r)),
            _ => {
                r.fail("invalid option");
                None
            }
        }
    }
}

impl<T: Compact> Compact for Vec<T> {
    const SHAPE: u64 = fingerprint("vec", &[T::SHAPE]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_u64(out, self.len() as u64);
        for v in self {
            v.encode(out);
        }
    }
    fn decode(r: &mut Cursor) -> Self {
        let n = get_len(r);
        // Every item takes at least one byte: a damaged length cannot reserve a huge vector,
        // nor (the cursor at its end after an error) loop long.
        let mut items = Vec::with_capacity(n.min(r.bytes.len() - r.pos));
        for _ in 0..n {
            if r.is_empty() && r.error.is_some() {
                break;
            }
            items.push(T::decode(r));
        }
        items
    }
}

impl Compact for BTreeMap<String, Value> {
    const SHAPE: u64 = fingerprint("map", &[<Value as Compact>::SHAPE]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_u64(out, self.len() as u64);
        for (k, v) in self {
            put_str(out, k);
            v.encode(out);
        }
    }
    fn decode(r: &mut Cursor) -> Self {
        let n = get_len(r);
        let mut map = BTreeMap::new();
        for _ in 0..n {
            if r.error.is_some() {
                break;
            }
            let k = r.str().to_string();
            map.insert(k, Value::decode(r));
        }
        map
    }
}

/// Any JSON value; numbers keep their digits (serde_json's `arbitrary_precision`).
impl Compact for Value {
    const SHAPE: u64 = fingerprint("json", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(0),
            Value::Bool(b) => out.push(1 + u8::from(*b)),
            Value::Number(n) => {
                out.push(3);
                put_str(out, n.as_str());
            }
            Value::String(s) => {
                out.push(4);
                put_str(out, s);
            }
            Value::Array(items) => {
                out.push(5);
                put_u64(out, items.len() as u64);
                items.iter().for_each(|v| v.encode(out));
            }
            Value::Object(map) => {
                out.push(6);
                put_u64(out, map.len() as u64);
                for (k, v) in map {
                    put_str(out, k);
                    v.encode(out);
                }
            }
        }
    }
    fn decode(r: &mut Cursor) -> Self {
        match r.byte() {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => {
                let text = r.str();
                match text.parse::<Number>() {
                    Ok(n) => Value::Number(n),
                    Err(_) => {
                        r.fail("invalid number");
                        Value::Null
                    }
                }
            }
            4 => Value::String(r.str().to_string()),
            5 => Value::Array(Vec::decode(r)),
            6 => {
                let n = get_len(r);
                let mut map = Map::new();
                for _ in 0..n {
                    if r.error.is_some() {
                        break;
                    }
                    let k = r.str().to_string();
                    map.insert(k, Value::decode(r));
                }
                Value::Object(map)
            }
            _ => {
                r.fail("invalid JSON value tag");
                Value::Null
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaked(out: Vec<u8>) -> &'static [u8] {
        Box::leak(out.into_boxed_slice())
    }

    fn round_trip<T: Compact + PartialEq + std::fmt::Debug>(v: T) -> T {
        let mut out = Vec::new();
        v.encode(&mut out);
        let back: T = decode_all(leaked(out)).expect("decodes");
        assert_eq!(back, v);
        back
    }

    #[test]
    fn decimals_keep_sign_scale_and_every_mantissa_bit() {
        for text in [
            "0",
            "0.10",
            "-1.5",
            "79228162514264337593543950335",
            "-0.0000001",
            "1.000",
        ] {
            let d: Decimal = text.parse().unwrap();
            let back = round_trip(d);
            assert_eq!(back.to_string(), d.to_string(), "scale kept for {text}");
        }
    }

    #[test]
    fn json_values_keep_their_digits() {
        let v: Value = serde_json::from_str(r#"{"a":[1,"x",null,true,1.50,{"b":false}]}"#).unwrap();
        let back = round_trip(v.clone());
        assert_eq!(back.to_string(), v.to_string());
    }

    #[test]
    fn truncated_bytes_are_refused_not_misread() {
        let mut out = Vec::new();
        let v: Vec<(Option<String>, Value)> = vec![
            (Some("abc".to_string()), serde_json::json!({"k": [1, "x"]})),
            (None, Value::Bool(true)),
        ];
        for (s, j) in &v {
            s.encode(&mut out);
            j.encode(&mut out);
        }
        for cut in 0..out.len() {
            let mut r = Cursor::new(leaked(out[..cut].to_vec()));
            let _ = <Option<String>>::decode(&mut r);
            let _ = Value::decode(&mut r);
            let _ = <Option<String>>::decode(&mut r);
            let _ = Value::decode(&mut r);
            let err = r.finish().expect_err("a cut input is refused");
            assert_eq!(err.what, "unexpected end", "cut at {cut}");
        }
    }

    #[test]
    fn the_first_error_is_kept_and_later_reads_are_empty() {
        // An option tag that is neither 0 nor 1, then a string that would read fine.
        let mut out = vec![7];
        "later".to_string().encode(&mut out);
        let mut r = Cursor::new(leaked(out));
        assert_eq!(<Option<u64>>::decode(&mut r), None);
        assert_eq!(String::decode(&mut r), "");
        assert_eq!(
            r.finish(),
            Err(Malformed {
                at: 1,
                what: "invalid option"
            })
        );
        let mut out = Vec::new();
        3u64.encode(&mut out);
        out.push(9);
        assert_eq!(
            decode_all::<u64>(leaked(out)).unwrap_err().what,
            "trailing bytes"
        );
    }
}
