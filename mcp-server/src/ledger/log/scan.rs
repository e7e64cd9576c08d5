//! Reading a log and deciding what its end means. Pure functions over bytes, so the fuzz
//! target and the tests drive exactly what the store runs.
//!
//! Recovery may drop exactly one thing: the unfinished last write, which was never
//! acknowledged (a record is answered only after its `fdatasync`). Bytes after the last intact
//! record are taken for such a write only when all of these hold:
//!
//! - they look like a write cut short: a record header whose own checksum holds but whose
//!   payload is shorter than it announces, a header cut short, or a header that never reached
//!   the disk (zeros, or a correct prefix followed by zeros);
//! - they are no longer than one write ([`MAX_RECORD`]);
//! - no intact record follows them anywhere in the file (damage followed by records is damage
//!   in the middle, whatever it looks like);
//! - the commit mark does not claim the record they would be (version 2).
//!
//! Anything else is damage: the store refuses to open and says where, and `--ledger-repair`
//! keeps what comes before and moves the rest aside. In particular a complete last record
//! whose checksum fails is damage, not a torn write: an unfinished write is shorter than its
//! header announces.

use piapi_billing::ledger::Event;

use super::frame::{self, Mark, V1_RECORD_HEADER, V2_RECORD_HEADER};
use super::{Format, Header, MAX_PAYLOAD, MAX_RECORD};

/// Version 1 writers had no bound on one write; no real batch came near this.
const V1_MAX_WRITE: usize = 16 * 1024 * 1024;
/// A version 1 length beyond this is damage, not data.
const V1_MAX_PAYLOAD: usize = 256 * 1024 * 1024;

/// One intact record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// File offset of its first byte, and just past its last.
    pub offset: u64,
    pub end: u64,
    /// Its sequence number (version 1 records are numbered by position, from 1).
    pub seq: u64,
    pub events: Vec<Event>,
}

/// Damage that could hide acknowledged records: the log is not opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// File offset where the log stops being readable.
    pub offset: u64,
    /// What is there, and why it cannot be an unfinished write.
    pub what: String,
}

/// How the bytes after the last intact record end the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tail {
    /// The intact records run to the end of the file.
    Clean,
    /// The last write never finished; its `bytes` at `offset` were never acknowledged and may
    /// be dropped.
    Unfinished {
        offset: u64,
        bytes: u64,
        what: String,
    },
    Damaged(Damage),
}

/// A whole file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogScan {
    pub format: Format,
    pub records: Vec<Record>,
    /// File offset just past the last intact record.
    pub end: u64,
    /// The commit mark (version 2), and whether one of its two slots was damaged.
    pub mark: Option<Mark>,
    pub mark_damaged: bool,
    pub tail: Tail,
}

/// Reads a whole log file. `Err` when the file is not a log at all (empty, foreign, or a cut
/// version 2 header).
pub fn scan_file(bytes: &[u8]) -> Result<LogScan, Damage> {
    let format = match super::header(bytes) {
        Header::Log(format) => format,
        Header::Empty => {
            return Err(Damage {
                offset: 0,
                what: "the file is empty (0 bytes), so it has no ledger header".to_string(),
            });
        }
        Header::ShortHeader(n) => {
            return Err(Damage {
                offset: n as u64,
                what: format!(
                    "the file header is cut short ({n} of {} bytes)",
                    super::V2_HEADER
                ),
            });
        }
        Header::Foreign => {
            return Err(Damage {
                offset: 0,
                what: "the file does not start with a piapi-billing ledger header".to_string(),
            });
        }
    };
    let start = format.data_start();
    let (mark, mark_damaged) = match format {
        Format::V1 => (None, false),
        Format::V2 => {
            let (m, d) = Mark::read(&bytes[..start]);
            (Some(m), d)
        }
    };
    let (records, pos) = read_records(&bytes[start..], start as u64, format, 1);
    let next_seq = records.last().map_or(1, |r| r.seq + 1);
    let tail = classify_tail(&bytes[start..], pos, start as u64, format, next_seq, mark);
    Ok(LogScan {
        format,
        end: (start + pos) as u64,
        records,
        mark,
        mark_damaged,
        tail,
    })
}

