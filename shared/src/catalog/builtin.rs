//! The built-in catalog as compiled into the program.
//!
//! `catalog/builtin.json` is the source of truth, reviewed as data. `catalog/builtin.bin` is
//! its compact form ([`crate::compact`]), generated from it by the test `tests/generated.rs`,
//! which rewrites the file and fails when it was stale (the way rust-analyzer keeps its
//! generated code fresh); `build.rs` also warns at build time when the JSON changed since.
//! Loading decodes that blob: no JSON is lexed and no string copied, on every target alike.
//!
//! The blob starts with a header: a magic, the [`Compact::SHAPE`] of [`CatalogFile`] it was
//! written for (a blob from other types is refused, never misread), and a hash of the JSON
//! text it was made from (what the freshness checks compare).

use crate::compact::{Compact, Cursor};
use crate::error::Error;
use crate::model::CatalogFile;

/// The built-in catalog file.
pub const BUILTIN_JSON: &str = include_str!("../../catalog/builtin.json");

/// Its compact form, generated from [`BUILTIN_JSON`].
pub static BUILTIN_BLOB: &[u8] = include_bytes!("../../catalog/builtin.bin");

const MAGIC: &[u8; 8] = b"PBCAT01\n";
const HEADER: usize = 24;

/// FNV-1a of the JSON text a blob was made from.
pub fn json_hash(text: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The compact form of `file`, made from the JSON text `json`.
pub fn encode_builtin(file: &CatalogFile, json: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CatalogFile::SHAPE.to_le_bytes());
    out.extend_from_slice(&json_hash(json.as_bytes()).to_le_bytes());
    file.encode(&mut out);
    out
}

/// Decodes [`BUILTIN_BLOB`].
pub(super) fn decode() -> Result<CatalogFile, Error> {
    let stale = |what: &str| {
        Error::catalog(format!(
            "the compiled-in catalog {what}; regenerate it with `cargo test -p piapi-billing --test generated`"
        ))
    };
    let blob = BUILTIN_BLOB;
    if blob.len() < HEADER || &blob[..8] != MAGIC {
        return Err(stale("is not a catalog blob"));
    }
    let word =
        |at: usize| u64::from_le_bytes(<[u8; 8]>::try_from(&blob[at..at + 8]).unwrap_or_default());
    let shape = word(8);
    if shape != CatalogFile::SHAPE {
        return Err(stale("was written for other catalog types"));
    }
    let mut r = Cursor::new(&blob[HEADER..]);
    let file = CatalogFile::decode(&mut r).map_err(|e| stale(&format!("is damaged: {e}")))?;
    if !r.is_empty() {
        return Err(stale("has trailing bytes"));
    }
    Ok(file)
}
