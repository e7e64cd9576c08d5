//! The stdio transport's direct lane (`piapi_billing_mcp::direct`) against rmcp's own path.
//!
//! Two servers run in this process over in-memory pipes, one with the direct lane and one
//! without, and receive the same raw JSON-RPC lines: every golden vector, and the unusual calls
//! the lane must either answer exactly as rmcp does or leave to rmcp. Their reply lines must be
//! the same JSON.

use piapi_billing::Billing;
use piapi_billing_mcp::direct::DirectTools;
use piapi_billing_mcp::stdio::StdioTransport;
use piapi_billing_mcp::{AppState, BillingServer};
use piapi_billing_tests::load_all;
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};

/// A server on in-memory pipes, driven line by line.
struct Session {
    input: WriteHalf<DuplexStream>,
    output: BufReader<ReadHalf<DuplexStream>>,
    next_id: i64,
}

impl Session {
    /// A server (with or without the direct lane) after an `initialize` asking for
    /// `protocol_version` and the `initialized` notification.
    async fn start(direct: bool, protocol_version: &str) -> Session {
        Self::start_with(direct, protocol_version, json!({})).await
    }

    /// As [`Session::start`], the client announcing `capabilities`.
    async fn start_with(direct: bool, protocol_version: &str, capabilities: Value) -> Session {
        let server = BillingServer::new(AppState::new(Billing::new(), None));
        let (client, server_end) = tokio::io::duplex(1 << 16);
        let (server_in, server_out) = tokio::io::split(server_end);
        let mut transport = StdioTransport::new(server_in, server_out);
        if direct {
            transport = transport.with_direct_tools(DirectTools::of(&server));
        }
        tokio::spawn(async move {
            if let Ok(running) = server.serve(transport).await {
                let _ = running.waiting().await;
            }
        });
        let (output, input) = tokio::io::split(client);
        let mut session = Session {
            input,
            output: BufReader::new(output),
            next_id: 1,
        };
        let reply = session
            .request(json!({
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {"protocolVersion": protocol_version, "capabilities": capabilities,
                           "clientInfo": {"name": "direct-lane-test", "version": "1"}}
            }))
            .await;
        assert!(reply.get("result").is_some(), "initialize: {reply}");
        session
            .send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        session
    }

    async fn send(&mut self, line: &[u8]) {
        self.input.write_all(line).await.expect("write");
        self.input.write_all(b"\n").await.expect("write");
        self.input.flush().await.expect("flush");
    }

    /// Sends one line and reads the reply line.
    async fn request(&mut self, message: Value) -> Value {
        self.request_line(message.to_string().as_bytes()).await
    }

    async fn request_line(&mut self, line: &[u8]) -> Value {
        self.send(line).await;
        let mut reply = String::new();
        self.output.read_line(&mut reply).await.expect("a reply");
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {reply}"))
    }

    async fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.next_id += 1;
        self.request(json!({
            "jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}
        }))
        .await
    }
}

#[tokio::test]
async fn every_golden_vector_gets_the_reply_rmcp_gives() {
    let mut direct = Session::start(true, "2025-11-25").await;
    let mut rmcp = Session::start(false, "2025-11-25").await;
    let mut cases = 0;
    for (path, file) in load_all() {
        for case in &file.cases {
            let ours = direct.call(&case.tool, case.args.clone()).await;
            let theirs = rmcp.call(&case.tool, case.args.clone()).await;
            assert_eq!(ours, theirs, "{} / {}", path.display(), case.name);
            cases += 1;
        }
    }
    assert!(cases > 100, "only {cases} golden cases");
}

