//! The PostgreSQL store, for several server instances sharing accounts.
//!
//! Each batch is one transaction at READ COMMITTED whose correctness comes from row locks, not
//! from the isolation level: it locks every account the batch touches `FOR UPDATE` in id order
//! (so two instances cannot deadlock on each other's hot accounts), loads only the rows the
//! batch names into a core [`Ledger`], lets the core decide, and writes the changed rows back.
//! Which rows those are is the core's bookkeeping ([`BatchKeys`], [`Changes`]); this file only
//! runs the queries. Hold rows change only under their account's lock, which rules out the
//! write skew of "two debits both read the old balance". The no-overspend invariant is also a
//! `CHECK` constraint. A batch that hits a deadlock, a serialization failure, a concurrent
//! insert of the same id, or a hold created by another instance after it looked for owners is
//! retried whole; retries are safe because every command is idempotent by id.
//!
//! Errors carry PostgreSQL's own message and SQLSTATE, and are sorted into those that pass
//! (connection lost, server starting or shutting down, too many connections, a deadlock: the
//! caller may retry under the same id) and those an operator must fix (authentication, a
//! missing database, missing rights, a schema from a newer server or one that does not match:
//! [`LedgerError::Unusable`]). See [`permanent`] for the exact list.

mod gateway;
mod rows;

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime,
};
use piapi_billing::ledger::{
    Account, AccountId, AccountView, BatchKeys, BatchResult, Changes, Command, Grant, Hold, HoldId,
    Ledger, LedgerError, Timestamp, decide_batch,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use self::rows::{
    ACCOUNT_COLUMNS, AccountColumns, GRANT_COLUMNS, GrantColumns, HOLD_COLUMNS, HoldColumns,
    account_from_row, db_time, grant_from_row, hold_from_row,
};
use super::store::{AnyStore, Backend, LedgerStore};

/// `--ledger postgres://…`.
pub const BACKEND: Backend = Backend {
    name: "postgres",
    schemes: &["postgres://", "postgresql://"],
    syntax: "postgres://USER[:PASSWORD]@HOST[:PORT]/DB",
    check: check_url,
    display: mask_url,
    open: |url| Box::pin(async move { Ok(AnyStore::new(PgStore::open(&url).await?)) }),
};

/// Schema migrations, applied in order; each runs once per database.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "ledger",
        include_str!("../../migrations/0001_ledger.sql"),
    ),
    (
        2,
        "gateway",
        include_str!("../../migrations/0002_gateway.sql"),
    ),
];

/// Serialises concurrent migrators (any constant shared by every instance will do).
const MIGRATION_LOCK: i64 = 0x7069_6170_695f_6c67;

const ATTEMPTS: u32 = 10;

/// Run first in every batch transaction, so the batch's statements are planned once per
/// connection, as index lookups by id.
///
/// - Sequential scans off: a connection keeps the plan of a prepared statement, and one planned
///   while a new database's tables were nearly empty scans them whole, and keeps doing so as
///   they grow until autovacuum next analyses them (256 clients on a new database fell from
///   12,000 to 5,000 pairs/s within 30,000 pairs). A batch only ever looks rows up by key, so an
///   index is always the right plan.
/// - Generic plans always: left to choose, PostgreSQL re-plans every execution of a small
///   batch (an `unnest` of a few ids looks cheaper planned for them), 0.05–0.12 ms a statement.
///   Forcing generic plans took the gateway's added p50 on PostgreSQL from 7.3–9.6 to 5.1–5.6 ms.
///
/// `SET LOCAL` ends with the transaction; reads elsewhere keep the default planner.
const PLAN_FOR_LOOKUPS: &str =
    "SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan";

/// How many due holds one sweep expires; the next sweep takes the rest.
const SWEEP_LIMIT: i64 = 5_000;

/// How long one connection attempt may take before it counts as "unreachable".
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

