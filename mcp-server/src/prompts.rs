//! Prompts that walk an assistant through the tools in the order a careful human would use
//! them: estimate, pre-check, then quote a top-up only if credits are short.
//!
//! Prompt arguments arrive as strings on the wire, so every field here is a string; the tools
//! they lead to do the parsing and validation.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::server::BillingServer;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BudgetArgs {
    /// What the user wants to generate, in their words (e.g. "20 ten-second Kling 3.0 pro
    /// videos with audio and 200 Flux dev images").
    pub goal: String,
    /// The most the user wants to spend, in USD (optional).
    #[serde(default)]
    pub budget_usd: Option<String>,
    /// The user's PiAPI plan: free, creator, pro or enterprise (optional).
    #[serde(default)]
    pub plan: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct TaskCostArgs {
    /// The PiAPI task id to audit.
    pub task_id: String,
}

#[prompt_router(router = "prompt_router", vis = "pub(crate)")]
impl BillingServer {
    #[prompt(
        name = "plan_generation_budget",
        title = "Plan a generation budget",
        description = "Work out what a batch of PiAPI generations will cost, whether the account \
            can afford it, and what top-up would cover a shortfall: estimate_cost, then \
            precheck_credits, then quote_top_up."
    )]
    fn plan_generation_budget(
        &self,
        Parameters(args): Parameters<BudgetArgs>,
    ) -> Vec<PromptMessage> {
        let budget = match args.budget_usd.as_deref().map(str::trim) {
            Some(b) if !b.is_empty() => {
                format!(" The user's budget is ${b}; say clearly whether the plan fits it.")
            }
            _ => String::new(),
        };
        let plan = match args.plan.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => format!("Pass plan \"{}\" to every tool that takes one.", p.to_lowercase()),
            _ => "If the user's plan matters (some models need Creator or higher), ask for it or pass none.".to_owned(),
        };
        let text = format!(
            "I want to generate: {goal}.{budget}\n\n\
             Plan the budget with the piapi-billing tools, step by step:\n\
             1. Turn the request into PiAPI task lines, each exactly as it would be POSTed to \
                /api/v1/task (model, task_type, input, config), with `count` for repeats. Use \
                list_prices if you are unsure of a model name, task type or variant. {plan}\n\
             2. Call estimate_cost with those lines. Report the total (min-max if not exact), \
                the per-line cost, any defaults the estimator applied, and every entry of \
                `errors` (lines it could not price) with its reason. Never invent a price.\n\
             3. Call precheck_credits with the same lines (omit balance_usd to use the live \
                PiAPI balance; if the tool says no key is configured, ask me for my balance). \
                Explain the decision: available vs required (required includes what PiAPI \
                freezes while tasks run) and any blockers such as plan_required or seat_required.\n\
             4. Only if the decision is insufficient_credits, call quote_top_up with the \
                suggested amount (and a round amount above the next bonus tier if it is close) \
                and show the credited amount and bonus.\n\
             5. Finish with a short table: line, quantity, unit price, cost; then the total, the \
                balance after the batch, and whether to top up. Money in USD with the exact \
                decimals the tools return.",
            goal = args.goal.trim(),
        );
        vec![PromptMessage::new_text(Role::User, text)]
    }

    #[prompt(
        name = "audit_task_cost",
        title = "Audit what a task cost",
        description = "Compare what PiAPI charged for a finished task with the catalog's \
            estimate of the same input, using get_task_cost."
    )]
    fn audit_task_cost(&self, Parameters(args): Parameters<TaskCostArgs>) -> Vec<PromptMessage> {
        let text = format!(
            "Call get_task_cost with task_id \"{id}\". Report the task's status, what PiAPI \
             froze and consumed (USD and points), and the catalog's estimate for the same \
             input. If the two differ, say by how much and suggest why (defaults applied, \
             hints missing, a price change); if the estimate is null, quote estimate_error.",
            id = args.task_id.trim()
        );
        vec![PromptMessage::new_text(Role::User, text)]
    }
}
