//! Arguments of the offline tools (and of `get_task_cost`), as callers send them.
//!
//! Argument types refuse unknown fields (a typo is an error, not a silently ignored input);
//! PiAPI's own `input` object stays open because it carries prompts and URLs. Each type's
//! reader is derived from its declaration, and the MCP tool schemas from the same serde
//! attributes.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::json::FromJson;
use crate::model::{Mode, PlanId};
use crate::money::{Dec, Usd};

/// One line of work in PiAPI's Unified API Schema, plus a repeat count and hints.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
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
    /// How many identical tasks this line stands for (1–10,000). Any whole number is read, so
    /// that 0 and a negative count are the same line error, not one a refusal of the call.
    #[serde(default = "one")]
    pub count: i64,
    /// Quantities that depend on media the estimator cannot see.
    #[serde(default)]
    pub hints: Hints,
}

fn one() -> i64 {
    1
}

/// Facts about input media that fix a price which would otherwise be an interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct Hints {
    /// Length of the input or output video in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_seconds: Option<Dec>,
    /// Length of the input audio in seconds (e.g. the speech that drives a Kling avatar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_seconds: Option<Dec>,
    /// Total length in seconds of the reference videos a task sends (e.g. Seedance omni
    /// reference bills them beside the output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_video_seconds: Option<Dec>,
    /// Number of frames of the input video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
    /// Width in pixels of the input (or output) image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    /// Height in pixels of the input (or output) image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
}

/// Arguments of `estimate_cost`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relax_used_today: Option<u64>,
}

/// Arguments of `precheck_credits`: the estimate arguments plus the account's funds.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct PrecheckArgs {
    /// The tasks to check (1–1,000 lines).
    pub tasks: Vec<TaskSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// What prices a batch: its tasks and the account facts that change their price. Borrowed from
/// [`EstimateArgs`] or [`PrecheckArgs`], so a pre-check prices its tasks without copying them.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub tasks: &'a [TaskSpec],
    pub plan: Option<PlanId>,
    pub default_mode: Option<Mode>,
    pub relax_used_today: Option<u64>,
}

impl EstimateArgs {
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            tasks: &self.tasks,
            plan: self.plan,
            default_mode: self.default_mode,
            relax_used_today: self.relax_used_today,
        }
    }
}

impl PrecheckArgs {
    /// The part of the arguments that prices the tasks.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            tasks: &self.tasks,
            plan: self.plan,
            default_mode: self.default_mode,
            relax_used_today: self.relax_used_today,
        }
    }
}

/// Arguments of `list_prices`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
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

/// Arguments of `quote_top_up`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct QuoteTopUpArgs {
    /// The one-time top-up in USD (> 0, at most two decimals).
    pub amount_usd: Usd,
    /// The account's plan; Enterprise may top up more without staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
}

/// Arguments of tools that take none; an object so MCP schemas stay `type: object`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Arguments of `get_task_cost`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct GetTaskCostArgs {
    /// The PiAPI task id returned by `POST /api/v1/task`.
    pub task_id: String,
}

/// Arguments of `price_inputs`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct PriceInputsArgs {
    /// PiAPI model, exactly as sent to PiAPI (e.g. "kling").
    pub model: String,
    /// PiAPI task type (e.g. "video_generation").
    pub task_type: String,
}

/// Arguments of `catalog_report`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema, FromJson)]
#[serde(deny_unknown_fields)]
pub struct CatalogReportArgs {
    /// The day ages are measured from, `YYYY-MM-DD` (UTC). The MCP server, the CLI and the
    /// JavaScript API fill in today when it is left out; the core itself reads no clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// A price last confirmed more than this many days before `as_of` is stale (default 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after_days: Option<u64>,
}
