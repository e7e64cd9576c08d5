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
