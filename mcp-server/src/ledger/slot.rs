//! The server's ledger, opened in the background so that a slow open (a long log to replay, a
//! PostgreSQL server still starting) never delays the MCP `initialize` reply.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use piapi_billing::ledger::LedgerError;
use tokio::sync::OnceCell;

use super::service::LedgerService;
use super::store::LedgerLocation;

/// How often the sweeper expires holds past their TTL.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

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
    Some(LedgerLocation::File(
        base.join("piapi-billing").join("ledger.log"),
    ))
}

pub struct LedgerSlot {
    location: LedgerLocation,
    ledger: OnceCell<Result<LedgerService, LedgerError>>,
}

impl LedgerSlot {
    pub fn new(location: LedgerLocation) -> Arc<Self> {
        Arc::new(LedgerSlot {
            location,
            ledger: OnceCell::new(),
        })
    }

    pub fn location(&self) -> &LedgerLocation {
        &self.location
    }

    /// The open ledger, opening it on first use. An open that failed stays failed (with its
    /// reason in every ledger tool's answer) until the server restarts.
    pub async fn get(&self) -> Result<&LedgerService, String> {
        let opened = self
            .ledger
            .get_or_init(|| async {
                let result = LedgerService::open(&self.location).await;
                match &result {
                    Ok(_) => tracing::info!(ledger = %self.location, "ledger open"),
                    Err(e) => tracing::error!(ledger = %self.location, error = %e, "cannot open the ledger"),
                }
                result
            })
            .await;
        opened
            .as_ref()
            .map_err(|e| format!("the ledger at {} is unavailable: {e}", self.location))
    }

    /// Opens the ledger in the background and then runs the expiry sweeper on it.
    pub fn start_background(self: &Arc<Self>) {
        let slot = self.clone();
        tokio::spawn(async move {
            if let Ok(ledger) = slot.get().await {
                // The sweeper runs for the life of the runtime.
                let _sweeper = ledger.spawn_sweeper(SWEEP_EVERY);
            }
        });
    }
}

/// The ledger for a `--ledger` value: `off` disables it, no value means the per-user file.
pub fn from_flag(flag: Option<&str>) -> Result<Option<Arc<LedgerSlot>>, LedgerError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_picks_a_backend_or_turns_the_ledger_off() {
        assert!(from_flag(Some("off")).unwrap().is_none());
        let slot = from_flag(Some("file:/tmp/x/ledger.log")).unwrap().unwrap();
        assert_eq!(
            slot.location(),
            &LedgerLocation::File("/tmp/x/ledger.log".into())
        );
        let err = from_flag(Some("sqlite:x.db")).err().unwrap();
        assert!(err.to_string().contains("--ledger"), "{err}");
    }
}
