//! The budget gateway's MCP tools: create, list and revoke virtual keys, and read spend per
//! key. They work on the server's ledger (`--ledger`), the same store the gateway uses.

use piapi_billing::ledger::KeySpend;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::admin::{self, CreateKeyArgs, CreatedKey, KeyView};
use crate::args::CoreArgs;
use crate::clock::ledger_now;
use crate::ledger::LedgerService;
use crate::output::Structured;
use crate::schema;
use crate::server::BillingServer;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListKeysArgs {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListKeysResult {
    pub keys: Vec<KeyView>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeKeyArgs {
    pub key_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeySpendArgs {
    /// One key; omit for every key.
    #[serde(default)]
    pub key_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct KeySpendResult {
    pub keys: Vec<KeySpend>,
}

fn parse<T: serde::de::DeserializeOwned + schemars::JsonSchema>(
    args: CoreArgs<T>,
) -> Result<T, String> {
    args.parse_serde().map_err(|e| e.message)
}

impl BillingServer {
    async fn gateway_ledger(&self) -> Result<&LedgerService, String> {
        match &self.state.ledger {
            Some(slot) => slot.get().await,
            None => Err("the ledger is disabled on this server (see --ledger)".to_string()),
        }
    }
}

#[tool_router(router = gateway_router, vis = "pub(crate)")]
impl BillingServer {
    #[tool(
        input_schema = schema::input::<CreateKeyArgs>(),
        output_schema = schema::output::<CreatedKey>(),
        title = "Create a gateway key",
        description = "Create a virtual key for the budget gateway (piapi-billing-mcp gateway): \
            a budget in USD with an optional daily, weekly or monthly period, allowed models, \
            a per-task maximum, a soft limit that adds a warning, and an optional cap held for \
            tasks the catalog cannot price. Returns the secret once (clients send it in \
            x-api-key); only its SHA-256 is stored.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn gateway_create_key(
        &self,
        Parameters(args): Parameters<CoreArgs<CreateKeyArgs>>,
    ) -> Result<Structured<CreatedKey>, String> {
        let args = parse(args)?;
        let ledger = self.gateway_ledger().await?;
        admin::create_key(ledger, args).await.map(Structured)
    }

    #[tool(
        input_schema = schema::input::<ListKeysArgs>(),
        output_schema = schema::output::<ListKeysResult>(),
        title = "List gateway keys",
        description = "List the budget gateway's virtual keys with their budgets, periods, \
            limits and whether they were revoked (never their secrets).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn gateway_list_keys(
        &self,
        Parameters(args): Parameters<CoreArgs<ListKeysArgs>>,
    ) -> Result<Structured<ListKeysResult>, String> {
        parse(args)?;
        let ledger = self.gateway_ledger().await?;
        let keys = admin::list_keys(ledger).await?;
        Ok(Structured(ListKeysResult { keys }))
    }

    #[tool(
        input_schema = schema::input::<RevokeKeyArgs>(),
        output_schema = schema::output::<KeyView>(),
        title = "Revoke a gateway key",
        description = "Revoke a virtual key: it creates no more tasks from now on, on every \
            gateway instance; holds of tasks it already created still settle. Revoking twice \
            returns the first revocation.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn gateway_revoke_key(
        &self,
        Parameters(args): Parameters<CoreArgs<RevokeKeyArgs>>,
    ) -> Result<Structured<KeyView>, String> {
        let args = parse(args)?;
        let ledger = self.gateway_ledger().await?;
        admin::revoke_key(ledger, &args.key_id)
            .await
            .map(Structured)
    }

    #[tool(
        input_schema = schema::input::<KeySpendArgs>(),
        output_schema = schema::output::<KeySpendResult>(),
        title = "Spend per gateway key",
        description = "What each virtual key (or one) spent, holds and may still spend in its \
            current budget window, and over its life; windows roll over at their reset time.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn gateway_key_spend(
        &self,
        Parameters(args): Parameters<CoreArgs<KeySpendArgs>>,
    ) -> Result<Structured<KeySpendResult>, String> {
        let args = parse(args)?;
        let ledger = self.gateway_ledger().await?;
        let keys = admin::spend(ledger, args.key_id.as_deref(), ledger_now()).await?;
        Ok(Structured(KeySpendResult { keys }))
    }
}
