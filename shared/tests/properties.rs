//! Properties over random inputs: totals add up, points are exact, intervals are ordered, and
//! no input — however malformed — makes the core panic.

use piapi_billing::catalog::Catalog;
use piapi_billing::money::POINTS_PER_USD;
use piapi_billing::{Billing, EstimateArgs, Hints, TaskSpec};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// Scalar values that the catalog's selectors and quantity fields understand, plus noise.
fn input_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("3.0")),
        Just(json!("2.6")),
        Just(json!("1.6")),
        Just(json!("std")),
        Just(json!("pro")),
        Just(json!("relax")),
        Just(json!("fast")),
        Just(json!("i2v-01")),
        Just(json!("v2.3")),
        Just(json!(true)),
        Just(json!(false)),
        (0u64..20).prop_map(|n| json!(n)),
        "[a-z0-9 ]{0,12}".prop_map(Value::from),
        Just(json!(null)),
        Just(json!(-3)),
        Just(json!(2.5)),
        Just(json!([])),
        Just(json!({"x": 1})),
    ]
}

fn input_map() -> impl Strategy<Value = Map<String, Value>> {
    let keys = prop_oneof![
        Just("version"),
        Just("mode"),
        Just("duration"),
        Just("enable_audio"),
        Just("batch_size"),
        Just("model"),
        Just("process_mode"),
        Just("resolution"),
        Just("gen_text"),
        Just("scale"),
        Just("width"),
        Just("height"),
        Just("size"),
        Just("generate_audio"),
        Just("prefer_multi_shots"),
        Just("professional_mode"),
        Just("elements"),
    ];
    proptest::collection::btree_map(keys, input_value(), 0..6)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn task() -> impl Strategy<Value = TaskSpec> {
    let services: Vec<(String, String)> = Catalog::builtin()
        .entries()
        .iter()
        .map(|e| (e.model.to_string(), e.task_type.to_string()))
        .collect();
    let service = prop_oneof![
        8 => proptest::sample::select(services),
        1 => ("[a-z]{1,8}", "[a-z_]{1,8}").prop_map(|(m, t)| (m, t)),
    ];
    let mode = prop_oneof![
        Just(None),
        Just(Some("public")),
        Just(Some("private")),
        Just(Some("")),
        Just(Some("odd"))
    ];
    let hints = (
        proptest::option::of(0u64..200),
        proptest::option::of(0u64..5000),
        proptest::option::of(0u64..5000),
        proptest::option::of(0u64..5000),
    );
    (service, input_map(), mode, 0u64..12_000, hints).prop_map(
        |((model, task_type), input, mode, count, (secs, frames, w, h))| {
            let mut config = Map::new();
            if let Some(m) = mode {
                config.insert("service_mode".into(), json!(m));
            }
            TaskSpec {
                model,
                task_type,
                input,
                config,
                count: count as i64,
                hints: Hints {
                    video_seconds: secs.map(|s| piapi_billing::money::Dec(Decimal::from(s))),
                    frames,
                    width: w,
                    height: h,
                    ..Hints::default()
                },
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn totals_are_the_sum_of_lines_and_points_are_exact(tasks in proptest::collection::vec(task(), 1..20),
                                                        plan in proptest::option::of(prop_oneof![Just(piapi_billing::PlanId::Free), Just(piapi_billing::PlanId::Pro)]),
                                                        relax in proptest::option::of(0u64..2000)) {
        let n = tasks.len();
        let r = Billing::new().estimate_cost(&EstimateArgs { tasks, plan, relax_used_today: relax, default_mode: None }).unwrap();
        prop_assert_eq!(r.lines.len() + r.errors.len(), n);
        let mut seen: Vec<usize> = r.lines.iter().map(|l| l.index).chain(r.errors.iter().map(|e| e.index)).collect();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..n).collect::<Vec<_>>());
        let min: Decimal = r.lines.iter().map(|l| l.min_usd.0).sum();
        let max: Decimal = r.lines.iter().map(|l| l.max_usd.0).sum();
        prop_assert_eq!(r.total_min_usd.0, min);
        prop_assert_eq!(r.total_max_usd.0, max);
        prop_assert!(min <= max);
        prop_assert_eq!(Decimal::from(r.total_min_points), min * Decimal::from(POINTS_PER_USD));
        prop_assert_eq!(Decimal::from(r.total_max_points), max * Decimal::from(POINTS_PER_USD));
        for l in &r.lines {
            prop_assert!(l.min_usd.0 <= l.max_usd.0);
            prop_assert!(l.min_usd.0 >= Decimal::ZERO);
            if let Some(q) = &l.quantity_max { prop_assert!(l.quantity_min.0 <= q.0); }
        }
        prop_assert_eq!(r.exact, r.errors.is_empty() && min == max);
    }

    #[test]
    fn precheck_requires_the_larger_of_cost_and_freeze(tasks in proptest::collection::vec(task(), 1..10), balance in 0u64..100_000, frozen in 0u64..10_000) {
        let args = piapi_billing::PrecheckArgs {
            tasks, balance_usd: Some(piapi_billing::money::Usd(Decimal::new(balance as i64, 2))),
            frozen_usd: Some(piapi_billing::money::Usd(Decimal::new(frozen as i64, 2))), ..Default::default()
        };
        let r = Billing::new().precheck_credits(&args).unwrap();
        let required: Decimal = r.estimate.lines.iter().map(|l| l.max_usd.0.max(l.freeze_usd.0)).sum();
        prop_assert_eq!(r.required_usd.0, required);
        prop_assert_eq!(r.available_usd.0, Decimal::new(balance as i64, 2) - Decimal::new(frozen as i64, 2));
        prop_assert_eq!(r.shortfall_usd.0, (required - r.available_usd.0).max(Decimal::ZERO));
        prop_assert_eq!(r.ok, r.blockers.is_empty());
        if let Some(t) = &r.suggested_top_up {
            prop_assert!(t.amount_usd.0 >= r.shortfall_usd.0);
            prop_assert!(t.amount_usd.0 - r.shortfall_usd.0 < Decimal::ONE || t.amount_usd.0 == Decimal::ONE);
        } else {
            prop_assert!(r.shortfall_usd.0.is_zero());
        }
    }

    #[test]
    fn top_up_bonus_is_strictly_above_each_threshold(cents in 1u64..2_000_000) {
        let amount = Decimal::new(cents as i64, 2);
        let q = Billing::new().quote_top_up(&piapi_billing::QuoteTopUpArgs { amount_usd: piapi_billing::money::Usd(amount), plan: None }).unwrap();
        let pct = [(10_800, 9), (5_400, 7), (2_700, 5), (650, 3)].iter()
            .find(|(t, _)| amount > Decimal::from(*t)).map(|(_, p)| *p).unwrap_or(0);
        prop_assert_eq!(q.bonus_pct.0, Decimal::from(pct));
        prop_assert_eq!(q.credited_usd.0, amount + amount * Decimal::from(pct) / Decimal::ONE_HUNDRED);
        prop_assert_eq!(Decimal::from(q.credited_points), q.credited_usd.0 * Decimal::from(POINTS_PER_USD));
        prop_assert_eq!(q.self_serve, amount <= Decimal::from(200));
    }

    /// Arbitrary JSON for every tool: an answer or a refusal, never a panic.
    #[test]
    fn no_json_input_panics(args in arbitrary_json(), tool in proptest::sample::select(piapi_billing::tools::names().chain(["nope"]).collect::<Vec<_>>())) {
        let _ = piapi_billing::tools::run(&Billing::new(), tool, &args.to_string());
    }

    /// Arbitrary text as catalog or overlay: a catalog or a refusal, never a panic.
    #[test]
    fn no_catalog_text_panics(text in ".{0,200}", js in arbitrary_json()) {
        let _ = Catalog::from_json(&text);
        let _ = Catalog::builtin().with_overlay(&text);
        let _ = Catalog::builtin().with_overlay(&js.to_string());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The core's reader and serde_json agree on every JSON document, compact or pretty, and
    /// the reader keeps a number's digits as written.
    #[test]
    fn the_reader_reads_what_serde_json_writes(v in arbitrary_json(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            serde_json::to_string(&v).unwrap()
        };
        let ours: Value = piapi_billing::json::from_str(&text).unwrap();
        prop_assert_eq!(ours.to_string(), v.to_string());
    }

    /// Text mixing JSON punctuation with multi-byte characters: an answer or a positioned
    /// error (the position may fall inside a character), never a panic.
    #[test]
    fn the_reader_never_panics_on_unicode(text in "[\\[\\]{}\",:0-9a-z\\\\ é€😀\t\n]{0,60}") {
        let _ = piapi_billing::json::from_str::<Value>(&text);
        let _ = piapi_billing::json::from_str::<piapi_billing::EstimateArgs>(&text);
    }

    /// Whatever the text, the reader answers (a value or an error that names a position or a
    /// field) and agrees with serde_json on whether it is JSON at all.
    #[test]
    fn the_reader_refuses_what_serde_json_refuses(text in "[\\[\\]{}\",:0-9a-z.eE+\\-\\\\ \n]{0,40}") {
        let ours = piapi_billing::json::from_str::<Value>(&text);
        let theirs = serde_json::from_str::<Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}", text, ours);
        if let Err(e) = ours {
            prop_assert!(e.message.contains("invalid JSON") || e.message.contains("decimal"), "{}", e.message);
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "-?[0-9]{1,30}(\\.[0-9]{1,30})?(e-?[0-9]{1,3})?"
            .prop_map(|s| serde_json::from_str(&s).unwrap_or(Value::Null)),
        ".{0,20}".prop_map(Value::from),
        prop_oneof![
            Just("tasks"),
            Just("model"),
            Just("kling"),
            Just("3.0"),
            Just("amount_usd"),
            Just("balance_usd")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("tasks".to_string()),
                    Just("model".to_string()),
                    Just("task_type".to_string()),
                    Just("input".to_string()),
                    Just("count".to_string()),
                    Just("hints".to_string()),
                    Just("amount_usd".to_string()),
                    Just("balance_usd".to_string()),
                    Just("query".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
