//! `catalog_report`: how far to trust the catalog — rows by confidence, status, age and charge
//! timing, and the lists behind the worrying counts (conflicts, unpriced services, stale prices).
//!
//! Age needs today's date, which the core does not read: the caller passes `as_of`.

use crate::catalog::Catalog;
use crate::contract::{
    CatalogReport, CatalogReportArgs, ConflictRow, Count, StaleRow, UnpricedRow,
};
use crate::error::Error;
use crate::model::provenance::days_from_date;
use crate::model::{Charge, Confidence, Entry, Status};

/// Prices confirmed longer ago than this are stale unless the caller says otherwise.
pub const STALE_AFTER_DAYS: u64 = 90;

pub fn catalog_report(catalog: &Catalog, args: &CatalogReportArgs) -> Result<CatalogReport, Error> {
    let as_of = args.as_of.as_deref().ok_or_else(|| {
        Error::invalid(
            "as_of",
            "is required: the day to measure ages from, as YYYY-MM-DD",
        )
    })?;
    let today = days_from_date(as_of).ok_or_else(|| {
        Error::invalid(
            "as_of",
            format!("must be a date as YYYY-MM-DD, got \"{as_of}\""),
        )
    })?;
    let stale_after = args.stale_after_days.unwrap_or(STALE_AFTER_DAYS);
    if stale_after > 36_500 {
        return Err(Error::invalid(
            "stale_after_days",
            format!("must be 0 to 36500, got {stale_after}"),
        ));
    }
    let entries = catalog.entries();
    let age = |e: &Entry| {
        e.confirmed
            .as_deref()
            .and_then(days_from_date)
            .map(|d| today - d)
    };
    let is_stale = |a: Option<i64>| a.is_none_or(|a| a > stale_after as i64);
    let mut stale: Vec<StaleRow> = entries
        .iter()
        .filter(|e| is_stale(age(e)))
        .map(|e| StaleRow {
            id: e.id.clone(),
            model: e.model.clone(),
            task_type: e.task_type.clone(),
            confirmed: e.confirmed.clone(),
            age_days: age(e),
        })
        .collect();
    // Unconfirmed first, then the oldest.
    stale.sort_by_key(|r| std::cmp::Reverse(r.age_days.unwrap_or(i64::MAX)));
    let unconfirmed = entries.iter().filter(|e| age(e).is_none()).count();
    Ok(CatalogReport {
        catalog_version: catalog.version().to_string(),
        overlay: catalog.overlay().map(str::to_string),
        as_of: as_of.to_string(),
        stale_after_days: stale_after,
        rows: entries.len(),
        by_confidence: count(
            entries,
            &Confidence::ALL,
            |e| e.confidence,
            Confidence::as_str,
        ),
        by_status: count(entries, &Status::ALL, |e| e.status, Status::as_str),
        by_age: vec![
            Count {
                key: "fresh",
                rows: entries.len() - stale.len(),
            },
            Count {
                key: "stale",
                rows: stale.len() - unconfirmed,
            },
            Count {
                key: "unconfirmed",
                rows: unconfirmed,
            },
        ],
        by_charge: count(entries, &Charge::ALL, |e| e.charge, Charge::as_str),
        conflicting: entries.iter().filter_map(conflict).collect(),
        unpriced: entries
            .iter()
            .filter(|e| e.status == Status::Unpriced)
            .map(|e| UnpricedRow {
                id: e.id.clone(),
                model: e.model.clone(),
                task_type: e.task_type.clone(),
                reason: e.notes.clone(),
            })
            .collect(),
        stale,
    })
}

fn count<T: Copy + PartialEq>(
    entries: &[Entry],
    all: &[T],
    of: impl Fn(&Entry) -> T,
    name: fn(T) -> &'static str,
) -> Vec<Count> {
    all.iter()
        .map(|v| Count {
            key: name(*v),
            rows: entries.iter().filter(|e| of(e) == *v).count(),
        })
        .collect()
}

fn conflict(e: &Entry) -> Option<ConflictRow> {
    if e.confidence != Confidence::Conflicting {
        return None;
    }
    let figures: Vec<_> = e
        .conflicting_figures()
        .map(|(_, f)| f)
        .chain(e.price_usd)
        .collect();
    let (min, max) = (figures.iter().min()?, figures.iter().max()?);
    Some(ConflictRow {
        id: e.id.clone(),
        model: e.model.clone(),
        task_type: e.task_type.clone(),
        unit: e.unit,
        min_usd: *min,
        max_usd: *max,
        sources: e.sources.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(as_of: &str, stale_after_days: Option<u64>) -> CatalogReport {
        let args = CatalogReportArgs {
            as_of: Some(as_of.into()),
            stale_after_days,
        };
        catalog_report(Catalog::builtin(), &args).expect("a report")
    }

    fn rows(counts: &[Count], key: &str) -> usize {
        counts.iter().find(|c| c.key == key).map_or(0, |c| c.rows)
    }

    /// The lists hold exactly the rows their counts count.
    #[test]
    fn lists_agree_with_counts() {
        let r = report("2026-12-01", None);
        assert_eq!(r.conflicting.len(), rows(&r.by_confidence, "conflicting"));
        assert!(
            r.conflicting.iter().all(|c| c.min_usd < c.max_usd),
            "a listed conflict spans figures"
        );
        assert_eq!(r.unpriced.len(), rows(&r.by_status, "unpriced"));
        assert_eq!(
            r.stale.len(),
            rows(&r.by_age, "stale") + rows(&r.by_age, "unconfirmed")
        );
        for counts in [&r.by_confidence, &r.by_status, &r.by_age, &r.by_charge] {
            assert_eq!(counts.iter().map(|c| c.rows).sum::<usize>(), r.rows);
        }
    }

    /// The core reads no clock: without `as_of` the report is refused (front ends fill it in).
    #[test]
    fn the_day_is_the_callers() {
        let err = catalog_report(Catalog::builtin(), &CatalogReportArgs::default()).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("as_of"));
        assert!(err.message.contains("is required"), "{}", err.message);
    }

    /// Rows age with the day the report is made: a year on, every row is stale.
    #[test]
    fn rows_go_stale_as_the_days_pass() {
        let now = report("2026-12-01", None);
        let later = report("2027-12-01", None);
        assert!(rows(&now.by_age, "fresh") > 0);
        assert_eq!(rows(&later.by_age, "fresh"), 0);
        assert_eq!(later.stale.len(), later.rows);
        let strict = report("2026-12-01", Some(0));
        assert!(rows(&strict.by_age, "stale") >= rows(&now.by_age, "stale"));
    }
}
