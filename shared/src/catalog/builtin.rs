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
//! checks compare); the version; the account side (plans, tiers, facts) behind its length;
//! every entry's id, model and task type; the catalog's index, already in order (the entries
//! of each service, and the entries by id); then each entry's bytes behind their length.
//! Loading reads the version, the keys and the index; an entry is decoded when an operation
//! first reads it, the account side when one asks for it. The first estimate of a fresh
//! process (a WebAssembly module in a serverless step or a browser) so decodes the handful of
//! rows it looks at, sorts nothing, and runs (and, in WebAssembly, compiles) little code.

use crate::compact::{Compact, Cursor, decode_all, get_len, put_u64};
use crate::error::Error;
use crate::model::{CatalogFile, Entry};
use crate::text::Text;

/// The built-in catalog file.
pub const BUILTIN_JSON: &str = include_str!("../../catalog/builtin.json");

/// Its compact form, generated from [`BUILTIN_JSON`].
pub static BUILTIN_BLOB: &[u8] = include_bytes!("../../catalog/builtin.bin");

const MAGIC: &[u8; 8] = b"PBCAT03\n";
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
    file.version.encode(&mut out);
    let account = CatalogFile {
        entries: Vec::new(),
        ..file.clone()
    };
    put_bytes(&mut out, |b| account.encode(b));
    let entries = &file.entries;
    put_u64(&mut out, entries.len() as u64);
    for e in entries {
        e.id.encode(&mut out);
        e.model.encode(&mut out);
        e.task_type.encode(&mut out);
    }
    let key = |i: usize| (&entries[i].id, &entries[i].model, &entries[i].task_type);
    let (groups, by_id) = super::index_order(entries.len(), key);
    put_u64(&mut out, groups.len() as u64);
    for group in &groups {
        put_u64(&mut out, group.len() as u64);
        group.iter().for_each(|&i| put_u64(&mut out, i as u64));
    }
    by_id.iter().for_each(|&i| put_u64(&mut out, i as u64));
    for e in entries {
        // The keys are in the table above: the entry's own copies are left empty.
        let keyless = Entry {
            id: Text::default(),
            model: Text::default(),
            task_type: Text::default(),
            ..e.clone()
        };
        put_bytes(&mut out, |b| keyless.encode(b));
    }
    out
}

/// Appends what `write` writes, behind its length.
fn put_bytes(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = Vec::new();
    write(&mut bytes);
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(&bytes);
}

/// An entry's id, model and task type: what the index needs, stored once, ahead of the
/// entries (whose own copies are left empty).
pub(super) struct Keys {
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
}

/// The blob opened: what loading reads, and the bytes decoded later.
pub(super) struct Opened {
    pub version: &'static str,
    /// The file without its entries.
    pub head: &'static [u8],
    pub keys: Vec<Keys>,
    /// Entries of each (model, task type), the services in order; entries by id.
    pub groups: Vec<Vec<usize>>,
    pub by_id: Vec<usize>,
    pub entries: Vec<&'static [u8]>,
}

fn stale(what: &str) -> Error {
    Error::catalog(format!(
        "the compiled-in catalog {what}; regenerate it with `cargo test -p piapi-billing --test generated`"
    ))
}

/// Opens [`BUILTIN_BLOB`]: the version, the keys and the index; no entry is decoded.
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
    let opened = read(&mut r);
    r.finish().map_err(|e| stale(&format!("is damaged: {e}")))?;
    Ok(opened)
}

fn read(r: &mut Cursor) -> Opened {
    let version = r.str();
    let head = bytes(r);
    let n = get_len(r);
    // At least one byte per entry follows: a damaged count cannot reserve a huge vector.
    let room = n.min(BUILTIN_BLOB.len());
    let mut keys = Vec::with_capacity(room);
    for _ in 0..n {
        keys.push(Keys {
            id: Text::decode(r),
            model: Text::decode(r),
            task_type: Text::decode(r),
        });
    }
    let index = |r: &mut Cursor| {
        let i = get_len(r);
        if i >= n {
            r.fail("entry index out of range");
        }
        i.min(n.saturating_sub(1))
    };
    let groups = (0..get_len(r).min(room))
        .map(|_| (0..get_len(r).min(room)).map(|_| index(r)).collect())
        .collect();
    let by_id = (0..room).map(|_| index(r)).collect();
    let entries = (0..room).map(|_| bytes(r)).collect();
    Opened {
        version,
        head,
        keys,
        groups,
        by_id,
        entries,
    }
}

fn bytes(r: &mut Cursor) -> &'static [u8] {
    let n = get_len(r);
    r.take(n)
}

/// Decodes the account side of the file (its entries empty), as [`open`] found it.
pub(super) fn head(bytes: &'static [u8]) -> Result<CatalogFile, Error> {
    decode_all(bytes).map_err(|e| stale(&format!("has a damaged account side: {e}")))
}

/// Decodes one entry's bytes, as [`open`] found them, with its keys.
pub(super) fn entry(bytes: &'static [u8], keys: &Keys) -> Result<Entry, Error> {
    let mut entry: Entry =
        decode_all(bytes).map_err(|e| stale(&format!("has a damaged entry: {e}")))?;
    entry.id = keys.id.clone();
    entry.model = keys.model.clone();
    entry.task_type = keys.task_type.clone();
    entry.make_default_labels();
    Ok(entry)
}
