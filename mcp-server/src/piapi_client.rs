//! The HTTP client for PiAPI's account and task endpoints.
//!
//! This is the I/O half of the PiAPI integration: it owns the key, the transport, timeouts and
//! retries, and turns every failure into one [`PiapiError`] an assistant can act on. What the
//! bodies mean is decided in the core ([`piapi_billing::piapi`]), so the same rules are tested
//! there without a network.
//!
//! The key is sent in the `x-api-key` header, marked sensitive, and nowhere else. It is never
//! formatted: [`SecretKey`] prints `***`, logs name endpoints and statuses only, error details
//! come from this module's own wording or from transport errors (which carry URLs, and the base
//! URL is checked to hold no credentials), and every message built from text the transport
//! supplied is scrubbed of the key before it leaves. PiAPI's bodies are scrubbed where they
//! enter, in `PiapiClient::read_body`, successful ones included: a body that echoes the key
//! (an account named after it, a task whose model is it) would otherwise carry it into a tool
//! result and into rmcp's logs of that result, and no later path has to remember. Redirects are
//! not followed, because the key is a custom header that an HTTP client would carry to the new
//! host.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::clock::now_rfc3339;
use piapi_billing::piapi::{PiapiShapeError, balance_from_account_info, task_cost};
use piapi_billing::{Billing, CheckBalanceResult, TaskCostResult};
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::Value;

/// Where PiAPI lives unless `PIAPI_BASE_URL` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.piapi.ai";
/// Time to open a connection. Short, because a host that does not accept in 5 s is down.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for one whole request, connection to last byte. Both endpoints answer small bodies
/// from a database read, so 15 s is generous without leaving an assistant waiting long.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Retries after the first attempt, for server errors, timeouts and connection failures only.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The first pause before a retry; each further retry doubles it.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(250);

/// The header PiAPI reads the key from (facts §6).
const API_KEY_HEADER: &str = "x-api-key";
/// The most body this client reads; PiAPI's answers here are a few kilobytes.
const MAX_BODY_BYTES: usize = 1 << 20;
/// PiAPI task ids are UUIDs; this leaves room for other id styles without accepting essays.
const MAX_TASK_ID_LEN: usize = 128;
/// The longest pause between two attempts, however many retries are configured.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The largest `PIAPI_TIMEOUT_MS` accepted: ten minutes.
const MAX_TIMEOUT_MS: u64 = 600_000;

/// The PiAPI key. Formatting it, by `{}` or `{:?}`, prints `***`; only [`SecretKey::expose`]
/// gives the text, and only the request builder calls it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Arc<str>);

impl SecretKey {
    /// Wraps a key, trimming the whitespace a key pasted from a file or a terminal carries.
    pub fn new(key: &str) -> Self {
        SecretKey(Arc::from(key.trim()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every occurrence of the key replaced by `***`, and also a start of the key
    /// that a shortened message cut off before its `…` (the core clips long values it quotes).
    fn scrub(&self, text: &str) -> String {
        /// Key prefixes shorter than this are too common to mean anything ("sk-").
        const MIN_PREFIX: usize = 6;
        if self.0.is_empty() {
            return text.to_owned();
        }
        let mut out = text.replace(&*self.0, "***");
        for (cut, _) in self
            .0
            .char_indices()
            .skip(MIN_PREFIX)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            out = out.replace(&format!("{}…", &self.0[..cut]), "***…");
        }
        out
    }

    /// `text` with the key replaced by `***`, unclipped: for bodies the budget gateway passes
    /// on to its clients whole.
    pub fn scrub_all(&self, text: &str) -> String {
        self.scrub(text)
    }

    /// Text from outside (PiAPI's body, a transport error, the core's reading of a body), made
    /// safe to show: scrubbed first, then clipped, so a clip cannot leave half a key behind.
    fn redact(&self, text: &str) -> String {
        clip(&self.scrub(text))
    }

    /// Scrubs every string, member name and number of a parsed body. The depth is bounded by
    /// serde_json's parser (128 levels), so the recursion is too.
    fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.scrub_in_place(text),
            Value::Number(number) if self.may_hold(&number.to_string()) => {
                *value = Value::String(self.scrub(&number.to_string()));
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.scrub_value(item)),
            Value::Object(members) => {
                if members.keys().any(|name| self.may_hold(name)) {
                    *members = std::mem::take(members)
                        .into_iter()
                        .map(|(name, item)| (self.scrub(&name), item))
                        .collect();
                }
                members.values_mut().for_each(|item| self.scrub_value(item));
            }
            _ => {}
        }
    }

