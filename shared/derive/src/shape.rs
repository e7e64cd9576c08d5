//! A type's JSON shape, read once from its declaration and its `#[serde(...)]` attributes.
//!
//! Every macro of this crate works from this one reading, so the reader, the overlay patch and
//! the compact codec cannot disagree with each other or with serde's `Serialize` (which reads
//! the same attributes) about a field's name, whether it is required, or its default.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr, Type};

/// What a field takes when the JSON leaves it out.
pub enum Absent {
    /// The field is required.
    Required,
    /// `None`: an `Option` field with no `default` attribute (serde's own rule).
    NoneValue,
    /// `#[serde(default)]`: `Default::default()`.
    Default,
    /// `#[serde(default = "path")]`: a call of that function.
    Call(syn::ExprPath),
}

impl Absent {
    /// The expression of the value an absent field takes, when it may be absent.
    pub fn value(&self) -> Option<TokenStream> {
        match self {
            Absent::Required => None,
            Absent::NoneValue => Some(quote!(::core::option::Option::None)),
            Absent::Default => Some(quote!(::core::default::Default::default())),
            Absent::Call(path) => Some(quote!(#path())),
        }
    }
}

/// One named field.
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    /// Its name in JSON.
    pub name: String,
    pub absent: Absent,
    /// `#[serde(skip)]`: never read or written; `Default` when built.
    pub skip: bool,
    /// `#[serde(skip_serializing_if = "path")]`: left out of the written object when
    /// `path(&field)` holds.
    pub skip_if: Option<syn::ExprPath>,
    /// Its doc comments, carried onto generated mirrors.
    pub docs: Vec<Attribute>,
}

/// One enum variant.
pub struct Variant {
    pub ident: Ident,
    /// Its name in JSON.
    pub name: String,
    /// `None` for a unit variant.
    pub fields: Option<Vec<Field>>,
}

pub enum Body {
    Struct(Vec<Field>),
    /// Unit variants only: a JSON string.
    UnitEnum(Vec<Variant>),
    /// `#[serde(tag = "…")]`: an object whose `tag` field names the variant.
    TaggedEnum {
        tag: String,
        variants: Vec<Variant>,
    },
}

pub struct Shape {
    pub ident: Ident,
    pub body: Body,
}

#[derive(Default)]
struct ContainerAttrs {
    rename_all: Option<String>,
    tag: Option<String>,
}

pub fn read(input: &DeriveInput) -> syn::Result<Shape> {
    let container = container_attrs(&input.attrs)?;
    let rename = |ident: &Ident| rename(&ident.to_string(), container.rename_all.as_deref());
    let body = match &input.data {
        Data::Struct(s) => Body::Struct(fields(&s.fields)?),
        Data::Enum(e) => {
            let mut variants = Vec::new();
            for v in &e.variants {
                let explicit = field_attrs(&v.attrs)?.rename;
                let fields = match &v.fields {
                    Fields::Unit => None,
                    f @ Fields::Named(_) => Some(fields(f)?),
                    Fields::Unnamed(_) => {
                        return Err(syn::Error::new_spanned(
                            v,
                            "tuple variants are not supported",
                        ));
                    }
                };
                variants.push(Variant {
                    name: explicit.unwrap_or_else(|| rename(&v.ident)),
                    ident: v.ident.clone(),
                    fields,
                });
            }
            match container.tag {
                Some(tag) => Body::TaggedEnum { tag, variants },
                None if variants.iter().all(|v| v.fields.is_none()) => Body::UnitEnum(variants),
                None => {
                    return Err(syn::Error::new_spanned(
                        &input.ident,
                        "an enum with fields needs #[serde(tag = \"…\")]",
                    ));
                }
            }
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "unions are not supported",
            ));
        }
    };
    Ok(Shape {
        ident: input.ident.clone(),
        body,
    })
}

