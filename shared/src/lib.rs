//! `piapi-billing`: the billing core behind every piapi-billing front end.
//!
//! The crate is pure: no I/O, no clock, no threads, no network. Front ends (the MCP server and
//! the WebAssembly module) read arguments into [`contract`] types, call an operation, and write
//! the result; the business rules live here once. Time, where a rule needs it (the
//! [`ledger`]), is passed in by the caller.
//!
//! The modules stand in floors, each importing only those below it: [`text`], [`sort`],
//! [`money`] and [`error`]; [`json`] and [`compact`]; [`model`] (the catalog's data);
//! [`contract`] (arguments and results) and [`catalog`] (loading, validation, overlays);
//! [`ops`] (every operation); [`Billing`] (a catalog and its operations); [`piapi`] (PiAPI's
//! bodies read into results, priced through a `Billing`) and [`tools`] (the offline tool
//! table); [`gateway`] (the budget gateway's rules) on top. The [`ledger`] is a state machine
//! of its own, importing only [`money`] and [`error`].
//!
//! Money is [`rust_decimal::Decimal`] throughout ([`money`]); prices are data ([`catalog`]).

// The derive macros name `::piapi_billing`, which this alias makes mean this crate here too.
extern crate self as piapi_billing;

pub mod catalog;
pub mod compact;
pub mod contract;
pub mod error;
pub mod gateway;
pub mod json;
pub mod ledger;
pub mod model;
pub mod money;
pub mod ops;
pub mod piapi;
pub mod sort;
pub mod text;
pub mod tools;

use std::sync::Arc;

pub use catalog::Catalog;
pub use contract::*;
pub use error::{Error, ErrorKind};
pub use model::{Charge, Mode, PlanId};
pub use ops::precheck::Funds;
pub use text::Text;

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
            catalog: Catalog::builtin_shared().clone(),
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
        self.estimate(args.batch())
    }

    /// Prices a batch the caller holds in another shape (a ledger reservation's tasks).
    pub fn estimate(&self, batch: Batch<'_>) -> Result<EstimateResult, Error> {
        ops::estimate::estimate(&self.catalog, batch)
    }

    /// A pre-check against the funds the arguments give (`balance_usd` is then required).
    pub fn precheck_credits(&self, args: &PrecheckArgs) -> Result<PrecheckResult, Error> {
        ops::precheck::precheck(&self.catalog, args)
    }

    /// A pre-check against `funds` the caller fetched (PiAPI's available and frozen credit).
    pub fn precheck_with(
        &self,
        args: &PrecheckArgs,
        funds: Funds,
    ) -> Result<PrecheckResult, Error> {
        ops::precheck::precheck_with(&self.catalog, args, funds)
    }

    pub fn list_plans(&self) -> PlansResult {
        ops::plans::list_plans(&self.catalog)
    }

    pub fn list_prices(&self, args: &ListPricesArgs) -> Result<ListPricesResult, Error> {
        ops::prices::list_prices(&self.catalog, args)
    }

    pub fn quote_top_up(&self, args: &QuoteTopUpArgs) -> Result<TopUpQuote, Error> {
        ops::topup::quote(&self.catalog, args)
    }

    pub fn price_inputs(&self, args: &PriceInputsArgs) -> Result<PriceInputs, Error> {
        ops::inputs::price_inputs(&self.catalog, args)
    }

    pub fn catalog_report(&self, args: &CatalogReportArgs) -> Result<CatalogReport, Error> {
        ops::report::catalog_report(&self.catalog, args)
    }
}
