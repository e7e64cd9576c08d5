//! `POST /api/v1/task`: price, hold, send once, attach the task id.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use piapi_billing::TaskSpec;
use piapi_billing::gateway::{Admission, Verdict, admit, budget_refusal};
use piapi_billing::ledger::{
    Command, HoldId, LedgerError, Outcome, TaskId, TaskOpen, VirtualKey, key_spend,
};
use serde_json::{Map, Value};

use super::upstream::Answer;
use super::{
    Gateway, api_key, auth_failure, envelope, raw_response, refusal, settle, store_failure,
};
use crate::clock::ledger_now;

pub(super) async fn create_task(
    State(gw): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = match gw.keys.authenticate(&gw.ledger, api_key(&headers)).await {
        Ok(k) => k,
        Err(e) => return auth_failure(e),
    };
    let task = match task_spec(&body) {
        Ok(t) => t,
        Err(message) => return envelope(StatusCode::BAD_REQUEST, &message),
    };
    let admission = match admit(&gw.billing, &key.spec, &task) {
        Ok(a) => a,
        Err(Verdict::Refused(r)) => return refusal(&r),
        Err(Verdict::Invalid(e)) => return envelope(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let hold_id = match new_hold_id() {
        Ok(h) => h,
        Err(e) => return store_failure(&e),
    };
    if let Err(response) = reserve(&gw, &key, &task, &admission, &hold_id).await {
        return response;
    }
    let sent = gw
        .upstream
        .send(Method::POST, &["api", "v1", "task"], None, Some(body))
        .await;
    match sent {
        Ok(answer) => finish(&gw, &key, &hold_id, &admission, answer).await,
        Err(failure) => {
            // PiAPI may or may not have created (and charged for) the task: keep the hold
            // until its TTL rather than free money that may be spent.
            tracing::warn!(hold = %hold_id, reason = %failure.message(), "create-task outcome unknown; hold kept");
            envelope(
                StatusCode::BAD_GATEWAY,
                &format!(
                    "{}; whether PiAPI created the task is unknown, so its hold {hold_id} stays until it expires",
                    failure.message()
                ),
            )
        }
    }
}

/// The create-task body as the core's task: `model` and `task_type` are required strings,
/// `input` and `config` objects when present.
fn task_spec(body: &[u8]) -> Result<TaskSpec, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the body must be a JSON object with model, task_type and input".into());
    };
    let text = |field: &str| match obj.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(format!("{field}: required, a non-empty string")),
    };
    let object = |field: &str| match obj.get(field) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(format!("{field}: must be an object")),
    };
    Ok(TaskSpec {
        model: text("model")?,
        task_type: text("task_type")?,
        input: object("input")?,
        config: object("config")?,
        count: 1,
        ..TaskSpec::default()
    })
}

