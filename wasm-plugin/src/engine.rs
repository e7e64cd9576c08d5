//! The module's one billing engine and the operations on it.
//!
//! A WebAssembly instance is single-threaded, so the engine lives in a thread-local cell. A
//! price overlay replaces the engine as a whole (the core never mutates a catalog in place);
//! a call takes a cheap clone of the current engine first, so nothing is borrowed while the
//! core runs.

use std::cell::RefCell;

use piapi_billing::json::FromJson;
use piapi_billing::{
    Billing, Catalog, Error, EstimateResult, ListPricesResult, NoArgs, OFFLINE_TOOLS, PlansResult,
    PrecheckResult, TopUpQuote,
};
use serde::Serialize;

use crate::inputs::{self, PriceInputsArgs};

thread_local! {
    static ENGINE: RefCell<Billing> = RefCell::new(Billing::new());
}

/// What `catalogVersion()` reports: which prices the module is answering with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CatalogInfo {
    pub catalog_version: String,
    /// Name of the applied overlay; null on the built-in catalog.
    pub overlay: Option<String>,
    /// Number of price entries in the catalog in use.
    pub entries: usize,
}

fn current() -> Billing {
    ENGINE.with(|e| e.borrow().clone())
}

/// A tool's typed result, written straight to text by [`crate::json_writer`]: going through
/// `serde_json::Value` first (as `Billing::call` does) costs a sorted map per object.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Estimate(EstimateResult),
    Precheck(PrecheckResult),
    Plans(PlansResult),
    Prices(ListPricesResult),
    TopUp(TopUpQuote),
}

/// Runs an offline tool (snake_case name, as in the golden vectors) on JSON argument text.
///
/// Arguments are read by the core's reader, as `Billing::call` reads them (same path-aware
/// messages); a test checks that both answer alike on every golden vector. One difference:
/// `Billing::call` gets an already-decoded `Value`, which kept the last of a repeated key,
/// while the text here still has both, and a repeated field is refused.
pub fn call(tool: &str, args_json: &str) -> Result<Answer, Error> {
    let engine = current();
    Ok(match tool {
        "estimate_cost" => Answer::Estimate(engine.estimate_cost(&parse_args(args_json)?)?),
        "precheck_credits" => Answer::Precheck(engine.precheck_credits(&parse_args(args_json)?)?),
        "list_plans" => {
            let NoArgs {} = parse_args(args_json)?;
            Answer::Plans(engine.list_plans())
        }
        "list_prices" => Answer::Prices(engine.list_prices(&parse_args(args_json)?)?),
        "quote_top_up" => Answer::TopUp(engine.quote_top_up(&parse_args(args_json)?)?),
        other => return Err(Error::unknown_tool(other, &OFFLINE_TOOLS)),
    })
}

/// Parses a tool's arguments from their text, straight into their type (the core's reader,
/// with its path-aware messages). `null` stands for no arguments, as in `Billing::call`.
fn parse_args<T: FromJson>(text: &str) -> Result<T, Error> {
    Error::parse_str(if is_null(text) { "{}" } else { text })
}

/// True for the JSON text `null` (what the JS wrapper sends for a missing argument).
fn is_null(text: &str) -> bool {
    text.trim_matches([' ', '\n', '\r', '\t']) == "null"
}

/// Lays a user's price overlay over the built-in catalog, replacing any earlier overlay;
/// `null` goes back to the built-in catalog.
pub fn set_catalog(overlay_json: &str) -> Result<CatalogInfo, Error> {
    let engine = if is_null(overlay_json) {
        Billing::new()
    } else {
        Billing::with_catalog(Catalog::builtin().with_overlay(overlay_json)?)
    };
    let info = info_of(&engine);
    ENGINE.with(|e| *e.borrow_mut() = engine);
    Ok(info)
}

/// The `input` fields that change the price of a model's task (for estimator forms).
pub fn price_inputs(args_json: &str) -> Result<inputs::PriceInputs, Error> {
    let args: PriceInputsArgs = parse_args(args_json)?;
    inputs::price_inputs(current().catalog(), &args)
}

