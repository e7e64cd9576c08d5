//! Generated files are fresh: each is regenerated from its source and compared with the
//! committed copy. A stale copy is rewritten and the test fails, so running the tests once
//! updates the file and the next run (and CI, on the committed tree) passes. This is how
//! rust-analyzer keeps its generated code honest.

use std::path::Path;

use piapi_billing::catalog::{BUILTIN_JSON, encode_builtin};
use piapi_billing::json;
use piapi_billing::model::CatalogFile;

/// Rewrites `path` (relative to this crate) when its contents differ from `fresh`, and fails.
fn ensure_file_contents(path: &str, fresh: &[u8]) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::fs::read(&full).ok().as_deref() == Some(fresh) {
        return;
    }
    std::fs::write(&full, fresh).unwrap_or_else(|e| panic!("writing {}: {e}", full.display()));
    panic!(
        "{path} was not up to date and has been regenerated: rebuild, re-run the tests and commit it"
    );
}

/// `catalog/builtin.bin` is the compact form of `catalog/builtin.json` as it is now.
#[test]
fn the_compiled_in_catalog_is_generated_from_its_json() {
    let file: CatalogFile =
        json::from_static_str(BUILTIN_JSON).expect("the built-in catalog reads");
    ensure_file_contents("catalog/builtin.bin", &encode_builtin(&file, BUILTIN_JSON));
}
