//! The catalog's data: what a price list, a plan or a top-up tier is.
//!
//! Nothing here performs an operation or imports one; `catalog` loads and indexes these
//! types, `contract` reports them, and `ops` computes with them. Each type is declared once and
//! its JSON reader, overlay patch and compact form are derived from the declaration.

pub mod account;
pub mod entry;
pub mod provenance;

use schemars::JsonSchema;
use serde::Serialize;

use crate::compact::Compact;
use crate::json::FromJson;

pub use account::{
    AccountFacts, HyaSeat, Mode, Plan, PlanId, PlanLimits, SeatStatus, TopUpTier, UsageMode,
};
pub use entry::{
    Entry, EntryPatch, FreezeRule, Plus, PriceRange, PriceTier, QuantityRule, SecondsHint, Status,
    SumWhen, Unit,
};
pub use provenance::{Charge, Confidence, Source};

/// The catalog file's shape.
#[derive(Clone, Debug, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub entries: Vec<Entry>,
    pub plans: Vec<Plan>,
    pub usage_modes: Vec<UsageMode>,
    pub hya_seats: Vec<HyaSeat>,
    pub top_up_tiers: Vec<TopUpTier>,
    pub account_facts: AccountFacts,
}

/// A user's price overlay: entries patched by id (any subset of fields) or added whole.
#[derive(Clone, Debug, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct OverlayFile {
    /// Reported as `overlay` by every estimate made with it.
    pub name: String,
    /// Where the overlay's prices come from (a contract, an invoice); defaults to the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub entries: Vec<EntryPatch>,
}
