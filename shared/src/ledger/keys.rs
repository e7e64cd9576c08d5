//! The budget gateway's records: virtual keys with their budgets and windows, and the task
//! each gateway hold was taken for.
//!
//! They live in the ledger, as events like holds and grants, so that keys and holds share one
//! store, one idempotency rule and one recovery story on every backend. A key's budget is
//! enforced with the ledger's own accounts: each budget window is an account of its own
//! (`vk/KEY/WINDOW_START`) credited with the budget by a grant whose id is the account's, made
//! by the first reservation in that window. A window is computed from the key's stored reset
//! instant and the `now` a command is decided at, never by a job, so a window rolls over at its
//! reset time whether or not anything runs then.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::amount::check_amount;
use super::error::LedgerError;
use super::ids::{AccountId, HoldId, KeyId, TaskId, Timestamp};
use crate::money::Usd;

const DAY_MS: u64 = 86_400_000;

/// Longest model or task type name kept with a task.
pub const MAX_NAME_LEN: usize = 128;
/// Largest stored quote (the estimate's inputs and prices), in bytes.
pub const MAX_QUOTE_BYTES: usize = 64 * 1024;
/// Most models one key may list.
pub const MAX_MODELS: usize = 64;

/// How often a key's budget starts over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Daily,
    Weekly,
    /// Same day of the month and time of day as the reset instant; on a shorter month, its
    /// last day.
    Monthly,
}

impl Period {
    pub const NAMES: &'static str = "daily, weekly or monthly";

    pub fn parse(text: &str) -> Result<Period, LedgerError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "daily" => Ok(Period::Daily),
            "weekly" => Ok(Period::Weekly),
            "monthly" => Ok(Period::Monthly),
            other => Err(LedgerError::InvalidId {
                field: "period".to_string(),
                reason: format!("{other:?} is not a period; expected {}", Period::NAMES),
            }),
        }
    }

    /// The start of the `n`-th window after (negative: before) `anchor`.
    fn start(self, anchor: Timestamp, n: i64) -> i128 {
        let anchor = i128::from(anchor.0);
        match self {
            Period::Daily => anchor + i128::from(n) * i128::from(DAY_MS),
            Period::Weekly => anchor + i128::from(n) * i128::from(7 * DAY_MS),
            Period::Monthly => month_start(anchor, n),
        }
    }
}

/// One budget window: `[start, end)`; a key without a period has one window forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

/// What a key may do, as its creator states it. Never changes after creation (revoke the key
/// and create another to change it), so a retry of the creation is recognised exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeySpec {
    pub key_id: KeyId,
    /// SHA-256 of the key's secret, lower-case hex. The secret itself is never stored.
    pub secret_sha256: String,
    /// What the key may spend per window (or in all, without a period).
    pub budget_usd: Usd,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Windows start here and every period after (and before) it.
    pub reset_at: Timestamp,
    /// Models the key may create tasks for (exact PiAPI model names); empty means any.
    #[serde(default)]
    pub allowed_models: Vec<String>,
    /// The largest hold one task may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_task_usd: Option<Usd>,
    /// Spend (charged plus held) in the window from which answers carry a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_limit_usd: Option<Usd>,
    /// What to hold for a task the catalog cannot price or bound. Without it such tasks are
    /// refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpriced_cap_usd: Option<Usd>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

impl KeySpec {
    pub fn validate(&self) -> Result<(), LedgerError> {
        let hex = self.secret_sha256.len() == 64
            && self
                .secret_sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex {
            return Err(invalid(
                "secret_sha256",
                "must be 64 lower-case hex digits".into(),
            ));
        }
        check_amount("budget_usd", self.budget_usd, false)?;
        for (field, v) in [
            ("max_task_usd", self.max_task_usd),
            ("soft_limit_usd", self.soft_limit_usd),
            ("unpriced_cap_usd", self.unpriced_cap_usd),
        ] {
            if let Some(v) = v {
                check_amount(field, v, false)?;
            }
        }
        if self.allowed_models.len() > MAX_MODELS {
            return Err(invalid(
                "allowed_models",
                format!("at most {MAX_MODELS} models"),
            ));
        }
        for m in &self.allowed_models {
            check_name("allowed_models", m)?;
        }
        check_text("memo", self.memo.as_deref(), 256)
    }

    /// The budget window `now` falls in.
    pub fn window_at(&self, now: Timestamp) -> Window {
        let Some(period) = self.period else {
            return Window {
                start: Timestamp(0),
                end: None,
            };
        };
        let n = estimate_index(period, self.reset_at, now);
        let mut n = n;
        while period.start(self.reset_at, n) > i128::from(now.0) {
            n -= 1;
        }
        while period.start(self.reset_at, n + 1) <= i128::from(now.0) {
            n += 1;
        }
        Window {
            start: clamp(period.start(self.reset_at, n)),
            end: Some(clamp(period.start(self.reset_at, n + 1))),
        }
    }

    /// The ledger account that holds the key's budget in the window `now` falls in.
    pub fn window_account(&self, now: Timestamp) -> AccountId {
        window_account(&self.key_id, self.window_at(now).start)
    }

