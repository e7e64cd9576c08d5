//! The embedded store: one append-only log file, replayed into memory on open.
//!
//! Durable on acknowledgement: a batch is written as one checksummed record and `fdatasync`ed
//! before any of its commands is answered. Crash-safe: a torn record at the end (the only place
//! a crash can leave one) is cut off on the next open; damage anywhere else is refused rather
//! than silently skipped. Several processes may share the file (each MCP client starts its own
//! stdio server): every batch takes an exclusive `flock`, first reads what the others appended,
//! then decides against that up-to-date state.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use piapi_billing::ledger::{
    AccountId, AccountView, Command, Event, Hold, HoldId, Ledger, LedgerError, Timestamp,
};
use rustix::fs::{FlockOperation, flock};

use super::log_format::{self, MAGIC, Parsed};
use super::store::{BatchResult, LedgerStore};

/// A handle to a ledger log file. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    ledger: Ledger,
    /// Bytes of the file already replayed into `ledger`.
    len: u64,
    /// Set when a write failed after the batch changed `ledger` in memory: the next operation
    /// rebuilds the state from the file, the only truth.
    stale: bool,
}

/// Holds an `flock` for as long as it lives.
struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    fn take(file: &'a File, exclusive: bool) -> Result<Self, LedgerError> {
        let op = if exclusive {
            FlockOperation::LockExclusive
        } else {
            FlockOperation::LockShared
        };
        flock(file, op)
            .map_err(|e| LedgerError::storage(format!("cannot lock the ledger file: {e}")))?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // Closing the descriptor would release it too; an unlock failure leaves nothing to fix.
        let _ = flock(self.0, FlockOperation::Unlock);
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::storage(format!("{what} {}: {e}", path.display()))
}

impl FileStore {
    /// Opens (creating when missing) the log at `path` and replays it.
    pub fn open(path: impl AsRef<Path>) -> Result<FileStore, LedgerError> {
        let path = path.as_ref().to_path_buf();
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| io_err("cannot create the directory of", &path, e))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_err("cannot open", &path, e))?;
        let inner = Inner {
            file,
            ledger: Ledger::new(),
            len: 0,
            stale: true,
        };
        {
            let lock = FileLock::take(&inner.file, true)?;
            init_header(&inner.file, &path, dir)?;
            drop(lock);
        }
        let store = FileStore {
            shared: Arc::new(Shared {
                path,
                inner: Mutex::new(inner),
            }),
        };
        store.with_state(true, |inner| {
            inner
                .ledger
                .check_invariants()
                .map_err(LedgerError::storage)
        })?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Runs `f` on a state that includes everything any process has committed, under the file
    /// lock (exclusive when `f` may write).
    fn with_state<T>(
        &self,
        exclusive: bool,
        f: impl FnOnce(&mut Inner) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut guard = self.lock_inner();
        let inner = &mut *guard;
        let file = inner
            .file
            .try_clone()
            .map_err(|e| io_err("cannot reopen", &self.shared.path, e))?;
        let _lock = FileLock::take(&file, exclusive)?;
        if inner.stale {
            inner.ledger = Ledger::new();
            inner.len = MAGIC.len() as u64;
            inner.stale = false;
        }
        if let Err(e) = catch_up(inner, &self.shared.path, exclusive) {
            inner.stale = true;
            return Err(e);
        }
        f(inner)
    }

    fn lock_inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied batch behind (the state is
        // marked stale before anything is changed), so a poisoned mutex is safe to reuse.
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Decides, writes and syncs one batch (blocking).
    pub fn execute_blocking(
        &self,
        commands: &[Command],
        now: Timestamp,
    ) -> Result<BatchResult, LedgerError> {
        let path = &self.shared.path;
        self.with_state(true, |inner| {
            let mut events: Vec<Event> = Vec::new();
            // From here on memory runs ahead of the file until the write is durable.
            inner.stale = true;
            let mut results = Vec::with_capacity(commands.len());
            for command in commands {
                results.push(inner.ledger.apply(command, now).map(|applied| {
                    events.extend(applied.events);
                    applied.outcome
                }));
            }
            if !events.is_empty() {
                let record = log_format::encode(&events);
                inner
                    .file
                    .write_all_at(&record, inner.len)
                    .map_err(|e| io_err("cannot append to", path, e))?;
                inner
                    .file
                    .sync_data()
                    .map_err(|e| io_err("cannot sync", path, e))?;
                inner.len += record.len() as u64;
            }
            inner.stale = false;
            Ok(results)
        })
    }

    pub fn account_blocking(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        self.with_state(false, |inner| Ok(inner.ledger.account_view(id)))
    }

    pub fn open_holds_blocking(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        self.with_state(false, |inner| {
            Ok(inner
                .ledger
                .open_holds(account)
                .into_iter()
                .take(limit)
                .cloned()
                .collect())
        })
    }

    pub fn hold_blocking(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        self.with_state(false, |inner| Ok(inner.ledger.hold(id).cloned()))
    }

    /// Runs `f` over the whole replayed ledger (tests and benchmarks check invariants with it).
    pub fn inspect<T>(&self, f: impl FnOnce(&Ledger) -> T) -> Result<T, LedgerError> {
        self.with_state(false, |inner| Ok(f(&inner.ledger)))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(FileStore) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(store))
            .await
            .map_err(|e| LedgerError::storage(format!("the ledger file task failed: {e}")))?
    }
}

