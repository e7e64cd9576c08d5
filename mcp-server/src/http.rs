//! Streamable HTTP: the MCP endpoint at `/mcp` behind its guards, and `/healthz`.
//!
//! Guards on `/mcp`, outermost first, each a tower layer (axum middleware), as
//! apollo-mcp-server arranges its auth and origin checks:
//! - a repeated `Host`, `Origin` or `Authorization` header is refused with 400 (`http/guards.rs`):
//!   the checks below would otherwise see only the first one;
//! - a bearer token, required whenever the server binds a non-loopback address (anyone on the
//!   network could otherwise spend the operator's PiAPI key through `check_balance` and read
//!   the account); the scheme is case-insensitive (RFC 7235);
//! - `Accept: */*` (curl's default) and a missing `Accept` are read as accepting both JSON and
//!   event streams, which rmcp requires to be named;
//! - the request body (`http/body.rs`): its length limit (413), the time allowed to send it (408),
//!   the memory shared by all bodies in flight (503), and a body that is not a JSON-RPC
//!   message (400 with a JSON-RPC error, rather than rmcp's 415);
//! - rmcp's `Host` allow-list (DNS rebinding) and `Origin` allow-list (a browser page on a
//!   foreign origin gets 403; rmcp leaves this off by default, so it is switched on here).
//!
//! Connections (`http/conn.rs`) are capped in number and closed when idle, when a request head
//! takes too long, or when a body does; memory freed after a flood is handed back to the
//! system. Requests are served statelessly: no legacy `Mcp-Session-Id` sessions to expire
//! under clients that never re-initialize, and every tool here answers in one response.

mod body;
mod conn;
mod guards;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::server::{BillingServer, SERVER_NAME};

/// The largest POST body accepted by default: 1,000 task lines with long prompts fit well.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Hosts every server accepts: the loopback names a local client uses.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Origins every server accepts: pages served from this machine (any port).
const LOOPBACK_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// How many connections, for how long, and how much body memory: the HTTP server's resource
/// limits, as command-line flags (`#[command(flatten)]` in [`crate::cli`]).
#[derive(Clone, Debug, clap::Args)]
pub struct Limits {
    /// Most HTTP connections open at once; further clients wait to be accepted. Raised to fit
    /// the process's open-file limit where it can be.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// Time a client has to send a request's head (request line and headers) once it starts
    /// sending it; the connection is closed after that.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub header_timeout: Duration,

    /// Time a request's whole body may take to arrive; then the request gets 408 and the
    /// connection is closed.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub body_timeout: Duration,

    /// Time a connection may stay open without a request (after connecting, or between
    /// keep-alive requests) before it is closed.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub idle_timeout: Duration,

    /// Request-body bytes held in memory at once across all connections, beyond the first
    /// 64 KiB of each request (which every connection may always use). A request whose body
    /// does not fit gets 503 with Retry-After.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=(1 << 40)))]
    pub max_body_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_body_memory: 64 * 1024 * 1024,
        }
    }
}

/// A timeout flag: a humantime duration ("10s", "500ms", "2m") from 1 ms to 1 hour.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("{e}; write a duration such as 10s, 500ms or 2m"))?;
    if duration < Duration::from_millis(1) || duration > Duration::from_secs(3600) {
        return Err(format!(
            "must be from 1ms to 1h, got {}",
            humantime::format_duration(duration)
        ));
    }
    Ok(duration)
}

/// How the HTTP transport is exposed.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub addr: SocketAddr,
    /// Required bearer token; mandatory on a non-loopback bind.
    pub token: Option<String>,
    /// Extra `Host` values to accept (name or `name:port`), beside loopback.
    pub allowed_hosts: Vec<String>,
    /// Extra browser origins to accept (`scheme://host[:port|:*]`), beside loopback.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub limits: Limits,
}

impl HttpOptions {
    /// Refuses configurations that would expose the server without authentication, or lock
    /// every client out.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(token) = &self.token {
            validate_token(token)?;
        }
        let ip = self.addr.ip();
        if !ip.is_loopback() && self.token.is_none() {
            return Err(Error::Config(format!(
                "--http {}: binding a non-loopback address needs a bearer token; pass --token or set \
                 PIAPI_BILLING_TOKEN (or bind 127.0.0.1)",
                self.addr
            )));
        }
        if self.max_body_bytes == 0 {
            return Err(Error::Config(
                "--max-body-bytes: must be greater than 0".to_owned(),
            ));
        }
        if let Some(bad) = self
            .allowed_origins
            .iter()
            .find(|o| !o.contains("://") && *o != "null")
        {
            return Err(Error::Config(format!(
                "--allowed-origin {bad}: an origin needs a scheme, e.g. https://app.example.com or http://localhost:*"
            )));
        }
        Ok(())
    }

    fn rmcp_config(&self, shutdown: &CancellationToken) -> StreamableHttpServerConfig {
        let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        // A specific address the operator chose to bind is a Host its clients will send.
        if !self.addr.ip().is_unspecified() && !self.addr.ip().is_loopback() {
            hosts.push(host_of(self.addr.ip()));
        }
        hosts.extend(self.allowed_hosts.iter().cloned());
        let mut origins: Vec<String> = LOOPBACK_ORIGINS.iter().map(|o| (*o).to_owned()).collect();
        origins.extend(self.allowed_origins.iter().cloned());
        StreamableHttpServerConfig::default()
            .with_allowed_hosts(hosts)
            .with_allowed_origins(origins)
            .enforce_origin_validation()
            .with_max_request_body_bytes(self.max_body_bytes)
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_cancellation_token(shutdown.child_token())
    }
}

