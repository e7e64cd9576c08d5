//! `--ledger-repair`: make a damaged embedded log usable again without losing a byte.
//!
//! Every intact record before the first damage stays in the log; everything from the damage on
//! is copied, byte for byte, to `PATH.damaged` (or `PATH.damaged.1`, … when that exists), made
//! durable, and only then cut from the log. The report says exactly which bytes moved and which
//! holds and grants the intact records among them carried, so they can be reconciled by hand.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use piapi_billing::ledger::{Event, LedgerError};

use super::file_io::{self, FileLock};
use super::location::LedgerLocation;
use super::log::{self, Format, Header, Mark, Record, Tail};

fn io_err(what: &str, path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::storage(format!("{what} {}: {e}", path.display()))
}

/// What a repair did, line by line, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// True when the log was changed.
    pub changed: bool,
    /// Where the moved bytes went, if any moved.
    pub moved_to: Option<PathBuf>,
    pub lines: Vec<String>,
}

impl RepairReport {
    fn unchanged(line: String) -> Self {
        RepairReport {
            changed: false,
            moved_to: None,
            lines: vec![line],
        }
    }
}

/// `--ledger-repair` for a `--ledger` value (the default ledger when `None`).
pub fn repair_flag(flag: Option<&str>) -> Result<RepairReport, String> {
    let location = match flag.map(str::trim) {
        Some(text) => LedgerLocation::parse(text)?,
        None => super::default_location()
            .ok_or("--ledger-repair: name the ledger with --ledger file:PATH")?,
    };
    if location.backend().name != super::file_store::BACKEND.name {
        return Err(format!(
            "--ledger-repair works on file ledgers only, not {location}"
        ));
    }
    let path = super::file_store::file_path(location.as_given())?;
    repair(&path).map_err(|e| e.to_string())
}

/// Repairs the log at `path` under its exclusive lock (a running server waits meanwhile).
pub fn repair(path: &Path) -> Result<RepairReport, LedgerError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_err("cannot open", path, e))?;
    let _lock = FileLock::take(&file, true)
        .map_err(|e| LedgerError::storage(format!("cannot lock the ledger file: {e}")))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut bytes)
        .map_err(|e| io_err("cannot read", path, e))?;
    match log::header(&bytes) {
        Header::Log(_) => repair_log(&file, path, &bytes),
        Header::Empty => {
            write_durably(&file, path, &log::new_v2_header(), 0)?;
            Ok(RepairReport {
                changed: true,
                moved_to: None,
                lines: vec![format!(
                    "{} was empty (0 bytes): wrote a new ledger header; nothing was moved, and \
                     the ledger starts empty",
                    path.display()
                )],
            })
        }
        Header::ShortHeader(n) if log::new_v2_header().starts_with(&bytes) => {
            write_durably(&file, path, &log::new_v2_header()[n..], n as u64)?;
            Ok(RepairReport {
                changed: true,
                moved_to: None,
                lines: vec![format!(
                    "the header of {} was cut short at byte {n} and held no commit yet: \
                     completed it; nothing was moved",
                    path.display()
                )],
            })
        }
        Header::ShortHeader(_) | Header::Foreign => Err(LedgerError::unusable(format!(
            "{} does not start with a piapi-billing ledger header; --ledger-repair changes \
             nothing in a file that may not be a ledger at all (check --ledger)",
            path.display()
        ))),
    }
}

