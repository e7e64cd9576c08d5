//! The PostgreSQL store, for several server instances sharing accounts.
//!
//! Each batch is one transaction at READ COMMITTED whose correctness comes from row locks, not
//! from the isolation level: it locks every account the batch touches `FOR UPDATE` in id order
//! (so two instances cannot deadlock on each other's hot accounts), loads only the rows the
//! batch names into a core [`Ledger`], lets the core decide, and writes the changed rows back.
//! Hold rows change only under their account's lock, which rules out the write skew of "two
//! debits both read the old balance". The no-overspend invariant is also a `CHECK` constraint.
//! A batch that hits a deadlock, a serialization failure or a concurrent insert of the same id
//! is retried whole; retries are safe because every command is idempotent by id.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use piapi_billing::ledger::{
    Account, AccountId, AccountView, Charge, Command, Event, Grant, GrantId, Hold, HoldId,
    HoldState, Ledger, LedgerError, Timestamp,
};
use piapi_billing::money::{POINTS_PER_USD, Usd};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

use super::store::{BatchResult, LedgerStore};

/// Schema migrations, applied in order at open; each runs once per database.
const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "ledger",
    include_str!("../../migrations/0001_ledger.sql"),
)];

/// Serialises concurrent migrators (any constant shared by every instance will do).
const MIGRATION_LOCK: i64 = 0x7069_6170_695f_6c67;

const ATTEMPTS: u32 = 10;

/// How many due holds one sweep expires; the next sweep takes the rest.
const SWEEP_LIMIT: i64 = 5_000;

const HOLD_COLUMNS: &str = "id, account, amount_points, created_at_ms, ttl_ms, expires_at_ms, memo, state, \
                            resolved_at_ms, charge_points, charged_at_ms, charge_reference";
const ACCOUNT_COLUMNS: &str = "id, credited_points, posted_points, pending_points, late_points";
const GRANT_COLUMNS: &str = "id, account, amount_points, bonus_points, granted_at_ms, memo";

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

/// Why an attempt failed: the database (maybe worth a retry) or the data.
enum Failure {
    Db(tokio_postgres::Error),
    Ledger(LedgerError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Db(e)
    }
}

impl From<LedgerError> for Failure {
    fn from(e: LedgerError) -> Self {
        Failure::Ledger(e)
    }
}

fn db_error(e: &tokio_postgres::Error) -> LedgerError {
    // tokio-postgres errors carry the server's message, never the connection password.
    LedgerError::storage(format!("PostgreSQL: {e}"))
}

fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::UNIQUE_VIOLATION
    )
}

