//! The core against every golden vector. `UPDATE_GOLDEN=1` rewrites `expected` from the core,
//! but only for results that still hold every hand-worked figure of their `check`.

use piapi_billing::Billing;
use piapi_billing_tests::{first_mismatch, load_all, run_core};

#[test]
fn golden_vectors_hold_for_the_core() {
    let billing = Billing::new();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let mut total = 0;
    for (path, mut file) in load_all() {
        let mut changed = false;
        for case in &mut file.cases {
            total += 1;
            let got = run_core(&billing, case);
            if let Some(why) = first_mismatch(&got, &case.check, "$") {
                failures.push(format!(
                    "{} / {}: check failed: {why}",
                    path.display(),
                    case.name
                ));
                continue;
            }
            if got != case.expected {
                if update {
                    case.expected = got;
                    changed = true;
                } else {
                    let why = first_mismatch(&got, &case.expected, "$")
                        .or_else(|| first_mismatch(&case.expected, &got, "$"))
                        .unwrap_or_default();
                    failures.push(format!(
                        "{} / {}: result differs from expected: {why}",
                        path.display(),
                        case.name
                    ));
                }
            }
        }
        if changed {
            let text = serde_json::to_string_pretty(&file).expect("golden file serializes") + "\n";
            std::fs::write(&path, text).expect("golden file is writable");
        }
    }
    assert!(total >= 60, "only {total} golden cases");
    assert!(
        failures.is_empty(),
        "{} of {total} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
