//! The budget gateway's rows on PostgreSQL: keys (`ledger_keys`, the spec as JSON text) and
//! gateway tasks (`ledger_gateway_tasks`, one per gateway hold). A batch loads the keys it
//! names `FOR UPDATE` (after its accounts, so every batch locks in the same order: a
//! revocation and a reservation of one key cannot both pass) and the task rows of its holds.

use deadpool_postgres::Transaction;
use piapi_billing::ledger::{
    AccountView, BatchKeys, Changes, GatewayTask, HoldId, KeyId, KeySpec, LedgerError, TaskId,
    TaskOpen, VirtualKey,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::rows::{
    ACCOUNT_COLUMNS, HOLD_COLUMNS, account_from_row, bad_row, db_time, from_db_time, hold_from_row,
    id_in,
};
use super::{Failure, PgStore, rows_to, run};
use crate::ledger::store::{BoxFuture, GatewayReads, TaskRecord};

const KEY_COLUMNS: &str = "id, spec, created_at_ms, revoked_at_ms";
const TASK_COLUMNS: &str =
    "hold_id, key_id, model, task_type, quote, opened_at_ms, task_id, attached_at_ms";

/// The keys and task rows a batch names.
pub(super) async fn load(
    tx: &Transaction<'_>,
    keys: &BatchKeys,
) -> Result<(Vec<VirtualKey>, Vec<GatewayTask>), Failure> {
    let key_ids: Vec<&str> = keys.keys.iter().map(KeyId::as_str).collect();
    let hold_ids: Vec<&str> = keys.tasks.iter().map(HoldId::as_str).collect();
    let mut loaded_keys = Vec::new();
    if !key_ids.is_empty() {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM ledger_keys WHERE {} ORDER BY id FOR UPDATE",
            id_in("id", 1)
        );
        let select = tx.prepare_cached(&sql).await?;
        loaded_keys = rows_to(tx.query(&select, &[&key_ids]).await?, key_from_row)?;
    }
    let mut tasks = Vec::new();
    if !hold_ids.is_empty() {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM ledger_gateway_tasks WHERE {}",
            id_in("hold_id", 1)
        );
        let select = tx.prepare_cached(&sql).await?;
        tasks = rows_to(tx.query(&select, &[&hold_ids]).await?, task_from_row)?;
    }
    Ok((loaded_keys, tasks))
}

/// Writes the keys and tasks a batch created or changed (after its holds: a task row refers
/// to its hold).
pub(super) async fn write(tx: &Transaction<'_>, changes: &Changes<'_>) -> Result<(), Failure> {
    for key in &changes.new_keys {
        let spec = serde_json::to_string(&key.spec)
            .map_err(|e| LedgerError::storage(format!("cannot write key: {e}")))?;
        let sql = format!("INSERT INTO ledger_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4)");
        let params: [&(dyn ToSql + Sync); 4] = [
            &key.spec.key_id.as_str(),
            &spec,
            &db_time(key.created_at),
            &key.revoked_at.map(db_time),
        ];
        run(tx, &sql, &params).await?;
    }
    for key in &changes.changed_keys {
        let sql = "UPDATE ledger_keys SET revoked_at_ms = $2 WHERE id = $1";
        run(
            tx,
            sql,
            &[&key.spec.key_id.as_str(), &key.revoked_at.map(db_time)],
        )
        .await?;
    }
    if !changes.new_tasks.is_empty() {
        insert_tasks(tx, &changes.new_tasks).await?;
    }
    if !changes.changed_tasks.is_empty() {
        let t = &changes.changed_tasks;
        let holds: Vec<&str> = t.iter().map(|t| t.hold_id.as_str()).collect();
        let ids: Vec<Option<&str>> = t
            .iter()
            .map(|t| t.task_id.as_ref().map(TaskId::as_str))
            .collect();
        let at: Vec<Option<i64>> = t.iter().map(|t| t.attached_at.map(db_time)).collect();
        let sql = "UPDATE ledger_gateway_tasks AS t SET task_id = u.task_id, attached_at_ms = u.at \
                   FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(hold_id, task_id, at) \
                   WHERE t.hold_id = u.hold_id";
        run(tx, sql, &[&holds, &ids, &at]).await?;
    }
    Ok(())
}

/// Every new task row in one statement (a batch of a busy gateway carries hundreds).
async fn insert_tasks(tx: &Transaction<'_>, tasks: &[&GatewayTask]) -> Result<(), Failure> {
    let text = |f: fn(&GatewayTask) -> &str| tasks.iter().map(|t| f(t)).collect::<Vec<&str>>();
    let holds = text(|t| t.hold_id.as_str());
    let keys = text(|t| t.open.key_id.as_str());
    let models = text(|t| &t.open.model);
    let types = text(|t| &t.open.task_type);
    let quotes = text(|t| &t.open.quote);
    let opened: Vec<i64> = tasks.iter().map(|t| db_time(t.opened_at)).collect();
    let ids: Vec<Option<&str>> = tasks
        .iter()
        .map(|t| t.task_id.as_ref().map(TaskId::as_str))
        .collect();
    let at: Vec<Option<i64>> = tasks.iter().map(|t| t.attached_at.map(db_time)).collect();
    let sql = format!(
        "INSERT INTO ledger_gateway_tasks ({TASK_COLUMNS}) SELECT * FROM unnest($1::text[], \
         $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::int8[])"
    );
    let params: [&(dyn ToSql + Sync); 8] =
        [&holds, &keys, &models, &types, &quotes, &opened, &ids, &at];
    run(tx, &sql, &params).await?;
    Ok(())
}