impl PgStore {
    /// Connects (a small pool) and applies pending migrations.
    pub async fn open(url: &str) -> Result<PgStore, LedgerError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| LedgerError::storage(format!("invalid PostgreSQL URL: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(4)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| LedgerError::storage(format!("cannot build the PostgreSQL pool: {e}")))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, LedgerError> {
        self.pool
            .get()
            .await
            .map_err(|e| LedgerError::storage(format!("cannot connect to PostgreSQL: {e}")))
    }

    async fn migrate(&self) -> Result<(), LedgerError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| db_error(&e))?;
        let run = async {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS ledger_schema_migrations (
                     version integer PRIMARY KEY,
                     name text NOT NULL,
                     applied_at timestamptz NOT NULL DEFAULT now())",
            )
            .await?;
            let applied: HashSet<i32> = tx
                .query("SELECT version FROM ledger_schema_migrations", &[])
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            for (version, name, sql) in MIGRATIONS {
                if applied.contains(version) {
                    continue;
                }
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO ledger_schema_migrations (version, name) VALUES ($1, $2)",
                    &[version, name],
                )
                .await?;
                tracing::info!(version, name, "applied ledger schema migration");
            }
            Ok::<(), tokio_postgres::Error>(())
        };
        run.await.map_err(|e| db_error(&e))?;
        tx.commit().await.map_err(|e| db_error(&e))
    }

    async fn attempt(
        &self,
        client: &mut deadpool_postgres::Object,
        commands: &[Command],
        now: Timestamp,
    ) -> Result<BatchResult, Failure> {
        let mut hold_ids: Vec<String> = commands
            .iter()
            .filter_map(Command::hold_id)
            .map(|h| h.to_string())
            .collect();
        let grant_ids: Vec<String> = commands
            .iter()
            .filter_map(Command::grant_id)
            .map(|g| g.to_string())
            .collect();
        let mut accounts: BTreeSet<String> = commands
            .iter()
            .filter_map(Command::account)
            .map(|a| a.to_string())
            .collect();

        // Accounts a grant may create must exist before they can be locked. Inserted outside
        // the batch transaction, so that creating a new account never waits inside it.
        let new_accounts: Vec<String> = commands
            .iter()
            .filter(|c| matches!(c, Command::Grant { .. }) && c.validate().is_ok())
            .filter_map(|c| c.account().map(|a| a.to_string()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !new_accounts.is_empty() {
            let insert = client
                .prepare_cached("INSERT INTO ledger_accounts (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING")
                .await?;
            client.execute(&insert, &[&new_accounts]).await?;
        }

        let tx = client.transaction().await?;
        if commands.iter().any(|c| matches!(c, Command::Expire)) {
            let due = tx
                .prepare_cached(
                    "SELECT id FROM ledger_holds WHERE state = 'pending' AND expires_at_ms <= $1 \
                     ORDER BY expires_at_ms LIMIT $2",
                )
                .await?;
            hold_ids.extend(
                tx.query(&due, &[&db_time(now), &SWEEP_LIMIT])
                    .await?
                    .iter()
                    .map(|r| r.get::<_, String>(0)),
            );
        }
        hold_ids.sort();
        hold_ids.dedup();
        // A hold's account never changes, so this unlocked read tells which accounts to lock.
        if !hold_ids.is_empty() {
            let owners = tx
                .prepare_cached("SELECT DISTINCT account FROM ledger_holds WHERE id = ANY($1)")
                .await?;
            accounts.extend(
                tx.query(&owners, &[&hold_ids])
                    .await?
                    .iter()
                    .map(|r| r.get::<_, String>(0)),
            );
        }
        let accounts: Vec<String> = accounts.into_iter().collect();
        let lock = tx
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE"
            ))
            .await?;
        let account_rows = tx.query(&lock, &[&accounts]).await?;
        let loaded_accounts = account_rows
            .iter()
            .map(account_from_row)
            .collect::<Result<Vec<_>, _>>()?;

        // Re-read the holds now that their accounts are locked: they cannot change any more.
        let holds =
            select_by_ids(&tx, HOLD_COLUMNS, "ledger_holds", &hold_ids, hold_from_row).await?;
        let grants = select_by_ids(
            &tx,
            GRANT_COLUMNS,
            "ledger_grants",
            &grant_ids,
            grant_from_row,
        )
        .await?;
        let existing: HashSet<HoldId> = holds.iter().map(|h| h.id.clone()).collect();
        let locked: HashSet<AccountId> = loaded_accounts.iter().map(|a| a.id.clone()).collect();

        let mut ledger = Ledger::from_parts(loaded_accounts, holds, grants);
        let mut events: Vec<Event> = Vec::new();
        let mut results = Vec::with_capacity(commands.len());
        for command in commands {
            results.push(ledger.apply(command, now).map(|applied| {
                events.extend(applied.events);
                applied.outcome
            }));
        }
        if events.is_empty() {
            tx.commit().await?;
            return Ok(results);
        }

        let mut touched_holds: Vec<&Hold> = Vec::new();
        let mut seen = HashSet::new();
        let mut new_grants: Vec<&Grant> = Vec::new();
        let mut touched_accounts: BTreeSet<AccountId> = BTreeSet::new();
        for event in &events {
            if let Event::Granted { grant } = event {
                new_grants.push(grant);
                touched_accounts.insert(grant.account.clone());
            }
            if let Some(id) = event.hold_id()
                && seen.insert(id.clone())
                && let Some(h) = ledger.hold(id)
            {
                touched_accounts.insert(h.account.clone());
                touched_holds.push(h);
            }
        }
        if let Some(a) = touched_accounts.iter().find(|a| !locked.contains(*a)) {
            return Err(LedgerError::storage(format!(
                "account \"{a}\" changed without being locked"
            ))
            .into());
        }
        let (inserted, updated): (Vec<&Hold>, Vec<&Hold>) = touched_holds
            .into_iter()
            .partition(|h| !existing.contains(&h.id));
        if !inserted.is_empty() {
            let insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO ledger_holds ({HOLD_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], \
                     $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::text[], $8::text[], $9::int8[], \
                     $10::int8[], $11::int8[], $12::text[])"
                ))
                .await?;
            let c = HoldColumns::of(&inserted)?;
            tx.execute(
                &insert,
                &[
                    &c.id,
                    &c.account,
                    &c.amount,
                    &c.created_at,
                    &c.ttl,
                    &c.expires_at,
                    &c.memo,
                    &c.state,
                    &c.resolved_at,
                    &c.charge,
                    &c.charged_at,
                    &c.reference,
                ],
            )
            .await?;
        }
        if !updated.is_empty() {
            let update = tx
                .prepare_cached(
                    "UPDATE ledger_holds AS h SET state = u.state, resolved_at_ms = u.resolved_at_ms, \
                     charge_points = u.charge_points, charged_at_ms = u.charged_at_ms, \
                     charge_reference = u.charge_reference \
                     FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::text[]) \
                     AS u(id, state, resolved_at_ms, charge_points, charged_at_ms, charge_reference) \
                     WHERE h.id = u.id",
                )
                .await?;
            let c = HoldColumns::of(&updated)?;
            tx.execute(
                &update,
                &[
                    &c.id,
                    &c.state,
                    &c.resolved_at,
                    &c.charge,
                    &c.charged_at,
                    &c.reference,
                ],
            )
            .await?;
        }
        if !new_grants.is_empty() {
            let insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO ledger_grants ({GRANT_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], \
                     $3::int8[], $4::int8[], $5::int8[], $6::text[])"
                ))
                .await?;
            let id: Vec<&str> = new_grants.iter().map(|g| g.grant_id.as_str()).collect();
            let account: Vec<&str> = new_grants.iter().map(|g| g.account.as_str()).collect();
            let amount = new_grants
                .iter()
                .map(|g| points(g.amount_usd))
                .collect::<Result<Vec<_>, _>>()?;
            let bonus = new_grants
                .iter()
                .map(|g| points(g.bonus_usd))
                .collect::<Result<Vec<_>, _>>()?;
            let at: Vec<i64> = new_grants.iter().map(|g| db_time(g.granted_at)).collect();
            let memo: Vec<Option<&str>> = new_grants.iter().map(|g| g.memo.as_deref()).collect();
            tx.execute(&insert, &[&id, &account, &amount, &bonus, &at, &memo])
                .await?;
        }
        let update = tx
            .prepare_cached(
                "UPDATE ledger_accounts AS a SET credited_points = u.credited, posted_points = u.posted, \
                 pending_points = u.pending, late_points = u.late \
                 FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[]) \
                 AS u(id, credited, posted, pending, late) WHERE a.id = u.id",
            )
            .await?;
        let accounts: Vec<&Account> = touched_accounts
            .iter()
            .filter_map(|a| ledger.account(a))
            .collect();
        let id: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
        let credited = accounts
            .iter()
            .map(|a| points(a.credited))
            .collect::<Result<Vec<_>, _>>()?;
        let posted = accounts
            .iter()
            .map(|a| points(a.posted))
            .collect::<Result<Vec<_>, _>>()?;
        let pending = accounts
            .iter()
            .map(|a| points(a.pending))
            .collect::<Result<Vec<_>, _>>()?;
        let late = accounts
            .iter()
            .map(|a| points(a.late))
            .collect::<Result<Vec<_>, _>>()?;
        let changed = tx
            .execute(&update, &[&id, &credited, &posted, &pending, &late])
            .await?;
        if changed != id.len() as u64 {
            return Err(LedgerError::storage(format!(
                "{changed} of {} account rows were updated",
                id.len()
            ))
            .into());
        }
        tx.commit().await?;
        Ok(results)
    }
}