/// Checks a URL at start-up: it parses, and names a host and a user (without them the first
/// connection would fail with "invalid configuration" much later).
fn check_url(url: &str) -> Result<(), String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("not a PostgreSQL URL ({})", chain(&e)))?;
    if config.get_hosts().is_empty() {
        return Err("the PostgreSQL URL names no host".to_string());
    }
    if config.get_user().is_none() {
        return Err("the PostgreSQL URL names no user".to_string());
    }
    Ok(())
}

/// The URL with its password (in the user part or a `password=` parameter) replaced by `***`.
pub fn mask_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = &base[s + 3..at];
            match user.split_once(':') {
                Some((name, _)) => format!("{}{name}:***{}", &base[..s + 3], &base[at..]),
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out = format!("{out}?{}", params.join("&"));
    }
    out
}

/// An error and its causes, one after the other (tokio-postgres' own `Display` shows only the
/// outermost, e.g. "db error").
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// PostgreSQL's own words: for an error the server reported, its severity, message, SQLSTATE,
/// detail and hint; otherwise the client's chain of causes.
pub fn describe(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return chain(e);
    };
    let mut text = format!(
        "PostgreSQL said: {} {} (SQLSTATE {})",
        db.severity(),
        db.message(),
        db.code().code()
    );
    if let Some(detail) = db.detail() {
        text.push_str(&format!("; detail: {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("; hint: {hint}"));
    }
    text
}

/// True when no retry can succeed until an operator acts. Transient are: connection
/// exceptions (SQLSTATE class 08), transaction rollbacks such as deadlocks (40), insufficient
/// resources such as too many connections (53), system errors (58), a server shutting down,
/// crashing or starting (57P01-57P03), a cancelled statement (57014), a lock not available
/// (55P03), and every failure without an SQLSTATE except a bad configuration or an
/// authentication the client could not perform (I/O errors, closed connections, timeouts).
/// Everything else the server reports is permanent: authentication (28), a missing database
/// (3D000), rights and schema errors (42), constraint violations (23), data errors (22), …
pub fn permanent(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        Some(code) => {
            let c = code.code();
            let transient = ["08", "40", "53", "58"]
                .iter()
                .any(|class| c.starts_with(class))
                || ["57P01", "57P02", "57P03", "57014", "55P03"].contains(&c);
            !transient
        }
        None => matches!(
            e.to_string().as_str(),
            "invalid configuration" | "invalid connection string" | "authentication error"
        ),
    }
}

/// What to do about a permanent error, by SQLSTATE.
fn advice(e: &tokio_postgres::Error) -> &'static str {
    match e.code().map(SqlState::code) {
        Some(c) if c.starts_with("28") => "check the user name and password in --ledger",
        Some("3D000") => "create the database, or correct its name in --ledger",
        Some("42501") => {
            "grant the role what the ledger needs: USAGE on the schema and SELECT, INSERT, \
             UPDATE, DELETE on the ledger tables (creating them the first time needs CREATE)"
        }
        Some(c) if c.starts_with("42") || c.starts_with("23") => {
            "the ledger tables differ from what this server expects; compare them with its \
             migrations, or point --ledger at a database of its own"
        }
        _ if e.code().is_none() => "check the --ledger URL",
        _ => "see PostgreSQL's message",
    }
}

/// A tokio-postgres error as a ledger error, with PostgreSQL's words, sorted by [`permanent`].
fn pg_error(context: &str, e: &tokio_postgres::Error) -> LedgerError {
    if permanent(e) {
        LedgerError::unusable(format!("{context}{}; {}", describe(e), advice(e)))
    } else {
        LedgerError::storage(format!("{context}{}", describe(e)))
    }
}

fn pool_error(e: PoolError) -> LedgerError {
    const CONTEXT: &str = "cannot connect to PostgreSQL: ";
    match e {
        PoolError::Backend(e) => pg_error(CONTEXT, &e),
        PoolError::Timeout(_) => {
            LedgerError::storage(format!("{CONTEXT}no connection within the time limit"))
        }
        other => LedgerError::storage(format!("{CONTEXT}{}", chain(&other))),
    }
}