/// Which catalog and overlay the module answers with.
pub fn catalog_info() -> CatalogInfo {
    info_of(&current())
}

fn info_of(engine: &Billing) -> CatalogInfo {
    let c = engine.catalog();
    CatalogInfo {
        catalog_version: c.version().to_string(),
        overlay: c.overlay().map(str::to_string),
        entries: c.entries().len(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::json_writer::JsonWriter;

    /// Every golden vector answers exactly as the core's own JSON entry point does.
    #[test]
    fn answers_match_billing_call_on_every_golden_vector() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
        let mut cases = 0;
        for file in std::fs::read_dir(&dir).expect("tests/golden exists") {
            let path = file.expect("directory entry").path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let golden: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for case in golden["cases"].as_array().expect("cases") {
                let tool = case["tool"].as_str().expect("tool");
                let core = Billing::new().call(tool, case["args"].clone());
                let ours = call(tool, &case["args"].to_string());
                match (core, ours) {
                    (Ok(want), Ok(got)) => {
                        // Through the module's own writer, as the answer reaches JS.
                        let mut text = JsonWriter::with_capacity(0);
                        text.write(&got).unwrap();
                        let got: Value = serde_json::from_str(&text.into_string()).unwrap();
                        assert_eq!(got, want, "{}", case["name"])
                    }
                    (Err(want), Err(got)) => assert_eq!(got, want, "{}", case["name"]),
                    (want, got) => panic!("{}: core {want:?}, module {got:?}", case["name"]),
                }
                cases += 1;
            }
        }
        assert!(cases > 0, "no golden vectors in {}", dir.display());
    }

    #[test]
    fn precheck_without_a_balance_names_the_field() {
        // The module cannot ask PiAPI for the balance, so the core's refusal must reach JS.
        let args = r#"{"tasks": [{"model": "kling", "task_type": "video_generation"}]}"#;
        let err = call("precheck_credits", args).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("balance_usd"));
        assert!(
            err.message.starts_with("balance_usd: is required"),
            "{}",
            err.message
        );
    }

    #[test]
    fn malformed_json_is_an_argument_error() {
        let err = call("list_plans", "{").unwrap_err();
        assert_eq!(err.code(), "invalid_arguments");
        assert!(err.message.contains("invalid JSON"), "{}", err.message);
        let err = set_catalog("{").unwrap_err();
        assert!(err.message.contains("invalid JSON"), "{}", err.message);
    }

    #[test]
    fn a_repeated_field_is_refused_not_overwritten() {
        let args = r#"{"amount_usd": "10", "amount_usd": "20"}"#;
        let err = call("quote_top_up", args).unwrap_err();
        assert!(
            err.message.contains("duplicate field `amount_usd`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn null_arguments_are_no_arguments() {
        assert!(matches!(
            call("list_plans", " null\n"),
            Ok(Answer::Plans(_))
        ));
        let err = call("quote_top_up", "null").unwrap_err();
        assert_eq!(err.field, None);
        assert!(
            err.message.contains("missing field `amount_usd`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn overlay_is_reported_and_reset() {
        let overlay = r#"{"name": "acme-2026", "entries": [{"id": "kling.video.3.0.std.silent", "price_usd": "0.08"}]}"#;
        let info = set_catalog(overlay).unwrap();
        assert_eq!(info.overlay.as_deref(), Some("acme-2026"));
        assert_eq!(catalog_info(), info);
        let reset = set_catalog("null").unwrap();
        assert_eq!(reset.overlay, None);
        assert_eq!(reset.catalog_version, "2026-11");
    }

    #[test]
    fn a_refused_overlay_keeps_the_current_catalog() {
        assert!(set_catalog(r#"{"name": "x", "entries": [{"price_usd": "1"}]}"#).is_err());
        assert_eq!(catalog_info().overlay, None);
    }
}
