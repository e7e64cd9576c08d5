//! The budget gateway: a PiAPI-compatible HTTP proxy that holds what each task will cost
//! before PiAPI sees it, so no virtual key can spend past its budget (`docs/gateway.md`).
//!
//! Clients send a virtual key in `x-api-key`; the gateway forwards with the real
//! `PIAPI_API_KEY`, which no client ever sees. A create-task is priced by the core
//! ([`piapi_billing::gateway::admit`]), held in the ledger (`ReserveTask`, durable before the
//! task is sent), sent once, and tied to PiAPI's task id (`AttachTask`, durable before the
//! client gets the id). The hold settles from `meta.usage` when a task view shows the task
//! finished — the client's own polling through the gateway, or the gateway's poller — and is
//! released only on a definite failure. Everything a refusal says comes from the core.
//!
//! [`keys`] checks secrets, [`upstream`] talks to PiAPI, [`create`] is the create-task path,
//! [`tasks`] the other endpoints, [`settle`] the settlement and the poller, [`tools`] the MCP
//! tools and [`admin`] the key operations the CLI and the tools share.

pub mod admin;
pub mod cli;
mod create;
pub mod keys;
mod settle;
mod tasks;
pub mod tools;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post};
use piapi_billing::Billing;
use piapi_billing::gateway::Refusal;
use serde_json::{Value, json};

use crate::error::Error;
use crate::ledger::LedgerService;
use keys::{AuthError, KeyCache};
use upstream::Upstream;

/// Largest create-task body accepted (PiAPI inputs are URLs and prompts, not media).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;
/// How long a gateway hold lives before the ledger expires it: above PiAPI's slowest task.
pub const DEFAULT_HOLD_TTL: Duration = Duration::from_secs(24 * 3600);
/// How often the poller looks at open tasks.
pub const DEFAULT_POLL_EVERY: Duration = Duration::from_secs(10);

/// How the gateway runs.
#[derive(Clone, Debug)]
pub struct GatewayOptions {
    pub listen: SocketAddr,
    pub max_body_bytes: usize,
    pub hold_ttl: Duration,
    /// `None` turns the poller off (tasks then settle only through clients' polling).
    pub poll_every: Option<Duration>,
}

/// What every request handler shares.
pub struct Gateway {
    pub billing: Billing,
    pub ledger: LedgerService,
    pub upstream: Upstream,
    pub keys: KeyCache,
    pub hold_ttl: Duration,
}

/// Serves the gateway until the process is stopped.
pub async fn serve(gateway: Arc<Gateway>, options: GatewayOptions) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| Error::io(format!("cannot listen on {}", options.listen), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    if let Some(every) = options.poll_every {
        settle::spawn_poller(gateway.clone(), every);
    }
    // Tests and scripts read the bound address from this line.
    eprintln!("piapi-billing-mcp gateway listening on http://{addr}");
    tracing::info!(%addr, "budget gateway listening");
    axum::serve(listener, router(gateway, options.max_body_bytes))
        .await
        .map_err(|e| Error::io("the gateway stopped", e))
}

/// The routes PiAPI documents for tasks and the account; anything else is refused, never
/// forwarded blindly.
pub fn router(gateway: Arc<Gateway>, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/api/v1/task", post(create::create_task))
        .route(
            "/api/v1/task/{task_id}",
            get(tasks::get_task).delete(tasks::cancel_task),
        )
        .route("/api/v1/tasks", delete(tasks::cancel_all))
        .route("/account/info", get(tasks::account_info))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async {
            envelope(
                StatusCode::NOT_FOUND,
                "not an endpoint the gateway serves: POST /api/v1/task, GET or DELETE \
                 /api/v1/task/{task_id}, GET /account/info",
            )
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(gateway)
}

/// The `x-api-key` header, as text.
fn api_key(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-api-key").and_then(|v| v.to_str().ok())
}

/// A JSON answer with `status`.
fn json_response(status: StatusCode, body: &Value) -> Response {
    raw_response(status, body.to_string().into())
}

fn raw_response(status: StatusCode, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// PiAPI's error envelope.
fn envelope(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        &json!({"code": status.as_u16(), "message": message, "data": null}),
    )
}

/// Seconds a client refused for a budget still settling should wait before trying again.
const RETRY_AFTER_SECONDS: u64 = 5;

/// A 402 a program can act on: PiAPI's envelope plus `reason`, the figures, and
/// `Retry-After` when holds still settling may free money.
fn refusal(r: &Refusal) -> Response {
    let mut body = json!({
        "code": 402,
        "message": r.message,
        "data": null,
        "reason": r.reason.as_str(),
    });
    if let Some(v) = r.required_usd {
        body["required_usd"] = json!(v);
    }
    if let Some(v) = r.shortfall_usd {
        body["shortfall_usd"] = json!(v);
    }
    if r.may_free {
        body["retry_after_seconds"] = json!(RETRY_AFTER_SECONDS);
    }
    let mut response = json_response(StatusCode::PAYMENT_REQUIRED, &body);
    if r.may_free {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

fn auth_failure(e: AuthError) -> Response {
    match e {
        AuthError::Unauthorized(why) => envelope(
            StatusCode::UNAUTHORIZED,
            &format!("Invalid API key: {why}; send a gateway key (pgw.…) in x-api-key"),
        ),
        AuthError::Store(e) => store_failure(&e),
    }
}

fn store_failure(e: &piapi_billing::ledger::LedgerError) -> Response {
    tracing::warn!(error = %e, "gateway ledger call failed");
    envelope(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("the gateway's ledger is unavailable: {e}"),
    )
}
