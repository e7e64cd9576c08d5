//! The JSON contract of `../shared/docs/contract.md`, defined once.
//!
//! Both front ends parse arguments into these types and serialize these results, and the MCP
//! tool schemas are generated from them, so a field cannot drift between the server, the WASM
//! module and the documentation. Argument types reject unknown fields (typos are errors);
//! PiAPI's own `input` object stays open because it carries prompts and URLs.

use schemars::JsonSchema;
use serde::Serialize;

use crate::json::{FromJson, Reader, deserialize_with_reader};
use serde_json::{Map, Value};

use crate::catalog::{Confidence, Status, Unit};
use crate::money::{Dec, Usd};
use crate::text::Text;

/// The plans of facts §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanId {
    Free,
    Creator,
    Pro,
    Enterprise,
}

impl PlanId {
    pub const ALL: [PlanId; 4] = [
        PlanId::Free,
        PlanId::Creator,
        PlanId::Pro,
        PlanId::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanId::Free => "free",
            PlanId::Creator => "creator",
            PlanId::Pro => "pro",
            PlanId::Enterprise => "enterprise",
        }
    }
}

/// How a task is billed (facts §2): PiAPI's pool from credits, or the user's own seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Payg,
    Hya,
}

/// One line of work in PiAPI's Unified API Schema, plus a repeat count and hints.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// PiAPI model, exactly as sent to `POST /api/v1/task` (e.g. "kling", "Qubico/flux1-dev").
    pub model: String,
    /// PiAPI task type (e.g. "video_generation", "txt2img").
    pub task_type: String,
    /// The task's `input` object; fields that change the price are read, others are ignored.
    #[serde(default)]
    pub input: Map<String, Value>,
    /// The task's `config` object; `service_mode` "public" is pay-as-you-go, "private" is HYA.
    #[serde(default)]
    pub config: Map<String, Value>,
    /// How many identical tasks this line stands for (1–10,000).
    #[serde(default = "one", deserialize_with = "crate::money::de_whole")]
    pub count: u64,
    /// Quantities that depend on media the estimator cannot see.
    #[serde(default)]
    pub hints: Hints,
}

fn one() -> u64 {
    1
}

/// Facts about input media that fix a price which would otherwise be an interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hints {
    /// Length of the input or output video in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_seconds: Option<Dec>,
    /// Number of frames of the input video.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::money::de_opt_whole"
    )]
    pub frames: Option<u64>,
    /// Width in pixels of the input (or output) image.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::money::de_opt_whole"
    )]
    pub width: Option<u64>,
    /// Height in pixels of the input (or output) image.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::money::de_opt_whole"
    )]
    pub height: Option<u64>,
}

/// Arguments of `estimate_cost`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateArgs {
    /// The tasks to price (1–1,000 lines).
    pub tasks: Vec<TaskSpec>,
    /// The account's plan; gates some services and sets the Midjourney relax limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
    /// Mode for tasks whose `config.service_mode` is empty or absent (default "payg").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<Mode>,
    /// Midjourney relax tasks already run today (for the 2× over-limit rule).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::money::de_opt_whole"
    )]
    pub relax_used_today: Option<u64>,
}

/// Arguments of `precheck_credits`: the estimate arguments plus the account's funds.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecheckArgs {
    /// The tasks to check (1–1,000 lines).
    pub tasks: Vec<TaskSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<Mode>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::money::de_opt_whole"
    )]
    pub relax_used_today: Option<u64>,
    /// Account balance in USD. The MCP server fetches it from PiAPI when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_usd: Option<Usd>,
    /// Credits already frozen by running tasks, in USD (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen_usd: Option<Usd>,
    /// Services with an active host-your-account seat (e.g. ["kling"]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hya_seats: Option<Vec<String>>,
}

impl PrecheckArgs {
    /// The part of the arguments that prices the tasks.
    pub fn estimate_args(&self) -> EstimateArgs {
        EstimateArgs {
            tasks: self.tasks.clone(),
            plan: self.plan,
            default_mode: self.default_mode,
            relax_used_today: self.relax_used_today,
        }
    }
}

