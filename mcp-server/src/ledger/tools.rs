//! The ledger's MCP tools: reserve before a job starts, settle with the real charge, release on
//! failure, see what is held, add budget. None is read-only; every one is idempotent by its id.
//!
//! Ids are the caller's: pass the same `hold_id` (or `grant_id`) on a retry and the first
//! outcome comes back, so a timed-out call can be repeated without double-spending.

use std::sync::atomic::{AtomicU64, Ordering};

use piapi_billing::ledger::{
    AccountId, AccountView, Command, Grant, GrantId, HoldId, LedgerError, Outcome, ReleaseCause,
};
use piapi_billing::money::Usd;
use piapi_billing::{Batch, Mode, PlanId, QuoteTopUpArgs, TaskSpec};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::service::LedgerService;
use crate::args::CoreArgs;
use crate::clock::{ledger_now, rfc3339};
use crate::output::Structured;
use crate::schema;
use crate::server::BillingServer;

/// A hold lives this long unless the caller says otherwise: above the slowest PiAPI video job.
const DEFAULT_TTL_SECONDS: u64 = 3600;
const DEFAULT_LIST_LIMIT: u32 = 100;
const MAX_LIST_LIMIT: u32 = 1000;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveCreditsArgs {
    /// Your id for this hold (letters, digits, - _ . : / @; at most 128). Reuse it on a retry to
    /// get the first outcome back. Generated when omitted (then a retry makes a second hold).
    #[serde(default)]
    pub hold_id: Option<String>,
    /// The account to hold from (an agent, a workflow, a team). Default "default".
    #[serde(default)]
    pub account: Option<String>,
    /// The amount to hold in USD. Give this or `tasks`, not both.
    #[serde(default)]
    pub amount_usd: Option<Usd>,
    /// PiAPI tasks to hold for, as for estimate_cost: the hold is the most they can cost or
    /// freeze (Σ max(max_usd, freeze_usd)).
    #[serde(default)]
    pub tasks: Option<Vec<TaskSpec>>,
    /// Plan, for tasks whose price or availability depends on it.
    #[serde(default)]
    pub plan: Option<PlanId>,
    /// Mode for tasks without config.service_mode (default payg).
    #[serde(default)]
    pub default_mode: Option<Mode>,
    /// Seconds until the hold expires by itself and frees its funds (1–2592000, default 3600).
    #[serde(default)]
    #[schemars(range(min = 1, max = piapi_billing::ledger::MAX_TTL_MS / 1000))]
    pub ttl_seconds: Option<u64>,
    /// A note shown by list_holds, e.g. the job it is for (at most 256 characters).
    #[serde(default)]
    pub memo: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReserveCreditsResult {
    pub hold_id: String,
    pub account: String,
    pub amount_usd: Usd,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC: after this instant the hold cannot be settled and its funds are free.
    pub expires_at: String,
    pub balance: AccountView,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleHoldArgs {
    pub hold_id: String,
    /// The real charge in USD, at most the held amount; the rest is released.
    #[serde(default)]
    pub amount_usd: Option<Usd>,
    /// A finished PiAPI task whose meta.usage.consume is the real charge (needs PIAPI_API_KEY).
    /// Give this or `amount_usd`.
    #[serde(default)]
    pub task_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SettleHoldResult {
    pub hold_id: String,
    pub account: String,
    pub held_usd: Usd,
    pub charged_usd: Usd,
    pub released_usd: Usd,
    pub settled_at: String,
    /// True when the hold had already expired: the charge was recorded as a late charge.
    pub late: bool,
    /// The PiAPI task the charge came from, when settled by task_id.
    pub task_id: Option<String>,
    pub balance: AccountView,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseHoldArgs {
    pub hold_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReleaseHoldResult {
    pub hold_id: String,
    pub account: String,
    pub released_usd: Usd,
    pub released_at: String,
    /// "released" by a call, or "expired" when its TTL had already run out.
    pub cause: ReleaseCause,
    pub balance: AccountView,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListHoldsArgs {
    /// Only this account's holds (default: every account).
    #[serde(default)]
    pub account: Option<String>,
    /// At most this many (1–1000, default 100).
    #[serde(default)]
    #[schemars(range(min = 1, max = MAX_LIST_LIMIT))]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OpenHold {
    pub hold_id: String,
    pub account: String,
    pub amount_usd: Usd,
    pub created_at: String,
    pub expires_at: String,
    pub age_seconds: u64,
    /// Zero when the TTL has run out and the next sweep will expire it.
    pub expires_in_seconds: u64,
    pub memo: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListHoldsResult {
    /// Open holds, oldest first: the stuck ones on top.
    pub holds: Vec<OpenHold>,
    pub total_held_usd: Usd,
    /// Where the ledger lives (file path or PostgreSQL server, without password).
    pub ledger: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantCreditsArgs {
    /// Your id for this grant; reuse it on a retry. Generated when omitted.
    #[serde(default)]
    pub grant_id: Option<String>,
    /// The account to credit (created on first grant). Default "default".
    #[serde(default)]
    pub account: Option<String>,
    /// The amount paid or allotted, in USD (> 0).
    pub amount_usd: Usd,
    /// Also credit PiAPI's top-up tier bonus for this amount (facts §5: +3% above $650, …).
    #[serde(default)]
    pub apply_top_up_bonus: bool,
    /// The plan, for the top-up quote (Enterprise may top up more without staff).
    #[serde(default)]
    pub plan: Option<PlanId>,
    #[serde(default)]
    pub memo: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GrantCreditsResult {
    pub grant: Grant,
    pub granted_at: String,
    pub balance: AccountView,
}

fn ledger_error(e: impl Into<LedgerError>) -> String {
    match e.into() {
        e @ LedgerError::InsufficientFunds { .. } => {
            format!("{e}. quote_top_up prices a top-up; grant_credits adds budget to the account.")
        }
        other => other.to_string(),
    }
}

fn parse<T: serde::de::DeserializeOwned + JsonSchema>(args: CoreArgs<T>) -> Result<T, String> {
    args.parse_serde().map_err(|e| e.message)
}

fn account_or_default(account: Option<String>) -> Result<AccountId, String> {
    account.map_or_else(
        || Ok(AccountId::default_account()),
        |a| AccountId::new(a).map_err(ledger_error),
    )
}

/// An id for callers that gave none: unique across processes and restarts.
fn generated_id(prefix: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}-{}",
        ledger_now().millis(),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

fn unexpected(outcome: &Outcome) -> String {
    format!("the ledger answered with an unexpected outcome: {outcome:?}")
}

impl BillingServer {
    async fn ledger(&self) -> Result<&LedgerService, String> {
        match &self.state.ledger {
            Some(slot) => slot.get().await,
            None => Err("the ledger is disabled on this server (see --ledger)".to_string()),
        }
    }

    /// The hold amount for a list of tasks: what PiAPI could charge or freeze at most.
    fn amount_for_tasks(
        &self,
        args: &ReserveCreditsArgs,
        tasks: &[TaskSpec],
    ) -> Result<Usd, String> {
        let estimate = self
            .state
            .billing
            .estimate(Batch {
                tasks,
                plan: args.plan,
                default_mode: args.default_mode,
                relax_used_today: None,
            })
            .map_err(|e| e.message)?;
        if let Some(first) = estimate.errors.first() {
            return Err(format!(
                "tasks[{}]: cannot be priced ({}: {}); reserve an explicit amount_usd instead",
                first.index,
                first.code.as_str(),
                first.message
            ));
        }
        // The same amount a pre-check requires, so a hold and a pre-check never disagree.
        Ok(piapi_billing::ops::precheck::required_usd(&estimate))
    }
}

#[tool_router(router = ledger_router, vis = "pub(crate)")]
impl BillingServer {
    #[tool(
        input_schema = schema::input::<ReserveCreditsArgs>(),
        output_schema = schema::output::<ReserveCreditsResult>(),
        title = "Reserve credits",
        description = "Hold credits in the server's own ledger before starting a paid job, so \
            two agents or workflow branches cannot both spend the same last dollars. Give \
            amount_usd, or tasks (as for estimate_cost) to hold the most they can cost. Pass \
            your own hold_id and reuse it on retries. Refuses with the shortfall when the \
            account cannot cover it. The hold expires by itself after ttl_seconds (default \
            3600); settle_hold it with the real charge when the job finishes, or release_hold \
            it when the job fails.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn reserve_credits(
        &self,
        Parameters(args): Parameters<CoreArgs<ReserveCreditsArgs>>,
    ) -> Result<Structured<ReserveCreditsResult>, String> {
        let args = parse(args)?;
        let amount = match (&args.amount_usd, &args.tasks) {
            (Some(amount), None) => *amount,
            (None, Some(tasks)) => self.amount_for_tasks(&args, tasks)?,
            _ => return Err(
                "give exactly one of amount_usd (USD to hold) or tasks (PiAPI tasks to hold for)"
                    .into(),
            ),
        };
        let ttl_seconds = args.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
        let command = Command::Reserve {
            hold_id: HoldId::new(args.hold_id.unwrap_or_else(|| generated_id("hold")))
                .map_err(ledger_error)?,
            account: account_or_default(args.account)?,
            amount,
            ttl_ms: ttl_seconds.saturating_mul(1000),
            memo: args.memo,
        };
        if ttl_seconds == 0 || ttl_seconds > piapi_billing::ledger::MAX_TTL_MS / 1000 {
            return Err(format!(
                "ttl_seconds: must be between 1 and 2592000 (30 days), got {ttl_seconds}"
            ));
        }
        let ledger = self.ledger().await?;
        let outcome = ledger.submit(command).await.map_err(ledger_error)?;
        let Outcome::Reserved(r) = outcome else {
            return Err(unexpected(&outcome));
        };
        let balance = ledger.account(&r.account).await.map_err(ledger_error)?;
        Ok(Structured(ReserveCreditsResult {
            hold_id: r.hold_id.to_string(),
            account: r.account.to_string(),
            amount_usd: r.amount_usd,
            created_at: rfc3339(r.created_at),
            expires_at: rfc3339(r.expires_at),
            balance,
        }))
    }

    #[tool(
        input_schema = schema::input::<SettleHoldArgs>(),
        output_schema = schema::output::<SettleHoldResult>(),
        title = "Settle a hold",
        description = "Charge a hold with the real cost of its job and release the rest. Give \
            amount_usd (at most the held amount), or task_id of a finished PiAPI task to charge \
            what PiAPI consumed (meta.usage.consume; a failed task charges 0). Retrying with \
            the same amount returns the first outcome. A hold that already expired is charged \
            as a late charge (late: true) so the real cost is never lost.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn settle_hold(
        &self,
        Parameters(args): Parameters<CoreArgs<SettleHoldArgs>>,
    ) -> Result<Structured<SettleHoldResult>, String> {
        let args = parse(args)?;
        let hold_id = HoldId::new(args.hold_id).map_err(ledger_error)?;
        let (amount, task_id) = match (args.amount_usd, args.task_id) {
            (Some(amount), None) => (amount, None),
            (None, Some(task_id)) => (self.charge_of_task(task_id.trim()).await?, Some(task_id.trim().to_string())),
            _ => return Err("give exactly one of amount_usd (the real charge) or task_id (a finished PiAPI task)".into()),
        };
        let ledger = self.ledger().await?;
        let command = Command::Settle {
            hold_id,
            amount,
            reference: task_id.clone(),
        };
        let outcome = ledger.submit(command).await.map_err(ledger_error)?;
        let Outcome::Settled(s) = outcome else {
            return Err(unexpected(&outcome));
        };
        let balance = ledger.account(&s.account).await.map_err(ledger_error)?;
        Ok(Structured(SettleHoldResult {
            hold_id: s.hold_id.to_string(),
            account: s.account.to_string(),
            held_usd: s.held_usd,
            charged_usd: s.charged_usd,
            released_usd: s.released_usd,
            settled_at: rfc3339(s.settled_at),
            late: s.late,
            task_id,
            balance,
        }))
    }

    #[tool(
        input_schema = schema::input::<ReleaseHoldArgs>(),
        output_schema = schema::output::<ReleaseHoldResult>(),
        title = "Release a hold",
        description = "Give a hold's whole amount back to its account, e.g. when its job failed \
            or was never submitted. Safe to repeat; releasing an expired hold reports that it \
            expired. A settled hold cannot be released.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn release_hold(
        &self,
        Parameters(args): Parameters<CoreArgs<ReleaseHoldArgs>>,
    ) -> Result<Structured<ReleaseHoldResult>, String> {
        let args = parse(args)?;
        let hold_id = HoldId::new(args.hold_id).map_err(ledger_error)?;
        let ledger = self.ledger().await?;
        let outcome = ledger
            .submit(Command::Release { hold_id })
            .await
            .map_err(ledger_error)?;
        let Outcome::Released(r) = outcome else {
            return Err(unexpected(&outcome));
        };
        let balance = ledger.account(&r.account).await.map_err(ledger_error)?;
        Ok(Structured(ReleaseHoldResult {
            hold_id: r.hold_id.to_string(),
            account: r.account.to_string(),
            released_usd: r.released_usd,
            released_at: rfc3339(r.released_at),
            cause: r.cause,
            balance,
        }))
    }

    #[tool(
        input_schema = schema::input::<ListHoldsArgs>(),
        output_schema = schema::output::<ListHoldsResult>(),
        title = "List open holds",
        description = "Show the credits currently held, oldest first, with each hold's age and \
            time left before it expires by itself: stuck holds are the old ones on top. \
            Optionally for one account.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_holds(
        &self,
        Parameters(args): Parameters<CoreArgs<ListHoldsArgs>>,
    ) -> Result<Structured<ListHoldsResult>, String> {
        let args = parse(args)?;
        let limit = args.limit.unwrap_or(DEFAULT_LIST_LIMIT);
        if !(1..=MAX_LIST_LIMIT).contains(&limit) {
            return Err(format!(
                "limit: must be between 1 and {MAX_LIST_LIMIT}, got {limit}"
            ));
        }
        let account = args
            .account
            .map(AccountId::new)
            .transpose()
            .map_err(ledger_error)?;
        let ledger = self.ledger().await?;
        let holds = ledger
            .open_holds(account.as_ref(), limit as usize)
            .await
            .map_err(ledger_error)?;
        let now = ledger_now();
        Ok(Structured(ListHoldsResult {
            total_held_usd: Usd(holds.iter().map(|h| h.amount.0).sum()),
            holds: holds
                .into_iter()
                .map(|h| OpenHold {
                    hold_id: h.id.to_string(),
                    account: h.account.to_string(),
                    amount_usd: h.amount,
                    created_at: rfc3339(h.created_at),
                    expires_at: rfc3339(h.expires_at),
                    age_seconds: now.since(h.created_at) / 1000,
                    expires_in_seconds: h.expires_at.since(now).div_ceil(1000),
                    memo: h.memo,
                })
                .collect(),
            ledger: ledger.location().to_string(),
        }))
    }

    #[tool(
        input_schema = schema::input::<GrantCreditsArgs>(),
        output_schema = schema::output::<GrantCreditsResult>(),
        title = "Grant credits",
        description = "Add budget to a ledger account (created on its first grant), e.g. after \
            a PiAPI top-up or to give an agent or team its allowance. With \
            apply_top_up_bonus, also credit the PiAPI top-up tier bonus for amount_usd. Pass \
            your own grant_id and reuse it on retries so a top-up is never counted twice.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn grant_credits(
        &self,
        Parameters(args): Parameters<CoreArgs<GrantCreditsArgs>>,
    ) -> Result<Structured<GrantCreditsResult>, String> {
        let args = parse(args)?;
        let bonus = if args.apply_top_up_bonus {
            let quote = self
                .state
                .billing
                .quote_top_up(&QuoteTopUpArgs {
                    amount_usd: args.amount_usd,
                    plan: args.plan,
                })
                .map_err(|e| e.message)?;
            quote.bonus_usd
        } else {
            Usd::ZERO
        };
        let command = Command::Grant {
            grant_id: GrantId::new(args.grant_id.unwrap_or_else(|| generated_id("grant")))
                .map_err(ledger_error)?,
            account: account_or_default(args.account)?,
            amount: args.amount_usd,
            bonus,
            memo: args.memo,
        };
        let ledger = self.ledger().await?;
        let outcome = ledger.submit(command).await.map_err(ledger_error)?;
        let Outcome::Granted(grant) = outcome else {
            return Err(unexpected(&outcome));
        };
        let balance = ledger.account(&grant.account).await.map_err(ledger_error)?;
        Ok(Structured(GrantCreditsResult {
            granted_at: rfc3339(grant.granted_at),
            grant,
            balance,
        }))
    }
}

impl BillingServer {
    /// What PiAPI charged for a finished task, from its meta.usage.consume.
    async fn charge_of_task(&self, task_id: &str) -> Result<Usd, String> {
        if task_id.is_empty() {
            return Err("task_id: must not be empty".into());
        }
        let Some(piapi) = &self.state.piapi else {
            return Err(
                "task_id: settling by PiAPI task needs PIAPI_API_KEY in the server's environment; \
                        pass amount_usd instead"
                    .into(),
            );
        };
        let cost = piapi
            .task_cost(&self.state.billing, task_id)
            .await
            .map_err(|e| e.to_string())?;
        match cost.status.as_deref() {
            Some("completed") | Some("failed") => Ok(cost.consumed_usd),
            other => Err(format!(
                "task_id: PiAPI task {task_id} is {} and has no final charge yet; settle it once it has completed or failed",
                other.unwrap_or("in an unknown state")
            )),
        }
    }
}
