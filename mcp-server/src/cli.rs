//! Command line: with no subcommand the binary is an MCP server (stdio, or HTTP with
//! `--http`); the subcommands print the same JSON the tools return, for people trying it in a
//! shell and for scripts.

// The field doc comments below are the `--help` text, written for a terminal: brackets and
// angle brackets there are shell syntax, not rustdoc links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use piapi_billing::{Billing, Catalog, CatalogReportArgs, EstimateArgs, ListPricesArgs, TaskSpec};
use rmcp::ServiceExt;
use serde_json::Value;

use crate::direct::DirectTools;
use crate::error::Error;
use crate::http::{DEFAULT_MAX_BODY_BYTES, HttpOptions, Limits};
use crate::piapi_client::PiapiClient;
use crate::server::{AppState, BillingServer, SERVER_NAME};

const ENVIRONMENT: &str = "\
Environment:
  PIAPI_API_KEY          PiAPI key (x-api-key) for check_balance, get_task_cost,
                         spend_report, reconcile_charges (and the spend and reconcile
                         commands) and precheck_credits without balance_usd. Never logged
                         or echoed.
  PIAPI_BASE_URL         PiAPI base URL [default: https://api.piapi.ai]
  PIAPI_TIMEOUT_MS       Timeout of one PiAPI request, in milliseconds
  PIAPI_BILLING_TOKEN    Bearer token for --http (same as --token)
  PIAPI_BILLING_CATALOG  Replacement price catalog file (same as --catalog)
  PIAPI_BILLING_OVERLAY  Price overlay file (same as --price-overlay)
  PIAPI_BILLING_LEDGER   Credit ledger location (same as --ledger)
  RUST_LOG               Log filter for stderr, e.g. debug [default: info,rmcp=warn]

Examples:
  piapi-billing-mcp                              serve MCP over stdio
  piapi-billing-mcp --http 127.0.0.1:8787        serve MCP at http://127.0.0.1:8787/mcp
  echo '{\"tasks\":[{\"model\":\"kling\",\"task_type\":\"video_generation\",\"input\":{\"version\":\"3.0\"}}]}' \\
    | piapi-billing-mcp estimate -
  piapi-billing-mcp prices flux
  piapi-billing-mcp spend --since 7d --by model --svg spend.svg
  piapi-billing-mcp reconcile --since 30d --write-overlay reconciled.json";

/// MCP server with billing tools for PiAPI: cost estimates, credit pre-checks, prices, plans,
/// top-up quotes, and the live balance.
#[derive(Debug, Parser)]
#[command(name = SERVER_NAME, version, after_help = ENVIRONMENT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Serve MCP over streamable HTTP at http://ADDR/mcp (and /healthz) instead of stdio.
    /// Port 0 picks a free port; the bound address is printed on stderr.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,

    /// Bearer token HTTP clients must send (Authorization: Bearer TOKEN). Required when
    /// --http binds a non-loopback address. Prefer the environment variable: a flag is
    /// visible in the process list.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PIAPI_BILLING_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// Also accept this Host header (name or name:port) over HTTP, beside localhost,
    /// 127.0.0.1 and ::1. Repeatable. Needed behind a domain name or a proxy.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,

    /// Also accept requests from this browser Origin (scheme://host[:port|:*]) over HTTP,
    /// beside http://localhost:*, http://127.0.0.1:* and http://[::1]:*. Repeatable. Any
    /// other Origin gets 403.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,

    /// Largest HTTP request body accepted, in bytes; larger requests get 413.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// HTTP connection and body limits: --max-connections, --header-timeout, --body-timeout,
    /// --idle-timeout, --max-body-memory.
    #[command(flatten)]
    pub http_limits: Limits,

    /// Use this catalog file instead of the built-in one (same JSON format as
    /// shared/catalog/builtin.json).
    #[arg(long, value_name = "FILE", env = "PIAPI_BILLING_CATALOG")]
    pub catalog: Option<PathBuf>,

    /// Apply price overrides from this overlay file:
    /// {"name": "...", "entries": [{"id": "<entry id>", "price_usd": "0.18"}]}.
    #[arg(long, value_name = "FILE", env = "PIAPI_BILLING_OVERLAY")]
    pub price_overlay: Option<PathBuf>,

    /// Where the credit ledger (reserve_credits, settle_hold, release_hold, list_holds,
    /// grant_credits) keeps its accounts and holds: file:PATH (embedded, crash-safe; several
    /// local servers may share it) or postgres://USER@HOST[:PORT]/DB (several instances), or
    /// off. [default: file:$XDG_DATA_HOME/piapi-billing/ledger.log, else
    /// file:~/.local/share/piapi-billing/ledger.log]
    #[arg(
        long,
        value_name = "URL",
        env = "PIAPI_BILLING_LEDGER",
        hide_env_values = true
    )]
    pub ledger: Option<String>,

    /// Start even when the ledger cannot be used (wrong password, missing database, a damaged
    /// file): its tools then answer with the reason, and it is retried in the background.
    /// Without this flag such a ledger stops the server at start with a non-zero exit.
    #[arg(long)]
    pub ledger_optional: bool,

    /// Repair the file ledger named by --ledger (or the default one) and exit: keep every
    /// record before the first damage, move the rest byte for byte to PATH.damaged (nothing
    /// is deleted), and print what moved. Stop the servers sharing the file first.
    #[arg(long)]
    pub ledger_repair: bool,

    /// Do not offer the estimate card (an MCP App: an interactive view of estimate_cost and
    /// precheck_credits results) to hosts that render MCP Apps; they then get the same tool
    /// list and results as any other client.
    #[arg(long)]
    pub no_app: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate the cost of tasks and print the estimate_cost result. FILE (or - for stdin)
    /// holds estimate_cost arguments ({"tasks": [...]}), a JSON array of tasks, or one task
    /// per line (JSON Lines).
    Estimate {
        #[arg(value_name = "FILE|-")]
        file: PathBuf,
    },
    /// Print the list_plans result: plans, usage modes, seats, top-up tiers, account facts.
    Plans,
    /// Print the list_prices result, optionally filtered by a case-insensitive QUERY over
    /// model, task type and variant.
    Prices {
        #[arg(value_name = "QUERY")]
        query: Option<String>,
    },
    /// How far to trust the catalog: rows by confidence, status, age and charge timing, the
    /// conflicting prices, the unpriced services and the stale rows.
    CatalogReport {
        /// The day ages are measured from (YYYY-MM-DD); default today (UTC).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Days after which a confirmed price is stale (default 90).
        #[arg(long, value_name = "DAYS")]
        stale_after: Option<u64>,
        /// Print the catalog_report tool's JSON instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Serve the budget gateway: a PiAPI-compatible proxy that holds each task's cost from a
    /// virtual key's budget before PiAPI sees it (docs/gateway.md). Needs PIAPI_API_KEY.
    Gateway(crate::gateway::cli::GatewayArgs),
    /// Create, list and revoke the gateway's virtual keys, and read their spend.
    Keys {
        #[command(subcommand)]
        command: crate::gateway::cli::KeysCommand,
    },
    /// Where the account's money went (the spend_report tool), as a table. Needs PIAPI_API_KEY.
    Spend {
        /// Start of the window: RFC 3339, or a span back from now (90m, 24h, 7d, 2w).
        #[arg(long, default_value = "7d")]
        since: String,
        /// End of the window (exclusive), in the same forms [default: now].
        #[arg(long)]
        until: Option<String>,
        /// Group by day, model, task_type, service_mode or key (the budget gateway's virtual
        /// key, read from --ledger) [default: day].
        #[arg(long, value_name = "GROUP")]
        by: Option<String>,
        /// Also write the chart of spend per day, stacked by model, to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Print the tool's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compare the catalog with what the account was really charged (the reconcile_charges
    /// tool), as a table. Needs PIAPI_API_KEY.
    Reconcile {
        /// Start of the window: RFC 3339, or a span back from now (90m, 24h, 7d, 2w).
        #[arg(long, default_value = "30d")]
        since: String,
        /// End of the window (exclusive), in the same forms [default: now].
        #[arg(long)]
        until: Option<String>,
        /// Most completed tasks to compare (1-5000) [default: 500].
        #[arg(long, value_name = "N")]
        max_tasks: Option<u64>,
        /// Write the overlay correcting the drifted rows to FILE (for --price-overlay).
        #[arg(long, value_name = "FILE")]
        write_overlay: Option<PathBuf>,
        /// Print the tool's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// The file settings clap reads from the environment. MCP clients pass a setting the user
/// left blank as an empty variable (an MCP Bundle's unset `user_config`, a `.mcp.json` with
/// `""`), which must mean "not set", not "a file named ''". `PIAPI_BILLING_TOKEN` is not
/// among them: a blank token is refused at start with `--http` (no client could present it),
/// rather than silently serving without one.
const ENV_SETTINGS: [&str; 3] = [
    "PIAPI_BILLING_CATALOG",
    "PIAPI_BILLING_OVERLAY",
    "PIAPI_BILLING_LEDGER",
];

/// Entry point of the binary.
pub fn main() -> ExitCode {
    for name in ENV_SETTINGS {
        if std::env::var_os(name).is_some_and(|value| value.is_empty()) {
            // SAFETY: this runs first in `main`, before any thread (tokio, the background
            // schema builder) exists, so nothing reads the environment concurrently.
            unsafe { std::env::remove_var(name) };
        }
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{SERVER_NAME}: error: {err}");
            ExitCode::FAILURE
        }
    }
}

pub fn run(cli: Cli) -> Result<(), Error> {
    if cli.ledger_repair {
        return repair_ledger(cli.ledger.as_deref());
    }
    if cli.command.is_none() && cli.http.is_some() {
        // The tool schemas are generated on the second core while this one loads the catalog
        // (stdio builds them after its `initialize` reply instead; see `serve_stdio`).
        BillingServer::prepare_routers_in_background();
    }
    let billing = load_billing(cli.catalog.as_deref(), cli.price_overlay.as_deref())?;
    match cli.command {
        Some(Command::Estimate { file }) => {
            print_json(&billing.estimate_cost(&read_estimate_args(&file)?)?)
        }
        Some(Command::Plans) => print_json(&billing.list_plans()),
        Some(Command::Prices { query }) => print_json(&billing.list_prices(&ListPricesArgs {
            query,
            ..ListPricesArgs::default()
        })?),
        Some(Command::CatalogReport {
            as_of,
            stale_after,
            json,
        }) => {
            let report = billing.catalog_report(&CatalogReportArgs {
                as_of: Some(as_of.unwrap_or_else(crate::clock::today)),
                stale_after_days: stale_after,
            })?;
            if json {
                print_json(&report)
            } else {
                print_text(&crate::report::summary(&report))
            }
        }
        Some(Command::Gateway(args)) => {
            init_logging();
            let ledger = cli.ledger.as_deref();
            runtime(true)?.block_on(crate::gateway::cli::run_gateway(billing, ledger, args))
        }
        Some(Command::Keys { command }) => {
            let ledger = cli.ledger.as_deref();
            let out = runtime(false)?.block_on(crate::gateway::cli::run_keys(ledger, command))?;
            print_text(&format!("{out}\n"))
        }
        Some(Command::Spend {
            since,
            until,
            by,
            svg,
            json,
        }) => {
            let cmd = crate::cli_reports::SpendCommand {
                since: &since,
                until: until.as_deref(),
                by: by.as_deref(),
                svg: svg.as_deref(),
                json,
                ledger: cli.ledger.as_deref(),
            };
            let client = live_client()?;
            print_text(&runtime(true)?.block_on(crate::cli_reports::spend(&client, cmd))?)
        }
        Some(Command::Reconcile {
            since,
            until,
            max_tasks,
            write_overlay,
            json,
        }) => {
            let cmd = crate::cli_reports::ReconcileCommand {
                since: &since,
                until: until.as_deref(),
                max_tasks,
                write_overlay: write_overlay.as_deref(),
                json,
            };
            let client = live_client()?;
            let report = crate::cli_reports::reconcile(&client, &billing, cmd);
            print_text(&runtime(true)?.block_on(report)?)
        }
        None => {
            init_logging();
            let piapi = PiapiClient::from_env().map_err(|e| Error::Piapi(e.to_string()))?;
            if piapi.is_none() {
                tracing::info!(
                    "PIAPI_API_KEY is not set: check_balance and get_task_cost will explain how to set it"
                );
            }
            let ledger =
                crate::ledger::slot::from_flag(cli.ledger.as_deref()).map_err(Error::Config)?;
            let mut state = AppState::new(billing, piapi);
            if let Some(slot) = &ledger {
                state = state.with_ledger(slot.clone());
            }
            if cli.no_app {
                state = state.without_app();
            }
            let server = BillingServer::new(state);
            let start_ledger = || async {
                match &ledger {
                    Some(slot) => slot.start_or_explain(cli.ledger_optional).await,
                    None => Ok(()),
                }
                .map_err(Error::Config)
            };
            match cli.http {
                Some(addr) => {
                    let options = HttpOptions {
                        addr,
                        token: cli.token,
                        allowed_hosts: cli.allowed_hosts,
                        allowed_origins: cli.allowed_origins,
                        max_body_bytes: cli.max_body_bytes,
                        limits: cli.http_limits,
                    };
                    options.validate()?;
                    runtime(true)?.block_on(async {
                        start_ledger().await?;
                        crate::http::serve(server, options).await
                    })
                }
                None => runtime(false)?.block_on(async {
                    start_ledger().await?;
                    serve_stdio(server).await
                }),
            }
        }
    }
}

/// `--ledger-repair`: repairs a file ledger and prints what it did on stderr.
fn repair_ledger(flag: Option<&str>) -> Result<(), Error> {
    let report = crate::ledger::repair::repair_flag(flag).map_err(Error::Config)?;
    for line in report.lines {
        eprintln!("{SERVER_NAME}: {line}");
    }
    Ok(())
}

/// Serves MCP on stdin/stdout until the client closes stdin.
pub async fn serve_stdio(server: BillingServer) -> Result<(), Error> {
    tracing::info!("serving MCP over stdio");
    let transport = crate::stdio::transport().with_direct_tools(DirectTools::of(&server));
    let running = server
        .serve(transport)
        .await
        .map_err(|e| Error::Service(e.to_string()))?;
    // The tool schemas as rmcp holds them are built when rmcp first needs them: `tools/list`
    // and the offline tools are answered by the transport from generated text (`direct.rs`).
    running
        .waiting()
        .await
        .map_err(|e| Error::Service(e.to_string()))?;
    Ok(())
}

/// stdio serves one client, so one thread starts faster and stays smaller; HTTP uses every
/// core.
fn runtime(multi_thread: bool) -> Result<tokio::runtime::Runtime, Error> {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}

/// Logs go to stderr only: on stdio, stdout carries nothing but JSON-RPC.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmcp=warn"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
}

fn load_billing(catalog: Option<&Path>, overlay: Option<&Path>) -> Result<Billing, Error> {
    if catalog.is_none() && overlay.is_none() {
        return Ok(Billing::new());
    }
    let base = match catalog {
        Some(path) => Catalog::from_json(&read_text(path)?)?,
        None => Catalog::builtin().clone(),
    };
    let catalog = match overlay {
        Some(path) => base.with_overlay(&read_text(path)?)?,
        None => base,
    };
    Ok(Billing::with_catalog(catalog))
}

fn read_text(path: &Path) -> Result<String, Error> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(read_err)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(read_err)
    }
}