    fn scrub_in_place(&self, text: &mut String) {
        if self.may_hold(text) {
            *text = self.scrub(text);
        }
    }

    /// Whether `text` could hold the key or a clipped start of it: the cheap test that spares
    /// every other string of a body the full [`SecretKey::scrub`].
    fn may_hold(&self, text: &str) -> bool {
        let start = self
            .0
            .char_indices()
            .nth(6)
            .map_or(&*self.0, |(at, _)| &self.0[..at]);
        !self.0.is_empty() && text.contains(start)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Everything the client needs; [`PiapiConfig::from_env`] reads it from the environment.
#[derive(Clone, Debug)]
pub struct PiapiConfig {
    pub base_url: Url,
    pub api_key: SecretKey,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub retry_backoff: Duration,
}

impl PiapiConfig {
    /// A configuration with the default timeouts and retries.
    pub fn new(base_url: &str, api_key: SecretKey) -> Result<Self, PiapiError> {
        if api_key.is_empty() {
            return Err(PiapiError::NotConfigured);
        }
        if HeaderValue::from_str(api_key.expose()).is_err() {
            return Err(PiapiError::InvalidConfig(
                "PIAPI_API_KEY contains characters that cannot be sent in an HTTP header".into(),
            ));
        }
        Ok(PiapiConfig {
            base_url: parse_base_url(base_url)?,
            api_key,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
        })
    }

    /// Reads `PIAPI_API_KEY`, `PIAPI_BASE_URL` and `PIAPI_TIMEOUT_MS`; `None` when no key is set.
    pub fn from_env() -> Result<Option<Self>, PiapiError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`PiapiConfig::from_env`] over any source of variables, so it can be tested without
    /// touching the process environment.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, PiapiError> {
        let key = SecretKey::new(&lookup("PIAPI_API_KEY").unwrap_or_default());
        if key.is_empty() {
            return Ok(None);
        }
        let base = lookup("PIAPI_BASE_URL").filter(|b| !b.trim().is_empty());
        let mut config = PiapiConfig::new(base.as_deref().unwrap_or(DEFAULT_BASE_URL), key)?;
        if let Some(ms) = lookup("PIAPI_TIMEOUT_MS").filter(|t| !t.trim().is_empty()) {
            let timeout = parse_timeout_ms(&ms)?;
            config.request_timeout = timeout;
            config.connect_timeout = config.connect_timeout.min(timeout);
        }
        Ok(Some(config))
    }

    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }

    pub fn with_retries(mut self, max_retries: u32, backoff: Duration) -> Self {
        self.max_retries = max_retries;
        self.retry_backoff = backoff;
        self
    }
}

/// Checks `PIAPI_BASE_URL`. The value is not echoed in errors: a misplaced key would be in it.
fn parse_base_url(text: &str) -> Result<Url, PiapiError> {
    let invalid = |why: &str| PiapiError::InvalidConfig(format!("PIAPI_BASE_URL {why}"));
    let url = Url::parse(text.trim()).map_err(|e| {
        invalid(&format!(
            "is not an absolute URL ({e}); expected e.g. {DEFAULT_BASE_URL}"
        ))
    })?;
    let Some(host) = url.host_str() else {
        return Err(invalid("has no host"));
    };
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    let loopback = host.eq_ignore_ascii_case("localhost") || ip.is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(invalid(
                "must use https: the API key travels in a header, and plain http is allowed only \
                 for a server on this machine (localhost, 127.0.0.1, ::1)",
            ));
        }
        _ => return Err(invalid("must be an https:// URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not carry a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query (?…) or a fragment (#…)"));
    }
    Ok(url)
}

fn parse_timeout_ms(text: &str) -> Result<Duration, PiapiError> {
    match text.trim().parse::<u64>() {
        Ok(ms) if (1..=MAX_TIMEOUT_MS).contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(PiapiError::InvalidConfig(format!(
            "PIAPI_TIMEOUT_MS must be a whole number of milliseconds from 1 to {MAX_TIMEOUT_MS}, got \"{}\"",
            clip(text.trim())
        ))),
    }
}

