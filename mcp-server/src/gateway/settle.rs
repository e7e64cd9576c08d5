//! Settling gateway holds from what PiAPI says about their tasks, and the poller that asks
//! PiAPI about tasks no client is polling.
//!
//! Every path (a client's `GET` through the gateway, the create answer itself, the poller, on
//! any instance) ends in the same ledger command with the same amount, so a hold is settled
//! exactly once however many of them see the finished task: the ledger replays the first
//! settlement to the others.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use piapi_billing::gateway::{Settle, settle};
use piapi_billing::ledger::{Command, HoldId, LedgerError};
use piapi_billing::money::Usd;
use piapi_billing::piapi::task_usage;
use serde_json::Value;

use super::Gateway;
use crate::ledger::TaskRecord;

/// Most open tasks one poll looks at; the next poll takes the rest.
const POLL_BATCH: usize = 256;
/// Tasks asked about at once.
const POLL_CONCURRENCY: usize = 8;

/// Settles or releases the hold `hold_id` (holding `held`) when `view` shows its task
/// finished; keeps it otherwise. Failures are logged: the hold stays, and the next view
/// (or the poller) tries again.
pub(super) async fn observe_view(gw: &Gateway, hold_id: &HoldId, held: Usd, view: &Value) {
    let usage = match task_usage(view) {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(hold = %hold_id, error = %e, "a task view could not be read; hold kept");
            return;
        }
    };
    let command = match settle(&usage, held) {
        Settle::Keep => return,
        Settle::Release => Command::Release {
            hold_id: hold_id.clone(),
        },
        Settle::Charge { charge, overage } => {
            if !overage.0.is_zero() {
                tracing::warn!(hold = %hold_id, task = %usage.task_id, %overage, "PiAPI charged more than the hold; the hold is charged in full");
            }
            Command::Settle {
                hold_id: hold_id.clone(),
                amount: charge,
                reference: Some(usage.task_id.clone()),
            }
        }
    };
    match gw.ledger.submit(command).await {
        Ok(_) => {}
        // Another path resolved it first with a different figure (e.g. a usage PiAPI later
        // corrected): the first settlement stands.
        Err(e @ LedgerError::AlreadyResolved { .. }) => {
            tracing::info!(hold = %hold_id, error = %e, "hold already resolved")
        }
        Err(e) => {
            tracing::warn!(hold = %hold_id, error = %e, "settling a hold failed; kept for the next try")
        }
    }
}

/// Settles `record` from a view, when its hold is still pending.
pub(super) async fn observe(gw: &Gateway, record: &TaskRecord, view: &Value) {
    if record.hold.state == piapi_billing::ledger::HoldState::Pending {
        observe_view(gw, &record.hold.id, record.hold.amount, view).await;
    }
}

/// Polls open gateway tasks every `every`, forever. A task PiAPI does not answer for is kept
/// as it is (a poll timeout never releases a hold) and asked about again next time.
pub(super) fn spawn_poller(gw: Arc<Gateway>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = poll_once(&gw).await {
                tracing::warn!(error = %e, "gateway poll failed; retrying at the next tick");
            }
        }
    });
}

/// One pass over at most [`POLL_BATCH`] open tasks, [`POLL_CONCURRENCY`] at a time.
pub(super) async fn poll_once(gw: &Arc<Gateway>) -> Result<(), LedgerError> {
    let open = gw.ledger.gateway().open_tasks(POLL_BATCH).await?;
    let mut running = tokio::task::JoinSet::new();
    for record in open {
        while running.len() >= POLL_CONCURRENCY {
            running.join_next().await;
        }
        let gw = gw.clone();
        running.spawn(async move { poll_task(&gw, &record).await });
    }
    while running.join_next().await.is_some() {}
    Ok(())
}

async fn poll_task(gw: &Gateway, record: &TaskRecord) {
    let Some(task_id) = &record.task.task_id else {
        return;
    };
    let answer = gw
        .upstream
        .send(
            Method::GET,
            &["api", "v1", "task", task_id.as_str()],
            None,
            None,
        )
        .await;
    match answer {
        Ok(a) if a.status.is_success() => match serde_json::from_slice::<Value>(&a.body) {
            Ok(view) => observe(gw, record, &view).await,
            Err(e) => {
                tracing::warn!(task = %task_id, error = %e, "PiAPI's task view is not JSON; hold kept")
            }
        },
        Ok(a) => {
            tracing::info!(task = %task_id, status = a.status.as_u16(), "PiAPI did not show the task; hold kept")
        }
        Err(f) => tracing::info!(task = %task_id, reason = %f.message(), "poll failed; hold kept"),
    }
}
