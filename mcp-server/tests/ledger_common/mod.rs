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