/// One page request of the task history. PiAPI documents `page` from 1, `page_size` up to
/// 100, and `start_time`/`end_time` as Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    pub page: u64,
    pub page_size: u64,
    pub start_time: i64,
    pub end_time: i64,
    /// PiAPI's history model filter ("kling", "mj", …); `None` for every model.
    pub model: Option<String>,
}

/// Why a PiAPI call failed, worded for the assistant that made it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PiapiError {
    #[error("no PiAPI key is configured: set PIAPI_API_KEY in the server's environment")]
    NotConfigured,
    #[error("invalid PiAPI configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid task_id: {0}")]
    InvalidTaskId(String),
    #[error("PiAPI rejected the API key (HTTP 401); check PIAPI_API_KEY")]
    Unauthorized,
    #[error(
        "PiAPI refused access (HTTP 403): the key is valid but may not use this endpoint, or the \
         account is disabled; check the account on piapi.ai"
    )]
    Forbidden,
    #[error("PiAPI has no {what} (HTTP 404)")]
    NotFound { what: String },
    #[error("PiAPI is rate-limiting this key (HTTP 429); wait a moment and try again")]
    RateLimited,
    /// Any other refusal: a 4xx, a redirect, or a non-success code inside PiAPI's envelope.
    #[error("PiAPI refused the request: {0}")]
    Refused(String),
    #[error(
        "PiAPI answered HTTP {status} on each of {attempts} attempt(s); the service may be down, \
         try again later"
    )]
    Server { status: u16, attempts: u32 },
    #[error(
        "PiAPI did not answer within {timeout_ms} ms on each of {attempts} attempt(s); check the \
         network or raise PIAPI_TIMEOUT_MS"
    )]
    Timeout { timeout_ms: u64, attempts: u32 },
    #[error("could not reach PiAPI at {base_url} ({attempts} attempt(s)): {detail}")]
    Network {
        base_url: String,
        detail: String,
        attempts: u32,
    },
    #[error("PiAPI sent a response this client cannot read: {0}")]
    Malformed(String),
}

impl PiapiError {
    /// A stable machine-readable name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            PiapiError::NotConfigured => "not_configured",
            PiapiError::InvalidConfig(_) => "invalid_config",
            PiapiError::InvalidTaskId(_) => "invalid_task_id",
            PiapiError::Unauthorized => "unauthorized",
            PiapiError::Forbidden => "forbidden",
            PiapiError::NotFound { .. } => "not_found",
            PiapiError::RateLimited => "rate_limited",
            PiapiError::Refused(_) => "refused",
            PiapiError::Server { .. } => "server_error",
            PiapiError::Timeout { .. } => "timeout",
            PiapiError::Network { .. } => "network",
            PiapiError::Malformed(_) => "malformed_response",
        }
    }
}

/// A client for one PiAPI account. Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct PiapiClient {
    http: reqwest::Client,
    config: Arc<PiapiConfig>,
}

impl PiapiClient {
    /// A client from the environment (see [`PiapiConfig::from_env`]); `None` without a key.
    pub fn from_env() -> Result<Option<Self>, PiapiError> {
        PiapiConfig::from_env()?.map(Self::new).transpose()
    }

