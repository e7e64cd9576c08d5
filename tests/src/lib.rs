//! Golden vectors: the answers every front end must give, byte for byte after key sorting.
//!
//! Each file in `tests/golden/` is `{"cases": [{name, tool, args, check, expected}]}`.
//! `expected` is the whole result (or `{"error": {code, message}}` for a refused call);
//! `check` holds the figures worked out by hand from the facts, so that regenerating
//! `expected` can never silently bless a wrong price: a regenerated result must still contain
//! every value in `check`.

pub mod account;

use std::path::{Path, PathBuf};

use piapi_billing::Billing;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Case {
    pub name: String,
    pub tool: String,
    pub args: Value,
    /// The arithmetic behind `check`, worked by hand from the cited page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worked: Option<String>,
    /// The page the figures of `check` come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub check: Value,
    pub expected: Value,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct GoldenFile {
    pub cases: Vec<Case>,
}

/// The directory holding the golden vectors.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// Every golden file, sorted by name, with its cases.
pub fn load_all() -> Vec<(PathBuf, GoldenFile)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable golden file");
            let file: GoldenFile =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, file)
        })
        .collect()
}

/// What the core answers for a case, in the golden shape: through the core's tool table, from
/// the arguments' JSON text, as the WebAssembly module and the stdio fast path run it.
pub fn run_core(billing: &Billing, case: &Case) -> Value {
    match piapi_billing::tools::run(billing, &case.tool, &case.args.to_string()) {
        Ok(answer) => serde_json::to_value(answer).unwrap_or(Value::Null),
        Err(e) => json!({"error": {"code": e.code(), "message": e.message}}),
    }
}

/// True when every value in `want` is present in `got` (objects by key, arrays by position).
pub fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        (Value::Array(g), Value::Array(w)) => {
            w.len() <= g.len() && w.iter().zip(g).all(|(wv, gv)| contains(gv, wv))
        }
        (g, w) => g == w,
    }
}

/// Explains the first place where `got` lacks something of `want`.
pub fn first_mismatch(got: &Value, want: &Value, path: &str) -> Option<String> {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w.iter().find_map(|(k, wv)| match g.get(k) {
            Some(gv) => first_mismatch(gv, wv, &format!("{path}.{k}")),
            None => Some(format!("{path}.{k} is missing")),
        }),
        (Value::Array(g), Value::Array(w)) => {
            if w.len() > g.len() {
                return Some(format!(
                    "{path} has {} items, wanted at least {}",
                    g.len(),
                    w.len()
                ));
            }
            w.iter()
                .zip(g)
                .enumerate()
                .find_map(|(i, (wv, gv))| first_mismatch(gv, wv, &format!("{path}[{i}]")))
        }
        (g, w) if g == w => None,
        (g, w) => Some(format!("{path} is {g}, wanted {w}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_is_a_subset_match() {
        let got = json!({"a": 1, "b": [{"x": 1, "y": 2}, {"x": 3}], "c": "s"});
        assert!(contains(&got, &json!({"b": [{"x": 1}]})));
        assert!(contains(&got, &json!({})));
        assert!(!contains(&got, &json!({"a": 2})));
        assert!(!contains(
            &got,
            &json!({"b": [{"x": 1}, {"x": 3}, {"x": 5}]})
        ));
        assert!(!contains(&got, &json!({"d": null})));
        assert_eq!(
            first_mismatch(&got, &json!({"b": [{"y": 3}]}), "$").unwrap(),
            "$.b[0].y is 2, wanted 3"
        );
    }
}
