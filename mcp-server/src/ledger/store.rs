//! The one interface every ledger store offers, how a backend describes itself, and the store
//! chosen at run time.
//!
//! A backend is a [`LedgerStore`] implementation plus one [`Backend`] value (its `--ledger`
//! syntax, a start-up check, how to show a location without secrets, how to open it), listed
//! in [`super::BACKENDS`]. Nothing else names backends: [`super::LedgerLocation`] finds one by
//! its scheme, and [`AnyStore`] holds any of them behind `dyn`, so adding one touches no
//! `match`. This module names no backend, so each backend can depend on it alone.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use piapi_billing::ledger::BatchResult;
use piapi_billing::ledger::{
    AccountId, AccountView, Command, GatewayTask, Hold, HoldId, KeyId, LedgerError, TaskId,
    Timestamp, VirtualKey,
};

/// A gateway task with its hold, as the gateway reads them together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    pub task: GatewayTask,
    pub hold: Hold,
}

/// A boxed future, as `dyn` dispatch needs.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Durable storage for the ledger's state machine.
///
/// `execute` decides a batch of commands in order against the latest committed state and
/// returns only once the batch is durable; when it fails, the commands it carried may or may
/// not have taken effect, and each may be retried under its id (ids make every command
/// idempotent). Batching is how a hot account reaches thousands of durable operations per
/// second: one sync covers many commands. The bookkeeping around deciding a batch is the
/// core's (`piapi_billing::ledger::{BatchKeys, decide_batch, Changes}`); a store only does I/O.
pub trait LedgerStore: Send + Sync + 'static {
    fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> impl Future<Output = Result<BatchResult, LedgerError>> + Send;

    fn account(
        &self,
        id: &AccountId,
    ) -> impl Future<Output = Result<AccountView, LedgerError>> + Send;

    /// Pending holds, oldest first, at most `limit`.
    fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Hold>, LedgerError>> + Send;

    fn hold(&self, id: &HoldId) -> impl Future<Output = Result<Option<Hold>, LedgerError>> + Send;

    /// The budget gateway's reads: see [`GatewayReads`].
    fn gateway(&self) -> &dyn GatewayReads;
}

/// What the budget gateway reads besides holds and accounts.
pub trait GatewayReads: Send + Sync {
    fn key<'a>(&'a self, id: &'a KeyId) -> BoxFuture<'a, Result<Option<VirtualKey>, LedgerError>>;
    fn keys(&self) -> BoxFuture<'_, Result<Vec<VirtualKey>, LedgerError>>;
    /// The gateway task PiAPI knows as `task_id`, with its hold.
    fn task_by_id<'a>(
        &'a self,
        task_id: &'a TaskId,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, LedgerError>>;
    /// The gateway tasks among `task_ids` (those PiAPI's ids name), with their holds, in one
    /// read: a report over an account's history asks for thousands at once.
    fn tasks_by_ids<'a>(
        &'a self,
        task_ids: &'a [TaskId],
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>, LedgerError>>;
    /// Gateway tasks whose hold is still pending and whose task id is known, oldest first.
    fn open_tasks(&self, limit: usize) -> BoxFuture<'_, Result<Vec<TaskRecord>, LedgerError>>;
    /// Every budget-window account of a key.
    fn key_accounts<'a>(
        &'a self,
        id: &'a KeyId,
    ) -> BoxFuture<'a, Result<Vec<AccountView>, LedgerError>>;
}

/// A ledger backend as `--ledger` knows it.
pub struct Backend {
    /// A short name for logs and tests ("file", "postgres").
    pub name: &'static str,
    /// The prefixes of the `--ledger` values it takes, e.g. `"file:"`.
    pub schemes: &'static [&'static str],
    /// The value's syntax, for messages.
    pub syntax: &'static str,
    /// Checks a value at start-up, before anything is opened; `Err` says what is wrong.
    pub check: fn(&str) -> Result<(), String>,
    /// The value as logs and answers show it, secrets masked.
    pub display: fn(&str) -> String,
    /// Opens the store. `Err` is [`LedgerError::Unusable`] when only an operator can fix it.
    pub open: fn(String) -> BoxFuture<'static, Result<AnyStore, LedgerError>>,
}

/// [`LedgerStore`] with its futures boxed, so that any store fits behind one pointer.
trait DynStore: Send + Sync + 'static {
    fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<BatchResult, LedgerError>>;
    fn account<'a>(&'a self, id: &'a AccountId) -> BoxFuture<'a, Result<AccountView, LedgerError>>;
    fn open_holds<'a>(
        &'a self,
        account: Option<&'a AccountId>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<Hold>, LedgerError>>;
    fn hold<'a>(&'a self, id: &'a HoldId) -> BoxFuture<'a, Result<Option<Hold>, LedgerError>>;
    fn gateway(&self) -> &dyn GatewayReads;
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<S: LedgerStore> DynStore for S {
    fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> BoxFuture<'_, Result<BatchResult, LedgerError>> {
        Box::pin(LedgerStore::execute(self, commands, now))
    }
    fn account<'a>(&'a self, id: &'a AccountId) -> BoxFuture<'a, Result<AccountView, LedgerError>> {
        Box::pin(LedgerStore::account(self, id))
    }
    fn open_holds<'a>(
        &'a self,
        account: Option<&'a AccountId>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<Hold>, LedgerError>> {
        Box::pin(LedgerStore::open_holds(self, account, limit))
    }
    fn hold<'a>(&'a self, id: &'a HoldId) -> BoxFuture<'a, Result<Option<Hold>, LedgerError>> {
        Box::pin(LedgerStore::hold(self, id))
    }
    fn gateway(&self) -> &dyn GatewayReads {
        LedgerStore::gateway(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Whichever store the location picked. Cheap to clone.
#[derive(Clone)]
pub struct AnyStore(Arc<dyn DynStore>);

impl AnyStore {
    pub fn new(store: impl LedgerStore) -> Self {
        AnyStore(Arc::new(store))
    }

    /// The concrete store, when it is an `S` (tests and tools that need backend specifics).
    pub fn downcast<S: LedgerStore>(&self) -> Option<&S> {
        self.0.as_any().downcast_ref()
    }
}

impl LedgerStore for AnyStore {
    async fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> Result<BatchResult, LedgerError> {
        self.0.execute(commands, now).await
    }

    async fn account(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        self.0.account(id).await
    }

    async fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        self.0.open_holds(account, limit).await
    }

    async fn hold(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        self.0.hold(id).await
    }

    fn gateway(&self) -> &dyn GatewayReads {
        self.0.gateway()
    }
}