/// Codes of a line that could not be priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct LineError {
    pub index: usize,
    pub code: LineErrorCode,
    pub message: String,
}

/// One priced line.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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
    /// What PiAPI freezes for the whole line while its tasks run.
    pub freeze_usd: Usd,
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
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Ok,
    InsufficientCredits,
    Blocked,
}

/// Codes of what stops a batch from being submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
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

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Blocker {
    /// The line it concerns; null for the whole batch.
    pub index: Option<usize>,
    pub code: BlockerCode,
    pub message: String,
}

/// A top-up that would cover a shortfall.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct SuggestedTopUp {
    pub amount_usd: Usd,
    pub bonus_pct: Dec,
    pub bonus_usd: Usd,
    pub self_serve: bool,
}

/// Result of `precheck_credits`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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

/// Arguments of `list_prices`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListPricesArgs {
    /// Only this model (exact PiAPI model name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Only this task type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Case-insensitive (ASCII letters) substring over model, task type, variant and id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

/// One row of the price list.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct PriceRow {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
    pub variant: Text,
    pub unit: Unit,
    /// PAYG price of one unit; null when unpriced or priced by tiers.
    pub price_usd: Option<Usd>,
    /// Price tiers by output pixels, when the entry has them.
    pub tiers: Vec<crate::catalog::PriceTier>,
    pub mode: Mode,
    /// HYA seat that runs this service at no credit cost; null when pay-as-you-go only.
    pub hya_seat: Option<String>,
    pub confidence: Confidence,
    pub source: Text,
    pub status: Status,
    pub notes: Text,
}

/// Result of `list_prices`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ListPricesResult {
    pub catalog_version: String,
    pub overlay: Option<String>,
    pub entries: Vec<PriceRow>,
}

/// Arguments of `quote_top_up`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteTopUpArgs {
    /// The one-time top-up in USD (> 0, at most two decimals).
    pub amount_usd: Usd,
    /// The account's plan; Enterprise may top up more without staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct NextTier {
    pub above_usd: Usd,
    pub bonus_pct: Dec,
}

/// Result of `quote_top_up`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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

/// Result of `list_plans`: facts §2, §3 and §5 as data.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct PlansResult {
    pub catalog_version: String,
    pub plans: Vec<crate::plans::Plan>,
    pub usage_modes: Vec<crate::plans::UsageMode>,
    pub hya_seats: Vec<crate::plans::HyaSeat>,
    pub top_up_tiers: Vec<crate::topup::TopUpTier>,
    pub account_facts: crate::plans::AccountFacts,
}

/// Arguments of tools that take none; an object so MCP schemas stay `type: object`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Credit-pack figures from PiAPI's account info, in USD.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Credits {
    pub available: Usd,
    pub used: Usd,
    pub total: Usd,
    pub frozen: Usd,
}

/// The PiAPI account a balance belongs to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub struct AccountRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Result of `check_balance` (MCP only: it needs PiAPI, or the ledger when no key is set).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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

/// Arguments of `get_task_cost`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskCostArgs {
    /// The PiAPI task id returned by `POST /api/v1/task`.
    pub task_id: String,
}

/// Result of `get_task_cost`: what PiAPI charged beside what the catalog predicted.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
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
}

// ---- reading arguments (see `crate::json` for why these are hand-written) --------------------

impl FromJson for PlanId {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        r.variant(&PlanId::ALL.map(|p| (p.as_str(), p)))
    }
}

impl FromJson for Mode {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        r.variant(&[("payg", Mode::Payg), ("hya", Mode::Hya)])
    }
}

