//! The MCP tools: the offline ones answered by the billing core (estimate, pre-check, plans,
//! prices, top-up, price inputs, catalog report) and the live ones that ask PiAPI.
//!
//! Every tool returns the contract type as `structuredContent` (with its JSON text copy) and
//! declares the matching output schema. A failure the assistant can fix (a bad argument, a
//! missing key, PiAPI being down) is a tool result with `isError: true` and text only, never a
//! JSON-RPC error, so the model sees the message and can correct itself.
//!
//! Each tool names its input and output schemas ([`crate::schema`]) beside its description,
//! so the schemas clients see are generated once, portable, and not cached by rmcp.

use piapi_billing::{
    CatalogReport, CatalogReportArgs, CheckBalanceResult, EstimateArgs, EstimateResult, Funds,
    GetTaskCostArgs, ListPricesArgs, ListPricesResult, NoArgs, PlansResult, PrecheckArgs,
    PrecheckResult, PriceInputs, PriceInputsArgs, QuoteTopUpArgs, TaskCostResult, TopUpQuote,
};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};

use crate::args::CoreArgs;
use crate::output::Structured;
use crate::schema;
use crate::server::BillingServer;

/// The message of a core error already names the field and the allowed values.
fn core_error(err: piapi_billing::Error) -> String {
    err.message
}

