//! JSON-RPC error replies for messages rmcp cannot take, shared by both transports.
//!
//! JSON-RPC 2.0 answers every request, even one the server cannot read: a line that is not
//! JSON gets `-32700 Parse error`, a message that is not a valid request gets `-32600 Invalid
//! Request`, and the reply carries the request's `id`, or `"id": null` when none can be read.
//! rmcp alone drops a line it cannot parse (the client then waits until its own timeout),
//! answers an invalid request without any `id` member, and takes a `tools/call` whose
//! `arguments` is not an object for an unknown method (`-32601`). The transports therefore
//! look at each message here first and write the reply themselves when rmcp would not give
//! the right one:
//! - [`check`] looks at a message that parsed (a few field lookups; the common case);
//! - [`unreadable`] answers bytes that did not parse (invalid UTF-8, nesting deeper than the
//!   parser's 128 levels, broken JSON), with the `id` read from them when it can be;
//! - [`oversized`] answers a message longer than the transport takes, from its first bytes.
//!
//! The `id` is read by skipping every other member without building it, so neither invalid
//! UTF-8 elsewhere in the message nor any depth of nesting hides it.

use std::borrow::Cow;
use std::fmt;

use rmcp::model::RequestId;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The text was not JSON, or not JSON this server can read.
pub const PARSE_ERROR: i32 = -32700;
/// The JSON is not a valid request object.
pub const INVALID_REQUEST: i32 = -32600;
/// The request is valid but its parameters are not.
pub const INVALID_PARAMS: i32 = -32602;

/// The longest `got …` quote of a client's value in a message.
const QUOTE_CHARS: usize = 40;

/// An error reply the transport writes itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// The request's `id` (a string or a number, echoed as sent), or `null`.
    pub id: Value,
    pub code: i32,
    pub message: String,
    /// Whether the message was a notification, which expects no reply on stdio.
    pub notification: bool,
}

impl Refusal {
    fn new(id: Value, code: i32, message: impl Into<String>) -> Self {
        Refusal {
            id,
            code,
            message: message.into(),
            notification: false,
        }
    }

    /// The reply as one JSON object, without a newline.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Reply<'a> {
            jsonrpc: &'static str,
            id: &'a Value,
            error: ErrorObject<'a>,
        }
        #[derive(Serialize)]
        struct ErrorObject<'a> {
            code: i32,
            message: &'a str,
        }
        let reply = Reply {
            jsonrpc: "2.0",
            id: &self.id,
            error: ErrorObject {
                code: self.code,
                message: &self.message,
            },
        };
        // Strings and numbers always serialize.
        serde_json::to_vec(&reply).unwrap_or_default()
    }

    /// The reply as one stdio line, newline included.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = self.to_json();
        line.push(b'\n');
        line
    }
}

/// The reply a parsed message needs from the transport, or `None` when rmcp can take it.
///
/// Notifications are left to rmcp (which ignores the ones it cannot read): they expect no
/// reply. So are responses.
pub fn check(message: &Value) -> Option<Refusal> {
    let Some(object) = message.as_object() else {
        let why = if message.is_array() {
            "Invalid Request: JSON-RPC batches are not supported (MCP removed them); send one \
             message at a time"
        } else {
            "Invalid Request: a JSON-RPC message must be a JSON object"
        };
        return Some(Refusal::new(Value::Null, INVALID_REQUEST, why));
    };
    let has = |member| object.contains_key(member);
    if !has("method") && !has("result") && !has("error") {
        return Some(Refusal::new(
            object.get("id").map_or(Value::Null, echo),
            INVALID_REQUEST,
            "Invalid Request: a message needs a \"method\" (a request or a notification), or a \
             \"result\" or an \"error\" (a response)",
        ));
    }
    // Responses (no `method`) are left to rmcp too: a reply to a reply could start a loop.
    let id = object.get("id").filter(|_| has("method"))?;
    let echo = echo(id);
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some(Refusal::new(
            echo,
            INVALID_REQUEST,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    if RequestId::deserialize(id).is_err() {
        return Some(Refusal::new(
            echo,
            INVALID_REQUEST,
            format!(
                "Invalid Request: \"id\" must be a string or a whole number from {} to {}, got {}",
                i64::MIN,
                i64::MAX,
                quote(id)
            ),
        ));
    }
    if object.get("method").and_then(Value::as_str) == Some("tools/call") {
        return tool_call_params(object.get("params"))
            .map(|why| Refusal::new(echo, INVALID_PARAMS, format!("Invalid params: {why}")));
    }
    None
}

/// What is wrong with the `params` of a `tools/call`, if anything.
fn tool_call_params(params: Option<&Value>) -> Option<String> {
    let Some(Value::Object(params)) = params else {
        return Some(format!(
            "tools/call needs params {{\"name\": <tool>, \"arguments\": {{…}}}}: the tool's \
             name and its arguments object, got params {}",
            params.map_or_else(|| "missing".to_owned(), quote)
        ));
    };
    if !params.get("name").is_some_and(Value::is_string) {
        return Some(format!(
            "params.name must be the name of a tool (a string), got {}",
            params
                .get("name")
                .map_or_else(|| "nothing".to_owned(), quote)
        ));
    }
    match params.get("arguments") {
        None | Some(Value::Null | Value::Object(_)) => None,
        Some(other) => Some(format!(
            "params.arguments must be a JSON object of the tool's arguments (e.g. {{}}), got {} {}",
            kind(other),
            quote(other)
        )),
    }
}

/// The reply a whole HTTP body needs before rmcp sees it, or `None` when rmcp can take it.
pub fn check_body(bytes: &[u8]) -> Option<Refusal> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(message) => check(&message),
        Err(e) => Some(unreadable(bytes, &e)),
    }
}

