//! The account reports' I/O: list the task history and fetch task views from PiAPI, bounded,
//! and hand the bodies to the core, which reads and judges them
//! ([`piapi_billing::piapi::history`], [`piapi_billing::piapi::charges`],
//! [`piapi_billing::ops::spend`]).
//!
//! Bounds: the window the caller gave, at most [`MAX_HISTORY_TASKS`] history items, at most
//! `max_tasks` views, and at most [`MAX_IN_FLIGHT`] requests at a time. Each request retries
//! only server errors and timeouts (the client's rule). A history page or a view that still
//! fails is reported in the result with the reason — the rest of the report stands, and no
//! figure silently includes what could not be read. Only the first history page is required:
//! without it nothing is known, so its failure is the call's error.

use std::collections::HashMap;
use std::sync::Arc;

use piapi_billing::ledger::TaskId;
use piapi_billing::ops::spend::{HistoryRead, HistoryTask, spend_report};
use piapi_billing::ops::window::Window;
use piapi_billing::piapi::charges::{Fetched, reconcile_views, select};
use piapi_billing::piapi::history::{HistoryPage, read_page};
use piapi_billing::{
    Billing, GroupBy, ReconcileArgs, ReconcileReport, SkippedTask, SpendReport, SpendReportArgs,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::ledger::{GatewayReads, LedgerService};
use crate::piapi_client::{HistoryQuery, PiapiClient, PiapiError};

/// PiAPI's largest page.
pub const PAGE_SIZE: u64 = 100;
/// Requests in flight at once, so a report never floods the account's rate limit.
pub const MAX_IN_FLIGHT: usize = 4;
/// Most history items one report reads (100 pages); past it the report says `truncated`.
pub const MAX_HISTORY_TASKS: u64 = 10_000;
/// `reconcile_charges`' default and largest `max_tasks`.
pub const DEFAULT_MAX_TASKS: u64 = 500;
pub const MAX_MAX_TASKS: u64 = 5_000;

/// How far a report has got: `done` of `total` steps (history pages, then task views).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    /// Counts only; never text from PiAPI.
    pub message: String,
}

/// Where progress goes: an MCP progress notification, a terminal progress bar, or nowhere.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// A sink that drops every report.
pub fn no_progress() -> ProgressSink {
    Arc::new(|_| {})
}

/// `spend_report`: the history of the window, summed by the core. Grouped by key, each task
/// is looked up in `ledger`, where the budget gateway records the tasks its virtual keys
/// create; without a ledger that grouping is refused rather than answered as all "direct".
pub async fn spend(
    client: &PiapiClient,
    args: &SpendReportArgs,
    now: i64,
    progress: ProgressSink,
    ledger: Option<&LedgerService>,
) -> Result<SpendReport, String> {
    let window = Window::resolve(args.since.as_deref(), args.until.as_deref(), now)
        .map_err(|e| e.message)?;
    let group_by = args.group_by.unwrap_or(GroupBy::Day);
    let gateway = match (group_by, ledger) {
        (GroupBy::Key, None) => return Err(NO_LEDGER_FOR_KEYS.to_owned()),
        (GroupBy::Key, Some(ledger)) => Some(ledger.gateway()),
        _ => None,
    };
    let mut history = read_history(client, window, &progress).await?;
    if let Some(gateway) = gateway {
        name_keys(&mut history, gateway).await?;
    }
    Ok(spend_report(&history, window, group_by))
}

/// Why `group_by: "key"` cannot be answered.
pub const NO_LEDGER_FOR_KEYS: &str = "group_by: \"key\" needs the ledger the budget gateway \
    records its tasks in (--ledger or PIAPI_BILLING_LEDGER, the gateway's own); this server \
    runs without one";

/// Names the virtual key of every task the gateway created; the others keep none.
async fn name_keys(history: &mut HistoryRead, gateway: &dyn GatewayReads) -> Result<(), String> {
    // An id the gateway could not have stored is not one of its tasks.
    let ids: Vec<TaskId> = history
        .tasks
        .iter()
        .filter_map(|t| TaskId::new(t.task_id.clone()).ok())
        .collect();
    let records = gateway
        .tasks_by_ids(&ids)
        .await
        .map_err(|e| format!("group_by: \"key\": the ledger cannot be read: {e}"))?;
    let keys: HashMap<String, String> = records
        .into_iter()
        .filter_map(|r| Some((r.task.task_id?.to_string(), r.task.open.key_id.to_string())))
        .collect();
    for task in &mut history.tasks {
        task.key_id = keys.get(&task.task_id).cloned();
    }
    Ok(())
}

/// `reconcile_charges`: the history of the window, the views of its completed tasks, and the
/// core's comparison of each with the catalog.
pub async fn reconcile(
    client: &PiapiClient,
    billing: &Billing,
    args: &ReconcileArgs,
    now: i64,
    progress: ProgressSink,
) -> Result<ReconcileReport, String> {
    let max_tasks = args.max_tasks.unwrap_or(DEFAULT_MAX_TASKS);
    if !(1..=MAX_MAX_TASKS).contains(&max_tasks) {
        return Err(format!(
            "max_tasks: must be 1 to {MAX_MAX_TASKS}, got {max_tasks}"
        ));
    }
    let window = Window::resolve(args.since.as_deref(), args.until.as_deref(), now)
        .map_err(|e| e.message)?;
    let history = read_history(client, window, &progress).await?;
    let selection = select(&history, window, max_tasks as usize);
    let views = fetch_views(client, selection.fetch.clone(), &progress).await;
    Ok(reconcile_views(billing.catalog(), window, selection, views))
}

