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

impl<T: DeserializeOwned> CoreArgs<T> {
    /// Parses the arguments of a server-only tool (the ledger's), whose types are serde-derived
    /// because no other front end reads them, with the same `path: message` shape.
    pub fn parse_serde(self) -> Result<T, piapi_billing::Error> {
        serde_path_to_error::deserialize(Value::Object(self.raw)).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            piapi_billing::Error::invalid(if path == "." { String::new() } else { path }, message)
        })
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

    #[test]
    fn the_schema_is_the_contract_schema() {
        let ours = schemars::schema_for!(CoreArgs<EstimateArgs>);
        let theirs = schemars::schema_for!(EstimateArgs);
        assert_eq!(ours, theirs);
    }
}
