//! The estimate card: an MCP App (the `io.modelcontextprotocol/ui` extension, spec 2026-01-26)
//! that hosts such as Claude, VS Code or Goose render in a sandboxed iframe in place of the
//! JSON of an `estimate_cost` or `precheck_credits` result.
//!
//! The card is one self-contained HTML document built from `wasm-plugin/app/` by
//! `scripts/build-wasm.sh`, with the billing core compiled to WebAssembly inside it, so it
//! recomputes a changed duration or mode on the spot without asking the server (see
//! `build.rs` for what is embedded before that build has run). This module only declares it:
//! the `ui://` resource, and the `_meta.ui` of the tools whose results it renders.
//!
//! Clients whose capabilities lack the extension see exactly what they saw before the card
//! existed: no `_meta` on any tool, no `ui://` resource in the list (legacy clients over HTTP,
//! whose capabilities the stateless transport does not keep, are the exception explained at
//! [`host_renders_apps`]). Tool results never change, for any client: the card reads the same
//! `structuredContent` everyone gets.

use rmcp::model::{
    ClientCapabilities, MetaObject, ReadResourceResult, Resource, ResourceContents, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::{Value, json};

/// The card's resource.
pub const URI: &str = "ui://piapi-billing/estimate";
/// The MIME type of an MCP App's HTML.
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";
/// The extension's identifier in a client's `capabilities.extensions`.
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/ui";
/// The pre-GA flat `_meta` key some hosts still read instead of `_meta.ui.resourceUri`; the
/// official server helper (`registerAppTool` of `@modelcontextprotocol/ext-apps`) writes both.
const LEGACY_RESOURCE_URI_KEY: &str = "ui/resourceUri";

/// The tools whose results the card renders, by name. A tool added here must also get a
/// renderer in `wasm-plugin/app/render.mjs` (`RENDERERS`); `spend_report` is meant to join
/// both lists when it lands.
pub const TOOLS: &[&str] = &["estimate_cost", "precheck_credits"];

/// The card's HTML, or the placeholder that says how to build it (chosen by `build.rs`).
pub const HTML: &str = include_str!(env!("PIAPI_BILLING_CARD_HTML"));

/// Whether [`HTML`] is the real card rather than the placeholder.
pub const BUILT: bool = cfg!(card_built);

/// Whether the client behind this request renders MCP Apps (announces the extension with the
/// card's MIME type).
///
/// Capabilities come from the request's own `_meta` (2026-07-28), else from the `initialize`
/// of a legacy session (stdio). A legacy client over HTTP is the one case where they are
/// unknown: the HTTP transport is stateless, so its `initialize` is not kept. Such clients are
/// offered the card, because the hosts that render apps are among them, and a host without the
/// extension ignores `_meta.ui` by the spec (its text-only fallback); their tool results are
/// the same either way.
pub fn host_renders_apps(context: &RequestContext<RoleServer>) -> bool {
    if let Some(capabilities) = context.meta.client_capabilities() {
        return announces(&capabilities);
    }
    if context
        .extensions
        .get::<axum::http::request::Parts>()
        .is_some()
    {
        return true;
    }
    context
        .peer
        .peer_info()
        .is_some_and(|info| announces(&info.capabilities))
}

/// The extension entry names our MIME type (`mimeTypes` is required by the spec).
pub fn announces(capabilities: &ClientCapabilities) -> bool {
    capabilities
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get(EXTENSION_ID))
        .and_then(|settings| settings.get("mimeTypes"))
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == MIME_TYPE))
}

/// Adds the card's `_meta.ui` to the tools in [`TOOLS`]; the others are left as they are.
pub fn declare_on(tools: &mut [Tool]) {
    for tool in tools
        .iter_mut()
        .filter(|t| TOOLS.contains(&t.name.as_ref()))
    {
        let meta = tool.meta.get_or_insert_with(MetaObject::new);
        meta.insert("ui".to_owned(), json!({ "resourceUri": URI }));
        meta.insert(LEGACY_RESOURCE_URI_KEY.to_owned(), json!(URI));
    }
}

/// The card as `resources/list` shows it.
pub fn resource() -> Resource {
    Resource::new(URI, "estimate-card")
        .with_title("PiAPI cost estimate card")
        .with_description(
            "Interactive view of estimate_cost and precheck_credits results: per-line prices, \
             the [min, max] interval, freezes, the pre-check decision, inputs to change and \
             recompute offline, and a button to reserve the credits.",
        )
        .with_mime_type(MIME_TYPE)
        .with_meta(ui_meta())
}

/// `resources/read` of [`URI`].
pub fn read() -> Result<ReadResourceResult, ErrorData> {
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(HTML, URI)
            .with_mime_type(MIME_TYPE)
            .with_meta(ui_meta()),
    ]))
}

/// The card needs no network and no external origin, so it declares no CSP domains (hosts
/// apply the spec's restrictive default); it asks for the host's border around it.
fn ui_meta() -> MetaObject {
    let mut meta = MetaObject::new();
    meta.insert("ui".to_owned(), json!({ "prefersBorder": true }));
    meta
}

#[cfg(test)]
mod tests {
    use rmcp::model::ExtensionCapabilities;
    use serde_json::Map;

    use super::*;

    fn capabilities(settings: Value) -> ClientCapabilities {
        let Value::Object(settings) = settings else {
            panic!("settings are an object")
        };
        let mut extensions = ExtensionCapabilities::new();
        extensions.insert(EXTENSION_ID.to_owned(), settings);
        let mut caps = ClientCapabilities::default();
        caps.extensions = Some(extensions);
        caps
    }

    #[test]
    fn only_the_extension_with_our_mime_type_counts() {
        assert!(announces(&capabilities(json!({"mimeTypes": [MIME_TYPE]}))));
        assert!(!announces(&capabilities(
            json!({"mimeTypes": ["text/x-other"]})
        )));
        assert!(!announces(&capabilities(json!({}))));
        assert!(!announces(&ClientCapabilities::default()));
    }

    #[test]
    fn only_the_card_tools_are_declared() {
        let schema = std::sync::Arc::new(Map::new());
        let mut tools = vec![
            Tool::new("estimate_cost", "e", schema.clone()),
            Tool::new("list_plans", "l", schema.clone()),
            Tool::new("precheck_credits", "p", schema),
        ];
        declare_on(&mut tools);
        let meta = |i: usize| serde_json::to_value(&tools[i]).expect("json")["_meta"].clone();
        assert_eq!(meta(0)["ui"]["resourceUri"], URI);
        assert_eq!(meta(0)["ui/resourceUri"], URI);
        assert_eq!(meta(1), Value::Null);
        assert_eq!(meta(2)["ui"]["resourceUri"], URI);
    }

    #[test]
    fn the_resource_reads_as_an_mcp_app_document() {
        let value = serde_json::to_value(read().expect("reads")).expect("json");
        let content = &value["contents"][0];
        assert_eq!(content["uri"], URI);
        assert_eq!(content["mimeType"], MIME_TYPE);
        assert_eq!(content["_meta"]["ui"]["prefersBorder"], true);
        let html = content["text"].as_str().expect("text");
        assert!(html.starts_with("<!doctype html>"), "{}", &html[..40]);
        // The placeholder says how to get the real card; the card names its WebAssembly.
        if BUILT {
            assert!(html.contains("id=\"piapi-billing-wasm\""));
        } else {
            assert!(html.contains("scripts/build-wasm.sh"));
        }
    }
}
