//! Any bytes as a replacement catalog or a price overlay: the loader never panics; what it
//! accepts is a valid catalog that prices every one of its rows' services without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piapi_billing::{Batch, Billing, Catalog, TaskSpec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = [Catalog::from_json(text), Catalog::builtin().with_overlay(text)];
    for catalog in loaded.into_iter().flatten() {
        let tasks: Vec<TaskSpec> = catalog
            .entries()
            .iter()
            .take(64)
            .map(|e| TaskSpec {
                model: e.model.to_string(),
                task_type: e.task_type.to_string(),
                count: 1,
                ..TaskSpec::default()
            })
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let billing = Billing::with_catalog(catalog);
        let batch = Batch {
            tasks: &tasks,
            plan: None,
            default_mode: None,
            relax_used_today: None,
        };
        let _ = billing.estimate(batch);
    }
});
