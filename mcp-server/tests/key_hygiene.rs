//! The PiAPI key never reaches a result or a log, even when a *successful* PiAPI body echoes
//! it: the real binary at TRACE logging against a local PiAPI whose account is named after the
//! key and whose tasks carry it as their model and in their input.

mod common;
mod support;

use common::{call, stdio_client, structured, texts};
use serde_json::{Value, json};
use support::mock_piapi::{Behaviour, MockPiapi, account_info_new, kling_task};

const KEY: &str = "sk-CANARY-123456";
const MODEL_TASK: &str = "6a1c2b3d-0000-4000-8000-00000000000a";
const MODE_TASK: &str = "6a1c2b3d-0000-4000-8000-00000000000b";

#[tokio::test]
async fn a_key_echoed_in_successful_bodies_is_scrubbed_from_results_and_logs() {
    let mut account = account_info_new();
    account["data"]["name"] = json!(KEY);
    let mut by_model = kling_task(MODEL_TASK);
    by_model["model"] = json!(KEY);
    let mut by_mode = kling_task(MODE_TASK);
    by_mode["input"]["mode"] = json!(KEY);
    let mock = MockPiapi::start(
        Behaviour::new(KEY)
            .account(account)
            .task(MODEL_TASK, by_model)
            .task(MODE_TASK, by_mode),
    )
    .await;
    let base = mock.base_url();
    let (client, stderr) = stdio_client(&[
        ("PIAPI_API_KEY", KEY),
        ("PIAPI_BASE_URL", &base),
        ("RUST_LOG", "trace"),
    ])
    .await;

    let balance = call(&client, "check_balance", json!({})).await;
    let account = structured(&balance);
    assert_eq!(account["account"]["name"], "***", "{account}");
    assert_no_key(
        &serde_json::to_value(&balance).expect("json"),
        "check_balance",
    );

    for task in [MODEL_TASK, MODE_TASK] {
        let result = call(&client, "get_task_cost", json!({"task_id": task})).await;
        let whole = serde_json::to_value(&result).expect("json");
        assert_no_key(&whole, task);
        assert!(
            texts(&result).contains("***"),
            "the echoed key was replaced, not dropped: {whole}"
        );
    }
    let by_model =
        structured(&call(&client, "get_task_cost", json!({"task_id": MODEL_TASK})).await);
    assert_eq!(by_model["model"], "***", "{by_model}");

    client.cancel().await.expect("close");
    let logs = stderr.text();
    assert!(
        logs.contains("TRACE"),
        "trace logging was on: {}",
        &logs[..logs.len().min(500)]
    );
    assert!(
        logs.contains("get_task_cost"),
        "rmcp logged the calls (and so would have logged a leaked key)"
    );
    assert!(!logs.contains("CANARY"), "a log line leaks the key");
    let sent = mock.requests();
    assert!(
        sent.iter().all(|r| r.header("x-api-key") == Some(KEY)),
        "the key is still sent to PiAPI"
    );
}

fn assert_no_key(value: &Value, what: &str) {
    let text = value.to_string();
    assert!(!text.contains("CANARY"), "{what} leaks the key: {text}");
}
