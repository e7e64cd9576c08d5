//! `list_prices`: the catalog's rows, filtered by model, task type or a search word.

use crate::catalog::Catalog;
use crate::contract::{ListPricesArgs, ListPricesResult, PriceRow};
use crate::error::Error;
use crate::model::Mode;

/// `list_prices`: the catalog's rows, filtered.
pub fn list_prices(catalog: &Catalog, args: &ListPricesArgs) -> Result<ListPricesResult, Error> {
    if let Some(m) = &args.model
        && !catalog.has_model(m)
    {
        let known: Vec<&str> = catalog.models().collect();
        return Err(Error::invalid(
            "model",
            format!("unknown model \"{m}\"; known models: {}", known.join(", ")),
        ));
    }
    if let Some(t) = &args.task_type {
        let known: Vec<&str> = match &args.model {
            Some(m) => catalog.task_types(m).iter().map(|t| &**t).collect(),
            None => {
                let mut all: Vec<&str> = catalog.entries().iter().map(|e| &*e.task_type).collect();
                all.sort_unstable();
                all.dedup();
                all
            }
        };
        if !known.contains(&t.as_str()) {
            return Err(Error::invalid(
                "task_type",
                format!("unknown task_type \"{t}\"; known: {}", known.join(", ")),
            ));
        }
    }
    let query = args.query.as_ref().map(|q| q.to_ascii_lowercase());
    let entries = catalog
        .entries()
        .iter()
        .filter(|e| args.model.as_ref().is_none_or(|m| *e.model == **m))
        .filter(|e| args.task_type.as_ref().is_none_or(|t| *e.task_type == **t))
        .filter(|e| {
            query.as_ref().is_none_or(|q| {
                [&e.model, &e.task_type, &e.variant, &e.id]
                    .iter()
                    .any(|s| s.to_ascii_lowercase().contains(q.as_str()))
            })
        })
        .map(|e| PriceRow {
            id: e.id.clone(),
            model: e.model.clone(),
            task_type: e.task_type.clone(),
            variant: e.variant.clone(),
            unit: e.unit,
            price_usd: e.price_usd,
            tiers: e.tiers.clone(),
            price_range_usd: e.price_range_usd.clone(),
            mode: Mode::Payg,
            hya_seat: e.hya_seat.clone(),
            confidence: e.confidence,
            source: e.source.clone(),
            sources: e.sources.clone(),
            charge: e.charge,
            confirmed: e.confirmed.clone(),
            status: e.status,
            notes: e.notes.clone(),
        })
        .collect();
    Ok(ListPricesResult {
        catalog_version: catalog.version().to_string(),
        overlay: catalog.overlay().map(str::to_string),
        entries,
    })
}
