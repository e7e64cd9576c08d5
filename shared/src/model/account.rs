//! The account side of the catalog: plans and their limits, usage modes (PAYG and
//! host-your-account), HYA seats, top-up bonus tiers and account-wide facts.
//!
//! Data only, declared once; the operations over it live in `crate::ops`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::compact::Compact;
use crate::json::FromJson;
use crate::model::provenance::Confidence;
use crate::money::{Dec, Usd};

/// PiAPI's subscription plans, lowest first: a plan allows what every plan below it allows.
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
#[serde(rename_all = "lowercase")]
pub enum PlanId {
    Free,
    Creator,
    Pro,
    Enterprise,
}

/// How a task is billed: PiAPI's pool from credits, or the user's own seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema, FromJson, Compact)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Payg,
    Hya,
}

/// A subscription plan.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: PlanId,
    pub name: String,
    /// Monthly price; null when it is negotiated (Enterprise).
    pub monthly_usd: Option<Usd>,
    pub features: Vec<String>,
    pub limits: PlanLimits,
    pub confidence: Confidence,
    pub source: String,
}

/// Per-plan limits; null where PiAPI publishes none.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// Midjourney relax tasks a day before each costs twice the price.
    pub midjourney_relax_per_day: Option<u64>,
    /// Incorrect tasks a day before the plan's penalty applies.
    pub incorrect_tasks_per_day: Option<u64>,
    /// Largest single top-up without staff.
    pub single_top_up_max_usd: Usd,
}

/// How a task is billed.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct UsageMode {
    pub id: Mode,
    pub name: String,
    /// The `config.service_mode` value that selects it.
    pub service_mode: String,
    pub who_runs_the_job: String,
    pub per_task_charge: String,
    pub needs: String,
    pub source: String,
}

/// Whether a seat price is current, historical or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(rename_all = "lowercase")]
pub enum SeatStatus {
    Current,
    Historical,
    Unpublished,
}

/// A host-your-account seat.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct HyaSeat {
    pub service: String,
    pub monthly_usd: Option<Usd>,
    pub status: SeatStatus,
    pub confidence: Confidence,
    pub source: String,
}

/// Account-wide facts.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct AccountFacts {
    pub points_per_usd: u64,
    pub new_account_free_credits_usd: Usd,
    pub credit_pack_validity_months: u64,
    pub self_serve_top_up_max_usd: Usd,
    pub enterprise_top_up_max_usd: Usd,
    pub auto_recharge_below_usd: Usd,
    pub auto_recharge_amount_usd: Usd,
    pub refunds: bool,
    /// Services that cannot run in HYA mode.
    pub payg_only_services: Vec<String>,
    pub notes: Vec<String>,
    pub source: String,
}

/// A bonus tier: top-ups strictly above `above_usd` earn `bonus_pct` percent extra.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct TopUpTier {
    pub above_usd: Usd,
    pub bonus_pct: Dec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl PlanId {
    /// True when this plan is `required` or higher (Free < Creator < Pro < Enterprise).
    pub fn allows(self, required: PlanId) -> bool {
        self >= required
    }
}
