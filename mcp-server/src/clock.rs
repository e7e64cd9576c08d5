//! The system clock, read in one place: the core never reads a clock, so every date it needs
//! (the day a catalog report measures ages from, a fetch's timestamp) comes from here.

use std::time::SystemTime;

/// Now, as RFC 3339 in UTC with whole seconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    now_rfc3339()[..10].to_string()
}
