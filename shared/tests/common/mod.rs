// Shared helpers for the core's integration tests.
#![allow(dead_code)]

use piapi_billing::Billing;
use serde_json::{Value, json};

/// Runs an offline tool through the core's tool table, as every front end does.
pub fn try_call(tool: &str, args: Value) -> Result<Value, piapi_billing::Error> {
    Billing::new().call(tool, args)
}

pub fn call(tool: &str, args: Value) -> Value {
    try_call(tool, args).unwrap_or_else(|e| panic!("{tool} failed: {e}"))
}

pub fn call_err(tool: &str, args: Value) -> piapi_billing::Error {
    match try_call(tool, args) {
        Ok(v) => panic!("{tool} should fail, got {v}"),
        Err(e) => e,
    }
}

/// Estimate of a single task.
pub fn one(task: Value) -> Value {
    call("estimate_cost", json!({ "tasks": [task] }))
}

pub fn line(task: Value) -> Value {
    let r = one(task);
    assert!(
        r["errors"].as_array().unwrap().is_empty(),
        "unexpected errors: {}",
        r["errors"]
    );
    r["lines"][0].clone()
}

pub fn line_error(task: Value) -> (String, String) {
    let r = one(task);
    assert!(
        r["lines"].as_array().unwrap().is_empty(),
        "expected no priced line: {}",
        r["lines"]
    );
    let e = &r["errors"][0];
    (
        e["code"].as_str().unwrap().to_string(),
        e["message"].as_str().unwrap().to_string(),
    )
}

/// `billing.call(tool, args)`: an offline tool by name on JSON arguments, through the core's
/// tool table, answered as a JSON value.
pub trait CallByName {
    fn call(&self, tool: &str, args: Value) -> Result<Value, piapi_billing::Error>;
}

impl CallByName for Billing {
    fn call(&self, tool: &str, args: Value) -> Result<Value, piapi_billing::Error> {
        let answer = piapi_billing::tools::run(self, tool, &args.to_string())?;
        Ok(serde_json::to_value(answer).expect("answers are JSON"))
    }
}
