//! Where a figure comes from, how sure we are of it, when it was last confirmed, and how PiAPI
//! takes the money it names.

use schemars::JsonSchema;
use serde::Serialize;

use crate::compact::Compact;
use crate::json::FromJson;
use crate::money::Usd;

/// How sure we are of a figure. `conflicting` marks a price PiAPI's own pages disagree on (the
/// estimate then spans every published figure); `overlay` a price the user supplied.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    JsonSchema,
    FromJson,
    Compact,
)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Official,
    Conflicting,
    Derived,
    Proxy,
    ThirdParty,
    Assumed,
    Overlay,
}

/// One published source of a row's price.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub url: String,
    /// The price of one unit of the row as this source gives it, in USD; null when the source
    /// gives no price (only a selector or a rule).
    pub figure: Option<Usd>,
    /// The date the source shows (a page's date, an example's `created_at`), `YYYY-MM-DD`;
    /// null when undated.
    #[serde(default)]
    pub seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// When PiAPI takes a task's money.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, JsonSchema, FromJson, Compact,
)]
#[serde(rename_all = "snake_case")]
pub enum Charge {
    /// The whole price is consumed when the task is created; nothing is frozen (PiAPI's
    /// `usage.type` "llm"). A submission needs the full price available now.
    AtCreation,
    /// Credits are frozen while the task runs and the price is consumed on completion
    /// (`usage.type` "point"); a failed task's freeze is returned. A submission needs the larger
    /// of the freeze and the price available.
    #[default]
    OnCompletion,
}

/// A `YYYY-MM-DD` date as days since 1970-01-01, when the text is one (proleptic Gregorian).
pub fn days_from_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (y, m, d) = (num(&text[..4])?, num(&text[5..7])?, num(&text[8..])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_and_refuse_what_is_not_a_date() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2026-11-29"), Some(20_786));
        assert_eq!(
            days_from_date("2026-12-01").unwrap() - days_from_date("2026-11-29").unwrap(),
            2
        );
        assert_eq!(
            days_from_date("2024-02-29").unwrap() - days_from_date("2024-02-28").unwrap(),
            1
        );
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-11-29",
            "2026/11/29",
            "",
            "2026-11-29x",
        ] {
            assert_eq!(days_from_date(bad), None, "{bad}");
        }
    }
}
