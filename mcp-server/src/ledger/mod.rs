//! The credit ledger's storage and service: the core's hold state machine made durable,
//! embedded by default and on PostgreSQL for several instances.
//!
//! [`store`] defines the one interface and how a backend describes itself; [`BACKENDS`] (in
//! [`location`], with the `--ledger` value it parses) lists
//! the backends `--ledger` can name: [`file_store`] (the embedded append-only log, framed by
//! [`log`], mended by [`repair`]) and [`pg_store`] (PostgreSQL tables). [`service`] puts a
//! group-commit queue and the expiry sweeper in front, and [`slot`] opens the ledger for the
//! server and keeps trying when the database is not there yet.

pub mod file_io;
pub mod file_store;
pub mod location;
pub mod log;
pub mod pg_store;
pub mod repair;
pub mod service;
pub mod store;

pub use file_store::FileStore;
pub use location::{BACKENDS, LedgerLocation};
pub use pg_store::PgStore;
pub use service::LedgerService;
pub use store::{AnyStore, Backend, BatchResult, GatewayReads, LedgerStore, TaskRecord};

pub mod slot;
pub mod tools;

pub use slot::{LedgerSlot, default_location};

use piapi_billing::ledger::AccountId;
use piapi_billing::{AccountRef, CheckBalanceResult, Credits};

/// `check_balance` without a PiAPI key: the ledger's default account, in the same shape.
pub async fn balance_from_ledger(slot: &LedgerSlot) -> Result<CheckBalanceResult, String> {
    let ledger = slot.get().await?;
    let id = AccountId::default_account();
    let v = ledger.account(&id).await.map_err(|e| e.to_string())?;
    Ok(CheckBalanceResult {
        available_usd: v.available_usd,
        frozen_usd: v.pending_usd,
        plan: None,
        credits: Some(Credits {
            available: v.available_usd,
            used: v.posted_usd,
            total: v.credited_usd,
            frozen: v.pending_usd,
        }),
        account: AccountRef {
            id: Some(id.to_string()),
            name: Some(format!("ledger {}", ledger.location())),
        },
        concurrency: Default::default(),
        source: "ledger".to_string(),
        fetched_at: crate::clock::rfc3339(crate::clock::ledger_now()),
    })
}