/// The reply to bytes that did not parse as JSON, with the `id` read from them if possible.
pub fn unreadable(bytes: &[u8], error: &serde_json::Error) -> Refusal {
    let probe = Probe::read(bytes);
    let why = if error.to_string().contains("recursion limit") {
        "nesting deeper than 128 levels".to_owned()
    } else {
        error.to_string()
    };
    Refusal {
        notification: probe.complete && probe.id.is_none() && probe.method,
        ..Refusal::new(
            probe.id.as_ref().map_or(Value::Null, echo),
            PARSE_ERROR,
            format!("Parse error: the message is not readable JSON: {why}"),
        )
    }
}

/// The reply to a message longer than `limit` bytes, from its first bytes (`prefix`).
pub fn oversized(prefix: &[u8], limit: usize) -> Refusal {
    let probe = Probe::read(prefix);
    Refusal::new(
        probe.id.as_ref().map_or(Value::Null, echo),
        INVALID_REQUEST,
        format!(
            "Invalid Request: the message is longer than the limit of {limit} bytes and was \
             discarded"
        ),
    )
}

/// The `id` of the message whose bytes are `bytes` (complete or not), if it can be read.
pub fn read_id(bytes: &[u8]) -> Value {
    Probe::read(bytes).id.as_ref().map_or(Value::Null, echo)
}

