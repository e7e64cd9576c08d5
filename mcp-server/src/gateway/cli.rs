//! `piapi-billing-mcp gateway` and `piapi-billing-mcp keys …`: flags in, the gateway or a key
//! operation out. The ledger is `--ledger` (or its default); the PiAPI key and base URL come
//! from the environment like the MCP server's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use piapi_billing::Billing;
use piapi_billing::money::Usd;

use super::admin::{self, CreateKeyArgs};
use super::{DEFAULT_HOLD_TTL, DEFAULT_MAX_BODY_BYTES, Gateway, GatewayOptions, serve};
use crate::clock::ledger_now;
use crate::error::Error;
use crate::ledger::LedgerService;
use crate::piapi_client::PiapiConfig;

#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Address to serve the PiAPI-compatible endpoints on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8788")]
    pub listen: SocketAddr,
    /// How often the gateway asks PiAPI about tasks nobody polls, in milliseconds; 0 = never.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub poll_interval_ms: u64,
    /// How long a task's hold lives if it never settles, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HOLD_TTL.as_secs())]
    pub hold_ttl_seconds: u64,
    /// Largest create-task body accepted, in bytes; larger ones get 413.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a virtual key and print it with its secret (shown once).
    Create {
        #[arg(value_name = "KEY_ID")]
        key_id: String,
        /// Budget in USD per window (or in all, without --period).
        #[arg(long, value_name = "USD", value_parser = parse_usd)]
        budget: Usd,
        /// daily, weekly or monthly.
        #[arg(long)]
        period: Option<String>,
        /// When windows start, RFC 3339 [default: now].
        #[arg(long, value_name = "TIME")]
        reset_at: Option<String>,
        /// A model the key may use (repeatable) [default: any].
        #[arg(long = "allow-model", value_name = "MODEL")]
        allowed_models: Vec<String>,
        /// Largest hold one task may take, in USD.
        #[arg(long, value_name = "USD", value_parser = parse_usd)]
        max_task: Option<Usd>,
        /// Spend plus holds from which answers carry a warning, in USD.
        #[arg(long, value_name = "USD", value_parser = parse_usd)]
        soft_limit: Option<Usd>,
        /// Hold this for tasks the catalog cannot price or bound [default: refuse them].
        #[arg(long, value_name = "USD", value_parser = parse_usd)]
        unpriced_cap: Option<Usd>,
        #[arg(long)]
        memo: Option<String>,
    },
    /// List the keys (never their secrets).
    List,
    /// Revoke a key: no new tasks; its open holds still settle.
    Revoke {
        #[arg(value_name = "KEY_ID")]
        key_id: String,
    },
    /// Spend per key in the current window (one key, or all).
    Spend {
        #[arg(value_name = "KEY_ID")]
        key_id: Option<String>,
    },
}

/// A USD amount as people type it (`2.50`); the ledger checks the rest (positive, points).
fn parse_usd(text: &str) -> Result<Usd, String> {
    use std::str::FromStr;
    rust_decimal::Decimal::from_str(text.trim())
        .map(Usd)
        .map_err(|_| format!("{text:?} is not a USD amount; expected e.g. 2.50"))
}

/// The ledger named by `--ledger` (or the default), opened now; the gateway needs one.
async fn open_ledger(flag: Option<&str>) -> Result<LedgerService, Error> {
    crate::ledger::slot::open_now(flag, "the gateway")
        .await
        .map_err(Error::Config)
}

pub async fn run_gateway(
    billing: Billing,
    ledger_flag: Option<&str>,
    args: GatewayArgs,
) -> Result<(), Error> {
    let config = PiapiConfig::from_env()
        .map_err(|e| Error::Piapi(e.to_string()))?
        .ok_or_else(|| {
            Error::Config("the gateway forwards with PIAPI_API_KEY, which is not set".into())
        })?;
    let upstream =
        super::upstream::Upstream::new(&config).map_err(|e| Error::Piapi(e.to_string()))?;
    let ledger = open_ledger(ledger_flag).await?;
    let gateway = Arc::new(Gateway {
        billing,
        ledger,
        upstream,
        keys: Default::default(),
        hold_ttl: Duration::from_secs(args.hold_ttl_seconds.max(1)),
    });
    let options = GatewayOptions {
        listen: args.listen,
        max_body_bytes: args.max_body_bytes,
        hold_ttl: gateway.hold_ttl,
        poll_every: (args.poll_interval_ms > 0)
            .then(|| Duration::from_millis(args.poll_interval_ms)),
    };
    serve(gateway, options).await
}

/// Runs a key operation and prints its JSON.
pub async fn run_keys(ledger_flag: Option<&str>, command: KeysCommand) -> Result<String, Error> {
    let ledger = open_ledger(ledger_flag).await?;
    let json = |v: &dyn erased::Json| v.to_pretty();
    let out = match command {
        KeysCommand::Create {
            key_id,
            budget,
            period,
            reset_at,
            allowed_models,
            max_task,
            soft_limit,
            unpriced_cap,
            memo,
        } => {
            let args = CreateKeyArgs {
                key_id,
                budget_usd: budget,
                period,
                reset_at,
                allowed_models: (!allowed_models.is_empty()).then_some(allowed_models),
                max_task_usd: max_task,
                soft_limit_usd: soft_limit,
                unpriced_cap_usd: unpriced_cap,
                memo,
            };
            json(
                &admin::create_key(&ledger, args)
                    .await
                    .map_err(Error::Config)?,
            )
        }
        KeysCommand::List => json(&admin::list_keys(&ledger).await.map_err(Error::Config)?),
        KeysCommand::Revoke { key_id } => json(
            &admin::revoke_key(&ledger, &key_id)
                .await
                .map_err(Error::Config)?,
        ),
        KeysCommand::Spend { key_id } => json(
            &admin::spend(&ledger, key_id.as_deref(), ledger_now())
                .await
                .map_err(Error::Config)?,
        ),
    };
    Ok(out)
}

/// Pretty JSON of any serializable answer, behind `dyn` so one closure prints them all.
mod erased {
    pub trait Json {
        fn to_pretty(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_pretty(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
    }
}
