//! The core's one error type.
//!
//! Errors here are about a whole call (malformed arguments, a bad catalog file). A single task
//! that cannot be priced is not an error of the call: it is reported in the result's `errors`
//! list so the rest of the batch still gets its answer.

use serde::Serialize;

/// Why a call was refused as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The arguments do not fit the contract: a missing or unknown field, a wrong type, a value
    /// out of range.
    InvalidArguments,
    /// A catalog or overlay file is malformed or inconsistent.
    InvalidCatalog,
    /// The tool name is not one the core answers.
    UnknownTool,
    /// A ledger operation was refused (see `ledger::LedgerError` for the detail).
    Ledger,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArguments => "invalid_arguments",
            ErrorKind::InvalidCatalog => "invalid_catalog",
            ErrorKind::UnknownTool => "unknown_tool",
            ErrorKind::Ledger => "ledger",
        }
    }
}

/// A refused call: what kind, which field (a JSON path such as `tasks[2].count`), and a
/// message that names the field and the allowed values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub kind: ErrorKind,
    pub field: Option<String>,
    pub message: String,
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_in(field.into(), message.into())
    }

    /// The body of [`Error::invalid`], once: the generic shell is instantiated for every
    /// pair of argument types callers pass.
    fn invalid_in(field: String, message: String) -> Self {
        Error {
            kind: ErrorKind::InvalidArguments,
            message: if field.is_empty() {
                message
            } else {
                format!("{field}: {message}")
            },
            field: (!field.is_empty()).then_some(field),
        }
    }

    pub fn catalog(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::InvalidCatalog,
            field: None,
            message: message.into(),
        }
    }

    pub fn unknown_tool(name: &str, known: &[&str]) -> Self {
        Error {
            kind: ErrorKind::UnknownTool,
            field: None,
            message: format!("unknown tool \"{name}\"; known tools: {}", known.join(", ")),
        }
    }

    pub fn code(&self) -> &'static str {
        self.kind.as_str()
    }
}