/// Why an attempt failed: the database (maybe worth a retry), a race with another instance
/// (always retried), or the data.
enum Failure {
    Db(tokio_postgres::Error),
    Raced(HoldId),
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

fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::UNIQUE_VIOLATION
    )
}

impl PgStore {
    /// Connects (a small pool) and makes sure the schema is current: reads the migrations
    /// table first and takes the migration lock (and needs CREATE) only when something is
    /// missing, so a role with data rights alone can run on a migrated database.
    pub async fn open(url: &str) -> Result<PgStore, LedgerError> {
        check_url(url).map_err(|why| LedgerError::unusable(format!("--ledger: {why}")))?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| LedgerError::unusable(format!("--ledger: {}", chain(&e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
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
            .create_timeout(Some(CONNECT_TIMEOUT * 2))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| LedgerError::storage(format!("cannot build the PostgreSQL pool: {e}")))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, LedgerError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Runs one (cached) read statement on a pooled connection.
    async fn read(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, LedgerError> {
        let client = self.client().await?;
        let err = |e: tokio_postgres::Error| pg_error("", &e);
        let statement = client.prepare_cached(sql).await.map_err(err)?;
        client.query(&statement, params).await.map_err(err)
    }

    async fn migrate(&self) -> Result<(), LedgerError> {
        let mut client = self.client().await?;
        if let Some(applied) = applied_migrations(&client).await? {
            check_known(&applied)?;
            if MIGRATIONS.iter().all(|(v, _, _)| applied.contains(v)) {
                return Ok(());
            }
        }
        apply_migrations(&mut client).await
    }

    async fn attempt(
        &self,
        client: &mut deadpool_postgres::Object,
        commands: &[Command],
        now: Timestamp,
    ) -> Result<BatchResult, Failure> {
        let mut keys = BatchKeys::of(commands);
        create_accounts(client, &keys.created_accounts).await?;
        let tx = client.transaction().await?;
        tx.batch_execute(PLAN_FOR_LOOKUPS).await?;
        if keys.sweeps {
            keys.holds.extend(due_holds(&tx, now).await?);
        }
        let (mut ledger, loaded) = lock_and_load(&tx, &keys).await?;
        let decided = decide_batch(&mut ledger, commands, now);
        if !decided.events.is_empty() {
            let changes = Changes::of(&ledger, &decided.events, &loaded.holds, &loaded.accounts)?;
            write_changes(&tx, &changes).await?;
        }
        tx.commit().await?;
        Ok(decided.results)
    }
}

/// The applied migration versions, or `None` when the migrations table does not exist yet.
/// Needs only SELECT on the table (and USAGE on its schema).
async fn applied_migrations(
    client: &tokio_postgres::Client,
) -> Result<Option<BTreeSet<i32>>, LedgerError> {
    let context = "cannot read the ledger schema version: ";
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('ledger_schema_migrations') IS NOT NULL",
            &[],
        )
        .await
        .map_err(|e| pg_error(context, &e))?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let rows = client
        .query("SELECT version FROM ledger_schema_migrations", &[])
        .await
        .map_err(|e| pg_error(context, &e))?;
    Ok(Some(rows.iter().map(|r| r.get(0)).collect()))
}

/// Refuses a schema that a newer server migrated past what this one knows.
fn check_known(applied: &BTreeSet<i32>) -> Result<(), LedgerError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    match applied.last() {
        Some(&newest) if newest > known => Err(LedgerError::unusable(format!(
            "the ledger schema is at version {newest}, this server knows up to {known}; \
             upgrade the server"
        ))),
        _ => Ok(()),
    }
}

/// Applies the missing migrations in one transaction under the migration lock.
async fn apply_migrations(client: &mut deadpool_postgres::Object) -> Result<(), LedgerError> {
    let context = "cannot migrate the ledger schema (the first start needs a role that may \
                   CREATE tables; later ones only data rights): ";
    let err = |e: tokio_postgres::Error| pg_error(context, &e);
    let tx = client.transaction().await.map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ledger_schema_migrations (
             version integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(err)?;
    let applied: BTreeSet<i32> = tx
        .query("SELECT version FROM ledger_schema_migrations", &[])
        .await
        .map_err(err)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    check_known(&applied)?;
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await.map_err(err)?;
        tx.execute(
            "INSERT INTO ledger_schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(err)?;
        tracing::info!(version, name, "applied ledger schema migration");
    }
    tx.commit().await.map_err(err)
}

/// Prepares (cached per connection) and runs one statement; the number of rows it changed.
async fn run(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, Failure> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.execute(&statement, params).await?)
}

/// Accounts a grant may create must exist before they can be locked. Inserted outside the
/// batch transaction, so that creating a new account never waits inside it.
async fn create_accounts(
    client: &deadpool_postgres::Object,
    accounts: &BTreeSet<AccountId>,
) -> Result<(), Failure> {
    if accounts.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = accounts.iter().map(AccountId::as_str).collect();
    let sql =
        "INSERT INTO ledger_accounts (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING";
    run(client, sql, &[&ids]).await?;
    Ok(())
}

/// Pending holds due at `now`, earliest first, at most [`SWEEP_LIMIT`].
async fn due_holds(
    tx: &deadpool_postgres::Transaction<'_>,
    now: Timestamp,
) -> Result<Vec<HoldId>, Failure> {
    let due = tx
        .prepare_cached(
            "SELECT id FROM ledger_holds WHERE state = 'pending' AND expires_at_ms <= $1 \
             ORDER BY expires_at_ms LIMIT $2",
        )
        .await?;
    let rows = tx.query(&due, &[&db_time(now), &SWEEP_LIMIT]).await?;
    rows.iter()
        .map(|r| HoldId::new(r.get::<_, String>(0)).map_err(|e| rows::bad_row("hold", e).into()))
        .collect()
}

/// The rows a batch was decided on: which holds existed, which accounts were locked.
struct Loaded {
    holds: HashSet<HoldId>,
    accounts: BTreeSet<AccountId>,
}

/// Locks the batch's accounts (those it names and those owning its holds) in id order, then
/// loads its holds and grants, which cannot change while their accounts are locked.
async fn lock_and_load(
    tx: &deadpool_postgres::Transaction<'_>,
    keys: &BatchKeys,
) -> Result<(Ledger, Loaded), Failure> {
    let hold_ids: Vec<&str> = keys.holds.iter().map(HoldId::as_str).collect();
    let grant_ids: Vec<&str> = keys.grants.iter().map(|g| g.as_str()).collect();
    let accounts: Vec<&str> = keys.accounts.iter().map(AccountId::as_str).collect();
    let locked = lock_accounts(tx, &accounts, &hold_ids).await?;
    let locked_ids: BTreeSet<AccountId> = locked.iter().map(|a| a.id.clone()).collect();
    // Issued together: the connection pipelines them, one round trip instead of three.
    let (holds, grants, (keys, tasks)) = tokio::try_join!(
        select_by_ids(tx, HOLD_COLUMNS, "ledger_holds", &hold_ids, hold_from_row),
        select_by_ids(
            tx,
            GRANT_COLUMNS,
            "ledger_grants",
            &grant_ids,
            grant_from_row
        ),
        gateway::load(tx, keys),
    )?;
    if let Some(hold) = holds.iter().find(|h| !locked_ids.contains(&h.account)) {
        // Another instance created this hold after the lock statement looked for owners; its
        // account is not locked, so this attempt must not decide on it. The next one will.
        return Err(Failure::Raced(hold.id.clone()));
    }
    let loaded = Loaded {
        holds: holds.iter().map(|h| h.id.clone()).collect(),
        accounts: locked_ids,
    };
    let ledger = Ledger::from_parts(locked, holds, grants).with_gateway(keys, tasks);
    Ok((ledger, loaded))
}

/// Locks, in id order, the accounts named and those owning the named holds, in one statement.
/// A hold's account never changes, so the owners may be read before the lock is taken.
async fn lock_accounts(
    tx: &deadpool_postgres::Transaction<'_>,
    accounts: &[&str],
    hold_ids: &[&str],
) -> Result<Vec<Account>, Failure> {
    let lock = tx
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id IN \
             (SELECT unnest($1::text[]) UNION SELECT account FROM ledger_holds WHERE {}) \
             ORDER BY id FOR UPDATE",
            rows::id_in("id", 2)
        ))
        .await?;
    rows_to(
        tx.query(&lock, &[&accounts, &hold_ids]).await?,
        account_from_row,
    )
}

