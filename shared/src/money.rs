//! Exact money and quantity types.
//!
//! Every amount is a `rust_decimal::Decimal`. JSON input may be a decimal string or a JSON
//! number; numbers are read from their digits (serde_json's `arbitrary_precision`), never
//! through `f64`, so `0.1 + 0.2` is `0.3` here. Output is always a decimal string, because a
//! JSON number would be re-read as a binary float by most consumers.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// PiAPI reports usage in points: 1 USD = 10,000,000 points (facts §1).
pub const POINTS_PER_USD: u64 = 10_000_000;

/// The largest integer a JavaScript consumer reads exactly (2^53 − 1). Points above it would be
/// silently rounded by `JSON.parse`, so the core refuses to produce them.
pub const MAX_SAFE_POINTS: u64 = 9_007_199_254_740_991;

/// The key serde_json uses to hand an `arbitrary_precision` number to a visitor.
const SERDE_JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Parses a decimal from its text, exactly.
///
/// Accepted: what JSON writes for a number and what people type for one — an optional sign, digits
/// with an optional fraction (`"12.50"`, `".5"`, `"5."`, leading zeros), and an optional exponent
/// (`"1e3"`, `"2.5E-2"`). Refused: anything else, such as `_` digit separators, spaces, commas
/// or an empty string (rust_decimal's own parser would take `"1_000"` as 1000), and any number
/// a `Decimal` cannot hold exactly (more than 28 significant digits or decimal places): it is
/// never rounded. Trailing zeros of the fraction do not count against those limits.
///
/// The digits are read here rather than by rust_decimal's `from_str_exact` and
/// `from_scientific`: those are two parsers (the second rounding its base through a third),
/// each instantiated for several digit-count cases, some 14 KB of the WebAssembly module for
/// what is a loop over validated ASCII digits. A property test holds this to
/// rust_decimal's `from_str_exact` on every number both accept.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let not_a_number = || format!("\"{text}\" is not a decimal number");
    let (mantissa, exponent) = split_number(text).ok_or_else(not_a_number)?;
    let out_of_range = || too_precise(text, trim_fraction_zeros(mantissa));
    let exponent: i32 = match exponent {
        None => 0,
        // An exponent beyond `i32` is far beyond any `Decimal`.
        Some(e) => e.parse().map_err(|_| out_of_range())?,
    };
    let negative = mantissa.starts_with('-');
    let digits = mantissa.trim_start_matches(['+', '-']);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    exact(negative, int, frac, exponent).ok_or_else(out_of_range)
}

/// `±int.frac × 10^exponent` as a `Decimal`, with the scale the text gives it or, when that
/// does not fit, without the fraction's trailing zeros; `None` when it cannot be held exactly.
fn exact(negative: bool, int: &str, frac: &str, exponent: i32) -> Option<Decimal> {
    let with = |frac: &str| {
        let scale = i64::try_from(frac.len()).ok()? - i64::from(exponent);
        build(negative, int.bytes().chain(frac.bytes()), scale)
    };
    with(frac).or_else(|| with(frac.trim_end_matches('0')))
}

/// The decimal with these digits and this scale, when it fits: at most 96 bits of mantissa
/// and 28 decimal places.
fn build(negative: bool, digits: impl Iterator<Item = u8>, mut scale: i64) -> Option<Decimal> {
    let mut m: u128 = 0;
    for b in digits {
        m = m.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
    }
    while scale < 0 && m != 0 {
        m = m.checked_mul(10)?;
        scale += 1;
    }
    let scale = u32::try_from(scale.max(0)).ok()?;
    if m >> 96 != 0 || scale > Decimal::MAX_SCALE {
        return None;
    }
    let m = i128::try_from(m).ok()?;
    Decimal::try_from_i128_with_scale(if negative { -m } else { m }, scale).ok()
}

/// The mantissa and the exponent's text of a well-formed number, or `None`.
fn split_number(text: &str) -> Option<(&str, Option<&str>)> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let digits = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    (mantissa_ok && exponent_ok).then_some((mantissa, exponent))
}

fn trim_fraction_zeros(mantissa: &str) -> &str {
    if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    }
}

/// Why a well-formed number does not fit a `Decimal`: too many significant digits, or (once
/// those fit) too many decimal places.
fn too_precise(text: &str, mantissa: &str) -> String {
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').len();
    if significant > 28 {
        format!("\"{text}\" has more than the 28 significant digits a decimal number can hold")
    } else {
        format!("\"{text}\" is out of range: at most 28 decimal places and 28 significant digits")
    }
}

