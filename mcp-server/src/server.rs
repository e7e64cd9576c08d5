//! The MCP `ServerHandler`: server identity, capabilities, and the wiring of tools, prompts
//! and resources to the shared state.

use std::sync::{Arc, OnceLock};

use piapi_billing::{Billing, CheckBalanceResult, PrecheckArgs};
use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CacheScope, Implementation, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ResultType, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, prompt_handler, tool_handler};

use crate::ledger::LedgerSlot;
use crate::piapi_client::PiapiClient;
use crate::{app, resources};

/// The name clients show for this server (rmcp would otherwise report itself as "rmcp").
pub const SERVER_NAME: &str = "piapi-billing-mcp";

const INSTRUCTIONS: &str = "\
Billing tools for PiAPI (piapi.ai), the AI-generation API. Before submitting paid PiAPI tasks, \
call estimate_cost with the exact request bodies (model, task_type, input, config) to learn \
what they cost, then precheck_credits to learn whether the account can afford them (it fetches \
the live balance when the server has a PiAPI key, otherwise pass balance_usd). If credits are \
short, quote_top_up prices a top-up including bonus tiers. list_prices and list_plans answer \
questions about prices, plans and seats; check_balance and get_task_cost read the live \
account and what a finished task really cost; spend_report shows where the account's money \
went and reconcile_charges checks the catalog against the account's real charges. Money is always a decimal string in USD; \
1 USD = 10,000,000 PiAPI points. Every price carries its source and a confidence label.";

/// What every request handler shares: the billing engine and, when a key is configured, the
/// PiAPI client.
pub struct AppState {
    pub billing: Billing,
    /// `None` when `PIAPI_API_KEY` is not set; the live tools then say how to configure it.
    pub piapi: Option<PiapiClient>,
    /// The credit ledger (`--ledger`); `None` when disabled. Without a PiAPI key,
    /// `check_balance` reports its default account.
    pub ledger: Option<Arc<LedgerSlot>>,
    /// Whether hosts that render MCP Apps are offered the estimate card ([`crate::app`]);
    /// `--no-app` turns it off.
    pub app: bool,
}

impl AppState {
    pub fn new(billing: Billing, piapi: Option<PiapiClient>) -> Self {
        AppState {
            billing,
            piapi,
            ledger: None,
            app: true,
        }
    }

    /// No estimate card: every client sees tools and resources as a host without MCP Apps does.
    pub fn without_app(mut self) -> Self {
        self.app = false;
        self
    }

    pub fn with_ledger(mut self, ledger: Arc<LedgerSlot>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Whether a pre-check with these arguments needs the live balance: it names no
    /// `balance_usd` and there is somewhere to read one from. Without a source, the pre-check
    /// goes to the core, whose refusal names the field and the variable to set, word for word
    /// what the other front ends say.
    pub fn needs_live_balance(&self, args: &PrecheckArgs) -> bool {
        args.balance_usd.is_none() && self.piapi.is_some()
    }

    /// The account's live balance, for `check_balance` and for pre-checks without a balance.
    ///
    /// This (with [`AppState::needs_live_balance`]) is the one place that decides where a
    /// balance comes from; the error text is shown to the assistant as is.
    pub async fn fetch_balance(&self) -> Result<CheckBalanceResult, String> {
        let Some(piapi) = &self.piapi else {
            if let Some(ledger) = &self.ledger {
                return crate::ledger::balance_from_ledger(ledger).await;
            }
            return Err(
                "no PiAPI key is configured: set PIAPI_API_KEY in the MCP server's \
                        environment to read the live balance"
                    .to_owned(),
            );
        };
        piapi.check_balance().await.map_err(|e| e.to_string())
    }
}

/// The MCP server. Cheap to clone (one reference count): the HTTP transport makes one per
/// request.
#[derive(Clone)]
pub struct BillingServer {
    pub(crate) state: Arc<AppState>,
}

/// The tool and prompt routers: the same for every server in the process, and costly to build
/// (every tool's input and output JSON Schema is generated, see [`crate::schema`]), so built
/// once.
struct Routers {
    tools: ToolRouter<BillingServer>,
    prompts: PromptRouter<BillingServer>,
}

static ROUTERS: OnceLock<Routers> = OnceLock::new();

impl BillingServer {
    pub fn new(state: AppState) -> Self {
        BillingServer {
            state: Arc::new(state),
        }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Starts building the routers on another thread, so that the schemas are generated
    /// while the main thread parses the catalog; the first request that needs them waits for
    /// the build if it is still running. For the multi-threaded HTTP server, whose threads
    /// exist anyway.
    pub fn prepare_routers_in_background() {
        std::thread::spawn(Self::routers);
    }

    fn routers() -> &'static Routers {
        ROUTERS.get_or_init(|| Routers {
            tools: Self::tool_router()
                + Self::ledger_router()
                + Self::report_router()
                + Self::gateway_router(),
            prompts: Self::prompt_router(),
        })
    }

