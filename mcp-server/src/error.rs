//! The crate's one error type, for failures of the process itself (bad flags, a catalog file
//! that does not load, a port that will not bind).
//!
//! A failure of a single tool call is not an [`Error`]: it is an MCP tool result with
//! `isError: true` and a message the assistant can act on (see [`crate::tools`]).

use std::path::PathBuf;

/// Why the server or a CLI command could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Flags or environment that cannot work together, e.g. a public bind without a token.
    #[error("{0}")]
    Config(String),
    /// A file named on the command line could not be read.
    #[error("cannot read {path}: {source}", path = .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The billing core refused the input (arguments, catalog or overlay).
    #[error(transparent)]
    Billing(#[from] piapi_billing::Error),
    /// The PiAPI client could not be configured from the environment.
    #[error("PiAPI client: {0}")]
    Piapi(String),
    /// The transport failed: stdin/stdout closed abnormally, a bind or accept failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// The MCP session ended with a protocol-level failure.
    #[error("MCP service: {0}")]
    Service(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
