//! The records the ledger keeps: accounts, holds and grants.

use std::fmt;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ids::{AccountId, GrantId, HoldId, Timestamp};
use crate::money::Usd;

/// An account's three running totals. `available` is derived, never stored, so it cannot drift:
/// `credited = available + pending + posted` holds by construction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Account {
    pub id: AccountId,
    /// Everything ever granted (top-ups and their bonuses).
    pub credited: Usd,
    /// Charged for good: settled holds plus late charges.
    pub posted: Usd,
    /// Held by open reservations.
    pub pending: Usd,
    /// The part of `posted` that arrived after its hold had expired (see [`HoldState::Expired`]).
    pub late: Usd,
}

impl Account {
    pub fn new(id: AccountId) -> Self {
        Account {
            id,
            credited: Usd::ZERO,
            posted: Usd::ZERO,
            pending: Usd::ZERO,
            late: Usd::ZERO,
        }
    }

    /// What a new reservation may still take. Negative only after a late charge overdrew it.
    pub fn available(&self) -> Decimal {
        self.credited.0 - self.posted.0 - self.pending.0
    }

    pub fn view(&self) -> AccountView {
        AccountView {
            account: self.id.clone(),
            credited_usd: self.credited,
            posted_usd: self.posted,
            pending_usd: self.pending,
            available_usd: Usd(self.available()),
            late_charged_usd: self.late,
        }
    }
}

/// An account's balance as callers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountView {
    pub account: AccountId,
    pub credited_usd: Usd,
    pub posted_usd: Usd,
    pub pending_usd: Usd,
    /// `credited − posted − pending`.
    pub available_usd: Usd,
    /// Charges recorded after their hold had expired (included in `posted_usd`).
    pub late_charged_usd: Usd,
}

/// Where a hold is in its life. `Pending` is the only state that holds funds, and a hold leaves
/// it exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    Pending,
    /// Charged `charged` (at most the held amount); the rest went back to the account.
    Settled,
    /// Voided: the whole amount went back to the account.
    Released,
    /// Its TTL ran out: the whole amount went back. It can no longer be settled; a charge that
    /// arrives anyway is recorded as a late charge.
    Expired,
}

impl HoldState {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldState::Pending => "pending",
            HoldState::Settled => "settled",
            HoldState::Released => "released",
            HoldState::Expired => "expired",
        }
    }
}

impl fmt::Display for HoldState {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A charge made against a hold: at settlement, or late after expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Charge {
    pub amount: Usd,
    pub at: Timestamp,
    /// What the charge came from, e.g. a PiAPI task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// One reservation. Its identity fields (`account`, `amount`, `ttl_ms`, `memo`) never change;
/// a retry with the same id must repeat them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Hold {
    pub id: HoldId,
    pub account: AccountId,
    pub amount: Usd,
    pub created_at: Timestamp,
    pub ttl_ms: u64,
    pub expires_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    pub state: HoldState,
    /// When the hold left `Pending` (for an expired hold: its expiry instant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// The settlement charge (state `Settled`) or the late charge (state `Expired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<Charge>,
}

impl Hold {
    /// True when the hold is still pending but its TTL has run out at `now`.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.state == HoldState::Pending && now >= self.expires_at
    }
}

/// A credit added to an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Grant {
    pub grant_id: GrantId,
    pub account: AccountId,
    /// What was paid or allotted.
    pub amount_usd: Usd,
    /// A top-up tier bonus on top of `amount_usd` (facts §5).
    pub bonus_usd: Usd,
    /// `amount_usd + bonus_usd`: what the account was credited.
    pub credited_usd: Usd,
    pub granted_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}
