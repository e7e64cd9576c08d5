//! Reads a page of the account's task history (`GET /api/open/tasks/histories`, facts §6):
//! `{code, data: {data: [{task_id, task_model, action, status, service_mode, usage,
//! usage_type, created_at, detail}], page, size, total}}`.
//!
//! A page is read item by item: an item that cannot be counted (no id, a usage that is not a
//! whole number of points, an unknown status, no creation time) is skipped with the reason
//! rather than failing the page or being counted as zero, so a report's total is never silently
//! wrong. `detail` is not read: the task view gives the request.

use serde_json::{Map, Value};

use super::{Path, PiapiShapeError, describe, points, present, unwrap_envelope};
use crate::contract::SkippedTask;
use crate::ops::spend::{HistoryTask, TaskState};
use crate::ops::window::parse_rfc3339;

/// One page of the history, read.
#[derive(Clone, Debug, Default)]
pub struct HistoryPage {
    pub tasks: Vec<HistoryTask>,
    pub skipped: Vec<SkippedTask>,
    /// How many tasks the whole history holds for the query, when PiAPI says.
    pub total: Option<u64>,
}

/// Reads one page. `Err` only when the body is not a history page at all.
pub fn read_page(body: &Value) -> Result<HistoryPage, PiapiShapeError> {
    let (data, at) = unwrap_envelope(body)?;
    let items = ["data", "list", "items"]
        .iter()
        .find_map(|k| present(data, k).map(|v| (*k, v)));
    let Some((key, Value::Array(items))) = items else {
        return Err(PiapiShapeError::at(
            at.key("data"),
            "expected the list of tasks as an array (looked for data, list and items)",
        ));
    };
    let total = match present(data, "total") {
        Some(v) => Some(points(v, &at.key("total")).map_err(|mut e| {
            e.message = format!(
                "PiAPI response field {}: expected a whole number",
                at.key("total")
            );
            e
        })?),
        None => None,
    };
    let mut page = HistoryPage {
        total,
        ..HistoryPage::default()
    };
    let list = at.child(key);
    for (i, item) in items.iter().enumerate() {
        match read_item(item, &list.key(&i.to_string())) {
            Ok(task) => page.tasks.push(task),
            Err(skip) => page.skipped.push(skip),
        }
    }
    Ok(page)
}

fn read_item(item: &Value, at: &str) -> Result<HistoryTask, SkippedTask> {
    let Value::Object(item) = item else {
        return Err(skip(
            None,
            format!("{at}: expected a task object, got {}", describe(item)),
        ));
    };
    let task_id = match present(item, "task_id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(skip(None, format!("{at}: the task has no task_id"))),
    };
    let id = Some(task_id.as_str());
    let status = text(item, "status").to_ascii_lowercase();
    let state = match status.as_str() {
        "completed" | "failed" => TaskState::Finished,
        "pending" | "processing" | "staged" => TaskState::Running,
        other => {
            return Err(skip(
                id,
                format!(
                    "status \"{other}\" is none of completed, failed, pending, processing or staged"
                ),
            ));
        }
    };
    let points = usage_points(item, state).map_err(|why| skip(id, why))?;
    let created_at = created_at(item).map_err(|why| skip(id, why))?;
    Ok(HistoryTask {
        model: first_text(item, &["task_model", "model"]),
        task_type: first_text(item, &["action", "task_type"]),
        service_mode: text(item, "service_mode").to_ascii_lowercase(),
        task_id,
        status,
        state,
        points,
        created_at,
        key_id: None,
    })
}

/// `usage` in points: a whole number (or its text), or `{frozen, consume}` as in a task view,
/// where a finished task counts what was consumed and a running one what is frozen. A missing
/// usage is nothing charged yet. `usage_type`, when given, must be `point`.
fn usage_points(item: &Map<String, Value>, state: TaskState) -> Result<u64, String> {
    match present(item, "usage_type") {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("point") => {}
        Some(other) => {
            return Err(format!(
                "usage_type {} is not \"point\"; no other unit has a documented dollar value",
                describe(other)
            ));
        }
    }
    let at = Path::root();
    match present(item, "usage") {
        None => Ok(0),
        Some(Value::Object(usage)) => {
            let key = match state {
                TaskState::Finished => "consume",
                TaskState::Running => "frozen",
            };
            match present(usage, key) {
                Some(v) => points(v, &format!("usage.{key}")).map_err(|e| e.message),
                None => Err(format!("usage is an object without {key}")),
            }
        }
        Some(v) => points(v, &at.key("usage")).map_err(|e| e.message),
    }
}

