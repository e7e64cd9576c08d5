//! The embedded log's on-disk format.
//!
//! A file starts with [`MAGIC`], then holds one record per committed batch:
//! `[payload length: u32 LE][CRC-32 of payload: u32 LE][payload: JSON array of events]`.
//! A batch is the unit of durability: it is written with one `write` and made durable with one
//! `fdatasync` before any command in it is acknowledged, so a crash can only leave a partial
//! record at the very end (a torn tail), never a hole in the middle.

use piapi_billing::ledger::Event;

/// Identifies the file and its format version.
pub const MAGIC: &[u8] = b"piapi-billing ledger log v1\n";

const HEADER: usize = 8;

/// Far above any real batch; a length beyond it is damage, not data.
const MAX_PAYLOAD: usize = 256 * 1024 * 1024;

/// One framed record holding a batch of events.
pub fn encode(events: &[Event]) -> Vec<u8> {
    // Events are plain data (string keys, decimal strings): serializing them cannot fail.
    let payload = serde_json::to_vec(events).unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// What the bytes at a position hold.
#[derive(Debug)]
pub enum Parsed {
    /// A whole, intact record and the position after it.
    Record { events: Vec<Event>, next: usize },
    /// The end of the log: nothing, or an unfinished write at the very end.
    End,
    /// A damaged record followed by more data: the log cannot be trusted past this point.
    Corrupt(String),
}

/// Parses the record at `pos` of `buf` (which runs to the end of the file).
pub fn parse(buf: &[u8], pos: usize) -> Parsed {
    let rest = &buf[pos..];
    if rest.is_empty() {
        return Parsed::End;
    }
    // A crash can leave a partial header, or a file extended with zeros whose data never
    // reached the disk: both are an unfinished write.
    if rest.len() < HEADER || rest.iter().all(|b| *b == 0) {
        return Parsed::End;
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    let reaches_end = HEADER.saturating_add(len) >= rest.len();
    if len == 0 || len > MAX_PAYLOAD {
        return if reaches_end {
            Parsed::End
        } else {
            Parsed::Corrupt(format!("impossible record length {len}"))
        };
    }
    if HEADER + len > rest.len() {
        return Parsed::End;
    }
    let payload = &rest[HEADER..HEADER + len];
    if crc32fast::hash(payload) != crc {
        return if reaches_end {
            Parsed::End
        } else {
            Parsed::Corrupt("checksum mismatch".to_string())
        };
    }
    match serde_json::from_slice::<Vec<Event>>(payload) {
        Ok(events) => Parsed::Record {
            events,
            next: pos + HEADER + len,
        },
        Err(e) => Parsed::Corrupt(format!(
            "a record with a valid checksum does not parse: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use piapi_billing::ledger::{HoldId, Timestamp};

    fn events() -> Vec<Event> {
        vec![Event::HoldReleased {
            hold_id: HoldId::new("h1").unwrap(),
            at: Timestamp(7),
        }]
    }

    #[test]
    fn records_round_trip_and_torn_tails_end_the_log() {
        let mut buf = encode(&events());
        let first = buf.len();
        buf.extend(encode(&events()));
        let Parsed::Record { events: e, next } = parse(&buf, 0) else {
            panic!()
        };
        assert_eq!((e, next), (events(), first));
        assert!(matches!(parse(&buf, next), Parsed::Record { .. }));
        // Every possible truncation of the last record reads as the end of the log.
        for cut in first..buf.len() {
            assert!(
                matches!(parse(&buf[..cut], first), Parsed::End),
                "cut at {cut}"
            );
        }
        let mut zeros = buf[..first].to_vec();
        zeros.extend([0u8; 100]);
        assert!(matches!(parse(&zeros, first), Parsed::End));
    }

    #[test]
    fn damage_before_the_end_is_corruption() {
        let mut buf = encode(&events());
        buf.extend(encode(&[Event::HoldExpired {
            hold_id: HoldId::new("h2").unwrap(),
            at: Timestamp(1),
        }]));
        buf[10] ^= 0x20;
        assert!(matches!(parse(&buf, 0), Parsed::Corrupt(m) if m.contains("checksum")));
    }
}
