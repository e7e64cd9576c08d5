//! Request bodies read against their limits as they arrive, then checked as JSON-RPC.
//!
//! rmcp collects a body into a buffer of its own with no deadline, and the buffers of every
//! connection add up: 1,000 connections trickling 3 MB each held 4 GB, never returned. Here a
//! body is read before rmcp sees it:
//! - a declared `Content-Length` over `--max-body-bytes` is refused (413) before a byte is read,
//!   and so is a body that grows past it;
//! - the first [`ALLOWANCE`] bytes of every body are the connection's own; beyond that a body
//!   draws from one budget shared by all of them (`--max-body-memory`), reserved up front from
//!   `Content-Length` and as chunks arrive otherwise. A body that does not fit gets 503 at
//!   once, unread, so a flood of large uploads is shed while small calls (every tool call but
//!   the largest estimates) still get through;
//! - the whole body has `--body-timeout` to arrive (408): tower-http's body timeout restarts
//!   with every chunk, so a client trickling a byte at a time would never meet it;
//! - chunks are copied into one buffer sized from `Content-Length`, so that hyper's read
//!   buffers are not pinned by small chunks kept alive until the end.
//!
//! The reservation is held until rmcp has answered, since rmcp parses the body into a tree
//! several times its size. Then the body is checked as JSON-RPC ([`crate::jsonrpc`]): text that
//! is not JSON, a batch or an invalid request gets 400 with a JSON-RPC error (rmcp answered 415
//! "Unsupported Media Type"), and a `tools/call` without an arguments object an Invalid params
//! error, as on stdio.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{HttpOptions, refusal};
use crate::jsonrpc;

/// The part of every body that does not draw from the shared budget: more than a tool call
/// needs, except a large estimate's.
pub const ALLOWANCE: usize = 64 * 1024;

/// The budget is counted in KiB, so that any `--max-body-memory` fits a semaphore's permits.
const UNIT: usize = 1024;

/// How a client is told to come back after a 503.
const RETRY_AFTER_SECONDS: &str = "2";

pub struct BodyLimits {
    max_bytes: usize,
    timeout: Duration,
    /// Permits of [`UNIT`] bytes each.
    budget: Arc<Semaphore>,
}

impl BodyLimits {
    pub fn new(options: &HttpOptions) -> Self {
        let units = usize::try_from(options.limits.max_body_memory)
            .unwrap_or(usize::MAX)
            .div_ceil(UNIT)
            .min(Semaphore::MAX_PERMITS);
        BodyLimits {
            max_bytes: options.max_body_bytes,
            timeout: options.limits.body_timeout,
            budget: Arc::new(Semaphore::new(units)),
        }
    }
}

/// Why a body was not read to its end.
enum Refused {
    TooLarge,
    NoMemory,
    TimedOut,
    Cut,
}

pub async fn bounded(
    State(limits): State<Arc<BodyLimits>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    if let Some(coding) = request
        .headers()
        .get(header::CONTENT_ENCODING)
        .filter(|c| !c.as_bytes().eq_ignore_ascii_case(b"identity"))
    {
        // RFC 9110 §15.5.16: 415 is the answer to a content coding the server does not
        // support, with Accept-Encoding naming the ones it does.
        let mut response = refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "Content-Encoding {} is not supported; send the body uncompressed",
                String::from_utf8_lossy(coding.as_bytes())
            ),
        );
        response.headers_mut().insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        return closing(response);
    }
    let declared = match declared_length(&request) {
        Ok(declared) => declared,
        Err(response) => return response,
    };
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return closing(too_large(limits.max_bytes));
    }
    let mut reservation = Reservation::new(limits.budget.clone());
    if !reservation.grow(declared.unwrap_or(0)) {
        return busy();
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        limits.timeout,
        read_all(body, declared, limits.max_bytes, &mut reservation),
    )
    .await
    .unwrap_or(Err(Refused::TimedOut));
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(refused) => return refused_response(refused, &limits),
    };
    if let Some(refusal) = jsonrpc::check_body(&bytes) {
        return jsonrpc_error(&refusal);
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(Bytes::from(bytes))))
        .await;
    drop(reservation);
    response
}

