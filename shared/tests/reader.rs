//! The hand-written JSON readers agree with the types' JSON Schemas, which are generated from
//! the same serde attributes the results are written with: every property the schema lists is
//! accepted, exactly the schema's `required` properties are required, and anything else is
//! refused by name. A field added to a type but not to its reader (or the other way round)
//! fails here.

use piapi_billing::catalog::BUILTIN_JSON;
use piapi_billing::json::{self, FromJson};
use piapi_billing::model::{AccountFacts, HyaSeat, Plan, TopUpTier, UsageMode};
use piapi_billing::model::{CatalogFile, Entry, EntryPatch, OverlayFile};
use piapi_billing::{
    EstimateArgs, GetTaskCostArgs, ListPricesArgs, PrecheckArgs, QuoteTopUpArgs, TaskSpec,
};
use schemars::JsonSchema;
use serde_json::{Map, Value, json};

/// The object schema of `T`: its property names and its required ones.
fn schema_fields<T: JsonSchema>() -> (Vec<String>, Vec<String>) {
    let schema = schemars::schema_for!(T);
    let schema = schema.as_value();
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{} is an object schema", T::schema_name()))
        .keys()
        .cloned()
        .collect();
    let required = schema["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (props, required)
}

/// Checks `T`'s reader against its schema, starting from a `sample` that has every property.
fn reader_matches_schema<T: FromJson + JsonSchema>(sample: Map<String, Value>) {
    let name = T::schema_name();
    let (props, required) = schema_fields::<T>();
    for p in &props {
        assert!(sample.contains_key(p), "{name}: the sample lacks `{p}`");
    }
    if let Err(e) = json::from_value::<T>(&Value::Object(sample.clone())) {
        panic!("{name}: the full sample is refused: {}", e.message);
    }
    for p in &props {
        let mut without = sample.clone();
        without.remove(p);
        let read = json::from_value::<T>(&Value::Object(without));
        if required.contains(p) {
            let err = read
                .err()
                .unwrap_or_else(|| panic!("{name}: `{p}` is required"));
            assert!(
                err.message.contains(&format!("missing field `{p}`")),
                "{name}: {}",
                err.message
            );
        } else if let Err(e) = read {
            panic!("{name}: `{p}` is optional, yet: {}", e.message);
        }
    }
    let mut extra = sample;
    extra.insert("not_a_field".into(), json!(1));
    let Err(err) = json::from_value::<T>(&Value::Object(extra)) else {
        panic!("{name}: an unknown field is accepted");
    };
    assert!(
        err.message.contains("unknown field `not_a_field`"),
        "{name}: {}",
        err.message
    );
}

fn builtin() -> Value {
    serde_json::from_str(BUILTIN_JSON).expect("the built-in catalog is JSON")
}

/// One object with every key any of `rows` has (the first value seen for each).
fn union_of(rows: &Value) -> Map<String, Value> {
    let mut all = Map::new();
    for row in rows.as_array().expect("a list") {
        for (k, v) in row.as_object().expect("an object") {
            all.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    all
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn catalog_readers_match_their_schemas() {
    let file = builtin();
    reader_matches_schema::<CatalogFile>(object(file.clone()));
    reader_matches_schema::<Entry>(union_of(&file["entries"]));
    reader_matches_schema::<EntryPatch>(union_of(&file["entries"]));
    reader_matches_schema::<OverlayFile>(object(json!({
        "name": "acme", "source": "contract 7", "entries": [{"id": "x", "price_usd": "1"}]
    })));
    reader_matches_schema::<Plan>(union_of(&file["plans"]));
    reader_matches_schema::<HyaSeat>(union_of(&file["hya_seats"]));
    reader_matches_schema::<UsageMode>(union_of(&file["usage_modes"]));
    reader_matches_schema::<TopUpTier>(union_of(&file["top_up_tiers"]));
    reader_matches_schema::<AccountFacts>(object(file["account_facts"].clone()));
}

#[test]
fn argument_readers_match_their_schemas() {
    let task = json!({
        "model": "kling", "task_type": "video_generation", "input": {"duration": 5},
        "config": {"service_mode": "public"}, "count": 2,
        "hints": {"video_seconds": "4.5", "frames": 10, "width": 64, "height": 64}
    });
    reader_matches_schema::<TaskSpec>(object(task.clone()));
    reader_matches_schema::<EstimateArgs>(object(json!({
        "tasks": [task], "plan": "pro", "default_mode": "hya", "relax_used_today": 3
    })));
    reader_matches_schema::<PrecheckArgs>(object(json!({
        "tasks": [task], "plan": "pro", "default_mode": "payg", "relax_used_today": 3,
        "balance_usd": "10", "frozen_usd": 1.5, "hya_seats": ["kling"]
    })));
    reader_matches_schema::<ListPricesArgs>(object(
        json!({"model": "kling", "task_type": "video_generation", "query": "pro"}),
    ));
    reader_matches_schema::<QuoteTopUpArgs>(object(json!({"amount_usd": "700", "plan": "free"})));
    reader_matches_schema::<GetTaskCostArgs>(object(json!({"task_id": "abc"})));
}

/// Writing a catalog with serde and reading it back gives the same catalog.
#[test]
fn a_written_catalog_reads_back_the_same() {
    let catalog = piapi_billing::Catalog::builtin();
    let text = serde_json::to_string(catalog.file()).unwrap();
    let again = piapi_billing::Catalog::from_json(&text).expect("reads back");
    assert_eq!(again.entries(), catalog.entries());
    assert_eq!(again.file().plans, catalog.file().plans);
    assert_eq!(again.file().account_facts, catalog.file().account_facts);
}
