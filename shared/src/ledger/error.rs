//! Why the ledger refused a command.
//!
//! A refused command changes nothing, and nothing about it is remembered: a reservation refused
//! for lack of funds may be retried under the same id after a top-up. Every variant has a
//! stable `code` that front ends and scripts can match on, and a message that says what to do.

use serde::Serialize;

use super::hold::HoldState;
use super::ids::{IdError, Timestamp};
use crate::money::Usd;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LedgerError {
    /// The reservation would make `pending + posted` exceed what the account was credited.
    #[error(
        "insufficient funds in account \"{account}\": {requested} USD requested, {available} USD available, short by {shortfall} USD; grant credits or release holds first"
    )]
    InsufficientFunds {
        account: String,
        requested: Usd,
        available: Usd,
        shortfall: Usd,
    },

    #[error("hold \"{hold_id}\" does not exist; reserve it first")]
    HoldNotFound { hold_id: String },

    /// The hold was already settled, released or expired, in a way that differs from this call.
    #[error("hold \"{hold_id}\" was already {state} at {resolved_at}; {detail}")]
    AlreadyResolved {
        hold_id: String,
        state: HoldState,
        resolved_at: Timestamp,
        detail: String,
    },

    /// The id was used before with different fields (a retry must repeat the first call exactly).
    #[error(
        "{kind} id \"{id}\" was already used with different fields ({differences}); choose a new id"
    )]
    IdempotencyConflict {
        kind: String,
        id: String,
        differences: String,
    },

    #[error("key \"{key_id}\" does not exist")]
    KeyNotFound { key_id: String },

    #[error("key \"{key_id}\" was revoked at {revoked_at}; create a new key")]
    KeyRevoked {
        key_id: String,
        revoked_at: Timestamp,
    },

    /// A gateway reservation named a budget window that is not the key's window at the time
    /// it was decided (it was computed just before a reset): compute it again and retry.
    #[error(
        "key \"{key_id}\": the budget window is now \"{expected}\"; compute the window again and retry"
    )]
    WindowMoved { key_id: String, expected: String },

    #[error("{field}: {reason}")]
    InvalidAmount { field: String, reason: String },

    #[error("{field}: {reason}")]
    InvalidId { field: String, reason: String },

    #[error("ttl_ms: {reason}")]
    InvalidTtl { reason: String },

    /// The store behind the ledger failed for a reason that passes by itself (a lost
    /// connection, a database restarting, a full queue); the command may or may not have been
    /// applied, so retry it under the same id (retries are safe).
    #[error("ledger storage failed: {message}; retrying with the same id is safe")]
    Storage { message: String },

    /// The store cannot work until an operator changes something (credentials, a missing
    /// database, missing rights, a schema from a newer server, a damaged log file). Retrying
    /// cannot help before that, so the message says what to change instead.
    #[error("the ledger storage cannot be used: {message}")]
    Unusable { message: String },
}

impl LedgerError {
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::InsufficientFunds { .. } => "insufficient_funds",
            LedgerError::HoldNotFound { .. } => "hold_not_found",
            LedgerError::AlreadyResolved { .. } => "already_resolved",
            LedgerError::IdempotencyConflict { .. } => "idempotency_conflict",
            LedgerError::KeyNotFound { .. } => "key_not_found",
            LedgerError::KeyRevoked { .. } => "key_revoked",
            LedgerError::WindowMoved { .. } => "window_moved",
            LedgerError::InvalidAmount { .. } => "invalid_amount",
            LedgerError::InvalidId { .. } => "invalid_id",
            LedgerError::InvalidTtl { .. } => "invalid_ttl",
            LedgerError::Storage { .. } => "storage",
            LedgerError::Unusable { .. } => "storage_unusable",
        }
    }

    pub fn storage(message: impl Into<String>) -> Self {
        LedgerError::Storage {
            message: message.into(),
        }
    }

    /// A failure no retry can fix: see [`LedgerError::Unusable`].
    pub fn unusable(message: impl Into<String>) -> Self {
        LedgerError::Unusable {
            message: message.into(),
        }
    }

    /// True for [`LedgerError::Unusable`]: an operator must act before the store works.
    pub fn is_permanent(&self) -> bool {
        matches!(self, LedgerError::Unusable { .. })
    }

    /// The shortfall of a refused reservation, for callers that offer a top-up.
    pub fn shortfall(&self) -> Option<Usd> {
        match self {
            LedgerError::InsufficientFunds { shortfall, .. } => Some(*shortfall),
            _ => None,
        }
    }
}

impl From<LedgerError> for crate::Error {
    fn from(e: LedgerError) -> Self {
        let field = match &e {
            LedgerError::InvalidAmount { field, .. } | LedgerError::InvalidId { field, .. } => {
                Some(field.clone())
            }
            LedgerError::InvalidTtl { .. } => Some("ttl_ms".to_string()),
            _ => None,
        };
        crate::Error {
            kind: crate::ErrorKind::Ledger,
            field,
            message: e.to_string(),
        }
    }
}

impl From<IdError> for LedgerError {
    fn from(e: IdError) -> Self {
        LedgerError::InvalidId {
            field: e.field.to_string(),
            reason: e.reason,
        }
    }
}
