//! Helpers shared by the ledger tests: a fresh PostgreSQL database per test, and commands.
#![allow(dead_code)]

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use piapi_billing::ledger::{AccountId, Command, GrantId, HoldId};
use piapi_billing::money::Usd;
use rust_decimal::Decimal;

pub fn usd(s: &str) -> Usd {
    Usd(Decimal::from_str(s).unwrap())
}

pub fn account(name: &str) -> AccountId {
    AccountId::new(name).unwrap()
}

pub fn grant(id: &str, account_name: &str, amount: &str) -> Command {
    Command::Grant {
        grant_id: GrantId::new(id).unwrap(),
        account: account(account_name),
        amount: usd(amount),
        bonus: Usd::ZERO,
        memo: None,
    }
}

pub fn reserve(id: &str, account_name: &str, amount: &str, ttl_ms: u64) -> Command {
    Command::Reserve {
        hold_id: HoldId::new(id).unwrap(),
        account: account(account_name),
        amount: usd(amount),
        ttl_ms,
        memo: None,
    }
}

pub fn settle(id: &str, amount: &str) -> Command {
    Command::Settle {
        hold_id: HoldId::new(id).unwrap(),
        amount: usd(amount),
        reference: None,
    }
}

pub fn release(id: &str) -> Command {
    Command::Release {
        hold_id: HoldId::new(id).unwrap(),
    }
}

/// The test server's URL from `PIAPI_BILLING_TEST_PG_URL` (set by `scripts/test.sh`, which
/// starts one with `scripts/pg.sh`). Missing in CI is a failure, not a skip: the PostgreSQL
/// backend must be tested for real there.
pub fn pg_admin_url() -> Option<String> {
    match std::env::var("PIAPI_BILLING_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "CI is set but PIAPI_BILLING_TEST_PG_URL is not: run the tests through scripts/test.sh"
            )
        }
        _ => {
            eprintln!(
                "PIAPI_BILLING_TEST_PG_URL is not set: skipping (start one with `scripts/pg.sh start`)"
            );
            None
        }
    }
}

/// A new, empty database on the test server; returns its URL.
pub async fn fresh_pg_database() -> Option<String> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let admin = pg_admin_url()?;
    let name = format!(
        "ledger_test_{}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    let task = tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    drop(client);
    let _ = task.await;
    let base = admin.split('?').next().unwrap();
    let (server, _) = base.rsplit_once('/').expect("the URL names a database");
    Some(format!("{server}/{name}"))
}

/// `url` with its user part replaced by `user` (and `password`, when given).
pub fn with_user(url: &str, user: &str, password: Option<&str>) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    match password {
        Some(p) => format!("{scheme}://{user}:{p}@{host}"),
        None => format!("{scheme}://{user}@{host}"),
    }
}

/// Runs `sql` on the database at `url` as whoever the URL names.
pub async fn psql(url: &str, sql: &str) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    let task = tokio::spawn(conn);
    client.batch_execute(sql).await.expect(sql);
    drop(client);
    let _ = task.await;
}

/// A unique name for roles and databases.
pub fn unique(prefix: &str) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server binary as an MCP client sees it.
pub mod mcp {
    use std::process::Stdio;

    use rmcp::model::CallToolRequestParams;
    use rmcp::service::{Peer, RunningService};
    use rmcp::transport::TokioChildProcess;
    use rmcp::{RoleClient, ServiceExt};
    use serde_json::Value;

    /// A running server binary and the MCP session with it.
    pub struct Server {
        pub client: RunningService<RoleClient, ()>,
        pub pid: u32,
    }

    /// Starts `piapi-billing-mcp ARGS…` over stdio and initializes a session.
    pub async fn start(args: &[&str]) -> Server {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_piapi-billing-mcp"));
        cmd.args(args)
            .env_remove("PIAPI_API_KEY")
            .env("RUST_LOG", "warn");
        let (transport, _) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the server");
        let pid = transport.id().expect("a child pid");
        let client = ().serve(transport).await.expect("MCP initialize");
        Server { client, pid }
    }

    /// A tool call: the structured result, or the error text of an `isError` result.
    pub async fn call(
        peer: &Peer<RoleClient>,
        tool: &'static str,
        args: Value,
    ) -> Result<Value, String> {
        let Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        let result = peer
            .call_tool(CallToolRequestParams::new(tool).with_arguments(args))
            .await
            .map_err(|e| format!("transport: {e}"))?;
        if result.is_error == Some(true) {
            let content = serde_json::to_value(&result.content).unwrap();
            return Err(content[0]["text"].as_str().unwrap_or_default().to_string());
        }
        Ok(result.structured_content.expect("structured content"))
    }

    /// Runs the binary to its end with stdin open but silent, at most `limit`: its exit
    /// status (None when it was still running) and its stderr.
    pub fn run_briefly(
        args: &[&str],
        limit: std::time::Duration,
    ) -> (Option<std::process::ExitStatus>, String) {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_piapi-billing-mcp"))
            .args(args)
            .env_remove("PIAPI_API_KEY")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if start.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        (status, stderr)
    }
}
