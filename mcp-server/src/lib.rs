//! `piapi-billing-mcp`: the MCP front end of the billing core.
//!
//! The binary serves the core's offline tools (estimates, pre-checks, plans, prices, top-up
//! quotes) and four live tools backed by PiAPI (balance, a task's real cost, the account's
//! spend, and its charges reconciled with the catalog) to AI assistants,
//! over stdio or streamable HTTP, and prints the same JSON from a small human CLI.
//!
//! The layout follows the request path: [`cli`] parses flags and picks a mode, [`server`] is the
//! MCP `ServerHandler` over shared [`server::AppState`], [`tools`], [`resources`] and
//! [`prompts`] hold what it offers, [`app`] the estimate card for hosts that render MCP Apps,
//! [`http`] wraps it in the HTTP transport and its guards, and [`piapi_client`] talks to PiAPI.

pub mod account;
pub mod app;
pub mod args;
pub mod chart;
pub mod cli;
pub mod cli_reports;
pub mod clock;
pub mod direct;
pub mod error;
pub mod gateway;
pub mod http;
pub mod jsonrpc;
pub mod ledger;
pub mod output;
pub mod piapi_client;
pub mod prompts;
pub mod report;
pub mod report_tools;
pub mod resources;
pub mod schema;
pub mod server;
pub mod stdio;
pub mod tools;

pub use error::Error;
pub use server::{AppState, BillingServer};
