//! Results of every tool, as every front end writes them.
//!
//! Results are written, never read: they derive `Serialize` (and `JsonSchema`, for the MCP
//! output schemas and the TypeScript declarations), not a reader.

use schemars::JsonSchema;

use crate::contract::reports::ChargeCheck;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::json::ToJson;
use crate::model::{
    AccountFacts, Charge, Confidence, HyaSeat, Mode, Plan, PriceRange, PriceTier, Source, Status,
    TopUpTier, Unit, UsageMode,
};
use crate::money::{Dec, Usd};
use crate::text::Text;

/// Codes of a line that could not be priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToJson, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineErrorCode {
    UnknownModel,
    UnknownTaskType,
    InvalidInput,
    Unpriced,
    ModeNotSupported,
    Unbounded,
}

impl LineErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            LineErrorCode::UnknownModel => "unknown_model",
            LineErrorCode::UnknownTaskType => "unknown_task_type",
            LineErrorCode::InvalidInput => "invalid_input",
            LineErrorCode::Unpriced => "unpriced",
            LineErrorCode::ModeNotSupported => "mode_not_supported",
            LineErrorCode::Unbounded => "unbounded",
        }
    }
}

/// A line that is left out of the totals, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct LineError {
    pub index: usize,
    pub code: LineErrorCode,
    pub message: String,
}

/// One priced line.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct EstimateLine {
    pub index: usize,
    pub model: Text,
    pub task_type: Text,
    /// Catalog entry that priced the line.
    pub entry_id: Text,
    pub variant: Text,
    pub mode: Mode,
    pub count: u64,
    pub unit: Unit,
    /// Units per task, lower bound.
    pub quantity_min: Dec,
    /// Units per task, upper bound; null only on HYA lines whose quantity has no bound.
    pub quantity_max: Option<Dec>,
    /// PAYG price of one unit (the highest applicable tier when the tier is unknown).
    pub unit_price_usd: Usd,
    pub min_usd: Usd,
    pub max_usd: Usd,
    /// What PiAPI freezes for the whole line while its tasks run (0 when it charges at creation).
    pub freeze_usd: Usd,
    /// When PiAPI takes the money: `at_creation` (the price, consumed when the task is created) or
    /// `on_completion` (frozen while it runs, the price consumed when it finishes).
    pub charge: Charge,
    /// HYA seat the line needs; null for pay-as-you-go.
    pub seat: Option<String>,
    pub confidence: Confidence,
    pub source: Text,
    pub status: Status,
    /// Inputs that were missing and took their documented default, as `field=value`.
    pub defaults_used: Vec<Text>,
    pub warnings: Vec<String>,
}

/// Result of `estimate_cost`.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct EstimateResult {
    pub catalog_version: String,
    /// Name of the user's price overlay that was applied, if any.
    pub overlay: Option<String>,
    pub total_min_usd: Usd,
    pub total_max_usd: Usd,
    pub total_min_points: u64,
    pub total_max_points: u64,
    /// True when every line was priced and the total is a single figure.
    pub exact: bool,
    pub lines: Vec<EstimateLine>,
    pub errors: Vec<LineError>,
}

/// Outcome of a pre-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToJson, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Ok,
    InsufficientCredits,
    Blocked,
}

/// Codes of what stops a batch from being submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToJson, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockerCode {
    InsufficientCredits,
    PlanRequired,
    SeatRequired,
    ModeNotSupported,
    ServiceDiscontinued,
    Unpriced,
    Unbounded,
    InvalidInput,
    UnknownModel,
    UnknownTaskType,
}

