//! The real binary over streamable HTTP: rmcp's client end to end, then the HTTP guards with
//! raw requests (Origin, Host, bearer token, body limit, health check).

mod common;

use std::time::Duration;

use common::{
    HttpServer, call, command, error_text, http_client, install_crypto, kling_task, structured,
};
use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

const ACCEPT: &str = "application/json, text/event-stream";

fn initialize_body() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
}

/// A legacy `initialize` POST, optionally with extra headers; returns the status and body.
async fn post(url: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = http_client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .body(body.to_string());
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.expect("HTTP request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn rmcp_client_over_http_calls_tools_and_reads_resources() {
    install_crypto();
    let server = HttpServer::start(&["--http", "127.0.0.1:0"], &[]).await;
    let transport = StreamableHttpClientTransport::from_uri(server.mcp_url());
    let client = ().serve(transport).await.expect("MCP handshake over HTTP");
    let info = serde_json::to_value(client.peer_info().expect("server info")).expect("json");
    assert_eq!(info["serverInfo"]["name"], "piapi-billing-mcp", "{info}");

    let tools = client.list_all_tools().await.expect("tools/list");
    for name in piapi_billing::tools::names().chain(["check_balance", "get_task_cost"]) {
        assert!(tools.iter().any(|t| t.name == name), "{name} missing");
    }
    let estimate =
        structured(&call(&client, "estimate_cost", json!({"tasks": [kling_task()]})).await);
    assert_eq!(estimate["total_max_usd"], "2.00", "{estimate}");
    let text = error_text(&call(&client, "quote_top_up", json!({"amount_usd": "-5"})).await);
    assert!(text.contains("amount_usd"), "{text}");
    let text = error_text(&call(&client, "check_balance", json!({})).await);
    assert!(text.contains("PIAPI_API_KEY"), "{text}");
    let resources = client.list_all_resources().await.expect("resources/list");
    assert!(resources.iter().any(|r| r.uri == "piapi-billing://plans"));
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    assert!(prompts.iter().any(|p| p.name == "plan_generation_budget"));
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn health_check_and_legacy_and_modern_requests() {
    let server = HttpServer::start(&["--http", "127.0.0.1:0"], &[]).await;
    let health = http_client()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    let health: Value = health.json().await.expect("json");
    assert_eq!(health["status"], "ok");

    // Legacy era: initialize.
    let (status, body) = post(&server.mcp_url(), &initialize_body(), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"piapi-billing-mcp\""), "{body}");

    // Modern era (2026-07-28): no handshake, per-request metadata and headers.
    let request = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "quote_top_up", "arguments": {"amount_usd": "700"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let (status, body) = post(
        &server.mcp_url(),
        &request,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "quote_top_up"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"credited_usd\":\"721.00\""), "{body}");
}

#[tokio::test]
async fn a_foreign_origin_is_refused_and_allowed_origins_pass() {
    let server = HttpServer::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--allowed-origin",
            "https://app.example.com",
        ],
        &[],
    )
    .await;
    let url = server.mcp_url();
    let (status, _) = post(
        &url,
        &initialize_body(),
        &[("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(status, 403, "a foreign Origin must get 403");
    let (status, body) = post(
        &url,
        &initialize_body(),
        &[("origin", "https://app.example.com")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &url,
        &initialize_body(),
        &[("origin", "http://localhost:5173")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // DNS rebinding: a Host that is not ours.
    let (status, _) = post(&url, &initialize_body(), &[("host", "evil.example")]).await;
    assert_eq!(status, 403, "a foreign Host must get 403");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let server =
        HttpServer::start(&["--http", "127.0.0.1:0", "--max-body-bytes", "2048"], &[]).await;
    let tasks: Vec<Value> = (0..100).map(|_| kling_task()).collect();
    let big = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "estimate_cost", "arguments": {"tasks": tasks}}});
    let (status, _) = post(&server.mcp_url(), &big, &[]).await;
    assert_eq!(status, 413);
    let (status, body) = post(&server.mcp_url(), &initialize_body(), &[]).await;
    assert_eq!(status, 200, "a small request still passes: {body}");
}

#[tokio::test]
async fn a_non_loopback_bind_requires_a_token() {
    let output = command(&[])
        .args(["--http", "0.0.0.0:0"])
        .output()
        .await
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PIAPI_BILLING_TOKEN") && stderr.contains("--token"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn the_bearer_token_guards_mcp_but_not_healthz() {
    let token = "test-token-6c1f";
    let server =
        HttpServer::start(&["--http", "0.0.0.0:0"], &[("PIAPI_BILLING_TOKEN", token)]).await;
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    let url = format!("http://127.0.0.1:{port}/mcp");

    let (status, _) = post(&url, &initialize_body(), &[]).await;
    assert_eq!(status, 401, "no token");
    let (status, _) = post(
        &url,
        &initialize_body(),
        &[("authorization", "Bearer wrong")],
    )
    .await;
    assert_eq!(status, 401, "wrong token");
    let (status, body) = post(
        &url,
        &initialize_body(),
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let health = http_client()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);

    // rmcp's own client with the token.
    install_crypto();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(token),
    );
    let client = tokio::time::timeout(Duration::from_secs(20), ().serve(transport))
        .await
        .expect("timely")
        .expect("handshake with token");
    let plans = structured(&call(&client, "list_plans", json!({})).await);
    assert!(plans["plans"].is_array());
    client.cancel().await.expect("close");
}
