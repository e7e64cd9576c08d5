//! Warns when the built-in catalog's JSON changed since its compact form was generated.
//!
//! `catalog/builtin.bin` is generated from `catalog/builtin.json` by the test
//! `tests/generated.rs` (which rewrites it and fails when it was stale). This script only
//! compares the JSON's hash with the one recorded in the blob's header, so an edited price
//! is flagged at the first build rather than at the first test run.

fn main() {
    const JSON: &str = "catalog/builtin.json";
    const BLOB: &str = "catalog/builtin.bin";
    println!("cargo:rerun-if-changed={JSON}");
    println!("cargo:rerun-if-changed={BLOB}");
    let (Ok(json), Ok(blob)) = (std::fs::read(JSON), std::fs::read(BLOB)) else {
        println!("cargo:warning={BLOB} or {JSON} is missing");
        return;
    };
    let recorded = blob
        .get(16..24)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    if recorded != Some(fnv(&json)) {
        println!(
            "cargo:warning={JSON} changed since {BLOB} was generated: run `cargo test -p piapi-billing --test generated` to regenerate it"
        );
    }
}

/// FNV-1a, as `catalog::json_hash` computes it.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}