fn rows_to<T>(
    rows: Vec<Row>,
    from_row: fn(&Row) -> Result<T, LedgerError>,
) -> Result<Vec<T>, Failure> {
    Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
}

/// Rows of `table` whose id is in `ids`, read with `from_row`; no query when `ids` is empty.
async fn select_by_ids<T>(
    tx: &deadpool_postgres::Transaction<'_>,
    columns: &str,
    table: &str,
    ids: &[&str],
    from_row: fn(&Row) -> Result<T, LedgerError>,
) -> Result<Vec<T>, Failure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = tx
        .prepare_cached(&format!(
            "SELECT {columns} FROM {table} WHERE {}",
            rows::id_in("id", 1)
        ))
        .await?;
    rows_to(tx.query(&select, &[&ids]).await?, from_row)
}

/// Writes back exactly the rows the batch changed.
async fn write_changes(
    tx: &deadpool_postgres::Transaction<'_>,
    changes: &Changes<'_>,
) -> Result<(), Failure> {
    if !changes.new_holds.is_empty() {
        insert_holds(tx, &changes.new_holds).await?;
    }
    if !changes.changed_holds.is_empty() {
        update_holds(tx, &changes.changed_holds).await?;
    }
    if !changes.new_grants.is_empty() {
        insert_grants(tx, &changes.new_grants).await?;
    }
    gateway::write(tx, changes).await?;
    update_accounts(tx, &changes.accounts).await
}

