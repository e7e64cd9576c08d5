//! The `spend` and `reconcile` subcommands: the account report tools for a person at a
//! terminal. A progress bar on stderr while the history and task views are fetched (drawn only
//! when stderr is a terminal), then a table on stdout, or the tool's JSON with `--json`.

use std::path::Path;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use piapi_billing::{GroupBy, ReconcileArgs, ReconcileReport, SpendReport, SpendReportArgs};
use serde_json::{Value, json};

use crate::account::{self, Progress, ProgressSink};
use crate::chart::spend_svg;
use crate::error::Error;
use crate::piapi_client::PiapiClient;

/// What the `spend` subcommand was asked.
pub struct SpendCommand<'a> {
    pub since: &'a str,
    pub until: Option<&'a str>,
    pub by: Option<&'a str>,
    pub svg: Option<&'a Path>,
    pub json: bool,
    /// `--ledger`, opened only to group by the gateway's keys.
    pub ledger: Option<&'a str>,
}

/// What the `reconcile` subcommand was asked.
pub struct ReconcileCommand<'a> {
    pub since: &'a str,
    pub until: Option<&'a str>,
    pub max_tasks: Option<u64>,
    pub write_overlay: Option<&'a Path>,
    pub json: bool,
}

/// The arguments as the tool would get them, read by the core (so a bad `--by` gets the same
/// message as a bad `group_by`).
fn tool_args<T: piapi_billing::json::FromJson>(args: Value) -> Result<T, Error> {
    let object: serde_json::Map<String, Value> = match args {
        Value::Object(o) => o.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => serde_json::Map::new(),
    };
    piapi_billing::json::from_value(&Value::Object(object)).map_err(Error::Billing)
}

pub async fn spend(client: &PiapiClient, cmd: SpendCommand<'_>) -> Result<String, Error> {
    let args: SpendReportArgs =
        tool_args(json!({"since": cmd.since, "until": cmd.until, "group_by": cmd.by}))?;
    let ledger = match args.group_by {
        Some(GroupBy::Key) => Some(
            crate::ledger::slot::open_now(cmd.ledger, "--by key")
                .await
                .map_err(Error::Config)?,
        ),
        _ => None,
    };
    let (sink, bar) = progress_bar();
    let now = crate::clock::now_unix();
    let report = account::spend(client, &args, now, sink, ledger.as_ref()).await;
    bar.finish_and_clear();
    let report = report.map_err(Error::Config)?;
    if let Some(path) = cmd.svg {
        let svg = spend_svg(&report).map_err(Error::Config)?;
        std::fs::write(path, svg).map_err(|e| Error::io("cannot write the chart", e))?;
    }
    if cmd.json {
        return to_json(&report);
    }
    Ok(spend_table(&report))
}

pub async fn reconcile(
    client: &PiapiClient,
    billing: &piapi_billing::Billing,
    cmd: ReconcileCommand<'_>,
) -> Result<String, Error> {
    let args: ReconcileArgs =
        tool_args(json!({"since": cmd.since, "until": cmd.until, "max_tasks": cmd.max_tasks}))?;
    let (sink, bar) = progress_bar();
    let report = account::reconcile(client, billing, &args, crate::clock::now_unix(), sink).await;
    bar.finish_and_clear();
    let report = report.map_err(Error::Config)?;
    let mut note = String::new();
    if let Some(path) = cmd.write_overlay {
        note = match &report.overlay {
            Some(overlay) => {
                let text = serde_json::to_string_pretty(overlay)
                    .map_err(|e| Error::io("cannot write the overlay", e.into()))?;
                std::fs::write(path, text + "\n")
                    .map_err(|e| Error::io("cannot write the overlay", e))?;
                format!(
                    "\nOverlay written to {} (use it with --price-overlay).\n",
                    path.display()
                )
            }
            None => format!("\nNothing drifted: {} not written.\n", path.display()),
        };
    }
    if cmd.json {
        return to_json(&report);
    }
    Ok(reconcile_table(&report) + &note)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::io("cannot write JSON", e.into()))
}

