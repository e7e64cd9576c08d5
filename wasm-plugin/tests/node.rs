//! The raw exports inside a real WebAssembly instance, run in Node by wasm-bindgen-test-runner:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.tools/bin/wasm-bindgen-test-runner
//!  cargo test -p piapi-billing-wasm --target wasm32-unknown-unknown --test node`
#![cfg(target_arch = "wasm32")]

use piapi_billing_wasm::exports::{call, catalog_info, memory_bytes, set_catalog};
use serde_json::{Value, json};
use wasm_bindgen_test::wasm_bindgen_test;

fn answer(envelope: String) -> Value {
    serde_json::from_str(&envelope).expect("every export answers JSON")
}

fn kling_args() -> String {
    json!({"tasks": [{"model": "kling", "task_type": "video_generation",
        "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true}}]})
    .to_string()
}

#[wasm_bindgen_test]
fn estimate_answers_in_an_ok_envelope() {
    let out = answer(call("estimate_cost", &kling_args()));
    assert_eq!(out["ok"]["total_max_usd"], "2.00");
    assert_eq!(out["ok"]["total_max_points"], 20_000_000);
}

#[wasm_bindgen_test]
fn refusals_are_data_not_traps() {
    let out = answer(call("estimate_cost", r#"{"tasks": []}"#));
    assert_eq!(out["error"]["code"], "invalid_arguments");
    assert_eq!(out["error"]["field"], "tasks");
    let out = answer(call("estimate_cost", "{not json"));
    assert_eq!(out["error"]["code"], "invalid_arguments");
    let out = answer(call("no_such_tool", "{}"));
    assert_eq!(out["error"]["code"], "unknown_tool");
    // Deep nesting hits serde_json's recursion limit, not the wasm stack.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let out = answer(call("estimate_cost", &format!(r#"{{"tasks": {deep}}}"#)));
    assert_eq!(out["error"]["code"], "invalid_arguments");
    assert_eq!(
        answer(call("estimate_cost", &kling_args()))["ok"]["total_max_usd"],
        "2.00"
    );
}

#[wasm_bindgen_test]
fn overlay_applies_and_resets() {
    let overlay = r#"{"name": "acme", "entries": [{"id": "kling.video.3.0.pro.audio", "price_usd": "0.15"}]}"#;
    assert_eq!(answer(set_catalog(overlay))["ok"]["overlay"], "acme");
    assert_eq!(answer(catalog_info())["ok"]["overlay"], "acme");
    assert_eq!(
        answer(call("estimate_cost", &kling_args()))["ok"]["total_max_usd"],
        "1.50"
    );
    assert_eq!(answer(set_catalog("null"))["ok"]["overlay"], Value::Null);
    assert_eq!(
        answer(call("estimate_cost", &kling_args()))["ok"]["total_max_usd"],
        "2.00"
    );
}

#[wasm_bindgen_test]
fn price_inputs_and_memory_are_reported() {
    let form = answer(call(
        "price_inputs",
        r#"{"model": "kling", "task_type": "video_generation"}"#,
    ));
    assert!(
        form["ok"]["fields"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    assert!(memory_bytes() >= 65_536);
}
