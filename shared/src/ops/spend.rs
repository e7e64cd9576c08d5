//! `spend_report`: where the money went, from the account's task history.
//!
//! The input is what PiAPI's history lists per task ([`HistoryTask`], read from the bodies by
//! [`crate::piapi::history`]); the report counts finished tasks in the totals and running
//! tasks as frozen, so a total is what was actually taken. Every group, and every day of the
//! chart data, is summed from the same points, so the groups add up to the total exactly.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::contract::{DaySpend, GroupBy, SkippedTask, SpendGroup, SpendReport, TopTask};
use crate::money::{POINTS_PER_USD, Usd};
use crate::ops::window::{Window, rfc3339, utc_date};

/// How many of the most expensive tasks a report lists.
pub const TOP_TASKS: usize = 10;

/// Where a task stands, as far as money goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Completed or failed: what it took is final.
    Finished,
    /// Pending, processing or staged: what it holds is frozen, not yet taken.
    Running,
}

/// One task as the account's history lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryTask {
    pub task_id: String,
    pub model: String,
    pub task_type: String,
    /// PiAPI's status, lower-cased.
    pub status: String,
    pub state: TaskState,
    /// `public`, `private`, or empty when the history does not say.
    pub service_mode: String,
    /// What the task took (finished) or holds (running), in points.
    pub points: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// The budget gateway's virtual key that created the task, when the front end looked it up
    /// (the history does not say; the gateway's ledger does).
    pub key_id: Option<String>,
}

/// The tasks a report reads, and what could not be read.
#[derive(Clone, Debug, Default)]
pub struct HistoryRead {
    pub tasks: Vec<HistoryTask>,
    pub skipped: Vec<SkippedTask>,
    /// More tasks were listed than the report reads.
    pub truncated: bool,
}

/// Sums the finished tasks of `history` inside `window`, grouped by `group_by`.
pub fn spend_report(history: &HistoryRead, window: Window, group_by: GroupBy) -> SpendReport {
    let in_window = || {
        history
            .tasks
            .iter()
            .filter(|t| window.contains(t.created_at))
    };
    let finished: Vec<&HistoryTask> = in_window()
        .filter(|t| t.state == TaskState::Finished)
        .collect();
    let frozen_points: u64 = in_window()
        .filter(|t| t.state == TaskState::Running)
        .map(|t| t.points)
        .sum();
    let total_points: u64 = finished.iter().map(|t| t.points).sum();
    SpendReport {
        since: rfc3339(window.since),
        until: rfc3339(window.until),
        group_by,
        tasks: finished.len() as u64,
        total_usd: usd(total_points),
        total_points,
        frozen_usd: usd(frozen_points),
        frozen_points,
        groups: groups(&finished, group_by),
        top_tasks: top_tasks(&finished),
        truncated: history.truncated,
        skipped: history.skipped.clone(),
        daily: daily(&finished, window),
    }
}

/// The `group_by: "key"` group of the tasks no virtual key created.
pub const NOT_THROUGH_THE_GATEWAY: &str = "(not through the gateway)";

fn key(task: &HistoryTask, group_by: GroupBy) -> String {
    let named = |s: &str| {
        if s.is_empty() {
            "(not given)".to_owned()
        } else {
            s.to_owned()
        }
    };
    match group_by {
        GroupBy::Day => utc_date(task.created_at),
        GroupBy::Model => named(&task.model),
        GroupBy::TaskType => named(&task.task_type),
        GroupBy::ServiceMode => named(&task.service_mode),
        GroupBy::Key => match &task.key_id {
            Some(key) => key.clone(),
            None => NOT_THROUGH_THE_GATEWAY.to_owned(),
        },
    }
}

/// Days in calendar order; other groupings by spend, largest first, then by name.
fn groups(finished: &[&HistoryTask], group_by: GroupBy) -> Vec<SpendGroup> {
    let mut sums: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for t in finished {
        let sum = sums.entry(key(t, group_by)).or_default();
        sum.0 += 1;
        sum.1 += t.points;
    }
    let mut groups: Vec<SpendGroup> = sums
        .into_iter()
        .map(|(key, (tasks, points))| SpendGroup {
            key,
            tasks,
            usd: usd(points),
            points,
        })
        .collect();
    if group_by != GroupBy::Day {
        groups.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.key.cmp(&b.key)));
    }
    groups
}

fn top_tasks(finished: &[&HistoryTask]) -> Vec<TopTask> {
    let mut sorted: Vec<&&HistoryTask> = finished.iter().filter(|t| t.points > 0).collect();
    sorted.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then_with(|| a.task_id.cmp(&b.task_id))
    });
    sorted
        .into_iter()
        .take(TOP_TASKS)
        .map(|t| TopTask {
            task_id: t.task_id.clone(),
            model: t.model.clone(),
            task_type: t.task_type.clone(),
            usd: usd(t.points),
            created_at: rfc3339(t.created_at),
        })
        .collect()
}

