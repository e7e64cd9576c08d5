//! What the type system cannot check about a catalog: unique ids, prices that are whole
//! points, a price wherever the status says an entry is sold and none where it is not, tiers
//! and limits in order, every plan present.

use serde_json::Value;

use super::BuildNameHasher;
use crate::error::Error;
use crate::model::{CatalogFile, PlanId, QuantityRule, Status};
use crate::money::is_point_exact;

/// Checks what serde cannot: unique ids, prices that are whole points, a price wherever the
/// status says the entry is sold, and none where it says it is not.
pub(super) fn validate(file: &CatalogFile) -> Result<(), Error> {
    if file.version.trim().is_empty() {
        return Err(Error::catalog("catalog: version must not be empty"));
    }
    let mut ids = std::collections::HashSet::with_capacity_and_hasher(
        file.entries.len(),
        BuildNameHasher::default(),
    );
    for e in &file.entries {
        let at = |msg: String| Error::catalog(format!("catalog entry \"{}\": {msg}", e.id));
        if !ids.insert(&*e.id) {
            return Err(at("duplicate id".into()));
        }
        let prices = || {
            e.price_usd
                .iter()
                .map(|p| p.0)
                .chain(e.tiers.iter().map(|t| t.price_usd.0))
        };
        for p in prices() {
            if p.is_sign_negative() {
                return Err(at(format!("price {p} is negative")));
            }
            if !is_point_exact(p) {
                return Err(at(format!(
                    "price {p} is finer than one point (0.0000001 USD)"
                )));
            }
        }
        match e.status {
            Status::Unpriced if prices().next().is_some() => {
                return Err(at(
                    "an unpriced entry must have no price_usd and no tiers".into()
                ));
            }
            Status::Unpriced if e.notes.trim().is_empty() => {
                return Err(at("an unpriced entry must say why in notes".into()));
            }
            Status::Active | Status::Discontinued if prices().next().is_none() => {
                return Err(at("a sold entry needs price_usd or tiers".into()));
            }
            _ => {}
        }
        if e.price_usd.is_some() && !e.tiers.is_empty() {
            return Err(at("give price_usd or tiers, not both".into()));
        }
        if let Some((last, rest)) = e.tiers.split_last() {
            if last.max_pixels.is_some() || rest.iter().any(|t| t.max_pixels.is_none()) {
                return Err(at(
                    "only the last tier may (and must) have max_pixels null".into()
                ));
            }
            if rest.windows(2).any(|w| w[0].max_pixels >= w[1].max_pixels) {
                return Err(at("tiers must be in increasing max_pixels".into()));
            }
        }
        for v in e.select.values() {
            let ok = match v {
                Value::Array(a) => !a.is_empty() && a.iter().all(is_scalar),
                v => is_scalar(v),
            };
            if !ok {
                return Err(at(
                    "select values must be scalars or non-empty lists of scalars".into(),
                ));
            }
        }
        if let Some(f) = &e.freeze
            && (!is_point_exact(f.flat_usd.0) || f.flat_usd.0.is_sign_negative())
        {
            return Err(at(
                "freeze.flat_usd must be a non-negative whole number of points".into(),
            ));
        }
        if let QuantityRule::Input {
            min,
            max,
            allowed,
            default,
            per,
            ..
        } = &e.quantity
        {
            if min > max || *per == 0 {
                return Err(at("quantity: min must be ≤ max and per > 0".into()));
            }
            let all_ok = |v: u64| v >= *min && v <= *max && v.is_multiple_of(*per);
            if let Some(d) = default
                && (!all_ok(*d) || allowed.as_ref().is_some_and(|a| !a.contains(d)))
            {
                return Err(at("quantity: default is outside the limits".into()));
            }
        }
    }
    let mut tiers = file
        .top_up_tiers
        .iter()
        .map(|t| t.above_usd.0)
        .collect::<Vec<_>>();
    let sorted = tiers.windows(2).all(|w| w[0] < w[1]);
    tiers.clear();
    if !sorted {
        return Err(Error::catalog(
            "catalog: top_up_tiers must be in increasing above_usd",
        ));
    }
    for p in PlanId::ALL {
        if !file.plans.iter().any(|plan| plan.id == p) {
            return Err(Error::catalog(format!(
                "catalog: plan \"{}\" is missing",
                p.as_str()
            )));
        }
    }
    Ok(())
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}
