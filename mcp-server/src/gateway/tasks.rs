//! The endpoints besides create-task: a task's view and its cancellation (only for the key
//! that created it), the key's own budget as PiAPI's account info, and the refusal of the
//! bulk cancel (it would reach other keys' tasks).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use piapi_billing::ledger::{TaskId, VirtualKey, key_spend};
use serde_json::{Value, json};

use super::{
    Gateway, api_key, auth_failure, envelope, json_response, raw_response, settle, store_failure,
};
use crate::clock::ledger_now;
use crate::ledger::TaskRecord;

/// The task's record when it exists and belongs to the request's key. Another key's task and
/// a task that does not exist get the same 404, so a key cannot learn which ids exist.
async fn owned_task(
    gw: &Gateway,
    headers: &HeaderMap,
    task_id: &str,
) -> Result<(VirtualKey, TaskRecord), Response> {
    let key = gw
        .keys
        .authenticate(&gw.ledger, api_key(headers))
        .await
        .map_err(auth_failure)?;
    let not_found = || envelope(StatusCode::NOT_FOUND, "task not found");
    let id = TaskId::new(task_id).map_err(|_| not_found())?;
    let record = gw
        .ledger
        .gateway()
        .task_by_id(&id)
        .await
        .map_err(|e| store_failure(&e))?
        .ok_or_else(not_found)?;
    if record.task.open.key_id != key.spec.key_id {
        return Err(not_found());
    }
    Ok((key, record))
}

/// `GET /api/v1/task/{task_id}`: PiAPI's view, passed on; a finished task settles its hold.
pub(super) async fn get_task(
    State(gw): State<Arc<Gateway>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    let (_, record) = match owned_task(&gw, &headers, &task_id).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let answer = gw
        .upstream
        .send(Method::GET, &["api", "v1", "task", &task_id], None, None)
        .await;
    match answer {
        Ok(a) => {
            let view = a
                .status
                .is_success()
                .then(|| serde_json::from_slice::<Value>(&a.body));
            if let Some(Ok(view)) = view {
                settle::observe(&gw, &record, &view).await;
            }
            raw_response(a.status, a.body.into())
        }
        Err(f) => envelope(StatusCode::BAD_GATEWAY, &f.message()),
    }
}

/// `DELETE /api/v1/task/{task_id}`: PiAPI cancels only tasks still pending; the hold settles
/// when a later view shows the task failed (or finished after all).
pub(super) async fn cancel_task(
    State(gw): State<Arc<Gateway>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    if let Err(response) = owned_task(&gw, &headers, &task_id).await {
        return response;
    }
    match gw
        .upstream
        .send(Method::DELETE, &["api", "v1", "task", &task_id], None, None)
        .await
    {
        Ok(a) => raw_response(a.status, a.body.into()),
        Err(f) => envelope(StatusCode::BAD_GATEWAY, &f.message()),
    }
}

/// `DELETE /api/v1/tasks` cancels every pending task of the PiAPI account, other keys'
/// included, so no virtual key may send it.
pub(super) async fn cancel_all(State(gw): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    if let Err(e) = gw.keys.authenticate(&gw.ledger, api_key(&headers)).await {
        return auth_failure(e);
    }
    envelope(
        StatusCode::FORBIDDEN,
        "the bulk cancel reaches every key's tasks; cancel your tasks one by one with \
         DELETE /api/v1/task/{task_id}",
    )
}

/// `GET /account/info`: the key's own budget in PiAPI's shape (`equivalent_in_usd` is what
/// the key may still hold), never the real account's.
pub(super) async fn account_info(State(gw): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    let key = match gw.keys.authenticate(&gw.ledger, api_key(&headers)).await {
        Ok(k) => k,
        Err(e) => return auth_failure(e),
    };
    let now = ledger_now();
    let accounts = match gw.ledger.gateway().key_accounts(&key.spec.key_id).await {
        Ok(a) => a,
        Err(e) => return store_failure(&e),
    };
    let spend = key_spend(&key, &accounts, now);
    json_response(
        StatusCode::OK,
        &json!({"code": 200, "message": "success", "data": {
            "name": key.spec.key_id,
            "equivalent_in_usd": spend.available_usd,
            "gateway_key": spend,
        }}),
    )
}
