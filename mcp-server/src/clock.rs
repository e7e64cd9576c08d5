//! The system clock, read in one place: the core never reads a clock, so every date it needs
//! (the day a catalog report measures ages from, a fetch's timestamp) comes from here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use piapi_billing::ledger::Timestamp;

/// Now, as RFC 3339 in UTC with whole seconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Now, in Unix seconds (report windows: the core reads no clock, so it is passed in).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    now_rfc3339()[..10].to_string()
}

/// The ledger's clock: wall-clock milliseconds. The ledger and the gateway read time only here.
pub fn ledger_now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    Timestamp(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// A ledger instant as RFC 3339 in UTC with milliseconds, as results show it.
pub fn rfc3339(t: Timestamp) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(t.millis())).to_string()
}
