//! The module's own part of `estimateCost` (argument text in, envelope text out), run natively:
//! `cargo bench -p piapi-billing-wasm --bench answer`. What WebAssembly adds on top, and what
//! JavaScript adds around it, is in BENCHMARKS.md; this is the floor under both.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use piapi_billing_wasm::{engine, envelope};
use serde_json::{Value, json};

/// The 1,000-line batch of bench.mjs: every priced golden task, round-robin.
fn thousand_lines() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("estimate"))
        })
        .collect();
    names.sort();
    let mut pool = Vec::new();
    for path in names {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in file["cases"].as_array().expect("cases") {
            let expected = &case["expected"];
            if expected.get("error").is_none()
                && expected["errors"].as_array().is_some_and(Vec::is_empty)
            {
                pool.extend(
                    case["args"]["tasks"]
                        .as_array()
                        .expect("tasks")
                        .iter()
                        .cloned(),
                );
            }
        }
    }
    let tasks: Vec<Value> = (0..1000).map(|i| pool[i % pool.len()].clone()).collect();
    json!({ "tasks": tasks }).to_string()
}

fn answer(args: &str) -> String {
    envelope::encode(
        engine::call("estimate_cost", args),
        envelope::answer_capacity(args),
    )
}

fn benches(c: &mut Criterion) {
    let one = json!({"tasks": [{"model": "kling", "task_type": "video_generation",
        "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true}}]})
    .to_string();
    assert!(answer(&one).starts_with(r#"{"ok":"#));
    c.bench_function("estimate_cost text to envelope text/1 task", |b| {
        b.iter(|| answer(black_box(&one)))
    });

    let thousand = thousand_lines();
    assert!(answer(&thousand).starts_with(r#"{"ok":"#));
    c.bench_function("estimate_cost text to envelope text/1000 lines", |b| {
        b.iter(|| answer(black_box(&thousand)))
    });
}

criterion_group!(answer_benches, benches);
criterion_main!(answer_benches);
