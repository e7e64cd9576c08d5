//! The human CLI on the same binary: `estimate`, `plans`, `prices` print the tools' JSON, and
//! `--help` documents every flag and environment variable.

mod common;

use std::process::Stdio;

use common::{command, kling_task};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

async fn run(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = command(&[])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).await.expect("write stdin");
    }
    drop(pipe);
    let out = child.wait_with_output().await.expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn estimate_reads_stdin_and_a_file_and_prints_the_tool_result() {
    let args = json!({"tasks": [kling_task()]}).to_string();
    let (ok, out, err) = run(&["estimate", "-"], Some(&args)).await;
    assert!(ok, "{err}");
    let result: Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(result["total_max_usd"], "2.00", "{result}");

    let dir = std::env::temp_dir().join(format!("piapi-billing-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("tasks.jsonl");
    std::fs::write(&file, format!("{}\n{}\n", kling_task(), kling_task())).expect("write");
    let (ok, out, err) = run(&["estimate", file.to_str().expect("utf-8 path")], None).await;
    assert!(ok, "{err}");
    let result: Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(result["total_max_usd"], "4.00", "{result}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn estimate_refuses_bad_input_with_the_field_and_a_failure_status() {
    let (ok, out, err) = run(
        &["estimate", "-"],
        Some(r#"{"tasks": [{"model": "kling"}]}"#),
    )
    .await;
    assert!(!ok);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("task_type"), "{err}");
    let (ok, _, err) = run(&["estimate", "/no/such/file.json"], None).await;
    assert!(!ok);
    assert!(err.contains("/no/such/file.json"), "{err}");
}

#[tokio::test]
async fn plans_and_prices_print_the_tool_json() {
    let (ok, out, err) = run(&["plans"], None).await;
    assert!(ok, "{err}");
    let plans: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(plans["plans"][0]["id"], "free");

    let (ok, out, err) = run(&["prices", "veo"], None).await;
    assert!(ok, "{err}");
    let prices: Value = serde_json::from_str(&out).expect("JSON");
    let entries = prices["entries"].as_array().expect("entries");
    assert!(
        !entries.is_empty()
            && entries
                .iter()
                .all(|e| e["model"].as_str().is_some_and(|m| m.starts_with("veo3"))),
        "{prices}"
    );
}

#[tokio::test]
async fn help_documents_every_flag_and_environment_variable() {
    let (ok, out, _) = run(&["--help"], None).await;
    assert!(ok);
    for needle in [
        "--http",
        "--token",
        "--allowed-host",
        "--allowed-origin",
        "--max-body-bytes",
        "--catalog",
        "--price-overlay",
        "--ledger",
        "PIAPI_BILLING_LEDGER",
        "estimate",
        "plans",
        "prices",
        "PIAPI_API_KEY",
        "PIAPI_BASE_URL",
        "PIAPI_TIMEOUT_MS",
        "PIAPI_BILLING_TOKEN",
        "PIAPI_BILLING_CATALOG",
        "PIAPI_BILLING_OVERLAY",
        "RUST_LOG",
    ] {
        assert!(
            out.contains(needle),
            "--help does not mention {needle}:\n{out}"
        );
    }
}

#[tokio::test]
async fn a_price_overlay_changes_the_estimate_and_is_named() {
    let dir = std::env::temp_dir().join(format!("piapi-billing-overlay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (_, out, _) = run(
        &["estimate", "-"],
        Some(&json!({"tasks": [kling_task()]}).to_string()),
    )
    .await;
    let before: Value = serde_json::from_str(&out).expect("JSON");
    let entry = before["lines"][0]["entry_id"]
        .as_str()
        .expect("entry id")
        .to_owned();
    let overlay = dir.join("overlay.json");
    std::fs::write(
        &overlay,
        json!({"name": "negotiated", "entries": [{"id": entry, "price_usd": "0.18"}]}).to_string(),
    )
    .expect("write");
    let (ok, out, err) = run(
        &[
            "--price-overlay",
            overlay.to_str().expect("utf-8"),
            "estimate",
            "-",
        ],
        Some(&json!({"tasks": [kling_task()]}).to_string()),
    )
    .await;
    assert!(ok, "{err}");
    let after: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(after["overlay"], "negotiated", "{after}");
    assert_eq!(after["total_max_usd"], "1.80", "{after}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `catalog-report` answers what the core's `catalog_report` answers (the MCP tool and the
/// WebAssembly package run the same golden vectors), and its summary names the counts.
#[tokio::test]
async fn catalog_report_prints_the_core_answer_and_a_summary() {
    let (ok, out, err) = run(&["catalog-report", "--as-of", "2026-12-01", "--json"], None).await;
    assert!(ok, "{err}");
    let cli: Value = serde_json::from_str(&out).expect("JSON on stdout");
    let args = piapi_billing::CatalogReportArgs {
        as_of: Some("2026-12-01".into()),
        stale_after_days: None,
    };
    let core = piapi_billing::Billing::new()
        .catalog_report(&args)
        .expect("a report");
    assert_eq!(cli, serde_json::to_value(core).unwrap());

    let (ok, summary, err) = run(&["catalog-report", "--as-of", "2026-12-01"], None).await;
    assert!(ok, "{err}");
    let rows = cli["rows"].as_u64().unwrap();
    assert!(
        summary.contains(&format!("{rows} rows, as of 2026-12-01")),
        "{summary}"
    );
    let conflicting = cli["conflicting"].as_array().unwrap().len();
    assert!(
        summary.contains(&format!(
            "conflicting prices (the estimate spans every figure): {conflicting}"
        )),
        "{summary}"
    );
    let (ok, _, err) = run(&["catalog-report", "--as-of", "yesterday"], None).await;
    assert!(!ok);
    assert!(err.contains("as_of: must be a date as YYYY-MM-DD"), "{err}");
}

/// A setting left blank in an MCP client's configuration arrives as an empty variable; the
/// server must start as if it were unset (before, clap refused `--catalog ''`).
#[tokio::test]
async fn empty_environment_settings_count_as_unset() {
    let mut cmd = command(&[]);
    for name in [
        "PIAPI_BILLING_CATALOG",
        "PIAPI_BILLING_OVERLAY",
        "PIAPI_BILLING_LEDGER",
    ] {
        cmd.env(name, "");
    }
    let out = cmd
        .args(["prices", "kling"])
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(result["catalog_version"], "2026-12", "{result}");
    assert!(result["overlay"].is_null(), "{result}");
}