#[tokio::test]
async fn unusual_calls_get_the_reply_rmcp_gives() {
    let kling = json!({"model": "kling", "task_type": "video_generation",
                       "input": {"version": "3.0", "mode": "pro", "duration": 10}});
    let lines = [
        // No arguments, null arguments, arguments that are not an object.
        json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {"name": "list_plans"}}),
        json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "list_plans", "arguments": null}}),
        json!({"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {"name": "list_plans", "arguments": [1]}}),
        json!({"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {"name": "quote_top_up"}}),
        // String and float-written ids.
        json!({"jsonrpc": "2.0", "id": "a\u{e9}\"b", "method": "tools/call", "params": {"name": "quote_top_up", "arguments": {"amount_usd": "700"}}}),
        json!({"jsonrpc": "2.0", "id": 14.0, "method": "tools/call", "params": {"name": "quote_top_up", "arguments": {"amount_usd": 700}}}),
        // A progress token, and per-request protocol metadata (left to rmcp).
        json!({"jsonrpc": "2.0", "id": 15, "method": "tools/call", "params": {"name": "estimate_cost", "arguments": {"tasks": [kling]}, "_meta": {"progressToken": 7}}}),
        json!({"jsonrpc": "2.0", "id": 16, "method": "tools/call", "params": {"name": "estimate_cost", "arguments": {"tasks": [kling]}, "_meta": {"io.modelcontextprotocol/protocolVersion": "2025-11-25"}}}),
        // Unknown tools, the live tools, a pre-check without a balance (no key here).
        json!({"jsonrpc": "2.0", "id": 17, "method": "tools/call", "params": {"name": "estimate_costs", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 18, "method": "tools/call", "params": {"name": "check_balance", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 19, "method": "tools/call", "params": {"name": "precheck_credits", "arguments": {"tasks": [kling]}}}),
        json!({"jsonrpc": "2.0", "id": 20, "method": "tools/call", "params": {"name": "precheck_credits", "arguments": {"tasks": [kling], "balance_usd": "1.5"}}}),
        // Unknown fields in the request, and bad arguments.
        json!({"jsonrpc": "2.0", "id": 21, "method": "tools/call", "params": {"name": "list_plans", "arguments": {}, "extra": 1}}),
        json!({"jsonrpc": "2.0", "id": 22, "method": "tools/call", "params": {"name": "estimate_cost", "arguments": {"tasks": [{"model": "kling"}]}}}),
        json!({"jsonrpc": "2.0", "id": 23, "method": "tools/call", "params": {"name": "list_prices", "arguments": {"query": 5}}}),
        // The tool list: plain, with empty params, a progress token, a cursor (rmcp's), and
        // per-request protocol metadata (rmcp's).
        json!({"jsonrpc": "2.0", "id": 24, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 25, "method": "tools/list", "params": {}}),
        json!({"jsonrpc": "2.0", "id": 28, "method": "tools/list", "params": null}),
        json!({"jsonrpc": "2.0", "id": "l\u{e9}", "method": "tools/list", "params": {"_meta": {"progressToken": 1}}}),
        json!({"jsonrpc": "2.0", "id": 26, "method": "tools/list", "params": {"cursor": "x"}}),
        json!({"jsonrpc": "2.0", "id": 27, "method": "tools/list", "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2025-11-25"}}}),
    ];
    for version in ["2026-07-28", "2025-11-25", "2025-06-18", "2024-11-05"] {
        let mut direct = Session::start(true, version).await;
        let mut rmcp = Session::start(false, version).await;
        for line in &lines {
            let ours = direct.request(line.clone()).await;
            let theirs = rmcp.request(line.clone()).await;
            assert_eq!(ours, theirs, "{version}: {line}");
        }
        // A byte order mark and CRLF, as the transport accepts them.
        let line = "\u{feff}{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"tools/call\",\"params\":{\"name\":\"list_plans\"}}\r";
        let ours = direct.request_line(line.as_bytes()).await;
        let theirs = rmcp.request_line(line.as_bytes()).await;
        assert_eq!(ours, theirs, "{version}: BOM and CRLF");
    }
}

#[tokio::test]
async fn the_lane_answers_offline_calls_and_refuses_a_repeated_key() {
    // The one visible difference, documented in `direct`: the lane reads the arguments' text,
    // so a repeated key is refused (as the WASM module refuses it), where rmcp's decoded
    // arguments kept the last value. It also shows that the lane, not rmcp, answered.
    let line = br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"quote_top_up","arguments":{"amount_usd":"10","amount_usd":"700"}}}"#;
    let mut direct = Session::start(true, "2025-11-25").await;
    let reply = direct.request_line(line).await;
    assert_eq!(reply["id"], 5);
    assert_eq!(reply["result"]["isError"], true, "{reply}");
    let text = reply["result"]["content"][0]["text"].as_str().unwrap_or("");
    assert!(text.contains("duplicate field `amount_usd`"), "{text}");

    let mut rmcp = Session::start(false, "2025-11-25").await;
    let reply = rmcp.request_line(line).await;
    assert_eq!(
        reply["result"]["structuredContent"]["amount_usd"], "700.00",
        "{reply}"
    );
}

