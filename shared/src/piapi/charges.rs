//! From the account's history and task views to the `reconcile_charges` report.
//!
//! The front end lists the history ([`super::history`]), asks [`select`] which tasks to fetch,
//! fetches their views, and hands the bodies (or why a fetch failed) to [`reconcile_views`];
//! everything that judges — which tasks count, what each view says, how it compares with the
//! catalog — happens here and in [`crate::ops::reconcile`].

use serde_json::Value;

use super::task_view;
use crate::catalog::Catalog;
use crate::contract::{ReconcileReport, SkippedTask};
use crate::ops::reconcile::{CheckedTask, ReconcileInput, compare, reconcile};
use crate::ops::spend::{HistoryRead, HistoryTask};
use crate::ops::window::Window;

/// The tasks whose views a reconciliation fetches, and what it leaves out.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub fetch: Vec<HistoryTask>,
    pub skipped: Vec<SkippedTask>,
    pub truncated: bool,
}

/// The completed tasks of `history` inside `window`, newest first, at most `max_tasks`; other
/// tasks in the window are skipped with their status (only a completed task's charge is final).
pub fn select(history: &HistoryRead, window: Window, max_tasks: usize) -> Selection {
    let mut selection = Selection {
        skipped: history.skipped.clone(),
        truncated: history.truncated,
        ..Selection::default()
    };
    let mut completed: Vec<&HistoryTask> = Vec::new();
    for task in history
        .tasks
        .iter()
        .filter(|t| window.contains(t.created_at))
    {
        if task.status == "completed" {
            completed.push(task);
        } else {
            selection.skipped.push(SkippedTask {
                task_id: Some(task.task_id.clone()),
                reason: format!(
                    "status {}: only a completed task's charge is final",
                    task.status
                ),
            });
        }
    }
    completed.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.task_id.cmp(&b.task_id))
    });
    if completed.len() > max_tasks {
        selection.truncated = true;
        completed.truncate(max_tasks);
    }
    selection.fetch = completed.into_iter().cloned().collect();
    selection
}

/// A fetched task view, or why it could not be fetched.
pub type Fetched = Result<Value, String>;

/// Compares each fetched view with the catalog and writes the report.
pub fn reconcile_views(
    catalog: &Catalog,
    window: Window,
    selection: Selection,
    views: Vec<(HistoryTask, Fetched)>,
) -> ReconcileReport {
    let mut skipped = selection.skipped;
    let mut checked = Vec::with_capacity(views.len());
    for (listed, fetched) in views {
        match check_view(catalog, &listed, fetched) {
            Ok(task) => checked.push(task),
            Err(reason) => skipped.push(SkippedTask {
                task_id: Some(listed.task_id.clone()),
                reason,
            }),
        }
    }
    let input = ReconcileInput {
        window,
        checked,
        skipped,
        truncated: selection.truncated,
    };
    reconcile(catalog, input)
}

