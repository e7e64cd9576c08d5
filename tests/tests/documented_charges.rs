//! The catalog against the charges PiAPI's own example responses document (`data.meta.usage`).
//!
//! Each example is a task PiAPI ran in its docs: an estimate of its input must contain the
//! points it consumed, a non-zero freeze must equal the line's freeze, and its `usage.type`
//! must match the row's charge timing (`llm`: charged at creation, `point`: frozen then settled).

use piapi_billing::{Billing, Charge, EstimateArgs};
use serde::Deserialize;

#[derive(Deserialize)]
struct Examples {
    examples: Vec<Example>,
}

#[derive(Deserialize)]
struct Example {
    name: String,
    source: String,
    usage: Usage,
    args: serde_json::Value,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(rename = "type")]
    kind: String,
    frozen: u64,
    consume: u64,
}

#[test]
fn every_documented_charge_falls_inside_its_estimate() {
    let text = include_str!("../documented/charges.json");
    let examples: Examples = serde_json::from_str(text).expect("charges.json reads");
    assert!(examples.examples.len() >= 10, "too few documented charges");
    let billing = Billing::new();
    for ex in &examples.examples {
        let at = format!("{} ({})", ex.name, ex.source);
        let args: EstimateArgs = piapi_billing::json::from_value(&ex.args).expect(&at);
        let est = billing
            .estimate_cost(&args)
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(est.errors.is_empty(), "{at}: {:?}", est.errors);
        let line = &est.lines[0];
        let points = |usd: piapi_billing::money::Usd| {
            piapi_billing::money::usd_to_points(usd.0).expect("whole points")
        };
        if ex.usage.consume > 0 {
            let (lo, hi) = (est.total_min_points, est.total_max_points);
            assert!(
                (lo..=hi).contains(&ex.usage.consume),
                "{at}: consumed {} points, estimate [{lo}, {hi}]",
                ex.usage.consume
            );
        }
        if ex.usage.frozen > 0 {
            assert_eq!(points(line.freeze_usd), ex.usage.frozen, "{at}: freeze");
        }
        let charge = match ex.usage.kind.as_str() {
            "llm" => Charge::AtCreation,
            "point" => Charge::OnCompletion,
            other => panic!("{at}: unknown usage.type {other}"),
        };
        assert_eq!(line.charge, charge, "{at}: charge timing");
    }
}
