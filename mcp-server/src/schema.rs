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

use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// The `inputSchema` of a tool taking arguments of contract type `T` (what `T` accepts).
pub fn input<T: JsonSchema>() -> Arc<JsonObject> {
    generate::<T>(SchemaSettings::draft2020_12(), true)
}

/// The `outputSchema` of a tool returning `T` (what `T` serializes to).
pub fn output<T: JsonSchema>() -> Arc<JsonObject> {
    generate::<T>(SchemaSettings::draft2020_12().for_serialize(), false)
}

fn generate<T: JsonSchema>(settings: SchemaSettings, is_input: bool) -> Arc<JsonObject> {
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
