//! `pkg/contract.d.ts` is generated from the contract's JSON Schemas, the same schemars schemas
//! the MCP server publishes for its tools, so the package's TypeScript types cannot drift from
//! the Rust types. The test regenerates the file and fails when the committed copy was stale
//! (it is rewritten then: re-run and commit).
//!
//! Argument types are read with schemars' deserialize settings (defaulted fields optional,
//! amounts `string | number`), results with its serialize settings (every field present,
//! amounts decimal strings). A definition reached from both sides with different meanings gets
//! an `Input` suffix on the argument side.

use std::collections::BTreeMap;
use std::path::Path;

use piapi_billing::model::OverlayFile;
use piapi_billing::{
    CatalogReport, CatalogReportArgs, EstimateArgs, EstimateResult, ListPricesArgs,
    ListPricesResult, NoArgs, PlansResult, PrecheckArgs, PrecheckResult, PriceInputs,
    PriceInputsArgs, QuoteTopUpArgs, TopUpQuote,
};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// Every offline tool of the core's table with its argument and result types.
fn tools() -> Vec<(&'static str, Root, Root)> {
    vec![
        (
            "estimate_cost",
            input::<EstimateArgs>(),
            output::<EstimateResult>(),
        ),
        (
            "precheck_credits",
            input::<PrecheckArgs>(),
            output::<PrecheckResult>(),
        ),
        ("list_plans", input::<NoArgs>(), output::<PlansResult>()),
        (
            "list_prices",
            input::<ListPricesArgs>(),
            output::<ListPricesResult>(),
        ),
        (
            "quote_top_up",
            input::<QuoteTopUpArgs>(),
            output::<TopUpQuote>(),
        ),
        (
            "price_inputs",
            input::<PriceInputsArgs>(),
            output::<PriceInputs>(),
        ),
        (
            "catalog_report",
            input::<CatalogReportArgs>(),
            output::<CatalogReport>(),
        ),
    ]
}

struct Root {
    name: String,
    schema: Value,
    is_input: bool,
}

fn input<T: JsonSchema>() -> Root {
    root::<T>(SchemaSettings::draft2020_12(), true)
}

fn output<T: JsonSchema>() -> Root {
    root::<T>(SchemaSettings::draft2020_12().for_serialize(), false)
}

fn root<T: JsonSchema>(settings: SchemaSettings, is_input: bool) -> Root {
    Root {
        name: T::schema_name().into_owned(),
        schema: settings
            .into_generator()
            .into_root_schema_for::<T>()
            .to_value(),
        is_input,
    }
}

/// Named TypeScript declarations, from every root and its `$defs`.
#[derive(Default)]
struct Declarations {
    /// name → (declaration text, whether it came from an argument schema)
    items: BTreeMap<String, (String, bool)>,
}

impl Declarations {
    fn add_root(&mut self, root: &Root) {
        let defs = root.schema.get("$defs").and_then(Value::as_object);
        let renames = self.input_renames(root, defs);
        let ts = Ts {
            is_input: root.is_input,
            renames: &renames,
        };
        for (name, schema) in defs.into_iter().flatten() {
            self.add(
                ts.rename(name),
                ts.declaration(&ts.rename(name), schema),
                root.is_input,
            );
        }
        let name = ts.rename(&root.name);
        self.add(
            name.clone(),
            ts.declaration(&name, &root.schema),
            root.is_input,
        );
    }

    /// Argument-side definitions whose text differs from an already declared result-side one.
    fn input_renames(
        &self,
        root: &Root,
        defs: Option<&Map<String, Value>>,
    ) -> BTreeMap<String, String> {
        let mut renames = BTreeMap::new();
        if !root.is_input {
            return renames;
        }
        let plain = Ts {
            is_input: true,
            renames: &BTreeMap::new(),
        };
        for (name, schema) in defs.into_iter().flatten() {
            if let Some((text, false)) = self.items.get(name)
                && *text != plain.declaration(name, schema)
            {
                renames.insert(name.clone(), format!("{name}Input"));
            }
        }
        renames
    }

    fn add(&mut self, name: String, text: String, is_input: bool) {
        if let Some((existing, _)) = self.items.get(&name) {
            assert_eq!(existing, &text, "{name} is declared two ways");
            return;
        }
        self.items.insert(name, (text, is_input));
    }
}

/// Translates one schema to TypeScript, in an argument or a result context.
struct Ts<'a> {
    is_input: bool,
    renames: &'a BTreeMap<String, String>,
}