/// A bar on stderr, drawn only when stderr is a terminal (indicatif's default target).
fn progress_bar() -> (ProgressSink, ProgressBar) {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let shown = bar.clone();
    let sink: ProgressSink = Arc::new(move |p: Progress| {
        shown.set_length(p.total);
        shown.set_position(p.done);
        shown.set_message(p.message);
    });
    (sink, bar)
}

fn spend_table(r: &SpendReport) -> String {
    let mut out = format!(
        "Spend from {} to {}: {} finished tasks, ${} ({} points); ${} frozen by running tasks\n\n",
        r.since, r.until, r.tasks, r.total_usd, r.total_points, r.frozen_usd
    );
    let rows = r
        .groups
        .iter()
        .map(|g| vec![g.key.clone(), g.tasks.to_string(), g.usd.to_string()])
        .collect();
    out += &table(&[r.group_by.as_str(), "tasks", "usd"], rows);
    if !r.top_tasks.is_empty() {
        out += "\nMost expensive tasks:\n";
        let rows = r
            .top_tasks
            .iter()
            .map(|t| {
                vec![
                    t.task_id.clone(),
                    t.model.clone(),
                    t.task_type.clone(),
                    t.usd.to_string(),
                    t.created_at.clone(),
                ]
            })
            .collect();
        out += &table(
            &["task_id", "model", "task_type", "usd", "created_at"],
            rows,
        );
    }
    out + &skipped(&r.skipped, r.truncated)
}

fn reconcile_table(r: &ReconcileReport) -> String {
    let drifted = r.rows.iter().filter(|row| row.outside > 0).count();
    let mut out = format!(
        "Reconciled {} completed tasks from {} to {} against catalog {}: {} of {} rows drifted\n\n",
        r.tasks_checked,
        r.since,
        r.until,
        r.catalog_version,
        drifted,
        r.rows.len()
    );
    let rows = r
        .rows
        .iter()
        .map(|row| {
            vec![
                row.entry_id.to_string(),
                row.tasks.to_string(),
                row.charged_usd.to_string(),
                row.estimated_min_usd.to_string(),
                row.estimated_max_usd.to_string(),
                row.outside.to_string(),
                row.implied_unit_price_usd
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                row.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out += &table(
        &[
            "entry_id",
            "tasks",
            "charged",
            "est_min",
            "est_max",
            "outside",
            "implied_unit",
            "note",
        ],
        rows,
    );
    if !r.unmatched.is_empty() {
        out += "\nServices the catalog could not price:\n";
        let rows = r
            .unmatched
            .iter()
            .map(|u| {
                vec![
                    u.model.clone(),
                    u.task_type.clone(),
                    u.tasks.to_string(),
                    u.charged_usd.to_string(),
                    u.reason.clone(),
                ]
            })
            .collect();
        out += &table(&["model", "task_type", "tasks", "charged", "reason"], rows);
    }
    out + &skipped(&r.tasks_skipped, r.truncated)
}

fn skipped(skipped: &[piapi_billing::SkippedTask], truncated: bool) -> String {
    let mut out = String::new();
    if truncated {
        out += "\nTruncated: the window holds more tasks than one report reads; narrow it.\n";
    }
    if !skipped.is_empty() {
        out += &format!("\nSkipped {}:\n", skipped.len());
        for s in skipped {
            out += &format!("  {}: {}\n", s.task_id.as_deref().unwrap_or("-"), s.reason);
        }
    }
    out
}

/// Columns padded to their widest cell, numbers right-aligned. Hand-rolled: a few lines, where
/// a table crate would bring terminal detection and styling this output does not use.
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    let mut numeric = vec![true; headers.len()];
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
            numeric[i] &= cell.is_empty() || cell.parse::<rust_decimal::Decimal>().is_ok();
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| match numeric[i] {
                true => format!("{c:>w$}", w = widths[i]),
                false => format!("{c:<w$}", w = widths[i]),
            })
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns_and_right_align_numbers() {
        let t = table(
            &["model", "tasks", "usd"],
            vec![
                vec!["kling".into(), "165".into(), "176.87".into()],
                vec!["Qubico/tts".into(), "7".into(), "0.325".into()],
            ],
        );
        assert_eq!(
            t,
            "model       tasks     usd\nkling         165  176.87\nQubico/tts      7   0.325\n"
        );
    }
}