/// Serde visitor that accepts a decimal string, an integer, or an `arbitrary_precision` JSON
/// number, and refuses binary floats.
struct ExactDecimalVisitor;

impl<'de> Visitor<'de> for ExactDecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number as a string (\"12.50\") or a JSON number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Decimal, E> {
        Decimal::from_str(&v.to_string()).map_err(|_| E::custom("number out of range"))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Decimal, E> {
        Decimal::from_str(&v.to_string()).map_err(|_| E::custom("number out of range"))
    }

    /// serde_json (with `arbitrary_precision`) hands a number over as `f64` only when the
    /// float's shortest decimal form is exactly the JSON text, so printing it back (Rust prints
    /// the shortest round-trip form) recovers the caller's digits; every other number arrives
    /// as text through `visit_map`. The value is never computed with.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("money must be a finite decimal number"));
        }
        parse_decimal(&v.to_string()).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == SERDE_JSON_NUMBER_TOKEN => {
                let digits: String = map.next_value()?;
                parse_decimal(&digits).map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

fn deserialize_exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(ExactDecimalVisitor)
}

/// The value as an `i64` when it is a whole number in range.
pub fn integer(v: Decimal) -> Option<i64> {
    if v.fract().is_zero() {
        v.to_i64()
    } else {
        None
    }
}

/// The value as a `u64` when it is a whole, non-negative number.
pub fn whole(v: Decimal) -> Option<u64> {
    if v.fract().is_zero() && !v.is_sign_negative() {
        v.to_u64()
    } else {
        None
    }
}

/// Builds the schema shared by every decimal input: a string or a number.
fn decimal_input_schema(description: &str) -> Schema {
    json_schema!({
        "type": ["string", "number"],
        "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
        "description": description,
    })
}

macro_rules! decimal_newtype {
    ($(#[$meta:meta])* $name:ident, $min_scale:literal, $schema_desc:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Decimal);

        impl $name {
            pub const ZERO: Self = Self(Decimal::ZERO);

            pub fn get(self) -> Decimal {
                self.0
            }

            /// The amount's text, as it is written in results.
            pub(crate) fn text(self) -> DecimalText {
                DecimalText::new(self.0, $min_scale)
            }
        }

        impl From<Decimal> for $name {
            fn from(d: Decimal) -> Self {
                Self(d)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.pad(DecimalText::new(self.0, $min_scale).as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(DecimalText::new(self.0, $min_scale).as_str())
            }
        }

        /// Serde's path (the ledger's records) reads the same digits as the core's reader.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                deserialize_exact(d).map(Self)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                decimal_input_schema($schema_desc)
            }

            fn inline_schema() -> bool {
                true
            }
        }
    };
}

decimal_newtype!(
    /// An amount of US dollars. Printed with at least two decimals ("2.00", "0.0015").
    Usd,
    2,
    "US dollars as a decimal string, e.g. \"12.50\" (a JSON number is accepted on input)"
);

decimal_newtype!(
    /// A quantity or a percentage, printed without trailing zeros ("10", "2.5").
    Dec,
    0,
    "an exact decimal as a string, e.g. \"10\" or \"2.5\" (a JSON number is accepted on input)"
);

/// Formats dollars: trailing zeros trimmed, but never fewer than two decimals.
pub fn format_usd(d: Decimal) -> String {
    DecimalText::new(d, 2).as_str().to_owned()
}

/// Formats a plain decimal with no trailing zeros.
pub fn format_plain(d: Decimal) -> String {
    DecimalText::new(d, 0).as_str().to_owned()
}

/// A decimal's text with trailing zeros trimmed but at least `min_scale` decimals, as
/// rust_decimal prints the value normalized and then rescaled to `min_scale` (`-0` prints as
/// `0`), formatted from the mantissa into a fixed buffer.
///
/// Every amount of every result goes through here. rust_decimal's way (normalize, rescale,
/// then `Display` through `core::fmt`) costs about 700 instructions an amount; a 1,000-line
/// estimate writes some 5,000 of them.
pub(crate) struct DecimalText {
    /// A 96-bit mantissa has at most 29 digits; with a sign, a point, a leading zero and up
    /// to 28 decimals of padding, 64 bytes always suffice.
    buf: [u8; 64],
    start: usize,
}