fn fields(fields: &Fields) -> syn::Result<Vec<Field>> {
    let Fields::Named(named) = fields else {
        return Err(syn::Error::new_spanned(
            fields,
            "only named fields are supported",
        ));
    };
    let mut out = Vec::new();
    for f in &named.named {
        let attrs = field_attrs(&f.attrs)?;
        let ident = f.ident.clone().expect("named field");
        let is_option = is_option(&f.ty);
        let absent = match (attrs.default, is_option) {
            (Some(None), _) => Absent::Default,
            (Some(Some(path)), _) => Absent::Call(path),
            (None, true) => Absent::NoneValue,
            (None, false) => Absent::Required,
        };
        out.push(Field {
            name: attrs.rename.unwrap_or_else(|| ident.to_string()),
            ident,
            ty: f.ty.clone(),
            absent,
            skip: attrs.skip,
            skip_if: attrs.skip_if,
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect(),
        });
    }
    Ok(out)
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => {
            p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        _ => false,
    }
}

fn container_attrs(attrs: &[Attribute]) -> syn::Result<ContainerAttrs> {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                out.rename_all = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("tag") {
                out.tag = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("untagged") || meta.path.is_ident("content") {
                return Err(meta.error("not supported by the JSON reader"));
            } else if meta.input.peek(syn::Token![=]) {
                // Attributes that only concern writing or schemas.
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    /// `Some(None)` for a bare `default`, `Some(Some(path))` for `default = "path"`.
    default: Option<Option<syn::ExprPath>>,
    skip: bool,
    skip_if: Option<syn::ExprPath>,
}

fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                out.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("default") {
                out.default = Some(if meta.input.peek(syn::Token![=]) {
                    Some(meta.value()?.parse::<LitStr>()?.parse()?)
                } else {
                    None
                });
            } else if meta.path.is_ident("skip") {
                out.skip = true;
            } else if meta.path.is_ident("skip_serializing_if") {
                out.skip_if = Some(meta.value()?.parse::<LitStr>()?.parse()?);
            } else if meta.path.is_ident("flatten")
                || meta.path.is_ident("serialize_with")
                || meta.path.is_ident("skip_serializing")
                || meta.path.is_ident("deserialize_with")
                || meta.path.is_ident("with")
                || meta.path.is_ident("alias")
            {
                return Err(
                    meta.error("not supported by the JSON reader: declare the shape plainly")
                );
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// A Rust identifier in serde's `rename_all` case.
fn rename(ident: &str, rule: Option<&str>) -> String {
    let words = words(ident);
    match rule {
        None => ident.to_string(),
        Some("lowercase") => ident.to_lowercase(),
        Some("UPPERCASE") => ident.to_uppercase(),
        Some("snake_case") => words.join("_"),
        Some("kebab-case") => words.join("-"),
        Some("SCREAMING_SNAKE_CASE") => words.join("_").to_uppercase(),
        Some(other) => panic!("rename_all = \"{other}\" is not supported"),
    }
}

/// The lower-case words of a PascalCase or snake_case identifier.
fn words(ident: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for part in ident.split('_').filter(|p| !p.is_empty()) {
        let mut current = String::new();
        for c in part.chars() {
            if c.is_uppercase() && !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            current.extend(c.to_lowercase());
        }
        if !current.is_empty() {
            words.push(current);
        }
    }
    words
}

/// A `&[&str]` literal of the names.
pub fn names(names: &[&str]) -> TokenStream {
    let lits = names.iter().map(|n| LitStr::new(n, Span::call_site()));
    quote!(&[#(#lits),*])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_like_serde() {
        assert_eq!(rename("ThirdParty", Some("kebab-case")), "third-party");
        assert_eq!(rename("FiveSeconds", Some("snake_case")), "five_seconds");
        assert_eq!(
            rename("InsufficientCredits", Some("lowercase")),
            "insufficientcredits"
        );
        assert_eq!(rename("Payg", Some("lowercase")), "payg");
    }
}