#[tool_router(router = tool_router, vis = "pub(crate)")]
impl BillingServer {
    #[tool(
        input_schema = schema::input::<EstimateArgs>(),
        output_schema = schema::output::<EstimateResult>(),
        title = "Estimate cost",
        description = "Price PiAPI tasks before submitting them. Pass each task exactly as it \
            would be POSTed to /api/v1/task (model, task_type, input, optional config), plus an \
            optional count to repeat it and hints (video_seconds, frames, width, height) for \
            quantities that depend on media the estimator cannot see. Returns min/max totals in \
            USD (decimal strings) and points, one line per task with unit, quantity, unit price, \
            what PiAPI freezes while it runs, the defaults applied, and the source and \
            confidence of the price. Lines that cannot be priced are listed in `errors` with a \
            code and left out of the totals (`exact` is then false). Offline; no account needed.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn estimate_cost(
        &self,
        Parameters(args): Parameters<CoreArgs<EstimateArgs>>,
    ) -> Result<Structured<EstimateResult>, String> {
        let args = args.parse().map_err(core_error)?;
        self.state
            .billing
            .estimate_cost(&args)
            .map(Structured)
            .map_err(core_error)
    }

    #[tool(
        input_schema = schema::input::<PrecheckArgs>(),
        output_schema = schema::output::<PrecheckResult>(),
        title = "Pre-check credits",
        description = "Decide whether the account can afford a batch of PiAPI tasks before \
            submitting it. Takes the estimate_cost arguments plus balance_usd, frozen_usd and \
            hya_seats. When balance_usd is omitted the server reads the live balance and frozen \
            credits from PiAPI (needs PIAPI_API_KEY on the server). Returns ok, a decision \
            (ok | insufficient_credits | blocked), available vs required USD (required counts \
            what PiAPI freezes), the shortfall, blockers such as plan_required or \
            seat_required, a suggested top-up, and the full estimate.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn precheck_credits(
        &self,
        Parameters(args): Parameters<CoreArgs<PrecheckArgs>>,
    ) -> Result<Structured<PrecheckResult>, String> {
        let args = args.parse().map_err(core_error)?;
        let billing = &self.state.billing;
        let result = if self.state.needs_live_balance(&args) {
            let live = self.state.fetch_balance().await.map_err(|e| {
                format!("balance_usd: not given, and the live balance is unavailable: {e}. Pass balance_usd (and frozen_usd) explicitly")
            })?;
            // PiAPI reports what is available and what is frozen: the pre-check takes both as
            // they are.
            let funds = Funds::Available {
                available: live.available_usd,
                frozen: live.frozen_usd,
            };
            billing.precheck_with(&args, funds)
        } else {
            billing.precheck_credits(&args)
        };
        result.map(Structured).map_err(core_error)
    }

    #[tool(
        input_schema = schema::input::<NoArgs>(),
        output_schema = schema::output::<PlansResult>(),
        title = "List plans",
        description = "PiAPI's plans (Free, Creator, Pro, Enterprise) with monthly price, \
            features and limits; the usage modes (pay-as-you-go from credits, or \
            host-your-account seats); HYA seat prices; top-up bonus tiers; and account facts \
            (free credits, credit validity, top-up limits, auto-recharge). Offline.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn list_plans(
        &self,
        Parameters(args): Parameters<CoreArgs<NoArgs>>,
    ) -> Result<Structured<PlansResult>, String> {
        let NoArgs {} = args.parse().map_err(core_error)?;
        Ok(Structured(self.state.billing.list_plans()))
    }

    #[tool(
        input_schema = schema::input::<ListPricesArgs>(),
        output_schema = schema::output::<ListPricesResult>(),
        title = "List prices",
        description = "Search the price catalog. Filter by exact model (e.g. \"kling\", \
            \"Qubico/flux1-dev\"), exact task_type, and/or a case-insensitive query over model, \
            task type and variant (e.g. \"veo\", \"upscale\"). Each entry gives the unit \
            (task, second, image, megapixel, frame, 1,000 characters), the USD price or null \
            when PiAPI publishes none, the status (active | discontinued | unpriced), \
            confidence, source and notes. Offline.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn list_prices(
        &self,
        Parameters(args): Parameters<CoreArgs<ListPricesArgs>>,
    ) -> Result<Structured<ListPricesResult>, String> {
        let args = args.parse().map_err(core_error)?;
        self.state
            .billing
            .list_prices(&args)
            .map(Structured)
            .map_err(core_error)
    }

    #[tool(
        input_schema = schema::input::<QuoteTopUpArgs>(),
        output_schema = schema::output::<TopUpQuote>(),
        title = "Quote a top-up",
        description = "Price a one-time PiAPI credit top-up of amount_usd (> 0): the bonus \
            percentage and bonus credits it earns (tiers apply strictly above $650, $2,700, \
            $5,400 and $10,800), the USD and points credited, whether the amount is self-serve \
            or must be arranged with PiAPI staff, and the next bonus tier. Offline.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn quote_top_up(
        &self,
        Parameters(args): Parameters<CoreArgs<QuoteTopUpArgs>>,
    ) -> Result<Structured<TopUpQuote>, String> {
        let args = args.parse().map_err(core_error)?;
        self.state
            .billing
            .quote_top_up(&args)
            .map(Structured)
            .map_err(core_error)
    }

    #[tool(
        input_schema = schema::input::<PriceInputsArgs>(),
        output_schema = schema::output::<PriceInputs>(),
        title = "Price inputs",
        description = "List the input fields that change the price of a PiAPI model's task             (model and task_type exactly as sent to PiAPI): for each, whether it is a choice             (with the priced values), an integer (with min, max and allowed values) or a text             whose length is priced, and PiAPI's documented default; plus the hints             (video_seconds, frames, width, height) that fix a price the request cannot. Use it             to ask the user only for what matters before estimate_cost. Offline.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn price_inputs(
        &self,
        Parameters(args): Parameters<CoreArgs<PriceInputsArgs>>,
    ) -> Result<Structured<PriceInputs>, String> {
        let args = args.parse().map_err(core_error)?;
        self.state
            .billing
            .price_inputs(&args)
            .map(Structured)
            .map_err(core_error)
    }

    #[tool(
        input_schema = schema::input::<CatalogReportArgs>(),
        output_schema = schema::output::<CatalogReport>(),
        title = "Catalog report",
        description = "How far to trust the price catalog: rows counted by confidence (official, \
            conflicting, derived, proxy, third-party, assumed, overlay), status (active, \
            discontinued, unpriced), age (fresh, stale, unconfirmed: a price confirmed more than \
            stale_after_days, default 90, before as_of is stale) and charge timing (at_creation \
            or on_completion), with the lists behind them: the rows whose published sources \
            disagree (with each source's figure), the services PiAPI lists without a price \
            (with the reason) and the stale rows. as_of defaults to today (UTC). Offline.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    fn catalog_report(
        &self,
        Parameters(args): Parameters<CoreArgs<CatalogReportArgs>>,
    ) -> Result<Structured<CatalogReport>, String> {
        let mut args = args.parse().map_err(core_error)?;
        args.as_of.get_or_insert_with(crate::clock::today);
        self.state
            .billing
            .catalog_report(&args)
            .map(Structured)
            .map_err(core_error)
    }

    #[tool(
        input_schema = schema::input::<NoArgs>(),
        output_schema = schema::output::<CheckBalanceResult>(),
        title = "Check balance",
        description = "Read the PiAPI account's live balance: available and frozen USD, the \
            plan, credit-pack totals, the account id and name, and per-account concurrency \
            limits. Needs PIAPI_API_KEY in the server's environment; without it the tool says \
            so and precheck_credits needs an explicit balance_usd.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn check_balance(
        &self,
        Parameters(args): Parameters<CoreArgs<NoArgs>>,
    ) -> Result<Structured<CheckBalanceResult>, String> {
        let NoArgs {} = args.parse().map_err(core_error)?;
        self.state.fetch_balance().await.map(Structured)
    }

    #[tool(
        input_schema = schema::input::<GetTaskCostArgs>(),
        output_schema = schema::output::<TaskCostResult>(),
        title = "Get a task's cost",
        description = "Show what PiAPI really charged for a submitted task (frozen and consumed \
            USD and points, status) beside the catalog's estimate of that task's own input, so \
            an estimate can be checked against the bill. Takes the task_id returned by \
            POST /api/v1/task. Needs PIAPI_API_KEY in the server's environment.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_task_cost(
        &self,
        Parameters(args): Parameters<CoreArgs<GetTaskCostArgs>>,
    ) -> Result<Structured<TaskCostResult>, String> {
        let GetTaskCostArgs { task_id } = args.parse().map_err(core_error)?;
        let task_id = task_id.trim();
        if task_id.is_empty() {
            return Err(
                "task_id: must not be empty; pass the id returned by POST /api/v1/task".to_owned(),
            );
        }
        let Some(piapi) = &self.state.piapi else {
            return Err(
                "no PiAPI key is configured: set PIAPI_API_KEY in the MCP server's \
                        environment to look up tasks"
                    .to_owned(),
            );
        };
        piapi
            .task_cost(&self.state.billing, task_id)
            .await
            .map(Structured)
            .map_err(|e| e.to_string())
    }
}
