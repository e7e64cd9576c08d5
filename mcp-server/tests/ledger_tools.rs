//! The ledger's MCP tools through the real binary over stdio: reservations sized from tasks,
//! refusals that name the field or the shortfall, the sweeper expiring a hold by itself, late
//! charges, grants with the top-up bonus, `check_balance` from the ledger without a PiAPI key,
//! and settling by a PiAPI task id against a local server answering PiAPI's task shape.

mod ledger_common;

use std::process::Stdio;
use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Client = RunningService<RoleClient, ()>;

async fn server(envs: &[(&str, &str)]) -> (Client, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "ledger-tools-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let path = dir.join("ledger.log");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_piapi-billing-mcp"));
    cmd.arg("--ledger")
        .arg(format!("file:{}", path.display()))
        .env_remove("PIAPI_API_KEY")
        .env("RUST_LOG", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    (().serve(transport).await.unwrap(), path)
}

async fn call(client: &Client, tool: &'static str, args: Value) -> Result<Value, String> {
    let Value::Object(args) = args else { panic!() };
    let r = client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(args))
        .await
        .unwrap();
    if r.is_error == Some(true) {
        let content = serde_json::to_value(&r.content).unwrap();
        return Err(content[0]["text"].as_str().unwrap().to_string());
    }
    Ok(r.structured_content.unwrap())
}

