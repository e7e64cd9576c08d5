//! Every stdio request gets an answer with its `id`, whatever is wrong with it: lines that are
//! not readable JSON, invalid requests, tool calls without an arguments object, numbers out of
//! range. Each runs against the real binary.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::command;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// `initialize` and `notifications/initialized`, as every session starts.
fn init_lines() -> Vec<Vec<u8>> {
    vec![
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "stdio-errors", "version": "1"}}})
        .to_string()
        .into_bytes(),
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
    ]
}

/// Sends `lines` (after the handshake) and returns every reply but the `initialize` one,
/// once `replies` of them have arrived. stdin stays open until then: EOF would cancel
/// requests still in flight.
async fn exchange(args: &[&str], lines: &[Vec<u8>], replies: usize) -> Vec<Value> {
    let mut child = command(&[])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let writer = {
        let mut input = Vec::new();
        for line in init_lines().iter().chain(lines) {
            input.extend_from_slice(line);
            input.push(b'\n');
        }
        tokio::spawn(async move {
            stdin.write_all(&input).await.expect("write");
            stdin.flush().await.expect("flush");
            stdin
        })
    };
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while seen.len() < replies + 1 {
            let line = stdout.next_line().await.expect("read").expect("a reply");
            seen.push(serde_json::from_str::<Value>(&line).expect("each reply is JSON"));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("only {} of {} replies: {seen:#?}", seen.len(), replies + 1));
    drop(writer.await.expect("writer"));
    seen.retain(|reply| reply["id"] != 0);
    seen
}

fn reply_to<'a>(replies: &'a [Value], id: &Value) -> &'a Value {
    replies
        .iter()
        .find(|reply| reply.get("id") == Some(id))
        .unwrap_or_else(|| panic!("no reply with id {id}: {replies:#?}"))
}

fn error_of(reply: &Value) -> (i64, String) {
    let error = &reply["error"];
    (
        error["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("not an error: {reply}")),
        error["message"].as_str().expect("message").to_owned(),
    )
}

fn deep(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Invalid UTF-8, nesting past 128 levels on the rmcp path, and a line over 16 MiB each
/// get an error with their id, and the server goes on to answer the next request.
#[tokio::test]
async fn unreadable_lines_are_answered_with_their_id() {
    let mut bad_utf8 = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"quote_top_up","arguments":{"amount_usd":"1"#.to_vec();
    bad_utf8.extend_from_slice(b"\xff\"}}}");
    let deep_input = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"reserve_credits","arguments":{{"tasks":[{{"model":"kling","task_type":"video_generation","input":{{"x":{}}}}}]}}}}}}"#,
        deep(200)
    );
    let deep_meta = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"list_plans","arguments":{{}},"_meta":{{"x":{}}}}}}}"#,
        deep(100_000)
    );
    let mut huge = br#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"estimate_cost","arguments":{"tasks":[{"model":""#.to_vec();
    huge.resize(17 * 1024 * 1024, b'm');
    huge.extend_from_slice(br#"","task_type":"x"}]}}}"#);
    let lines = [
        bad_utf8,
        deep_input.into_bytes(),
        deep_meta.into_bytes(),
        huge,
        br#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#.to_vec(),
    ];
    let replies = exchange(&["--ledger", "off"], &lines, 5).await;
    let (code, message) = error_of(reply_to(&replies, &json!(1)));
    assert_eq!(code, -32700, "{message}");
    assert!(message.contains("not readable JSON"), "{message}");
    for id in [2, 3] {
        let (code, message) = error_of(reply_to(&replies, &json!(id)));
        assert_eq!(code, -32700, "{message}");
        assert!(
            message.contains("nesting deeper than 128 levels"),
            "{message}"
        );
    }
    let (code, message) = error_of(reply_to(&replies, &json!(4)));
    assert_eq!(code, -32600, "{message}");
    assert!(
        message.contains("longer than the limit of 16777216 bytes"),
        "{message}"
    );
    assert_eq!(reply_to(&replies, &json!(5))["result"], json!({}));
}

/// A deep `reserve_credits` against a ledger file, as a client sent it.
#[tokio::test]
async fn a_deep_ledger_call_is_answered() {
    let dir = tempdir("deep");
    let ledger = format!("file:{}", dir.join("r2.log").display());
    let line = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"reserve_credits","arguments":{{"tasks":[{{"model":"kling","task_type":"video_generation","input":{{"x":{}}}}}]}}}}}}"#,
        deep(200)
    );
    let lines = [
        line.into_bytes(),
        br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.to_vec(),
    ];
    let replies = exchange(&["--ledger", &ledger], &lines, 2).await;
    assert_eq!(error_of(reply_to(&replies, &json!(1))).0, -32700);
    assert_eq!(reply_to(&replies, &json!(2))["result"], json!({}));
    std::fs::remove_dir_all(dir).ok();
}

