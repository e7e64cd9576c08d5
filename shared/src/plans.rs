//! Plans, usage modes, HYA seats and account facts (facts §2, §3): data from the catalog file.

use schemars::JsonSchema;
use serde::Serialize;

use crate::catalog::{Catalog, Confidence};
use crate::contract::{Mode, PlanId, PlansResult};
use crate::money::Usd;

/// A subscription plan.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// Midjourney relax tasks a day before each costs twice the price.
    pub midjourney_relax_per_day: Option<u64>,
    /// Incorrect tasks a day before the plan's penalty applies.
    pub incorrect_tasks_per_day: Option<u64>,
    /// Largest single top-up without staff.
    pub single_top_up_max_usd: Usd,
}

/// How a task is billed (facts §2).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeatStatus {
    Current,
    Historical,
    Unpublished,
}

/// A host-your-account seat.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HyaSeat {
    pub service: String,
    pub monthly_usd: Option<Usd>,
    pub status: SeatStatus,
    pub confidence: Confidence,
    pub source: String,
}

/// Account-wide facts (facts §3).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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

pub fn list_plans(catalog: &Catalog) -> PlansResult {
    let f = catalog.file();
    PlansResult {
        catalog_version: catalog.version().to_string(),
        plans: f.plans.clone(),
        usage_modes: f.usage_modes.clone(),
        hya_seats: f.hya_seats.clone(),
        top_up_tiers: f.top_up_tiers.clone(),
        account_facts: f.account_facts.clone(),
    }
}

/// True when `plan` is `required` or higher (Free < Creator < Pro < Enterprise).
pub fn plan_allows(plan: PlanId, required: PlanId) -> bool {
    plan >= required
}
