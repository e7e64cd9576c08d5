//! What the type system cannot check about a catalog: unique ids, prices that are whole
//! points, a price wherever the status says an entry is sold and none where it is not, tiers
//! and limits in order, sources and dates well formed, every plan present.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::Value;

use super::BuildNameHasher;
use crate::error::Error;
use crate::model::provenance::days_from_date;
use crate::model::{CatalogFile, Confidence, Entry, PlanId, QuantityRule, Status};
use crate::money::is_point_exact;

pub(super) fn validate(file: &CatalogFile) -> Result<(), Error> {
    if file.version.trim().is_empty() {
        return Err(Error::catalog("catalog: version must not be empty"));
    }
    let mut ids = HashSet::with_capacity_and_hasher(file.entries.len(), BuildNameHasher::default());
    for e in &file.entries {
        let at = |msg: &str| Error::catalog(format!("catalog entry \"{}\": {msg}", e.id));
        if !ids.insert(&*e.id) {
            return Err(at("duplicate id"));
        }
        [prices, pricing, tiers, selectors, quantity, provenance]
            .iter()
            .try_for_each(|check| check(e))
            .map_err(|msg| at(&msg))?;
    }
    let above: Vec<Decimal> = file.top_up_tiers.iter().map(|t| t.above_usd.0).collect();
    if !above.windows(2).all(|w| w[0] < w[1]) {
        return Err(Error::catalog(
            "catalog: top_up_tiers must be in increasing above_usd",
        ));
    }
    match PlanId::ALL
        .iter()
        .find(|p| !file.plans.iter().any(|plan| plan.id == **p))
    {
        Some(p) => Err(Error::catalog(format!(
            "catalog: plan \"{}\" is missing",
            p.as_str()
        ))),
        None => Ok(()),
    }
}

type Check = Result<(), String>;

/// Every figure is a non-negative whole number of points.
fn prices(e: &Entry) -> Check {
    let freeze = e.freeze.iter().map(|f| f.flat_usd);
    for p in e.prices().chain(freeze).map(|p| p.0) {
        if p.is_sign_negative() {
            return Err(format!("price {p} is negative"));
        }
        if !is_point_exact(p) {
            return Err(format!("price {p} is finer than one point (0.0000001 USD)"));
        }
    }
    Ok(())
}

/// A sold entry has exactly one way to price it; an unpriced one has none and says why.
fn pricing(e: &Entry) -> Check {
    let ways = usize::from(e.price_usd.is_some())
        + usize::from(!e.tiers.is_empty())
        + usize::from(e.price_range_usd.is_some());
    match e.status {
        Status::Unpriced if ways > 0 => {
            Err("an unpriced entry must have no price_usd, tiers or price_range_usd".into())
        }
        Status::Unpriced if e.notes.trim().is_empty() => {
            Err("an unpriced entry must say why in notes".into())
        }
        Status::Active | Status::Discontinued if ways == 0 => {
            Err("a sold entry needs price_usd, tiers or price_range_usd".into())
        }
        _ if ways > 1 => Err("give one of price_usd, tiers or price_range_usd".into()),
        _ => match &e.price_range_usd {
            Some(r) if r.min.0 > r.max.0 => Err("price_range_usd: min must be ≤ max".into()),
            _ => Ok(()),
        },
    }
}

fn tiers(e: &Entry) -> Check {
    let Some((last, rest)) = e.tiers.split_last() else {
        return Ok(());
    };
    if last.max_pixels.is_some() || rest.iter().any(|t| t.max_pixels.is_none()) {
        return Err("only the last tier may (and must) have max_pixels null".into());
    }
    if rest.windows(2).any(|w| w[0].max_pixels >= w[1].max_pixels) {
        return Err("tiers must be in increasing max_pixels".into());
    }
    Ok(())
}

fn selectors(e: &Entry) -> Check {
    let is_scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
    let ok = e.select.values().all(|v| match v {
        Value::Array(a) => !a.is_empty() && a.iter().all(is_scalar),
        v => is_scalar(v),
    });
    if ok {
        Ok(())
    } else {
        Err("select values must be scalars or non-empty lists of scalars".into())
    }
}

fn quantity(e: &Entry) -> Check {
    let QuantityRule::Input {
        min,
        max,
        allowed,
        default,
        per,
        plus,
        ..
    } = &e.quantity
    else {
        return Ok(());
    };
    if min > max || *per == 0 {
        return Err("quantity: min must be ≤ max and per > 0".into());
    }
    let fits = |v: u64| v >= *min && v <= *max && v.is_multiple_of(*per);
    if let Some(d) = default
        && (!fits(*d) || allowed.as_ref().is_some_and(|a| !a.contains(d)))
    {
        return Err("quantity: default is outside the limits".into());
    }
    if let Some(plus) = plus
        && (plus.factors.is_empty() || plus.factors.iter().any(|f| f.0.is_sign_negative()))
    {
        return Err("quantity.plus: factors must be a non-empty list of numbers ≥ 0".into());
    }
    Ok(())
}

/// Dates are real `YYYY-MM-DD` dates, and a conflicting price names the figures it spans.
fn provenance(e: &Entry) -> Check {
    let dates = e
        .confirmed
        .iter()
        .chain(e.sources.iter().filter_map(|s| s.seen.as_ref()));
    if let Some(bad) = dates.into_iter().find(|d| days_from_date(d).is_none()) {
        return Err(format!("\"{bad}\" is not a date (YYYY-MM-DD)"));
    }
    if e.confidence == Confidence::Conflicting && e.conflicting_figures().next().is_none() {
        return Err("a conflicting price needs sources with the figures that conflict".into());
    }
    Ok(())
}