/// The columns of a set of holds, as arrays for `unnest`.
struct HoldColumns<'a> {
    id: Vec<&'a str>,
    account: Vec<&'a str>,
    amount: Vec<i64>,
    created_at: Vec<i64>,
    ttl: Vec<i64>,
    expires_at: Vec<i64>,
    memo: Vec<Option<&'a str>>,
    state: Vec<&'static str>,
    resolved_at: Vec<Option<i64>>,
    charge: Vec<Option<i64>>,
    charged_at: Vec<Option<i64>>,
    reference: Vec<Option<&'a str>>,
}

impl<'a> HoldColumns<'a> {
    fn of(holds: &[&'a Hold]) -> Result<Self, LedgerError> {
        Ok(HoldColumns {
            id: holds.iter().map(|h| h.id.as_str()).collect(),
            account: holds.iter().map(|h| h.account.as_str()).collect(),
            amount: holds
                .iter()
                .map(|h| points(h.amount))
                .collect::<Result<_, _>>()?,
            created_at: holds.iter().map(|h| db_time(h.created_at)).collect(),
            ttl: holds
                .iter()
                .map(|h| i64::try_from(h.ttl_ms).unwrap_or(i64::MAX))
                .collect(),
            expires_at: holds.iter().map(|h| db_time(h.expires_at)).collect(),
            memo: holds.iter().map(|h| h.memo.as_deref()).collect(),
            state: holds.iter().map(|h| h.state.as_str()).collect(),
            resolved_at: holds.iter().map(|h| h.resolved_at.map(db_time)).collect(),
            charge: holds
                .iter()
                .map(|h| h.charge.as_ref().map(|c| points(c.amount)).transpose())
                .collect::<Result<_, _>>()?,
            charged_at: holds
                .iter()
                .map(|h| h.charge.as_ref().map(|c| db_time(c.at)))
                .collect(),
            reference: holds
                .iter()
                .map(|h| h.charge.as_ref().and_then(|c| c.reference.as_deref()))
                .collect(),
        })
    }
}

fn points(usd: Usd) -> Result<i64, LedgerError> {
    (usd.0 * Decimal::from(POINTS_PER_USD))
        .to_i64()
        .ok_or_else(|| LedgerError::storage(format!("{usd} USD does not fit the points column")))
}

fn from_points(points: i64) -> Usd {
    Usd(Decimal::new(points, 7).normalize())
}

fn db_time(t: Timestamp) -> i64 {
    i64::try_from(t.millis()).unwrap_or(i64::MAX)
}

fn from_db_time(ms: i64) -> Timestamp {
    Timestamp(u64::try_from(ms).unwrap_or(0))
}

fn bad_row(what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::storage(format!("a stored {what} is invalid: {e}"))
}

/// Rows of `table` whose id is in `ids`, read with `from_row`; no query when `ids` is empty.
async fn select_by_ids<T>(
    tx: &deadpool_postgres::Transaction<'_>,
    columns: &str,
    table: &str,
    ids: &[String],
    from_row: fn(&Row) -> Result<T, LedgerError>,
) -> Result<Vec<T>, Failure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = tx
        .prepare_cached(&format!("SELECT {columns} FROM {table} WHERE id = ANY($1)"))
        .await?;
    let rows = tx.query(&select, &[&ids]).await?;
    Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
}

