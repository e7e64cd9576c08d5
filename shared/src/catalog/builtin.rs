//! The built-in catalog as compiled into the program.
//!
//! `catalog/builtin.json` is the source of truth, reviewed as data. `catalog/builtin.bin` is
//! its compact form ([`crate::compact`]), generated from it by the test `tests/generated.rs`,
//! which rewrites the file and fails when it was stale (the way rust-analyzer keeps its
//! generated code fresh); `build.rs` also warns at build time when the JSON changed since.
//! No JSON is lexed and no string copied to load it, on every target alike.
//!
//! The blob is laid out so that loading it touches almost nothing: a header (a magic, the
//! [`Compact::SHAPE`] of [`CatalogFile`] it was written for, so a blob from other types is
//! refused rather than misread, and a hash of the JSON it was made from, which the freshness
//! checks compare); the file without its entries (plans, tiers, account facts); every entry's
//! id, model and task type, which the catalog's index is built from; then each entry's bytes
//! behind their length, decoded only when an operation first reads that entry. The first
//! estimate of a fresh process (a WebAssembly module in a serverless step or a browser) so
//! decodes the handful of rows it looks at, not 273.

use crate::compact::{Compact, Cursor, get_u64, put_u64};
use crate::error::Error;
use crate::model::{CatalogFile, Entry};
use crate::text::Text;

/// The built-in catalog file.
pub const BUILTIN_JSON: &str = include_str!("../../catalog/builtin.json");

/// Its compact form, generated from [`BUILTIN_JSON`].
pub static BUILTIN_BLOB: &[u8] = include_bytes!("../../catalog/builtin.bin");

const MAGIC: &[u8; 8] = b"PBCAT02\n";
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
    let head = CatalogFile {
        entries: Vec::new(),
        ..file.clone()
    };
    head.encode(&mut out);
    put_u64(&mut out, file.entries.len() as u64);
    for e in &file.entries {
        e.id.encode(&mut out);
        e.model.encode(&mut out);
        e.task_type.encode(&mut out);
    }
    let mut one = Vec::new();
    for e in &file.entries {
        // The keys are in the table above: the entry's own copies are left empty.
        let keyless = Entry {
            id: Text::default(),
            model: Text::default(),
            task_type: Text::default(),
            ..e.clone()
        };
        one.clear();
        keyless.encode(&mut one);
        put_u64(&mut out, one.len() as u64);
        out.extend_from_slice(&one);
    }
    out
}

/// An entry's id, model and task type: what the index needs, stored once, ahead of the
/// entries (whose own copies are left empty).
pub(super) struct Keys {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
}

/// The blob opened: the file without its entries, and each entry's keys and bytes.
pub(super) struct Opened {
    pub head: CatalogFile,
    pub keys: Vec<Keys>,
    pub entries: Vec<&'static [u8]>,
}

fn stale(what: &str) -> Error {
    Error::catalog(format!(
        "the compiled-in catalog {what}; regenerate it with `cargo test -p piapi-billing --test generated`"
    ))
}

/// Opens [`BUILTIN_BLOB`], decoding everything but the entries.
pub(super) fn open() -> Result<Opened, Error> {
    let blob = BUILTIN_BLOB;
    if blob.len() < HEADER || &blob[..8] != MAGIC {
        return Err(stale("is not a catalog blob"));
    }
    let word =
        |at: usize| u64::from_le_bytes(<[u8; 8]>::try_from(&blob[at..at + 8]).unwrap_or_default());
    if word(8) != CatalogFile::SHAPE {
        return Err(stale("was written for other catalog types"));
    }
    let mut r = Cursor::new(&blob[HEADER..]);
    let opened = read(&mut r).map_err(|e| stale(&format!("is damaged: {e}")))?;
    if !r.is_empty() {
        return Err(stale("has trailing bytes"));
    }
    Ok(opened)
}

fn read(r: &mut Cursor) -> Result<Opened, crate::compact::Malformed> {
    let head = CatalogFile::decode(r)?;
    let n = usize::try_from(get_u64(r)?).unwrap_or(usize::MAX);
    let mut keys = Vec::new();
    for _ in 0..n {
        keys.push(Keys {
            id: Text::decode(r)?,
            model: Text::decode(r)?,
            task_type: Text::decode(r)?,
        });
    }
    let mut entries = Vec::with_capacity(keys.len());
    for _ in 0..n {
        let len = usize::try_from(get_u64(r)?).unwrap_or(usize::MAX);
        entries.push(r.take(len)?);
    }
    Ok(Opened {
        head,
        keys,
        entries,
    })
}

/// Decodes one entry's bytes, as [`open`] found them, with its keys.
pub(super) fn entry(bytes: &'static [u8], keys: &Keys) -> Result<Entry, Error> {
    let mut r = Cursor::new(bytes);
    let mut entry = Entry::decode(&mut r).map_err(|e| stale(&format!("is damaged: {e}")))?;
    if !r.is_empty() {
        return Err(stale("has trailing bytes in an entry"));
    }
    entry.id = keys.id.clone();
    entry.model = keys.model.clone();
    entry.task_type = keys.task_type.clone();
    entry.make_default_labels();
    Ok(entry)
}
