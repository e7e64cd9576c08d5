//! The embedded log under damage: a real log written by the real writer (several group
//! commits, many holds), then every class of damage — each header field, the payload, the
//! checksums, the file header and its commit marks, zero fills, garbage followed by intact
//! records, a length pointing past the end, truncation at every offset of the last record —
//! and for each case the store either refuses to open with the byte offset in its message, or
//! opens with every acknowledged hold still there. Writes that a crash really leaves unfinished
//! are recovered on their own; version 1 logs still open and grow.

mod ledger_common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ledger_common::mcp::run_briefly;
use ledger_common::*;
use piapi_billing::ledger::{Command, Event, Timestamp};
use piapi_billing_mcp::ledger::FileStore;
use piapi_billing_mcp::ledger::log::{
    self, Format, MAGIC_V1, MAX_RECORD, Record, frame, scan_file,
};

/// A log built by the real writer, with what each record acknowledged.
struct Built {
    /// The final file.
    bytes: Vec<u8>,
    /// The file after each group commit (index 0: after the first).
    snapshots: Vec<Vec<u8>>,
    records: Vec<Record>,
    /// Holds acknowledged by each record, in record order.
    holds_by_record: Vec<BTreeSet<String>>,
}

impl Built {
    fn all_holds(&self) -> BTreeSet<String> {
        self.holds_by_record.iter().flatten().cloned().collect()
    }

