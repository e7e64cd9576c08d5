//! Streamable HTTP: the MCP endpoint at `/mcp` behind its guards, and `/healthz`.
//!
//! Guards, outermost first:
//! - a bearer token, required whenever the server binds a non-loopback address (anyone on the
//!   network could otherwise spend the operator's PiAPI key through `check_balance` and read
//!   the account);
//! - rmcp's `Host` allow-list (DNS rebinding), `Origin` allow-list (a browser page on a foreign
//!   origin gets 403; rmcp leaves this off by default, so it is switched on here), and the
//!   request-body limit (413).
//!
//! Requests are served statelessly: no legacy `Mcp-Session-Id` sessions to expire under
//! clients that never re-initialize, and every tool here answers in one response.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
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
}

impl HttpOptions {
    /// Refuses configurations that would expose the server without authentication.
    pub fn validate(&self) -> Result<(), Error> {
        let ip = self.addr.ip();
        if !ip.is_loopback() && self.token.as_deref().is_none_or(str::is_empty) {
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
    let mut mcp = Router::new().nest_service("/mcp", service);
    if let Some(token) = options.token.as_deref().filter(|t| !t.is_empty()) {
        let expected: Arc<[u8]> = Arc::from(token.as_bytes());
        mcp = mcp.layer(middleware::from_fn_with_state(expected, require_bearer));
    }
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
    tracing::info!(%local, auth = options.token.is_some(), "serving streamable HTTP");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            shutdown.cancel();
        })
        .await
        .map_err(|e| Error::io("HTTP server", e))
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

async fn require_bearer(
    State(expected): State<Arc<[u8]>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .map(<[u8]>::trim_ascii);
    match presented {
        Some(token) if constant_time_eq(token, &expected) => next.run(request).await,
        _ => unauthorized(),
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="piapi-billing-mcp""#),
            ),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        r#"{"error":"missing or invalid bearer token: send Authorization: Bearer <token>"}"#,
    )
        .into_response()
}

/// Compares secrets without a timing signal that leaks how many leading bytes matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
    fn origins_need_a_scheme() {
        let mut o = options("127.0.0.1:0", None);
        o.allowed_origins = vec!["app.example.com".into()];
        assert!(o.validate().is_err());
        o.allowed_origins = vec!["https://app.example.com".into()];
        assert!(o.validate().is_ok());
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
