//! The ledger as the server uses it: commands go through a group-commit queue, reads go
//! straight to the store.
//!
//! Group commit is what makes durability affordable on one hot account: while one batch is
//! being synced (a few milliseconds of `fdatasync` or a PostgreSQL commit), new commands queue
//! up, and the next batch takes them all, so one sync acknowledges many commands.

use std::sync::Arc;
use std::time::Duration;

use piapi_billing::ledger::{AccountId, AccountView, Command, Hold, HoldId, LedgerError, Outcome};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::location::LedgerLocation;
use super::store::{AnyStore, LedgerStore};
use crate::clock::ledger_now;

/// Largest batch one sync covers; bounds the latency a single slow batch adds.
const MAX_BATCH: usize = 1024;

/// Commands waiting for the committer before callers are made to wait for room.
const QUEUE: usize = 8192;

struct Job {
    command: Command,
    reply: oneshot::Sender<Result<Outcome, LedgerError>>,
}

/// A handle to an open ledger. Cheap to clone; the committer task stops when the last handle
/// is dropped.
pub struct LedgerService<S: LedgerStore = AnyStore> {
    store: Arc<S>,
    queue: mpsc::Sender<Job>,
    location: Arc<str>,
}

impl<S: LedgerStore> Clone for LedgerService<S> {
    fn clone(&self) -> Self {
        LedgerService {
            store: self.store.clone(),
            queue: self.queue.clone(),
            location: self.location.clone(),
        }
    }
}

impl LedgerService<AnyStore> {
    /// Opens the store at `location` and starts its committer on the current runtime.
    pub async fn open(location: &LedgerLocation) -> Result<Self, LedgerError> {
        let store = location.open().await?;
        Ok(LedgerService::start(store, location.to_string()))
    }
}

impl<S: LedgerStore> LedgerService<S> {
    /// Starts the committer for `store` (`location` is only for display).
    pub fn start(store: S, location: impl Into<String>) -> Self {
        let store = Arc::new(store);
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(commit_loop(store.clone(), jobs));
        LedgerService {
            store,
            queue,
            location: location.into().into(),
        }
    }

    /// Where the ledger lives (PostgreSQL passwords hidden).
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Runs one command; returns once its effect is durable.
    pub async fn submit(&self, command: Command) -> Result<Outcome, LedgerError> {
        command.validate()?;
        let (reply, answer) = oneshot::channel();
        let stopped = || LedgerError::storage("the ledger committer has stopped");
        self.queue
            .send(Job { command, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub async fn account(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        self.store.account(id).await
    }

    pub async fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        self.store.open_holds(account, limit).await
    }

    pub async fn hold(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        self.store.hold(id).await
    }

    /// The budget gateway's reads (keys, tasks, window accounts).
    pub fn gateway(&self) -> &dyn super::store::GatewayReads {
        self.store.gateway()
    }

    /// Expires due holds every `every` until the runtime shuts down, so a leaked hold frees its
    /// funds on its own even when nobody touches the account.
    pub fn spawn_sweeper(&self, every: Duration) -> JoinHandle<()> {
        let ledger = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match ledger.submit(Command::Expire).await {
                    Ok(Outcome::Expired { holds }) if !holds.is_empty() => {
                        tracing::info!(
                            expired = holds.len(),
                            "ledger sweep expired holds past their TTL"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "ledger sweep failed; retrying at the next tick")
                    }
                }
            }
        })
    }
}

async fn commit_loop<S: LedgerStore>(store: Arc<S>, mut jobs: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let commands: Vec<Command> = batch.iter().map(|j| j.command.clone()).collect();
        let results = store.execute(commands, ledger_now()).await;
        match results {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    // The caller may have given up waiting; its command still took effect.
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, commands = batch.len(), "a ledger batch failed");
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
}