fn repair_log(file: &File, path: &Path, bytes: &[u8]) -> Result<RepairReport, LedgerError> {
    let scan = log::scan_file(bytes).map_err(|d| LedgerError::unusable(d.what))?;
    let (cut, why) = match &scan.tail {
        Tail::Clean => {
            return Ok(RepairReport::unchanged(format!(
                "{} is intact ({} records, {} bytes): nothing to repair",
                path.display(),
                scan.records.len(),
                bytes.len()
            )));
        }
        Tail::Unfinished { offset, what, .. } => (*offset, format!("an unfinished write: {what}")),
        Tail::Damaged(d) => (d.offset, d.what.clone()),
    };
    let mut report = RepairReport {
        changed: true,
        moved_to: None,
        lines: vec![format!(
            "repairing {}: the log stops being readable at byte {cut}: {why}",
            path.display()
        )],
    };
    let kept = &scan.records;
    report.lines.push(format!(
        "kept: bytes 0..{cut} with records 1..{} ({} events), unchanged",
        kept.len(),
        kept.iter().map(|r| r.events.len()).sum::<usize>()
    ));
    let moved = &bytes[cut as usize..];
    if !moved.is_empty() {
        let target = move_aside(path, moved)?;
        report.lines.push(format!(
            "moved: bytes {cut}..{} ({} bytes) to {}, byte for byte",
            bytes.len(),
            moved.len(),
            target.display()
        ));
        report.lines.extend(describe_salvage(&log::scan::salvage(
            moved,
            cut,
            scan.format,
        )));
        report.moved_to = Some(target);
    }
    file.set_len(cut)
        .map_err(|e| io_err("cannot truncate", path, e))?;
    if scan.format == Format::V2 {
        reset_mark(file, path, kept.last(), cut)?;
        if scan.mark.is_some_and(|m| m.seq > kept.len() as u64) {
            report.lines.push(format!(
                "the commit mark named record {} as durable; it now names record {}, the last kept",
                scan.mark.map_or(0, |m| m.seq),
                kept.len()
            ));
        }
    }
    file.sync_all()
        .map_err(|e| io_err("cannot sync", path, e))?;
    report
        .lines
        .push("the log opens again; start the server as usual".to_string());
    Ok(report)
}

/// What the intact records among the moved bytes carried.
fn describe_salvage(found: &[Record]) -> Vec<String> {
    if found.is_empty() {
        return vec!["the moved bytes hold no intact record".to_string()];
    }
    let mut holds = BTreeSet::new();
    let mut grants = BTreeSet::new();
    for event in found.iter().flat_map(|r| &r.events) {
        match event {
            Event::Granted { grant } => {
                grants.insert(grant.grant_id.to_string());
            }
            other => {
                if let Some(id) = other.hold_id() {
                    holds.insert(id.to_string());
                }
            }
        }
    }
    let list = |ids: &BTreeSet<String>| {
        let shown: Vec<&str> = ids.iter().take(50).map(String::as_str).collect();
        let more = ids.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{}{tail}", shown.join(", "))
    };
    let mut lines = vec![format!(
        "the moved bytes hold {} intact records (at bytes {}) that are no longer in the ledger; \
         reconcile them by hand",
        found.len(),
        found
            .iter()
            .map(|r| r.offset.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if !holds.is_empty() {
        lines.push(format!("  holds they touch: {}", list(&holds)));
    }
    if !grants.is_empty() {
        lines.push(format!("  grants they add: {}", list(&grants)));
    }
    lines
}

/// Writes `moved` to the first free `PATH.damaged[.N]`, durably, and returns that path.
fn move_aside(path: &Path, moved: &[u8]) -> Result<PathBuf, LedgerError> {
    for n in 0..1000 {
        let mut name = path.as_os_str().to_owned();
        name.push(if n == 0 {
            ".damaged".to_string()
        } else {
            format!(".damaged.{n}")
        });
        let target = PathBuf::from(name);
        let file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
        {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("cannot create", &target, e)),
        };
        write_durably(&file, &target, moved, 0)?;
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        return Ok(target);
    }
    Err(LedgerError::unusable(format!(
        "{}.damaged and 999 numbered siblings exist already; move them away first",
        path.display()
    )))
}

fn write_durably(file: &File, path: &Path, bytes: &[u8], at: u64) -> Result<(), LedgerError> {
    file_io::write_all_at(file, bytes, at)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err("cannot write", path, e))
}

/// Points both commit-mark slots at the last kept record (or clears them when none is kept).
fn reset_mark(
    file: &File,
    path: &Path,
    last: Option<&Record>,
    cut: u64,
) -> Result<(), LedgerError> {
    let mark = last.map(|r| Mark {
        seq: r.seq,
        end: r.end,
    });
    for at in log::frame::MARK_SLOTS {
        let bytes = match mark {
            // Both slots get the same mark, so neither can claim more than what was kept.
            Some(m) => {
                let (_, b) = Mark {
                    seq: m.seq,
                    end: m.end.min(cut),
                }
                .encode();
                b
            }
            None => [0u8; log::frame::MARK_LEN],
        };
        file_io::write_all_at(file, &bytes, at as u64)
            .map_err(|e| io_err("cannot write the commit mark of", path, e))?;
    }
    Ok(())
}
