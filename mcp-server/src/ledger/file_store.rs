//! The embedded store: one append-only log file, replayed into memory on open.
//!
//! Durable on acknowledgement: a batch is written as checksummed, numbered records and
//! `fdatasync`ed before any of its commands is answered. Crash-safe: the one thing a crash can
//! leave, an unfinished last write, is cut off on the next open; anything else that is not an
//! intact record is refused with its byte offset (see [`super::log::scan`] for the exact rules
//! and `--ledger-repair` for the way out). Several processes may share the file (each MCP
//! client starts its own stdio server): every batch takes an exclusive `flock`, first reads
//! what the others appended, then decides against that up-to-date state.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use piapi_billing::ledger::{
    AccountId, AccountView, BatchResult, Command, GatewayTask, Hold, HoldId, KeyId, Ledger,
    LedgerError, TaskId, Timestamp, VirtualKey, decide_batch, window_of_account,
};

use super::file_io::{self, FileLock};
use super::log::{self, Damage, Format, Header, Mark, Tail};
use super::store::{AnyStore, Backend, BoxFuture, GatewayReads, LedgerStore, TaskRecord};

/// `--ledger file:PATH`.
pub const BACKEND: Backend = Backend {
    name: "file",
    schemes: &["file:"],
    syntax: "file:PATH",
    check: |text| file_path(text).map(|_| ()),
    display: |text| text.to_string(),
    open: |text| {
        Box::pin(async move {
            let path = file_path(&text).map_err(LedgerError::unusable)?;
            let store = tokio::task::spawn_blocking(move || FileStore::open(path))
                .await
                .map_err(|e| {
                    LedgerError::storage(format!("opening the ledger file failed: {e}"))
                })??;
            Ok(AnyStore::new(store))
        })
    },
};

/// The path in a `file:PATH` location (`file://PATH` is accepted too).
pub fn file_path(text: &str) -> Result<PathBuf, String> {
    let path = text.strip_prefix("file:").unwrap_or(text);
    let path = path.strip_prefix("//").unwrap_or(path);
    if path.is_empty() {
        return Err("the file path is empty".to_string());
    }
    Ok(PathBuf::from(path))
}

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
    format: Format,
    ledger: Ledger,
    /// Bytes of the file already replayed into `ledger` (always the end of an intact record).
    len: u64,
    /// The number the next record gets.
    next_seq: u64,
    /// Set when a write failed after the batch changed `ledger` in memory: the next operation
    /// rebuilds the state from the file, the only truth.
    stale: bool,
}

fn lock_err(e: std::io::Error) -> LedgerError {
    LedgerError::storage(format!("cannot lock the ledger file: {e}"))
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::storage(format!("{what} {}: {e}", path.display()))
}