/// Reads estimate arguments in whichever of the three documented forms the file uses.
fn read_estimate_args(path: &Path) -> Result<EstimateArgs, Error> {
    parse_estimate_input(&read_text(path)?).map_err(Error::Billing)
}

fn parse_estimate_input(text: &str) -> Result<EstimateArgs, piapi_billing::Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(tasks)) => {
            piapi_billing::json::from_value(&serde_json::json!({ "tasks": tasks }))
        }
        Ok(value) => piapi_billing::json::from_value(&value),
        Err(whole) => {
            // Not one JSON document: try JSON Lines, one task per non-empty line.
            let mut tasks = Vec::new();
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let task = piapi_billing::json::from_str::<TaskSpec>(line).map_err(|e| {
                    piapi_billing::Error::invalid(
                        format!("line {}", n + 1),
                        format!(
                            "{} (the input is neither one JSON document: {whole})",
                            e.message
                        ),
                    )
                })?;
                tasks.push(task);
            }
            Ok(EstimateArgs {
                tasks,
                ..EstimateArgs::default()
            })
        }
    }
}

/// The PiAPI client the account subcommands need; without a key they say how to set one.
fn live_client() -> Result<PiapiClient, Error> {
    PiapiClient::from_env()
        .map_err(|e| Error::Piapi(e.to_string()))?
        .ok_or_else(|| {
            Error::Config(
                "no PiAPI key is configured: set PIAPI_API_KEY to read the account's task history"
                    .into(),
            )
        })
}

fn print_text(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write to stdout", e))
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    // Stdout is line-buffered; a 1,000-line estimate would otherwise cost a write(2) per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| Error::io("cannot write to stdout", e.into()))?;
    writeln!(out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write to stdout", e))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn estimate_input_accepts_an_object_an_array_and_json_lines() {
        let task = r#"{"model":"kling","task_type":"video_generation"}"#;
        let object =
            parse_estimate_input(&format!(r#"{{"tasks":[{task}],"plan":"pro"}}"#)).expect("object");
        assert_eq!(object.tasks.len(), 1);
        assert!(object.plan.is_some());
        assert_eq!(
            parse_estimate_input(&format!("[{task},{task}]"))
                .expect("array")
                .tasks
                .len(),
            2
        );
        assert_eq!(
            parse_estimate_input(&format!("{task}\n\n{task}\n{task}\n"))
                .expect("lines")
                .tasks
                .len(),
            3
        );
    }

    #[test]
    fn a_bad_json_line_names_its_line_number() {
        let err =
            parse_estimate_input("{\"model\":\"kling\",\"task_type\":\"x\"}\n{\"model\": 1}\n")
                .expect_err("bad");
        assert!(err.message.starts_with("line 2: "), "{}", err.message);
    }
}
