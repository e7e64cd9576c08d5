//! The embedded log's on-disk format, and the rules that decide what a damaged log means.
//!
//! Version 2 (every new file):
//!
//! ```text
//! file header, 4096 bytes: MAGIC_V2, then two commit marks (one per 512-byte sector, at
//!                          512 and 1024), zeros elsewhere
//! records, back to back:   [tag FF 4C 52 02][seq: u64][payload length: u32]
//!                          [CRC-32 of payload: u32][CRC-32 of the 20 bytes before: u32]
//!                          [payload: a JSON array of events]
//! ```
//!
//! Each record is one `write`, made durable by one `fdatasync` before any command in it is
//! answered, and no record is longer than [`MAX_RECORD`] (a larger group commit becomes several
//! records, each synced before the next is written). Sequence numbers start at 1 and grow by
//! one, so a record that is missing, repeated or out of place is seen. The header has its own
//! checksum, so a damaged length can never be mistaken for "the rest of the file is one
//! unfinished record", and the tag (with a byte that UTF-8 text never contains) lets recovery
//! look past damage for intact records. After each durable record the writer stores a
//! *commit mark* (its sequence number and end offset) in the file header without a sync of its
//! own: the next record's sync carries it to disk. The mark is therefore a lower bound of what
//! was acknowledged, and recovery never drops a record at or below it.
//!
//! Version 1 files (`MAGIC_V1`, records `[length][CRC-32][payload]` with no header checksum,
//! sequence or mark) are still read and appended to in their own format; the same recovery
//! rules apply as far as that format can tell (see [`scan`]).

pub mod frame;
pub mod scan;

pub use frame::{Mark, encode_records};
pub use scan::{Damage, LogScan, Record, Tail, classify_tail, read_records, scan_file};

/// First bytes of a version 1 log.
pub const MAGIC_V1: &[u8] = b"piapi-billing ledger log v1\n";
/// First bytes of a version 2 log.
pub const MAGIC_V2: &[u8] = b"piapi-billing ledger log v2\n";

/// Size of a version 2 file header; records start right after it.
pub const V2_HEADER: usize = 4096;

/// The longest payload one record carries. Far above a normal group commit (1,024 commands of
/// a few hundred bytes each), small enough that the unfinished last write recovery may drop is
/// bounded.
pub const MAX_PAYLOAD: usize = 1024 * 1024;

/// The longest single write the writer makes: one record. A damaged or zero-filled end longer
/// than this cannot be one unfinished write.
pub const MAX_RECORD: usize = frame::V2_RECORD_HEADER + MAX_PAYLOAD;

/// A log's framing version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    V1,
    V2,
}

impl Format {
    /// Where records start.
    pub fn data_start(self) -> usize {
        match self {
            Format::V1 => MAGIC_V1.len(),
            Format::V2 => V2_HEADER,
        }
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, PartialEq, Eq)]
pub enum Header {
    Log(Format),
    /// Nothing at all.
    Empty,
    /// Starts like a version 2 log but its 4096-byte header is cut short.
    ShortHeader(usize),
    /// Not a ledger log (or its first bytes are damaged).
    Foreign,
}

/// Reads the file header from the first bytes of a file (`head` may be the whole file).
pub fn header(head: &[u8]) -> Header {
    if head.is_empty() {
        Header::Empty
    } else if head.starts_with(MAGIC_V2) {
        if head.len() < V2_HEADER {
            Header::ShortHeader(head.len())
        } else {
            Header::Log(Format::V2)
        }
    } else if head.starts_with(MAGIC_V1) {
        Header::Log(Format::V1)
    } else {
        Header::Foreign
    }
}

/// A new version 2 file header (no commit yet).
pub fn new_v2_header() -> Vec<u8> {
    let mut head = vec![0u8; V2_HEADER];
    head[..MAGIC_V2.len()].copy_from_slice(MAGIC_V2);
    head
}
