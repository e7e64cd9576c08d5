//! The unit price of a line: the entry's price, or the size tier its output falls in (every
//! tier, as an interval, when the size is not known).

use rust_decimal::Decimal;

use super::quantity::{checked_pixels, hinted_pixels, whole_number};
use super::values::show;
use super::{LineResult, invalid};
use crate::contract::{LineErrorCode, TaskSpec};
use crate::model::Entry;
use crate::money::Usd;

/// Output pixels of an image task: `input.width/height`, `input.size` ("1024*1024" or
/// "1024x1024"), or the hints.
fn output_pixels(task: &TaskSpec) -> LineResult<Option<u64>> {
    let input = &task.input;
    let w = input.get("width").filter(|v| !v.is_null());
    let h = input.get("height").filter(|v| !v.is_null());
    match (w, h) {
        (Some(w), Some(h)) => {
            let (Some(wn), Some(hn)) = (whole_number(w), whole_number(h)) else {
                return invalid(format!(
                    "input.width and input.height must be whole numbers of pixels, got {} x {}",
                    show(w),
                    show(h)
                ));
            };
            return checked_pixels(wn, hn, "input").map(Some);
        }
        (None, None) => {}
        _ => return invalid("input.width and input.height must be given together"),
    }
    if let Some(size) = input.get("size").filter(|v| !v.is_null()) {
        let parsed = size.as_str().and_then(|s| {
            let (a, b) = s.split_once(['*', 'x', 'X', '×'])?;
            Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?))
        });
        let Some((wn, hn)) = parsed else {
            return invalid(format!(
                "input.size must look like \"1024*1024\", got {}",
                show(size)
            ));
        };
        return checked_pixels(wn, hn, "input").map(Some);
    }
    hinted_pixels(task)
}

/// The unit price range: a single price; every figure PiAPI's sources give when they
/// disagree; a published range; or the tier the output size selects (all tiers when the size is
/// unknown).
pub(super) fn unit_prices(
    entry: &Entry,
    task: &TaskSpec,
) -> LineResult<(Decimal, Decimal, Option<String>)> {
    if let Some(p) = entry.price_usd {
        return Ok(match conflict(entry, p.0) {
            Some(conflict) => conflict,
            None => (p.0, p.0, None),
        });
    }
    if let Some(range) = &entry.price_range_usd {
        let warning = format!(
            "PiAPI publishes only a range for this price, {} to {} USD per {}: the estimate spans it",
            range.min,
            range.max,
            entry.unit.as_str()
        );
        return Ok((range.min.0, range.max.0, Some(warning)));
    }
    let (Some(first), Some(last)) = (entry.tiers.first(), entry.tiers.last()) else {
        return Err((
            LineErrorCode::Unpriced,
            format!("{} {} has no price", entry.model, entry.task_type),
        ));
    };
    match output_pixels(task)? {
        Some(px) => {
            let tier = entry.tiers.iter().find(|t| t.max_pixels.is_none_or(|m| px <= m)).unwrap_or(last);
            Ok((tier.price_usd.0, tier.price_usd.0, None))
        }
        None => Ok((
            first.price_usd.0,
            last.price_usd.0,
            Some("the output size is not known: the estimate spans every size tier; pass input.width and input.height".to_string()),
        )),
    }
}

/// The interval over a conflicting row's price and every figure its sources give, with a
/// warning that names them; `None` when the row is not conflicting or its sources agree.
fn conflict(entry: &Entry, price: Decimal) -> Option<(Decimal, Decimal, Option<String>)> {
    let figures: Vec<_> = entry.conflicting_figures().collect();
    let lo = figures.iter().map(|(_, f)| f.0).fold(price, Decimal::min);
    let hi = figures.iter().map(|(_, f)| f.0).fold(price, Decimal::max);
    if lo == hi {
        return None;
    }
    let named: Vec<String> = figures
        .iter()
        .map(|(s, f)| match &s.seen {
            Some(seen) => format!("{f} USD ({}, seen {seen})", s.url),
            None => format!("{f} USD ({}, undated)", s.url),
        })
        .collect();
    let warning = format!(
        "PiAPI's own sources disagree on this price: {}; the estimate spans {} to {} USD per {}. An overlay with the price your account is charged settles it",
        named.join("; "),
        Usd(lo),
        Usd(hi),
        entry.unit.as_str()
    );
    Some((lo, hi, Some(warning)))
}
