//! Header checks in front of `/mcp`: repeated headers, the bearer token, and `Accept`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::refusal;

/// The headers a guard decides on. Sent twice, a check that reads the first would let the
/// second through (an allowed `Origin` then a foreign one passed, the reverse got 403), so
/// a repeat is refused before any check runs. RFC 9112 also requires 400 for two `Host`s.
const SINGLE_HEADERS: [(HeaderName, &str); 3] = [
    (header::HOST, "Host"),
    (header::ORIGIN, "Origin"),
    (header::AUTHORIZATION, "Authorization"),
];

/// What `Accept` is rewritten to when it accepts both media types only through wildcards.
const ACCEPT_BOTH: &str = "application/json, text/event-stream";

pub async fn reject_repeated_headers(request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Some((_, name)) = SINGLE_HEADERS
        .iter()
        .find(|(header, _)| headers.get_all(header).iter().nth(1).is_some())
    {
        return refusal(
            StatusCode::BAD_REQUEST,
            &format!("the {name} header is sent more than once; send it once"),
        );
    }
    next.run(request).await
}

pub async fn require_bearer(
    State(expected): State<Arc<[u8]>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer_token(v.as_bytes()));
    match presented {
        Some(token) if constant_time_eq(token, &expected) => next.run(request).await,
        _ => unauthorized(),
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme is case-insensitive
/// (RFC 7235 §2.1, RFC 6750 §2.1), so `bearer` and `BEARER` name it too.
fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    let space = value.iter().position(|b| *b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    scheme
        .eq_ignore_ascii_case(b"bearer")
        .then(|| rest.trim_ascii())
}

fn unauthorized() -> Response {
    let mut response = refusal(
        StatusCode::UNAUTHORIZED,
        "missing or invalid bearer token: send Authorization: Bearer <token>",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="piapi-billing-mcp""#),
    );
    response.into_response()
}

/// Compares secrets without a timing signal that leaks how many leading bytes matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// rmcp requires `Accept` to name both `application/json` and `text/event-stream` (406
/// otherwise). `*/*` (curl's default, and what a missing `Accept` means, RFC 9110 §12.5.1)
/// accepts both, as do `application/*` with `text/*`; such a header is rewritten to name them.
pub async fn normalize_accept(mut request: Request, next: Next) -> Response {
    if accepts_both_only_by_wildcard(request.headers()) {
        request
            .headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_BOTH));
    }
    next.run(request).await
}

fn accepts_both_only_by_wildcard(headers: &HeaderMap) -> bool {
    let mut ranges = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(accepted_range)
        .peekable();
    if ranges.peek().is_none() {
        // No Accept header (or none with a usable range): anything is acceptable.
        return headers.get(header::ACCEPT).is_none();
    }
    let (mut json, mut sse, mut named) = (false, false, 0);
    for range in ranges {
        let range = range.to_ascii_lowercase();
        json |= matches!(range.as_str(), "application/json" | "application/*" | "*/*");
        sse |= matches!(range.as_str(), "text/event-stream" | "text/*" | "*/*");
        named += usize::from(matches!(
            range.as_str(),
            "application/json" | "text/event-stream"
        ));
    }
    json && sse && named < 2
}

/// The media range of one `Accept` entry, unless its weight is zero.
fn accepted_range(entry: &str) -> Option<&str> {
    let mut parts = entry.split(';');
    let range = parts.next()?.trim();
    let refused = parts.any(|p| {
        p.split_once('=').is_some_and(|(name, weight)| {
            name.trim().eq_ignore_ascii_case("q")
                && weight.trim().parse::<f32>().is_ok_and(|q| q == 0.0)
        })
    });
    (!range.is_empty() && !refused).then_some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"BEARER  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"Basic abc"), None);
        assert_eq!(bearer_token(b"Bearerabc"), None);
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn wildcards_that_accept_both_are_named() {
        let with = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(header::ACCEPT, HeaderValue::from_str(v).expect("value"));
            }
            accepts_both_only_by_wildcard(&headers)
        };
        assert!(with(&[]));
        assert!(with(&["*/*"]));
        assert!(with(&["application/json, */*;q=0.8"]));
        assert!(with(&["application/*", "text/*"]));
        assert!(!with(&[ACCEPT_BOTH]), "already named");
        assert!(!with(&["application/json"]), "no event streams");
        assert!(!with(&["*/*;q=0"]), "refuses everything");
        assert!(!with(&["text/html"]));
    }
}