impl From<LineErrorCode> for BlockerCode {
    fn from(c: LineErrorCode) -> Self {
        match c {
            LineErrorCode::UnknownModel => BlockerCode::UnknownModel,
            LineErrorCode::UnknownTaskType => BlockerCode::UnknownTaskType,
            LineErrorCode::InvalidInput => BlockerCode::InvalidInput,
            LineErrorCode::Unpriced => BlockerCode::Unpriced,
            LineErrorCode::ModeNotSupported => BlockerCode::ModeNotSupported,
            LineErrorCode::Unbounded => BlockerCode::Unbounded,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct Blocker {
    /// The line it concerns; null for the whole batch.
    pub index: Option<usize>,
    pub code: BlockerCode,
    pub message: String,
}

/// A top-up that would cover a shortfall.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct SuggestedTopUp {
    pub amount_usd: Usd,
    pub bonus_pct: Dec,
    pub bonus_usd: Usd,
    pub self_serve: bool,
}

/// Result of `precheck_credits`.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct PrecheckResult {
    pub ok: bool,
    pub decision: Decision,
    pub available_usd: Usd,
    pub required_usd: Usd,
    pub shortfall_usd: Usd,
    pub blockers: Vec<Blocker>,
    pub suggested_top_up: Option<SuggestedTopUp>,
    pub estimate: EstimateResult,
}

/// One row of the price list.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct PriceRow {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
    pub variant: Text,
    pub unit: Unit,
    /// PAYG price of one unit; null when unpriced or priced by tiers.
    pub price_usd: Option<Usd>,
    /// Price tiers by output pixels, when the entry has them.
    pub tiers: Vec<PriceTier>,
    /// The published range, when PiAPI gives only a range.
    pub price_range_usd: Option<PriceRange>,
    pub mode: Mode,
    /// HYA seat that runs this service at no credit cost; null when pay-as-you-go only.
    pub hya_seat: Option<String>,
    pub confidence: Confidence,
    pub source: Text,
    /// Every published source of the price, with its figure and the date it was seen.
    pub sources: Vec<Source>,
    /// When PiAPI takes the money (see `EstimateLine::charge`).
    pub charge: Charge,
    /// When the price was last confirmed against a published source (`YYYY-MM-DD`).
    pub confirmed: Option<String>,
    pub status: Status,
    pub notes: Text,
}

/// Result of `list_prices`.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct ListPricesResult {
    pub catalog_version: String,
    pub overlay: Option<String>,
    pub entries: Vec<PriceRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct NextTier {
    pub above_usd: Usd,
    pub bonus_pct: Dec,
}

/// Result of `quote_top_up`.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct TopUpQuote {
    pub amount_usd: Usd,
    pub bonus_pct: Dec,
    pub bonus_usd: Usd,
    pub credited_usd: Usd,
    pub credited_points: u64,
    /// True when the amount is within the single self-serve top-up limit.
    pub self_serve: bool,
    pub self_serve_limit_usd: Usd,
    pub next_tier: Option<NextTier>,
}

/// Result of `list_plans`: the account side of the catalog as data.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct PlansResult {
    pub catalog_version: String,
    pub plans: Vec<Plan>,
    pub usage_modes: Vec<UsageMode>,
    pub hya_seats: Vec<HyaSeat>,
    pub top_up_tiers: Vec<TopUpTier>,
    pub account_facts: AccountFacts,
}

/// Credit-pack figures from PiAPI's account info, in USD.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct Credits {
    pub available: Usd,
    pub used: Usd,
    pub total: Usd,
    pub frozen: Usd,
}

/// The PiAPI account a balance belongs to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct AccountRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Result of `check_balance` (MCP only: it needs PiAPI, or the ledger when no key is set).
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct CheckBalanceResult {
    pub available_usd: Usd,
    pub frozen_usd: Usd,
    /// The plan as PiAPI names it, when the account info carries it.
    pub plan: Option<String>,
    pub credits: Option<Credits>,
    pub account: AccountRef,
    /// Per-account concurrency limits (`max_concurrent_task_count`, `max_<service>_concurrency`).
    pub concurrency: Map<String, Value>,
    /// Where the figures come from: "piapi" or "ledger".
    pub source: String,
    /// When the figures were fetched (RFC 3339, UTC).
    pub fetched_at: String,
}

