//! `docs/contract.md` documents every tool the server offers: a tool added without its section
//! fails here.

mod common;

use common::stdio_client;

#[tokio::test]
async fn every_tool_the_server_lists_has_a_section_in_the_contract() {
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/contract.md");
    let doc = std::fs::read_to_string(doc_path).expect("docs/contract.md exists");
    let headings: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .map(str::trim)
        .collect();
    let dir = tempdir();
    let ledger = format!("file:{}/ledger.log", dir.display());
    let (client, _) = stdio_client(&[("PIAPI_BILLING_LEDGER", ledger.as_str())]).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.len() >= 13, "only {} tools listed", tools.len());
    let undocumented: Vec<&str> = tools
        .iter()
        .map(|t| t.name.as_ref())
        .filter(|name| !headings.contains(name))
        .collect();
    assert!(
        undocumented.is_empty(),
        "docs/contract.md has no `## name` section for {undocumented:?}"
    );
    // Every offline tool of the core is among them.
    let listed: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for name in piapi_billing::tools::names() {
        assert!(listed.contains(&name), "the core's {name} is not served");
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("contract-doc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
