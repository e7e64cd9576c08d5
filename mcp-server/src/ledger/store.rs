//! The one interface every ledger store offers, and the store chosen at run time.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;

use piapi_billing::ledger::{
    AccountId, AccountView, Command, Hold, HoldId, LedgerError, Outcome, Timestamp,
};

use super::file_store::FileStore;
use super::pg_store::PgStore;

/// Per-command results of a batch, in order. A refused command does not fail its batch.
pub type BatchResult = Vec<Result<Outcome, LedgerError>>;

/// Durable storage for the ledger's state machine.
///
/// `execute` decides a batch of commands in order against the latest committed state and
/// returns only once the batch is durable; it either commits the whole batch or nothing (then
/// every command may be retried under its id). Batching is how a hot account reaches thousands
/// of durable operations per second: one sync covers many commands.
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
}

/// Where the ledger lives, as given by `--ledger`: `file:PATH` or `postgres://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum LedgerLocation {
    File(PathBuf),
    Postgres(String),
}

impl LedgerLocation {
    pub fn parse(text: &str) -> Result<LedgerLocation, LedgerError> {
        let invalid = |why: &str| LedgerError::InvalidId {
            field: "--ledger".to_string(),
            reason: format!("{why}; expected file:PATH or postgres://USER@HOST[:PORT]/DB"),
        };
        if let Some(path) = text.strip_prefix("file:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(invalid("the file path is empty"));
            }
            return Ok(LedgerLocation::File(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            text.parse::<tokio_postgres::Config>()
                .map_err(|e| invalid(&format!("not a PostgreSQL URL ({e})")))?;
            return Ok(LedgerLocation::Postgres(text.to_string()));
        }
        Err(invalid("unknown scheme"))
    }
}

/// Shows the location without a PostgreSQL password.
impl fmt::Debug for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            LedgerLocation::File(p) => write!(f, "file:{}", p.display()),
            LedgerLocation::Postgres(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
                    _ => url.clone(),
                };
                f.write_str(&shown)
            }
        }
    }
}

impl fmt::Display for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The store picked by the location.
#[derive(Clone)]
pub enum AnyStore {
    File(FileStore),
    Postgres(PgStore),
}

impl AnyStore {
    pub async fn open(location: &LedgerLocation) -> Result<AnyStore, LedgerError> {
        match location {
            LedgerLocation::File(path) => {
                let path = path.clone();
                let store = tokio::task::spawn_blocking(move || FileStore::open(path))
                    .await
                    .map_err(|e| {
                        LedgerError::storage(format!("opening the ledger file failed: {e}"))
                    })??;
                Ok(AnyStore::File(store))
            }
            LedgerLocation::Postgres(url) => Ok(AnyStore::Postgres(PgStore::open(url).await?)),
        }
    }
}

impl LedgerStore for AnyStore {
    async fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> Result<BatchResult, LedgerError> {
        match self {
            AnyStore::File(s) => s.execute(commands, now).await,
            AnyStore::Postgres(s) => s.execute(commands, now).await,
        }
    }

    async fn account(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        match self {
            AnyStore::File(s) => s.account(id).await,
            AnyStore::Postgres(s) => s.account(id).await,
        }
    }

    async fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        match self {
            AnyStore::File(s) => s.open_holds(account, limit).await,
            AnyStore::Postgres(s) => s.open_holds(account, limit).await,
        }
    }

    async fn hold(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        match self {
            AnyStore::File(s) => s.hold(id).await,
            AnyStore::Postgres(s) => s.hold(id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_hide_passwords() {
        assert_eq!(
            LedgerLocation::parse("file:/tmp/x.log").unwrap(),
            LedgerLocation::File(PathBuf::from("/tmp/x.log"))
        );
        assert_eq!(
            LedgerLocation::parse("file://rel/x.log").unwrap(),
            LedgerLocation::File("rel/x.log".into())
        );
        let pg = LedgerLocation::parse("postgres://me:secret@127.0.0.1:5432/db").unwrap();
        assert_eq!(pg.to_string(), "postgres://***@127.0.0.1:5432/db");
        for bad in ["", "file:", "mysql://x", "/tmp/x.log"] {
            let err = LedgerLocation::parse(bad).unwrap_err();
            assert!(err.to_string().contains("--ledger"), "{err}");
        }
    }
}