/// Error replies always carry `id`: the request's when it can be echoed, else `null`.
#[tokio::test]
async fn invalid_requests_are_answered_with_an_id_member() {
    let digits = "1".repeat(10_000);
    let cases: Vec<(String, Value)> = vec![
        (
            r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#.into(),
            json!(7),
        ),
        (r#"{"id":8,"method":"ping"}"#.into(), json!(8)),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#.into(),
            Value::Null,
        ),
        (
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#.into(),
            Value::Null,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#.into(),
            json!(1.5),
        ),
        (
            format!(r#"{{"jsonrpc":"2.0","id":{digits},"method":"ping"}}"#),
            serde_json::from_str(&digits).expect("number"),
        ),
        (
            r#"{"jsonrpc":"2.0","id":1e999,"method":"ping"}"#.into(),
            serde_json::from_str("1e999").expect("number"),
        ),
        (
            r#"[{"jsonrpc":"2.0","id":9,"method":"ping"}]"#.into(),
            Value::Null,
        ),
        (r#"[]"#.into(), Value::Null),
        ("{not json".into(), Value::Null),
    ];
    let lines: Vec<Vec<u8>> = cases
        .iter()
        .map(|(line, _)| line.clone().into_bytes())
        .collect();
    let replies = exchange(&["--ledger", "off"], &lines, cases.len()).await;
    for reply in &replies {
        assert!(
            reply.get("id").is_some(),
            "every reply has an id member: {reply}"
        );
        assert_eq!(reply["jsonrpc"], "2.0");
    }
    for (line, id) in &cases {
        let matching = replies.iter().filter(|reply| reply["id"] == *id).count();
        assert!(matching >= 1, "{line}: no reply with id {id}: {replies:#?}");
    }
    let (code, message) = error_of(reply_to(&replies, &json!(7)));
    assert_eq!(code, -32600);
    assert!(message.contains("\"jsonrpc\" must be \"2.0\""), "{message}");
    let nulls = replies.iter().filter(|r| r["id"].is_null()).count();
    assert_eq!(
        nulls, 5,
        "null, object, two batches and the garbage line: {replies:#?}"
    );
}

/// A `tools/call` whose `arguments` is not an object, or that has no params, is Invalid
/// params (-32602) naming `arguments`, on every tool.
#[tokio::test]
async fn non_object_arguments_are_invalid_params_on_every_tool() {
    let list = exchange(
        &["--ledger", "off"],
        &[br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.to_vec()],
        1,
    )
    .await;
    let tools: Vec<String> = list[0]["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect();
    assert!(tools.len() >= 12, "{tools:?}");
    let kinds = [
        json!([1]),
        json!("str"),
        json!(1),
        json!([]),
        json!([{"tasks": []}]),
    ];
    let mut lines = Vec::new();
    let mut id = 100;
    for tool in &tools {
        for arguments in &kinds {
            id += 1;
            lines.push(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": tool, "arguments": arguments}}));
        }
    }
    lines.push(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call"}));
    lines.push(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": null}));
    let bytes: Vec<Vec<u8>> = lines.iter().map(|l| l.to_string().into_bytes()).collect();
    let replies = exchange(&["--ledger", "off"], &bytes, lines.len()).await;
    for line in &lines {
        let (code, message) = error_of(reply_to(&replies, &line["id"]));
        assert_eq!(code, -32602, "{line}: {message}");
        assert!(message.contains("arguments"), "{line}: {message}");
    }
}

/// `limit` and `ttl_seconds` errors state the allowed range for every kind of bad number.
#[tokio::test]
async fn ledger_number_errors_state_the_range() {
    let dir = tempdir("ranges");
    let ledger = format!("file:{}", dir.join("ledger.log").display());
    let digits = "9".repeat(10_000);
    let bad = [
        "-0.0",
        digits.as_str(),
        "1e999",
        "1e-31",
        "1.5",
        "-1",
        "\"7\"",
    ];
    let mut lines = Vec::new();
    for (n, value) in bad.iter().enumerate() {
        lines.push(format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"list_holds","arguments":{{"limit":{value}}}}}}}"#,
            100 + n
        ));
        lines.push(format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"reserve_credits","arguments":{{"amount_usd":"1","ttl_seconds":{value}}}}}}}"#,
            200 + n
        ));
    }
    let bytes: Vec<Vec<u8>> = lines.iter().map(|l| l.clone().into_bytes()).collect();
    let replies = exchange(&["--ledger", &ledger], &bytes, lines.len()).await;
    for (n, value) in bad.iter().enumerate() {
        for (id, says) in [
            (
                100 + n,
                "limit: must be a whole number from 1 to 1000, got ",
            ),
            (
                200 + n,
                "ttl_seconds: must be a whole number from 1 to 2592000, got ",
            ),
        ] {
            let reply = reply_to(&replies, &json!(id));
            assert_eq!(reply["result"]["isError"], true, "{reply}");
            let text = reply["result"]["content"][0]["text"]
                .as_str()
                .expect("text");
            assert!(text.starts_with(says), "{value}: {text}");
            assert!(text.len() < 120, "a long value is clipped: {text}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "piapi-billing-stdio-errors-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
