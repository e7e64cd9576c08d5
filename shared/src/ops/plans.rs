//! `list_plans`: the account side of the catalog (plans, usage modes, seats, top-up tiers,
//! account facts) as one answer.

use crate::catalog::Catalog;
use crate::contract::PlansResult;

pub fn list_plans(catalog: &Catalog) -> PlansResult {
    PlansResult {
        catalog_version: catalog.version().to_string(),
        plans: catalog.plans().to_vec(),
        usage_modes: catalog.usage_modes().to_vec(),
        hya_seats: catalog.hya_seats().to_vec(),
        top_up_tiers: catalog.top_up_tiers().to_vec(),
        account_facts: catalog.account_facts().clone(),
    }
}
