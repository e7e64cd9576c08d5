//! User price overlays: an override wins, visibly, and a bad overlay is refused whole.

mod common;

use common::CallByName;
use piapi_billing::catalog::Catalog;
use piapi_billing::{Billing, ErrorKind};
use serde_json::json;

fn kling_10s() -> serde_json::Value {
    json!({"tasks": [{"model": "kling", "task_type": "video_generation",
        "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true}}]})
}

#[test]
fn an_overlay_price_wins_and_is_reported() {
    let base = Billing::new().call("estimate_cost", kling_10s()).unwrap();
    assert_eq!(base["total_max_usd"], "2.00");
    assert_eq!(base["overlay"], json!(null));

    let overlay = r#"{"name": "acme-2026-q4", "source": "contract 42",
        "entries": [{"id": "kling.video.3.0.pro.audio", "price_usd": "0.18"}]}"#;
    let billing = Billing::with_catalog(Catalog::builtin().with_overlay(overlay).unwrap());
    let r = billing.call("estimate_cost", kling_10s()).unwrap();
    assert_eq!(r["total_max_usd"], "1.80");
    assert_eq!(r["total_max_points"], 18_000_000);
    assert_eq!(r["overlay"], "acme-2026-q4");
    assert_eq!(r["catalog_version"], Catalog::builtin().version());
    assert_eq!(r["lines"][0]["confidence"], "overlay");
    assert_eq!(r["lines"][0]["source"], "contract 42");
    // Everything the overlay does not touch keeps its built-in price.
    let other = billing
        .call("estimate_cost", json!({"tasks": [{"model": "hailuo", "task_type": "video_generation", "input": {"model": "i2v-01"}}]}))
        .unwrap();
    assert_eq!(other["total_max_usd"], "0.20");
    assert_eq!(other["lines"][0]["confidence"], "official");
}

#[test]
fn an_overlay_can_price_an_unpriced_service_and_add_a_new_one() {
    let overlay = r#"{"name": "ours", "entries": [
        {"id": "luma.video_generation", "status": "active", "price_usd": "0.30", "notes": "invoice 2026-10"},
        {"id": "acme.custom", "model": "acme", "task_type": "render", "variant": "custom", "unit": "task",
         "price_usd": "1.25", "hya_seat": null, "status": "active", "confidence": "overlay", "source": "our price list"}
    ]}"#;
    let billing = Billing::with_catalog(Catalog::builtin().with_overlay(overlay).unwrap());
    let r = billing
        .call(
            "estimate_cost",
            json!({"tasks": [
            {"model": "luma", "task_type": "video_generation"},
            {"model": "acme", "task_type": "render", "count": 2}]}),
        )
        .unwrap();
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["total_max_usd"], "2.80");
    assert_eq!(r["lines"][0]["source"], "overlay ours");
}

#[test]
fn overlays_stack_and_the_last_one_wins() {
    let a = r#"{"name": "a", "entries": [{"id": "hailuo.01", "price_usd": "0.25"}]}"#;
    let b = r#"{"name": "b", "entries": [{"id": "hailuo.01", "price_usd": "0.15"}]}"#;
    let c = Catalog::builtin()
        .with_overlay(a)
        .unwrap()
        .with_overlay(b)
        .unwrap();
    assert_eq!(c.overlay(), Some("a+b"));
    let r = Billing::with_catalog(c)
        .call("estimate_cost", json!({"tasks": [{"model": "hailuo", "task_type": "video_generation", "input": {"model": "i2v-01"}}]}))
        .unwrap();
    assert_eq!(r["total_max_usd"], "0.15");
    assert_eq!(r["overlay"], "a+b");
}