/// The directory a log lives in (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl FileStore {
    /// Opens the log at `path`, creating it (with its header) when missing, and replays it.
    pub fn open(path: impl AsRef<Path>) -> Result<FileStore, LedgerError> {
        let path = path.as_ref().to_path_buf();
        let file = open_or_create(&path)?;
        let format = {
            let _lock = FileLock::take(&file, true).map_err(lock_err)?;
            read_format(&file, &path)?
        };
        let inner = Inner {
            file,
            format,
            ledger: Ledger::new(),
            len: 0,
            next_seq: 1,
            stale: true,
        };
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
                .map_err(LedgerError::unusable)
        })?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The log's framing version.
    pub fn format(&self) -> Format {
        self.lock_inner().format
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
        let _lock = FileLock::take(&file, exclusive).map_err(lock_err)?;
        let full = inner.stale;
        if full {
            inner.ledger = Ledger::new();
            inner.len = inner.format.data_start() as u64;
            inner.next_seq = 1;
            inner.stale = false;
        }
        if let Err(e) = catch_up(inner, &self.shared.path, exclusive, full) {
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
            // From here on memory runs ahead of the file until the write is durable.
            inner.stale = true;
            let decided = decide_batch(&mut inner.ledger, commands, now);
            if !decided.events.is_empty() {
                append(inner, path, &decided.events)?;
            }
            inner.stale = false;
            Ok(decided.results)
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

/// Writes `events` as records, each synced before the next, and after each sync stores the
/// commit mark (made durable by the next record's sync).
fn append(
    inner: &mut Inner,
    path: &Path,
    events: &[piapi_billing::ledger::Event],
) -> Result<(), LedgerError> {
    for record in log::encode_records(inner.format, events, inner.next_seq) {
        file_io::write_all_at(&inner.file, &record, inner.len)
            .map_err(|e| io_err("cannot append to", path, e))?;
        inner
            .file
            .sync_data()
            .map_err(|e| io_err("cannot sync", path, e))?;
        inner.len += record.len() as u64;
        if inner.format == Format::V2 {
            let (at, bytes) = Mark {
                seq: inner.next_seq,
                end: inner.len,
            }
            .encode();
            file_io::write_all_at(&inner.file, &bytes, at as u64)
                .map_err(|e| io_err("cannot write the commit mark of", path, e))?;
        }
        inner.next_seq += 1;
    }
    Ok(())
}

/// Opens the log, or creates it with its header in one step: the header is written to a
/// private file first and linked into place, so no process ever sees a log without its header
/// (which is why an empty or headerless existing file is refused as damage).
fn open_or_create(path: &Path) -> Result<File, LedgerError> {
    let open = || OpenOptions::new().read(true).write(true).open(path);
    match open() {
        Ok(file) => return Ok(file),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("cannot open", path, e)),
    }
    let dir = dir_of(path);
    std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create the directory of", path, e))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.new-{}", std::process::id()));
    let created = (|| {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file_io::write_all_at(&file, &log::new_v2_header(), 0)?;
        file.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            // Another process created it first: use theirs.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    created.map_err(|e| io_err("cannot create", path, e))?;
    // The new directory entry must be durable too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    open().map_err(|e| io_err("cannot open", path, e))
}

/// The log's format from its header; an empty, foreign or cut header is refused.
fn read_format(file: &File, path: &Path) -> Result<Format, LedgerError> {
    let len = file
        .metadata()
        .map_err(|e| io_err("cannot stat", path, e))?
        .len();
    let mut head = vec![0u8; (len as usize).min(log::V2_HEADER)];
    file_io::read_exact_at(file, &mut head, 0).map_err(|e| io_err("cannot read", path, e))?;
    match log::header(&head) {
        Header::Log(format) => Ok(format),
        Header::Empty => Err(LedgerError::unusable(format!(
            "the ledger log {} is empty (0 bytes). A log is always created together with its \
             header, so an empty file was emptied or cut by something else, and every account \
             would silently start again from zero. Restore it from a backup; if it is really \
             meant to start empty, delete it or run with --ledger-repair, which writes a new \
             header",
            path.display()
        ))),
        Header::Foreign => Err(LedgerError::unusable(format!(
            "{} is not a piapi-billing ledger log (it starts with {:?}); check --ledger, or \
             move the file away",
            path.display(),
            String::from_utf8_lossy(&head[..head.len().min(32)])
        ))),
        Header::ShortHeader(n) => Err(damaged(
            path,
            &Damage {
                offset: n as u64,
                what: format!(
                    "the file header is cut short ({n} of {} bytes)",
                    log::V2_HEADER
                ),
            },
            0,
            len,
        )),
    }
}

/// The refusal for damage at `d.offset`, with the way out.
pub fn damaged(path: &Path, d: &Damage, intact_records: u64, file_len: u64) -> LedgerError {
    LedgerError::unusable(format!(
        "the ledger log {path} is damaged at byte {at}: {what}. It was not opened and nothing \
         in it was changed; the {intact_records} records before byte {at} are intact. Restore \
         the file from a backup, or stop every server using it and run `piapi-billing-mcp \
         --ledger file:{path} --ledger-repair` to keep those records and move bytes {at}..{file_len} \
         aside to {path}.damaged, unchanged",
        path = path.display(),
        at = d.offset,
        what = d.what,
    ))
}

/// Replays whatever was appended since `inner.len`. An unfinished last write is cut off under
/// an exclusive lock and merely not read under a shared one; damage is refused. `full` is set
/// when replaying from the start, which also checks the end against the commit mark.
fn catch_up(
    inner: &mut Inner,
    path: &Path,
    exclusive: bool,
    full: bool,
) -> Result<(), LedgerError> {
    let end = inner
        .file
        .metadata()
        .map_err(|e| io_err("cannot stat", path, e))?
        .len();
    if end < inner.len {
        return Err(LedgerError::unusable(format!(
            "the ledger log {} shrank from {} to {end} bytes while in use: something else cut \
             it, and acknowledged records may be gone; restore it from a backup",
            path.display(),
            inner.len
        )));
    }
    if end == inner.len && !full {
        return Ok(());
    }
    let base = inner.len;
    let mut buf = vec![0u8; (end - base) as usize];
    file_io::read_exact_at(&inner.file, &mut buf, base)
        .map_err(|e| io_err("cannot read", path, e))?;
    let (records, pos) = log::read_records(&buf, base, inner.format, inner.next_seq);
    for record in &records {
        for event in &record.events {
            inner.ledger.record(event).map_err(|e| {
                LedgerError::unusable(format!(
                    "the ledger log {} does not replay at byte {} (record {}): {e}",
                    path.display(),
                    record.offset,
                    record.seq
                ))
            })?;
        }
        inner.len = record.end;
        inner.next_seq = record.seq + 1;
    }
    if pos == buf.len() && !full {
        return Ok(());
    }
    let mark = read_mark(inner, path)?;
    match log::classify_tail(&buf, pos, base, inner.format, inner.next_seq, mark) {
        Tail::Clean => Ok(()),
        Tail::Unfinished {
            offset,
            bytes,
            what,
        } => {
            if exclusive {
                drop_unfinished(inner, path, offset, bytes, &what)?;
            }
            Ok(())
        }
        Tail::Damaged(d) => Err(damaged(path, &d, inner.next_seq - 1, end)),
    }
}

fn read_mark(inner: &Inner, path: &Path) -> Result<Option<Mark>, LedgerError> {
    if inner.format != Format::V2 {
        return Ok(None);
    }
    let mut head = vec![0u8; log::V2_HEADER];
    file_io::read_exact_at(&inner.file, &mut head, 0)
        .map_err(|e| io_err("cannot read", path, e))?;
    let (mark, slot_damaged) = Mark::read(&head);
    if slot_damaged {
        tracing::warn!(path = %path.display(), "one commit-mark slot of the ledger log is damaged; using the other");
    }
    Ok(Some(mark))
}

/// Cuts off the unfinished last write at `offset`.
fn drop_unfinished(
    inner: &mut Inner,
    path: &Path,
    offset: u64,
    bytes: u64,
    what: &str,
) -> Result<(), LedgerError> {
    tracing::warn!(
        path = %path.display(),
        offset,
        bytes,
        "dropped the unfinished last write of the ledger log: {what}. It was never \
         acknowledged (a write is answered only once it is fully on disk), and every record \
         before it (the last is number {}) is intact",
        inner.next_seq - 1
    );
    inner
        .file
        .set_len(offset)
        .map_err(|e| io_err("cannot truncate", path, e))?;
    inner
        .file
        .sync_all()
        .map_err(|e| io_err("cannot sync", path, e))
}

impl FileStore {
    fn records(ledger: &Ledger, tasks: impl Iterator<Item = GatewayTask>) -> Vec<TaskRecord> {
        tasks
            .filter_map(|task| {
                let hold = ledger.hold(&task.hold_id)?.clone();
                Some(TaskRecord { task, hold })
            })
            .collect()
    }
}

impl GatewayReads for FileStore {
    fn key<'a>(&'a self, id: &'a KeyId) -> BoxFuture<'a, Result<Option<VirtualKey>, LedgerError>> {
        let id = id.clone();
        Box::pin(self.blocking(move |s| s.inspect(|l| l.key(&id).cloned())))
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<VirtualKey>, LedgerError>> {
        Box::pin(self.blocking(|s| s.inspect(|l| l.keys().cloned().collect())))
    }

    fn task_by_id<'a>(
        &'a self,
        task_id: &'a TaskId,
    ) -> BoxFuture<'a, Result<Option<TaskRecord>, LedgerError>> {
        let id = task_id.clone();
        Box::pin(self.blocking(move |s| {
            s.inspect(|l| Self::records(l, l.task_by_id(&id).cloned().into_iter()).pop())
        }))
    }

    fn tasks_by_ids<'a>(
        &'a self,
        task_ids: &'a [TaskId],
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>, LedgerError>> {
        let ids = task_ids.to_vec();
        Box::pin(self.blocking(move |s| {
            s.inspect(|l| {
                let tasks = ids.iter().filter_map(|id| l.task_by_id(id).cloned());
                Self::records(l, tasks)
            })
        }))
    }

    fn open_tasks(&self, limit: usize) -> BoxFuture<'_, Result<Vec<TaskRecord>, LedgerError>> {
        Box::pin(self.blocking(move |s| {
            s.inspect(|l| {
                let open = l
                    .open_holds(None)
                    .into_iter()
                    .filter_map(|h| l.task(&h.id))
                    .filter(|t| t.task_id.is_some())
                    .take(limit)
                    .cloned();
                Self::records(l, open)
            })
        }))
    }

    fn key_accounts<'a>(
        &'a self,
        id: &'a KeyId,
    ) -> BoxFuture<'a, Result<Vec<AccountView>, LedgerError>> {
        let id = id.clone();
        Box::pin(self.blocking(move |s| {
            s.inspect(|l| {
                l.accounts()
                    .filter(|a| window_of_account(&id, &a.id).is_some())
                    .map(|a| a.view())
                    .collect()
            })
        }))
    }
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

    fn gateway(&self) -> &dyn GatewayReads {
        self
    }
}