/// Every history page of the window, at most [`MAX_HISTORY_TASKS`] items.
pub async fn read_history(
    client: &PiapiClient,
    window: Window,
    progress: &ProgressSink,
) -> Result<HistoryRead, String> {
    let first = fetch_page(client, window, 1)
        .await
        .map_err(|e| format!("cannot read the task history: {e}"))?;
    let Some(listed) = first.total else {
        return Ok(read_unnumbered(client, window, first, progress).await);
    };
    let pages = listed.min(MAX_HISTORY_TASKS).div_ceil(PAGE_SIZE).max(1);
    progress(Progress {
        done: 1,
        total: pages,
        message: format!("history page 1 of {pages}"),
    });
    let mut results = vec![(1, Ok(first))];
    results.extend(
        bounded((2..=pages).collect(), progress, pages, 1, "history page", {
            let client = client.clone();
            move |page| {
                let client = client.clone();
                async move { fetch_page(&client, window, page).await }
            }
        })
        .await,
    );
    Ok(merge(results, listed > MAX_HISTORY_TASKS))
}

/// A history that does not say how many tasks it holds: pages one after another until a page
/// is short, at most [`MAX_HISTORY_TASKS`] items.
async fn read_unnumbered(
    client: &PiapiClient,
    window: Window,
    first: HistoryPage,
    progress: &ProgressSink,
) -> HistoryRead {
    let full = |p: &HistoryPage| (p.tasks.len() + p.skipped.len()) as u64 >= PAGE_SIZE;
    let mut more = full(&first);
    let mut results = vec![(1, Ok(first))];
    let mut page = 1;
    while more && page < MAX_HISTORY_TASKS / PAGE_SIZE {
        page += 1;
        let result = fetch_page(client, window, page).await;
        // A failed page is reported; whether more follow it is unknown, so reading stops.
        more = result.as_ref().is_ok_and(full);
        results.push((page, result));
        progress(Progress {
            done: page,
            total: page + u64::from(more),
            message: format!("history page {page}"),
        });
    }
    merge(results, more)
}

/// The pages' tasks in page order, each task once (a task can move to the next page while the
/// history is read); a page that failed is a skipped entry naming the tasks it held.
fn merge(results: Vec<(u64, Result<HistoryPage, PiapiError>)>, truncated: bool) -> HistoryRead {
    let mut read = HistoryRead {
        truncated,
        ..HistoryRead::default()
    };
    let mut seen = std::collections::HashSet::new();
    for (page, result) in results {
        match result {
            Ok(p) => {
                read.skipped.extend(p.skipped);
                read.tasks.extend(
                    p.tasks
                        .into_iter()
                        .filter(|t| seen.insert(t.task_id.clone())),
                );
            }
            Err(e) => read.skipped.push(SkippedTask {
                task_id: None,
                reason: format!(
                    "history page {page} (tasks {} to {}) is missing from this report: {e}",
                    (page - 1) * PAGE_SIZE + 1,
                    page * PAGE_SIZE
                ),
            }),
        }
    }
    read
}

async fn fetch_page(
    client: &PiapiClient,
    window: Window,
    page: u64,
) -> Result<HistoryPage, PiapiError> {
    let query = HistoryQuery {
        page,
        page_size: PAGE_SIZE,
        start_time: window.since,
        end_time: window.until,
        model: None,
    };
    let body = client.history_page(&query).await?;
    read_page(&body).map_err(|e| client.shape_error(e, &format!("task history page {page}")))
}

/// The views of `tasks`, in their order, each a body or why it could not be fetched.
pub async fn fetch_views(
    client: &PiapiClient,
    tasks: Vec<HistoryTask>,
    progress: &ProgressSink,
) -> Vec<(HistoryTask, Fetched)> {
    let total = tasks.len() as u64;
    let ids: Vec<String> = tasks.iter().map(|t| t.task_id.clone()).collect();
    let bodies = bounded((0..total).collect(), progress, total, 0, "task", {
        let client = client.clone();
        move |i| {
            let client = client.clone();
            let id = ids[i as usize].clone();
            async move { client.task_body(&id).await }
        }
    })
    .await;
    tasks
        .into_iter()
        .zip(bodies)
        .map(|(task, (_, body))| (task, body.map_err(|e| e.to_string())))
        .collect()
}

/// Runs `fetch` for every key, at most [`MAX_IN_FLIGHT`] at once, reporting each completion
/// as step `offset + done` of `total`. Every key gets a result, in key order.
async fn bounded<T, F, Fut>(
    keys: Vec<u64>,
    progress: &ProgressSink,
    total: u64,
    offset: u64,
    what: &'static str,
    fetch: F,
) -> Vec<(u64, Result<T, PiapiError>)>
where
    T: Send + 'static,
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = Result<T, PiapiError>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut set = JoinSet::new();
    for (slot, &key) in keys.iter().enumerate() {
        let permits = permits.clone();
        let request = fetch(key);
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (slot, request.await)
        });
    }
    let mut results: Vec<Option<Result<T, PiapiError>>> = keys.iter().map(|_| None).collect();
    let mut done = offset;
    while let Some(joined) = set.join_next().await {
        if let Ok((slot, result)) = joined {
            results[slot] = Some(result);
        }
        done += 1;
        progress(Progress {
            done,
            total,
            message: format!("{what} {done} of {total}"),
        });
    }
    keys.into_iter()
        .zip(results)
        .map(|(key, result)| {
            // Only a panicking request leaves a slot empty; it is reported, not dropped.
            let abandoned = || PiapiError::Malformed("the request was abandoned".to_owned());
            (key, result.unwrap_or_else(|| Err(abandoned())))
        })
        .collect()
}