/// Reads intact records from `buf` (the file from offset `base` to its end), expecting
/// sequence `next_seq` first. Returns them and the position in `buf` where they stop.
pub fn read_records(buf: &[u8], base: u64, format: Format, next_seq: u64) -> (Vec<Record>, usize) {
    let mut records = Vec::new();
    let mut pos = 0;
    let mut seq = next_seq;
    while let Some((events, len)) = intact_at(&buf[pos..], format, seq) {
        records.push(Record {
            offset: base + pos as u64,
            end: base + (pos + len) as u64,
            seq,
            events,
        });
        pos += len;
        seq += 1;
    }
    (records, pos)
}

/// The record at the start of `b` if it is intact, parses, and (version 2) is number `seq`.
fn intact_at(b: &[u8], format: Format, seq: u64) -> Option<(Vec<Event>, usize)> {
    let (payload, len) = match format {
        Format::V2 => {
            let h = frame::v2_header(b).filter(|h| h.seq == seq && h.len <= MAX_PAYLOAD)?;
            let payload = b.get(V2_RECORD_HEADER..V2_RECORD_HEADER + h.len)?;
            (crc32fast::hash(payload) == h.payload_crc).then_some(())?;
            (payload, V2_RECORD_HEADER + h.len)
        }
        Format::V1 => {
            let (n, crc) = frame::v1_header(b)?;
            let payload = b.get(V1_RECORD_HEADER..V1_RECORD_HEADER.checked_add(n)?)?;
            (n > 0 && crc32fast::hash(payload) == crc).then_some(())?;
            (payload, V1_RECORD_HEADER + n)
        }
    };
    let events = serde_json::from_slice::<Vec<Event>>(payload).ok()?;
    Some((events, len))
}

/// What a local look at the bytes where the intact records stop says.
enum Local {
    Unfinished(String),
    Damaged(String),
}

/// Decides what the bytes of `buf` from `pos` on are (see the module doc). `buf` starts at
/// file offset `base` and runs to the end of the file; `next_seq` is the number the next
/// record would carry; `mark` is the commit mark (version 2).
pub fn classify_tail(
    buf: &[u8],
    pos: usize,
    base: u64,
    format: Format,
    next_seq: u64,
    mark: Option<Mark>,
) -> Tail {
    let rest = &buf[pos..];
    let offset = base + pos as u64;
    let damaged = |what: String| Tail::Damaged(Damage { offset, what });
    let marked = mark.filter(|m| m.seq >= next_seq);
    if rest.is_empty() {
        return match marked {
            Some(m) => damaged(format!(
                "the file ends after record {}, but its commit mark says record {} (ending at \
                 byte {}) was made durable: acknowledged records were cut off",
                next_seq - 1,
                m.seq,
                m.end
            )),
            None => Tail::Clean,
        };
    }
    let local = match format {
        Format::V2 => local_v2(rest, next_seq),
        Format::V1 => local_v1(rest),
    };
    let what = match local {
        Local::Damaged(what) => what,
        Local::Unfinished(what) => {
            let limit = if format == Format::V1 {
                V1_MAX_WRITE
            } else {
                MAX_RECORD
            };
            match (next_intact(buf, pos + 1, format), marked) {
                (Some((at, n)), _) => format!(
                    "{what}, yet an intact record ({}) follows at byte {}",
                    record_name(format, n),
                    base + at as u64
                ),
                (None, Some(m)) => format!(
                    "{what}, but the commit mark says record {} was made durable (up to byte {})",
                    m.seq, m.end
                ),
                (None, None) if rest.len() > limit => format!(
                    "{what}, over {} bytes: longer than any single write ({limit} bytes at most)",
                    rest.len()
                ),
                (None, None) => {
                    return Tail::Unfinished {
                        offset,
                        bytes: rest.len() as u64,
                        what,
                    };
                }
            }
        }
    };
    damaged(what)
}

fn record_name(format: Format, n: u64) -> String {
    match format {
        Format::V2 => format!("number {n}"),
        Format::V1 => "of the version 1 format".to_string(),
    }
}

fn local_v2(rest: &[u8], seq: u64) -> Local {
    if rest.len() < V2_RECORD_HEADER {
        return Local::Unfinished(format!(
            "a record header cut short ({} of {V2_RECORD_HEADER} bytes)",
            rest.len()
        ));
    }
    let Some(h) = frame::v2_header(rest) else {
        return if torn_header(&rest[..V2_RECORD_HEADER], &frame::v2_header_prefix(seq)) {
            let zeros = rest.iter().all(|b| *b == 0);
            Local::Unfinished(if zeros {
                format!(
                    "{} zero bytes (the file grew, the write's data never reached the disk)",
                    rest.len()
                )
            } else {
                "a record whose header never fully reached the disk".to_string()
            })
        } else {
            Local::Damaged("a record header whose checksum does not match".to_string())
        };
    };
    if h.seq != seq {
        return Local::Damaged(format!(
            "record number {} where number {seq} belongs",
            h.seq
        ));
    }
    if h.len > MAX_PAYLOAD {
        return Local::Damaged(format!(
            "record {seq} announces {} bytes, more than any record holds",
            h.len
        ));
    }
    let have = rest.len() - V2_RECORD_HEADER;
    if have < h.len {
        return Local::Unfinished(format!(
            "record {seq} announces {} payload bytes but only {have} were written",
            h.len
        ));
    }
    payload_problem(
        &rest[V2_RECORD_HEADER..],
        h.len,
        h.payload_crc,
        &format!("record {seq}"),
    )
}

