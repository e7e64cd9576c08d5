//! Human-readable renderings of reports for the CLI (the tools return the JSON itself).

use std::fmt::Write as _;

use piapi_billing::{CatalogReport, Count};

/// `catalog-report`'s summary: the counts, then the rows behind the worrying ones.
pub fn summary(r: &CatalogReport) -> String {
    let mut out = String::new();
    let overlay = r
        .overlay
        .as_deref()
        .map(|o| format!(" + overlay {o}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "catalog {}{overlay}: {} rows, as of {}",
        r.catalog_version, r.rows, r.as_of
    );
    for (title, counts) in [
        ("confidence", &r.by_confidence),
        ("status", &r.by_status),
        (
            &*format!("age (stale after {} days)", r.stale_after_days),
            &r.by_age,
        ),
        ("charged", &r.by_charge),
    ] {
        let _ = writeln!(out, "  {title:<28} {}", counts_line(counts));
    }
    section(
        &mut out,
        "conflicting prices (the estimate spans every figure)",
        &r.conflicting,
        |c| {
            let figures: Vec<String> = c
                .sources
                .iter()
                .filter_map(|s| {
                    Some(format!(
                        "{} ({})",
                        s.figure?,
                        s.seen.as_deref().unwrap_or("undated")
                    ))
                })
                .collect();
            format!(
                "{:<48} {} to {} USD per {}: {}",
                c.id,
                c.min_usd,
                c.max_usd,
                c.unit.as_str(),
                figures.join(", ")
            )
        },
    );
    section(&mut out, "unpriced", &r.unpriced, |u| {
        format!("{:<48} {}", u.id, u.reason)
    });
    section(&mut out, "stale or unconfirmed", &r.stale, |s| {
        match (&s.confirmed, s.age_days) {
            (Some(c), Some(age)) => format!("{:<48} confirmed {c} ({age} days)", s.id),
            _ => format!("{:<48} never confirmed", s.id),
        }
    });
    out
}

fn counts_line(counts: &[Count]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|c| c.rows > 0)
        .map(|c| format!("{} {}", c.key, c.rows))
        .collect();
    parts.join(", ")
}

fn section<T>(out: &mut String, title: &str, rows: &[T], line: impl Fn(&T) -> String) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}: {}", rows.len());
    for row in rows {
        let _ = writeln!(out, "  {}", line(row));
    }
}
