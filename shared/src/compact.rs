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
pub trait Compact: Sized {
    /// A fingerprint of the type's shape: field names, variant names, and the shapes of what
    /// they hold.
    const SHAPE: u64;
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(r: &mut Cursor) -> Result<Self, Malformed>;
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

/// A read position in bytes that live for the whole program.
pub struct Cursor {
    bytes: &'static [u8],
    pos: usize,
}

impl Cursor {
    pub fn new(bytes: &'static [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub(crate) fn fail(&self, what: &'static str) -> Malformed {
        Malformed { at: self.pos, what }
    }

    /// An unknown variant index.
    pub fn malformed(&self, _index: u64) -> Malformed {
        self.fail("unknown variant")
    }

    fn byte(&mut self) -> Result<u8, Malformed> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.fail("unexpected end"))?;
        self.pos += 1;
        Ok(b)
    }

    /// The next `n` bytes, borrowed from the program image.
    pub fn take(&mut self, n: usize) -> Result<&'static [u8], Malformed> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| self.fail("unexpected end"))?;
        let bytes: &'static [u8] = self.bytes;
        let out = &bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub fn str(&mut self) -> Result<&'static str, Malformed> {
        let n = get_len(self)?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.fail("invalid UTF-8"))
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

pub fn get_u64(r: &mut Cursor) -> Result<u64, Malformed> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = r.byte()?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(r.fail("integer too long"))
}

fn get_len(r: &mut Cursor) -> Result<usize, Malformed> {
    usize::try_from(get_u64(r)?).map_err(|_| r.fail("length too large"))
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
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        get_u64(r)
    }
}

impl Compact for bool {
    const SHAPE: u64 = fingerprint("bool", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(r.fail("invalid boolean")),
        }
    }
}

impl Compact for String {
    const SHAPE: u64 = fingerprint("str", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        r.str().map(str::to_string)
    }
}

/// Borrowed from the program image: loading copies no string.
impl Compact for Text {
    const SHAPE: u64 = fingerprint("str", &[]);
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, self);
    }
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        r.str().map(Text::from_static)
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
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        let lo = u128::from(get_u64(r)?);
        let hi = u128::from(get_u64(r)?);
        let zigzag = lo | (hi << 64);
        let m = (zigzag >> 1) as i128 ^ -((zigzag & 1) as i128);
        let scale = u32::from(r.byte()?);
        Decimal::try_from_i128_with_scale(m, scale).map_err(|_| r.fail("invalid decimal"))
    }
}

macro_rules! decimal_newtype {
    ($($ty:ident),*) => {$(
        impl Compact for $ty {
            const SHAPE: u64 = <Decimal as Compact>::SHAPE;
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out);
            }
            fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
                Decimal::decode(r).map($ty)
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
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            _ => Err(r.fail("invalid option")),
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
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        let n = get_len(r)?;
        // Every item takes at least one byte: a damaged length cannot reserve a huge vector.
        let mut items = Vec::with_capacity(n.min(r.bytes.len() - r.pos));
        for _ in 0..n {
            items.push(T::decode(r)?);
        }
        Ok(items)
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
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        let n = get_len(r)?;
        let mut map = BTreeMap::new();
        for _ in 0..n {
            let k = r.str()?.to_string();
            map.insert(k, Value::decode(r)?);
        }
        Ok(map)
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
    fn decode(r: &mut Cursor) -> Result<Self, Malformed> {
        Ok(match r.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => {
                let text = r.str()?;
                Value::Number(
                    text.parse::<Number>()
                        .map_err(|_| r.fail("invalid number"))?,
                )
            }
            4 => Value::String(r.str()?.to_string()),
            5 => Value::Array(Vec::decode(r)?),
            6 => {
                let n = get_len(r)?;
                let mut map = Map::new();
                for _ in 0..n {
                    let k = r.str()?.to_string();
                    map.insert(k, Value::decode(r)?);
                }
                Value::Object(map)
            }
            _ => return Err(r.fail("invalid JSON value tag")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Compact + PartialEq + std::fmt::Debug>(v: T) {
        let mut out = Vec::new();
        v.encode(&mut out);
        let bytes: &'static [u8] = Box::leak(out.into_boxed_slice());
        let mut r = Cursor::new(bytes);
        assert_eq!(T::decode(&mut r).unwrap(), v);
        assert!(r.is_empty());
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
            round_trip(d);
            let mut out = Vec::new();
            d.encode(&mut out);
            let back =
                Decimal::decode(&mut Cursor::new(Box::leak(out.into_boxed_slice()))).unwrap();
            assert_eq!(back.to_string(), d.to_string(), "scale kept for {text}");
        }
    }

    #[test]
    fn json_values_keep_their_digits() {
        let v: Value = serde_json::from_str(r#"{"a":[1,"x",null,true,1.50,{"b":false}]}"#).unwrap();
        round_trip(v.clone());
        let mut out = Vec::new();
        v.encode(&mut out);
        let back = Value::decode(&mut Cursor::new(Box::leak(out.into_boxed_slice()))).unwrap();
        assert_eq!(back.to_string(), v.to_string());
    }

    #[test]
    fn truncated_bytes_are_refused_not_misread() {
        let mut out = Vec::new();
        vec!["abc".to_string(), "de".to_string()].encode(&mut out);
        for cut in 0..out.len() {
            let bytes: &'static [u8] = Box::leak(out[..cut].to_vec().into_boxed_slice());
            assert!(
                Vec::<String>::decode(&mut Cursor::new(bytes)).is_err(),
                "cut at {cut}"
            );
        }
    }
}
