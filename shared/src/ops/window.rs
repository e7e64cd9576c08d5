//! Report windows: the span of account history a spend report or a reconciliation covers.
//!
//! `since` and `until` are RFC 3339 instants or spans back from now (`"7d"`). The core has no
//! clock: the caller passes "now" in, as Unix seconds, so the same arguments always resolve to
//! the same window in a test.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::error::Error;

/// The window when neither end is given: the last seven days.
pub const DEFAULT_SPAN_SECS: i64 = 7 * 86_400;

/// The longest window accepted, so a typo such as `"7000d"` or a year 1900 is refused rather
/// than walked (the chart has a bar per day).
pub const MAX_SPAN_SECS: i64 = 400 * 86_400;

/// A half-open interval of Unix seconds, `[since, until)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub since: i64,
    pub until: i64,
}

impl Window {
    /// Resolves the arguments against `now`: `until` defaults to now, `since` to
    /// `DEFAULT_SPAN_SECS` before `until`.
    pub fn resolve(since: Option<&str>, until: Option<&str>, now: i64) -> Result<Window, Error> {
        let until = match until {
            Some(text) => instant("until", text, now)?,
            None => now,
        };
        let since = match since {
            Some(text) => instant("since", text, now)?,
            None => until - DEFAULT_SPAN_SECS,
        };
        if since >= until {
            return Err(Error::invalid(
                "since",
                format!(
                    "must be before until ({} is not before {})",
                    rfc3339(since),
                    rfc3339(until)
                ),
            ));
        }
        if until - since > MAX_SPAN_SECS {
            return Err(Error::invalid(
                "since",
                format!(
                    "the window from {} to {} is longer than 400 days; narrow it",
                    rfc3339(since),
                    rfc3339(until)
                ),
            ));
        }
        Ok(Window { since, until })
    }

    pub fn contains(&self, t: i64) -> bool {
        (self.since..self.until).contains(&t)
    }
}

/// An RFC 3339 instant, or a span back from `now`: a whole number followed by `m` (minutes),
/// `h` (hours), `d` (days) or `w` (weeks).
fn instant(field: &str, text: &str, now: i64) -> Result<i64, Error> {
    let text = text.trim();
    if let Some(t) = parse_rfc3339(text) {
        return Ok(t);
    }
    let unit = match text.chars().last() {
        Some('m') => 60,
        Some('h') => 3_600,
        Some('d') => 86_400,
        Some('w') => 7 * 86_400,
        _ => 0,
    };
    let count = text[..text.len().saturating_sub(1)].parse::<i64>().ok();
    match count {
        Some(n) if unit > 0 && n > 0 && n.saturating_mul(unit) <= MAX_SPAN_SECS => {
            Ok(now - n * unit)
        }
        _ => Err(Error::invalid(
            field,
            format!(
                "expected an RFC 3339 time (\"2026-11-24T17:00:00Z\") or a span back from now: a \
                 whole number with m, h, d or w (\"90m\", \"24h\", \"7d\", \"2w\") of at most \
                 400 days; got \"{}\"",
                clip(text)
            ),
        )),
    }
}

/// Unix seconds of an RFC 3339 time (any offset, fractions dropped).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// `t` as RFC 3339 in UTC, to the second (`2026-11-24T17:00:00Z`).
pub fn rfc3339(t: i64) -> String {
    utc(t).format(&Rfc3339).unwrap_or_else(|_| format!("@{t}"))
}

/// The UTC calendar date of `t` (`2026-11-24`).
pub fn utc_date(t: i64) -> String {
    let d = utc(t).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn utc(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(UtcOffset::UTC)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-24T17:00:00Z
    const NOW: i64 = 1_795_539_600;

    #[test]
    fn defaults_to_the_last_seven_days() {
        let w = Window::resolve(None, None, NOW).unwrap();
        assert_eq!((w.since, w.until), (NOW - 7 * 86_400, NOW));
        assert_eq!(rfc3339(NOW), "2026-11-24T17:00:00Z");
        assert_eq!(utc_date(NOW), "2026-11-24");
    }

    #[test]
    fn spans_and_instants() {
        let w = Window::resolve(Some("30d"), Some("1h"), NOW).unwrap();
        assert_eq!((w.since, w.until), (NOW - 30 * 86_400, NOW - 3_600));
        let w = Window::resolve(
            Some("2026-11-20T00:00:00+08:00"),
            Some("2026-11-21T00:00:00Z"),
            NOW,
        )
        .unwrap();
        assert_eq!(rfc3339(w.since), "2026-11-19T16:00:00Z");
        assert!(w.contains(w.since) && !w.contains(w.until));
        assert_eq!(
            Window::resolve(Some("2w"), None, NOW).unwrap().since,
            NOW - 14 * 86_400
        );
    }

    #[test]
    fn bad_windows_name_the_field_and_the_forms() {
        for (since, until, field) in [
            (Some("7 days"), None, "since"),
            (Some("0d"), None, "since"),
            (Some("-3d"), None, "since"),
            (Some("401d"), None, "since"),
            (None, Some("yesterday"), "until"),
            (Some("1h"), Some("2h"), "since"),
            (Some("1900-01-01T00:00:00Z"), None, "since"),
        ] {
            let e = Window::resolve(since, until, NOW).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{e}");
        }
        let e = Window::resolve(Some("soon"), None, NOW).unwrap_err();
        assert!(
            e.message.contains("\"7d\"") && e.message.contains("RFC 3339"),
            "{e}"
        );
    }
}
