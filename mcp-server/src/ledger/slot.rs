//! The server's ledger: opened once at start-up, and tried again until it opens when the
//! store is not there yet (a PostgreSQL server still starting, or down for a moment).
//!
//! Nothing about a failed open is cached: every ledger call while the store is closed tries
//! again (at most one attempt at a time, and not more often than [`RETRY_GAP`]), and a
//! background task retries with backoff, so a server started before its database recovers by
//! itself. The expiry sweeper starts the moment the store first opens, whoever opened it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use piapi_billing::ledger::LedgerError;
use tokio::sync::{Mutex, OnceCell};

use super::location::LedgerLocation;
use super::service::LedgerService;

/// How often the sweeper expires holds past their TTL.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Calls arriving within this long of a failed attempt get its answer instead of a new one.
pub const RETRY_GAP: Duration = Duration::from_millis(250);

/// The background retry's longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The ledger location used when `--ledger` is not given: a file in the per-user data
/// directory (`$XDG_DATA_HOME/piapi-billing/ledger.log`, else
/// `~/.local/share/piapi-billing/ledger.log`), shared by every server the user starts.
pub fn default_location() -> Option<LedgerLocation> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(LedgerLocation::file(
        base.join("piapi-billing").join("ledger.log"),
    ))
}

pub struct LedgerSlot {
    location: LedgerLocation,
    ledger: OnceCell<LedgerService>,
    /// The last failed attempt and when it ended; held while an attempt runs.
    last_failure: Mutex<Option<(Instant, LedgerError)>>,
    sweep_every: Duration,
}

impl LedgerSlot {
    pub fn new(location: LedgerLocation) -> Arc<Self> {
        Self::with_sweep(location, SWEEP_EVERY)
    }

    /// A slot whose sweeper runs every `sweep_every` (tests use a short one).
    pub fn with_sweep(location: LedgerLocation, sweep_every: Duration) -> Arc<Self> {
        Arc::new(LedgerSlot {
            location,
            ledger: OnceCell::new(),
            last_failure: Mutex::new(None),
            sweep_every,
        })
    }

    pub fn location(&self) -> &LedgerLocation {
        &self.location
    }

    /// The open ledger, opening it now if it is not open yet. The error says why it is not,
    /// in PostgreSQL's (or the file's) own words.
    pub async fn get(&self) -> Result<&LedgerService, String> {
        self.open()
            .await
            .map_err(|e| format!("the ledger at {} is unavailable: {e}", self.location))
    }

    /// Opens the ledger unless it is open; one attempt at a time.
    pub async fn open(&self) -> Result<&LedgerService, LedgerError> {
        if let Some(ledger) = self.ledger.get() {
            return Ok(ledger);
        }
        let mut last = self.last_failure.lock().await;
        if let Some(ledger) = self.ledger.get() {
            return Ok(ledger);
        }
        if let Some((at, e)) = last.as_ref()
            && at.elapsed() < RETRY_GAP
        {
            return Err(e.clone());
        }
        match LedgerService::open(&self.location).await {
            Ok(ledger) => {
                tracing::info!(ledger = %self.location, "ledger open");
                let ledger = self.ledger.get_or_init(|| async { ledger }).await;
                // The sweeper runs for the life of the runtime.
                let _sweeper = ledger.spawn_sweeper(self.sweep_every);
                *last = None;
                Ok(ledger)
            }
            Err(e) => {
                *last = Some((Instant::now(), e.clone()));
                Err(e)
            }
        }
    }

    /// The start-up open. `Ok` when the ledger is open, or when it could not open for a reason
    /// that may pass (then a background task keeps trying). A permanent failure (see
    /// [`LedgerError::Unusable`]) is returned so that the server refuses to start, unless
    /// `optional`: then it is logged and retried in the background like a passing one.
    pub async fn start(self: &Arc<Self>, optional: bool) -> Result<(), LedgerError> {
        match self.open().await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() && !optional => Err(e),
            Err(e) => {
                if e.is_permanent() {
                    tracing::error!(ledger = %self.location, error = %e, "starting without the ledger (--ledger-optional); its tools answer with this error until it is fixed");
                } else {
                    tracing::warn!(ledger = %self.location, error = %e, "the ledger is not reachable yet; retrying in the background");
                }
                self.retry_in_background();
                Ok(())
            }
        }
    }

    /// [`LedgerSlot::start`] for the command line: a refusal says what to do about it.
    pub async fn start_or_explain(self: &Arc<Self>, optional: bool) -> Result<(), String> {
        self.start(optional).await.map_err(|e| {
            format!(
                "ledger {}: {e}; fix that, or pass --ledger-optional to start without the \
                 ledger (or --ledger off)",
                self.location
            )
        })
    }

    /// Tries to open the ledger with growing pauses until it opens.
    pub fn retry_in_background(self: &Arc<Self>) {
        let slot = self.clone();
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(500);
            loop {
                tokio::time::sleep(pause).await;
                match slot.open().await {
                    Ok(_) => return,
                    Err(e) => tracing::debug!(error = %e, "the ledger is still unavailable"),
                }
                pause = (pause * 2).min(MAX_BACKOFF);
            }
        });
    }
}

/// The ledger for a `--ledger` value: `off` disables it, no value means the per-user file.
pub fn from_flag(flag: Option<&str>) -> Result<Option<Arc<LedgerSlot>>, String> {
    match flag.map(str::trim) {
        Some("off") => Ok(None),
        Some(text) => Ok(Some(LedgerSlot::new(LedgerLocation::parse(text)?))),
        None => match default_location() {
            Some(location) => Ok(Some(LedgerSlot::new(location))),
            None => {
                tracing::warn!(
                    "neither XDG_DATA_HOME nor HOME is set: the ledger is off (pass --ledger file:PATH)"
                );
                Ok(None)
            }
        },
    }
}

/// The ledger named by `--ledger` (or the default), opened now, for a command that cannot run
/// without one (`who` names it in the error); `--ledger off` is refused.
pub async fn open_now(flag: Option<&str>, who: &str) -> Result<LedgerService, String> {
    let slot = from_flag(flag)?.ok_or_else(|| format!("{who} needs a ledger: --ledger is off"))?;
    slot.start_or_explain(false).await?;
    slot.get().await.cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_picks_a_backend_or_turns_the_ledger_off() {
        assert!(from_flag(Some("off")).unwrap().is_none());
        let slot = from_flag(Some("file:/tmp/x/ledger.log")).unwrap().unwrap();
        assert_eq!(slot.location(), &LedgerLocation::file("/tmp/x/ledger.log"));
        let err = from_flag(Some("sqlite:x.db")).err().unwrap();
        assert!(err.contains("--ledger"), "{err}");
    }

    #[tokio::test]
    async fn a_failed_open_is_not_cached() {
        let dir = std::env::temp_dir().join(format!("ledger-slot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.log");
        std::fs::write(&path, b"").unwrap();
        let slot = LedgerSlot::new(LedgerLocation::file(&path));
        let err = slot.start(false).await.unwrap_err();
        assert!(
            err.is_permanent() && err.to_string().contains("empty"),
            "{err}"
        );
        std::fs::remove_file(&path).unwrap();
        tokio::time::sleep(RETRY_GAP).await;
        assert!(slot.get().await.is_ok(), "the next call opens it");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