impl DecimalText {
    fn new(d: Decimal, min_scale: u32) -> Self {
        let mut mantissa = d.mantissa().unsigned_abs();
        let mut scale = d.scale();
        while scale > min_scale && ends_in_zero(mantissa) {
            last_digit(&mut mantissa);
            scale -= 1;
        }
        let mut text = DecimalText {
            buf: [b'0'; 64],
            start: 64,
        };
        // Digits from the right: zeros up to `min_scale` decimals, the mantissa's decimals,
        // the point, then the integer part.
        let decimals = scale.max(min_scale);
        for _ in scale..decimals {
            text.push(b'0');
        }
        for _ in 0..scale {
            text.push(last_digit(&mut mantissa));
        }
        if decimals > 0 {
            text.push(b'.');
        }
        loop {
            text.push(last_digit(&mut mantissa));
            if mantissa == 0 {
                break;
            }
        }
        if d.is_sign_negative() && !d.is_zero() {
            text.push(b'-');
        }
        text
    }

    fn push(&mut self, byte: u8) {
        // At most 29 digits, 28 zeros of padding, a point and a sign are pushed.
        if let Some(start) = self.start.checked_sub(1) {
            self.start = start;
            self.buf[start] = byte;
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, '.' and '-' are written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }
}

fn ends_in_zero(n: u128) -> bool {
    match u64::try_from(n) {
        Ok(small) => small.is_multiple_of(10),
        Err(_) => n.is_multiple_of(10),
    }
}

/// Takes the last decimal digit off `n`, in 64-bit arithmetic whenever `n` fits.
fn last_digit(n: &mut u128) -> u8 {
    let digit = match u64::try_from(*n) {
        Ok(small) => {
            *n = u128::from(small / 10);
            small % 10
        }
        Err(_) => {
            let digit = *n % 10;
            *n /= 10;
            digit as u64
        }
    };
    b'0' + digit as u8
}

/// Converts dollars to PiAPI points, refusing fractions of a point and values a JavaScript
/// consumer could not read exactly.
pub fn usd_to_points(usd: Decimal) -> Option<u64> {
    if usd.is_sign_negative() {
        return None;
    }
    // Integer arithmetic on the mantissa: every estimate line is checked, and decimal
    // multiplication with a fraction test was a sixth of pricing a line.
    let mantissa = u128::try_from(usd.mantissa()).ok()?;
    let scale = usd.scale();
    let points = if scale <= 7 {
        mantissa.checked_mul(10u128.pow(7 - scale))?
    } else {
        let finer = 10u128.pow(scale - 7);
        if mantissa % finer != 0 {
            return None;
        }
        mantissa / finer
    };
    u64::try_from(points).ok().filter(|&p| p <= MAX_SAFE_POINTS)
}

/// Converts PiAPI points to dollars exactly.
pub fn points_to_usd(points: i64) -> Decimal {
    Decimal::from(points) / Decimal::from(POINTS_PER_USD)
}

/// True when `d` is a whole multiple of one point (at most seven decimals of a dollar).
pub fn is_point_exact(d: Decimal) -> bool {
    d.normalize().scale() <= 7
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rust_decimal's own parsers as `parse_decimal` used them before it read digits itself:
    /// exact without an exponent, `from_scientific` (whose base is rounded) with one, and the
    /// same again without the fraction's trailing zeros.
    fn by_rust_decimal(text: &str) -> Option<Decimal> {
        let (mantissa, exponent) = split_number(text)?;
        let parse = |m: &str| match exponent {
            None => Decimal::from_str_exact(m).ok(),
            Some(e) => Decimal::from_scientific(&format!("{m}e{e}")).ok(),
        };
        parse(mantissa).or_else(|| parse(trim_fraction_zeros(mantissa)))
    }

    /// Whether `int.frac × 10^exponent` has at most 28 decimal places and a mantissa below
    /// 2^96 once its zeros are trimmed: what a `Decimal` holds exactly.
    fn fits_exactly(int: &str, frac: &str, exponent: &Option<(String, String, u32)>) -> bool {
        let e = exponent.as_ref().map_or(0, |(_, s, n)| {
            if s == "-" {
                -i64::from(*n)
            } else {
                i64::from(*n)
            }
        });
        let all = format!("{int}{frac}");
        let digits = all.trim_start_matches('0');
        let trimmed = digits.trim_end_matches('0');
        let scale = frac.len() as i64 - e - (digits.len() - trimmed.len()) as i64;
        let shift = (-scale).max(0) as usize;
        let mantissa = format!("{trimmed}{}", "0".repeat(shift));
        trimmed.is_empty()
            || (scale <= 28 && mantissa.len() <= 38 && mantissa.parse::<u128>().unwrap() >> 96 == 0)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Every number rust_decimal read exactly reads to the same value; what it rounded
        /// (more than 28 significant digits) is refused, never rounded.
        #[test]
        fn digits_read_as_rust_decimal_reads_them(
            sign in "[+-]?",
            int in "0{0,3}[0-9]{0,31}",
            frac in proptest::option::of("[0-9]{0,33}0{0,4}"),
            exponent in proptest::option::of(("[eE]", "[+-]?", 0u32..45)),
        ) {
            let mut text = format!("{sign}{int}");
            if let Some(f) = &frac {
                text.push('.');
                text.push_str(f);
            }
            if let Some((e, s, n)) = &exponent {
                text.push_str(&format!("{e}{s}{n}"));
            }
            let ours = parse_decimal(&text);
            match (by_rust_decimal(&text), &ours) {
                (Some(want), Ok(got)) => {
                    // With an exponent rust_decimal rounded a base it could not hold (then
                    // scaled the rounded value); the exact value is ours.
                    let base_rounded =
                        exponent.is_some() && !fits_exactly(&int, frac.as_deref().unwrap_or(""), &None);
                    if !base_rounded {
                        proptest::prop_assert_eq!(*got, want, "{}", text);
                    }
                }
                (None, Ok(got)) => {
                    // rust_decimal refused it: only exact values beyond its exponent limit
                    // (a zero, or digits that a large exponent still fits) are ours to take.
                    proptest::prop_assert!(exponent.is_some(), "{} read as {}", text, got);
                }
                (Some(rounded), Err(_)) => {
                    proptest::prop_assert!(
                        !fits_exactly(&int, frac.as_deref().unwrap_or(""), &exponent),
                        "{} refused, rust_decimal read {}",
                        text,
                        rounded
                    );
                }
                (None, Err(_)) => {}
            }
        }
    }

    /// What JSON and people write for a number is read exactly; digit separators and other
    /// garbage are refused, not read as something else.
    #[test]
    fn decimal_text_is_what_json_and_people_write() {
        for (text, value) in [
            ("12.50", "12.50"),
            ("-3", "-3"),
            ("+10", "10"),
            (".5", "0.5"),
            ("5.", "5"),
            ("00001", "1"),
            ("1e3", "1000"),
            ("2.5E-2", "0.025"),
            ("1.000000000000000000000000000000", "1"),
        ] {
            let got = parse_decimal(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got, value.parse::<Decimal>().unwrap(), "{text}");
        }
        for bad in [
            "1_000", "1_", "1__0", "1_0.5_0", "", " 1", "1 ", "1,000", "1.2.3", "e3", "1e", "--1",
            ".", "0x10", "1e+",
        ] {
            let err = parse_decimal(bad).expect_err(bad);
            assert_eq!(err, format!("\"{bad}\" is not a decimal number"), "{bad}");
        }
    }

    /// The message names the limit the number really exceeds.
    #[test]
    fn an_out_of_range_number_says_which_limit() {
        let digits = parse_decimal("1234567890123456789012345678901").unwrap_err();
        assert!(
            digits.contains("more than the 28 significant digits"),
            "{digits}"
        );
        let places = parse_decimal("0.00000000000000000000000000000001").unwrap_err();
        assert!(places.contains("at most 28 decimal places"), "{places}");
    }

    /// rust_decimal's own printing of the normalized value, padded with zeros to
    /// `min_scale` decimals: what `DecimalText` must print. (Padding the text rather than
    /// rescaling also covers values too large to rescale, which still get their decimals.)
    fn printed_by_rust_decimal(d: Decimal, min_scale: u32) -> String {
        let mut text = d.normalize().to_string();
        let decimals = text
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        if decimals < min_scale as usize {
            if decimals == 0 {
                text.push('.');
            }
            text.extend(std::iter::repeat_n('0', min_scale as usize - decimals));
        }
        text
    }

    #[test]
    fn amounts_print_as_rust_decimal_prints_them() {
        let mut samples = vec![
            Decimal::ZERO,
            Decimal::NEGATIVE_ONE,
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(-0, 5),
            Decimal::from_parts(0, 0, 0, true, 3),
            Decimal::new(5, 1),
            Decimal::new(1, 28),
            Decimal::new(-1234500, 4),
            Decimal::new(120000, 0),
            Decimal::from_parts(u32::MAX, u32::MAX, u32::MAX, false, 28),
            Decimal::from_parts(0, 0, 1, false, 10),
        ];
        // A deterministic spread of mantissas (small, 64-bit, 96-bit) over every scale.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for scale in 0..=28 {
            for _ in 0..40 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let (lo, mid, hi) = (x as u32, (x >> 32) as u32, (x >> 7) as u32);
                let zeros = 10u64.pow((x % 6) as u32);
                samples.push(Decimal::new((x % 100_000) as i64 * zeros as i64, scale));
                samples.push(Decimal::from_parts(lo, mid, 0, x & 1 == 1, scale));
                samples.push(Decimal::from_parts(lo, mid, hi, x & 2 == 2, scale));
            }
        }
        for d in samples {
            for min_scale in [0, 2] {
                assert_eq!(
                    DecimalText::new(d, min_scale).as_str(),
                    printed_by_rust_decimal(d, min_scale),
                    "{d:?} with at least {min_scale} decimals"
                );
            }
            assert_eq!(Usd(d).to_string(), printed_by_rust_decimal(d, 2));
            assert_eq!(Dec(d).to_string(), printed_by_rust_decimal(d, 0));
        }
    }

    fn usd(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_serialize_as_they_display_at_every_size() {
        for d in [
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::ZERO,
            usd("0.28"),
        ] {
            for (json, shown) in [
                (serde_json::to_string(&Usd(d)), Usd(d).to_string()),
                (serde_json::to_string(&Dec(d)), Dec(d).to_string()),
            ] {
                assert_eq!(json.unwrap(), format!("\"{shown}\""));
            }
        }
        assert_eq!(Usd(usd("2")).to_string(), "2.00");
    }

    #[test]
    fn usd_formatting_keeps_cents_and_trims_the_rest() {
        assert_eq!(format_usd(usd("2")), "2.00");
        assert_eq!(format_usd(usd("2.000")), "2.00");
        assert_eq!(format_usd(usd("0.0060")), "0.006");
        assert_eq!(format_usd(usd("0.00005")), "0.00005");
        assert_eq!(format_plain(usd("10.00")), "10");
    }

    #[test]
    fn points_are_exact_and_bounded() {
        assert_eq!(usd_to_points(usd("0.45")), Some(4_500_000));
        assert_eq!(usd_to_points(usd("0.00005")), Some(500));
        assert_eq!(usd_to_points(usd("0.000000001")), None);
        // Trailing zeros past the seventh decimal do not make a fraction of a point.
        assert_eq!(usd_to_points(usd("0.100000000")), Some(1_000_000));
        assert_eq!(usd_to_points(usd("0.00000010")), Some(1));
        assert_eq!(usd_to_points(usd("0.00000011")), None);
        assert_eq!(usd_to_points(Decimal::MAX), None);
        assert_eq!(usd_to_points(usd("-1")), None);
        assert_eq!(
            usd_to_points(usd("900719925.4740991")),
            Some(MAX_SAFE_POINTS)
        );
        assert_eq!(usd_to_points(usd("900719925.4740992")), None);
        assert_eq!(points_to_usd(2_800_000), usd("0.28"));
    }

    #[test]
    fn json_numbers_are_read_from_their_digits() {
        let v: Usd = serde_json::from_str("0.1").unwrap();
        let w: Usd = serde_json::from_str("0.2").unwrap();
        assert_eq!(v.0 + w.0, usd("0.3"));
        let big: Usd = serde_json::from_str("12345678901234567890.123456789").unwrap();
        assert_eq!(big.to_string(), "12345678901234567890.123456789");
        let s: Usd = serde_json::from_str("\"650.01\"").unwrap();
        assert_eq!(s.0, usd("650.01"));
        let e: Usd = serde_json::from_str("1e-3").unwrap();
        assert_eq!(e.0, usd("0.001"));
        // Through a `Value` (how MCP arguments arrive) the digits survive as well.
        for text in [
            "0.3",
            "7.5",
            "0.1",
            "650.01",
            "0.30000000000000004",
            "123456789.123456789",
            "1e-7",
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            let d: Usd = serde_json::from_value(v).unwrap();
            assert_eq!(d.0, parse_decimal(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn malformed_money_is_refused_with_a_reason() {
        for bad in [
            "\"12,50\"",
            "\"\"",
            "\" 1\"",
            "\"abc\"",
            "true",
            "null",
            "[1]",
            "{}",
        ] {
            let err = serde_json::from_str::<Usd>(bad).unwrap_err().to_string();
            assert!(!err.is_empty(), "{bad}");
        }
    }
}
