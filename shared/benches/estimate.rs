//! Criterion benchmarks of the core's hot paths: `cargo bench -p piapi-billing --bench estimate`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use piapi_billing::catalog::{BUILTIN_JSON, Catalog};
use piapi_billing::{Billing, EstimateArgs, TaskSpec};
use serde_json::json;

fn kling_task() -> TaskSpec {
    serde_json::from_value(json!({"model": "kling", "task_type": "video_generation",
        "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true, "prompt": "a fox in the snow"},
        "config": {"service_mode": "public"}}))
    .expect("valid task")
}

/// A realistic mixed batch: every tenth line is a different service.
fn mixed_lines(n: usize) -> Vec<TaskSpec> {
    let pool = [
        kling_task(),
        serde_json::from_value(json!({"model": "Qubico/flux1-dev", "task_type": "txt2img", "input": {"batch_size": 4}})).unwrap(),
        serde_json::from_value(json!({"model": "hailuo", "task_type": "video_generation", "input": {"model": "i2v-01"}})).unwrap(),
        serde_json::from_value(json!({"model": "Qubico/tts", "task_type": "zero-shot", "input": {"gen_text": "hello world"}})).unwrap(),
        serde_json::from_value(json!({"model": "Qubico/z-image", "task_type": "txt2img", "input": {"width": 1024, "height": 1024}})).unwrap(),
    ];
    (0..n).map(|i| pool[i % pool.len()].clone()).collect()
}

fn benches(c: &mut Criterion) {
    let billing = Billing::new();
    let one = EstimateArgs {
        tasks: vec![kling_task()],
        ..Default::default()
    };
    c.bench_function("estimate/1 task", |b| {
        b.iter(|| billing.estimate_cost(black_box(&one)).unwrap())
    });

    let thousand = EstimateArgs {
        tasks: mixed_lines(1000),
        ..Default::default()
    };
    c.bench_function("estimate/1000 lines", |b| {
        b.iter(|| billing.estimate_cost(black_box(&thousand)).unwrap())
    });

    // Through the tool table, from argument text to the answer's text, as front ends run it.
    let one_text = json!({"tasks": [serde_json::to_value(kling_task()).unwrap()]}).to_string();
    c.bench_function("tools/estimate_cost text in and out, 1 task", |b| {
        b.iter(|| {
            let answer = piapi_billing::tools::run(&billing, "estimate_cost", black_box(&one_text));
            let mut out = piapi_billing::json::JsonWriter::with_capacity(2048);
            out.write(&answer.unwrap());
            out.into_string()
        })
    });

    // What a front end receives: the arguments as JSON text.
    let thousand_text = serde_json::to_string(&json!({ "tasks": thousand.tasks })).unwrap();
    c.bench_function("json/read 1000-line arguments", |b| {
        b.iter(|| piapi_billing::json::from_str::<EstimateArgs>(black_box(&thousand_text)).unwrap())
    });

    // How the built-in catalog loads: decoded from its compact form, then validated and
    // indexed. Dropping the catalog is not part of loading it.
    c.bench_function("catalog/load built-in", |b| {
        b.iter_with_large_drop(|| Catalog::load_builtin().unwrap())
    });
    // The same file read as JSON text by the core's reader, strings borrowed.
    c.bench_function("catalog/load built-in from its JSON", |b| {
        b.iter_with_large_drop(|| Catalog::from_static_json(black_box(BUILTIN_JSON)).unwrap())
    });
    // The same file as a user's replacement catalog (every string copied).
    c.bench_function("catalog/load from text", |b| {
        b.iter_with_large_drop(|| Catalog::from_json(black_box(BUILTIN_JSON)).unwrap())
    });
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(core);
