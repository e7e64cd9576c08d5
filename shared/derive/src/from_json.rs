//! `#[derive(FromJson)]`: a reader over the core's one pull parser, from the type's shape.
//!
//! The generated code is what a careful hand would write: one `fields` walk per object with
//! the field's position as the key (no string matching after the walk), required fields
//! checked in declaration order, and absent optional fields given their declared default.
//! Messages come from the parser (`unknown field`, `missing field`, `invalid type`), so every
//! type words its errors alike.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::shape::{Body, Field, Shape, Variant, names};

pub fn expand(shape: &Shape) -> TokenStream {
    let ident = &shape.ident;
    let body = match &shape.body {
        Body::Struct(fields) => read_fields(quote!(#ident), fields, None),
        Body::UnitEnum(variants) => unit_enum(ident, variants),
        Body::TaggedEnum { tag, variants } => tagged_enum(ident, tag, variants),
    };
    let names = match &shape.body {
        Body::UnitEnum(variants) => unit_names(ident, variants),
        _ => quote!(),
    };
    quote! {
        #names

        impl ::piapi_billing::json::FromJson for #ident {
            fn read(
                r: &mut ::piapi_billing::json::Reader<'_>,
            ) -> ::core::result::Result<Self, ::piapi_billing::Error> {
                #body
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                ::piapi_billing::json::deserialize(d)
            }
        }
    }
}

/// Reads an object into `path { fields }`; with `tag`, the object also carries that field,
/// which was read before and is skipped here.
pub fn read_fields(path: TokenStream, fields: &[Field], tag: Option<&str>) -> TokenStream {
    let read: Vec<&Field> = fields.iter().filter(|f| !f.skip).collect();
    let mut json_names: Vec<&str> = tag.into_iter().collect();
    json_names.extend(read.iter().map(|f| f.name.as_str()));
    let list = names(&json_names);
    let slots: Vec<_> = read
        .iter()
        .map(|f| format_ident!("__{}", f.ident))
        .collect();
    let types = read.iter().map(|f| &f.ty);
    let offset = usize::from(tag.is_some());
    let mut arms: Vec<TokenStream> = Vec::new();
    if tag.is_some() {
        arms.push(quote!(0 => r.skip()?,));
    }
    for (i, slot) in slots.iter().enumerate() {
        let index = i + offset;
        let pattern = if index + 1 == json_names.len() {
            quote!(_)
        } else {
            quote!(#index)
        };
        arms.push(quote!(#pattern => #slot = ::core::option::Option::Some(
            ::piapi_billing::json::FromJson::read(r)?
        ),));
    }
    let walk = if json_names.is_empty() {
        quote!(r.fields(&[], |_, _| ::core::result::Result::Ok(()))?;)
    } else {
        quote! {
            r.fields(#list, |r, i| {
                match i { #(#arms)* }
                ::core::result::Result::Ok(())
            })?;
        }
    };
    let values = fields.iter().map(|f| {
        let ident = &f.ident;
        if f.skip {
            return quote!(#ident: ::core::default::Default::default());
        }
        let slot = format_ident!("__{}", f.ident);
        let name = &f.name;
        match f.absent.value() {
            Some(absent) => quote!(#ident: match #slot {
                ::core::option::Option::Some(v) => v,
                ::core::option::Option::None => #absent,
            }),
            None => quote!(#ident: r.need(#slot, #name)?),
        }
    });
    quote! {
        #(let mut #slots: ::core::option::Option<#types> = ::core::option::Option::None;)*
        #walk
        ::core::result::Result::Ok(#path { #(#values),* })
    }
}

/// `as_str` and `ALL` for a unit enum, from the same names the reader accepts.
fn unit_names(ident: &syn::Ident, variants: &[Variant]) -> TokenStream {
    let arms = variants.iter().map(|v| {
        let (name, var) = (&v.name, &v.ident);
        quote!(#ident::#var => #name,)
    });
    let all = variants.iter().map(|v| {
        let var = &v.ident;
        quote!(#ident::#var)
    });
    let count = variants.len();
    quote! {
        impl #ident {
            /// Every variant, in declaration order.
            pub const ALL: [#ident; #count] = [#(#all),*];

            /// The variant's name in JSON.
            pub const fn as_str(self) -> &'static str {
                match self { #(#arms)* }
            }
        }
    }
}

fn unit_enum(ident: &syn::Ident, variants: &[Variant]) -> TokenStream {
    let pairs = variants.iter().map(|v| {
        let (name, var) = (&v.name, &v.ident);
        quote!((#name, #ident::#var))
    });
    quote!(r.variant(&[#(#pairs),*]))
}

fn tagged_enum(ident: &syn::Ident, tag: &str, variants: &[Variant]) -> TokenStream {
    let kinds: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let kinds = names(&kinds);
    let arms = variants.iter().map(|v| {
        let (name, var) = (&v.name, &v.ident);
        let read = match &v.fields {
            Some(fields) => read_fields(quote!(#ident::#var), fields, Some(tag)),
            None => quote! {
                r.fields(&[#tag], |r, _| r.skip())?;
                ::core::result::Result::Ok(#ident::#var)
            },
        };
        quote!(#name => { #read })
    });
    let missing = format!("missing field `{tag}`");
    quote! {
        let ::core::option::Option::Some(kind) = r.peek_tag(#tag)? else {
            return ::core::result::Result::Err(r.error(#missing));
        };
        match &*kind {
            #(#arms)*
            other => ::core::result::Result::Err(r.unknown_tag(#tag, other, #kinds)),
        }
    }
}