/// Points per UTC day and model, for the chart: every day of the window, with or without spend.
fn daily(finished: &[&HistoryTask], window: Window) -> Vec<DaySpend> {
    const DAY: i64 = 86_400;
    let mut days: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut t = window.since - window.since.rem_euclid(DAY);
    while t < window.until {
        days.insert(utc_date(t), BTreeMap::new());
        t += DAY;
    }
    for t in finished {
        *days
            .entry(utc_date(t.created_at))
            .or_default()
            .entry(t.model.clone())
            .or_default() += t.points;
    }
    days.into_iter()
        .map(|(day, models)| DaySpend {
            day,
            by_model: models.into_iter().collect(),
        })
        .collect()
}

/// Points as dollars; exact, since a point is 10^-7 USD.
pub fn usd(points: u64) -> Usd {
    Usd(Decimal::from(points) / Decimal::from(POINTS_PER_USD))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    /// 2026-11-24T00:00:00Z
    const T0: i64 = 1_795_478_400;

    fn task(
        id: &str,
        model: &str,
        mode: &str,
        state: TaskState,
        points: u64,
        at: i64,
    ) -> HistoryTask {
        HistoryTask {
            task_id: id.into(),
            model: model.into(),
            task_type: format!("{model}-type"),
            status: "completed".into(),
            state,
            service_mode: mode.into(),
            points,
            created_at: at,
            key_id: None,
        }
    }

    fn history() -> HistoryRead {
        HistoryRead {
            tasks: vec![
                task(
                    "a",
                    "kling",
                    "public",
                    TaskState::Finished,
                    20_000_000,
                    T0 + 10,
                ),
                task(
                    "b",
                    "flux",
                    "public",
                    TaskState::Finished,
                    150_000,
                    T0 + DAY,
                ),
                task(
                    "c",
                    "kling",
                    "private",
                    TaskState::Finished,
                    0,
                    T0 + DAY + 5,
                ),
                task(
                    "d",
                    "kling",
                    "public",
                    TaskState::Running,
                    10_000_000,
                    T0 + DAY + 9,
                ),
                task("e", "flux", "", TaskState::Finished, 150_000, T0 + 3 * DAY),
                // Outside the window: PiAPI's filter is coarser than ours.
                task("f", "flux", "public", TaskState::Finished, 999, T0 - 1),
            ],
            skipped: vec![SkippedTask {
                task_id: Some("g".into()),
                reason: "usage: not a number".into(),
            }],
            truncated: false,
        }
    }

    fn window() -> Window {
        Window {
            since: T0,
            until: T0 + 7 * DAY,
        }
    }

    #[test]
    fn totals_count_finished_tasks_and_freeze_running_ones() {
        let r = spend_report(&history(), window(), GroupBy::Day);
        assert_eq!(r.tasks, 4);
        assert_eq!(r.total_points, 20_300_000);
        assert_eq!(r.total_usd.to_string(), "2.03");
        assert_eq!(
            (r.frozen_points, r.frozen_usd.to_string()),
            (10_000_000, "1.00".into())
        );
        assert_eq!(r.since, "2026-11-24T00:00:00Z");
        assert_eq!(r.skipped.len(), 1);
        let days: Vec<(&str, u64)> = r
            .groups
            .iter()
            .map(|g| (g.key.as_str(), g.points))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-24", 20_000_000),
                ("2026-11-25", 150_000),
                ("2026-11-27", 150_000)
            ]
        );
    }

    #[test]
    fn every_grouping_adds_up_to_the_total() {
        for by in GroupBy::ALL {
            let r = spend_report(&history(), window(), by);
            let sum: u64 = r.groups.iter().map(|g| g.points).sum();
            let tasks: u64 = r.groups.iter().map(|g| g.tasks).sum();
            assert_eq!((sum, tasks), (r.total_points, r.tasks), "{by:?}");
        }
        let r = spend_report(&history(), window(), GroupBy::ServiceMode);
        let keys: Vec<&str> = r.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["public", "(not given)", "private"]);
    }

    #[test]
    fn by_key_groups_the_gateway_tasks_and_the_rest_apart() {
        let mut h = history();
        h.tasks[0].key_id = Some("vk_team".into());
        h.tasks[1].key_id = Some("vk_team".into());
        let r = spend_report(&h, window(), GroupBy::Key);
        let team_points = h.tasks[0].points + h.tasks[1].points;
        let team = r
            .groups
            .iter()
            .find(|g| g.key == "vk_team")
            .expect("the key's group");
        assert_eq!((team.tasks, team.points), (2, team_points));
        let rest = r
            .groups
            .iter()
            .find(|g| g.key == NOT_THROUGH_THE_GATEWAY)
            .expect("the direct tasks' group");
        assert_eq!(rest.points, r.total_points - team_points);
        assert_eq!(r.groups.len(), 2);
    }

    #[test]
    fn top_tasks_are_the_most_expensive_and_daily_data_follows_models() {
        let r = spend_report(&history(), window(), GroupBy::Model);
        let ids: Vec<&str> = r.top_tasks.iter().map(|t| t.task_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "e"], "zero-cost tasks are not top tasks");
        assert_eq!(r.top_tasks[0].usd.to_string(), "2.00");
        assert_eq!(r.daily.len(), 7, "every day of the window");
        assert!(r.daily[2].by_model.is_empty());
        assert_eq!(
            r.daily[1].by_model,
            [("flux".to_owned(), 150_000), ("kling".to_owned(), 0)]
        );
    }
}