/// One view compared; `Err` is why the task is skipped.
fn check_view(
    catalog: &Catalog,
    listed: &HistoryTask,
    fetched: Fetched,
) -> Result<CheckedTask, String> {
    let body = fetched.map_err(|why| format!("task view unavailable: {why}"))?;
    let view = task_view(&body).map_err(|e| e.message)?;
    match view.status.as_deref() {
        Some("completed") => {}
        other => {
            return Err(format!(
                "the task view says status {}: only a completed task's charge is final",
                other.unwrap_or("(none)")
            ));
        }
    }
    let charged = view.consumed_usd();
    let outcome = match view.spec() {
        Some(spec) => compare(catalog, &spec, charged),
        None => Err("the task view names no model and task_type to price".to_owned()),
    };
    Ok(CheckedTask {
        task_id: view.task_id,
        model: view.model.unwrap_or_else(|| listed.model.clone()),
        task_type: view.task_type.unwrap_or_else(|| listed.task_type.clone()),
        charged,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Billing;
    use crate::ops::spend::TaskState;

    const NOW: i64 = 1_795_539_600;

    fn listed(id: &str, status: &str, at: i64) -> HistoryTask {
        HistoryTask {
            task_id: id.into(),
            model: "kling".into(),
            task_type: "video_generation".into(),
            status: status.into(),
            state: if status == "completed" || status == "failed" {
                TaskState::Finished
            } else {
                TaskState::Running
            },
            service_mode: "public".into(),
            points: 0,
            created_at: at,
            key_id: None,
        }
    }

    fn window() -> Window {
        Window {
            since: NOW - 1000,
            until: NOW,
        }
    }

    #[test]
    fn only_completed_tasks_in_the_window_are_fetched_newest_first_up_to_the_cap() {
        let history = HistoryRead {
            tasks: vec![
                listed("old", "completed", NOW - 5000),
                listed("a", "completed", NOW - 900),
                listed("b", "completed", NOW - 100),
                listed("c", "failed", NOW - 50),
                listed("d", "processing", NOW - 40),
                listed("e", "completed", NOW - 500),
            ],
            ..HistoryRead::default()
        };
        let s = select(&history, window(), 2);
        let ids: Vec<&str> = s.fetch.iter().map(|t| t.task_id.as_str()).collect();
        assert_eq!(ids, ["b", "e"]);
        assert!(s.truncated);
        let skipped: Vec<(&str, &str)> = s
            .skipped
            .iter()
            .map(|k| (k.task_id.as_deref().unwrap(), k.reason.as_str()))
            .collect();
        assert_eq!(skipped.len(), 2);
        assert!(skipped[0].0 == "c" && skipped[0].1.starts_with("status failed"));
        assert!(skipped[1].0 == "d" && skipped[1].1.starts_with("status processing"));
        assert!(!select(&history, window(), 3).truncated);
    }

    /// A Kling task view charged what the catalog estimates for its own input.
    fn view(id: &str, status: &str, consume: Value) -> Value {
        let billing = Billing::new();
        let body = json!({"data": {"task_id": id, "model": "kling", "task_type": "video_generation",
            "status": status, "input": {"version": "3.0", "mode": "pro", "duration": 10},
            "meta": {"usage": {"type": "point", "frozen": 0, "consume": 0}}}});
        let cost = super::super::task_cost(&billing, &body).unwrap();
        let estimate = cost.estimate.unwrap().total_max_points;
        let consume = if consume.is_null() {
            json!(estimate)
        } else {
            consume
        };
        let mut body = body;
        body["data"]["meta"]["usage"]["consume"] = consume;
        body
    }

    #[test]
    fn each_view_is_compared_or_skipped_with_its_reason() {
        let billing = Billing::new();
        let fetched = vec![
            (
                listed("ok", "completed", NOW - 10),
                Ok(view("ok", "Completed", Value::Null)),
            ),
            (
                listed("gone", "completed", NOW - 10),
                Err("PiAPI has no task gone (HTTP 404)".to_owned()),
            ),
            (
                listed("odd", "completed", NOW - 10),
                Ok(view("odd", "completed", json!("lots"))),
            ),
            (
                listed("late", "completed", NOW - 10),
                Ok(view("late", "failed", Value::Null)),
            ),
            (
                listed("anon", "completed", NOW - 10),
                Ok(json!({"data": {"task_id": "anon", "status": "completed"}})),
            ),
        ];
        let r = reconcile_views(billing.catalog(), window(), Selection::default(), fetched);
        assert_eq!(r.tasks_checked, 2);
        let [row] = &r.rows[..] else {
            panic!("{:?}", r.rows)
        };
        assert_eq!((row.tasks, row.outside), (1, 0));
        let reasons: Vec<&str> = r.tasks_skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            reasons[0].starts_with("task view unavailable: PiAPI has no task gone"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].contains("data.meta.usage.consume"),
            "{reasons:?}"
        );
        assert!(reasons[2].contains("status failed"), "{reasons:?}");
        let [u] = &r.unmatched[..] else {
            panic!("{:?}", r.unmatched)
        };
        assert_eq!(
            (u.model.as_str(), u.task_type.as_str()),
            ("kling", "video_generation"),
            "the history names it"
        );
        assert!(u.reason.contains("no model"), "{}", u.reason);
        assert!(r.overlay.is_none());
    }
}
