//! `#[derive(ToJson)]`: the type's JSON text, written straight into a byte buffer.
//!
//! The generated code writes each key with the punctuation around it as one constant
//! (`,"model":`), then the field's value, so an object costs one copy per field and no
//! dispatch on a serializer's state. It honours the same serde attributes serde's `Serialize`
//! derive reads (`rename_all`, `rename`, `tag`, `skip`, `skip_serializing_if`), and a test in
//! the core holds the two to the same text, byte for byte, on every result.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitByteStr;

use crate::shape::{Body, Field, Shape, Variant};

pub fn expand(shape: &Shape) -> TokenStream {
    let ident = &shape.ident;
    let body = match &shape.body {
        Body::Struct(fields) => {
            let bindings = fields.iter().filter(|f| !f.skip).map(|f| {
                let name = &f.ident;
                quote!(let #name = &self.#name;)
            });
            let object = object(fields, None);
            quote!(#(#bindings)* #object)
        }
        Body::UnitEnum(variants) => unit_enum(ident, variants),
        Body::TaggedEnum { tag, variants } => tagged_enum(ident, tag, variants),
    };
    quote! {
        impl ::piapi_billing::json::ToJson for #ident {
            fn write_json(&self, out: &mut ::std::vec::Vec<u8>) {
                #body
            }
        }
    }
}

fn bytes(text: &str) -> LitByteStr {
    LitByteStr::new(text.as_bytes(), proc_macro2::Span::call_site())
}

/// The JSON text of a key with its quotes and colon (names need no escaping: they are Rust
/// identifiers or `rename`s, which the derive refuses when they would).
fn key(name: &str) -> String {
    assert!(
        !name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20),
        "field name {name:?} would need escaping"
    );
    format!("\"{name}\":")
}

/// Writes `{ fields }`, the fields bound by name (as references); with `tag`, the object starts
/// with `"tag":"variant"`.
fn object(fields: &[Field], tag: Option<(&str, &str)>) -> TokenStream {
    // Whether something was certainly written before the field, certainly not, or maybe (a
    // field left out by its condition): the comma is a constant in the first two cases.
    #[derive(PartialEq)]
    enum Before {
        Nothing,
        Something,
        Maybe,
    }
    let mut before = Before::Nothing;
    let mut open = String::from("{");
    if let Some((tag, variant)) = tag {
        open.push_str(&key(tag));
        open.push_str(&format!("\"{variant}\""));
        before = Before::Something;
    }
    let mut steps: Vec<TokenStream> = Vec::new();
    let mut pending = open;
    let mut flag_used = false;
    for f in fields.iter().filter(|f| !f.skip) {
        let name = &f.ident;
        let write = quote!(::piapi_billing::json::ToJson::write_json(#name, out););
        let Some(cond) = &f.skip_if else {
            // An unconditional field: its key joins any constant text still pending.
            match before {
                Before::Nothing => pending.push_str(&key(&f.name)),
                Before::Something => {
                    pending.push(',');
                    pending.push_str(&key(&f.name));
                }
                Before::Maybe => {
                    flush(&mut steps, &mut pending);
                    let k = bytes(&key(&f.name));
                    steps.push(quote!(::piapi_billing::json::write::key(out, &mut __first, #k);));
                    flag_used = true;
                }
            }
            flush(&mut steps, &mut pending);
            steps.push(write);
            // Written for certain now: later fields' commas are constants again.
            before = Before::Something;
            continue;
        };
        flush(&mut steps, &mut pending);
        let put_key = match before {
            Before::Something => {
                let k = bytes(&format!(",{}", key(&f.name)));
                quote!(::piapi_billing::json::write::raw(out, #k);)
            }
            Before::Nothing | Before::Maybe => {
                flag_used = true;
                let k = bytes(&key(&f.name));
                quote!(::piapi_billing::json::write::key(out, &mut __first, #k);)
            }
        };
        steps.push(quote! {
            if !#cond(#name) {
                #put_key
                #write
            }
        });
        if before == Before::Nothing {
            before = Before::Maybe;
        }
    }
    pending.push('}');
    flush(&mut steps, &mut pending);
    let flag = if flag_used {
        quote!(let mut __first = true;)
    } else {
        quote!()
    };
    quote!(#flag #(#steps)*)
}

/// Emits the constant text gathered so far as one copy.
fn flush(steps: &mut Vec<TokenStream>, pending: &mut String) {
    if !pending.is_empty() {
        let text = bytes(pending);
        steps.push(quote!(::piapi_billing::json::write::raw(out, #text);));
        pending.clear();
    }
}

fn unit_enum(ident: &syn::Ident, variants: &[Variant]) -> TokenStream {
    let arms = variants.iter().map(|v| {
        let var = &v.ident;
        let text = bytes(&format!("\"{}\"", v.name));
        quote!(#ident::#var => #text,)
    });
    quote! {
        let text: &[u8] = match self { #(#arms)* };
        ::piapi_billing::json::write::raw(out, text);
    }
}

fn tagged_enum(ident: &syn::Ident, tag: &str, variants: &[Variant]) -> TokenStream {
    let arms = variants.iter().map(|v| {
        let var = &v.ident;
        match &v.fields {
            None => {
                let text = bytes(&format!("{{{}\"{}\"}}", key(tag), v.name));
                quote!(#ident::#var => ::piapi_billing::json::write::raw(out, #text),)
            }
            Some(fields) => {
                let names: Vec<_> = fields
                    .iter()
                    .filter(|f| !f.skip)
                    .map(|f| format_ident!("{}", f.ident))
                    .collect();
                let object = object(fields, Some((tag, &v.name)));
                quote!(#ident::#var { #(#names,)* .. } => { #object })
            }
        }
    });
    quote!(match self { #(#arms)* })
}
