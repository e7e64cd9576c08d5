//! The real binary over stdio, driven by rmcp's client: every tool, resources, prompts and
//! error results.

mod common;

use common::{call, error_text, kling_task, stdio_client, structured};
use rmcp::model::{CallToolRequestParams, GetPromptRequestParams, ReadResourceRequestParams};
use serde_json::{Value, json};

const LIVE: [&str; 2] = ["check_balance", "get_task_cost"];

#[tokio::test]
async fn server_identifies_itself_and_lists_every_tool_with_schemas_and_annotations() {
    let (client, _) = stdio_client(&[]).await;
    let info = client.peer_info().expect("server info");
    let info = serde_json::to_value(info).expect("json");
    assert_eq!(info["serverInfo"]["name"], "piapi-billing-mcp", "{info}");
    assert_eq!(info["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        info["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("estimate_cost"))
    );

    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for name in piapi_billing::tools::names().chain(LIVE) {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }

    // The billing tools (the ledger's tools are tested with the ledger).
    for tool in tools.iter().filter(|t| {
        piapi_billing::tools::find(&t.name).is_some() || LIVE.contains(&t.name.as_ref())
    }) {
        let tool = serde_json::to_value(tool).expect("json");
        let name = tool["name"].as_str().expect("name");
        assert_eq!(
            tool["inputSchema"]["type"], "object",
            "{name} input schema root"
        );
        assert_eq!(
            tool["outputSchema"]["type"], "object",
            "{name} output schema root"
        );
        assert!(
            tool["outputSchema"]["properties"]
                .as_object()
                .is_some_and(|p| !p.is_empty()),
            "{name}"
        );
        assert!(
            tool["description"].as_str().is_some_and(|d| d.len() > 80),
            "{name} needs a real description"
        );
        assert!(tool["title"].is_string(), "{name} title");
        let annotations = &tool["annotations"];
        assert_eq!(annotations["readOnlyHint"], true, "{name}");
        let calls_piapi = LIVE.contains(&name) || name == "precheck_credits";
        assert_eq!(
            annotations["openWorldHint"], calls_piapi,
            "{name} openWorldHint"
        );
    }
    // The argument schemas come from the contract types: a typo'd field is not allowed.
    let estimate = tools
        .iter()
        .find(|t| t.name == "estimate_cost")
        .expect("estimate_cost");
    let schema = serde_json::to_value(&estimate.input_schema).expect("json");
    assert_eq!(schema["required"], json!(["tasks"]));
    assert_eq!(schema["additionalProperties"], false);
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn estimate_cost_prices_the_contract_example() {
    let (client, _) = stdio_client(&[]).await;
    let result =
        structured(&call(&client, "estimate_cost", json!({"tasks": [kling_task()]})).await);
    assert_eq!(result["total_min_usd"], "2.00", "{result}");
    assert_eq!(result["total_max_usd"], "2.00");
    assert_eq!(result["total_max_points"], 20_000_000);
    assert_eq!(result["exact"], true);
    assert_eq!(result["lines"][0]["unit"], "second");
    assert_eq!(result["lines"][0]["unit_price_usd"], "0.20");
    assert_eq!(
        result["catalog_version"],
        piapi_billing::Catalog::builtin().version()
    );

    // A line it cannot price is reported, not guessed, and the rest is still priced.
    let result = structured(
        &call(
            &client,
            "estimate_cost",
            json!({"tasks": [kling_task(), {"model": "no-such-model", "task_type": "x"}]}),
        )
        .await,
    );
    assert_eq!(result["exact"], false);
    assert_eq!(result["errors"][0]["index"], 1);
    assert_eq!(result["errors"][0]["code"], "unknown_model");
    assert_eq!(result["total_max_usd"], "2.00");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn precheck_credits_with_an_explicit_balance() {
    let (client, _) = stdio_client(&[]).await;
    let short = structured(
        &call(
            &client,
            "precheck_credits",
            json!({"tasks": [kling_task()], "balance_usd": "1.50"}),
        )
        .await,
    );
    assert_eq!(short["ok"], false, "{short}");
    assert_eq!(short["decision"], "insufficient_credits");
    assert_eq!(short["available_usd"], "1.50");
    assert_eq!(short["required_usd"], "2.00");
    assert_eq!(short["shortfall_usd"], "0.50");
    assert!(short["suggested_top_up"].is_object());
    assert_eq!(short["estimate"]["total_max_usd"], "2.00");

    let enough = structured(
        &call(
            &client,
            "precheck_credits",
            json!({"tasks": [kling_task()], "balance_usd": 5, "frozen_usd": "1"}),
        )
        .await,
    );
    assert_eq!(enough["ok"], true, "{enough}");
    assert_eq!(enough["decision"], "ok");
    assert_eq!(enough["available_usd"], "4.00");
    assert!(enough["suggested_top_up"].is_null());
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn precheck_without_balance_or_key_says_what_to_do() {
    let (client, _) = stdio_client(&[]).await;
    let text = error_text(
        &call(
            &client,
            "precheck_credits",
            json!({"tasks": [kling_task()]}),
        )
        .await,
    );
    assert!(text.contains("balance_usd"), "{text}");
    assert!(text.contains("PIAPI_API_KEY"), "{text}");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn plans_prices_and_top_up_quotes() {
    let (client, _) = stdio_client(&[]).await;
    let plans = structured(&call(&client, "list_plans", json!({})).await);
    let ids: Vec<&str> = plans["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["free", "creator", "pro", "enterprise"]);
    assert!(
        plans["top_up_tiers"]
            .as_array()
            .is_some_and(|t| t.len() == 4),
        "{}",
        plans["top_up_tiers"]
    );

    let prices = structured(&call(&client, "list_prices", json!({"query": "FLUX"})).await);
    let entries = prices["entries"].as_array().expect("entries");
    assert!(!entries.is_empty());
    for e in entries {
        let hay = format!("{} {} {}", e["model"], e["task_type"], e["variant"]).to_lowercase();
        assert!(hay.contains("flux"), "{e}");
    }
    let kling = structured(
        &call(
            &client,
            "list_prices",
            json!({"model": "kling", "task_type": "video_generation"}),
        )
        .await,
    );
    assert!(
        kling["entries"]
            .as_array()
            .is_some_and(|e| e.iter().all(|e| e["model"] == "kling"))
    );

    let quote = structured(&call(&client, "quote_top_up", json!({"amount_usd": "700"})).await);
    assert_eq!(quote["bonus_pct"], "3", "{quote}");
    assert_eq!(quote["bonus_usd"], "21.00");
    assert_eq!(quote["credited_usd"], "721.00");
    assert_eq!(quote["credited_points"], 7_210_000_000u64);
    assert_eq!(quote["self_serve"], false);
    // Strictly above the threshold: exactly $650 earns nothing.
    let at = structured(&call(&client, "quote_top_up", json!({"amount_usd": 650})).await);
    assert_eq!(at["bonus_pct"], "0", "{at}");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn live_tools_without_a_key_explain_how_to_configure_one() {
    let (client, _) = stdio_client(&[]).await;
    let text = error_text(&call(&client, "check_balance", json!({})).await);
    assert!(text.contains("PIAPI_API_KEY"), "{text}");
    let text = error_text(&call(&client, "get_task_cost", json!({"task_id": "abc-123"})).await);
    assert!(text.contains("PIAPI_API_KEY"), "{text}");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_that_name_the_field() {
    let (client, _) = stdio_client(&[]).await;
    let cases: [(&str, Value, &str); 7] = [
        ("quote_top_up", json!({"amount_usd": "lots"}), "amount_usd"),
        ("quote_top_up", json!({}), "amount_usd"),
        ("estimate_cost", json!({"taks": []}), "taks"),
        (
            "estimate_cost",
            json!({"tasks": [{"model": "kling", "task_type": "video_generation", "count": 1.5}]}),
            "tasks[0].count",
        ),
        (
            "estimate_cost",
            json!({"tasks": [kling_task()], "plan": "gold"}),
            "plan",
        ),
        ("list_prices", json!({"model": 5}), "model"),
        ("get_task_cost", json!({"task_id": "  "}), "task_id"),
    ];
    for (tool, args, field) in cases {
        let text = error_text(&call(&client, tool, args.clone()).await);
        assert!(
            text.contains(field),
            "{tool} {args}: {text:?} should name {field}"
        );
        assert!(
            !text.starts_with("failed to deserialize"),
            "{tool}: the core's message, not rmcp's: {text}"
        );
    }
    // A money amount as a binary float would be inexact; the message says what to send.
    let text = error_text(&call(&client, "list_plans", json!({"extra": 1})).await);
    assert!(text.contains("extra"), "{text}");

    // An unknown tool is a protocol error, not a tool result.
    let err = client
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await
        .expect_err("unknown tool");
    assert!(
        err.to_string().contains("no_such_tool") || err.to_string().contains("-32602"),
        "{err}"
    );
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn resources_serve_plans_catalog_per_model_prices_and_top_up_tiers() {
    let (client, _) = stdio_client(&[]).await;
    let resources = client.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    for uri in [
        "piapi-billing://plans",
        "piapi-billing://catalog",
        "piapi-billing://top-up-tiers",
        "piapi-billing://catalog/kling",
        "piapi-billing://catalog/Qubico%2Fflux1-dev",
    ] {
        assert!(uris.contains(&uri), "{uri} missing from {uris:?}");
    }
    assert!(
        resources
            .iter()
            .all(|r| r.mime_type.as_deref() == Some("application/json"))
    );

    let templates = client
        .list_all_resource_templates()
        .await
        .expect("templates/list");
    assert!(
        templates
            .iter()
            .any(|t| t.uri_template == "piapi-billing://catalog/{model}")
    );

    let read = |uri: &'static str| {
        let client = &client;
        async move {
            let result = client
                .read_resource(ReadResourceRequestParams::new(uri))
                .await
                .expect(uri);
            let result = serde_json::to_value(result).expect("json");
            let text = result["contents"][0]["text"]
                .as_str()
                .expect("text contents")
                .to_owned();
            assert_eq!(result["contents"][0]["mimeType"], "application/json");
            serde_json::from_str::<Value>(&text).expect("resource is JSON")
        }
    };
    let plans = read("piapi-billing://plans").await;
    assert_eq!(
        plans,
        structured(&call(&client, "list_plans", json!({})).await),
        "resource = tool result"
    );
    let catalog = read("piapi-billing://catalog").await;
    assert!(catalog["entries"].as_array().is_some_and(|e| e.len() > 50));
    let flux = read("piapi-billing://catalog/Qubico%2Fflux1-dev").await;
    assert!(
        flux["entries"]
            .as_array()
            .is_some_and(|e| !e.is_empty() && e.iter().all(|e| e["model"] == "Qubico/flux1-dev"))
    );
    let raw_slash = read("piapi-billing://catalog/Qubico/flux1-dev").await;
    assert_eq!(raw_slash, flux);
    let tiers = read("piapi-billing://top-up-tiers").await;
    assert_eq!(tiers["top_up_tiers"], plans["top_up_tiers"]);

    let err = client
        .read_resource(ReadResourceRequestParams::new(
            "piapi-billing://catalog/nope",
        ))
        .await
        .expect_err("unknown model");
    assert!(err.to_string().contains("nope"), "{err}");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn prompts_walk_through_estimate_precheck_and_top_up() {
    let (client, _) = stdio_client(&[]).await;
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let budget = prompts
        .iter()
        .find(|p| p.name == "plan_generation_budget")
        .expect("budget prompt");
    let budget = serde_json::to_value(budget).expect("json");
    let args = budget["arguments"].as_array().expect("arguments");
    assert!(
        args.iter()
            .any(|a| a["name"] == "goal" && a["required"] == true),
        "{budget}"
    );
    assert!(
        args.iter()
            .any(|a| a["name"] == "budget_usd" && a["required"] != true),
        "{budget}"
    );
    assert!(prompts.iter().any(|p| p.name == "audit_task_cost"));

    let mut params = GetPromptRequestParams::new("plan_generation_budget");
    params.arguments = Some(
        json!({"goal": "20 Kling 3.0 pro videos", "budget_usd": "50", "plan": "Creator"})
            .as_object()
            .cloned()
            .expect("object"),
    );
    let result =
        serde_json::to_value(client.get_prompt(params).await.expect("prompts/get")).expect("json");
    let text = result["messages"][0]["content"]["text"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(
        text.contains("20 Kling 3.0 pro videos")
            && text.contains("$50")
            && text.contains("\"creator\""),
        "{text}"
    );
    let order: Vec<usize> = ["estimate_cost", "precheck_credits", "quote_top_up"]
        .iter()
        .map(|t| text.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "steps out of order: {text}"
    );

    let err = client
        .get_prompt(GetPromptRequestParams::new("plan_generation_budget"))
        .await;
    assert!(err.is_err(), "a missing required argument is an error");
    client.cancel().await.expect("close");
}
