//! The PostgreSQL store's errors and its start-up: PostgreSQL's own message and SQLSTATE reach
//! the error (never a password), a schema migrated by a newer server is refused at open, a role
//! with data rights only runs on a migrated database, a bad database stops the binary at start
//! with a non-zero exit unless `--ledger-optional`, and a server started while its own
//! PostgreSQL is down recovers once it is up, sweeper included.

mod ledger_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ledger_common::mcp::{self, call, run_briefly};
use ledger_common::*;
use piapi_billing_mcp::ledger::{LedgerLocation, LedgerService, PgStore};
use serde_json::json;

/// The shared test server's URL for a database that does not exist, with a password in it.
fn missing_database_url(admin: &str) -> String {
    let url = with_user(admin, "postgres", Some("hunter2-secret"));
    let (server, _) = url.rsplit_once('/').unwrap();
    format!("{server}/{}", unique("no_such_ledger_db"))
}

#[tokio::test]
async fn errors_carry_postgresqls_message_and_sqlstate_but_no_password() {
    let Some(admin) = pg_admin_url() else { return };
    let url = missing_database_url(&admin);
    let err = PgStore::open(&url).await.err().expect("a missing database");
    let text = err.to_string();
    assert!(err.is_permanent(), "no retry creates a database: {text}");
    assert!(
        text.contains("SQLSTATE 3D000") && text.contains("does not exist"),
        "{text}"
    );
    assert!(
        text.contains("create the database"),
        "says what to do: {text}"
    );
    assert!(
        !text.contains("retrying with the same id is safe"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    let shown = LedgerLocation::parse(&url).unwrap().to_string();
    assert!(
        shown.contains("postgres:***@") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_schema_from_a_newer_server_is_refused_at_open() {
    let Some(url) = fresh_pg_database().await else {
        return;
    };
    PgStore::open(&url).await.expect("migrates to version 2");
    psql(
        &url,
        "INSERT INTO ledger_schema_migrations (version, name) VALUES (3, 'from_the_future')",
    )
    .await;
    let err = PgStore::open(&url).await.err().expect("refused");
    assert!(err.is_permanent());
    assert!(
        err.to_string().contains(
            "the ledger schema is at version 3, this server knows up to 2; upgrade the server"
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_with_data_rights_only_runs_on_a_migrated_database() {
    let Some(url) = fresh_pg_database().await else {
        return;
    };
    let role = unique("ledger_dml");
    psql(&url, &format!("CREATE ROLE {role} LOGIN")).await;
    let as_role = with_user(&url, &role, None);
    // Before the schema exists, the role cannot create it, and the error says so.
    let err = PgStore::open(&as_role)
        .await
        .err()
        .expect("no CREATE right");
    assert!(err.is_permanent(), "{err}");
    assert!(
        err.to_string().contains("SQLSTATE 42501") && err.to_string().contains("CREATE"),
        "{err}"
    );

    PgStore::open(&url).await.expect("the owner migrates");
    psql(
        &url,
        &format!(
            "GRANT USAGE ON SCHEMA public TO {role}; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        ),
    )
    .await;
    let ledger = LedgerService::open(&LedgerLocation::parse(&as_role).unwrap())
        .await
        .expect("data rights are enough on a migrated database");
    ledger.submit(grant("g", "dml", "5")).await.unwrap();
    ledger
        .submit(reserve("h", "dml", "2", 60_000))
        .await
        .unwrap();
    ledger.submit(settle("h", "1.5")).await.unwrap();
    let view = ledger.account(&account("dml")).await.unwrap();
    assert_eq!(
        (view.posted_usd, view.available_usd),
        (usd("1.5"), usd("3.5"))
    );
    drop(ledger);
    psql(&url, &format!("DROP OWNED BY {role}")).await;
    psql(&pg_admin_url().unwrap(), &format!("DROP ROLE {role}")).await;
}

#[test]
fn a_bad_database_stops_the_binary_at_start_unless_the_ledger_is_optional() {
    let (status, stderr) = run_briefly(&["--ledger", "postgres://"], Duration::from_secs(10));
    assert!(
        matches!(status, Some(s) if !s.success()),
        "{status:?} {stderr}"
    );
    assert!(
        stderr.contains("--ledger") && stderr.contains("no host"),
        "{stderr}"
    );

    let Some(admin) = pg_admin_url() else { return };
    let url = missing_database_url(&admin);
    let started = Instant::now();
    let (status, stderr) = run_briefly(&["--ledger", &url], Duration::from_secs(20));
    assert!(
        matches!(status, Some(s) if !s.success()),
        "{status:?} {stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fast: {:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("SQLSTATE 3D000") && stderr.contains("--ledger-optional"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test]
async fn ledger_optional_starts_and_the_tools_say_why_the_ledger_is_missing() {
    let Some(admin) = pg_admin_url() else { return };
    let url = missing_database_url(&admin);
    let client = mcp::start(&["--ledger", &url, "--ledger-optional"])
        .await
        .client;
    let err = call(client.peer(), "reserve_credits", json!({"amount_usd": "1"}))
        .await
        .unwrap_err();
    assert!(
        err.contains("SQLSTATE 3D000") && err.contains("does not exist"),
        "{err}"
    );
    assert!(
        !err.contains("retrying with the same id is safe") && !err.contains("hunter2"),
        "{err}"
    );
    // The offline tools work as usual.
    call(client.peer(), "list_plans", json!({})).await.unwrap();
    client.cancel().await.unwrap();
}

/// A PostgreSQL of this test's own, on its own port and data directory, stopped and removed
/// when dropped.
struct OwnPostgres {
    env: Vec<(&'static str, String)>,
    dir: PathBuf,
    url: String,
}

impl OwnPostgres {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg.sh")
    }

    fn pg(&self, action: &str) -> String {
        let out = std::process::Command::new("bash")
            .arg(Self::script())
            .arg(action)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run scripts/pg.sh");
        assert!(
            out.status.success(),
            "pg.sh {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn start() -> OwnPostgres {
        let port = 55_000 + std::process::id() % 5_000;
        let dir = std::env::temp_dir().join(format!("piapi-billing-pg-own-{}", std::process::id()));
        let mut own = OwnPostgres {
            env: vec![
                ("PIAPI_BILLING_PG_PORT", port.to_string()),
                ("PIAPI_BILLING_PG_DIR", dir.display().to_string()),
            ],
            dir,
            url: String::new(),
        };
        own.url = own.pg("start");
        own
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(Self::script())
            .arg("stop")
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `f` every 100 ms until it returns `Some`, at most `limit`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    limit: Duration,
    mut f: impl FnMut() -> F,
) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(t) = f().await {
            return Some(t);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_postgres_wrong_password_then_a_server_started_while_it_is_down() {
    if pg_admin_url().is_none() {
        return;
    }
    let pg = OwnPostgres::start();
    let db = unique("ledger_rt");
    psql(&pg.url, &format!("CREATE DATABASE {db}")).await;
    psql(&pg.url, "CREATE ROLE rt_pw LOGIN PASSWORD 'right-pw'").await;
    // Password authentication for rt_pw only, everyone else as before.
    let hba = pg.dir.join("data/pg_hba.conf");
    let old = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!("host all rt_pw 127.0.0.1/32 scram-sha-256\n{old}"),
    )
    .unwrap();
    psql(&pg.url, "SELECT pg_reload_conf()").await;
    let (server, _) = pg.url.rsplit_once('/').unwrap();
    let url = format!("{server}/{db}");
    let wrong = format!("{}/{db}", with_user(server, "rt_pw", Some("wrong-pw")));
    let err = PgStore::open(&wrong).await.err().expect("a wrong password");
    let text = err.to_string();
    assert!(err.is_permanent(), "{text}");
    assert!(
        text.contains("SQLSTATE 28P01") && text.contains("password authentication failed"),
        "{text}"
    );
    assert!(!text.contains("wrong-pw"), "{text}");

    pg.pg("stop");
    // Down at start: not fatal, the tools say a retry is safe, and it recovers by itself.
    let client = mcp::start(&["--ledger", &url]).await.client;
    let err = call(
        client.peer(),
        "grant_credits",
        json!({"grant_id": "g", "amount_usd": "5"}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("retrying with the same id is safe"), "{err}");
    pg.pg("start");
    let granted = eventually(Duration::from_secs(20), || async {
        call(
            client.peer(),
            "grant_credits",
            json!({"grant_id": "g", "amount_usd": "5"}),
        )
        .await
        .ok()
    })
    .await;
    assert!(
        granted.is_some(),
        "the server recovered once PostgreSQL was up"
    );
    call(
        client.peer(),
        "reserve_credits",
        json!({"hold_id": "short", "amount_usd": "1", "ttl_seconds": 1}),
    )
    .await
    .unwrap();
    // Nobody touches the hold: only the sweeper can expire it.
    let store = PgStore::open(&url).await.unwrap();
    let swept = eventually(Duration::from_secs(15), || async {
        use piapi_billing_mcp::ledger::LedgerStore;
        let hold = store
            .hold(&piapi_billing::ledger::HoldId::new("short").unwrap())
            .await
            .ok()??;
        (hold.state == piapi_billing::ledger::HoldState::Expired).then_some(())
    })
    .await;
    assert!(
        swept.is_some(),
        "the sweeper started when the store first opened"
    );
    client.cancel().await.unwrap();
}