fn local_v1(rest: &[u8]) -> Local {
    let Some((len, crc)) = frame::v1_header(rest) else {
        return Local::Unfinished(format!(
            "a record header cut short ({} of {V1_RECORD_HEADER} bytes)",
            rest.len()
        ));
    };
    if rest.iter().all(|b| *b == 0) {
        return Local::Unfinished(format!(
            "{} zero bytes (the file grew, the write's data never reached the disk)",
            rest.len()
        ));
    }
    if len == 0 || len > V1_MAX_PAYLOAD {
        return Local::Damaged(format!(
            "a record header announcing an impossible length ({len})"
        ));
    }
    let have = rest.len() - V1_RECORD_HEADER;
    if have < len {
        return Local::Unfinished(format!(
            "a record announcing {len} payload bytes of which only {have} were written"
        ));
    }
    payload_problem(&rest[V1_RECORD_HEADER..], len, crc, "a record")
}

/// Why a complete payload (`after` holds it and whatever follows) is not an intact record.
fn payload_problem(after: &[u8], len: usize, crc: u32, name: &str) -> Local {
    let payload = &after[..len];
    if crc32fast::hash(payload) != crc {
        return Local::Damaged(if after.len() == len {
            format!(
                "{name} is the last in the file and complete, but its checksum does not match: \
                 its bytes changed after they were written (an unfinished write is shorter \
                 than its header announces)"
            )
        } else {
            format!("{name}'s checksum does not match")
        });
    }
    match serde_json::from_slice::<Vec<Event>>(payload) {
        Ok(_) => Local::Damaged(format!("{name} is intact but out of place")),
        Err(e) => Local::Damaged(format!(
            "{name} has intact checksums but its events do not parse ({e}); was it written by \
             a newer version of the server?"
        )),
    }
}

/// A header that a write cut short: a correct prefix (at most tag and sequence) followed by
/// zeros only. Anything else in a header is damage.
fn torn_header(header: &[u8], expected_prefix: &[u8; 12]) -> bool {
    let written = header.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    written <= expected_prefix.len() && header[..written] == expected_prefix[..written]
}

/// The first intact record header at or after `from` in `buf`, with its number (version 2;
/// for version 1, any complete record whose checksum holds).
fn next_intact(buf: &[u8], from: usize, format: Format) -> Option<(usize, u64)> {
    match format {
        Format::V2 => (from..buf.len().saturating_sub(V2_RECORD_HEADER - 1))
            .filter(|&q| buf[q] == frame::V2_TAG[0])
            .find_map(|q| frame::v2_header(&buf[q..]).map(|h| (q, h.seq))),
        Format::V1 => (from..buf.len()).find_map(|q| {
            let (n, crc) = frame::v1_header(&buf[q..])?;
            let payload = buf.get(q + V1_RECORD_HEADER..(q + V1_RECORD_HEADER).checked_add(n)?)?;
            let framed = n >= 2 && payload[0] == b'[' && payload[n - 1] == b']';
            (framed && crc32fast::hash(payload) == crc).then_some((q, 0))
        }),
    }
}

/// Every intact record found anywhere in `buf` (which starts at file offset `base`), looking
/// past damage: what `--ledger-repair` reports about the bytes it moves aside.
pub fn salvage(buf: &[u8], base: u64, format: Format) -> Vec<Record> {
    let mut found = Vec::new();
    let mut q = 0;
    while let Some((at, seq)) = next_intact(buf, q, format) {
        let (records, len) = read_records(&buf[at..], base + at as u64, format, seq.max(1));
        let step = if let Some(first) = records.into_iter().next() {
            let len = (first.end - first.offset) as usize;
            found.push(first);
            len
        } else {
            len.max(1)
        };
        q = at + step;
    }
    found
}
