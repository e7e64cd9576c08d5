//! Choosing what prices a line: the usage mode from `config.service_mode`, then the first
//! catalog entry whose selecting inputs the task's input (or the entry's documented defaults)
//! matches.

use serde_json::{Map, Value};

use super::values::{effective, is_set, show, value_matches};
use super::{LineResult, invalid};
use crate::catalog::Catalog;
use crate::model::{Entry, Mode};
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

pub(super) fn select_entry<'c>(
    catalog: &'c Catalog,
    candidates: &[usize],
    input: &Map<String, Value>,
    defaults_used: &mut Vec<Text>,
) -> LineResult<&'c Entry> {
    let entries = catalog.entries();
    'entries: for entry in candidates.iter().map(|&i| &entries[i]) {
        let any_set = |fields: &[String]| fields.iter().any(|f| is_set(input.get(f.as_str())));
        if (!entry.when_present.is_empty() && !any_set(&entry.when_present))
            || any_set(&entry.when_absent)
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
