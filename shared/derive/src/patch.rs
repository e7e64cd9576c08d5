//! `#[derive(Patch)]`: the overlay mirror of a struct, every field optional.
//!
//! `#[patch(name = "EntryPatch")]` on the struct names the mirror; `#[patch(key)]` marks the
//! one field that identifies what is patched and stays required. In the mirror an absent field
//! leaves the base value, and a nullable (`Option`) field becomes doubly optional so that an
//! explicit `null` clears it. The mirror reads, writes and documents itself from the same
//! declaration, so a field added to the struct is patchable with no other edit.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, DeriveInput, Ident, LitStr};

use crate::shape::{Body, Field, Shape, names};

pub fn expand(input: &DeriveInput, shape: &Shape) -> syn::Result<TokenStream> {
    let Body::Struct(fields) = &shape.body else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "Patch needs a struct",
        ));
    };
    let (patch, key) = patch_attrs(input)?;
    let key_field = fields
        .iter()
        .find(|f| f.ident == key)
        .ok_or_else(|| syn::Error::new_spanned(&key, "no such field"))?;
    let rest: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.skip && f.ident != key)
        .collect();
    let base = &shape.ident;
    let declared = declaration(&patch, base, key_field, &rest);
    let methods = methods(&patch, base, fields, &key);
    let reader = reader(&patch, key_field, &rest);
    Ok(quote!(#declared #methods #reader))
}

fn patch_attrs(input: &DeriveInput) -> syn::Result<(Ident, Ident)> {
    let mut name = None;
    let mut key = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("patch")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                name = Some(meta.value()?.parse::<LitStr>()?.parse::<Ident>()?);
                Ok(())
            } else {
                Err(meta.error("expected `name = \"…\"`"))
            }
        })?;
    }
    if let syn::Data::Struct(s) = &input.data {
        for f in &s.fields {
            if f.attrs
                .iter()
                .any(|a: &Attribute| a.path().is_ident("patch"))
            {
                key = f.ident.clone();
            }
        }
    }
    match (name, key) {
        (Some(n), Some(k)) => Ok((n, k)),
        _ => Err(syn::Error::new_spanned(
            &input.ident,
            "Patch needs #[patch(name = \"…\")] on the struct and #[patch(key)] on one field",
        )),
    }
}

/// The mirror's type in a patch: `Option<T>`, or `Option<Option<T>>` for a nullable field.
fn patched(f: &Field) -> TokenStream {
    let ty = &f.ty;
    quote!(::core::option::Option<#ty>)
}

fn declaration(patch: &Ident, base: &Ident, key: &Field, rest: &[&Field]) -> TokenStream {
    let doc = format!(
        "A change to one [`{base}`]: `{}` names it, every other field given replaces the base's \
         value, and `null` clears a nullable one. Generated from [`{base}`] by `#[derive(Patch)]`.",
        key.name
    );
    let (key_ident, key_ty, key_docs) = (&key.ident, &key.ty, &key.docs);
    let fields = rest.iter().map(|f| {
        let (ident, docs, ty) = (&f.ident, &f.docs, patched(f));
        let rename = (f.ident != f.name.as_str()).then(|| {
            let name = &f.name;
            quote!(#[serde(rename = #name)])
        });
        quote! {
            #(#docs)*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #rename
            pub #ident: #ty,
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize, ::schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct #patch {
            #(#key_docs)*
            pub #key_ident: #key_ty,
            #(#fields)*
        }
    }
}

fn methods(patch: &Ident, base: &Ident, fields: &[Field], key: &Ident) -> TokenStream {
    let applied = fields.iter().map(|f| {
        let ident = &f.ident;
        if f.skip {
            quote!(#ident: ::core::default::Default::default())
        } else if f.ident == *key {
            quote!(#ident: self.#ident)
        } else {
            quote!(#ident: match self.#ident {
                ::core::option::Option::Some(v) => v,
                ::core::option::Option::None => base.#ident.clone(),
            })
        }
    });
    let completed = fields.iter().map(|f| {
        let (ident, name) = (&f.ident, &f.name);
        if f.skip {
            return quote!(#ident: ::core::default::Default::default());
        }
        if f.ident == *key {
            return quote!(#ident: self.#ident);
        }
        match f.absent.value() {
            Some(absent) => quote!(#ident: match self.#ident {
                ::core::option::Option::Some(v) => v,
                ::core::option::Option::None => #absent,
            }),
            None => quote!(#ident: self.#ident.ok_or_else(|| missing(#name))?),
        }
    });
    quote! {
        impl #patch {
            /// The base with this patch's fields laid over it.
            pub fn apply(self, base: &#base) -> #base {
                #base { #(#applied),* }
            }

            /// A whole value, when the patch gives every field the type requires;
            /// `missing` words the error for the first one it lacks.
            pub fn complete(
                self,
                missing: impl Fn(&str) -> ::piapi_billing::Error,
            ) -> ::core::result::Result<#base, ::piapi_billing::Error> {
                ::core::result::Result::Ok(#base { #(#completed),* })
            }
        }
    }
}

fn reader(patch: &Ident, key: &Field, rest: &[&Field]) -> TokenStream {
    let mut all: Vec<&str> = vec![key.name.as_str()];
    all.extend(rest.iter().map(|f| f.name.as_str()));
    let list = names(&all);
    let key_slot = format_ident!("__{}", key.ident);
    let (key_ident, key_name) = (&key.ident, &key.name);
    let arms = rest.iter().enumerate().map(|(i, f)| {
        let ident = &f.ident;
        let index = i + 1;
        let pattern = if index + 1 == all.len() {
            quote!(_)
        } else {
            quote!(#index)
        };
        quote!(#pattern => r.slot(&mut p.#ident),)
    });
    quote! {
        impl ::piapi_billing::json::FromJson for #patch {
            fn read(
                r: &mut ::piapi_billing::json::Reader<'_>,
            ) -> ::core::result::Result<Self, ::piapi_billing::Error> {
                let mut #key_slot = ::core::option::Option::None;
                let mut p = #patch::default();
                r.fields(#list, |r, i| match i {
                    0 => r.slot(&mut #key_slot),
                    #(#arms)*
                })?;
                p.#key_ident = r.need(#key_slot, #key_name)?;
                ::core::result::Result::Ok(p)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #patch {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                ::piapi_billing::json::deserialize(d)
            }
        }
    }
}
