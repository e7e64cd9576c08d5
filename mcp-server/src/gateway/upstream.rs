//! The gateway's side of PiAPI: requests sent with the real key, answers scrubbed of it.
//!
//! Reads (`GET`) are retried on server errors and timeouts a bounded number of times; a
//! create-task is sent exactly once, because PiAPI has no idempotency key for it and a retry
//! could create (and charge) the task twice.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderValue, Method, StatusCode};
use reqwest::Url;

use crate::piapi_client::{PiapiConfig, PiapiError, SecretKey, http_client};

/// Largest PiAPI answer passed on.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// PiAPI's answer: its status and body, the key scrubbed out.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

/// Why no answer came back. For a create-task, every one of these leaves it unknown whether
/// PiAPI created the task.
#[derive(Debug)]
pub enum Failure {
    Timeout,
    Network(String),
    TooLarge,
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Timeout => "PiAPI did not answer in time".to_string(),
            Failure::Network(why) => format!("PiAPI could not be reached: {why}"),
            Failure::TooLarge => {
                format!("PiAPI's answer is larger than {MAX_ANSWER_BYTES} bytes")
            }
        }
    }
}

#[derive(Clone)]
pub struct Upstream {
    http: reqwest::Client,
    base: Url,
    key: SecretKey,
    get_retries: u32,
    backoff: Duration,
}

impl Upstream {
    pub fn new(config: &PiapiConfig) -> Result<Upstream, PiapiError> {
        Ok(Upstream {
            http: http_client(config)?,
            base: config.base_url.clone(),
            key: config.api_key.clone(),
            get_retries: config.max_retries,
            backoff: config.retry_backoff,
        })
    }

    /// Sends one request to `segments` under the base URL (each percent-encoded as one path
    /// segment), with `query` and `body` as given.
    pub async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<Answer, Failure> {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.set_query(query);
        let retries = if method == Method::GET {
            self.get_retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            let result = self
                .attempt(method.clone(), url.clone(), body.clone())
                .await;
            let retry = match &result {
                Ok(a) => a.status.is_server_error(),
                Err(Failure::TooLarge) => false,
                Err(_) => true,
            };
            if !retry || attempt >= retries {
                return result;
            }
            attempt += 1;
            tokio::time::sleep(self.backoff * attempt).await;
        }
    }

    async fn attempt(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
    ) -> Result<Answer, Failure> {
        let mut key = HeaderValue::from_str(self.key.expose())
            .map_err(|_| Failure::Network("PIAPI_API_KEY is not a valid header value".into()))?;
        key.set_sensitive(true);
        let mut request = self
            .http
            .request(method, url)
            .header("x-api-key", key)
            .header("accept", "application/json");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let mut response = request.send().await.map_err(|e| self.failure(&e))?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failure(&e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            body: self.scrub(body),
        })
    }

    /// The body with the real key replaced, should PiAPI ever echo it.
    fn scrub(&self, body: Vec<u8>) -> Bytes {
        let key = self.key.expose().as_bytes();
        if key.is_empty() || !body.windows(key.len()).any(|w| w == key) {
            return Bytes::from(body);
        }
        Bytes::from(
            self.key
                .scrub_all(&String::from_utf8_lossy(&body))
                .into_bytes(),
        )
    }

    fn failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            return Failure::Timeout;
        }
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        Failure::Network(self.key.scrub_all(&text))
    }
}
