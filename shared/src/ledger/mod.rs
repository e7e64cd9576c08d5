//! The credit ledger with frozen quotas: holds taken before a job starts, settled
//! exactly once with the real charge, released on failure, and expired on their own.
//!
//! The semantics are TigerBeetle's two-phase transfers (see `docs/ledger.md`): a
//! reservation is checked pessimistically against `pending + posted ≤ credited`, resolves at
//! most once, and ids are client-chosen and idempotent forever — a retry gets the first
//! outcome, the same id with different fields is an error. Expiry is deterministic: a hold
//! expires at `created_at + ttl`, whenever a sweep or a later command notices.
//!
//! This module is pure: the caller passes `now`, and stores (embedded log, PostgreSQL) persist
//! the [`Event`]s that [`Ledger::decide`] returns.

mod amount;
mod batch;
mod command;
mod error;
mod event;
mod hold;
mod ids;
mod keys;
mod state;

#[cfg(test)]
mod gateway_tests;
#[cfg(test)]
mod model_tests;

pub use amount::{MAX_AMOUNT_USD, check_amount};
pub use batch::{BatchKeys, BatchResult, Changes, Decided, decide_batch};
pub use command::{
    Command, MAX_NOTE_LEN, MAX_TTL_MS, Outcome, Release, ReleaseCause, Reservation, Settlement,
};
pub use error::LedgerError;
pub use event::Event;
pub use hold::{Account, AccountView, Charge, Grant, Hold, HoldState};
pub use ids::{AccountId, GrantId, HoldId, IdError, KeyId, TaskId, Timestamp};
pub use keys::{
    GatewayTask, KEY_ACCOUNT_PREFIX, KeySpec, KeySpend, MAX_QUOTE_BYTES, Period, TaskOpen,
    VirtualKey, Window, key_spend, window_account, window_of_account,
};
pub use state::{Applied, Ledger};