/// The `Content-Length` of a request, if it declares one.
#[expect(
    clippy::result_large_err,
    reason = "the error is the response, built once"
)]
fn declared_length(request: &Request) -> Result<Option<usize>, Response> {
    let Some(value) = request.headers().get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    // hyper has already refused a malformed or repeated Content-Length; this is belt and braces.
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|n| Some(usize::try_from(n).unwrap_or(usize::MAX)))
        .ok_or_else(|| {
            closing(refusal(
                StatusCode::BAD_REQUEST,
                "Content-Length is not a whole number",
            ))
        })
}

/// Reads the body into one buffer, checking the limit and growing the reservation as it
/// arrives.
async fn read_all(
    mut body: Body,
    declared: Option<usize>,
    max_bytes: usize,
    reservation: &mut Reservation,
) -> Result<Vec<u8>, Refused> {
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(max_bytes));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Refused::Cut)?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        let total = bytes.len() + chunk.len();
        if total > max_bytes {
            return Err(Refused::TooLarge);
        }
        if !reservation.grow(total) {
            return Err(Refused::NoMemory);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn refused_response(refused: Refused, limits: &BodyLimits) -> Response {
    match refused {
        Refused::TooLarge => closing(too_large(limits.max_bytes)),
        Refused::NoMemory => busy(),
        Refused::TimedOut => closing(refusal(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive within {}",
                humantime::format_duration(limits.timeout)
            ),
        )),
        Refused::Cut => closing(refusal(
            StatusCode::BAD_REQUEST,
            "the request body ended before its declared length",
        )),
    }
}

fn too_large(max_bytes: usize) -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the request body is larger than the limit of {max_bytes} bytes (--max-body-bytes)"
        ),
    )
}

/// 503 for a body the shared budget cannot hold now; the client may retry shortly.
fn busy() -> Response {
    let mut response = refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is holding as much request-body data as it allows (--max-body-memory); \
         retry shortly",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    closing(response)
}

/// Asks hyper to close the connection after this response: the rest of an unread body is
/// not worth reading.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A JSON-RPC error written before rmcp: 400 for text that is not a valid message, 200 for a
/// valid request with invalid params (as rmcp answers those).
fn jsonrpc_error(refusal: &jsonrpc::Refusal) -> Response {
    let status = if refusal.code == jsonrpc::INVALID_PARAMS {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        refusal.to_json(),
    )
        .into_response()
}

/// The share of the body budget one request holds; given back when dropped.
struct Reservation {
    budget: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Reservation {
    fn new(budget: Arc<Semaphore>) -> Self {
        Reservation {
            budget,
            permit: None,
        }
    }

    /// Makes the reservation cover a body of `bytes`; `false` when the budget cannot.
    fn grow(&mut self, bytes: usize) -> bool {
        let needed = bytes.saturating_sub(ALLOWANCE).div_ceil(UNIT);
        let held = self.permit.as_ref().map_or(0, |p| p.num_permits());
        if needed <= held {
            return true;
        }
        let Ok(more) = u32::try_from(needed - held) else {
            return false;
        };
        match self.budget.clone().try_acquire_many_owned(more) {
            Ok(more) => {
                match &mut self.permit {
                    Some(permit) => permit.merge(more),
                    None => self.permit = Some(more),
                }
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_is_free_and_the_rest_is_shared() {
        let budget = Arc::new(Semaphore::new(4)); // 4 KiB beyond the allowances
        let mut a = Reservation::new(budget.clone());
        let mut b = Reservation::new(budget.clone());
        assert!(a.grow(ALLOWANCE), "within the allowance");
        assert_eq!(budget.available_permits(), 4);
        assert!(a.grow(ALLOWANCE + 3 * UNIT));
        assert_eq!(budget.available_permits(), 1);
        assert!(!b.grow(ALLOWANCE + 2 * UNIT), "only 1 KiB left");
        assert!(b.grow(ALLOWANCE + 1), "a partial KiB counts as one");
        assert_eq!(budget.available_permits(), 0);
        drop(a);
        assert_eq!(budget.available_permits(), 3, "given back when dropped");
        assert!(b.grow(ALLOWANCE + 4 * UNIT), "grows in place");
    }
}
