//! Tool arguments parsed by the billing core rather than by rmcp.
//!
//! rmcp would deserialize a tool's arguments itself and, on failure, answer with serde's bare
//! message ("failed to deserialize parameters: missing field ..."), which names no JSON path.
//! The core's parser names the exact path (`tasks[2].count: ...`) and is the one the WASM module
//! and the golden vectors use, so the same bad argument gets the same message on every front
//! end. [`CoreArgs`] therefore accepts any JSON object on the wire, advertises the contract
//! type's schema, and defers parsing to [`CoreArgs::parse`].

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use serde_path_to_error::Segment;

/// The raw arguments of a tool whose contract type is `T`.
pub struct CoreArgs<T> {
    raw: Map<String, Value>,
    contract: PhantomData<fn() -> T>,
}

impl<T: piapi_billing::json::FromJson> CoreArgs<T> {
    /// Parses the arguments with the core's path-aware messages.
    pub fn parse(self) -> Result<T, piapi_billing::Error> {
        piapi_billing::json::from_value(&Value::Object(self.raw))
    }
}

impl<T: DeserializeOwned + JsonSchema> CoreArgs<T> {
    /// Parses the arguments of a server-only tool (the ledger's), whose types are serde-derived
    /// because no other front end reads them, with the same `path: message` shape.
    ///
    /// serde's own message for a number it cannot take is bare ("invalid number" for `1e999`,
    /// "expected u32" for `-0.0`), so an error at a whole-number field is reworded from the
    /// field's schema to state the allowed range, as the core's messages do.
    pub fn parse_serde(self) -> Result<T, piapi_billing::Error> {
        serde_path_to_error::deserialize(Value::Object(self.raw.clone())).map_err(|e| {
            let path = e.path().to_string();
            let message = whole_number_message::<T>(&self.raw, e.path())
                .unwrap_or_else(|| e.into_inner().to_string());
            piapi_billing::Error::invalid(if path == "." { String::new() } else { path }, message)
        })
    }
}

/// "must be a whole number from MIN to MAX, got …" when `path` names an integer field of
/// `T`'s schema, from the schema's `minimum` and `maximum`.
fn whole_number_message<T: JsonSchema>(
    raw: &Map<String, Value>,
    path: &serde_path_to_error::Path,
) -> Option<String> {
    let root = schemars::schema_for!(T).to_value();
    let mut schema = &root;
    let mut value = None::<&Value>;
    for segment in path.iter() {
        match segment {
            Segment::Map { key } => {
                schema = resolve(&root, schema.get("properties")?.get(key)?)?;
                value = match value {
                    None => raw.get(key),
                    Some(parent) => parent.get(key),
                };
            }
            Segment::Seq { index } => {
                schema = resolve(&root, schema.get("items")?)?;
                value = value.and_then(|v| v.get(*index));
            }
            _ => return None,
        }
    }
    let is_integer = match schema.get("type")? {
        Value::String(t) => t == "integer",
        Value::Array(types) => types.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !is_integer {
        return None;
    }
    let min = schema
        .get("minimum")
        .map_or_else(|| "0".to_owned(), Value::to_string);
    let range = match schema.get("maximum") {
        Some(max) => format!("from {min} to {max}"),
        None => format!("of at least {min}"),
    };
    let got = value.map_or_else(|| "nothing".to_owned(), crate::jsonrpc::quote);
    Some(format!("must be a whole number {range}, got {got}"))
}

/// A property schema with a `$ref` into `$defs` followed.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => root.get("$defs")?.get(reference.strip_prefix("#/$defs/")?),
        None => Some(schema),
    }
}

impl<'de, T> Deserialize<'de> for CoreArgs<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Map::deserialize(d).map(|raw| CoreArgs {
            raw,
            contract: PhantomData,
        })
    }
}

impl<T: JsonSchema> JsonSchema for CoreArgs<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

#[cfg(test)]
mod tests {
    use piapi_billing::EstimateArgs;
    use serde_json::json;

    use super::*;

    #[test]
    fn bad_arguments_get_the_core_message_with_the_path() {
        let args: CoreArgs<EstimateArgs> = serde_json::from_value(
            json!({"tasks": [{"model": "kling", "task_type": "x", "count": "many"}]}),
        )
        .expect("any object is accepted on the wire");
        let err = args.parse().expect_err("count must be an integer");
        assert_eq!(err.field.as_deref(), Some("tasks[0].count"));
        assert!(
            err.message.starts_with("tasks[0].count: "),
            "{}",
            err.message
        );
    }

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only parsed, to see the errors")]
    struct Ranged {
        #[serde(default)]
        #[schemars(range(min = 1, max = 1000))]
        limit: Option<u32>,
        #[serde(default)]
        open: Option<u64>,
        #[serde(default)]
        name: Option<String>,
    }

    #[test]
    fn number_errors_state_the_allowed_range() {
        let parse = |args: Value| {
            serde_json::from_value::<CoreArgs<Ranged>>(args)
                .expect("an object")
                .parse_serde()
                .expect_err("refused")
                .message
        };
        for bad in ["-0.0", "1e999", "1e-31", "1.5", "true", "\"5\""] {
            let args: Value =
                serde_json::from_str(&format!(r#"{{"limit": {bad}}}"#)).expect("JSON");
            let message = parse(args);
            assert!(
                message.starts_with("limit: must be a whole number from 1 to 1000, got "),
                "{bad}: {message}"
            );
        }
        let digits = "9".repeat(10_000);
        let message =
            parse(serde_json::from_str(&format!(r#"{{"open": {digits}}}"#)).expect("JSON"));
        assert!(
            message.starts_with("open: must be a whole number of at least 0, got 999"),
            "{message}"
        );
        assert!(message.len() < 120, "the value is clipped: {message}");
        let message = parse(json!({"name": 5}));
        assert!(
            message.contains("expected a string"),
            "other fields keep serde's message: {message}"
        );
        let message = parse(json!({"nope": 1}));
        assert!(message.contains("unknown field"), "{message}");
    }

    #[test]
    fn the_schema_is_the_contract_schema() {
        let ours = schemars::schema_for!(CoreArgs<EstimateArgs>);
        let theirs = schemars::schema_for!(EstimateArgs);
        assert_eq!(ours, theirs);
    }
}