/// Writes the magic header into a new (or torn-at-birth) file, or checks it.
fn init_header(file: &File, path: &Path, dir: &Path) -> Result<(), LedgerError> {
    let len = file
        .metadata()
        .map_err(|e| io_err("cannot stat", path, e))?
        .len();
    let mut head = vec![0u8; MAGIC.len().min(len as usize)];
    file.read_exact_at(&mut head, 0)
        .map_err(|e| io_err("cannot read", path, e))?;
    if len >= MAGIC.len() as u64 {
        if head != MAGIC {
            return Err(LedgerError::storage(format!(
                "{} is not a piapi-billing ledger log (unknown header)",
                path.display()
            )));
        }
        return Ok(());
    }
    if !MAGIC.starts_with(&head) {
        return Err(LedgerError::storage(format!(
            "{} is not a piapi-billing ledger log",
            path.display()
        )));
    }
    file.set_len(0)
        .map_err(|e| io_err("cannot initialise", path, e))?;
    file.write_all_at(MAGIC, 0)
        .map_err(|e| io_err("cannot initialise", path, e))?;
    file.sync_all()
        .map_err(|e| io_err("cannot sync", path, e))?;
    // The new file's directory entry must be durable too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Replays whatever was appended since `inner.len`. Under an exclusive lock a torn tail is cut
/// off (its writer crashed before acknowledging anything in it); under a shared lock it is
/// merely not read.
fn catch_up(inner: &mut Inner, path: &Path, exclusive: bool) -> Result<(), LedgerError> {
    let end = inner
        .file
        .metadata()
        .map_err(|e| io_err("cannot stat", path, e))?
        .len();
    if end <= inner.len {
        return Ok(());
    }
    let mut buf = vec![0u8; (end - inner.len) as usize];
    inner
        .file
        .read_exact_at(&mut buf, inner.len)
        .map_err(|e| io_err("cannot read", path, e))?;
    let mut pos = 0;
    loop {
        match log_format::parse(&buf, pos) {
            Parsed::Record { events, next } => {
                for event in &events {
                    inner.ledger.record(event)?;
                }
                pos = next;
            }
            Parsed::End => break,
            Parsed::Corrupt(why) => {
                return Err(LedgerError::storage(format!(
                    "{} is damaged at byte {}: {why}; restore it from a backup",
                    path.display(),
                    inner.len + pos as u64
                )));
            }
        }
    }
    inner.len += pos as u64;
    if pos < buf.len() && exclusive {
        tracing::warn!(
            path = %path.display(),
            bytes = buf.len() - pos,
            "dropping an unfinished record at the end of the ledger log (a writer crashed before acknowledging it)"
        );
        inner
            .file
            .set_len(inner.len)
            .map_err(|e| io_err("cannot truncate", path, e))?;
        inner
            .file
            .sync_all()
            .map_err(|e| io_err("cannot sync", path, e))?;
    }
    Ok(())
}

impl LedgerStore for FileStore {
    async fn execute(
        &self,
        commands: Vec<Command>,
        now: Timestamp,
    ) -> Result<BatchResult, LedgerError> {
        self.blocking(move |s| s.execute_blocking(&commands, now))
            .await
    }

    async fn account(&self, id: &AccountId) -> Result<AccountView, LedgerError> {
        let id = id.clone();
        self.blocking(move |s| s.account_blocking(&id)).await
    }

    async fn open_holds(
        &self,
        account: Option<&AccountId>,
        limit: usize,
    ) -> Result<Vec<Hold>, LedgerError> {
        let account = account.cloned();
        self.blocking(move |s| s.open_holds_blocking(account.as_ref(), limit))
            .await
    }

    async fn hold(&self, id: &HoldId) -> Result<Option<Hold>, LedgerError> {
        let id = id.clone();
        self.blocking(move |s| s.hold_blocking(&id)).await
    }
}
