//! `list_plans`: the account side of the catalog (plans, usage modes, seats, top-up tiers,
//! account facts) as one answer.

use crate::catalog::Catalog;
use crate::contract::PlansResult;

pub fn list_plans(catalog: &Catalog) -> PlansResult {
    let f = catalog.file();
    PlansResult {
        catalog_version: catalog.version().to_string(),
        plans: f.plans.clone(),
        usage_modes: f.usage_modes.clone(),
        hya_seats: f.hya_seats.clone(),
        top_up_tiers: f.top_up_tiers.clone(),
        account_facts: f.account_facts.clone(),
    }
}
