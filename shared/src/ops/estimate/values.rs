//! Reading a task's input values the way PiAPI does: present-and-set, numbers compared by
//! value whether sent as numbers or text, and an entry's documented defaults for what is
//! missing. Shared by entry selection and by the messages that explain a failed selection.

use serde_json::{Map, Value};

use crate::model::Entry;
use crate::money::parse_decimal;

/// True when an input is present and not `null`, `false` or empty.
pub(super) fn is_set(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

/// JSON text of a value, for messages.
pub(super) fn show(v: &Value) -> String {
    crate::json::write::to_string(v)
}

fn scalar_eq(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => num_eq(a.as_str(), b.as_str()),
        // Workflow tools often carry numbers as text: "10" selects duration 10.
        (Value::Number(a), Value::String(b)) => num_eq(a.as_str(), b),
        // A version sent as a JSON number (3.0) selects the string "3.0" by its digits.
        (Value::String(a), Value::Number(b)) => a == b.as_str(),
        _ => false,
    }
}

/// Numbers compare by value ("10" = "10.0"); the same digits need no parsing.
fn num_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (parse_decimal(a), parse_decimal(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

pub(super) fn value_matches(want: &Value, got: &Value) -> bool {
    match want {
        Value::Array(options) => options.iter().any(|w| scalar_eq(w, got)),
        w => scalar_eq(w, got),
    }
}

/// The input value an entry sees for a field: the caller's, else the entry's default.
pub(super) fn effective<'a>(
    entry: &'a Entry,
    input: &'a Map<String, Value>,
    field: &str,
) -> Option<(&'a Value, bool)> {
    match input.get(field) {
        Some(v) if !v.is_null() => Some((v, false)),
        _ => entry.defaults.get(field).map(|d| (d, true)),
    }
}