    /// True when `model` may be used with this key.
    pub fn allows_model(&self, model: &str) -> bool {
        self.allowed_models.is_empty() || self.allowed_models.iter().any(|m| m == model)
    }
}

/// The account of `key`'s window starting at `start`.
pub fn window_account(key: &KeyId, start: Timestamp) -> AccountId {
    // A key id is at most 40 characters and a start at most 20 digits: always a valid id.
    AccountId::new(format!("{}{key}/{}", KEY_ACCOUNT_PREFIX, start.0))
        .expect("window account ids are valid")
}

/// Every window account of a key starts with `vk/KEY/`.
pub const KEY_ACCOUNT_PREFIX: &str = "vk/";

/// The window start an account of `key` stands for, or `None` when it is not one of its.
pub fn window_of_account(key: &KeyId, account: &AccountId) -> Option<Timestamp> {
    let rest = account.as_str().strip_prefix(KEY_ACCOUNT_PREFIX)?;
    let (k, start) = rest.rsplit_once('/')?;
    (k == key.as_str()).then_some(())?;
    start.parse().ok().map(Timestamp)
}

/// A virtual key as stored: its spec, when it was created, and whether it was revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VirtualKey {
    pub spec: KeySpec,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

/// What a gateway reservation records about its task, besides the hold itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaskOpen {
    pub key_id: KeyId,
    pub model: String,
    pub task_type: String,
    /// The estimate's inputs and prices as JSON text, kept so that settlement never re-reads
    /// a price that changed meanwhile. Opaque to the ledger.
    pub quote: String,
}

impl TaskOpen {
    pub fn validate(&self) -> Result<(), LedgerError> {
        check_name("model", &self.model)?;
        check_name("task_type", &self.task_type)?;
        if self.quote.len() > MAX_QUOTE_BYTES {
            return Err(invalid(
                "quote",
                format!("must be at most {MAX_QUOTE_BYTES} bytes"),
            ));
        }
        Ok(())
    }
}

/// A task created through the gateway: its hold, its key, its quote, and PiAPI's task id once
/// PiAPI returned one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GatewayTask {
    pub hold_id: HoldId,
    #[serde(flatten)]
    pub open: TaskOpen,
    pub opened_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_at: Option<Timestamp>,
}

fn invalid(field: &str, reason: String) -> LedgerError {
    LedgerError::InvalidId {
        field: field.to_string(),
        reason,
    }
}

fn check_name(field: &str, name: &str) -> Result<(), LedgerError> {
    if name.is_empty() {
        return Err(invalid(field, "must not be empty".into()));
    }
    check_text(field, Some(name), MAX_NAME_LEN)
}

fn check_text(field: &str, text: Option<&str>, max: usize) -> Result<(), LedgerError> {
    match text {
        Some(t) if t.chars().count() > max || t.chars().any(char::is_control) => Err(invalid(
            field,
            format!("must be at most {max} characters without control characters"),
        )),
        _ => Ok(()),
    }
}

/// Milliseconds as a timestamp, clamped to the representable range.
fn clamp(ms: i128) -> Timestamp {
    Timestamp(u64::try_from(ms.max(0)).unwrap_or(u64::MAX))
}

/// A first guess of the window index of `now`, corrected by the caller's loops.
fn estimate_index(period: Period, anchor: Timestamp, now: Timestamp) -> i64 {
    let diff = i128::from(now.0) - i128::from(anchor.0);
    let len = match period {
        Period::Daily => DAY_MS,
        Period::Weekly => 7 * DAY_MS,
        Period::Monthly => 30 * DAY_MS + DAY_MS / 2,
    };
    i64::try_from(diff.div_euclid(i128::from(len))).unwrap_or(0)
}

/// The `n`-th monthly start after `anchor` (ms): same day (clamped to the month's last day)
/// and time of day. Proleptic Gregorian calendar, UTC.
fn month_start(anchor: i128, n: i64) -> i128 {
    let day_ms = i128::from(DAY_MS);
    let days = anchor.div_euclid(day_ms);
    let time = anchor.rem_euclid(day_ms);
    let (y, m, d) = civil_from_days(days as i64);
    let months = y * 12 + i64::from(m - 1) + n;
    let (y, m) = (months.div_euclid(12), (months.rem_euclid(12) + 1) as u32);
    let d = d.min(days_in_month(y, m));
    i128::from(days_from_civil(y, m, d)) * day_ms + time
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm; small and exact, so no
/// calendar crate is pulled into the wasm core for it).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// What a key has spent, holds and may still spend in the window `now` falls in, and over
/// its whole life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeySpend {
    pub key_id: KeyId,
    pub window: Window,
    pub budget_usd: Usd,
    /// Charged in this window (settled holds and late charges).
    pub spent_usd: Usd,
    /// Held by tasks of this window that have not settled yet.
    pub held_usd: Usd,
    /// `budget − spent − held` (0 while the window's first task has not run).
    pub available_usd: Usd,
    /// Charged over every window.
    pub lifetime_spent_usd: Usd,
    /// True when spent plus held reached the key's soft limit.
    pub over_soft_limit: bool,
    pub revoked: bool,
}