#[tokio::test]
async fn a_large_estimate_is_one_line_with_its_text_copy() {
    let mut direct = Session::start(true, "2025-11-25").await;
    let task = json!({"model": "Qubico/flux1-dev", "task_type": "txt2img", "input": {"prompt": "a \"fox\"\n"}});
    let tasks: Vec<Value> = (0..1000).map(|_| task.clone()).collect();
    let reply = direct.call("estimate_cost", json!({"tasks": tasks})).await;
    let result = &reply["result"];
    assert_eq!(result["isError"], false, "{reply}");
    assert!(
        result.get("resultType").is_none(),
        "legacy sessions get no resultType"
    );
    let structured = &result["structuredContent"];
    assert_eq!(structured["lines"].as_array().map(Vec::len), Some(1000));
    let text = result["content"][0]["text"].as_str().expect("a text copy");
    let copy: Value = serde_json::from_str(text).expect("the text copy is JSON");
    assert_eq!(&copy, structured);
}

#[tokio::test]
async fn the_real_binary_answers_every_piped_call_before_it_exits() {
    // A script that pipes its requests and closes stdin must still get every reply, including
    // a direct-lane reply still being written when the end of input is read.
    use std::process::Stdio;
    use tokio::io::AsyncReadExt;

    let tasks: Vec<Value> = (0..1000)
        .map(|_| json!({"model": "kling", "task_type": "video_generation", "input": {"duration": 10}}))
        .collect();
    let lines = [
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "pipe", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": "quote_top_up", "arguments": {"amount_usd": "700"}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "estimate_cost", "arguments": {"tasks": tasks}}}),
    ];
    let mut input = String::new();
    for line in &lines {
        input.push_str(&line.to_string());
        input.push('\n');
    }
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_piapi-billing-mcp"))
        .env("PIAPI_BILLING_LEDGER", "off")
        .env_remove("PIAPI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = tokio::spawn(async move {
        let mut text = String::new();
        stdout.read_to_string(&mut text).await.map(|_| text)
    });
    stdin.write_all(input.as_bytes()).await.expect("write");
    drop(stdin);
    let text = reader.await.expect("joined").expect("read");
    let ids: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("each line is JSON")["id"].clone())
        .collect();
    assert_eq!(ids, [json!(0), json!(1), json!(2)], "{} bytes", text.len());
    let status = child.wait().await.expect("exits");
    assert!(status.success(), "{status}");
}

/// A client that renders MCP Apps gets its tool list from rmcp, with the estimate card declared
/// on its tools; the others get the lane's list, the same as rmcp's without the card.
#[tokio::test]
async fn the_tool_list_is_rmcps_with_or_without_the_card() {
    let apps = json!({"extensions": {"io.modelcontextprotocol/ui": {
        "mimeTypes": ["text/html;profile=mcp-app"]}}});
    let list = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"});
    for version in ["2026-07-28", "2025-11-25"] {
        let mut direct = Session::start_with(true, version, apps.clone()).await;
        let mut rmcp = Session::start_with(false, version, apps.clone()).await;
        let ours = direct.request(list.clone()).await;
        assert_eq!(ours, rmcp.request(list.clone()).await, "{version}");
        let tools = ours["result"]["tools"].as_array().expect("tools");
        let card = tools
            .iter()
            .find(|t| t["name"] == "estimate_cost")
            .expect("estimate_cost");
        assert_eq!(
            card["_meta"]["ui"]["resourceUri"],
            "ui://piapi-billing/estimate"
        );

        let mut plain = Session::start(true, version).await;
        let theirs = plain.request(list.clone()).await;
        let tools = theirs["result"]["tools"].as_array().expect("tools");
        assert_eq!(
            tools.len(),
            ours["result"]["tools"].as_array().unwrap().len()
        );
        assert!(
            tools.iter().all(|t| t.get("_meta").is_none()),
            "{version}: no card"
        );
    }
}
