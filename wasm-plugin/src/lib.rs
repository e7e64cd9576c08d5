//! WebAssembly front end of piapi-billing.
//!
//! The module speaks JSON text across the JavaScript boundary: a JS number becomes JSON number
//! text, which the core's reader takes from its digits straight into the argument types, so
//! money never passes through a binary float on its way in, and every amount comes back as a
//! decimal string (the core's `json::JsonWriter` writes the answer text). The hand-written
//! wrapper in `pkg/` turns this into camelCase functions that take and return plain objects and
//! throw `Error`s.
//!
//! Every export answers with an [`envelope`] rather than throwing: a Rust error never unwinds
//! through JavaScript, so a refused call cannot leak the arguments' memory or leave the module
//! in a state where the next call traps.

pub mod engine;
pub mod envelope;

#[cfg(target_arch = "wasm32")]
pub mod exports;