    pub fn new(config: PiapiConfig) -> Result<Self, PiapiError> {
        let http = http_client(&config)?;
        Ok(PiapiClient {
            http,
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &PiapiConfig {
        &self.config
    }

    /// The account's live balance from `GET /account/info`.
    pub async fn check_balance(&self) -> Result<CheckBalanceResult, PiapiError> {
        let url = self.endpoint(&["account", "info"]);
        let body = self.get_json(url, "GET /account/info", "account").await?;
        balance_from_account_info(&body, &now_rfc3339()).map_err(|e| self.shape_error(e, "account"))
    }

    /// What PiAPI charged for a task (`GET /api/v1/task/{id}`), beside the catalog's estimate.
    pub async fn task_cost(
        &self,
        billing: &Billing,
        task_id: &str,
    ) -> Result<TaskCostResult, PiapiError> {
        let task_id = validate_task_id(task_id)?;
        let url = self.endpoint(&["api", "v1", "task", task_id]);
        let what = format!("task {task_id}");
        let body = self.get_json(url, "GET /api/v1/task/{id}", &what).await?;
        task_cost(billing, &body).map_err(|e| self.shape_error(e, &what))
    }

    /// One page of the account's task history (`GET /api/open/tasks/histories`), scrubbed of
    /// the key; [`piapi_billing::piapi::history`] reads it.
    pub async fn history_page(&self, query: &HistoryQuery) -> Result<Value, PiapiError> {
        let mut url = self.endpoint(&["api", "open", "tasks", "histories"]);
        {
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("page", &query.page.to_string())
                .append_pair("page_size", &query.page_size.to_string())
                .append_pair("start_time", &query.start_time.to_string())
                .append_pair("end_time", &query.end_time.to_string());
            if let Some(model) = &query.model {
                pairs.append_pair("model", model);
            }
        }
        let what = format!("task history page {}", query.page);
        // Every body is scrubbed of the key as it is read (`read_body`).
        self.get_json(url, "GET /api/open/tasks/histories", &what)
            .await
    }

    /// A task's view (`GET /api/v1/task/{id}`), scrubbed of the key; the core reads it.
    pub async fn task_body(&self, task_id: &str) -> Result<Value, PiapiError> {
        let task_id = validate_task_id(task_id)?;
        let url = self.endpoint(&["api", "v1", "task", task_id]);
        let what = format!("task {task_id}");
        self.get_json(url, "GET /api/v1/task/{id}", &what).await
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.config.base_url.clone();
        // An `https` URL with a host always has path segments; the base URL was checked for both.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// GETs a JSON body, retrying server errors, timeouts and connection failures with a
    /// doubling pause. `what` names the resource for a 404.
    async fn get_json(
        &self,
        url: Url,
        endpoint: &'static str,
        what: &str,
    ) -> Result<Value, PiapiError> {
        let attempts_allowed = self.config.max_retries.saturating_add(1);
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            tracing::debug!(endpoint, attempt, "PiAPI request");
            let failure = match self.attempt(&url).await {
                Ok((status, bytes)) => {
                    tracing::debug!(
                        endpoint,
                        attempt,
                        status = status.as_u16(),
                        elapsed_ms = ms(started.elapsed()),
                        "PiAPI response"
                    );
                    match self.classify(status, &bytes, endpoint, what) {
                        Ok(body) => return Ok(body),
                        Err(f) => f,
                    }
                }
                Err(f) => f,
            };
            let retryable = failure.is_retryable();
            if !retryable || attempt >= attempts_allowed {
                tracing::info!(
                    endpoint,
                    attempt,
                    reason = failure.label(),
                    "PiAPI request failed"
                );
                return Err(self.give_up(failure, attempt));
            }
            let pause = self.backoff(attempt);
            tracing::info!(
                endpoint,
                attempt,
                reason = failure.label(),
                retry_in_ms = ms(pause),
                "PiAPI request failed; retrying"
            );
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    /// One request: the status and at most [`MAX_BODY_BYTES`] of body.
    async fn attempt(&self, url: &Url) -> Result<(StatusCode, Vec<u8>), Failure> {
        let mut key = HeaderValue::from_str(self.config.api_key.expose()).map_err(|_| {
            Failure::Fatal(PiapiError::InvalidConfig(
                "PIAPI_API_KEY is not a valid header value".into(),
            ))
        })?;
        key.set_sensitive(true);
        let mut response = self
            .http
            .get(url.clone())
            .header(API_KEY_HEADER, key)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| self.transport_failure(&e))?;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(Failure::Fatal(too_large()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_failure(&e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Failure::Fatal(too_large()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }

    /// Turns a status and body into JSON or the failure they stand for.
    fn classify(
        &self,
        status: StatusCode,
        body: &[u8],
        endpoint: &str,
        what: &str,
    ) -> Result<Value, Failure> {
        if status.is_server_error() {
            return Err(Failure::Server(status.as_u16()));
        }
        let fatal = |e: PiapiError| Err(Failure::Fatal(e));
        match status.as_u16() {
            200..=299 => {}
            401 => return fatal(PiapiError::Unauthorized),
            403 => return fatal(PiapiError::Forbidden),
            404 => {
                return fatal(PiapiError::NotFound {
                    what: what.to_owned(),
                });
            }
            429 => return fatal(PiapiError::RateLimited),
            300..=399 => {
                return fatal(PiapiError::Refused(format!(
                    "{endpoint} answered with a redirect (HTTP {}); redirects are not followed, \
                     so that the key is not sent to another host; check PIAPI_BASE_URL",
                    status.as_u16()
                )));
            }
            code => {
                let said = self
                    .read_body(body)
                    .ok()
                    .and_then(|body| envelope_message(&body))
                    .map(|m| format!(": {}", clip(&m)));
                return fatal(PiapiError::Refused(format!(
                    "{endpoint} answered HTTP {code}{}",
                    said.unwrap_or_default()
                )));
            }
        }
        self.read_body(body).map_err(|e| {
            Failure::Fatal(PiapiError::Malformed(format!(
                "{endpoint} answered HTTP {} with a body that is not JSON ({e})",
                status.as_u16()
            )))
        })
    }

    /// Parses a PiAPI body and scrubs the key out of it: the one way a body enters, so neither
    /// a result built from it nor a message quoting it can carry the key.
    fn read_body(&self, body: &[u8]) -> Result<Value, serde_json::Error> {
        let mut value = serde_json::from_slice(body)?;
        self.config.api_key.scrub_value(&mut value);
        Ok(value)
    }

    /// A body that PiAPI sent but the core could not read; an error code inside the envelope
    /// means the same as the HTTP status would.
    pub(crate) fn shape_error(&self, e: PiapiShapeError, what: &str) -> PiapiError {
        match e.api_code {
            Some(401) => PiapiError::Unauthorized,
            Some(403) => PiapiError::Forbidden,
            Some(404) => PiapiError::NotFound {
                what: what.to_owned(),
            },
            Some(429) => PiapiError::RateLimited,
            Some(_) => PiapiError::Refused(self.config.api_key.redact(&e.message)),
            None => PiapiError::Malformed(self.config.api_key.redact(&e.message)),
        }
    }

    fn transport_failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else if e.is_builder() {
            Failure::Fatal(PiapiError::InvalidConfig(
                self.config.api_key.redact(&root_cause(e)),
            ))
        } else {
            Failure::Network(self.config.api_key.redact(&root_cause(e)))
        }
    }

    fn give_up(&self, failure: Failure, attempts: u32) -> PiapiError {
        match failure {
            Failure::Fatal(e) => e,
            Failure::Server(status) => PiapiError::Server { status, attempts },
            Failure::Timeout => PiapiError::Timeout {
                timeout_ms: ms(self.config.request_timeout),
                attempts,
            },
            Failure::Network(detail) => PiapiError::Network {
                base_url: self.config.base_url.to_string(),
                detail,
                attempts,
            },
        }
    }

    /// The pause after failed attempt `attempt` (1-based): backoff × 2^(attempt−1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.config
            .retry_backoff
            .saturating_mul(factor)
            .min(MAX_BACKOFF)
    }
}

/// One attempt's failure, before retries are decided.
enum Failure {
    /// Retrying cannot help (4xx, a body that is not JSON, a body too large, bad config).
    Fatal(PiapiError),
    Server(u16),
    Timeout,
    Network(String),
}

impl Failure {
    fn is_retryable(&self) -> bool {
        !matches!(self, Failure::Fatal(_))
    }

    /// A short label for logs; never carries text from outside.
    fn label(&self) -> &'static str {
        match self {
            Failure::Fatal(e) => e.code(),
            Failure::Server(_) => "server_error",
            Failure::Timeout => "timeout",
            Failure::Network(_) => "network",
        }
    }
}

/// TLS with the ring provider, trusting the system's CA roots and Mozilla's, so the client
/// works both behind a corporate CA and on a minimal host without a CA bundle.
/// The HTTP client every PiAPI caller uses (this client and the budget gateway's upstream):
/// rustls, the configured timeouts, no redirects (the key must not follow one to another host).
pub fn http_client(config: &PiapiConfig) -> Result<reqwest::Client, PiapiError> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("piapi-billing-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            PiapiError::InvalidConfig(format!(
                "cannot build the HTTP client: {}",
                clip(&root_cause(&e))
            ))
        })
}

fn tls_config() -> Result<rustls::ClientConfig, PiapiError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_error = |e: rustls::Error| PiapiError::InvalidConfig(format!("cannot set up TLS: {e}"));
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
        provider.clone(),
    )
    .map_err(tls_error)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// PiAPI task ids are UUIDs; anything outside letters, digits, `-` and `_` is refused before a