/// Result of `get_task_cost`: what PiAPI charged beside what the catalog predicted.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct TaskCostResult {
    pub task_id: String,
    pub model: Option<String>,
    pub task_type: Option<String>,
    /// PiAPI's status, lower-cased (pending, processing, staged, completed, failed).
    pub status: Option<String>,
    pub frozen_usd: Usd,
    pub consumed_usd: Usd,
    pub frozen_points: u64,
    pub consumed_points: u64,
    /// The catalog's estimate of the task's own input; null when it cannot be priced.
    pub estimate: Option<EstimateResult>,
    /// Why `estimate` is null, when it is.
    pub estimate_error: Option<String>,
    /// The charge against the catalog row that prices the task, as `reconcile_charges`
    /// compares it; null when the task cannot be priced.
    pub check: Option<ChargeCheck>,
}

/// How a form should ask for an input field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToJson, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One of `values` (strings, numbers or booleans, as PiAPI takes them).
    Choice,
    /// A whole number within `min`..=`max` (and one of `values` when they are listed).
    Integer,
    /// Free text whose length sets the price.
    Text,
}

/// One `input` field that changes the price.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct InputField {
    pub name: String,
    pub kind: FieldKind,
    /// The priced values (strings, numbers or booleans, as PiAPI takes them).
    #[schemars(schema_with = "scalars")]
    pub values: Vec<Value>,
    pub min: Option<u64>,
    pub max: Option<u64>,
    /// The documented default PiAPI applies when the field is missing.
    #[schemars(schema_with = "optional_scalar")]
    pub default: Option<Value>,
}

// Input values are scalars: saying so gives clients a schema they can check, where a bare
// `Value` would give the schema `true`.
fn scalars(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": {"type": ["string", "number", "boolean"]}})
}

fn optional_scalar(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "number", "boolean", "null"]})
}

/// Result of `price_inputs`: the inputs that change a model's price, for forms and assistants.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct PriceInputs {
    pub model: String,
    pub task_type: String,
    pub fields: Vec<InputField>,
    /// `hints` keys that fix a price depending on media the estimator cannot see.
    pub hints: Vec<&'static str>,
}

/// How many rows share one value (a confidence, an age class, a charge timing).
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct Count {
    pub key: &'static str,
    pub rows: usize,
}

/// A row whose price PiAPI's own sources disagree on.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct ConflictRow {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
    pub unit: Unit,
    /// The lowest and highest figure: what estimates of the row span per unit.
    pub min_usd: Usd,
    pub max_usd: Usd,
    pub sources: Vec<Source>,
}

/// A row PiAPI lists without a price.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct UnpricedRow {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
    pub reason: Text,
}

/// A row not confirmed recently (or never).
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct StaleRow {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
    /// When the price was last confirmed; null when the catalog does not say.
    pub confirmed: Option<String>,
    /// Days from `confirmed` to `as_of`; null when unconfirmed.
    pub age_days: Option<i64>,
}

/// Result of `catalog_report`: how far to trust the prices.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct CatalogReport {
    pub catalog_version: String,
    pub overlay: Option<String>,
    pub as_of: String,
    pub stale_after_days: u64,
    pub rows: usize,
    /// Rows per confidence (official, conflicting, derived, proxy, third-party, assumed, overlay).
    pub by_confidence: Vec<Count>,
    /// Rows per status (active, discontinued, unpriced).
    pub by_status: Vec<Count>,
    /// Rows per age class: `fresh` (confirmed within `stale_after_days`), `stale`, `unconfirmed`.
    pub by_age: Vec<Count>,
    /// Rows per charge timing (at_creation, on_completion).
    pub by_charge: Vec<Count>,
    pub conflicting: Vec<ConflictRow>,
    pub unpriced: Vec<UnpricedRow>,
    /// Stale and unconfirmed rows, oldest first.
    pub stale: Vec<StaleRow>,
}
