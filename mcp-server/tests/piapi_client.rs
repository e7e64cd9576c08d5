//! The real PiAPI client against a local PiAPI (`support::mock_piapi`): both account shapes, a
//! task's cost beside its estimate, every failure the client names (401, 403, 404, 429, a
//! redirect, 5xx then success, 5xx forever, timeouts, a body that is not JSON or has the wrong
//! shape, an oversized body, a refused connection), and the key.
//!
//! The key is a canary. All `tracing` output of the test process, and `log` records routed into
//! it, is captured at TRACE level; every result, every error (Display and Debug) and the whole
//! log is searched for the canary, and the mock's records prove the key was sent in `x-api-key`
//! and nowhere else.

mod support;

use std::time::{Duration, Instant};

use piapi_billing::Billing;
use piapi_billing_mcp::piapi_client::{PiapiClient, PiapiConfig, PiapiError, SecretKey};
use serde_json::json;
use support::logs::{log_text, logs};
use support::mock_piapi::{
    Behaviour, KLING_TASK_ID, MockPiapi, account_info_legacy, account_info_older, kling_task,
};

const CANARY: &str = "sk-canary-7f3a9c1e-DO-NOT-LEAK";

/// A client for the mock: short timeouts and backoff so failures are quick.
fn client(mock: &MockPiapi, timeout: Duration, retries: u32) -> PiapiClient {
    logs();
    let config = PiapiConfig::new(&mock.base_url(), SecretKey::new(CANARY))
        .unwrap()
        .with_timeouts(timeout, timeout)
        .with_retries(retries, Duration::from_millis(20));
    PiapiClient::new(config).unwrap()
}

fn fast(mock: &MockPiapi) -> PiapiClient {
    client(mock, Duration::from_secs(5), 2)
}

/// The canary is in no output of this call, in no log line so far, and was sent to the mock
/// in `x-api-key` only, once per request.
fn assert_no_leak<T: std::fmt::Debug>(outcome: &Result<T, PiapiError>, mock: &MockPiapi) {
    match outcome {
        Ok(value) => assert!(
            !format!("{value:?}").contains(CANARY),
            "result leaks the key"
        ),
        Err(e) => {
            assert!(
                !e.to_string().contains(CANARY),
                "error Display leaks the key: {e}"
            );
            assert!(
                !format!("{e:?}").contains(CANARY),
                "error Debug leaks the key: {e:?}"
            );
        }
    }
    assert!(!log_text().contains(CANARY), "a log line leaks the key");
    for r in mock.requests() {
        assert!(!r.uri.contains(CANARY), "the key is in the URI {}", r.uri);
        let carriers: Vec<&str> = r
            .headers
            .iter()
            .filter(|(_, v)| v.contains(CANARY))
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            carriers,
            ["x-api-key"],
            "the key must travel in x-api-key only"
        );
        assert_eq!(r.header("x-api-key"), Some(CANARY));
    }
}

#[tokio::test]
async fn balance_from_the_current_account_shape() {
    let mock = MockPiapi::start(Behaviour::new(CANARY)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    let r = outcome.unwrap();
    assert_eq!(
        (r.available_usd.to_string(), r.frozen_usd.to_string()),
        ("12.3456789".into(), "1.00".into())
    );
    let credits = r.credits.unwrap();
    assert_eq!(
        (credits.used.to_string(), credits.total.to_string()),
        ("6.6543211".into(), "20.00".into())
    );
    assert_eq!(r.account.id.as_deref(), Some("48213"));
    assert_eq!(r.plan.as_deref(), Some("creator"));
    assert_eq!(r.concurrency["max_kling_concurrency"], json!(5));
    assert_eq!(r.source, "piapi");
    assert!(
        r.fetched_at.ends_with('Z') && r.fetched_at.len() == 20,
        "{}",
        r.fetched_at
    );

    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].uri.as_str()),
        ("GET", "/account/info")
    );
    assert_eq!(requests[0].header("accept"), Some("application/json"));
}

#[tokio::test]
async fn balance_from_the_legacy_wallet_and_the_oldest_shape() {
    let mock = MockPiapi::start(Behaviour::new(CANARY).account(account_info_legacy())).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    let r = outcome.unwrap();
    assert_eq!(
        (r.available_usd.to_string(), r.frozen_usd.to_string()),
        ("4.50".into(), "0.20".into())
    );
    assert_eq!(r.credits, None);

    mock.set_behaviour(Behaviour::new(CANARY).account(account_info_older()));
    let r = fast(&mock).check_balance().await.unwrap();
    assert_eq!(r.available_usd.to_string(), "0.50");
    assert_eq!(r.account.name.as_deref(), Some("first-user"));
}

