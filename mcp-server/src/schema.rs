//! Tool schemas rewritten for portability across MCP clients.
//!
//! schemars writes a field that accepts several JSON types as a type array (`"type":
//! ["string", "number"]` for money, `["integer", "null"]` for an `Option`). That is legal JSON
//! Schema, but clients that map tool schemas onto a single-`type` dialect (Gemini function
//! declarations, some OpenAPI-based agents) reject the tool or drop the constraint. The
//! rewrite keeps each schema's meaning while using one `type` per schema object:
//! - in input schemas, `null` is dropped from a type array: every nullable argument is also
//!   optional, and leaving it out says the same thing;
//! - any remaining multi-type array becomes `anyOf` branches with one `type` each.
//!
//! Every tool names its schemas with [`input`] and [`output`] (`#[tool(input_schema = ...,
//! output_schema = ...)]`) rather than letting rmcp derive them: rmcp keeps each schema it
//! derives in per-thread caches, two copies per type, for the life of the thread, which on the
//! stdio server's single thread held ~1 MB beyond the rewritten schemas actually served. These
//! functions produce the same schemas as rmcp (same generator settings, top-level `title` and
//! `description` removed), rewritten in place, and keep nothing.
//!
//! They are generated ahead of time: `schemas.json` holds every tool's schemas by type, written
//! by the test `generated_schemas_are_fresh` (which fails until a changed file is committed),
//! and a running server reads them from there instead of running schemars. Generating them at
//! start touched about 1.5 MB of code pages and as much heap, a quarter of the stdio server's
//! resident memory. A type missing from the file is generated as before.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// The `inputSchema` of a tool taking arguments of contract type `T` (what `T` accepts).
pub fn input<T: JsonSchema>() -> Arc<JsonObject> {
    schema_of::<T>(true)
}

/// The `outputSchema` of a tool returning `T` (what `T` serializes to).
pub fn output<T: JsonSchema>() -> Arc<JsonObject> {
    schema_of::<T>(false)
}

/// The generated schemas, keyed `"in <type>"` and `"out <type>"`.
const GENERATED: &str = include_str!("schemas.json");

/// While set (by the freshness test), schemas are generated and recorded, not read.
static RECORDING: Mutex<Option<BTreeMap<String, Value>>> = Mutex::new(None);

fn key<T>(is_input: bool) -> String {
    let side = if is_input { "in" } else { "out" };
    format!("{side} {}", std::any::type_name::<T>())
}

fn schema_of<T: JsonSchema>(is_input: bool) -> Arc<JsonObject> {
    let key = key::<T>(is_input);
    let mut recording = RECORDING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(recorded) = recording.as_mut() {
        let schema = generate::<T>(is_input);
        recorded.insert(key, Value::Object(schema.as_ref().clone()));
        return schema;
    }
    drop(recording);
    let text = generated().get(key.as_str()).map(|raw| raw.get());
    match text.map(serde_json::from_str::<JsonObject>) {
        Some(Ok(schema)) => Arc::new(schema),
        _ => generate::<T>(is_input),
    }
}

/// Each schema's text in the generated file, by key: slices of the file, so that only the
/// schemas a router asks for become trees, once.
fn generated() -> &'static BTreeMap<&'static str, &'static RawValue> {
    static TABLE: OnceLock<BTreeMap<&'static str, &'static RawValue>> = OnceLock::new();
    // The file is written by `record` from serde_json's own output: it always parses.
    TABLE.get_or_init(|| serde_json::from_str(GENERATED).unwrap_or_default())
}

/// Runs `build` with every schema generated afresh, and returns them as `schemas.json` holds
/// them.
pub fn record(build: impl FnOnce()) -> String {
    *RECORDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(BTreeMap::new());
    build();
    let recorded = RECORDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default();
    let mut text = serde_json::to_string_pretty(&recorded).unwrap_or_default();
    text.push('\n');
    text
}

fn generate<T: JsonSchema>(is_input: bool) -> Arc<JsonObject> {
    let settings = if is_input {
        SchemaSettings::draft2020_12()
    } else {
        SchemaSettings::draft2020_12().for_serialize()
    };
    let mut value = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    single_types(&mut value, is_input);
    match value {
        Value::Object(mut object) => {
            // The name and doc comment of the Rust type: noise to a model, as rmcp says.
            object.remove("title");
            object.remove("description");
            Arc::new(object)
        }
        // A boolean schema: `true` accepts anything, as the empty schema does. No contract
        // type produces one.
        _ => Arc::new(JsonObject::new()),
    }
}

