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

/// The core's own writer (what the WebAssembly module and the stdio fast path answer with)
/// writes every golden answer exactly as serde_json writes it from the types' `Serialize`
/// (what rmcp answers with): the same bytes, not merely the same values.
#[test]
fn every_golden_answer_is_written_byte_for_byte_as_serde_json_writes_it() {
    let billing = Billing::new();
    let mut answers = 0;
    for (path, file) in load_all() {
        for case in &file.cases {
            let Ok(answer) =
                piapi_billing::tools::run(&billing, &case.tool, &case.args.to_string())
            else {
                continue;
            };
            let ours = piapi_billing::json::write::to_string(&answer);
            let serde = serde_json::to_string(&answer).expect("serializes");
            assert!(
                ours == serde,
                "{} / {}: the writers differ\n ours:  {ours}\n serde: {serde}",
                path.display(),
                case.name
            );
            answers += 1;
        }
    }
    assert!(answers >= 50, "only {answers} golden answers");
}