async fn insert_holds(
    tx: &deadpool_postgres::Transaction<'_>,
    holds: &[&Hold],
) -> Result<(), Failure> {
    let sql = format!(
        "INSERT INTO ledger_holds ({HOLD_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], \
         $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::text[], $8::text[], $9::int8[], \
         $10::int8[], $11::int8[], $12::text[])"
    );
    let c = HoldColumns::of(holds)?;
    let columns: [&(dyn ToSql + Sync); 12] = [
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
    ];
    run(tx, &sql, &columns).await?;
    Ok(())
}

async fn update_holds(
    tx: &deadpool_postgres::Transaction<'_>,
    holds: &[&Hold],
) -> Result<(), Failure> {
    let sql = "UPDATE ledger_holds AS h SET state = u.state, resolved_at_ms = u.resolved_at_ms, \
               charge_points = u.charge_points, charged_at_ms = u.charged_at_ms, \
               charge_reference = u.charge_reference \
               FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::text[]) \
               AS u(id, state, resolved_at_ms, charge_points, charged_at_ms, charge_reference) \
               WHERE h.id = u.id";
    let c = HoldColumns::of(holds)?;
    let columns: [&(dyn ToSql + Sync); 6] = [
        &c.id,
        &c.state,
        &c.resolved_at,
        &c.charge,
        &c.charged_at,
        &c.reference,
    ];
    run(tx, sql, &columns).await?;
    Ok(())
}

async fn insert_grants(
    tx: &deadpool_postgres::Transaction<'_>,
    grants: &[&Grant],
) -> Result<(), Failure> {
    let sql = format!(
        "INSERT INTO ledger_grants ({GRANT_COLUMNS}) SELECT * FROM unnest($1::text[], $2::text[], \
         $3::int8[], $4::int8[], $5::int8[], $6::text[])"
    );
    let c = GrantColumns::of(grants)?;
    run(
        tx,
        &sql,
        &[&c.id, &c.account, &c.amount, &c.bonus, &c.at, &c.memo],
    )
    .await?;
    Ok(())
}

