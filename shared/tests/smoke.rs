mod common;
use common::*;
use serde_json::json;

#[test]
fn contract_example_kling_3_pro_10s_audio_costs_two_dollars() {
    let r = one(json!({"model": "kling", "task_type": "video_generation",
        "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true, "prompt": "a cat"},
        "config": {"service_mode": "public"}}));
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
    assert_eq!(r["total_min_usd"], "2.00");
    assert_eq!(r["total_max_points"], 20_000_000);
}

#[test]
fn whole_call_error_codes_name_the_problem() {
    let e = call_err("estimate_costs", json!({}));
    assert_eq!(e.code(), "unknown_tool");
    assert!(e.message.contains("estimate_cost"), "{}", e.message);
    let e = call_err("estimate_cost", json!({"tasks": []}));
    assert_eq!(
        (e.code(), e.field.as_deref()),
        ("invalid_arguments", Some("tasks"))
    );
    let e = piapi_billing::Catalog::from_json("[]").unwrap_err();
    assert_eq!(e.code(), "invalid_catalog");
}

#[test]
fn a_float_looking_count_is_refused_not_truncated() {
    let e = call_err(
        "estimate_cost",
        json!({"tasks": [{"model": "kling", "task_type": "sound", "count": 1.5}]}),
    );
    assert_eq!(e.field.as_deref(), Some("tasks[0].count"));
    assert!(e.message.contains("whole number"), "{}", e.message);
}
