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

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::JsonObject;
use serde_json::{Value, json};

/// Rewrites the input and output schema of every tool in `router`.
pub fn make_portable<S>(router: &mut ToolRouter<S>) {
    for route in router.map.values_mut() {
        route.attr.input_schema = rewrite(&route.attr.input_schema, true);
        if let Some(output) = &route.attr.output_schema {
            route.attr.output_schema = Some(rewrite(output, false));
        }
    }
}

fn rewrite(schema: &Arc<JsonObject>, is_input: bool) -> Arc<JsonObject> {
    let mut value = Value::Object(schema.as_ref().clone());
    single_types(&mut value, is_input);
    match value {
        Value::Object(object) => Arc::new(object),
        _ => schema.clone(),
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
                // Values of these keywords are data, not schemas.
                if !matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    single_types(child, drop_null);
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

    fn run(schema: Value, is_input: bool) -> Value {
        let Value::Object(object) = schema else {
            panic!("object")
        };
        Value::Object(rewrite(&Arc::new(object), is_input).as_ref().clone())
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