    fn tools(&self) -> &'static ToolRouter<Self> {
        &Self::routers().tools
    }

    fn prompts(&self) -> &'static PromptRouter<Self> {
        &Self::routers().prompts
    }

    /// Whether this request's client is offered the estimate card.
    fn offers_app(&self, context: &RequestContext<RoleServer>) -> bool {
        self.state.app && app::host_renders_apps(context)
    }
}

#[tool_handler(router = self.tools())]
#[prompt_handler(router = self.prompts())]
impl ServerHandler for BillingServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder().enable_tools().enable_prompts().enable_resources().build(),
        )
        .with_server_info(
            Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                .with_title("PiAPI billing")
                .with_description("Exact cost estimates, credit pre-checks, prices, plans and top-up quotes for PiAPI"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    /// The tools, with the estimate card declared on its tools for hosts that render it; as
    /// `#[tool_handler]` would list them otherwise (same cache hints), so other clients see
    /// the same bytes as before the card existed.
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = self.tools().list_all();
        if self.offers_app(&context) {
            app::declare_on(&mut tools);
        }
        let cache_hints = context
            .protocol_version()
            .is_some_and(|version| version >= ProtocolVersion::V_2026_07_28);
        Ok(ListToolsResult {
            result_type: Some(ResultType::COMPLETE),
            tools,
            meta: None,
            next_cursor: None,
            ttl_ms: cache_hints.then_some(0),
            cache_scope: cache_hints.then_some(CacheScope::Public),
        })
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut list = resources::list(&self.state.billing);
        if self.offers_app(&context) {
            list.push(app::resource());
        }
        Ok(ListResourcesResult::with_all_items(list))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        // The card reads for anyone who asks by its URI, listed or not (a host may have kept
        // it from an earlier listing); `--no-app` leaves it unknown like any other URI.
        if self.state.app && request.uri == app::URI {
            return app::read().map(Into::into);
        }
        resources::read(&self.state.billing, &request.uri).map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::BillingServer;

    /// `schemas.json` holds every tool's schemas as the contract types generate them now; a
    /// stale file is rewritten and the test fails until it is committed.
    #[test]
    fn generated_schemas_are_fresh() {
        let fresh = crate::schema::record(|| {
            let _ = BillingServer::tool_router()
                + BillingServer::ledger_router()
                + BillingServer::report_router()
                + BillingServer::gateway_router();
        });
        check_fresh(
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/schemas.json"),
            &fresh,
        );
    }

    /// `tools.json` is the `tools` array of `tools/list` exactly as rmcp writes it for a
    /// client without the estimate card; the stdio fast path answers `tools/list` from it.
    #[test]
    fn generated_tool_list_is_fresh() {
        let tools = BillingServer::routers().tools.list_all();
        let mut fresh = serde_json::to_string(&tools).expect("tools serialize");
        fresh.push('\n');
        check_fresh(
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/tools.json"),
            &fresh,
        );
    }

    fn check_fresh(path: &str, fresh: &str) {
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        if committed != fresh {
            std::fs::write(path, fresh).unwrap_or_else(|e| panic!("writing {path}: {e}"));
            panic!("{path} was stale and has been rewritten: commit it");
        }
    }
}
