//! The module's one billing engine.
//!
//! A WebAssembly instance is single-threaded, so the engine lives in a thread-local cell. A
//! price overlay replaces the engine as a whole (the core never mutates a catalog in place);
//! a call takes a cheap clone of the current engine first, so nothing is borrowed while the
//! core runs. Tools are dispatched by the core's own table ([`piapi_billing::tools`]): the
//! module holds no business rule and no list of tools.

use std::cell::RefCell;

use piapi_billing::json::ToJson;
use piapi_billing::tools::{self, Answer};
use piapi_billing::{Billing, Catalog, Error};

thread_local! {
    static ENGINE: RefCell<Billing> = RefCell::new(Billing::new());
}

/// What `catalogVersion()` reports: which prices the module is answering with.
#[derive(Clone, Debug, PartialEq, Eq, ToJson)]
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

/// Runs an offline tool (snake_case name, as in the golden vectors) on JSON argument text.
///
/// The arguments are read from their text by the core's reader, so a repeated field is
/// refused rather than overwritten.
pub fn call(tool: &str, args_json: &str) -> Result<Answer, Error> {
    tools::run(&current(), tool, args_json)
}

/// Lays a user's price overlay over the built-in catalog, replacing any earlier overlay;
/// `null` goes back to the built-in catalog.
pub fn set_catalog(overlay_json: &str) -> Result<CatalogInfo, Error> {
    let engine = if overlay_json.trim_matches([' ', '\n', '\r', '\t']) == "null" {
        Billing::new()
    } else {
        Billing::with_catalog(Catalog::builtin().with_overlay(overlay_json)?)
    };
    let info = info_of(&engine);
    ENGINE.with(|e| *e.borrow_mut() = engine);
    Ok(info)
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
        entries: c.entry_count(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use piapi_billing::json::JsonWriter;

    /// Every golden vector answers exactly as the core's own JSON entry point does.
    #[test]
    fn answers_match_the_core_on_every_golden_vector() {
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
                // The core's reference answer: its tool table on the arguments as a `Value`
                // turned back into text (one key per name), through serde_json's writer.
                let core =
                    piapi_billing::tools::run(&Billing::new(), tool, &case["args"].to_string())
                        .map(|a| serde_json::to_value(a).unwrap());
                let ours = call(tool, &case["args"].to_string());
                match (core, ours) {
                    (Ok(want), Ok(got)) => {
                        // Through the module's own writer, as the answer reaches JS.
                        let mut text = JsonWriter::with_capacity(0);
                        text.write(&got);
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
        assert_eq!(reset.catalog_version, Catalog::builtin().version());
    }

    #[test]
    fn a_refused_overlay_keeps_the_current_catalog() {
        assert!(set_catalog(r#"{"name": "x", "entries": [{"price_usd": "1"}]}"#).is_err());
        assert_eq!(catalog_info().overlay, None);
    }
}