impl Ts<'_> {
    fn rename(&self, name: &str) -> String {
        self.renames
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    fn declaration(&self, name: &str, schema: &Value) -> String {
        let comment = doc(schema.get("description"), "");
        match schema.get("properties").and_then(Value::as_object) {
            Some(props) => {
                let required = required(schema);
                let mut out = format!("{comment}export interface {name} {{\n");
                for (field, s) in props {
                    let optional = if required.contains(&field.as_str()) {
                        ""
                    } else {
                        "?"
                    };
                    out += &doc(s.get("description"), "  ");
                    out += &format!("  {field}{optional}: {};\n", self.type_of(s, field));
                }
                out + "}\n"
            }
            None if schema.get("type").is_some_and(|t| t == "object") => {
                format!("{comment}export type {name} = Record<string, never>;\n")
            }
            None => format!(
                "{comment}export type {name} = {};\n",
                self.type_of(schema, "")
            ),
        }
    }

    /// The TypeScript type of a schema; `field` names the property it types (amounts ending
    /// in `_usd` are dollars).
    fn type_of(&self, s: &Value, field: &str) -> String {
        let Some(obj) = s.as_object() else {
            return "JsonValue".into(); // `true`: any JSON value
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.rename(r.trim_start_matches("#/$defs/"));
        }
        if let Some(c) = obj.get("const") {
            return c.to_string();
        }
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            return union(values.iter().map(Value::to_string));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = obj.get(key).and_then(Value::as_array) {
                return union(branches.iter().map(|b| self.type_of(b, field)));
            }
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return "JsonValue".into(),
        };
        if obj.contains_key("pattern") && types.contains(&"number") {
            let amount = match (self.is_input, field.ends_with("_usd")) {
                (true, _) => "AmountInput",
                (false, true) => "UsdString",
                (false, false) => "DecimalString",
            };
            let null = types.contains(&"null").then_some("null".to_string());
            return union(std::iter::once(amount.to_string()).chain(null));
        }
        union(types.iter().map(|t| self.simple(t, obj, field)))
    }

    fn simple(&self, t: &str, obj: &Map<String, Value>, field: &str) -> String {
        match t {
            "string" => "string".into(),
            "integer" | "number" => "number".into(),
            "boolean" => "boolean".into(),
            "null" => "null".into(),
            "array" => match obj.get("items") {
                Some(items) => format!("{}[]", paren(self.type_of(items, field))),
                None => "JsonValue[]".into(),
            },
            "object" => match obj.get("properties").and_then(Value::as_object) {
                Some(props) => {
                    let whole = Value::Object(obj.clone());
                    let required = required(&whole);
                    let fields: Vec<String> = props
                        .iter()
                        .map(|(k, s)| {
                            let optional = if required.contains(&k.as_str()) {
                                ""
                            } else {
                                "?"
                            };
                            format!("{k}{optional}: {}", self.type_of(s, k))
                        })
                        .collect();
                    format!("{{ {} }}", fields.join("; "))
                }
                None => match obj.get("additionalProperties") {
                    Some(Value::Object(v)) => format!(
                        "{{ [key: string]: {} }}",
                        self.type_of(&Value::Object(v.clone()), "")
                    ),
                    _ => "{ [key: string]: JsonValue }".into(),
                },
            },
            other => panic!("no TypeScript for JSON Schema type {other}"),
        }
    }
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn union(parts: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for p in parts {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen.join(" | ")
}

fn paren(t: String) -> String {
    if t.contains(" | ") {
        format!("({t})")
    } else {
        t
    }
}

fn doc(description: Option<&Value>, indent: &str) -> String {
    match description.and_then(Value::as_str) {
        Some(d) => format!(
            "{indent}/** {} */\n",
            d.replace("*/", "* /").replace('\n', " ")
        ),
        None => String::new(),
    }
}

fn generate() -> String {
    let mut decls = Declarations::default();
    let tools = tools();
    let names: Vec<&str> = piapi_billing::tools::names().collect();
    let mapped: Vec<&str> = tools.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        names, mapped,
        "map every tool of the core's table to its types here"
    );
    for (_, args, result) in &tools {
        decls.add_root(result);
        decls.add_root(args);
    }
    decls.add_root(&input::<OverlayFile>());
    let mut out = String::from(
        "// GENERATED from the contract's JSON Schemas by wasm-plugin/tests/typescript.rs: do not edit.\n\
         // Money: results carry decimal strings in US dollars; arguments take a decimal string or a\n\
         // JS number (read from its shortest decimal text). Points are integers (1 USD = 10,000,000).\n\n\
         /** US dollars as a decimal string, e.g. \"12.50\". */\nexport type UsdString = string;\n\
         /** An exact decimal as a string, e.g. \"10\" or \"2.5\". */\nexport type DecimalString = string;\n\
         /** An amount given in an argument: a decimal string (\"12.50\", preferred) or a JS number. */\n\
         export type AmountInput = string | number;\n\
         /** A JSON value, as found in PiAPI's open `input` and `config` objects. */\n\
         export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };\n\n",
    );
    for (text, _) in decls.items.values() {
        out += text;
        out += "\n";
    }
    out +=
        "/** Snake_case names of the offline tools, as `call` and the MCP server take them. */\n";
    out += &format!(
        "export type ToolName = {};\n\n",
        union(names.iter().map(|n| format!("\"{n}\"")))
    );
    for (label, pick) in [("ToolArgs", 1), ("ToolResults", 2)] {
        out += &format!("export interface {label} {{\n");
        for (name, args, result) in &tools {
            let root = if pick == 1 { args } else { result };
            out += &format!("  {name}: {};\n", root.name);
        }
        out += "}\n\n";
    }
    out.trim_end().to_string() + "\n"
}

#[test]
fn contract_declarations_are_generated_from_the_schemas() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg/contract.d.ts");
    let fresh = generate();
    if std::fs::read_to_string(&path).ok().as_deref() == Some(fresh.as_str()) {
        return;
    }
    std::fs::write(&path, &fresh).expect("write pkg/contract.d.ts");
    panic!("pkg/contract.d.ts was not up to date and has been regenerated: re-run and commit it");
}
