//! `piapi-billing`: the billing core behind every piapi-billing front end.
//!
//! The crate is pure: no I/O, no clock, no threads, no network. Front ends (the MCP server and
//! the WASM module) parse arguments into [`contract`] types, call a [`Billing`] method, and
//! serialize the result; the business rules live here once. Time, where a rule needs it (the
//! [`ledger`]), is passed in by the caller.
//!
//! Money is [`rust_decimal::Decimal`] throughout ([`money`]); prices are data
//! ([`catalog`], compiled in from `catalog/2026-11.json` and replaceable at run time).

pub mod catalog;
pub mod contract;
pub mod error;
pub mod estimate;
pub mod json;
pub mod ledger;
pub mod money;
pub mod piapi;
pub mod plans;
pub mod precheck;
pub mod text;
pub mod topup;

use std::sync::Arc;

use serde_json::Value;

pub use catalog::Catalog;
pub use contract::*;
pub use error::{Error, ErrorKind};
pub use text::Text;

/// The tools every front end offers from the core alone, in the contract's order.
pub const OFFLINE_TOOLS: [&str; 5] = [
    "estimate_cost",
    "precheck_credits",
    "list_plans",
    "list_prices",
    "quote_top_up",
];

/// The billing engine: a catalog and the operations over it.
///
/// Cheap to clone (the catalog is shared); a new overlay makes a new engine rather than
/// mutating one that other requests may be reading.
#[derive(Clone, Debug)]
pub struct Billing {
    catalog: Arc<Catalog>,
}

impl Default for Billing {
    fn default() -> Self {
        Self::new()
    }
}

impl Billing {
    /// An engine over the built-in catalog.
    pub fn new() -> Self {
        Billing {
            catalog: Arc::new(Catalog::builtin().clone()),
        }
    }

    pub fn with_catalog(catalog: Catalog) -> Self {
        Billing {
            catalog: Arc::new(catalog),
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn estimate_cost(&self, args: &EstimateArgs) -> Result<EstimateResult, Error> {
        estimate::estimate(&self.catalog, args)
    }

    pub fn precheck_credits(&self, args: &PrecheckArgs) -> Result<PrecheckResult, Error> {
        precheck::precheck(&self.catalog, args)
    }

    pub fn list_plans(&self) -> PlansResult {
        plans::list_plans(&self.catalog)
    }

    pub fn list_prices(&self, args: &ListPricesArgs) -> Result<ListPricesResult, Error> {
        catalog::list_prices(&self.catalog, args)
    }

    pub fn quote_top_up(&self, args: &QuoteTopUpArgs) -> Result<TopUpQuote, Error> {
        topup::quote(&self.catalog, args)
    }

    /// Runs an offline tool by name on JSON arguments: the one entry point the golden vectors
    /// and the JSON-speaking front ends share.
    pub fn call(&self, tool: &str, args: Value) -> Result<Value, Error> {
        let args = if args.is_null() {
            Value::Object(Default::default())
        } else {
            args
        };
        let out = match tool {
            "estimate_cost" => to_value(self.estimate_cost(&Error::parse(args)?)?),
            "precheck_credits" => to_value(self.precheck_credits(&Error::parse(args)?)?),
            "list_plans" => {
                let NoArgs {} = Error::parse(args)?;
                to_value(self.list_plans())
            }
            "list_prices" => to_value(self.list_prices(&Error::parse(args)?)?),
            "quote_top_up" => to_value(self.quote_top_up(&Error::parse(args)?)?),
            other => return Err(Error::unknown_tool(other, &OFFLINE_TOOLS)),
        };
        Ok(out)
    }
}

fn to_value<T: serde::Serialize>(v: T) -> Value {
    // Contract types serialize to JSON without failing: string keys, no non-finite floats.
    serde_json::to_value(v).unwrap_or(Value::Null)
}
