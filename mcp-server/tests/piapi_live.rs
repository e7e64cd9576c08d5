//! The live tools through the real binary against the local PiAPI stand-in
//! (`support/mock_piapi.rs`, PiAPI's documented shapes): balance in the current and legacy
//! account shapes, a task's cost, a pre-check that reads the live balance, 401, 403, 404,
//! 5xx then success, persistent 5xx, a timeout and a malformed body. A canary key is searched
//! for in every tool result and in the server's trace-level logs, and must never be found.

mod common;
mod support;

use std::time::Duration;

use common::{
    Captured, Client, HttpServer, call, error_text, install_crypto, kling_task, stdio_client,
    structured, texts,
};
use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;
use support::mock_piapi::{Behaviour, KLING_TASK_ID, MockPiapi, account_info_legacy};

const CANARY_KEY: &str = "sk-canary-5d2f8e41b7c9a036";

/// The binary over stdio, pointed at a mock PiAPI, with a short timeout and trace logging.
async fn server_against(behaviour: Behaviour) -> (Client, Captured, MockPiapi) {
    let mock = MockPiapi::start(behaviour).await;
    let (client, stderr) = stdio_client(&[
        ("PIAPI_API_KEY", CANARY_KEY),
        ("PIAPI_BASE_URL", &mock.base_url()),
        ("PIAPI_TIMEOUT_MS", "300"),
        ("RUST_LOG", "trace"),
    ])
    .await;
    (client, stderr, mock)
}

fn assert_no_key(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY_KEY),
        "the API key leaked into {what}: {text}"
    );
}

/// Closes the client, then checks every result and the whole log for the key.
async fn finish(client: Client, stderr: Captured, results: &[String]) {
    client.cancel().await.expect("close");
    tokio::time::sleep(Duration::from_millis(100)).await;
    for r in results {
        assert_no_key("a tool result", r);
    }
    let logs = stderr.text();
    assert!(logs.contains("TRACE"), "trace logs expected on stderr");
    assert_no_key("the server's logs", &logs);
}

#[tokio::test]
async fn balance_task_cost_and_a_precheck_from_the_live_balance() {
    let (client, stderr, mock) = server_against(Behaviour::new(CANARY_KEY)).await;
    let mut seen = Vec::new();

    let r = call(&client, "check_balance", json!({})).await;
    seen.push(texts(&r));
    let balance = structured(&r);
    assert_eq!(balance["available_usd"], "12.3456789", "{balance}");
    assert_eq!(balance["frozen_usd"], "1.00");
    assert_eq!(balance["plan"], "creator");
    assert_eq!(balance["account"]["name"], "acme-studio");
    assert_eq!(balance["source"], "piapi");
    assert_eq!(balance["concurrency"]["max_kling_concurrency"], 5);
    let first = &mock.requests()[0];
    assert_eq!(
        first.header("x-api-key"),
        Some(CANARY_KEY),
        "the key goes in x-api-key"
    );

    let r = call(&client, "get_task_cost", json!({"task_id": KLING_TASK_ID})).await;
    seen.push(texts(&r));
    let cost = structured(&r);
    assert_eq!(cost["task_id"], KLING_TASK_ID, "{cost}");
    assert_eq!(cost["status"], "completed");
    assert_eq!(cost["consumed_usd"], "2.00");
    assert_eq!(cost["consumed_points"], 20_000_000);
    assert_eq!(cost["frozen_usd"], "1.00");
    assert_eq!(
        cost["estimate"]["total_max_usd"], "2.00",
        "the catalog's estimate of the same input"
    );

    // No balance_usd: the server reads available 12.3456789 and frozen 1.00 from PiAPI.
    let r = call(
        &client,
        "precheck_credits",
        json!({"tasks": [kling_task()]}),
    )
    .await;
    seen.push(texts(&r));
    let precheck = structured(&r);
    assert_eq!(precheck["available_usd"], "12.3456789", "{precheck}");
    assert_eq!(precheck["required_usd"], "2.00");
    assert_eq!(precheck["decision"], "ok");

    let text =
        error_text(&call(&client, "get_task_cost", json!({"task_id": "no-such-task"})).await);
    assert!(text.contains("404"), "{text}");
    seen.push(text);
    finish(client, stderr, &seen).await;
}

