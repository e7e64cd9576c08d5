//! `#[derive(Compact)]`: the type's compact binary form, for data compiled into the program.
//!
//! Fields are written in declaration order with no names, variants by their position, so the
//! form is as small as the data and reading it is a straight walk; it is only ever read by the
//! build that wrote it (a shape fingerprint guards that), never exchanged.

use proc_macro2::TokenStream;
use quote::quote;

use crate::shape::{Body, Field, Shape};

pub fn expand(shape: &Shape) -> TokenStream {
    let ident = &shape.ident;
    let (encode, decode, shape_text) = match &shape.body {
        Body::Struct(fields) => {
            let (e, d) = struct_body(quote!(#ident), fields, true);
            (e, d, describe(fields))
        }
        Body::UnitEnum(variants) | Body::TaggedEnum { variants, .. } => {
            let mut enc = Vec::new();
            let mut dec = Vec::new();
            let mut text = String::new();
            for (i, v) in variants.iter().enumerate() {
                let var = &v.ident;
                let index = i as u64;
                text.push_str(&v.name);
                match &v.fields {
                    None => {
                        enc.push(
                            quote!(#ident::#var => ::piapi_billing::compact::put_u64(out, #index),),
                        );
                        dec.push((index, quote!(#ident::#var)));
                    }
                    Some(fields) => {
                        let names: Vec<_> = fields
                            .iter()
                            .filter(|f| !f.skip)
                            .map(|f| &f.ident)
                            .collect();
                        let (e, d) = struct_body(quote!(#ident::#var), fields, false);
                        enc.push(quote!(#ident::#var { #(#names,)* .. } => {
                            ::piapi_billing::compact::put_u64(out, #index);
                            #e
                        }));
                        dec.push((index, quote!({ #d })));
                        text.push_str(&describe(fields));
                    }
                }
                text.push('|');
            }
            let encode = quote!(match self { #(#enc)* });
            // An unknown index is recorded on the cursor, and the last variant stands in, its
            // fields read as empty from the failed cursor: the match has no other way out.
            let (last_index, last) = dec.pop().expect("an enum has variants");
            let arms = dec.iter().map(|(i, d)| quote!(#i => #d,));
            let decode = quote! {
                match ::piapi_billing::compact::get_u64(r) {
                    #(#arms)*
                    #last_index => #last,
                    _ => {
                        r.fail("unknown variant");
                        #last
                    }
                }
            };
            (encode, decode, text)
        }
    };
    let fields_of = field_types(&shape.body);
    quote! {
        impl ::piapi_billing::compact::Compact for #ident {
            const SHAPE: u64 = ::piapi_billing::compact::fingerprint(#shape_text, &[#(<#fields_of as ::piapi_billing::compact::Compact>::SHAPE),*]);

            fn encode(&self, out: &mut ::std::vec::Vec<u8>) {
                #encode
            }

            fn decode(r: &mut ::piapi_billing::compact::Cursor) -> Self {
                #decode
            }
        }
    }
}

/// Field names in order: part of the shape fingerprint.
fn describe(fields: &[Field]) -> String {
    fields
        .iter()
        .filter(|f| !f.skip)
        .map(|f| format!("{},", f.name))
        .collect()
}

fn field_types(body: &Body) -> Vec<&syn::Type> {
    let fields: Box<dyn Iterator<Item = &Field>> = match body {
        Body::Struct(fields) => Box::new(fields.iter()),
        Body::UnitEnum(_) => Box::new(std::iter::empty()),
        Body::TaggedEnum { variants, .. } => {
            Box::new(variants.iter().flat_map(|v| v.fields.iter().flatten()))
        }
    };
    fields.filter(|f| !f.skip).map(|f| &f.ty).collect()
}

/// Encoding and decoding of `path { fields }`: fields of `self` for a struct, or of an enum
/// variant whose fields are bound by name (as references) in a `match`.
fn struct_body(path: TokenStream, fields: &[Field], of_self: bool) -> (TokenStream, TokenStream) {
    let encode = fields.iter().filter(|f| !f.skip).map(|f| {
        let ident = &f.ident;
        let value = if of_self {
            quote!(&self.#ident)
        } else {
            quote!(#ident)
        };
        quote!(::piapi_billing::compact::Compact::encode(#value, out);)
    });
    let decode = fields.iter().map(|f| {
        let ident = &f.ident;
        if f.skip {
            quote!(#ident: ::core::default::Default::default())
        } else {
            quote!(#ident: ::piapi_billing::compact::Compact::decode(r))
        }
    });
    (quote!(#(#encode)*), quote!(#path { #(#decode),* }))
}