    fn holds_before(&self, record: usize) -> BTreeSet<String> {
        self.holds_by_record[..record]
            .iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The record holding byte `at` (or the first past it).
    fn record_at(&self, at: usize) -> usize {
        self.records
            .iter()
            .position(|r| r.end as usize > at)
            .unwrap_or(self.records.len())
    }
}

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ledger-recovery-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Eight group commits: a grant, six batches of five reservations, then a batch that settles
/// and releases some of them. Each `execute_blocking` is one group commit, as the service does.
fn build(path: &Path) -> Built {
    let store = FileStore::open(path).unwrap();
    let mut batches: Vec<Vec<Command>> = vec![vec![grant("fund", "team", "1000")]];
    for b in 0..6 {
        batches.push(
            (0..5)
                .map(|i| reserve(&format!("hold-{b}-{i}"), "team", "1.25", 3_600_000))
                .collect(),
        );
    }
    batches.push(vec![
        settle("hold-0-0", "1"),
        release("hold-1-1"),
        settle("hold-5-4", "0.5"),
    ]);
    let mut snapshots = Vec::new();
    let mut holds_by_record = Vec::new();
    for (n, batch) in batches.iter().enumerate() {
        let results = store
            .execute_blocking(batch, Timestamp(1_800_000_000_000 + n as u64))
            .unwrap();
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        holds_by_record.push(
            batch
                .iter()
                .filter(|c| matches!(c, Command::Reserve { .. }))
                .filter_map(|c| c.hold_id().map(|h| h.to_string()))
                .collect(),
        );
        snapshots.push(std::fs::read(path).unwrap());
    }
    let bytes = std::fs::read(path).unwrap();
    let scan = scan_file(&bytes).unwrap();
    assert_eq!(scan.format, Format::V2);
    assert_eq!(
        scan.records.len(),
        batches.len(),
        "one record per group commit"
    );
    assert_eq!(scan.tail, log::Tail::Clean);
    Built {
        bytes,
        snapshots,
        records: scan.records,
        holds_by_record,
    }
}

/// What opening a damaged copy did.
enum Opened {
    Refused(String),
    Holds(BTreeSet<String>),
}

fn open_copy(path: &Path, bytes: &[u8]) -> Opened {
    std::fs::write(path, bytes).unwrap();
    match FileStore::open(path) {
        Err(e) => {
            assert!(
                e.is_permanent(),
                "damage is not something a retry fixes: {e}"
            );
            Opened::Refused(e.to_string())
        }
        Ok(store) => {
            store.inspect(|l| l.check_invariants()).unwrap().unwrap();
            Opened::Holds(
                store
                    .inspect(|l| l.holds().map(|h| h.id.to_string()).collect())
                    .unwrap(),
            )
        }
    }
}

/// The rule every damage case must keep: refused with the offset where the log stops being
/// readable (the start of the first damaged record), or opened with every acknowledged hold.
fn assert_safe(built: &Built, path: &Path, case: &str, damaged: &[u8], first_changed: usize) {
    match open_copy(path, damaged) {
        Opened::Refused(msg) => {
            let record = built.record_at(first_changed);
            let offset = built
                .records
                .get(record)
                .map_or(first_changed as u64, |r| r.offset);
            assert!(
                msg.contains(&format!("damaged at byte {offset}:")),
                "{case}: the refusal must name byte {offset}: {msg}"
            );
            assert!(msg.contains("--ledger-repair"), "{case}: {msg}");
        }
        Opened::Holds(holds) => {
            let lost: Vec<_> = built.all_holds().difference(&holds).cloned().collect();
            assert!(lost.is_empty(), "{case}: acknowledged holds lost: {lost:?}");
        }
    }
}

fn assert_refused(path: &Path, case: &str, damaged: &[u8], offset: u64) {
    match open_copy(path, damaged) {
        Opened::Refused(msg) => assert!(
            msg.contains(&format!("damaged at byte {offset}:")),
            "{case}: the refusal must name byte {offset}: {msg}"
        ),
        Opened::Holds(_) => panic!("{case}: opened a log that hides acknowledged records"),
    }
}

#[test]
fn every_byte_of_every_record_header_and_some_of_every_payload() {
    let d = dir("flips");
    let built = build(&d.join("built.log"));
    let path = d.join("case.log");
    for (k, r) in built.records.iter().enumerate() {
        let (start, end) = (r.offset as usize, r.end as usize);
        let header = start..start + frame::V2_RECORD_HEADER;
        let payload = [start + 24, start + 25, (start + end) / 2, end - 2, end - 1];
        for at in header.chain(payload) {
            for flip in [0x01u8, 0x80] {
                let mut bytes = built.bytes.clone();
                bytes[at] ^= flip;
                // Every such flip is detected: the open is refused at this record.
                assert_refused(
                    &path,
                    &format!("record {k}, byte {at} ^ {flip:#x}"),
                    &bytes,
                    r.offset,
                );
            }
        }
    }
}

#[test]
fn a_valid_header_whose_length_points_past_the_end_in_the_middle_is_refused() {
    let d = dir("length");
    let built = build(&d.join("built.log"));
    let path = d.join("case.log");
    for k in [1, 3, built.records.len() - 2] {
        let r = &built.records[k];
        for len in [
            10_000_000u32,
            0x7fff_ffff,
            (built.bytes.len() - r.offset as usize) as u32,
        ] {
            let mut bytes = built.bytes.clone();
            let at = r.offset as usize;
            bytes[at + 12..at + 16].copy_from_slice(&len.to_le_bytes());
            // Even with the header's own checksum made to match, later intact records show
            // that this is not an unfinished last write.
            let crc = crc32fast::hash(&bytes[at..at + 20]);
            bytes[at + 20..at + 24].copy_from_slice(&crc.to_le_bytes());
            assert_refused(&path, &format!("record {k} length {len}"), &bytes, r.offset);
        }
    }
}

#[test]
fn truncation_anywhere_in_or_before_the_last_record_is_refused() {
    let d = dir("truncate");
    let built = build(&d.join("built.log"));
    let path = d.join("case.log");
    let last = built.records.last().unwrap();
    for cut in last.offset as usize..last.end as usize {
        assert_safe(
            &built,
            &path,
            &format!("cut at {cut}"),
            &built.bytes[..cut],
            cut,
        );
        assert_refused(
            &path,
            &format!("cut at {cut}"),
            &built.bytes[..cut],
            last.offset,
        );
    }
    // Whole records cut off at a record boundary: the commit mark knows they were durable.
    for k in [1, built.records.len() - 1] {
        let cut = built.records[k].offset as usize;
        assert_refused(
            &path,
            &format!("cut before record {k}"),
            &built.bytes[..cut],
            cut as u64,
        );
    }
}

#[test]
fn zero_fills_and_garbage() {
    let d = dir("fills");
    let built = build(&d.join("built.log"));
    let path = d.join("case.log");
    let n = built.records.len();
    let (mid, last) = (&built.records[2], &built.records[n - 1]);
    let fill = |from: usize, to: usize, byte: u8| {
        let mut bytes = built.bytes.clone();
        bytes[from..to].iter_mut().for_each(|b| *b = byte);
        bytes
    };
    let len = built.bytes.len();
    let cases: Vec<(&str, Vec<u8>, u64)> = vec![
        (
            "zeros over a middle record",
            fill(mid.offset as usize, mid.end as usize, 0),
            mid.offset,
        ),
        (
            "zeros from a middle record to the end",
            fill(mid.offset as usize, len, 0),
            mid.offset,
        ),
        (
            "zeros over the last record",
            fill(last.offset as usize, len, 0),
            last.offset,
        ),
        (
            "zeros inside a middle payload",
            fill(mid.offset as usize + 40, mid.offset as usize + 90, 0),
            mid.offset,
        ),
        (
            "garbage over a middle header",
            fill(mid.offset as usize, mid.offset as usize + 24, 0x5a),
            mid.offset,
        ),
        (
            "garbage from a middle record to the end",
            fill(mid.offset as usize, len, 0xa5),
            mid.offset,
        ),
        (
            "garbage over the last record",
            fill(last.offset as usize, len, 0x5a),
            last.offset,
        ),
    ];
    for (case, bytes, offset) in &cases {
        assert_refused(&path, case, bytes, *offset);
    }
    // Garbage or zeros inserted between two records, shifting the rest.
    for filler in [vec![0u8; 100], vec![0x42u8; 100], vec![0u8; 5000]] {
        let mut bytes = built.bytes[..mid.end as usize].to_vec();
        bytes.extend(&filler);
        bytes.extend(&built.bytes[mid.end as usize..]);
        assert_refused(
            &path,
            "filler inserted after a middle record",
            &bytes,
            mid.end,
        );
    }
    // Appended after the last record: neither hides a record. Zeros no longer than one write
    // are an unfinished write (dropped); garbage and longer zero stretches are refused.
    for (extra, refused) in [
        (vec![0u8; 4096], false),
        (vec![0u8; MAX_RECORD], false),
        (vec![0u8; MAX_RECORD + 1], true),
        (vec![0x99u8; 64], true),
    ] {
        let mut bytes = built.bytes.clone();
        bytes.extend(&extra);
        assert_safe(&built, &path, "appended bytes", &bytes, len);
        if refused {
            assert_refused(&path, "appended bytes", &bytes, len as u64);
        } else {
            assert!(matches!(open_copy(&path, &bytes), Opened::Holds(_)));
            assert_eq!(
                std::fs::read(&path).unwrap(),
                built.bytes,
                "the unfinished write is cut off"
            );
        }
    }
}

#[test]
fn the_file_header_and_the_commit_marks() {
    let d = dir("header");
    let built = build(&d.join("built.log"));
    let path = d.join("case.log");
    let mut bytes = built.bytes.clone();
    bytes[3] ^= 0x20;
    match open_copy(&path, &bytes) {
        Opened::Refused(msg) => assert!(msg.contains("not a piapi-billing ledger log"), "{msg}"),
        Opened::Holds(_) => panic!("a damaged magic must not open"),
    }
    // One damaged commit-mark slot: the records are intact, nothing is hidden.
    for slot in frame::MARK_SLOTS {
        let mut bytes = built.bytes.clone();
        bytes[slot + 6] ^= 0x04;
        assert_safe(&built, &path, "one mark slot damaged", &bytes, slot);
        assert!(matches!(open_copy(&path, &bytes), Opened::Holds(_)));
    }
    // Without any mark, a complete last record whose checksum fails is still refused: an
    // unfinished write is shorter than its header announces.
    let mut bytes = built.bytes.clone();
    for slot in frame::MARK_SLOTS {
        bytes[slot..slot + frame::MARK_LEN].fill(0);
    }
    let last = built.records.last().unwrap();
    bytes[last.end as usize - 3] ^= 0x01;
    assert_refused(
        &path,
        "last record, bad checksum, no mark",
        &bytes,
        last.offset,
    );
    // A header cut short.
    assert!(
        matches!(open_copy(&path, &built.bytes[..2000]), Opened::Refused(m) if m.contains("cut short"))
    );
}

#[test]
fn writes_a_crash_left_unfinished_are_recovered_with_nothing_acknowledged_lost() {
    let d = dir("torn");
    let built = build(&d.join("built.log"));
    let path = d.join("case.log");
    let n = built.records.len();
    // A crash while writing record n: the file holds everything up to record n-1, with the
    // commit mark at n-1 (written after n-1's sync), plus part of record n.
    let before = &built.snapshots[n - 2];
    let last = &built.records[n - 1];
    let whole = &built.bytes[last.offset as usize..last.end as usize];
    for k in (1..whole.len())
        .step_by(7)
        .chain([1, 23, 24, 25, whole.len() - 1])
    {
        let mut bytes = before.clone();
        bytes.extend(&whole[..k]);
        match open_copy(&path, &bytes) {
            Opened::Holds(holds) => {
                let lost: Vec<_> = built
                    .holds_before(n - 1)
                    .difference(&holds)
                    .cloned()
                    .collect();
                assert!(lost.is_empty(), "torn at {k}: lost {lost:?}");
            }
            Opened::Refused(msg) => {
                panic!("torn at {k}: an unfinished write must be recovered: {msg}")
            }
        }
        assert_eq!(
            &std::fs::read(&path).unwrap(),
            before,
            "torn at {k}: cut back to the last record"
        );
    }
    // The file grew but the write's data never reached the disk (zeros), or only its first
    // sector did not (a zero header followed by the rest).
    let mut zeros = before.clone();
    zeros.extend(vec![0u8; whole.len()]);
    assert!(matches!(open_copy(&path, &zeros), Opened::Holds(_)));
    let mut headless = before.clone();
    headless.extend(vec![0u8; 24]);
    headless.extend(&whole[24..]);
    assert!(matches!(open_copy(&path, &headless), Opened::Holds(_)));
    // After recovery the log takes new writes and replays them.
    std::fs::write(&path, &zeros).unwrap();
    let store = FileStore::open(&path).unwrap();
    store
        .execute_blocking(
            &[reserve("after", "team", "1", 60_000)],
            Timestamp(1_900_000_000_000),
        )
        .unwrap();
    drop(store);
    let holds = FileStore::open(&path)
        .unwrap()
        .inspect(|l| l.holds().map(|h| h.id.to_string()).collect::<BTreeSet<_>>())
        .unwrap();
    assert!(holds.contains("after") && holds.is_superset(&built.holds_before(n - 1)));
}

#[test]
fn empty_and_headerless_files_are_refused() {
    let d = dir("headerless");
    let path = d.join("ledger.log");
    std::fs::write(&path, b"").unwrap();
    let err = FileStore::open(&path)
        .err()
        .expect("an existing empty file is refused");
    assert!(
        err.is_permanent() && err.to_string().contains("is empty (0 bytes)"),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "and left as it was"
    );
    for bytes in [
        &b"piapi-billing led"[..],
        b"{\"some\": \"json\"}\n",
        &MAGIC_V1[..10],
    ] {
        std::fs::write(&path, bytes).unwrap();
        assert!(FileStore::open(&path).is_err(), "{bytes:?}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
    // A file this process creates gets its header in the same step.
    let fresh = d.join("sub/new.log");
    FileStore::open(&fresh).unwrap();
    assert_eq!(std::fs::read(&fresh).unwrap(), log::new_v2_header());
}

#[test]
fn version_1_logs_still_open_and_grow_in_their_own_format() {
    let d = dir("v1");
    let path = d.join("ledger.log");
    let events =
        |cmds: &[Command], at: u64, ledger: &mut piapi_billing::ledger::Ledger| -> Vec<Event> {
            piapi_billing::ledger::decide_batch(ledger, cmds, Timestamp(at)).events
        };
    let mut model = piapi_billing::ledger::Ledger::new();
    let mut bytes = MAGIC_V1.to_vec();
    let batches = [
        vec![grant("g", "a", "10")],
        vec![
            reserve("v1-a", "a", "1", 60_000),
            reserve("v1-b", "a", "2", 60_000),
        ],
        vec![reserve("v1-c", "a", "3", 60_000)],
    ];
    let mut offsets = Vec::new();
    for (i, batch) in batches.iter().enumerate() {
        offsets.push(bytes.len());
        for record in
            log::encode_records(Format::V1, &events(batch, 1_000 + i as u64, &mut model), 1)
        {
            bytes.extend(record);
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let store = FileStore::open(&path).unwrap();
    assert_eq!(store.format(), Format::V1);
    store
        .execute_blocking(&[settle("v1-a", "1")], Timestamp(5_000))
        .unwrap();
    drop(store);
    let grown = std::fs::read(&path).unwrap();
    assert!(grown.starts_with(&bytes), "appended, nothing rewritten");
    let scan = scan_file(&grown).unwrap();
    assert_eq!(
        (scan.format, scan.records.len(), scan.tail),
        (Format::V1, 4, log::Tail::Clean)
    );
    let view = FileStore::open(&path)
        .unwrap()
        .account_blocking(&account("a"))
        .unwrap();
    assert_eq!((view.posted_usd, view.pending_usd), (usd("1"), usd("5")));

    // The same rules, as far as version 1 can tell: a length pointing past the end with
    // records after it is refused (it used to delete them) ...
    let mut l1 = bytes.clone();
    l1[offsets[1]..offsets[1] + 4].copy_from_slice(&10_000_000u32.to_le_bytes());
    std::fs::write(&path, &l1).unwrap();
    let err = FileStore::open(&path).err().expect("refused");
    assert!(
        err.to_string()
            .contains(&format!("damaged at byte {}:", offsets[1])),
        "{err}"
    );
    // ... and so is a complete last record with a bad checksum ...
    let mut l2 = bytes.clone();
    let end = l2.len();
    l2[end - 2] ^= 0x01;
    std::fs::write(&path, &l2).unwrap();
    assert!(FileStore::open(&path).is_err());
    // ... while an unfinished last write is dropped (version 1 has no commit mark, so a cut
    // last record cannot be told from an unfinished one: see docs/ledger.md).
    std::fs::write(&path, &bytes[..end - 5]).unwrap();
    let store = FileStore::open(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, offsets[2]);
    let v1_b = piapi_billing::ledger::HoldId::new("v1-b").unwrap();
    assert!(store.inspect(|l| l.hold(&v1_b).is_some()).unwrap());
}

#[test]
fn the_committed_fuzz_seeds_read_as_their_names_say() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/ledger_log");
    let mut n = 0;
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let scan = scan_file(&std::fs::read(&path).unwrap());
        let verdict = match &scan {
            Err(_) => "not a log",
            Ok(s) => match s.tail {
                log::Tail::Clean => "clean",
                log::Tail::Unfinished { .. } => "unfinished",
                log::Tail::Damaged(_) => "damaged",
            },
        };
        // Inputs a fuzzing run found (named by their SHA-1) may hold anything: scanning them
        // above must simply not panic.
        if name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let expected = match name.as_str() {
            "empty" => "not a log",
            n if n.ends_with("-records") || n.ends_with("header-only") => "clean",
            n if n.ends_with("-torn-tail") || n.ends_with("-zero-tail") => "unfinished",
            n if n.ends_with("-bad-payload") || n.ends_with("-cut-acknowledged") => "damaged",
            other => panic!("a seed named {other} says nothing about what it holds"),
        };
        assert_eq!(verdict, expected, "{name}");
        n += 1;
    }
    assert!(
        n >= 5,
        "the seed corpus is committed ({n} files in {})",
        seeds.display()
    );
}

#[test]
fn the_binary_refuses_a_damaged_log_and_ledger_repair_moves_the_damage_aside() {
    let d = dir("repair");
    let built = build(&d.join("built.log"));
    let path = d.join("ledger.log");
    let flag = format!("file:{}", path.display());
    let k = 3;
    let cut = built.records[k].offset as usize;
    let mut bytes = built.bytes.clone();
    bytes[cut + 12..cut + 16].copy_from_slice(&10_000_000u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();

    // A server on a damaged log does not start.
    let (status, stderr) = run_briefly(&["--ledger", &flag], std::time::Duration::from_secs(20));
    assert!(
        matches!(status, Some(s) if !s.success()),
        "{status:?} {stderr}"
    );
    assert!(
        stderr.contains(&format!("damaged at byte {cut}:")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "a refused log is left untouched"
    );

    let (status, stderr) = run_briefly(
        &["--ledger", &flag, "--ledger-repair"],
        std::time::Duration::from_secs(20),
    );
    assert!(
        matches!(status, Some(s) if s.success()),
        "{status:?} {stderr}"
    );
    assert!(
        stderr.contains(&format!("moved: bytes {cut}..{}", bytes.len())),
        "{stderr}"
    );
    let later: usize = built.holds_by_record[k + 1..]
        .iter()
        .map(BTreeSet::len)
        .sum();
    assert!(
        stderr.contains(&format!(
            "hold {} intact records",
            built.records.len() - k - 1
        )),
        "{stderr}"
    );
    assert!(
        later > 0 && stderr.contains("hold-5-0"),
        "the report names the holds it moved: {stderr}"
    );

    // Byte for byte: the records before the damage stay, everything from it on is in .damaged.
    let kept = std::fs::read(&path).unwrap();
    assert_eq!(kept.len(), cut);
    assert_eq!(
        &kept[log::MAGIC_V2.len()..512],
        &bytes[log::MAGIC_V2.len()..512]
    );
    assert_eq!(&kept[log::V2_HEADER..], &bytes[log::V2_HEADER..cut]);
    let mut moved_name = path.as_os_str().to_owned();
    moved_name.push(".damaged");
    assert_eq!(
        std::fs::read(PathBuf::from(moved_name)).unwrap(),
        &bytes[cut..]
    );
    let holds = match open_copy(&d.join("check.log"), &kept) {
        Opened::Holds(h) => h,
        Opened::Refused(m) => panic!("the repaired log opens: {m}"),
    };
    assert_eq!(holds, built.holds_before(k));

    // A second run finds nothing to do and changes nothing; a repair never overwrites an
    // earlier .damaged file.
    let (status, stderr) = run_briefly(
        &["--ledger", &flag, "--ledger-repair"],
        std::time::Duration::from_secs(20),
    );
    assert!(
        matches!(status, Some(s) if s.success()) && stderr.contains("nothing to repair"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), kept);
}

#[test]
fn ledger_repair_gives_an_empty_file_a_header_and_leaves_other_files_alone() {
    let path = dir("repair-empty").join("ledger.log");
    let flag = format!("file:{}", path.display());
    std::fs::write(&path, b"").unwrap();
    let (status, _) = run_briefly(
        &["--ledger", &flag, "--ledger-repair"],
        std::time::Duration::from_secs(20),
    );
    assert!(matches!(status, Some(s) if s.success()));
    assert_eq!(std::fs::read(&path).unwrap(), log::new_v2_header());
    std::fs::write(&path, b"my notes\n").unwrap();
    let (status, stderr) = run_briefly(
        &["--ledger", &flag, "--ledger-repair"],
        std::time::Duration::from_secs(20),
    );
    assert!(matches!(status, Some(s) if !s.success()), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), b"my notes\n");
}

/// Writes the fuzz target's seed corpus from a real log (`cargo test -p piapi-billing-mcp
/// --test ledger_recovery -- --ignored write_fuzz_seeds`); the files are committed.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let d = dir("seeds");
    let built = build(&d.join("built.log"));
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/ledger_log");
    std::fs::create_dir_all(&seeds).unwrap();
    let small = &built.snapshots[2];
    let r = &built.records[2];
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("v2-three-records", small.clone()),
        ("v2-header-only", log::new_v2_header()),
        ("empty", Vec::new()),
        // A crash while writing record 3: the file as it was after record 2 (its mark at 2)
        // plus part of record 3.
        (
            "v2-torn-tail",
            [
                &built.snapshots[1][..],
                &small[r.offset as usize..small.len() - 30],
            ]
            .concat(),
        ),
        // Record 3 cut after it was acknowledged (the mark names it).
        ("v2-cut-acknowledged", small[..small.len() - 30].to_vec()),
        ("v2-zero-tail", [small.as_slice(), &[0u8; 300]].concat()),
    ];
    let mut flipped = small.clone();
    flipped[r.offset as usize + 30] ^= 1;
    cases.push(("v2-bad-payload", flipped));
    let mut v1 = MAGIC_V1.to_vec();
    for rec in &built.records[..3] {
        v1.extend(&log::encode_records(Format::V1, &rec.events, 1)[0]);
    }
    cases.push(("v1-three-records", v1.clone()));
    cases.push(("v1-torn-tail", v1[..v1.len() - 9].to_vec()));
    for (name, bytes) in cases {
        std::fs::write(seeds.join(name), bytes).unwrap();
    }
}

#[test]
fn a_group_commit_larger_than_one_record_is_written_as_several_and_replays() {
    let path = dir("large").join("ledger.log");
    let store = FileStore::open(&path).unwrap();
    let pad = "x".repeat(100);
    store
        .execute_blocking(&[grant("fund", "big", "100000")], Timestamp(1_000))
        .unwrap();
    for b in 0..16 {
        let batch: Vec<Command> = (0..1000)
            .map(|i| reserve(&format!("{pad}-{b}-{i}"), "big", "0.01", 1))
            .collect();
        store.execute_blocking(&batch, Timestamp(2_000)).unwrap();
    }
    // One sweep expires all 16,000 holds: about 2.4 MB of events in one group commit.
    let records_before = scan_file(&std::fs::read(&path).unwrap())
        .unwrap()
        .records
        .len();
    let swept = store
        .execute_blocking(&[Command::Expire], Timestamp(10_000))
        .unwrap();
    assert!(
        matches!(&swept[0], Ok(piapi_billing::ledger::Outcome::Expired { holds }) if holds.len() == 16_000)
    );
    drop(store);
    let scan = scan_file(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(scan.tail, log::Tail::Clean);
    let sweep_records = &scan.records[records_before..];
    assert!(sweep_records.len() >= 2, "{} records", sweep_records.len());
    assert!(
        sweep_records
            .iter()
            .all(|r| (r.end - r.offset) as usize <= MAX_RECORD)
    );
    assert_eq!(scan.mark.unwrap().seq, scan.records.len() as u64);
    let view = FileStore::open(&path)
        .unwrap()
        .account_blocking(&account("big"))
        .unwrap();
    assert_eq!(view.pending_usd, usd("0"));
}
