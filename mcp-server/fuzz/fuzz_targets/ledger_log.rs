//! Any bytes as a ledger log file: the parser never panics, never loops for long, and its
//! verdict keeps the recovery rules — the intact records are contiguous and numbered from 1,
//! an end it would drop is one write at most, is not claimed by the commit mark, and leaves a
//! log that then reads clean, and damage is reported inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The store's own source files, not a copy: the module has no dependency on the rest of the
// server, and compiling it alone keeps the instrumented build small.
#[path = "../../src/ledger"]
#[allow(dead_code, unused_imports)]
mod ledger {
    pub mod log;
}

use ledger::log::{self, Format, MAX_RECORD, Tail};

fuzz_target!(|data: &[u8]| {
    let Ok(scan) = log::scan_file(data) else {
        return;
    };
    let start = scan.format.data_start() as u64;
    let mut at = start;
    for (i, r) in scan.records.iter().enumerate() {
        assert_eq!(r.offset, at, "records are contiguous");
        assert_eq!(r.seq, i as u64 + 1, "records are numbered from 1");
        assert!(r.end > r.offset);
        at = r.end;
    }
    assert_eq!(scan.end, at);
    let len = data.len() as u64;
    assert!(scan.end <= len);
    match &scan.tail {
        Tail::Clean => assert_eq!(scan.end, len),
        Tail::Unfinished { offset, bytes, .. } => {
            assert_eq!((*offset, offset + bytes), (scan.end, len));
            if scan.format == Format::V2 {
                assert!(*bytes as usize <= MAX_RECORD, "at most one write is dropped");
            }
            let next = scan.records.len() as u64 + 1;
            assert!(scan.mark.is_none_or(|m| m.seq < next), "the mark's records are kept");
            // What the store does next: cut the end off, then read again.
            let kept = log::scan_file(&data[..*offset as usize]).expect("still a log");
            assert_eq!(kept.tail, Tail::Clean);
            assert_eq!(kept.records, scan.records);
        }
        Tail::Damaged(d) => assert!(d.offset >= start.min(len) && d.offset <= len),
    }
    let _ = log::scan::salvage(&data[scan.end as usize..], scan.end, scan.format);
});
