//! Read-only JSON resources: the plans, the price catalog (whole and per model) and the top-up
//! tiers, so a client can attach them to a conversation without a tool call.
//!
//! Every resource is the same JSON a tool returns (`list_plans`, `list_prices`), so there is
//! one shape to learn. Model names such as `Qubico/flux1-dev` contain a slash; per-model URIs
//! percent-encode it (`Qubico%2Fflux1-dev`) as RFC 6570 simple expansion does, and reads also
//! accept the raw slash.

use piapi_billing::{Billing, ListPricesArgs};
use rmcp::ErrorData;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde::Serialize;

pub const PLANS_URI: &str = "piapi-billing://plans";
pub const CATALOG_URI: &str = "piapi-billing://catalog";
pub const TOP_UP_TIERS_URI: &str = "piapi-billing://top-up-tiers";
const MODEL_PREFIX: &str = "piapi-billing://catalog/";
const MODEL_TEMPLATE: &str = "piapi-billing://catalog/{model}";
const JSON: &str = "application/json";

/// The fixed resources, then one per model in the catalog.
pub fn list(billing: &Billing) -> Vec<Resource> {
    let version = billing.catalog().version();
    let mut out = vec![
        Resource::new(PLANS_URI, "plans")
            .with_title("PiAPI plans, usage modes, seats and account facts")
            .with_description("The list_plans result: plans with prices and limits, PAYG vs host-your-account, HYA seat prices, top-up tiers.")
            .with_mime_type(JSON),
        Resource::new(CATALOG_URI, "catalog")
            .with_title(format!("PiAPI price catalog {version}"))
            .with_description("Every catalog entry as list_prices returns it: unit, USD price, status, confidence and source.")
            .with_mime_type(JSON),
        Resource::new(TOP_UP_TIERS_URI, "top-up-tiers")
            .with_title("PiAPI top-up bonus tiers")
            .with_description("Bonus percentages for one-time top-ups strictly above each threshold, and the self-serve limits.")
            .with_mime_type(JSON),
    ];
    let mut models: Vec<&str> = billing.catalog().models().collect();
    models.sort_unstable();
    models.dedup();
    out.extend(models.into_iter().map(|model| {
        Resource::new(model_uri(model), format!("catalog/{model}"))
            .with_title(format!("Prices of {model}"))
            .with_mime_type(JSON)
    }));
    out
}

pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(MODEL_TEMPLATE, "catalog-by-model")
            .with_title("Prices of one PiAPI model")
            .with_description("list_prices for one exact model name; percent-encode a slash (Qubico%2Fflux1-dev).")
            .with_mime_type(JSON),
    ]
}

/// The URI of a model's prices.
pub fn model_uri(model: &str) -> String {
    format!(
        "{MODEL_PREFIX}{}",
        model.replace('%', "%25").replace('/', "%2F")
    )
}

pub fn read(billing: &Billing, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let text = match uri {
        PLANS_URI => to_json(&billing.list_plans()),
        CATALOG_URI => to_json(&list_prices(billing, ListPricesArgs::default())?),
        TOP_UP_TIERS_URI => {
            let plans = billing.list_plans();
            to_json(&TopUpTiers {
                catalog_version: &plans.catalog_version,
                top_up_tiers: &plans.top_up_tiers,
                account_facts: &plans.account_facts,
            })
        }
        _ => {
            let model = uri
                .strip_prefix(MODEL_PREFIX)
                .and_then(percent_decode)
                .filter(|m| billing.catalog().has_model(m))
                .ok_or_else(|| not_found(billing, uri))?;
            let args = ListPricesArgs {
                model: Some(model),
                ..ListPricesArgs::default()
            };
            to_json(&list_prices(billing, args)?)
        }
    };
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type(JSON),
    ]))
}

#[derive(Serialize)]
struct TopUpTiers<'a> {
    catalog_version: &'a str,
    top_up_tiers: &'a [piapi_billing::model::TopUpTier],
    account_facts: &'a piapi_billing::model::AccountFacts,
}

fn list_prices(
    billing: &Billing,
    args: ListPricesArgs,
) -> Result<piapi_billing::ListPricesResult, ErrorData> {
    billing
        .list_prices(&args)
        .map_err(|e| ErrorData::internal_error(e.message, None))
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Contract types always serialize: string keys, no non-finite floats.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn not_found(billing: &Billing, uri: &str) -> ErrorData {
    let mut models: Vec<&str> = billing.catalog().models().collect();
    models.sort_unstable();
    models.dedup();
    ErrorData::resource_not_found(
        format!(
            "unknown resource \"{uri}\"; resources: {PLANS_URI}, {CATALOG_URI}, {TOP_UP_TIERS_URI}, \
             {MODEL_TEMPLATE} with model one of: {}",
            models.join(", ")
        ),
        Some(serde_json::json!({ "uri": uri })),
    )
}

/// Decodes `%XX` escapes; `None` for a malformed escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_uris_round_trip_through_percent_encoding() {
        for model in ["kling", "Qubico/flux1-dev", "odd%name"] {
            let uri = model_uri(model);
            let tail = uri.strip_prefix(MODEL_PREFIX).expect("prefix");
            assert!(!tail.contains('/'), "{uri}");
            assert_eq!(percent_decode(tail).as_deref(), Some(model));
        }
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
    }

    #[test]
    fn every_listed_resource_reads() {
        let billing = Billing::new();
        for resource in list(&billing) {
            let result = read(&billing, &resource.uri).expect(&resource.uri);
            assert_eq!(result.contents.len(), 1, "{}", resource.uri);
        }
    }

    #[test]
    fn an_unknown_model_is_not_found_and_names_the_models() {
        let err = read(&Billing::new(), "piapi-billing://catalog/nope").expect_err("unknown");
        assert!(err.message.contains("kling"), "{}", err.message);
    }
}