impl FromJson for TaskSpec {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &["model", "task_type", "input", "config", "count", "hints"];
        let mut task = TaskSpec {
            count: 1,
            ..TaskSpec::default()
        };
        let seen = r.fields(FIELDS, |r, i| {
            match i {
                0 => task.model = String::read(r)?,
                1 => task.task_type = String::read(r)?,
                2 => task.input = r.map()?,
                3 => task.config = r.map()?,
                4 => task.count = r.whole()?,
                _ => task.hints = Hints::read(r)?,
            }
            Ok(())
        })?;
        r.require(seen, FIELDS, &[0, 1])?;
        Ok(task)
    }
}

impl FromJson for Hints {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &["video_seconds", "frames", "width", "height"];
        let mut hints = Hints::default();
        r.fields(FIELDS, |r, i| {
            match i {
                0 => hints.video_seconds = Option::read(r)?,
                1 => hints.frames = Option::read(r)?,
                2 => hints.width = Option::read(r)?,
                _ => hints.height = Option::read(r)?,
            }
            Ok(())
        })?;
        Ok(hints)
    }
}

impl FromJson for EstimateArgs {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &["tasks", "plan", "default_mode", "relax_used_today"];
        let mut args = EstimateArgs::default();
        let seen = r.fields(FIELDS, |r, i| {
            match i {
                0 => args.tasks = Vec::read(r)?,
                1 => args.plan = Option::read(r)?,
                2 => args.default_mode = Option::read(r)?,
                _ => args.relax_used_today = Option::read(r)?,
            }
            Ok(())
        })?;
        r.require(seen, FIELDS, &[0])?;
        Ok(args)
    }
}

impl FromJson for PrecheckArgs {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &[
            "tasks",
            "plan",
            "default_mode",
            "relax_used_today",
            "balance_usd",
            "frozen_usd",
            "hya_seats",
        ];
        let mut args = PrecheckArgs::default();
        let seen = r.fields(FIELDS, |r, i| {
            match i {
                0 => args.tasks = Vec::read(r)?,
                1 => args.plan = Option::read(r)?,
                2 => args.default_mode = Option::read(r)?,
                3 => args.relax_used_today = Option::read(r)?,
                4 => args.balance_usd = Option::read(r)?,
                5 => args.frozen_usd = Option::read(r)?,
                _ => args.hya_seats = Option::read(r)?,
            }
            Ok(())
        })?;
        r.require(seen, FIELDS, &[0])?;
        Ok(args)
    }
}

impl FromJson for ListPricesArgs {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &["model", "task_type", "query"];
        let mut args = ListPricesArgs::default();
        r.fields(FIELDS, |r, i| {
            match i {
                0 => args.model = Option::read(r)?,
                1 => args.task_type = Option::read(r)?,
                _ => args.query = Option::read(r)?,
            }
            Ok(())
        })?;
        Ok(args)
    }
}

impl FromJson for QuoteTopUpArgs {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &["amount_usd", "plan"];
        let mut args = QuoteTopUpArgs::default();
        let seen = r.fields(FIELDS, |r, i| {
            match i {
                0 => args.amount_usd = Usd::read(r)?,
                _ => args.plan = Option::read(r)?,
            }
            Ok(())
        })?;
        r.require(seen, FIELDS, &[0])?;
        Ok(args)
    }
}

impl FromJson for NoArgs {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        r.fields(&[], |_, _| Ok(()))?;
        Ok(NoArgs {})
    }
}

impl FromJson for GetTaskCostArgs {
    fn read(r: &mut Reader<'_>) -> Result<Self, crate::Error> {
        const FIELDS: &[&str] = &["task_id"];
        let mut args = GetTaskCostArgs::default();
        let seen = r.fields(FIELDS, |r, _| {
            args.task_id = String::read(r)?;
            Ok(())
        })?;
        r.require(seen, FIELDS, &[0])?;
        Ok(args)
    }
}

deserialize_with_reader!(
    PlanId,
    Mode,
    TaskSpec,
    Hints,
    EstimateArgs,
    PrecheckArgs,
    ListPricesArgs,
    QuoteTopUpArgs,
    NoArgs,
    GetTaskCostArgs,
);