#[tokio::test]
async fn the_legacy_account_shape_is_read() {
    let (client, stderr, _mock) =
        server_against(Behaviour::new(CANARY_KEY).account(account_info_legacy())).await;
    let r = call(&client, "check_balance", json!({})).await;
    let balance = structured(&r);
    assert_eq!(balance["available_usd"], "4.50", "{balance}");
    assert_eq!(balance["frozen_usd"], "0.20");
    assert_eq!(balance["account"]["name"], "old-timer");
    finish(client, stderr, &[texts(&r)]).await;
}

#[tokio::test]
async fn a_rejected_key_is_a_clear_tool_error() {
    // The mock accepts another key, so it answers this server's key with 401.
    let (client, stderr, _mock) = server_against(Behaviour::new("a-different-key")).await;
    let mut seen = Vec::new();
    for (tool, args) in [
        ("check_balance", json!({})),
        ("get_task_cost", json!({"task_id": "t1"})),
    ] {
        let text = error_text(&call(&client, tool, args).await);
        assert!(
            text.contains("401") && text.contains("PIAPI_API_KEY"),
            "{tool}: {text}"
        );
        seen.push(text);
    }
    let text = error_text(
        &call(
            &client,
            "precheck_credits",
            json!({"tasks": [kling_task()]}),
        )
        .await,
    );
    assert!(
        text.contains("balance_usd") && text.contains("401"),
        "{text}"
    );
    seen.push(text);
    finish(client, stderr, &seen).await;
}

#[tokio::test]
async fn a_forbidden_account_and_persistent_5xx_are_tool_errors() {
    let (client, stderr, _mock) = server_against(Behaviour::new(CANARY_KEY).status(403)).await;
    let text = error_text(&call(&client, "check_balance", json!({})).await);
    assert!(text.contains("403"), "{text}");
    finish(client, stderr, &[text]).await;

    let (client, stderr, mock) =
        server_against(Behaviour::new(CANARY_KEY).fail_first(u32::MAX, 502)).await;
    let text = error_text(&call(&client, "check_balance", json!({})).await);
    assert!(text.contains("502"), "{text}");
    let attempts = mock.request_count();
    assert!(
        (2..=5).contains(&attempts),
        "a 5xx is retried, boundedly: {attempts} attempts"
    );
    finish(client, stderr, &[text]).await;
}

#[tokio::test]
async fn a_5xx_then_success_is_retried_into_a_result() {
    let (client, stderr, mock) =
        server_against(Behaviour::new(CANARY_KEY).fail_first(1, 503)).await;
    let r = call(&client, "check_balance", json!({})).await;
    assert_eq!(structured(&r)["available_usd"], "12.3456789");
    assert_eq!(mock.request_count(), 2, "one 503, one retry");
    finish(client, stderr, &[texts(&r)]).await;
}

#[tokio::test]
async fn a_timeout_is_a_tool_error_not_a_hang() {
    let (client, stderr, _mock) =
        server_against(Behaviour::new(CANARY_KEY).delay(Duration::from_secs(3))).await;
    let started = std::time::Instant::now();
    let text = error_text(&call(&client, "check_balance", json!({})).await);
    assert!(text.contains("did not answer within"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded: {:?}",
        started.elapsed()
    );
    finish(client, stderr, &[text]).await;
}

#[tokio::test]
async fn a_malformed_body_is_a_tool_error() {
    let (client, stderr, _mock) = server_against(Behaviour::new(CANARY_KEY).malformed()).await;
    let mut seen = Vec::new();
    for (tool, args) in [
        ("check_balance", json!({})),
        ("get_task_cost", json!({"task_id": KLING_TASK_ID})),
    ] {
        let text = error_text(&call(&client, tool, args).await);
        assert!(text.contains("cannot read"), "{tool}: {text}");
        seen.push(text);
    }
    finish(client, stderr, &seen).await;
}

#[tokio::test]
async fn over_http_the_key_stays_out_of_results_and_logs() {
    install_crypto();
    let mock = MockPiapi::start(Behaviour::new("a-different-key")).await;
    let server = HttpServer::start(
        &["--http", "127.0.0.1:0"],
        &[
            ("PIAPI_API_KEY", CANARY_KEY),
            ("PIAPI_BASE_URL", &mock.base_url()),
            ("RUST_LOG", "trace"),
        ],
    )
    .await;
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(server.mcp_url()))
            .await
            .expect("connect");
    let text = error_text(&call(&client, "check_balance", json!({})).await);
    assert!(text.contains("401"), "{text}");
    client.cancel().await.expect("close");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_no_key("a tool result", &text);
    assert_no_key("the server's logs", &server.stderr.text());
}
