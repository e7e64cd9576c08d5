//! The estimate card (`piapi_billing_mcp::app`) as clients see it: hosts that announce the MCP
//! Apps extension get the card declared on `estimate_cost` and `precheck_credits` and listed as
//! a resource; every other client gets, byte for byte, what a server without the card sends;
//! and nobody's tool results change.
//!
//! Servers run in this process, as the binary runs them (stdio with its direct lane, or the
//! HTTP router), one with the card and one without (`--no-app`), and receive the same raw
//! requests.

mod common;

use piapi_billing::Billing;
use piapi_billing_mcp::direct::DirectTools;
use piapi_billing_mcp::http::{DEFAULT_MAX_BODY_BYTES, HttpOptions};
use piapi_billing_mcp::stdio::StdioTransport;
use piapi_billing_mcp::{AppState, BillingServer, app};
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};
use tokio_util::sync::CancellationToken;

use common::{http_client, install_crypto, kling_task};

fn server(with_app: bool) -> BillingServer {
    let state = AppState::new(Billing::new(), None);
    BillingServer::new(if with_app { state } else { state.without_app() })
}

/// The capabilities of a host that renders MCP Apps.
fn apps_capabilities() -> Value {
    json!({"extensions": {app::EXTENSION_ID: {"mimeTypes": [app::MIME_TYPE]}}})
}

/// Requests whose answers must not depend on the card, for a client without the extension.
fn requests() -> Vec<(&'static str, Value)> {
    vec![
        ("tools/list", json!({})),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("prompts/list", json!({})),
        ("resources/read", json!({"uri": "piapi-billing://plans"})),
        (
            "tools/call",
            json!({"name": "estimate_cost", "arguments": {"tasks": [kling_task()]}}),
        ),
        (
            "tools/call",
            json!({"name": "precheck_credits", "arguments": {"tasks": [kling_task()], "balance_usd": "1.50"}}),
        ),
        (
            "tools/call",
            json!({"name": "price_inputs", "arguments": {"model": "kling", "task_type": "video_generation"}}),
        ),
        (
            "tools/call",
            json!({"name": "estimate_cost", "arguments": {"tasks": []}}),
        ),
    ]
}

/// A stdio server on in-memory pipes after a legacy `initialize` with these capabilities.
struct Stdio {
    input: WriteHalf<DuplexStream>,
    output: BufReader<ReadHalf<DuplexStream>>,
    next_id: i64,
}

impl Stdio {
    async fn start(server: BillingServer, capabilities: Value) -> Stdio {
        let (client, server_end) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(server_end);
        let transport =
            StdioTransport::new(server_in, server_out).with_direct_tools(DirectTools::of(&server));
        tokio::spawn(async move {
            if let Ok(running) = server.serve(transport).await {
                let _ = running.waiting().await;
            }
        });
        let (output, input) = tokio::io::split(client);
        let mut stdio = Stdio {
            input,
            output: BufReader::new(output),
            next_id: 0,
        };
        let reply = stdio
            .request(
                "initialize",
                json!({"protocolVersion": "2025-11-25", "capabilities": capabilities,
                       "clientInfo": {"name": "app-test", "version": "1"}}),
            )
            .await;
        assert!(reply.contains("\"result\""), "initialize: {reply}");
        stdio
            .send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        stdio
    }

    async fn send(&mut self, line: &str) {
        self.input.write_all(line.as_bytes()).await.expect("write");
        self.input.write_all(b"\n").await.expect("write");
        self.input.flush().await.expect("flush");
    }

    /// The raw reply line to one request.
    async fn request(&mut self, method: &str, params: Value) -> String {
        self.next_id += 1;
        let line =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        self.send(&line.to_string()).await;
        let mut reply = String::new();
        self.output.read_line(&mut reply).await.expect("a reply");
        reply
    }
}

fn parse(reply: &str) -> Value {
    serde_json::from_str(reply).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {reply}"))
}

/// The `_meta` of each listed tool, by name.
fn tool_metas(reply: &str) -> Vec<(String, Value)> {
    parse(reply)["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_owned(),
                t["_meta"].clone(),
            )
        })
        .collect()
}

fn assert_card_declared(tools_list: &str) {
    let metas = tool_metas(tools_list);
    assert!(metas.len() > app::TOOLS.len(), "{tools_list}");
    for (name, meta) in metas {
        if app::TOOLS.contains(&name.as_str()) {
            assert_eq!(meta["ui"]["resourceUri"], app::URI, "{name}: {meta}");
            assert_eq!(meta["ui/resourceUri"], app::URI, "{name}: {meta}");
        } else {
            assert_eq!(meta, Value::Null, "{name} must carry no _meta");
        }
    }
}

fn assert_card_listed(resources_list: &str, listed: bool) {
    let value = parse(resources_list);
    let card = value["result"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["uri"] == app::URI)
        .cloned();
    assert_eq!(card.is_some(), listed, "{resources_list}");
    if let Some(card) = card {
        assert_eq!(card["mimeType"], app::MIME_TYPE, "{card}");
    }
}