fn account_from_row(r: &Row) -> Result<Account, LedgerError> {
    Ok(Account {
        id: AccountId::new(r.get::<_, String>("id")).map_err(|e| bad_row("account", e))?,
        credited: from_points(r.get("credited_points")),
        posted: from_points(r.get("posted_points")),
        pending: from_points(r.get("pending_points")),
        late: from_points(r.get("late_points")),
    })
}

fn hold_from_row(r: &Row) -> Result<Hold, LedgerError> {
    let state = match r.get::<_, &str>("state") {
        "pending" => HoldState::Pending,
        "settled" => HoldState::Settled,
        "released" => HoldState::Released,
        "expired" => HoldState::Expired,
        other => return Err(bad_row("hold", format!("unknown state {other:?}"))),
    };
    let charge = match (
        r.get::<_, Option<i64>>("charge_points"),
        r.get::<_, Option<i64>>("charged_at_ms"),
    ) {
        (Some(p), Some(at)) => Some(Charge {
            amount: from_points(p),
            at: from_db_time(at),
            reference: r.get("charge_reference"),
        }),
        _ => None,
    };
    Ok(Hold {
        id: HoldId::new(r.get::<_, String>("id")).map_err(|e| bad_row("hold", e))?,
        account: AccountId::new(r.get::<_, String>("account")).map_err(|e| bad_row("hold", e))?,
        amount: from_points(r.get("amount_points")),
        created_at: from_db_time(r.get("created_at_ms")),
        ttl_ms: u64::try_from(r.get::<_, i64>("ttl_ms")).map_err(|e| bad_row("hold", e))?,
        expires_at: from_db_time(r.get("expires_at_ms")),
        memo: r.get("memo"),
        state,
        resolved_at: r.get::<_, Option<i64>>("resolved_at_ms").map(from_db_time),
        charge,
    })
}

