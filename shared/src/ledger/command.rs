//! What callers ask of the ledger, and what they get back.
//!
//! An [`Outcome`] is built only from facts that never change once recorded (a hold's identity,
//! its resolution), so a retry of any command gets back exactly the outcome of the first call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::amount::check_amount;
use super::error::LedgerError;
use super::hold::Grant;
use super::ids::{AccountId, GrantId, HoldId, KeyId, TaskId, Timestamp};
use super::keys::{GatewayTask, KeySpec, TaskOpen, VirtualKey};
use crate::money::Usd;

/// The longest a hold may live: longer than any PiAPI job, short enough that a leaked hold
/// frees itself within a month.
pub const MAX_TTL_MS: u64 = 30 * 24 * 3600 * 1000;

/// Longest memo or reference kept with a record.
pub const MAX_NOTE_LEN: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Hold `amount` of `account` for `ttl_ms`, under a client-chosen id.
    Reserve {
        hold_id: HoldId,
        account: AccountId,
        amount: Usd,
        ttl_ms: u64,
        memo: Option<String>,
    },
    /// Charge `amount` (≤ the held amount) and release the rest. On an expired hold the charge
    /// is recorded as a late charge instead of being lost.
    Settle {
        hold_id: HoldId,
        amount: Usd,
        reference: Option<String>,
    },
    /// Give the whole held amount back.
    Release { hold_id: HoldId },
    /// Credit `amount + bonus` to `account` (creating it), under a client-chosen id.
    Grant {
        grant_id: GrantId,
        account: AccountId,
        amount: Usd,
        bonus: Usd,
        memo: Option<String>,
    },
    /// Expire every pending hold whose TTL has run out at `now`.
    Expire,
    /// Create a virtual key of the budget gateway.
    CreateKey { key: KeySpec },
    /// Revoke a key: it can take no more holds; its open holds still settle.
    RevokeKey { key_id: KeyId },
    /// Hold `amount` from the key's budget window `account` for a task, recording the task's
    /// quote with the hold. The first reservation in a window credits the window with the
    /// key's budget. Refused when the key is revoked or `account` is not the key's window at
    /// `now` (the caller computes it with [`KeySpec::window_account`]).
    ReserveTask {
        hold_id: HoldId,
        account: AccountId,
        amount: Usd,
        ttl_ms: u64,
        task: TaskOpen,
    },
    /// Attach the task id PiAPI returned to a gateway hold.
    AttachTask { hold_id: HoldId, task_id: TaskId },
}

impl Command {
    /// The hold the command names, if any (stores load it before deciding).
    pub fn hold_id(&self) -> Option<&HoldId> {
        match self {
            Command::Reserve { hold_id, .. }
            | Command::Settle { hold_id, .. }
            | Command::Release { hold_id }
            | Command::ReserveTask { hold_id, .. }
            | Command::AttachTask { hold_id, .. } => Some(hold_id),
            Command::Grant { .. }
            | Command::Expire
            | Command::CreateKey { .. }
            | Command::RevokeKey { .. } => None,
        }
    }

    /// The account the command names directly, if any.
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            Command::Reserve { account, .. }
            | Command::Grant { account, .. }
            | Command::ReserveTask { account, .. } => Some(account),
            _ => None,
        }
    }

    pub fn grant_id(&self) -> Option<&GrantId> {
        match self {
            Command::Grant { grant_id, .. } => Some(grant_id),
            _ => None,
        }
    }

    /// Checks the fields that do not depend on the ledger's state.
    pub fn validate(&self) -> Result<(), LedgerError> {
        match self {
            Command::Reserve {
                amount,
                ttl_ms,
                memo,
                ..
            } => {
                check_amount("amount_usd", *amount, false)?;
                check_ttl(*ttl_ms)?;
                check_note("memo", memo.as_deref())
            }
            Command::Settle {
                amount, reference, ..
            } => {
                check_amount("amount_usd", *amount, true)?;
                check_note("reference", reference.as_deref())
            }
            Command::Release { .. }
            | Command::Expire
            | Command::RevokeKey { .. }
            | Command::AttachTask { .. } => Ok(()),
            Command::CreateKey { key } => key.validate(),
            Command::ReserveTask {
                amount,
                ttl_ms,
                task,
                ..
            } => {
                check_amount("amount_usd", *amount, false)?;
                check_ttl(*ttl_ms)?;
                task.validate()
            }
            Command::Grant {
                amount,
                bonus,
                memo,
                ..
            } => {
                check_amount("amount_usd", *amount, false)?;
                check_amount("bonus_usd", *bonus, true)?;
                check_note("memo", memo.as_deref())
            }
        }
    }
}

fn check_ttl(ttl_ms: u64) -> Result<(), LedgerError> {
    if ttl_ms == 0 || ttl_ms > MAX_TTL_MS {
        return Err(LedgerError::InvalidTtl {
            reason: format!(
                "must be between 1 and {MAX_TTL_MS} milliseconds (30 days), got {ttl_ms}"
            ),
        });
    }
    Ok(())
}

fn check_note(field: &str, note: Option<&str>) -> Result<(), LedgerError> {
    match note {
        Some(n) if n.chars().count() > MAX_NOTE_LEN || n.chars().any(char::is_control) => {
            Err(LedgerError::InvalidId {
                field: field.to_string(),
                reason: format!(
                    "must be at most {MAX_NOTE_LEN} characters without control characters"
                ),
            })
        }
        _ => Ok(()),
    }
}

/// A hold that was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reservation {
    pub hold_id: HoldId,
    pub account: AccountId,
    pub amount_usd: Usd,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A hold that was charged: at settlement (`late: false`, the rest released) or after it had
/// expired (`late: true`, nothing left to release).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Settlement {
    pub hold_id: HoldId,
    pub account: AccountId,
    pub held_usd: Usd,
    pub charged_usd: Usd,
    pub released_usd: Usd,
    pub settled_at: Timestamp,
    pub late: bool,
}

/// Why held funds went back to the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseCause {
    Released,
    Expired,
}

/// A hold whose whole amount went back to the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Release {
    pub hold_id: HoldId,
    pub account: AccountId,
    pub released_usd: Usd,
    pub released_at: Timestamp,
    pub cause: ReleaseCause,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Reserved(Reservation),
    Settled(Settlement),
    Released(Release),
    Granted(Grant),
    /// The holds this sweep expired (empty when none were due).
    Expired {
        holds: Vec<Release>,
    },
    KeyCreated(VirtualKey),
    KeyRevoked(VirtualKey),
    TaskAttached(GatewayTask),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Usd {
        Usd(s.parse().unwrap())
    }

    #[test]
    fn commands_check_ttl_and_notes() {
        let reserve = |ttl_ms, memo: Option<&str>| Command::Reserve {
            hold_id: HoldId::new("h").unwrap(),
            account: AccountId::default_account(),
            amount: usd("1"),
            ttl_ms,
            memo: memo.map(str::to_string),
        };
        assert!(reserve(1000, Some("kling job")).validate().is_ok());
        assert_eq!(
            reserve(0, None).validate().unwrap_err().code(),
            "invalid_ttl"
        );
        assert_eq!(
            reserve(MAX_TTL_MS + 1, None).validate().unwrap_err().code(),
            "invalid_ttl"
        );
        assert!(reserve(1000, Some("a\nb")).validate().is_err());
    }
}
