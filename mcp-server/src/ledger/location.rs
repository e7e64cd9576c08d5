//! Where the ledger lives: the `--ledger` value, the backend that serves it, and the list of
//! backends it is looked up in. It sits above the stores so that they never name each other.

use std::fmt;

use piapi_billing::ledger::LedgerError;

use super::store::{AnyStore, Backend};
use super::{file_store, pg_store};

/// Every backend `--ledger` can name, tried in order by scheme. A new backend is its store
/// file and one line here.
pub const BACKENDS: &[&Backend] = &[&file_store::BACKEND, &pg_store::BACKEND];

/// Where the ledger lives, as given by `--ledger`, with the backend that serves it.
#[derive(Clone)]
pub struct LedgerLocation {
    backend: &'static Backend,
    text: String,
}

impl LedgerLocation {
    /// Finds the backend for `text` and checks the value.
    pub fn parse(text: &str) -> Result<LedgerLocation, String> {
        let syntaxes = || {
            BACKENDS
                .iter()
                .map(|b| b.syntax)
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let backend = BACKENDS
            .iter()
            .find(|b| b.schemes.iter().any(|s| text.starts_with(s)))
            .ok_or_else(|| format!("--ledger: unknown scheme; expected {}, or off", syntaxes()))?;
        (backend.check)(text)
            .map_err(|why| format!("--ledger: {why}; expected {}", backend.syntax))?;
        Ok(LedgerLocation {
            backend,
            text: text.to_string(),
        })
    }

    /// An embedded log at `path`.
    pub fn file(path: impl AsRef<std::path::Path>) -> LedgerLocation {
        LedgerLocation {
            backend: &file_store::BACKEND,
            text: format!("file:{}", path.as_ref().display()),
        }
    }

    pub fn backend(&self) -> &'static Backend {
        self.backend
    }

    /// The value as given (it may hold a password: show it with `Display`).
    pub fn as_given(&self) -> &str {
        &self.text
    }
}

impl PartialEq for LedgerLocation {
    fn eq(&self, other: &Self) -> bool {
        self.backend.name == other.backend.name && self.text == other.text
    }
}

impl Eq for LedgerLocation {}

/// Shows the location without secrets.
impl fmt::Debug for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&(self.backend.display)(&self.text))
    }
}

impl fmt::Display for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl LedgerLocation {
    /// Opens the store this location names.
    pub async fn open(&self) -> Result<AnyStore, LedgerError> {
        (self.backend.open)(self.text.clone()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_hide_passwords() {
        assert_eq!(
            LedgerLocation::parse("file:/tmp/x.log").unwrap(),
            LedgerLocation::file("/tmp/x.log")
        );
        assert_eq!(
            LedgerLocation::parse("file://rel/x.log")
                .unwrap()
                .backend()
                .name,
            "file"
        );
        let pg = LedgerLocation::parse("postgres://me:secret@127.0.0.1:5432/db").unwrap();
        assert_eq!(pg.to_string(), "postgres://me:***@127.0.0.1:5432/db");
        assert_eq!(pg.backend().name, "postgres");
        for bad in [
            "",
            "file:",
            "mysql://x",
            "/tmp/x.log",
            "postgres://",
            "postgres:///db",
            "postgres://127.0.0.1/db?port=x",
        ] {
            let err = LedgerLocation::parse(bad).unwrap_err();
            assert!(err.contains("--ledger"), "{err}");
        }
    }
}
