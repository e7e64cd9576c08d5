//! The raw `wasm-bindgen` exports. They speak envelope text (see [`crate::envelope`]); the JS
//! wrapper in `pkg/api.mjs` is the public API.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::{engine, envelope};

/// Runs an offline tool on JSON argument text; answers an envelope.
#[wasm_bindgen]
pub fn call(tool: &str, args_json: &str) -> String {
    let capacity = envelope::answer_capacity(args_json);
    envelope::encode(engine::call(tool, args_json), capacity)
}

/// Applies a price overlay (JSON text, or `null` to reset); answers an envelope of the
/// catalog info.
#[wasm_bindgen(js_name = setCatalog)]
pub fn set_catalog(overlay_json: &str) -> String {
    envelope::encode(engine::set_catalog(overlay_json), 256)
}

/// The catalog in use; answers an envelope of the catalog info.
#[wasm_bindgen(js_name = catalogInfo)]
pub fn catalog_info() -> String {
    envelope::encode(Ok(engine::catalog_info()), 256)
}

/// Linear memory in bytes, so tests can show that refused calls do not leak.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> usize {
    core::arch::wasm32::memory_size::<0>() * 65_536
}
