//! Why a line could not be priced, in words that name the field to change and the values
//! that are priced.

use serde_json::{Map, Value};

use super::values::{effective, show, value_matches};
use crate::catalog::Catalog;
use crate::contract::LineErrorCode;
use crate::model::Entry;

pub(super) fn unknown_service(
    catalog: &Catalog,
    model: &str,
    task_type: &str,
) -> (LineErrorCode, String) {
    if catalog.has_model(model) {
        let known = catalog.task_types(model).join(", ");
        return (
            LineErrorCode::UnknownTaskType,
            format!(
                "model \"{model}\" has no task_type \"{task_type}\"; known task types: {known}"
            ),
        );
    }
    let lower = model.to_ascii_lowercase();
    let near = catalog.models().find(|m| {
        m.to_ascii_lowercase() == lower || m.to_ascii_lowercase().ends_with(&format!("/{lower}"))
    });
    let hint = near
        .map(|m| format!(" (did you mean \"{m}\"?)"))
        .unwrap_or_default();
    let known: Vec<&str> = catalog.models().collect();
    (
        LineErrorCode::UnknownModel,
        format!(
            "unknown model \"{model}\"{hint}; known models: {}",
            known.join(", ")
        ),
    )
}

/// Explains why no entry matched: the first selecting field whose value is missing or not
/// allowed, or else the combinations that are priced.
pub(super) fn no_match(
    candidates: &[&Entry],
    input: &Map<String, Value>,
) -> (LineErrorCode, String) {
    let regular: Vec<&Entry> = candidates
        .iter()
        .copied()
        .filter(|e| e.when_present.is_empty())
        .collect();
    // Walk the selecting fields from the most discriminating (e.g. `version`, with many values)
    // to the least, narrowing to the entries the caller's values still fit, so the message
    // names the field to change in the context of the ones that already fit.
    let mut remaining = regular.clone();
    let mut fitted: Vec<String> = Vec::new();
    for field in selecting_fields(&regular) {
        let relevant: Vec<&Entry> = remaining
            .iter()
            .copied()
            .filter(|e| e.select.contains_key(field))
            .collect();
        if relevant.is_empty() {
            continue;
        }
        let allowed = allowed_values(&relevant, field).join(", ");
        let context = if fitted.is_empty() {
            String::new()
        } else {
            format!(" with {}", fitted.join(", "))
        };
        let Some((value, _)) = relevant.iter().find_map(|e| effective(e, input, field)) else {
            let msg = format!("input.{field} is required{context}; allowed values: {allowed}");
            return (LineErrorCode::InvalidInput, msg);
        };
        let fitting: Vec<&Entry> = remaining
            .iter()
            .copied()
            .filter(|e| fits(e, input, field))
            .collect();
        if fitting.is_empty() {
            let msg = format!(
                "input.{field} = {} is not priced{context}; allowed values: {allowed}",
                show(value)
            );
            return (LineErrorCode::InvalidInput, msg);
        }
        fitted.push(format!("{field}={}", show(value)));
        remaining = fitting;
    }
    (
        LineErrorCode::InvalidInput,
        format!(
            "this combination of inputs has no price; priced combinations: {}",
            combinations(&regular)
        ),
    )
}

/// The fields the entries select on, the one with the most distinct values first.
fn selecting_fields<'e>(entries: &[&'e Entry]) -> Vec<&'e str> {
    let mut fields: Vec<(&str, usize)> = Vec::new();
    for e in entries {
        for f in e.select.keys() {
            if !fields.iter().any(|(n, _)| n == f) {
                let mut distinct: Vec<String> = entries
                    .iter()
                    .filter_map(|e| e.select.get(f))
                    .map(show)
                    .collect();
                crate::sort::sort_dedup(&mut distinct);
                fields.push((f, distinct.len()));
            }
        }
    }
    crate::sort::sort_by(&mut fields, |a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    fields.into_iter().map(|(f, _)| f).collect()
}

/// Every value of `field` some entry accepts, as JSON text, in catalog order.
fn allowed_values(entries: &[&Entry], field: &str) -> Vec<String> {
    let mut allowed: Vec<String> = Vec::new();
    for e in entries {
        let values = match &e.select[field] {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        };
        for v in values {
            let s = show(&v);
            if !allowed.contains(&s) {
                allowed.push(s);
            }
        }
    }
    allowed
}

/// True when the entry does not select on `field` or accepts the task's value of it.
fn fits(e: &Entry, input: &Map<String, Value>, field: &str) -> bool {
    match (e.select.get(field), effective(e, input, field)) {
        (Some(want), Some((v, _))) => value_matches(want, v),
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// `[a=1, b="x"], …` for every entry.
fn combinations(entries: &[&Entry]) -> String {
    let combos: Vec<String> = entries
        .iter()
        .map(|e| {
            let parts: Vec<String> = e
                .select
                .iter()
                .map(|(k, v)| format!("{k}={}", show(v)))
                .collect();
            format!("[{}]", parts.join(", "))
        })
        .collect();
    combos.join(", ")
}