/// A hold id nobody else will choose: `gw:` and 128 random bits.
fn new_hold_id() -> Result<HoldId, LedgerError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| LedgerError::storage(format!("no random bytes: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(HoldId::new(format!("gw:{hex}"))?)
}

/// Takes the hold, durably, before anything is sent. A window that rolled over between
/// computing it and deciding is computed again (once is enough: windows last a day or more).
async fn reserve(
    gw: &Gateway,
    key: &VirtualKey,
    task: &TaskSpec,
    admission: &Admission,
    hold_id: &HoldId,
) -> Result<(), Response> {
    let open = TaskOpen {
        key_id: key.spec.key_id.clone(),
        model: task.model.clone(),
        task_type: task.task_type.clone(),
        quote: admission.quote.clone(),
    };
    let ttl_ms = u64::try_from(gw.hold_ttl.as_millis()).unwrap_or(u64::MAX);
    let mut result = Err(LedgerError::storage("not tried"));
    for _ in 0..2 {
        let command = Command::ReserveTask {
            hold_id: hold_id.clone(),
            account: key.spec.window_account(ledger_now()),
            amount: admission.amount,
            ttl_ms,
            task: open.clone(),
        };
        result = gw.ledger.submit(command).await;
        if !matches!(result, Err(LedgerError::WindowMoved { .. })) {
            break;
        }
    }
    match result {
        Ok(_) => Ok(()),
        Err(e @ LedgerError::InsufficientFunds { .. }) => {
            let account = key.spec.window_account(ledger_now());
            let held = gw
                .ledger
                .account(&account)
                .await
                .map(|a| a.pending_usd)
                .unwrap_or_default();
            Err(refusal(
                &budget_refusal(&e, held).expect("a budget refusal"),
            ))
        }
        Err(e @ LedgerError::KeyRevoked { .. }) => Err(envelope(
            StatusCode::UNAUTHORIZED,
            &format!("Invalid API key: {e}"),
        )),
        Err(e) => Err(store_failure(&e)),
    }
}

/// PiAPI answered: a task id is attached to the hold before the client sees it; a definite
/// refusal releases the hold; a server error keeps it (the task may exist).
async fn finish(
    gw: &Gateway,
    key: &VirtualKey,
    hold_id: &HoldId,
    admission: &Admission,
    answer: Answer,
) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let envelope_ok = parsed
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(Value::as_i64)
        .is_none_or(|c| c == 200);
    let task_id = parsed
        .as_ref()
        .and_then(|v| v.get("data"))
        .and_then(|d| d.get("task_id"))
        .and_then(Value::as_str)
        .and_then(|id| TaskId::new(id).ok());
    let status = answer.status;
    if let Some(task_id) = task_id.filter(|_| status.is_success() && envelope_ok) {
        return attached(gw, key, hold_id, admission, task_id, parsed, answer).await;
    }
    if status.is_client_error() || (status.is_success() && !envelope_ok) {
        let release = Command::Release {
            hold_id: hold_id.clone(),
        };
        if let Err(e) = gw.ledger.submit(release).await {
            tracing::warn!(hold = %hold_id, error = %e, "releasing a refused task's hold failed; it expires by itself");
        }
    } else {
        tracing::warn!(hold = %hold_id, status = status.as_u16(), "PiAPI's create-task answer names no task; hold kept");
    }
    raw_response(status, answer.body.into())
}

async fn attached(
    gw: &Gateway,
    key: &VirtualKey,
    hold_id: &HoldId,
    admission: &Admission,
    task_id: TaskId,
    parsed: Option<Value>,
    answer: Answer,
) -> Response {
    let attach = Command::AttachTask {
        hold_id: hold_id.clone(),
        task_id: task_id.clone(),
    };
    let mut result = gw.ledger.submit(attach.clone()).await;
    for _ in 0..3 {
        if !matches!(result, Err(LedgerError::Storage { .. })) {
            break;
        }
        result = gw.ledger.submit(attach.clone()).await;
    }
    match result {
        Ok(Outcome::TaskAttached(task)) => {
            if let Some(view) = parsed {
                settle::observe_view(gw, &task.hold_id, admission.amount, &view).await;
            }
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(hold = %hold_id, task = %task_id, error = %e, "attaching the task id failed; the hold stays until it expires")
        }
    }
    let mut response = raw_response(answer.status, answer.body.into());
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(hold_id.as_str()) {
        headers.insert("x-gateway-hold-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&admission.amount.to_string()) {
        headers.insert("x-gateway-held-usd", v);
    }
    if over_soft_limit(gw, key).await {
        headers.insert(
            "x-gateway-warning",
            HeaderValue::from_static("soft_limit_reached"),
        );
    }
    response
}

/// True when the key has a soft limit and its window's spend plus holds reached it.
async fn over_soft_limit(gw: &Gateway, key: &VirtualKey) -> bool {
    if key.spec.soft_limit_usd.is_none() {
        return false;
    }
    let now = ledger_now();
    match gw.ledger.account(&key.spec.window_account(now)).await {
        Ok(view) => key_spend(key, [&view], now).over_soft_limit,
        Err(_) => false,
    }
}
