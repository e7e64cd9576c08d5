//! Compiles the built-in catalog (`catalog/2026-11.json`) to Rust data.
//!
//! The JSON file stays the source of truth, reviewed as data; this script turns it into a
//! function that builds the `CatalogFile` directly, so loading the built-in catalog parses
//! nothing: its strings are `&'static str`, its prices `Decimal::from_parts` constants. The
//! JSON reader still serves replacement catalogs and overlays, and a test checks that the
//! compiled catalog equals the file read by that reader, so the two cannot drift apart.
//!
//! The generated code names the core's types; a field this script does not know is an error
//! here, at build time, rather than a silently dropped value.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value};

const CATALOG: &str = "catalog/2026-11.json";

include!("src/catalog/fields.rs");

fn main() {
    println!("cargo:rerun-if-changed={CATALOG}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/catalog/fields.rs");
    let text =
        std::fs::read_to_string(CATALOG).unwrap_or_else(|e| fail(&format!("{CATALOG}: {e}")));
    let file: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{CATALOG}: {e}")));
    let code = catalog_file(&file);
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| fail("OUT_DIR is not set")))
        .join("builtin_catalog.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| fail(&format!("{}: {e}", out.display())));
}

fn fail(message: &str) -> ! {
    panic!("compiling the built-in catalog: {message}")
}

/// The object at `path`, with its keys checked against the ones the generator knows.
fn object<'v>(v: &'v Value, path: &str, known: &[&str]) -> &'v Map<String, Value> {
    let Value::Object(map) = v else {
        fail(&format!("{path} is not an object"))
    };
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        fail(&format!("{path}.{k} is not a field the generator knows"));
    }
    map
}

fn string(v: &Value, path: &str) -> String {
    match v {
        // `{:?}` of a `str` is a valid Rust string literal.
        Value::String(s) => format!("{s:?}"),
        _ => fail(&format!("{path} is not a string")),
    }
}

fn text(v: &Value, path: &str) -> String {
    format!("Text::from_static({})", string(v, path))
}

fn owned(v: &Value, path: &str) -> String {
    format!("String::from({})", string(v, path))
}

fn option(v: Option<&Value>, path: &str, inner: impl Fn(&Value, &str) -> String) -> String {
    match v {
        None | Some(Value::Null) => "None".into(),
        Some(v) => format!("Some({})", inner(v, path)),
    }
}

fn list(v: Option<&Value>, path: &str, item: impl Fn(&Value, &str) -> String) -> String {
    match v {
        None => "Vec::new()".into(),
        Some(Value::Array(items)) => {
            let items: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, x)| item(x, &format!("{path}[{i}]")))
                .collect();
            format!("vec![{}]", items.join(", "))
        }
        Some(_) => fail(&format!("{path} is not a list")),
    }
}

fn whole(v: &Value, path: &str) -> String {
    match v.as_u64() {
        Some(n) => format!("{n}u64"),
        None => fail(&format!("{path} is not a whole number")),
    }
}

fn boolean(v: &Value, path: &str) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        _ => fail(&format!("{path} is not a boolean")),
    }
}

/// An exact decimal as a `Decimal::from_parts` constant (plain decimal notation only).
fn decimal(v: &Value, path: &str) -> String {
    let digits = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => fail(&format!("{path} is not a decimal")),
    };
    let (negative, unsigned) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits.as_str()),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all = format!("{int}{frac}");
    if all.is_empty() || !all.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 28 {
        fail(&format!("{path}: \"{digits}\" is not a plain decimal"));
    }
    let mantissa: u128 = all
        .parse()
        .unwrap_or_else(|_| fail(&format!("{path}: \"{digits}\" has too many digits")));
    if mantissa >> 96 != 0 {
        fail(&format!("{path}: \"{digits}\" has too many digits"));
    }
    let (lo, mid, hi) = (
        mantissa as u32,
        (mantissa >> 32) as u32,
        (mantissa >> 64) as u32,
    );
    format!(
        "Decimal::from_parts({lo}, {mid}, {hi}, {negative}, {})",
        frac.len()
    )
}

fn usd(v: &Value, path: &str) -> String {
    format!("Usd({})", decimal(v, path))
}

fn dec(v: &Value, path: &str) -> String {
    format!("Dec({})", decimal(v, path))
}

