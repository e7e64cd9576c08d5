//! Choosing what prices a line: the usage mode from `config.service_mode`, then the first
//! catalog entry whose selecting inputs the task's input (or the entry's documented defaults)
//! matches.

use serde_json::{Map, Value};

use super::{LineResult, invalid};
use crate::catalog::Catalog;
use crate::model::{Entry, Mode};
use crate::money::parse_decimal;
use crate::text::Text;

pub(super) fn resolve_mode(
    config: &Map<String, Value>,
    default_mode: Option<Mode>,
    defaults_used: &mut Vec<Text>,
) -> LineResult<Mode> {
    match config.get("service_mode") {
        Some(Value::String(s)) if s == "public" => Ok(Mode::Payg),
        Some(Value::String(s)) if s == "private" => Ok(Mode::Hya),
        None | Some(Value::Null) => Ok(default_service_mode(default_mode, defaults_used)),
        Some(Value::String(s)) if s.is_empty() => {
            Ok(default_service_mode(default_mode, defaults_used))
        }
        Some(other) => invalid(format!(
            "config.service_mode must be \"public\", \"private\" or \"\", got {}",
            show(other)
        )),
    }
}

fn default_service_mode(default_mode: Option<Mode>, defaults_used: &mut Vec<Text>) -> Mode {
    let mode = default_mode.unwrap_or(Mode::Payg);
    defaults_used.push(Text::from_static(match mode {
        Mode::Payg => "config.service_mode=public",
        Mode::Hya => "config.service_mode=private",
    }));
    mode
}

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
    serde_json::to_string(v).unwrap_or_default()
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

pub(super) fn select_entry<'c>(
    catalog: &'c Catalog,
    candidates: &[usize],
    input: &Map<String, Value>,
    defaults_used: &mut Vec<Text>,
) -> LineResult<&'c Entry> {
    let entries = catalog.entries();
    'entries: for entry in candidates.iter().map(|&i| &entries[i]) {
        if !entry.when_present.is_empty()
            && !entry
                .when_present
                .iter()
                .any(|f| is_set(input.get(f.as_str())))
        {
            continue;
        }
        // Defaults are recorded as they are applied and rolled back if the entry does not fit.
        let before = defaults_used.len();
        for (field, want) in &entry.select {
            match effective(entry, input, field) {
                Some((got, from_default)) if value_matches(want, got) => {
                    if from_default {
                        defaults_used.push(entry.default_label(field, || got.clone()));
                    }
                }
                _ => {
                    defaults_used.truncate(before);
                    continue 'entries;
                }
            }
        }
        return Ok(entry);
    }
    let all: Vec<&Entry> = candidates.iter().map(|&i| &entries[i]).collect();
    Err(super::diagnose::no_match(&all, input))
}
