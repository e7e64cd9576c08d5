//! Derive macros of the `piapi-billing` core.
//!
//! Each contract and catalog type is declared once, as a Rust type with serde's attributes;
//! these macros generate everything else that used to restate its shape by hand:
//!
//! - [`FromJson`]: the reader over the core's pull parser (`piapi_billing::json`), honouring
//!   `rename_all`, `rename`, `tag`, `default`, `default = "…"` and `skip`, plus the serde
//!   `Deserialize` impl that delegates to it, so rmcp and the tests see the same behaviour;
//! - [`Patch`]: the overlay mirror of a struct with every field optional;
//! - [`Compact`]: the compact binary form the built-in catalog is compiled into;
//! - [`ToJson`]: the writer of results, keys and punctuation as constants, honouring the
//!   attributes serde's `Serialize` derive reads (`skip_serializing_if` among them).
//!
//! The generated code names `::piapi_billing`, which the core crate aliases to itself.

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

mod compact;
mod from_json;
mod patch;
mod shape;
mod to_json;

#[proc_macro_derive(FromJson, attributes(serde))]
pub fn derive_from_json(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match shape::read(&input) {
        Ok(shape) => from_json::expand(&shape).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[proc_macro_derive(Patch, attributes(serde, patch))]
pub fn derive_patch(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    shape::read(&input)
        .and_then(|shape| patch::expand(&input, &shape))
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

#[proc_macro_derive(Compact, attributes(serde))]
pub fn derive_compact(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match shape::read(&input) {
        Ok(shape) => compact::expand(&shape).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[proc_macro_derive(ToJson, attributes(serde))]
pub fn derive_to_json(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match shape::read(&input) {
        Ok(shape) => to_json::expand(&shape).into(),
        Err(e) => e.to_compile_error().into(),
    }
}