/// An id echoed in a reply: a string or a number as sent (serde_json keeps a number's
/// digits), anything else `null`.
fn echo(id: &Value) -> Value {
    match id {
        Value::String(_) | Value::Number(_) => id.clone(),
        _ => Value::Null,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A client's value quoted in a message, clipped so that a huge value stays a short message.
pub fn quote(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// What can be read of a message's top-level members without parsing the rest.
#[derive(Default)]
struct Probe {
    id: Option<Value>,
    method: bool,
    /// The whole message was a well-formed JSON object.
    complete: bool,
}

impl Probe {
    /// Reads the top-level `id` and `method` of `bytes`. serde_json skips ignored values
    /// iteratively (no depth limit) and without checking their UTF-8, and members already
    /// read are kept when a later part of the text fails.
    fn read(bytes: &[u8]) -> Probe {
        let mut probe = Probe::default();
        let mut reader = serde_json::Deserializer::from_slice(bytes);
        let read = ProbeSeed(&mut probe).deserialize(&mut reader);
        probe.complete = read.is_ok() && reader.end().is_ok();
        probe
    }
}

struct ProbeSeed<'p>(&'p mut Probe);

impl<'de> DeserializeSeed<'de> for ProbeSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ProbeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "id" => self.0.id = Some(map.next_value::<Value>()?),
                "method" => {
                    self.0.method = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(serde::de::Error::custom("a batch"))
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse_error(bytes: &[u8]) -> serde_json::Error {
        serde_json::from_slice::<Value>(bytes).expect_err("not readable")
    }

    #[test]
    fn ids_are_read_from_unreadable_lines() {
        let bad_utf8 =
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":\"1\xff\"}}";
        let refusal = unreadable(bad_utf8, &parse_error(bad_utf8));
        assert_eq!((refusal.id, refusal.code), (json!(1), PARSE_ERROR));
        assert!(!refusal.notification);

        let deep = format!(
            r#"{{"jsonrpc":"2.0","method":"m","params":{}{},"id":"late"}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let refusal = unreadable(deep.as_bytes(), &parse_error(deep.as_bytes()));
        assert_eq!(refusal.id, json!("late"));
        assert!(
            refusal.message.contains("nesting deeper than 128"),
            "{refusal:?}"
        );

        let garbage = b"{this is not json";
        let refusal = unreadable(garbage, &parse_error(garbage));
        assert_eq!(refusal.id, Value::Null);

        let notification = b"{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":\"\xff\"}";
        assert!(unreadable(notification, &parse_error(notification)).notification);
    }

    #[test]
    fn an_oversized_prefix_still_names_its_id() {
        let prefix = br#"{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"arguments":{"x":"aaaa"#;
        let refusal = oversized(prefix, 10);
        assert_eq!((refusal.id, refusal.code), (json!("big"), INVALID_REQUEST));
        assert!(refusal.message.contains("10 bytes"));
    }

    #[test]
    fn invalid_requests_echo_their_id() {
        for (message, id) in [
            (
                json!({"jsonrpc": "1.0", "id": 7, "method": "ping"}),
                json!(7),
            ),
            (json!({"id": 7, "method": "ping"}), json!(7)),
            (
                json!({"jsonrpc": "2.0", "id": null, "method": "ping"}),
                Value::Null,
            ),
            (
                json!({"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}),
                Value::Null,
            ),
        ] {
            let refusal = check(&message).expect("refused");
            assert_eq!(
                (refusal.id, refusal.code),
                (id, INVALID_REQUEST),
                "{message}"
            );
        }
        for text in ["1.5", "1e999", &"9".repeat(10_000)] {
            let message: Value = serde_json::from_str(&format!(
                r#"{{"jsonrpc":"2.0","id":{text},"method":"ping"}}"#
            ))
            .expect("JSON");
            let refusal = check(&message).expect("refused");
            let sent: Value = serde_json::from_str(text).expect("a number");
            assert_eq!(refusal.id, sent, "the id is echoed as sent");
        }
        let batch = check(&json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}])).expect("batch");
        assert_eq!(batch.id, Value::Null);
        assert!(batch.message.contains("batches"));
        assert!(check(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).is_none());
        assert!(check(&json!({"jsonrpc": "1.0", "method": "notifications/x"})).is_none());
        assert!(check(&json!({"jsonrpc": "2.0", "id": null, "error": {"code": 1}})).is_none());
        let neither = check(&json!({"jsonrpc": "2.0", "id": 3, "params": {}})).expect("refused");
        assert_eq!((neither.id, neither.code), (json!(3), INVALID_REQUEST));
    }

    #[test]
    fn tool_calls_need_an_arguments_object() {
        for params in [
            None,
            Some(Value::Null),
            Some(json!({"name": "estimate_cost", "arguments": [1]})),
            Some(json!({"name": "estimate_cost", "arguments": "str"})),
            Some(json!({"name": "estimate_cost", "arguments": 1})),
        ] {
            let mut message = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call"});
            if let Some(params) = params {
                message["params"] = params;
            }
            let refusal = check(&message).expect("refused");
            assert_eq!(
                (refusal.id.clone(), refusal.code),
                (json!(8), INVALID_PARAMS)
            );
            assert!(refusal.message.contains("arguments"), "{refusal:?}");
        }
        for arguments in [json!({}), Value::Null] {
            let message = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                "params": {"name": "list_plans", "arguments": arguments}});
            assert!(check(&message).is_none(), "{message}");
        }
    }

    #[test]
    fn replies_always_carry_an_id_member() {
        let reply: Value = serde_json::from_slice(
            &Refusal::new(Value::Null, PARSE_ERROR, "Parse error").to_json(),
        )
        .expect("JSON");
        assert_eq!(
            reply,
            json!({"jsonrpc": "2.0", "id": null,
            "error": {"code": -32700, "message": "Parse error"}})
        );
        let text = Refusal::new(json!(1), PARSE_ERROR, "m").to_json();
        assert!(text.starts_with(br#"{"jsonrpc":"2.0","id":1,"error":"#));
    }
}