/// A token no client could present is refused at start rather than locking every client out
/// with 401: HTTP strips whitespace around header values, so a padded token never matches, and
/// a blank one would pass for "a token is set" on a public bind.
fn validate_token(token: &str) -> Result<(), Error> {
    let refuse = |why: &str| {
        Err(Error::Config(format!(
            "--token / PIAPI_BILLING_TOKEN {why}"
        )))
    };
    if token.trim().is_empty() {
        return refuse(
            "is blank; set a token of visible characters, or unset it (a loopback bind then \
             serves without one)",
        );
    }
    if token.trim() != token {
        return refuse(
            "starts or ends with whitespace, which HTTP strips from header values, so no client \
             could present it; remove the whitespace",
        );
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse(
            "may hold only visible ASCII characters (letters, digits and punctuation, no \
             spaces), as an Authorization header carries it",
        );
    }
    Ok(())
}

fn host_of(ip: IpAddr) -> String {
    ip.to_string()
}

/// The axum application: `/mcp` (guarded) and `/healthz`.
pub fn router(
    server: BillingServer,
    options: &HttpOptions,
    shutdown: &CancellationToken,
) -> Router {
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        options.rmcp_config(shutdown),
    );
    let bodies = Arc::new(body::BodyLimits::new(options));
    // `layer` wraps what is there: the last one added runs first.
    let mut mcp = Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(bodies, body::bounded))
        .layer(middleware::from_fn(guards::normalize_accept));
    if let Some(token) = options.token.as_deref() {
        let expected: Arc<[u8]> = Arc::from(token.as_bytes());
        mcp = mcp.layer(middleware::from_fn_with_state(
            expected,
            guards::require_bearer,
        ));
    }
    mcp = mcp.layer(middleware::from_fn(guards::reject_repeated_headers));
    Router::new().route("/healthz", get(healthz)).merge(mcp)
}

/// Binds, announces the address on stderr (tests and scripts read it there, since stdout is
/// not ours in every mode), and serves until Ctrl-C or SIGTERM.
pub async fn serve(server: BillingServer, options: HttpOptions) -> Result<(), Error> {
    options.validate()?;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| Error::io(format!("cannot bind {}", options.addr), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the bound address", e))?;
    let shutdown = CancellationToken::new();
    let app = router(server, &options, &shutdown);
    eprintln!("{SERVER_NAME}: listening on http://{local}/mcp");
    tracing::info!(%local, auth = options.token.is_some(), limits = ?options.limits, "serving streamable HTTP");
    let signal = shutdown.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        signal.cancel();
    });
    conn::serve(listener, app, &options.limits, shutdown).await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn healthz() -> Response {
    let body = format!(
        r#"{{"status":"ok","name":"{SERVER_NAME}","version":"{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// A JSON error body `{"error": why}` with `status`, for refusals before rmcp.
fn refusal(status: axum::http::StatusCode, why: &str) -> Response {
    let body = serde_json::json!({ "error": why }).to_string();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(addr: &str, token: Option<&str>) -> HttpOptions {
        HttpOptions {
            addr: addr.parse().expect("addr"),
            token: token.map(str::to_owned),
            allowed_hosts: vec![],
            allowed_origins: vec![],
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            limits: Limits::default(),
        }
    }

    #[test]
    fn a_public_bind_needs_a_token() {
        let err = options("0.0.0.0:8787", None)
            .validate()
            .expect_err("no token");
        assert!(err.to_string().contains("PIAPI_BILLING_TOKEN"), "{err}");
        assert!(options("0.0.0.0:8787", Some("")).validate().is_err());
        assert!(options("0.0.0.0:8787", Some("s3cret")).validate().is_ok());
        assert!(options("127.0.0.1:8787", None).validate().is_ok());
        assert!(options("[::1]:8787", None).validate().is_ok());
    }

    #[test]
    fn tokens_no_client_could_present_are_refused() {
        for (token, says) in [
            ("", "is blank"),
            (" ", "is blank"),
            (" sekrit ", "whitespace"),
            ("sekrit\t", "whitespace"),
            ("sek rit", "visible ASCII"),
            ("sekrït", "visible ASCII"),
        ] {
            for addr in ["127.0.0.1:8787", "0.0.0.0:8787"] {
                let err = options(addr, Some(token)).validate().expect_err(token);
                assert!(err.to_string().contains(says), "{token:?}: {err}");
            }
        }
    }

    #[test]
    fn origins_need_a_scheme() {
        let mut o = options("127.0.0.1:0", None);
        o.allowed_origins = vec!["app.example.com".into()];
        assert!(o.validate().is_err());
        o.allowed_origins = vec!["https://app.example.com".into()];
        assert!(o.validate().is_ok());
    }

    #[test]
    fn timeouts_are_durations_within_reason() {
        assert_eq!(parse_timeout("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("2h").is_err());
        assert!(parse_timeout("ten").unwrap_err().contains("such as 10s"));
    }
}