fn key_from_row(r: &Row) -> Result<VirtualKey, LedgerError> {
    let spec: KeySpec =
        serde_json::from_str(r.get::<_, &str>("spec")).map_err(|e| bad_row("key", e))?;
    Ok(VirtualKey {
        spec,
        created_at: from_db_time(r.get("created_at_ms")),
        revoked_at: r.get::<_, Option<i64>>("revoked_at_ms").map(from_db_time),
    })
}

fn task_from_row(r: &Row) -> Result<GatewayTask, LedgerError> {
    let bad = |e| bad_row("gateway task", e);
    Ok(GatewayTask {
        hold_id: HoldId::new(r.get::<_, String>("hold_id")).map_err(bad)?,
        open: TaskOpen {
            key_id: KeyId::new(r.get::<_, String>("key_id")).map_err(bad)?,
            model: r.get("model"),
            task_type: r.get("task_type"),
            quote: r.get("quote"),
        },
        opened_at: from_db_time(r.get("opened_at_ms")),
        task_id: r
            .get::<_, Option<String>>("task_id")
            .map(TaskId::new)
            .transpose()
            .map_err(bad)?,
        attached_at: r.get::<_, Option<i64>>("attached_at_ms").map(from_db_time),
    })
}

/// Task rows joined with their holds: the task's columns, then the hold's.
fn record_from_row(r: &Row) -> Result<TaskRecord, LedgerError> {
    Ok(TaskRecord {
        task: task_from_row(r)?,
        hold: hold_from_row(r)?,
    })
}

fn joined(filter: &str) -> String {
    let hold_columns = HOLD_COLUMNS
        .split(", ")
        .map(|c| format!("h.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let task_columns = TASK_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {task_columns}, {hold_columns} FROM ledger_gateway_tasks t \
         JOIN ledger_holds h ON h.id = t.hold_id WHERE {filter}"
    )
}

impl GatewayReads for PgStore {
    fn key<'a>(&'a self, id: &'a KeyId) -> BoxFuture<'a, Result<Option<VirtualKey>, LedgerError>> {
        Box::pin(async move {
            let sql = format!("SELECT {KEY_COLUMNS} FROM ledger_keys WHERE id = $1");
            let rows = self.read(&sql, &[&id.as_str()]).await?;
            rows.first().map(key_from_row).transpose()
        })
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<VirtualKey>, LedgerError>> {
        Box::pin(async move {
            let sql = format!("SELECT {KEY_COLUMNS} FROM ledger_keys ORDER BY id");
            self.read(&sql, &[])
                .await?
                .iter()
                .map(key_from_row)
                .collect()
        })
    }

    fn task_by_id<'a>(
        &'a self,
        task_id: &'a TaskId,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, LedgerError>> {
        Box::pin(async move {
            let rows = self
                .read(&joined("t.task_id = $1"), &[&task_id.as_str()])
                .await?;
            rows.first().map(record_from_row).transpose()
        })
    }

    fn tasks_by_ids<'a>(
        &'a self,
        task_ids: &'a [TaskId],
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>, LedgerError>> {
        Box::pin(async move {
            let ids: Vec<&str> = task_ids.iter().map(TaskId::as_str).collect();
            self.read(&joined(&id_in("t.task_id", 1)), &[&ids])
                .await?
                .iter()
                .map(record_from_row)
                .collect()
        })
    }

    fn open_tasks(&self, limit: usize) -> BoxFuture<'_, Result<Vec<TaskRecord>, LedgerError>> {
        Box::pin(async move {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let sql = format!(
                "{} ORDER BY h.created_at_ms, h.id LIMIT $1",
                joined("h.state = 'pending' AND t.task_id IS NOT NULL")
            );
            self.read(&sql, &[&limit])
                .await?
                .iter()
                .map(record_from_row)
                .collect()
        })
    }

    fn key_accounts<'a>(
        &'a self,
        id: &'a KeyId,
    ) -> BoxFuture<'a, Result<Vec<AccountView>, LedgerError>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE starts_with(id, $1) ORDER BY id"
            );
            let prefix = format!("{}{id}/", piapi_billing::ledger::KEY_ACCOUNT_PREFIX);
            let rows = self.read(&sql, &[&prefix]).await?;
            rows.iter()
                .map(|r| account_from_row(r).map(|a| a.view()))
                .collect()
        })
    }
}
