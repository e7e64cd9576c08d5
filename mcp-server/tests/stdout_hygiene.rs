//! On stdio, stdout is the protocol: every byte the server writes there must be a JSON-RPC 2.0
//! message, even with the most verbose logging, a malformed request and failing tools.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::command;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn stdout_carries_only_json_rpc_and_logs_go_to_stderr() {
    let mut child = command(&[("RUST_LOG", "trace")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Drain stderr while the server runs: trace logs would fill the pipe and stall it.
    let mut stderr = child.stderr.take().expect("stderr");
    let logs = tokio::spawn(async move {
        let mut logs = String::new();
        stderr.read_to_string(&mut logs).await.map(|_| logs)
    });

    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
            "capabilities": {}, "clientInfo": {"name": "hygiene", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "estimate_cost",
            "arguments": {"tasks": [{"model": "kling", "task_type": "video_generation", "input": {"version": "3.0"}}]}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "quote_top_up", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "check_balance", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "nope"}}),
        json!({"jsonrpc": "2.0", "id": 7, "method": "resources/read", "params": {"uri": "piapi-billing://plans"}}),
        json!({"jsonrpc": "2.0", "id": 8, "method": "prompts/get", "params": {"name": "plan_generation_budget",
            "arguments": {"goal": "a video"}}}),
    ];
    let mut input = String::new();
    for (i, r) in requests.iter().enumerate() {
        if i == 4 {
            // A malformed line mid-stream must neither reach stdout as junk nor stop the server;
            // it is answered with a parse error (JSON-RPC 2.0: `"id": null`).
            input.push_str("{this is not json\n");
        }
        input.push_str(&r.to_string());
        input.push('\n');
    }
    stdin.write_all(input.as_bytes()).await.expect("write");
    stdin.flush().await.expect("flush");

    // Keep stdin open until every request is answered (EOF cancels in-flight requests): eight
    // requests and the malformed line.
    let expected_ids = 9;
    let mut lines = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while lines.len() < expected_ids {
            match stdout.next_line().await.expect("read stdout") {
                Some(line) => lines.push(line),
                None => break,
            }
        }
    })
    .await
    .expect("all replies within 20 s");
    drop(stdin);
    let mut rest = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stdout.get_mut().read_to_string(&mut rest),
    )
    .await
    .expect("server exits after stdin closes")
    .expect("read the rest of stdout");
    lines.extend(rest.lines().map(str::to_owned));
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exit")
        .expect("wait");
    assert!(status.success(), "server exit status {status}");

    let mut ids = Vec::new();
    for line in &lines {
        let message: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("non-JSON on stdout: {line:?} ({e})"));
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
        assert!(
            message.get("result").is_some()
                || message.get("error").is_some()
                || message.get("method").is_some(),
            "{line}"
        );
        ids.push(message["id"].clone());
    }
    for id in 1..=8 {
        assert!(
            ids.contains(&json!(id)),
            "no reply to request {id}: {lines:#?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|line| line.contains(r#""id":null"#) && line.contains("-32700")),
        "the malformed line gets a parse error: {lines:#?}"
    );

    let logs = logs.await.expect("join").expect("stderr");
    assert!(
        logs.contains("serving MCP over stdio"),
        "logs belong on stderr: {logs}"
    );
}

/// stdin from a regular file and stderr merged into stdout (`2>&1`): the transport falls back
/// from its pipe fast path to tokio's portable one, and still answers every request.
#[tokio::test]
async fn non_pipe_stdin_and_merged_stderr_still_work() {
    let dir = std::env::temp_dir().join(format!("piapi-billing-stdio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("requests.jsonl");
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
            "capabilities": {}, "clientInfo": {"name": "file", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "quote_top_up",
            "arguments": {"amount_usd": "10"}}}),
    ];
    let text: String = requests.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&input, text).expect("write requests");

    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c").arg(format!("exec '{}' 2>&1", common::BIN));
    cmd.env("PIAPI_BILLING_LEDGER", "off")
        .env_remove("PIAPI_API_KEY")
        .env("RUST_LOG", "info");
    cmd.stdin(std::fs::File::open(&input).expect("open requests"))
        .stdout(Stdio::piped());
    let output = tokio::time::timeout(Duration::from_secs(20), cmd.output())
        .await
        .expect("exits after reading the file")
        .expect("run");
    std::fs::remove_dir_all(&dir).ok();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("serving MCP over stdio"),
        "logs share the stream here: {out}"
    );
    let replies: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    assert!(
        replies
            .iter()
            .any(|r| r["id"] == 1 && r["result"]["serverInfo"]["name"] == "piapi-billing-mcp"),
        "{out}"
    );
    assert!(
        replies
            .iter()
            .any(|r| r["id"] == 2 && r["result"]["structuredContent"]["credited_usd"] == "10.00"),
        "{out}"
    );
}
