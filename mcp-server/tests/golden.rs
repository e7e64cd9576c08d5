//! Every golden vector of `tests/golden/` through the real binary's MCP tools, in one process:
//! a success must come back as exactly the expected `structuredContent`, a refused call as an
//! `isError` result whose text is exactly the expected message.

mod common;

use common::{call, stdio_client, texts};
use piapi_billing_tests::load_all;
use serde_json::Value;

#[tokio::test]
async fn every_golden_vector_passes_through_the_mcp_tools() {
    let (client, _) = stdio_client(&[]).await;
    let mut cases = 0;
    let mut failures = Vec::new();
    for (path, file) in load_all() {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for case in &file.cases {
            cases += 1;
            let name = format!("{file_name} / {}", case.name);
            let tool = case.tool.as_str();
            let result = call(&client, tool, case.args.clone()).await;
            let expected = &case.expected;
            match expected.get("error") {
                Some(error) => {
                    let want = error["message"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{name}: no message"));
                    if result.is_error != Some(true)
                        || texts(&result) != want
                        || result.structured_content.is_some()
                    {
                        failures.push(format!(
                            "{name}: expected tool error {want:?}, got isError={:?} text={:?}",
                            result.is_error,
                            texts(&result)
                        ));
                    }
                }
                None => {
                    let got = result.structured_content.clone().unwrap_or(Value::Null);
                    if result.is_error == Some(true) || &got != expected {
                        failures.push(format!(
                            "{name}: isError={:?}\n  expected {expected}\n  got      {got}\n  text     {}",
                            result.is_error,
                            texts(&result)
                        ));
                    } else if serde_json::from_str::<Value>(&texts(&result)).ok().as_ref()
                        != Some(&got)
                    {
                        failures.push(format!(
                            "{name}: the text copy differs from structuredContent"
                        ));
                    }
                }
            }
        }
    }
    client.cancel().await.expect("close");
    assert!(cases > 0, "tests/golden holds no cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{cases} golden cases passed through MCP");
}