fn single_types(value: &mut Value, drop_null: bool) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get("type") {
                let mut types = types.clone();
                if drop_null && types.len() > 1 {
                    types.retain(|t| t != "null");
                }
                match types.as_slice() {
                    [single] => {
                        map.insert("type".into(), single.clone());
                    }
                    [_, _, ..] if !map.contains_key("anyOf") => {
                        map.remove("type");
                        let branches = types.iter().map(|t| json!({ "type": t })).collect();
                        map.insert("anyOf".into(), Value::Array(branches));
                    }
                    _ => {}
                }
            }
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    // Maps from names to schemas: a property may be called `default` too.
                    "properties" | "$defs" | "definitions" | "patternProperties" => {
                        if let Value::Object(named) = child {
                            named.values_mut().for_each(|v| single_types(v, drop_null));
                        }
                    }
                    // Values of these keywords are data, not schemas.
                    "enum" | "const" | "default" | "examples" => {}
                    _ => single_types(child, drop_null),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| single_types(v, drop_null)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut schema: Value, is_input: bool) -> Value {
        single_types(&mut schema, is_input);
        schema
    }

    /// rmcp's own schema for `T`, rewritten the old way: what [`input`] and [`output`] must
    /// reproduce.
    fn rmcp_rewritten(schema: &Arc<JsonObject>, is_input: bool) -> Value {
        run(Value::Object(schema.as_ref().clone()), is_input)
    }

    /// A property named like a keyword (`default`) is still a schema to rewrite.
    #[test]
    fn properties_named_like_keywords_are_rewritten() {
        let schema = json!({"type": "object", "properties": {
            "default": {"type": ["string", "number", "null"]},
            "enum": {"type": ["integer", "null"]}
        }, "default": {"type": ["a", "b"]}});
        let out = run(schema, false);
        assert_eq!(
            out["properties"]["default"],
            json!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]})
        );
        assert_eq!(
            out["properties"]["enum"],
            json!({"anyOf": [{"type": "integer"}, {"type": "null"}]})
        );
        // The `default` keyword's value is data and stays as it is.
        assert_eq!(out["default"], json!({"type": ["a", "b"]}));
    }

    #[test]
    fn schemas_match_rmcps_after_the_rewrite() {
        use piapi_billing::{EstimateArgs, EstimateResult, NoArgs, PrecheckArgs, PrecheckResult};
        use rmcp::handler::server::common::{schema_for_input, schema_for_output};
        let input_of = |ours: Arc<JsonObject>, theirs: Result<Arc<JsonObject>, String>| {
            assert_eq!(
                Value::Object(ours.as_ref().clone()),
                rmcp_rewritten(&theirs.expect("object root"), true)
            );
        };
        input_of(input::<EstimateArgs>(), schema_for_input::<EstimateArgs>());
        input_of(input::<PrecheckArgs>(), schema_for_input::<PrecheckArgs>());
        input_of(input::<NoArgs>(), schema_for_input::<NoArgs>());
        for (ours, theirs) in [
            (
                output::<EstimateResult>(),
                schema_for_output::<EstimateResult>(),
            ),
            (
                output::<PrecheckResult>(),
                schema_for_output::<PrecheckResult>(),
            ),
        ] {
            assert_eq!(
                Value::Object(ours.as_ref().clone()),
                rmcp_rewritten(&theirs, false)
            );
        }
    }

    #[test]
    fn inputs_drop_null_and_split_the_rest() {
        let out = run(
            json!({"type": "object", "properties": {
                "plan": {"type": ["string", "null"]},
                "balance_usd": {"type": ["string", "number", "null"], "pattern": "^[0-9]+$"},
                "count": {"type": "integer", "default": {"type": ["x", "y"]}}
            }}),
            true,
        );
        assert_eq!(out["properties"]["plan"], json!({"type": "string"}));
        assert_eq!(
            out["properties"]["balance_usd"],
            json!({"anyOf": [{"type": "string"}, {"type": "number"}], "pattern": "^[0-9]+$"})
        );
        assert_eq!(
            out["properties"]["count"]["default"],
            json!({"type": ["x", "y"]}),
            "data untouched"
        );
    }

    #[test]
    fn outputs_keep_null_as_a_branch() {
        let out = run(
            json!({"type": "object", "properties": {"seat": {"type": ["string", "null"]}}}),
            false,
        );
        assert_eq!(
            out["properties"]["seat"],
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
        );
    }
}