#[tokio::test]
async fn task_cost_shows_the_real_charge_beside_the_estimate() {
    let mock = MockPiapi::start(Behaviour::new(CANARY)).await;
    let outcome = fast(&mock).task_cost(&Billing::new(), KLING_TASK_ID).await;
    assert_no_leak(&outcome, &mock);
    let r = outcome.unwrap();
    assert_eq!(r.task_id, KLING_TASK_ID);
    assert_eq!(r.status.as_deref(), Some("completed"));
    assert_eq!(
        (r.frozen_points, r.consumed_points),
        (10_000_000, 20_000_000)
    );
    assert_eq!(
        (r.frozen_usd.to_string(), r.consumed_usd.to_string()),
        ("1.00".into(), "2.00".into())
    );
    let estimate = r.estimate.expect("Kling 3.0 pro is in the catalog");
    assert_eq!(estimate.total_max_usd.to_string(), "2.00");
    assert_eq!(estimate.total_max_points, r.consumed_points);
    assert_eq!(
        mock.requests()[0].uri,
        format!("/api/v1/task/{KLING_TASK_ID}")
    );
}

#[tokio::test]
async fn bad_task_ids_are_refused_before_any_request() {
    let mock = MockPiapi::start(Behaviour::new(CANARY)).await;
    for bad in [
        "",
        "../account/info",
        "a b",
        CANARY.replace('-', "/").as_str(),
    ] {
        let outcome = fast(&mock).task_cost(&Billing::new(), bad).await;
        assert_no_leak(&outcome, &mock);
        assert_eq!(outcome.unwrap_err().code(), "invalid_task_id", "{bad:?}");
    }
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test]
async fn wrong_key_is_unauthorized_and_not_retried() {
    let mock = MockPiapi::start(Behaviour::new("sk-the-real-key")).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    assert_eq!(
        outcome.unwrap_err().to_string(),
        "PiAPI rejected the API key (HTTP 401); check PIAPI_API_KEY"
    );
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn refusals_map_to_their_own_errors_without_retry() {
    for (status, code, says) in [
        (403, "forbidden", "HTTP 403"),
        (429, "rate_limited", "HTTP 429"),
        (400, "refused", "answered HTTP 400: refused by the mock"),
        (302, "refused", "redirects are not followed"),
    ] {
        let mock = MockPiapi::start(Behaviour::new(CANARY).status(status)).await;
        let outcome = fast(&mock).check_balance().await;
        assert_no_leak(&outcome, &mock);
        let err = outcome.unwrap_err();
        assert_eq!(err.code(), code, "{status}: {err}");
        assert!(err.to_string().contains(says), "{status}: {err}");
        assert_eq!(mock.request_count(), 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn unknown_task_is_not_found() {
    let mock = MockPiapi::start(Behaviour::new(CANARY)).await;
    let outcome = fast(&mock).task_cost(&Billing::new(), "no-such-task").await;
    assert_no_leak(&outcome, &mock);
    let err = outcome.unwrap_err();
    assert_eq!(
        err,
        PiapiError::NotFound {
            what: "task no-such-task".into()
        }
    );
    assert_eq!(err.to_string(), "PiAPI has no task no-such-task (HTTP 404)");
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let mock = MockPiapi::start(Behaviour::new(CANARY).fail_first(2, 503)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    assert_eq!(outcome.unwrap().available_usd.to_string(), "12.3456789");
    assert_eq!(mock.request_count(), 3, "two 503s, then the answer");
}

#[tokio::test]
async fn server_errors_forever_stop_after_the_bounded_retries() {
    let mock = MockPiapi::start(Behaviour::new(CANARY).fail_first(u32::MAX, 500)).await;
    let outcome = client(&mock, Duration::from_secs(5), 2)
        .task_cost(&Billing::new(), KLING_TASK_ID)
        .await;
    assert_no_leak(&outcome, &mock);
    let err = outcome.unwrap_err();
    assert_eq!(
        err,
        PiapiError::Server {
            status: 500,
            attempts: 3
        }
    );
    assert!(
        err.to_string().contains("HTTP 500 on each of 3 attempt(s)"),
        "{err}"
    );
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test]
async fn slow_answers_time_out_in_bounded_time() {
    let mock = MockPiapi::start(Behaviour::new(CANARY).delay(Duration::from_secs(5))).await;
    let started = Instant::now();
    let outcome = client(&mock, Duration::from_millis(300), 1)
        .check_balance()
        .await;
    let elapsed = started.elapsed();
    assert_no_leak(&outcome, &mock);
    assert_eq!(
        outcome.unwrap_err(),
        PiapiError::Timeout {
            timeout_ms: 300,
            attempts: 2
        }
    );
    // Two attempts of 300 ms and one 20 ms pause; far below the mock's 5 s delay.
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(600), "took {elapsed:?}");
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test]
async fn a_timeout_is_retried_then_succeeds() {
    let mock =
        MockPiapi::start(Behaviour::new(CANARY).delay_first(1, Duration::from_secs(5))).await;
    let outcome = client(&mock, Duration::from_millis(300), 2)
        .check_balance()
        .await;
    assert_no_leak(&outcome, &mock);
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_malformed_and_not_retried() {
    let mock = MockPiapi::start(Behaviour::new(CANARY).malformed()).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    let err = outcome.unwrap_err();
    assert_eq!(err.code(), "malformed_response");
    assert!(
        err.to_string()
            .contains("GET /account/info answered HTTP 200 with a body that is not JSON"),
        "{err}"
    );
    assert_eq!(mock.request_count(), 1);
}

#[tokio::test]
async fn json_of_the_wrong_shape_names_what_is_missing() {
    let body = json!({"code": 200, "message": "success", "data": {"id": 1, "name": "x"}});
    let mock = MockPiapi::start(Behaviour::new(CANARY).account(body)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    let err = outcome.unwrap_err();
    assert_eq!(err.code(), "malformed_response");
    assert!(
        err.to_string()
            .contains("no balance figure: looked for data.equivalent_in_usd"),
        "{err}"
    );

    let mut task = kling_task("t-neg");
    task["meta"]["usage"]["consume"] = json!(-5);
    mock.set_behaviour(Behaviour::new(CANARY).task("t-neg", task));
    let err = fast(&mock)
        .task_cost(&Billing::new(), "t-neg")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("data.meta.usage.consume: cannot be negative"),
        "{err}"
    );
}

#[tokio::test]
async fn a_refusal_inside_an_http_200_envelope_keeps_its_meaning() {
    let body = json!({"code": 401, "message": "invalid api key", "data": null});
    let mock = MockPiapi::start(Behaviour::new(CANARY).account(body)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    assert_eq!(outcome.unwrap_err(), PiapiError::Unauthorized);
}

#[tokio::test]
async fn a_body_echoing_the_key_is_scrubbed_from_the_error() {
    let body = json!({"code": 400, "message": format!("key {CANARY} has no access"), "data": null});
    let mock = MockPiapi::start(Behaviour::new(CANARY).account(body)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    assert!(
        outcome
            .unwrap_err()
            .to_string()
            .contains("key *** has no access")
    );

    // A shape error quotes at most 40 characters of a value, which could cut a key in two;
    // the key is replaced where the body is read, before the core quotes anything of it.
    let body = json!({"data": {"equivalent_in_usd": format!("{}{CANARY}", "x".repeat(28))}});
    mock.set_behaviour(Behaviour::new(CANARY).account(body));
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    let text = outcome.unwrap_err().to_string();
    assert!(!text.contains(&CANARY[..8]), "{text}");
    assert!(
        text.contains(r#""xxxxxxxxxxxxxxxxxxxxxxxxxxxx***""#),
        "{text}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let body = json!({"data": {"equivalent_in_usd": 1, "padding": "x".repeat(2 << 20)}});
    let mock = MockPiapi::start(Behaviour::new(CANARY).account(body)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    assert!(
        outcome
            .unwrap_err()
            .to_string()
            .contains("larger than 1048576 bytes")
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error_after_the_retries() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    logs();
    let config = PiapiConfig::new(&format!("http://127.0.0.1:{port}"), SecretKey::new(CANARY))
        .unwrap()
        .with_retries(2, Duration::from_millis(10));
    let outcome = PiapiClient::new(config).unwrap().check_balance().await;
    assert!(!format!("{outcome:?}").contains(CANARY) && !log_text().contains(CANARY));
    match outcome.unwrap_err() {
        PiapiError::Network {
            base_url,
            detail,
            attempts,
        } => {
            assert_eq!(base_url, format!("http://127.0.0.1:{port}/"));
            assert_eq!(attempts, 3);
            assert!(detail.to_lowercase().contains("refused"), "{detail}");
        }
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test]
async fn logs_are_captured_and_name_endpoints_not_keys() {
    let mock = MockPiapi::start(Behaviour::new(CANARY).fail_first(1, 502)).await;
    let outcome = fast(&mock).check_balance().await;
    assert_no_leak(&outcome, &mock);
    let logs = log_text();
    assert!(
        logs.contains("PiAPI request") && logs.contains("endpoint=\"GET /account/info\""),
        "{logs}"
    );
    assert!(logs.contains("retrying"), "the retry is logged");
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "capture runs at trace level"
    );
}
