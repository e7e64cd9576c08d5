//! Record framing (both versions) and the version 2 commit marks.
//!
//! Checksums are CRC-32 (crc32fast): they catch torn writes and media damage, which is all a
//! single-writer log needs; nothing here defends against a deliberate forger.

use piapi_billing::ledger::Event;

use super::{Format, MAX_PAYLOAD};

pub const V1_RECORD_HEADER: usize = 8;
pub const V2_RECORD_HEADER: usize = 24;

/// Marks a version 2 record header. 0xFF never occurs in UTF-8, so JSON payload text can never
/// contain it, and a search for intact records after damage is not fooled by payload bytes.
pub const V2_TAG: [u8; 4] = [0xFF, b'L', b'R', 0x02];

/// Marks a commit-mark slot.
const MARK_TAG: [u8; 4] = [0xFF, b'C', b'M', 0x02];
/// The two commit-mark slots, each at the start of its own 512-byte sector so that a torn
/// write of one (a sector is written whole or not at all on the devices we run on) leaves the
/// other intact. Record `seq` writes slot `seq % 2`.
pub const MARK_SLOTS: [usize; 2] = [512, 1024];
pub const MARK_LEN: usize = 24;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Frames `events` as records of `format`, numbered from `first_seq` (version 2), none with a
/// payload over [`MAX_PAYLOAD`] unless a single event is larger (events are never split). Each
/// record is written and synced on its own.
pub fn encode_records(format: Format, events: &[Event], first_seq: u64) -> Vec<Vec<u8>> {
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    let mut current = vec![b'['];
    for event in events {
        // Events are plain data (string keys, decimal strings): serializing cannot fail.
        let json = serde_json::to_vec(event).unwrap_or_default();
        if current.len() > 1 && current.len() + json.len() + 2 > MAX_PAYLOAD {
            current.push(b']');
            payloads.push(std::mem::replace(&mut current, vec![b'[']));
        }
        if current.len() > 1 {
            current.push(b',');
        }
        current.extend_from_slice(&json);
    }
    current.push(b']');
    payloads.push(current);
    payloads
        .iter()
        .zip(first_seq..)
        .map(|(payload, seq)| match format {
            Format::V1 => v1_record(payload),
            Format::V2 => v2_record(payload, seq),
        })
        .collect()
}

fn v1_record(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(V1_RECORD_HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn v2_record(payload: &[u8], seq: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(V2_RECORD_HEADER + payload.len());
    out.extend_from_slice(&V2_TAG);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let header_crc = crc32fast::hash(&out[..20]);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// A version 2 record header whose own checksum holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V2Header {
    pub seq: u64,
    pub len: usize,
    pub payload_crc: u32,
}

/// Reads an intact version 2 record header at the start of `b`, if there is one.
pub fn v2_header(b: &[u8]) -> Option<V2Header> {
    if b.len() < V2_RECORD_HEADER || b[..4] != V2_TAG {
        return None;
    }
    if crc32fast::hash(&b[..20]) != u32_at(b, 20) {
        return None;
    }
    Some(V2Header {
        seq: u64_at(b, 4),
        len: u32_at(b, 12) as usize,
        payload_crc: u32_at(b, 16),
    })
}

/// The first bytes a version 2 record with sequence `seq` starts with (tag and sequence): a
/// write torn inside the header leaves a prefix of these followed by zeros.
pub fn v2_header_prefix(seq: u64) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[..4].copy_from_slice(&V2_TAG);
    p[4..].copy_from_slice(&seq.to_le_bytes());
    p
}

/// A version 1 record header: (payload length, payload CRC).
pub fn v1_header(b: &[u8]) -> Option<(usize, u32)> {
    (b.len() >= V1_RECORD_HEADER).then(|| (u32_at(b, 0) as usize, u32_at(b, 4)))
}

/// The last record known durable: written by the writer after the record's sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub seq: u64,
    /// File offset just past that record.
    pub end: u64,
}

impl Mark {
    /// Where this mark is stored, and its bytes.
    pub fn encode(self) -> (usize, [u8; MARK_LEN]) {
        let mut b = [0u8; MARK_LEN];
        b[..4].copy_from_slice(&MARK_TAG);
        b[4..12].copy_from_slice(&self.seq.to_le_bytes());
        b[12..20].copy_from_slice(&self.end.to_le_bytes());
        let crc = crc32fast::hash(&b[..20]);
        b[20..].copy_from_slice(&crc.to_le_bytes());
        (MARK_SLOTS[(self.seq % 2) as usize], b)
    }

    /// The newest intact mark in a version 2 file header, and whether a slot that was written
    /// at some point (not all zeros) failed its checksum.
    pub fn read(head: &[u8]) -> (Mark, bool) {
        let mut best = Mark::default();
        let mut damaged = false;
        for at in MARK_SLOTS {
            let Some(b) = head.get(at..at + MARK_LEN) else {
                continue;
            };
            if b.iter().all(|x| *x == 0) {
                continue;
            }
            if b[..4] != MARK_TAG || crc32fast::hash(&b[..20]) != u32_at(b, 20) {
                damaged = true;
                continue;
            }
            let mark = Mark {
                seq: u64_at(b, 4),
                end: u64_at(b, 12),
            };
            if mark.seq > best.seq {
                best = mark;
            }
        }
        (best, damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use piapi_billing::ledger::{HoldId, Timestamp};

    fn released(i: usize) -> Event {
        Event::HoldReleased {
            hold_id: HoldId::new(format!("hold-{i}")).unwrap(),
            at: Timestamp(7),
        }
    }

    #[test]
    fn headers_check_themselves() {
        let rec = &encode_records(Format::V2, &[released(1)], 9)[0];
        let h = v2_header(rec).unwrap();
        assert_eq!((h.seq, h.len), (9, rec.len() - V2_RECORD_HEADER));
        assert_eq!(&rec[..12], &v2_header_prefix(9));
        for i in 0..V2_RECORD_HEADER {
            let mut bad = rec.clone();
            bad[i] ^= 0x10;
            assert!(v2_header(&bad).is_none(), "a flip at {i} goes unseen");
        }
    }

    #[test]
    fn large_batches_split_into_bounded_records_with_consecutive_numbers() {
        let events: Vec<Event> = (0..40_000).map(released).collect();
        let records = encode_records(Format::V2, &events, 5);
        assert!(records.len() > 1);
        let mut back = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let h = v2_header(r).unwrap();
            assert_eq!(h.seq, 5 + i as u64);
            assert!(h.len <= MAX_PAYLOAD);
            let payload = &r[V2_RECORD_HEADER..];
            back.extend(serde_json::from_slice::<Vec<Event>>(payload).unwrap());
        }
        assert_eq!(back, events);
    }

    #[test]
    fn the_newest_intact_mark_wins() {
        let mut head = super::super::new_v2_header();
        assert_eq!(Mark::read(&head), (Mark::default(), false));
        for seq in [3u64, 4] {
            let (at, b) = Mark {
                seq,
                end: seq * 100,
            }
            .encode();
            head[at..at + MARK_LEN].copy_from_slice(&b);
        }
        assert_eq!(Mark::read(&head).0, Mark { seq: 4, end: 400 });
        head[MARK_SLOTS[0] + 5] ^= 1; // slot of seq 4 torn
        assert_eq!(Mark::read(&head), (Mark { seq: 3, end: 300 }, true));
    }
}
