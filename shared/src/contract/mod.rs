//! The JSON contract every front end speaks (documented in `docs/contract.md`), defined once.
//!
//! Both front ends read arguments into these types and write these results, and the MCP tool
//! schemas and the TypeScript declarations are generated from them, so a field cannot drift
//! between the server, the WebAssembly module and the documentation.

pub mod args;
pub mod reports;
pub mod results;

pub use args::*;
pub use reports::*;
pub use results::*;