/// A key's spend from its window accounts (any subset; others are ignored). The one function
/// every front end uses for per-key spend.
pub fn key_spend<'a>(
    key: &VirtualKey,
    accounts: impl IntoIterator<Item = &'a super::hold::AccountView>,
    now: Timestamp,
) -> KeySpend {
    let spec = &key.spec;
    let window = spec.window_at(now);
    let (mut spent, mut held, mut lifetime) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for a in accounts {
        let Some(start) = window_of_account(&spec.key_id, &a.account) else {
            continue;
        };
        lifetime += a.posted_usd.0;
        if start == window.start {
            spent += a.posted_usd.0;
            held += a.pending_usd.0;
        }
    }
    let used = spent + held;
    KeySpend {
        key_id: spec.key_id.clone(),
        window,
        budget_usd: spec.budget_usd,
        spent_usd: Usd(spent),
        held_usd: Usd(held),
        available_usd: Usd(spec.budget_usd.0 - used),
        lifetime_spent_usd: Usd(lifetime),
        over_soft_limit: spec.soft_limit_usd.is_some_and(|s| used >= s.0),
        revoked: key.revoked_at.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(period: Option<Period>, reset_at: u64) -> KeySpec {
        KeySpec {
            key_id: KeyId::new("team-a").unwrap(),
            secret_sha256: "0".repeat(64),
            budget_usd: Usd(Decimal::TEN),
            period,
            reset_at: Timestamp(reset_at),
            allowed_models: vec![],
            max_task_usd: None,
            soft_limit_usd: None,
            unpriced_cap_usd: None,
            memo: None,
        }
    }

    /// 2026-01-31T12:00:00Z in ms.
    const JAN31_NOON: u64 = 1_769_860_800_000;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2026, 1, 31) * DAY_MS as i64,
            1_769_817_600_000
        );
        for z in [-800_000, -1, 0, 59, 60, 20_000, 1_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn daily_windows_roll_at_the_reset_time_of_day() {
        let s = spec(Some(Period::Daily), JAN31_NOON);
        let w = s.window_at(Timestamp(JAN31_NOON + 5 * DAY_MS + 1));
        assert_eq!(w.start, Timestamp(JAN31_NOON + 5 * DAY_MS));
        assert_eq!(w.end, Some(Timestamp(JAN31_NOON + 6 * DAY_MS)));
        // One millisecond before the reset is still the previous window; the reset opens a new.
        let before = s.window_at(Timestamp(JAN31_NOON + 6 * DAY_MS - 1));
        let after = s.window_at(Timestamp(JAN31_NOON + 6 * DAY_MS));
        assert_eq!(before, w);
        assert_ne!(after.start, w.start);
        // Before the anchor, windows extend backwards.
        let early = s.window_at(Timestamp(JAN31_NOON - 1));
        assert_eq!(early.start, Timestamp(JAN31_NOON - DAY_MS));
    }

    #[test]
    fn monthly_windows_keep_the_day_and_clamp_short_months() {
        let s = spec(Some(Period::Monthly), JAN31_NOON);
        // Feb 2026 has 28 days: the window starts on Feb 28 at noon.
        let feb28_noon = JAN31_NOON + 28 * DAY_MS;
        let mar31_noon = feb28_noon + 31 * DAY_MS;
        assert_eq!(
            s.window_at(Timestamp(feb28_noon - 1)).start,
            Timestamp(JAN31_NOON)
        );
        let feb = s.window_at(Timestamp(feb28_noon));
        assert_eq!(feb.start, Timestamp(feb28_noon));
        assert_eq!(feb.end, Some(Timestamp(mar31_noon)));
        // A year on, twelve windows later.
        let next_year = s.window_at(Timestamp(JAN31_NOON + 365 * DAY_MS));
        assert_eq!(next_year.start, Timestamp(JAN31_NOON + 365 * DAY_MS));
    }

    #[test]
    fn a_key_without_a_period_has_one_window_and_accounts_name_their_window() {
        let s = spec(None, JAN31_NOON);
        let w = s.window_at(Timestamp(u64::MAX));
        assert_eq!(w.end, None);
        let a = s.window_account(Timestamp(5));
        assert_eq!(a.as_str(), "vk/team-a/0");
        assert_eq!(window_of_account(&s.key_id, &a), Some(Timestamp(0)));
        let other = KeyId::new("team").unwrap();
        assert_eq!(window_of_account(&other, &a), None);
    }

    #[test]
    fn specs_are_validated_with_the_field_named() {
        let mut s = spec(None, 0);
        assert!(s.validate().is_ok());
        s.secret_sha256 = "xyz".into();
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("secret_sha256")
        );
        let mut s = spec(None, 0);
        s.budget_usd = Usd::ZERO;
        assert!(s.validate().unwrap_err().to_string().contains("budget_usd"));
        assert!(
            Period::parse("hourly")
                .unwrap_err()
                .to_string()
                .contains("daily, weekly or monthly")
        );
    }
}