#[test]
fn bad_overlays_are_refused_with_the_reason() {
    let cases = [
        (r#"{"entries": []}"#, "name"),
        (r#"{"name": "", "entries": []}"#, "name must not be empty"),
        (
            r#"{"name": "x", "entries": [{"price_usd": "1"}]}"#,
            "entries[0]: missing field `id`",
        ),
        (
            r#"{"name": "x", "entries": [{"id": "hailuo.01", "price_usd": "-1"}]}"#,
            "negative",
        ),
        (
            r#"{"name": "x", "entries": [{"id": "hailuo.01", "price_usd": "0.000000001"}]}"#,
            "finer than one point",
        ),
        (
            r#"{"name": "x", "entries": [{"id": "hailuo.01", "price_usd": "abc"}]}"#,
            "not a decimal number",
        ),
        (
            r#"{"name": "x", "entries": [{"id": "hailuo.01", "unit": "parsec"}]}"#,
            "unknown variant `parsec`",
        ),
        (
            r#"{"name": "x", "entries": [{"id": "new.one", "price_usd": "1"}]}"#,
            "has no row \"new.one\"",
        ),
        (
            r#"{"name": "x", "entries": [{"id": "luma.video_generation", "price_usd": "1"}]}"#,
            "unpriced entry must have no price",
        ),
        (
            r#"{"name": "x", "entries": [], "extra": 1}"#,
            "unknown field `extra`",
        ),
        ("not json", "expected"),
    ];
    for (text, needle) in cases {
        let err = Catalog::builtin().with_overlay(text).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidCatalog, "{text}");
        assert!(err.message.contains(needle), "{text}: {}", err.message);
    }
}

#[test]
fn a_replacement_catalog_is_validated() {
    assert_eq!(
        Catalog::from_json("{}").unwrap_err().kind,
        ErrorKind::InvalidCatalog
    );
    let mut doc: serde_json::Value =
        serde_json::from_str(piapi_billing::catalog::BUILTIN_JSON).unwrap();
    doc["version"] = json!("2027-01");
    let c = Catalog::from_json(&doc.to_string()).unwrap();
    assert_eq!(c.version(), "2027-01");
    let dup = doc["entries"][0].clone();
    doc["entries"].as_array_mut().unwrap().push(dup);
    assert!(
        Catalog::from_json(&doc.to_string())
            .unwrap_err()
            .message
            .contains("duplicate id")
    );
}

#[test]
fn a_patch_changes_only_what_it_gives_and_null_clears() {
    let base = Catalog::builtin();
    let id = "kling.video.3.0.pro.audio";
    let before = base.entry(id).expect("built-in row").clone();
    assert!(before.hya_seat.is_some(), "the row has a seat to clear");
    let text = format!(
        r#"{{"name": "n", "entries": [{{"id": "{id}", "hya_seat": null, "notes": "seat lapsed"}}]}}"#
    );
    let patched = base.with_overlay(&text).expect("valid overlay");
    let after = patched.entry(id).expect("still there");
    assert_eq!(after.hya_seat, None);
    assert_eq!(&*after.notes, "seat lapsed");
    // No price was touched, so the price keeps its own provenance.
    assert_eq!(after.price_usd, before.price_usd);
    assert_eq!(after.confidence, before.confidence);
    assert_eq!(after.source, before.source);
    assert_eq!(
        (&after.unit, &after.quantity),
        (&before.unit, &before.quantity)
    );
}

/// The previous month's catalog still loads, so overlays written for it still apply; a patch
/// for a row the current catalog no longer has is refused by its id.
#[test]
fn the_previous_catalog_loads_and_a_vanished_row_is_refused_by_id() {
    let text = include_str!("../catalog/2026-11.json");
    let old = Catalog::from_json(text).expect("2026-11 loads");
    assert_eq!(old.version(), "2026-11");
    let overlay = r#"{"name": "old", "entries": [{"id": "kling.avatar", "price_usd": "0.05", "status": "active"}]}"#;
    let patched = old
        .with_overlay(overlay)
        .expect("the row exists in 2026-11");
    assert_eq!(
        patched
            .entry("kling.avatar")
            .unwrap()
            .price_usd
            .unwrap()
            .to_string(),
        "0.05"
    );
    let err = Catalog::builtin().with_overlay(overlay).unwrap_err();
    assert!(
        err.message.contains("has no row \"kling.avatar\""),
        "{}",
        err.message
    );
    assert!(
        err.message.contains(Catalog::builtin().version()),
        "{}",
        err.message
    );
}