fn kling_pro_10s_audio() -> Value {
    json!({"model": "kling", "task_type": "video_generation",
           "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true, "prompt": "a fox"}})
}

#[tokio::test]
async fn tools_are_listed_with_honest_annotations() {
    let (client, _) = server(&[]).await;
    let tools = client.list_all_tools().await.unwrap();
    for (name, read_only) in [
        ("reserve_credits", false),
        ("settle_hold", false),
        ("release_hold", false),
        ("grant_credits", false),
        ("list_holds", true),
    ] {
        let tool = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} is not listed"));
        let annotations = tool.annotations.as_ref().unwrap();
        assert_eq!(annotations.read_only_hint, Some(read_only), "{name}");
        assert!(tool.output_schema.is_some(), "{name} has an output schema");
        assert_eq!(
            tool.input_schema.get("type").and_then(Value::as_str),
            Some("object"),
            "{name}"
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn reserve_settle_release_and_refusals() {
    let (client, _) = server(&[]).await;
    let g = call(
        &client,
        "grant_credits",
        json!({"grant_id": "topup-1", "amount_usd": "700", "apply_top_up_bonus": true}),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            g["grant"]["bonus_usd"].as_str(),
            g["balance"]["credited_usd"].as_str()
        ),
        (Some("21.00"), Some("721.00"))
    );
    // A retried grant is not counted twice.
    let again = call(
        &client,
        "grant_credits",
        json!({"grant_id": "topup-1", "amount_usd": "700", "apply_top_up_bonus": true}),
    )
    .await
    .unwrap();
    assert_eq!(again["balance"]["credited_usd"], "721.00");

    // Held from the estimate: Kling 3.0 pro 10 s with audio costs 2.00 (it freezes 1.00).
    let r = call(
        &client,
        "reserve_credits",
        json!({"hold_id": "job-1", "tasks": [kling_pro_10s_audio()], "memo": "fox video"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (r["amount_usd"].as_str(), r["account"].as_str()),
        (Some("2.00"), Some("default"))
    );
    assert_eq!(r["balance"]["pending_usd"], "2.00");

    let err = call(
        &client,
        "reserve_credits",
        json!({"hold_id": "big", "amount_usd": "720"}),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("short by 1.00 USD") && err.contains("quote_top_up"),
        "{err}"
    );
    let err = call(
        &client,
        "reserve_credits",
        json!({"amount_usd": "1", "tasks": [kling_pro_10s_audio()]}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("exactly one of amount_usd"), "{err}");
    let err = call(
        &client,
        "reserve_credits",
        json!({"hold_id": "has space", "amount_usd": "1"}),
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("hold_id:"), "{err}");
    let err = call(
        &client,
        "reserve_credits",
        json!({"amount_usd": "1", "ttl_seconds": 0}),
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("ttl_seconds:"), "{err}");
    let err = call(&client, "reserve_credits", json!({"amount_usd": "-1"}))
        .await
        .unwrap_err();
    assert!(err.starts_with("amount_usd:"), "{err}");
    let err = call(
        &client,
        "reserve_credits",
        json!({"amount_usd": "1", "amonut": 2}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("amonut"), "{err}");
    let err = call(
        &client,
        "reserve_credits",
        json!({"hold_id": "job-1", "amount_usd": "3"}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("already used with different fields"), "{err}");

    let listed = call(&client, "list_holds", json!({})).await.unwrap();
    assert_eq!(listed["holds"][0]["hold_id"], "job-1");
    assert_eq!(listed["holds"][0]["memo"], "fox video");
    assert_eq!(listed["total_held_usd"], "2.00");

    let s = call(
        &client,
        "settle_hold",
        json!({"hold_id": "job-1", "amount_usd": "1.5"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (s["released_usd"].as_str(), s["late"].as_bool()),
        (Some("0.50"), Some(false))
    );
    let err = call(
        &client,
        "settle_hold",
        json!({"hold_id": "job-1", "amount_usd": "2"}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("already settled"), "{err}");
    let err = call(&client, "release_hold", json!({"hold_id": "job-1"}))
        .await
        .unwrap_err();
    assert!(err.contains("already settled"), "{err}");
    let err = call(&client, "release_hold", json!({"hold_id": "ghost"}))
        .await
        .unwrap_err();
    assert!(err.contains("does not exist"), "{err}");

    // Without a PiAPI key, check_balance reports the ledger's default account.
    let b = call(&client, "check_balance", json!({})).await.unwrap();
    assert_eq!(
        (
            b["source"].as_str(),
            b["available_usd"].as_str(),
            b["credits"]["used"].as_str()
        ),
        (Some("ledger"), Some("719.50"), Some("1.50"))
    );
    let err = call(
        &client,
        "settle_hold",
        json!({"hold_id": "job-1", "task_id": "t-1"}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("PIAPI_API_KEY"), "{err}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_sweeper_expires_a_hold_and_a_late_charge_is_kept() {
    let (client, _) = server(&[]).await;
    call(
        &client,
        "grant_credits",
        json!({"grant_id": "g", "account": "agent-7", "amount_usd": "5"}),
    )
    .await
    .unwrap();
    call(
        &client,
        "reserve_credits",
        json!({"hold_id": "short", "account": "agent-7", "amount_usd": "5", "ttl_seconds": 1}),
    )
    .await
    .unwrap();
    // Nobody touches it: the background sweeper frees the funds after the TTL.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let listed = call(&client, "list_holds", json!({"account": "agent-7"}))
            .await
            .unwrap();
        if listed["holds"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hold was never swept: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = call(
        &client,
        "reserve_credits",
        json!({"hold_id": "next", "account": "agent-7", "amount_usd": "5"}),
    )
    .await
    .unwrap();
    assert_eq!(r["balance"]["available_usd"], "0.00");
    let late = call(
        &client,
        "settle_hold",
        json!({"hold_id": "short", "amount_usd": "0.8"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (late["late"].as_bool(), late["charged_usd"].as_str()),
        (Some(true), Some("0.80"))
    );
    assert_eq!(late["balance"]["late_charged_usd"], "0.80");
    assert_eq!(late["balance"]["available_usd"], "-0.80");
    let released = call(&client, "release_hold", json!({"hold_id": "short"}))
        .await
        .unwrap();
    assert_eq!(released["cause"], "expired");
    client.cancel().await.unwrap();
}

/// A one-route HTTP server answering `GET /api/v1/task/{id}` with PiAPI's documented shape.
async fn mock_piapi_task(status: &'static str, consume: u64) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&buf);
                let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
                let task_id = path.rsplit('/').next().unwrap_or("").to_string();
                let body = json!({"code": 200, "message": "success", "data": {
                    "task_id": task_id, "model": "kling", "task_type": "video_generation", "status": status,
                    "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true},
                    "output": {}, "meta": {"usage": {"type": "point", "frozen": 10000000, "consume": consume}},
                    "error": {"code": 0, "message": ""}}})
                .to_string();
                let head = if path.starts_with("/api/v1/task/") {
                    "200 OK"
                } else {
                    "404 Not Found"
                };
                let response = format!(
                    "HTTP/1.1 {head}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn settle_by_piapi_task_id_charges_what_piapi_consumed() {
    let base = mock_piapi_task("Completed", 18_000_000).await;
    let (client, _) = server(&[
        ("PIAPI_API_KEY", "sk-test-ledger"),
        ("PIAPI_BASE_URL", base.as_str()),
    ])
    .await;
    call(
        &client,
        "grant_credits",
        json!({"grant_id": "g", "amount_usd": "10"}),
    )
    .await
    .unwrap();
    call(
        &client,
        "reserve_credits",
        json!({"hold_id": "fox", "tasks": [kling_pro_10s_audio()]}),
    )
    .await
    .unwrap();
    let s = call(
        &client,
        "settle_hold",
        json!({"hold_id": "fox", "task_id": "0f9a-task"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            s["charged_usd"].as_str(),
            s["released_usd"].as_str(),
            s["task_id"].as_str()
        ),
        (Some("1.80"), Some("0.20"), Some("0f9a-task"))
    );
    client.cancel().await.unwrap();

    let base = mock_piapi_task("processing", 0).await;
    let (client, _) = server(&[
        ("PIAPI_API_KEY", "sk-test-ledger"),
        ("PIAPI_BASE_URL", base.as_str()),
    ])
    .await;
    call(
        &client,
        "grant_credits",
        json!({"grant_id": "g", "amount_usd": "10"}),
    )
    .await
    .unwrap();
    call(
        &client,
        "reserve_credits",
        json!({"hold_id": "fox", "amount_usd": "2"}),
    )
    .await
    .unwrap();
    let err = call(
        &client,
        "settle_hold",
        json!({"hold_id": "fox", "task_id": "busy"}),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("processing") && err.contains("no final charge"),
        "{err}"
    );
    client.cancel().await.unwrap();
}