async fn update_accounts(
    tx: &deadpool_postgres::Transaction<'_>,
    accounts: &[&Account],
) -> Result<(), Failure> {
    let sql = "UPDATE ledger_accounts AS a SET credited_points = u.credited, posted_points = u.posted, \
               pending_points = u.pending, late_points = u.late \
               FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[]) \
               AS u(id, credited, posted, pending, late) WHERE a.id = u.id";
    let c = AccountColumns::of(accounts)?;
    let changed = run(
        tx,
        sql,
        &[&c.id, &c.credited, &c.posted, &c.pending, &c.late],
    )
    .await?;
    if changed != c.id.len() as u64 {
        return Err(LedgerError::storage(format!(
            "{changed} of {} account rows were updated",
            c.id.len()
        ))
        .into());
    }
    Ok(())
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
                    tracing::debug!(attempt, error = %describe(&e), "retrying a ledger batch");
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 2)).await;
                }
                Err(Failure::Raced(hold)) if attempt < ATTEMPTS => {
                    tracing::debug!(attempt, hold = %hold, "a hold appeared while locking; retrying");
                }
                Err(Failure::Raced(hold)) => {
                    return Err(LedgerError::storage(format!(
                        "hold \"{hold}\" kept appearing while its account was being locked"
                    )));
                }
                Err(Failure::Db(e)) => return Err(pg_error("", &e)),
                Err(Failure::Ledger(e)) => return Err(e),
            }
        }
    }

    async fn account(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1");
        Ok(match self.read(&sql, &[&id.as_str()]).await?.first() {
            Some(r) => account_from_row(r)?.view(),
            None => Account::new(id.clone()).view(),
        })
    }

    async fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        let sql = format!(
            "SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE state = 'pending' \
             AND ($1::text IS NULL OR account = $1) ORDER BY created_at_ms, id LIMIT $2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .read(&sql, &[&account.map(AccountId::as_str), &limit])
            .await?;
        rows.iter().map(hold_from_row).collect()
    }

    async fn hold(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        let sql = format!("SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE id = $1");
        let rows = self.read(&sql, &[&id.as_str()]).await?;
        rows.first().map(hold_from_row).transpose()
    }

    fn gateway(&self) -> &dyn super::store::GatewayReads {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_passwords() {
        assert_eq!(
            mask_url("postgres://me:s3cr@t@db.example:5432/ledger"),
            "postgres://me:***@db.example:5432/ledger"
        );
        assert_eq!(
            mask_url("postgresql://me@db/ledger?sslmode=disable&password=x&PASSWORD=y"),
            "postgresql://me@db/ledger?sslmode=disable&password=***&PASSWORD=***"
        );
        assert_eq!(mask_url("postgres://db/ledger"), "postgres://db/ledger");
    }

    #[test]
    fn urls_need_a_host_and_a_user() {
        assert!(check_url("postgres://u@127.0.0.1:5432/db").is_ok());
        assert!(check_url("postgres://").unwrap_err().contains("no host"));
        assert!(
            check_url("postgres:///db?user=u")
                .unwrap_err()
                .contains("no host")
        );
        assert!(
            check_url("postgres://127.0.0.1/db")
                .unwrap_err()
                .contains("no user")
        );
        assert!(
            check_url("postgres://u@h:notaport/db")
                .unwrap_err()
                .contains("not a PostgreSQL URL")
        );
    }

    #[test]
    fn future_schema_versions_are_refused_with_both_versions_named() {
        let err = check_known(&[1, 2, 3].into_iter().collect()).unwrap_err();
        assert!(err.is_permanent());
        assert!(
            err.to_string().contains(
                "the ledger schema is at version 3, this server knows up to 2; upgrade the server"
            ),
            "{err}"
        );
        assert!(check_known(&[1, 2].into_iter().collect()).is_ok());
    }
}