/// request is made. The id is not echoed: a mistaken paste could be a secret.
fn validate_task_id(task_id: &str) -> Result<&str, PiapiError> {
    let id = task_id.trim();
    if id.is_empty() {
        return Err(PiapiError::InvalidTaskId(
            "must not be empty; pass the id returned by POST /api/v1/task".into(),
        ));
    }
    if id.len() > MAX_TASK_ID_LEN
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(PiapiError::InvalidTaskId(format!(
            "must be 1 to {MAX_TASK_ID_LEN} letters, digits, '-' or '_' (PiAPI task ids are UUIDs)"
        )));
    }
    Ok(id)
}

/// The `message` of a PiAPI envelope in an error body.
fn envelope_message(body: &Value) -> Option<String> {
    body.get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
}

/// The innermost cause of a transport error (e.g. "Connection refused (os error 111)"): the
/// part that says what happened, without the request description around it.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn too_large() -> PiapiError {
    PiapiError::Malformed(format!(
        "the response body is larger than {MAX_BODY_BYTES} bytes"
    ))
}

/// At most 120 characters of text from outside, so messages stay readable.
fn clip(s: &str) -> String {
    const MAX: usize = 120;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn no_key_means_no_client() {
        assert!(PiapiConfig::from_lookup(lookup(&[])).unwrap().is_none());
        assert!(
            PiapiConfig::from_lookup(lookup(&[("PIAPI_API_KEY", "  ")]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn defaults_and_overrides_from_the_environment() {
        let c = PiapiConfig::from_lookup(lookup(&[("PIAPI_API_KEY", " sk-test\n")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.base_url.as_str(), "https://api.piapi.ai/");
        assert_eq!(c.api_key.expose(), "sk-test");
        assert_eq!(
            (c.connect_timeout, c.request_timeout),
            (DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)
        );
        assert_eq!(c.max_retries, DEFAULT_MAX_RETRIES);

        let c = PiapiConfig::from_lookup(lookup(&[
            ("PIAPI_API_KEY", "sk-test"),
            ("PIAPI_BASE_URL", "http://127.0.0.1:8080/piapi"),
            ("PIAPI_TIMEOUT_MS", "2500"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:8080/piapi");
        assert_eq!(
            (c.connect_timeout, c.request_timeout),
            (Duration::from_millis(2500), Duration::from_millis(2500))
        );
    }

    #[test]
    fn bad_base_urls_are_refused_without_echoing_them() {
        let secret = "sk-secret-in-url";
        for (url, says) in [
            ("api.piapi.ai", "not an absolute URL"),
            ("http://api.piapi.ai", "must use https"),
            ("ftp://api.piapi.ai", "must be an https:// URL"),
            (
                "https://user:sk-secret-in-url@api.piapi.ai",
                "user name or password",
            ),
            ("https://api.piapi.ai/?key=sk-secret-in-url", "query"),
        ] {
            let err = PiapiConfig::new(url, SecretKey::new("k")).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(says), "{url}: {text}");
            assert!(!text.contains(secret), "{text}");
            assert_eq!(err.code(), "invalid_config");
        }
        assert!(PiapiConfig::new("http://localhost:9/", SecretKey::new("k")).is_ok());
        assert!(PiapiConfig::new("http://[::1]:9/", SecretKey::new("k")).is_ok());
    }

    #[test]
    fn bad_timeouts_and_keys_are_refused() {
        for t in ["0", "-5", "1.5", "abc", "600001"] {
            let err = PiapiConfig::from_lookup(lookup(&[
                ("PIAPI_API_KEY", "k"),
                ("PIAPI_TIMEOUT_MS", t),
            ]))
            .unwrap_err();
            assert!(
                err.to_string().contains("PIAPI_TIMEOUT_MS must be"),
                "{err}"
            );
        }
        let err = PiapiConfig::new(DEFAULT_BASE_URL, SecretKey::new("sk-\u{7f}bad")).unwrap_err();
        assert!(!err.to_string().contains("sk-"), "{err}");
        assert_eq!(
            PiapiConfig::new(DEFAULT_BASE_URL, SecretKey::new("")).unwrap_err(),
            PiapiError::NotConfigured
        );
    }

    #[test]
    fn the_key_never_formats() {
        let key = SecretKey::new("sk-live-123");
        assert_eq!(format!("{key} {key:?}"), "*** ***");
        let config = PiapiConfig::new(DEFAULT_BASE_URL, key.clone()).unwrap();
        assert!(!format!("{config:?}").contains("sk-live"));
        let client = PiapiClient::new(config).unwrap();
        assert!(!format!("{client:?}").contains("sk-live"));
        assert_eq!(key.scrub("bad key sk-live-123!"), "bad key ***!");
        assert_eq!(key.scrub("value \"sk-live-1…\""), "value \"***…\"");
        assert_eq!(
            key.scrub("sk-li…"),
            "sk-li…",
            "five characters say little about a key"
        );
        assert_eq!(key.scrub("sk-liv…"), "***…");
        let long = format!("{}{}", "x".repeat(115), "sk-live-123");
        assert!(
            !key.redact(&long).contains("sk-live"),
            "{}",
            key.redact(&long)
        );
    }

    #[test]
    fn bodies_are_scrubbed_where_they_enter() {
        let client = PiapiClient::new(
            PiapiConfig::new(DEFAULT_BASE_URL, SecretKey::new("sk-live-123")).unwrap(),
        )
        .unwrap();
        let body =
            br#"{"data":{"name":"sk-live-123","sk-live-123":1,"deep":[{"m":"x sk-live-1\u2026"}],
            "plain":"acme","n":42}}"#;
        let value = client.read_body(body).unwrap();
        let text = value.to_string();
        assert!(!text.contains("sk-live-1"), "{text}");
        assert_eq!(value["data"]["name"], "***");
        assert_eq!(value["data"]["***"], 1);
        assert_eq!(value["data"]["deep"][0]["m"], "x ***…");
        assert_eq!(
            (&value["data"]["plain"], &value["data"]["n"]),
            (&json!("acme"), &json!(42))
        );
        let numeric = PiapiClient::new(
            PiapiConfig::new(DEFAULT_BASE_URL, SecretKey::new("12345678901")).unwrap(),
        )
        .unwrap();
        let value = numeric.read_body(br#"{"id":12345678901}"#).unwrap();
        assert_eq!(value["id"], "***");
    }

    #[test]
    fn task_ids_are_checked_and_encoded_as_one_segment() {
        assert_eq!(
            validate_task_id(" 0f4a7c52-3f1e_4b6e ").unwrap(),
            "0f4a7c52-3f1e_4b6e"
        );
        for bad in [
            "",
            "   ",
            "../account/info",
            "a/b",
            "a?b",
            "é",
            &"x".repeat(129),
        ] {
            assert_eq!(
                validate_task_id(bad).unwrap_err().code(),
                "invalid_task_id",
                "{bad:?}"
            );
        }
        let client = PiapiClient::new(
            PiapiConfig::new("https://example.com/base/", SecretKey::new("k")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            client.endpoint(&["api", "v1", "task", "a b"]).as_str(),
            "https://example.com/base/api/v1/task/a%20b"
        );
        assert_eq!(
            client.endpoint(&["account", "info"]).as_str(),
            "https://example.com/base/account/info"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let client = PiapiClient::new(
            PiapiConfig::new(DEFAULT_BASE_URL, SecretKey::new("k"))
                .unwrap()
                .with_retries(40, Duration::from_millis(100)),
        )
        .unwrap();
        let pauses: Vec<u64> = (1..=4).map(|a| ms(client.backoff(a))).collect();
        assert_eq!(pauses, [100, 200, 400, 800]);
        assert_eq!(client.backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = now_rfc3339();
        assert_eq!(t.len(), "2026-11-24T17:00:00Z".len(), "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