fn grant_from_row(r: &Row) -> Result<Grant, LedgerError> {
    let amount = from_points(r.get("amount_points"));
    let bonus = from_points(r.get("bonus_points"));
    Ok(Grant {
        grant_id: GrantId::new(r.get::<_, String>("id")).map_err(|e| bad_row("grant", e))?,
        account: AccountId::new(r.get::<_, String>("account")).map_err(|e| bad_row("grant", e))?,
        amount_usd: amount,
        bonus_usd: bonus,
        credited_usd: Usd(amount.0 + bonus.0),
        granted_at: from_db_time(r.get("granted_at_ms")),
        memo: r.get("memo"),
    })
}

impl LedgerStore for PgStore {
    async fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> Result<BatchResult, LedgerError> {
        let mut client = self.client().await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(&mut client, &commands, now).await {
                Ok(results) => return Ok(results),
                Err(Failure::Db(e)) if retryable(&e) && attempt < ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "retrying a ledger batch");
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 2)).await;
                }
                Err(Failure::Db(e)) => return Err(db_error(&e)),
                Err(Failure::Ledger(e)) => return Err(e),
            }
        }
    }

    async fn account(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        let client = self.client().await?;
        let select = client
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1"
            ))
            .await
            .map_err(|e| db_error(&e))?;
        let row = client
            .query_opt(&select, &[&id.as_str()])
            .await
            .map_err(|e| db_error(&e))?;
        Ok(match row {
            Some(r) => account_from_row(&r)?.view(),
            None => Account::new(id.clone()).view(),
        })
    }

    async fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        let client = self.client().await?;
        let select = client
            .prepare_cached(&format!(
                "SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE state = 'pending' \
                 AND ($1::text IS NULL OR account = $1) ORDER BY created_at_ms, id LIMIT $2"
            ))
            .await
            .map_err(|e| db_error(&e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(&select, &[&account.map(AccountId::as_str), &limit])
            .await
            .map_err(|e| db_error(&e))?;
        rows.iter().map(hold_from_row).collect()
    }

    async fn hold(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        let client = self.client().await?;
        let select = client
            .prepare_cached(&format!(
                "SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE id = $1"
            ))
            .await
            .map_err(|e| db_error(&e))?;
        let row = client
            .query_opt(&select, &[&id.as_str()])
            .await
            .map_err(|e| db_error(&e))?;
        row.as_ref().map(hold_from_row).transpose()
    }
}