/// A unit enum variant from its JSON name (`five_seconds` → `FiveSeconds`).
fn variant(ty: &str, v: &Value, path: &str, names: &[&str]) -> String {
    let Value::String(name) = v else {
        fail(&format!("{path} is not a string"))
    };
    if !names.contains(&name.as_str()) {
        fail(&format!("{path}: \"{name}\" is not a {ty}"));
    }
    let camel: String = name
        .split(['_', '-'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("{ty}::{camel}")
}

fn confidence(v: &Value, path: &str) -> String {
    let names = [
        "official",
        "derived",
        "proxy",
        "third-party",
        "assumed",
        "overlay",
    ];
    variant("Confidence", v, path, &names)
}

fn plan_id(v: &Value, path: &str) -> String {
    variant("PlanId", v, path, &["free", "creator", "pro", "enterprise"])
}

/// Any JSON value, built at run time (selector and default values are few and small).
fn value(v: &Value) -> String {
    match v {
        Value::Null => "Value::Null".into(),
        Value::Bool(b) => format!("Value::Bool({b})"),
        Value::Number(n) => match n.as_u64() {
            Some(u) => format!("Value::from({u}u64)"),
            None => fail(&format!("select/default number {n} is not a whole number")),
        },
        Value::String(s) => format!("Value::String(String::from({s:?}))"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(value).collect();
            format!("Value::Array(vec![{}])", items.join(", "))
        }
        Value::Object(_) => fail("select/default values are scalars or lists"),
    }
}

fn value_map(v: Option<&Value>, path: &str) -> String {
    match v {
        None => "BTreeMap::new()".into(),
        Some(Value::Object(map)) => {
            let pairs: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("(String::from({k:?}), {})", value(v)))
                .collect();
            format!("BTreeMap::from([{}])", pairs.join(", "))
        }
        Some(_) => fail(&format!("{path} is not an object")),
    }
}

fn quantity(v: Option<&Value>, path: &str) -> String {
    let Some(v) = v else {
        return "QuantityRule::One".into();
    };
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
    let known = match kind {
        "one" => ONE_FIELDS,
        "input" => INPUT_FIELDS,
        "text_blocks" => TEXT_BLOCKS_FIELDS,
        "video_seconds" => VIDEO_SECONDS_FIELDS,
        "frames" => FRAMES_FIELDS,
        "megapixels" => MEGAPIXELS_FIELDS,
        other => fail(&format!(
            "{path}.kind \"{other}\" is not one of {}",
            QUANTITY_KINDS.join(", ")
        )),
    };
    let q = object(v, path, known);
    let at = |k: &str| format!("{path}.{k}");
    let req = |k: &str| {
        q.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    match kind {
        "one" => "QuantityRule::One".into(),
        "input" => {
            let sum_when = option(q.get("sum_when"), &at("sum_when"), |s, p| {
                let s = object(s, p, SUM_WHEN_FIELDS);
                let get = |k: &str| {
                    owned(
                        s.get(k)
                            .unwrap_or_else(|| fail(&format!("{p}.{k} is required"))),
                        p,
                    )
                };
                format!(
                    "SumWhen {{ flag: {}, array: {}, field: {} }}",
                    get("flag"),
                    get("array"),
                    get("field")
                )
            });
            format!(
                "QuantityRule::Input {{ field: {}, min: {}, max: {}, allowed: {}, default: {}, per: {}, sum_when: {} }}",
                owned(req("field"), &at("field")),
                whole(req("min"), &at("min")),
                whole(req("max"), &at("max")),
                option(q.get("allowed"), &at("allowed"), |a, p| list(
                    Some(a),
                    p,
                    whole
                )),
                option(q.get("default"), &at("default"), whole),
                q.get("per").map_or("1u64".into(), |p| whole(p, &at("per"))),
                sum_when,
            )
        }
        "text_blocks" => format!(
            "QuantityRule::TextBlocks {{ field: {}, block: {}, max_chars: {} }}",
            owned(req("field"), &at("field")),
            whole(req("block"), &at("block")),
            whole(req("max_chars"), &at("max_chars")),
        ),
        "video_seconds" => format!(
            "QuantityRule::VideoSeconds {{ block: {}, min: {}, max: {} }}",
            whole(req("block"), &at("block")),
            whole(req("min"), &at("min")),
            option(q.get("max"), &at("max"), whole),
        ),
        "frames" => format!(
            "QuantityRule::Frames {{ max: {} }}",
            option(q.get("max"), &at("max"), whole)
        ),
        _ => format!(
            "QuantityRule::Megapixels {{ min: {}, scale_field: {}, scale_default: {} }}",
            whole(req("min"), &at("min")),
            option(q.get("scale_field"), &at("scale_field"), owned),
            option(q.get("scale_default"), &at("scale_default"), whole),
        ),
    }
}

fn entry(v: &Value, path: &str) -> String {
    let e = object(v, path, ENTRY_FIELDS);
    let at = |k: &str| format!("{path}.{k}");
    let req = |k: &str| {
        e.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    let units = [
        "task",
        "second",
        "image",
        "song",
        "five_seconds",
        "kchar",
        "megapixel",
        "frame",
    ];
    let tiers = list(e.get("tiers"), &at("tiers"), |t, p| {
        let t = object(t, p, PRICE_TIER_FIELDS);
        format!(
            "PriceTier {{ max_pixels: {}, price_usd: {} }}",
            option(t.get("max_pixels"), p, whole),
            usd(
                t.get("price_usd")
                    .unwrap_or_else(|| fail(&format!("{p}.price_usd is required"))),
                p
            ),
        )
    });
    let freeze = option(e.get("freeze"), &at("freeze"), |f, p| {
        let f = object(f, p, FREEZE_FIELDS);
        let flat = f
            .get("flat_usd")
            .unwrap_or_else(|| fail(&format!("{p}.flat_usd is required")));
        format!("FreezeRule {{ flat_usd: {} }}", usd(flat, p))
    });
    let mut out = String::from("Entry {");
    let mut field = |name: &str, code: String| {
        let _ = write!(out, " {name}: {code},");
    };
    field("id", text(req("id"), &at("id")));
    field("model", text(req("model"), &at("model")));
    field("task_type", text(req("task_type"), &at("task_type")));
    field("variant", text(req("variant"), &at("variant")));
    field("select", value_map(e.get("select"), &at("select")));
    field(
        "when_present",
        list(e.get("when_present"), &at("when_present"), owned),
    );
    field("defaults", value_map(e.get("defaults"), &at("defaults")));
    field("unit", variant("Unit", req("unit"), &at("unit"), &units));
    field("quantity", quantity(e.get("quantity"), &at("quantity")));
    field(
        "price_usd",
        option(e.get("price_usd"), &at("price_usd"), usd),
    );
    field("tiers", tiers);
    field(
        "hya_seat",
        option(e.get("hya_seat"), &at("hya_seat"), owned),
    );
    field(
        "hya_only_inputs",
        list(e.get("hya_only_inputs"), &at("hya_only_inputs"), owned),
    );
    field("freeze", freeze);
    field(
        "requires_plan",
        option(e.get("requires_plan"), &at("requires_plan"), plan_id),
    );
    field(
        "relax_limit",
        e.get("relax_limit")
            .map_or("false".into(), |b| boolean(b, &at("relax_limit"))),
    );
    field(
        "status",
        variant(
            "Status",
            req("status"),
            &at("status"),
            &["active", "discontinued", "unpriced"],
        ),
    );
    field(
        "confidence",
        confidence(req("confidence"), &at("confidence")),
    );
    field(
        "multi_unit_confidence",
        option(
            e.get("multi_unit_confidence"),
            &at("multi_unit_confidence"),
            confidence,
        ),
    );
    field("warning", option(e.get("warning"), &at("warning"), owned));
    field("source", text(req("source"), &at("source")));
    field(
        "notes",
        e.get("notes")
            .map_or("Text::from_static(\"\")".into(), |n| text(n, &at("notes"))),
    );
    field("default_labels", "BTreeMap::new()".into());
    out.push_str(" }");
    out
}

fn plan(v: &Value, path: &str) -> String {
    let p = object(v, path, PLAN_FIELDS);
    let req = |k: &str| {
        p.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    let limits = object(req("limits"), path, PLAN_LIMIT_FIELDS);
    let max = limits
        .get("single_top_up_max_usd")
        .unwrap_or_else(|| fail(&format!("{path}.limits.single_top_up_max_usd is required")));
    format!(
        "Plan {{ id: {}, name: {}, monthly_usd: {}, features: {}, limits: PlanLimits {{ midjourney_relax_per_day: {}, incorrect_tasks_per_day: {}, single_top_up_max_usd: {} }}, confidence: {}, source: {} }}",
        plan_id(req("id"), path),
        owned(req("name"), path),
        option(p.get("monthly_usd"), path, usd),
        list(Some(req("features")), path, owned),
        option(limits.get("midjourney_relax_per_day"), path, whole),
        option(limits.get("incorrect_tasks_per_day"), path, whole),
        usd(max, path),
        confidence(req("confidence"), path),
        owned(req("source"), path),
    )
}

fn usage_mode(v: &Value, path: &str) -> String {
    let fields = USAGE_MODE_FIELDS;
    let m = object(v, path, fields);
    let req = |k: &str| {
        m.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    let mut out = format!(
        "UsageMode {{ id: {},",
        variant("Mode", req("id"), path, &["payg", "hya"])
    );
    for f in &fields[1..] {
        let _ = write!(out, " {f}: {},", owned(req(f), path));
    }
    out.push_str(" }");
    out
}

fn hya_seat(v: &Value, path: &str) -> String {
    let s = object(v, path, HYA_SEAT_FIELDS);
    let req = |k: &str| {
        s.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    format!(
        "HyaSeat {{ service: {}, monthly_usd: {}, status: {}, confidence: {}, source: {} }}",
        owned(req("service"), path),
        option(s.get("monthly_usd"), path, usd),
        variant(
            "SeatStatus",
            req("status"),
            path,
            &["current", "historical", "unpublished"]
        ),
        confidence(req("confidence"), path),
        owned(req("source"), path),
    )
}

fn tier(v: &Value, path: &str) -> String {
    let t = object(v, path, TOP_UP_TIER_FIELDS);
    let req = |k: &str| {
        t.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    format!(
        "TopUpTier {{ above_usd: {}, bonus_pct: {} }}",
        usd(req("above_usd"), path),
        dec(req("bonus_pct"), path)
    )
}

fn account_facts(v: &Value, path: &str) -> String {
    let fields = ACCOUNT_FACT_FIELDS;
    let a = object(v, path, fields);
    let req = |k: &str| {
        a.get(k)
            .unwrap_or_else(|| fail(&format!("{path}.{k} is required")))
    };
    let mut out = String::from("AccountFacts {");
    for &f in fields {
        let code = match f {
            "points_per_usd" | "credit_pack_validity_months" => whole(req(f), path),
            "refunds" => boolean(req(f), path),
            "payg_only_services" | "notes" => list(Some(req(f)), path, owned),
            "source" => owned(req(f), path),
            _ => usd(req(f), path),
        };
        let _ = write!(out, " {f}: {code},");
    }
    out.push_str(" }");
    out
}

fn catalog_file(v: &Value) -> String {
    let f = object(v, "catalog", CATALOG_FIELDS);
    let req = |k: &str| {
        f.get(k)
            .unwrap_or_else(|| fail(&format!("catalog.{k} is required")))
    };
    let mut out = String::from(
        "// Generated by build.rs from catalog/2026-11.json. Do not edit.\n\n\
         /// The built-in catalog, as `catalog/2026-11.json` says it.\n\
         pub(crate) fn builtin_file() -> CatalogFile {\n    CatalogFile {\n",
    );
    let _ = writeln!(
        out,
        "        version: {},",
        owned(req("version"), "catalog.version")
    );
    let _ = writeln!(
        out,
        "        description: {},",
        option(f.get("description"), "catalog.description", owned)
    );
    for (name, make) in [
        ("entries", entry as fn(&Value, &str) -> String),
        ("plans", plan),
        ("usage_modes", usage_mode),
        ("hya_seats", hya_seat),
        ("top_up_tiers", tier),
    ] {
        let _ = writeln!(out, "        {name}: vec![");
        let Value::Array(items) = req(name) else {
            fail(&format!("catalog.{name} is not a list"))
        };
        for (i, item) in items.iter().enumerate() {
            let _ = writeln!(out, "            {},", make(item, &format!("{name}[{i}]")));
        }
        let _ = writeln!(out, "        ],");
    }
    let _ = writeln!(
        out,
        "        account_facts: {},",
        account_facts(req("account_facts"), "account_facts")
    );
    out.push_str("    }\n}\n");
    out
}
