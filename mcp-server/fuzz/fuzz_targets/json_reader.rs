//! Any bytes as JSON arguments: the core's reader never panics, agrees with serde_json on what
//! is JSON (and reads the same value), and every offline tool answers or refuses — never a
//! panic — on whatever the reader accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piapi_billing::{Billing, json, tools};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = json::from_str::<Value>(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the readers read different values"),
        // serde_json's recursion limit (128) is its own; ours refuses deep nesting too.
        (Err(e), Ok(_)) => assert!(e.message.contains("nesting too deep"), "{}", e.message),
        (Ok(_), Err(e)) => panic!("the core read what serde_json refuses: {e}"),
        (Err(_), Err(_)) => {}
    }
    let billing = Billing::new();
    for tool in tools::names() {
        let _ = tools::run(&billing, tool, text);
    }
});
