//! Arguments and results of the account reports: `spend_report` (where the money went) and
//! `reconcile_charges` (which catalog rows the real charges contradict, and the overlay that
//! corrects them). Both read the account's own task history, so they are MCP and CLI only.

use schemars::JsonSchema;
use serde::Serialize;

use crate::json::{FromJson, ToJson};
use crate::model::OverlayFile;
use crate::money::Usd;
use crate::text::Text;

/// How `spend_report` groups the tasks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema, FromJson)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The UTC date the task was created.
    #[default]
    Day,
    /// PiAPI's model (`task_model` in the history).
    Model,
    /// PiAPI's task type (`action` in the history).
    TaskType,
    /// `public` (pay-as-you-go) or `private` (host-your-account).
    ServiceMode,
    /// The budget gateway's virtual key that created the task, from the ledger the gateway
    /// keeps its tasks in; tasks sent to PiAPI directly form the group `(not through the
    /// gateway)`.
    Key,
}

/// Arguments of `spend_report`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct SpendReportArgs {
    /// Start of the window: RFC 3339, or a span back from now ("7d", "24h", "90m", "2w").
    /// Default: seven days before `until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// End of the window (exclusive), in the same forms. Default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// How to group the tasks (default "day").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
}

/// Arguments of `reconcile_charges`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct ReconcileArgs {
    /// Start of the window, as in `spend_report` (default: seven days before `until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// End of the window (exclusive; default now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Most completed tasks whose details are fetched and compared (1–5,000, default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tasks: Option<u64>,
}

/// A task left out of a report, or a part of the history that could not be read.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct SkippedTask {
    /// The task's id; null when a whole history page is missing.
    pub task_id: Option<String>,
    pub reason: String,
}

/// One group of `spend_report`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct SpendGroup {
    pub key: String,
    pub tasks: u64,
    pub usd: Usd,
    pub points: u64,
}

/// One of the most expensive tasks in the window.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct TopTask {
    pub task_id: String,
    pub model: String,
    pub task_type: String,
    pub usd: Usd,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Result of `spend_report`: what the account was charged in the window, grouped.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct SpendReport {
    /// The window, RFC 3339 UTC; `until` is exclusive.
    pub since: String,
    pub until: String,
    pub group_by: GroupBy,
    /// Finished (completed or failed) tasks counted in the totals.
    pub tasks: u64,
    pub total_usd: Usd,
    pub total_points: u64,
    /// Held for tasks still running (pending, processing, staged); not in the totals.
    pub frozen_usd: Usd,
    pub frozen_points: u64,
    /// The finished tasks grouped by `group_by`; the groups' sums are the totals.
    pub groups: Vec<SpendGroup>,
    /// The ten most expensive finished tasks.
    pub top_tasks: Vec<TopTask>,
    /// True when the window holds more tasks than one report reads (see `docs/contract.md`).
    pub truncated: bool,
    /// Tasks and history pages left out, with the reason; the totals do not include them.
    pub skipped: Vec<SkippedTask>,
    /// Spend per UTC day and model, for the chart; not part of the JSON.
    #[serde(skip)]
    #[schemars(skip)]
    pub daily: Vec<DaySpend>,
}

/// One day's spend by model (points), in model order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DaySpend {
    pub day: String,
    pub by_model: Vec<(String, u64)>,
}

/// One catalog row as the account's charges see it.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ReconcileRow {
    pub entry_id: Text,
    /// Completed tasks the catalog priced with this row.
    pub tasks: u64,
    pub charged_usd: Usd,
    /// Sums of the tasks' estimates.
    pub estimated_min_usd: Usd,
    pub estimated_max_usd: Usd,
    /// Tasks whose charge fell outside their estimate.
    pub outside: u64,
    /// The unit price the outside tasks' charges imply, when they all imply the same one.
    pub implied_unit_price_usd: Option<Usd>,
    /// Why no unit price is implied, or why the overlay leaves the row alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Completed tasks of a service the catalog could not price.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct UnmatchedService {
    pub model: String,
    pub task_type: String,
    pub tasks: u64,
    pub charged_usd: Usd,
    /// Why the catalog could not price the first of them.
    pub reason: String,
}

/// Result of `reconcile_charges`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ReconcileReport {
    pub since: String,
    pub until: String,
    /// The catalog the charges were compared with (and its overlay, if any).
    pub catalog_version: String,
    pub catalog_overlay: Option<String>,
    /// Completed tasks compared with the catalog (matched to a row or unmatched).
    pub tasks_checked: u64,
    pub tasks_skipped: Vec<SkippedTask>,
    /// Every row at least one task matched; rows with tasks outside their estimate first.
    pub rows: Vec<ReconcileRow>,
    pub unmatched: Vec<UnmatchedService>,
    /// Patches the rows whose charges imply one new unit price; null when nothing drifted.
    pub overlay: Option<OverlayFile>,
    /// True when the window held more completed tasks than `max_tasks`.
    pub truncated: bool,
}

/// What `get_task_cost` makes of one task's charge against the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, ToJson, JsonSchema)]
pub struct ChargeCheck {
    pub entry_id: Text,
    pub charged_usd: Usd,
    pub estimated_min_usd: Usd,
    pub estimated_max_usd: Usd,
    /// False when the charge lies outside the estimate.
    pub inside: bool,
    /// The unit price the charge implies, when the task's quantity is known.
    pub implied_unit_price_usd: Option<Usd>,
}
