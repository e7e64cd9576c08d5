//! The offline tools: every tool a front end can answer from the core alone, in one table.
//!
//! A row names the tool and how to run it on its arguments' JSON text: read them with the
//! core's reader (the same path-aware messages everywhere), run the operation, return the typed
//! [`Answer`]. The WebAssembly module, the golden tests and the MCP server's stdio fast path
//! dispatch through [`run`]; the MCP `#[tool]`s and the CLI call the same typed operations on
//! [`Billing`]. A new offline tool is one row here.

use serde::Serialize;

use crate::Billing;
use crate::contract::{
    CatalogReport, EstimateResult, ListPricesResult, NoArgs, PlansResult, PrecheckResult,
    PriceInputs, TopUpQuote,
};
use crate::error::Error;
use crate::json::{FromJson, ToJson, from_str};

/// A tool's typed result. Written as the result itself (no wrapper), so it serializes to
/// exactly the JSON the tool returns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Estimate(EstimateResult),
    Precheck(PrecheckResult),
    Plans(PlansResult),
    Prices(ListPricesResult),
    TopUp(TopUpQuote),
    Inputs(PriceInputs),
    Report(CatalogReport),
}

impl ToJson for Answer {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Answer::Estimate(r) => r.write_json(out),
            Answer::Precheck(r) => r.write_json(out),
            Answer::Plans(r) => r.write_json(out),
            Answer::Prices(r) => r.write_json(out),
            Answer::TopUp(r) => r.write_json(out),
            Answer::Inputs(r) => r.write_json(out),
            Answer::Report(r) => r.write_json(out),
        }
    }
}

/// One offline tool.
pub struct Tool {
    pub name: &'static str,
    run: fn(&Billing, &str) -> Result<Answer, Error>,
}

/// The offline tools, in the contract's order.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "estimate_cost",
        run: |b, text| Ok(Answer::Estimate(b.estimate_cost(&args(text)?)?)),
    },
    Tool {
        name: "precheck_credits",
        run: |b, text| Ok(Answer::Precheck(b.precheck_credits(&args(text)?)?)),
    },
    Tool {
        name: "list_plans",
        run: |b, text| {
            let NoArgs {} = args(text)?;
            Ok(Answer::Plans(b.list_plans()))
        },
    },
    Tool {
        name: "list_prices",
        run: |b, text| Ok(Answer::Prices(b.list_prices(&args(text)?)?)),
    },
    Tool {
        name: "quote_top_up",
        run: |b, text| Ok(Answer::TopUp(b.quote_top_up(&args(text)?)?)),
    },
    Tool {
        name: "price_inputs",
        run: |b, text| Ok(Answer::Inputs(b.price_inputs(&args(text)?)?)),
    },
    Tool {
        name: "catalog_report",
        run: |b, text| Ok(Answer::Report(b.catalog_report(&args(text)?)?)),
    },
];

/// The offline tools' names, in the contract's order.
pub fn names() -> impl Iterator<Item = &'static str> {
    TOOLS.iter().map(|t| t.name)
}

/// The tool of that name, if the core answers it.
pub fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Runs an offline tool on its arguments' JSON text; `null` (what a missing argument becomes
/// in JavaScript) stands for no arguments.
pub fn run(billing: &Billing, name: &str, args_json: &str) -> Result<Answer, Error> {
    match find(name) {
        Some(tool) => (tool.run)(billing, args_json),
        None => {
            let known: Vec<&str> = names().collect();
            Err(Error::unknown_tool(name, &known))
        }
    }
}

fn args<T: FromJson>(text: &str) -> Result<T, Error> {
    let blank = text.trim_matches([' ', '\n', '\r', '\t']);
    from_str(if blank == "null" { "{}" } else { text })
}