/// `created_at`: RFC 3339, or Unix seconds (milliseconds when it is too large for seconds).
fn created_at(item: &Map<String, Value>) -> Result<i64, String> {
    const MS_THRESHOLD: i64 = 100_000_000_000;
    let unix = |n: i64| if n >= MS_THRESHOLD { n / 1000 } else { n };
    match present(item, "created_at") {
        Some(Value::String(s)) => parse_rfc3339(s)
            .or_else(|| s.trim().parse::<i64>().ok().map(unix))
            .ok_or_else(|| {
                format!(
                    "created_at {} is not an RFC 3339 time",
                    describe(&Value::String(s.clone()))
                )
            }),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(unix)
            .ok_or_else(|| format!("created_at {n} is not a whole number of seconds")),
        Some(other) => Err(format!(
            "created_at: expected a time, got {}",
            describe(other)
        )),
        None => Err("the task has no created_at".to_owned()),
    }
}

fn text(item: &Map<String, Value>, key: &str) -> String {
    match present(item, key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        _ => String::new(),
    }
}

fn first_text(item: &Map<String, Value>, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| text(item, k))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

fn skip(task_id: Option<&str>, reason: String) -> SkippedTask {
    SkippedTask {
        task_id: task_id.map(str::to_owned),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn page(items: Value) -> HistoryPage {
        read_page(&json!({"code": 200, "message": "success",
            "data": {"data": items, "page": 1, "size": 100, "total": 42}}))
        .unwrap()
    }

    #[test]
    fn items_of_every_documented_shape_are_read() {
        let p = page(json!([
            {"task_id": "a", "task_model": "kling", "action": "video_generation",
             "status": "Completed", "service_mode": "public", "usage": 20000000,
             "usage_type": "point", "created_at": "2026-11-24T16:58:00Z", "detail": {}},
            {"task_id": "b", "task_model": "flux", "action": "txt2img", "status": "pending",
             "usage": {"type": "point", "frozen": 150000, "consume": 0},
             "created_at": 1795539600},
            {"task_id": "c", "model": "mj", "task_type": "imagine", "status": "failed",
             "usage": "0", "created_at": "1795539600000"}
        ]));
        assert_eq!(p.total, Some(42));
        assert!(p.skipped.is_empty(), "{:?}", p.skipped);
        let [a, b, c] = &p.tasks[..] else {
            panic!("three tasks")
        };
        assert_eq!(
            (a.model.as_str(), a.task_type.as_str()),
            ("kling", "video_generation")
        );
        assert_eq!(
            (a.state, a.points, a.created_at),
            (TaskState::Finished, 20_000_000, 1_795_539_480)
        );
        assert_eq!(
            (b.state, b.points, b.created_at),
            (TaskState::Running, 150_000, 1_795_539_600)
        );
        assert_eq!(
            (c.model.as_str(), c.points, c.created_at),
            ("mj", 0, 1_795_539_600)
        );
    }

    #[test]
    fn items_that_cannot_be_counted_are_skipped_with_the_reason() {
        let p = page(json!([
            {"task_id": "u1", "status": "completed", "usage": "lots", "created_at": 1},
            {"task_id": "u2", "status": "completed", "usage": 1.5, "created_at": 1},
            {"task_id": "u3", "status": "completed", "usage": 5, "usage_type": "credit", "created_at": 1},
            {"task_id": "u4", "status": "completed", "usage": {"frozen": 5}, "created_at": 1},
            {"task_id": "s1", "status": "exploded", "usage": 5, "created_at": 1},
            {"task_id": "t1", "status": "completed", "usage": 5},
            {"status": "completed", "usage": 5, "created_at": 1},
            "not a task"
        ]));
        assert!(p.tasks.is_empty());
        let reasons: Vec<(Option<&str>, &str)> = p
            .skipped
            .iter()
            .map(|s| (s.task_id.as_deref(), s.reason.as_str()))
            .collect();
        for (i, (id, says)) in [
            (Some("u1"), "not a decimal"),
            (Some("u2"), "whole number"),
            (Some("u3"), "usage_type"),
            (Some("u4"), "without consume"),
            (Some("s1"), "status \"exploded\""),
            (Some("t1"), "no created_at"),
            (None, "no task_id"),
            (None, "expected a task object"),
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(reasons[i].0, id);
            assert!(
                reasons[i].1.contains(says),
                "{:?} should say {says}",
                reasons[i]
            );
        }
    }

    #[test]
    fn a_body_that_is_not_a_history_page_is_an_error() {
        assert!(read_page(&json!({"code": 200, "data": {"page": 1}})).is_err());
        let e = read_page(&json!({"code": 500, "message": "boom", "data": null})).unwrap_err();
        assert_eq!(e.api_code, Some(500));
    }
}