#[tokio::test]
async fn over_stdio_a_client_without_the_extension_gets_the_bytes_of_a_server_without_the_card() {
    // No capabilities at all, and capabilities other than the extension (or the extension for
    // another MIME type), are all "without".
    for capabilities in [
        json!({}),
        json!({"roots": {"listChanged": true}, "extensions": {"io.example/other": {}}}),
        json!({"extensions": {app::EXTENSION_ID: {"mimeTypes": ["text/x-other"]}}}),
    ] {
        let mut with_card = Stdio::start(server(true), capabilities.clone()).await;
        let mut without = Stdio::start(server(false), capabilities.clone()).await;
        for (method, params) in requests() {
            let a = with_card.request(method, params.clone()).await;
            let b = without.request(method, params.clone()).await;
            assert_eq!(a, b, "{method} {params} with capabilities {capabilities}");
        }
        let tools = with_card.request("tools/list", json!({})).await;
        assert!(
            tool_metas(&tools).iter().all(|(_, m)| m.is_null()),
            "{tools}"
        );
    }
}

#[tokio::test]
async fn over_stdio_a_host_with_the_extension_gets_the_card_and_the_same_tool_results() {
    let mut host = Stdio::start(server(true), apps_capabilities()).await;
    let mut plain = Stdio::start(server(true), json!({})).await;
    assert_card_declared(&host.request("tools/list", json!({})).await);
    assert_card_listed(&host.request("resources/list", json!({})).await, true);
    let plain_tools = plain.request("tools/list", json!({})).await;
    assert!(tool_metas(&plain_tools).iter().all(|(_, m)| m.is_null()));
    assert_card_listed(&plain.request("resources/list", json!({})).await, false);

    for (method, params) in requests().into_iter().filter(|(m, _)| *m == "tools/call") {
        // Same request ids on both sessions, so the replies compare byte for byte.
        let a = host.request(method, params.clone()).await;
        let b = plain.request(method, params.clone()).await;
        assert_eq!(a, b, "tool results must not depend on the card: {params}");
    }

    // Anyone may read the card by its URI; a server without it does not know the URI.
    let read = parse(
        &plain
            .request("resources/read", json!({"uri": app::URI}))
            .await,
    );
    let content = &read["result"]["contents"][0];
    assert_eq!(content["mimeType"], app::MIME_TYPE, "{read}");
    assert_eq!(content["text"], app::HTML);
    let mut no_card = Stdio::start(server(false), apps_capabilities()).await;
    let refused = parse(
        &no_card
            .request("resources/read", json!({"uri": app::URI}))
            .await,
    );
    assert!(refused["error"]["message"].as_str().is_some(), "{refused}");
    assert!(
        tool_metas(&no_card.request("tools/list", json!({})).await)
            .iter()
            .all(|(_, m)| m.is_null())
    );
}

/// The HTTP router of the binary on a free loopback port.
async fn http_server(with_app: bool) -> (String, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let options = HttpOptions {
        addr,
        token: None,
        allowed_hosts: vec![],
        allowed_origins: vec![],
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        limits: Default::default(),
    };
    let shutdown = CancellationToken::new();
    let router = piapi_billing_mcp::http::router(server(with_app), &options, &shutdown);
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
    });
    (format!("http://{addr}/mcp"), shutdown)
}

/// One POST; `capabilities` makes it a 2026-07-28 request (per-request `_meta` and headers),
/// `None` a legacy one. Returns the body as sent.
async fn post(url: &str, method: &str, params: &Value, capabilities: Option<&Value>) -> String {
    let mut params = params.clone();
    let mut request = http_client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(capabilities) = capabilities {
        params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                 "io.modelcontextprotocol/clientCapabilities": capabilities});
        request = request
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", method);
        if let Some(name) = params["name"].as_str().or(params["uri"].as_str()) {
            request = request.header("mcp-name", name);
        }
    }
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let response = request.body(body.to_string()).send().await.expect("POST");
    assert_eq!(response.status().as_u16(), 200, "{method}");
    response.text().await.expect("body")
}

#[tokio::test]
async fn over_http_the_request_capabilities_decide_and_tool_results_never_change() {
    install_crypto();
    let (with_card, stop_a) = http_server(true).await;
    let (without, stop_b) = http_server(false).await;
    let plain = json!({});
    let host = apps_capabilities();
    for (method, params) in requests() {
        let a = post(&with_card, method, &params, Some(&plain)).await;
        let b = post(&without, method, &params, Some(&plain)).await;
        assert_eq!(a, b, "2026-07-28 {method} {params} without the extension");
        if method == "tools/call" {
            let c = post(&with_card, method, &params, Some(&host)).await;
            assert_eq!(a, c, "tool results must not depend on the card: {params}");
        }
    }
    assert_card_declared(&post(&with_card, "tools/list", &plain, Some(&host)).await);
    assert_card_listed(
        &post(&with_card, "resources/list", &plain, Some(&host)).await,
        true,
    );

    // A legacy client's `initialize` is not kept by the stateless HTTP transport, so its
    // capabilities are unknown: it is offered the card, and its results are everyone's.
    assert_card_declared(&post(&with_card, "tools/list", &plain, None).await);
    let call = json!({"name": "estimate_cost", "arguments": {"tasks": [kling_task()]}});
    let legacy = parse(&post(&with_card, "tools/call", &call, None).await);
    let modern = parse(&post(&with_card, "tools/call", &call, Some(&plain)).await);
    assert_eq!(
        legacy["result"]["structuredContent"],
        modern["result"]["structuredContent"]
    );
    stop_a.cancel();
    stop_b.cancel();
}
