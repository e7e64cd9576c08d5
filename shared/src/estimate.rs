//! Interval estimates: what a batch of PiAPI tasks costs, as `[min, max]`.
//!
//! A price is exact when the request fixes every quantity; where a quantity depends on media
//! the estimator cannot see (a video's length, an image's size) the caller's hints fix it, a
//! documented maximum bounds it, or the line is reported `unbounded` with the hint that would
//! fix it. Nothing is ever guessed: a line that cannot be priced is left out of the totals and
//! listed in `errors` with its reason.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::catalog::{Catalog, Confidence, Entry, QuantityRule, Status};
use crate::contract::{
    EstimateArgs, EstimateLine, EstimateResult, LineError, LineErrorCode, Mode, PlanId, TaskSpec,
};
use crate::error::Error;
use crate::money::{Dec, Usd, usd_to_points};
use crate::plans::plan_allows;
use crate::text::Text;

/// Most lines one call may carry.
pub const MAX_LINES: usize = 1_000;
/// Most tasks one line may stand for.
pub const MAX_COUNT: u64 = 10_000;
/// Bounds on hints, so that no product can overflow and every figure stays an exact JSON integer.
const MAX_VIDEO_SECONDS: u64 = 86_400;
const MAX_FRAMES: u64 = 10_000_000;
const MAX_PIXELS_SIDE: u64 = 65_536;

const MEGAPIXEL: u64 = 1_000_000;

type LineResult<T> = Result<T, (LineErrorCode, String)>;

fn invalid<T>(msg: impl Into<String>) -> LineResult<T> {
    Err((LineErrorCode::InvalidInput, msg.into()))
}

/// Prices every line of `args`.
pub fn estimate(catalog: &Catalog, args: &EstimateArgs) -> Result<EstimateResult, Error> {
    check_line_count(args.tasks.len())?;
    // Built on first use: most batches have no Midjourney relax line.
    let mut relax: Option<RelaxBudget> = None;
    let mut lines = Vec::with_capacity(args.tasks.len());
    let mut errors = Vec::new();
    for (index, task) in args.tasks.iter().enumerate() {
        match price_line(catalog, args, task, index, &mut relax) {
            Ok(line) => lines.push(line),
            Err((code, message)) => errors.push(LineError {
                index,
                code,
                message,
            }),
        }
    }
    let (mut min, mut max) = (Decimal::ZERO, Decimal::ZERO);
    for l in &lines {
        min += l.min_usd.0;
        max += l.max_usd.0;
    }
    let points = |usd: Decimal| {
        usd_to_points(usd).ok_or_else(|| {
            Error::invalid("tasks", format!("the total of {} USD is beyond what JSON carries exactly in points; split the batch", Usd(usd)))
        })
    };
    Ok(EstimateResult {
        catalog_version: catalog.version().to_string(),
        overlay: catalog.overlay().map(str::to_string),
        total_min_usd: Usd(min),
        total_max_usd: Usd(max),
        total_min_points: points(min)?,
        total_max_points: points(max)?,
        exact: errors.is_empty() && min == max,
        lines,
        errors,
    })
}

pub(crate) fn check_line_count(n: usize) -> Result<(), Error> {
    if n == 0 || n > MAX_LINES {
        return Err(Error::invalid(
            "tasks",
            format!("must hold 1 to {MAX_LINES} tasks, got {n}"),
        ));
    }
    Ok(())
}

fn price_line(
    catalog: &Catalog,
    args: &EstimateArgs,
    task: &TaskSpec,
    index: usize,
    relax: &mut Option<RelaxBudget>,
) -> LineResult<EstimateLine> {
    if !(1..=MAX_COUNT).contains(&task.count) {
        return invalid(format!(
            "count must be 1 to {MAX_COUNT}, got {}",
            task.count
        ));
    }
    let candidates = catalog.candidate_entries(&task.model, &task.task_type);
    if candidates.is_empty() {
        return Err(unknown_service(catalog, &task.model, &task.task_type));
    }
    let mut defaults_used = Vec::with_capacity(4);
    let mode = resolve_mode(&task.config, args.default_mode, &mut defaults_used)?;
    let entry = select_entry(catalog, candidates, &task.input, &mut defaults_used)?;
    if entry.status == Status::Unpriced {
        return Err((
            LineErrorCode::Unpriced,
            format!(
                "{} {} ({}) is unpriced: {}",
                entry.model, entry.task_type, entry.variant, entry.notes
            ),
        ));
    }
    match mode {
        Mode::Hya if entry.hya_seat.is_none() => {
            return Err((
                LineErrorCode::ModeNotSupported,
                format!(
                    "{} is pay-as-you-go only: config.service_mode \"private\" (host-your-account) is not available; use \"public\"",
                    entry.model
                ),
            ));
        }
        Mode::Payg => {
            if let Some(f) = entry
                .hya_only_inputs
                .iter()
                .find(|f| is_set(task.input.get(f.as_str())))
            {
                return Err((
                    LineErrorCode::ModeNotSupported,
                    format!(
                        "input.{f} is available only in host-your-account mode (config.service_mode \"private\")"
                    ),
                ));
            }
        }
        Mode::Hya => {}
    }

    let qty = quantity(entry, task, &mut defaults_used);
    let mut warnings = Vec::new();
    let (q_min, q_max) = match (qty, mode) {
        (Ok(q), _) => {
            if let Some(w) = q.warning {
                warnings.push(w);
            }
            (q.min, q.max)
        }
        // A seat pays nothing per task, so an unknown quantity does not matter there.
        (Err((LineErrorCode::Unbounded, _)), Mode::Hya) => (Decimal::ONE, None),
        (Err(e), _) => return Err(e),
    };
    let (p_min, p_max, tier_warning) = unit_prices(entry, task)?;
    warnings.extend(tier_warning);

    if let Some(w) = &entry.warning {
        warnings.push(w.clone());
    }
    if entry.status == Status::Discontinued {
        warnings.push(format!(
            "PiAPI has discontinued {}; the price is historical",
            entry.model
        ));
    }
    if let Some(required) = entry.requires_plan {
        match args.plan {
            Some(plan) if !plan_allows(plan, required) => warnings.push(format!(
                "needs the {} plan or higher; the account is on {}",
                required.as_str(),
                plan.as_str()
            )),
            None => warnings.push(format!("needs the {} plan or higher", required.as_str())),
            Some(_) => {}
        }
    }

    let count = Decimal::from(task.count);
    let (min_usd, max_usd, unit_price, freeze, seat) = match mode {
        Mode::Hya => (
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
            entry.hya_seat.clone(),
        ),
        Mode::Payg => {
            let q_max =
                q_max.ok_or((LineErrorCode::Unbounded, "unbounded quantity".to_string()))?;
            let (mut lo_tasks, mut hi_tasks) = (count, count);
            if entry.relax_limit {
                let budget = relax.get_or_insert_with(|| {
                    RelaxBudget::new(catalog, args.plan, args.relax_used_today)
                });
                let (lo, hi, w) = budget.charge(task.count, args.plan);
                (lo_tasks, hi_tasks) = (lo, hi);
                warnings.extend(w);
            }
            let min = q_min * p_min * lo_tasks;
            let max = q_max * p_max * hi_tasks;
            let freeze = match &entry.freeze {
                Some(rule) => rule.flat_usd.0 * count,
                None => max,
            };
            (min, max, p_max, freeze, None)
        }
    };
    if usd_to_points(max_usd.max(freeze)).is_none() {
        return invalid(format!(
            "this line's cost ({} USD) is beyond what JSON carries exactly in points; lower count",
            Usd(max_usd)
        ));
    }
    let confidence = match entry.multi_unit_confidence {
        Some(c) if q_max.is_none_or(|q| q > Decimal::ONE) => c,
        _ => entry.confidence,
    };
    Ok(EstimateLine {
        index,
        model: entry.model.clone(),
        task_type: entry.task_type.clone(),
        entry_id: entry.id.clone(),
        variant: entry.variant.clone(),
        mode,
        count: task.count,
        unit: entry.unit,
        quantity_min: Dec(q_min),
        quantity_max: q_max.map(Dec),
        unit_price_usd: Usd(unit_price),
        min_usd: Usd(min_usd),
        max_usd: Usd(max_usd),
        freeze_usd: Usd(freeze),
        seat,
        confidence,
        source: entry.source.clone(),
        status: entry.status,
        defaults_used,
        warnings,
    })
}

fn unknown_service(catalog: &Catalog, model: &str, task_type: &str) -> (LineErrorCode, String) {
    if catalog.has_model(model) {
        let known = catalog.task_types(model).join(", ");
        return (
            LineErrorCode::UnknownTaskType,
            format!(
                "model \"{model}\" has no task_type \"{task_type}\"; known task types: {known}"
            ),
        );
    }
    let lower = model.to_ascii_lowercase();
    let near = catalog.models().find(|m| {
        m.to_ascii_lowercase() == lower || m.to_ascii_lowercase().ends_with(&format!("/{lower}"))
    });
    let hint = near
        .map(|m| format!(" (did you mean \"{m}\"?)"))
        .unwrap_or_default();
    let known: Vec<&str> = catalog.models().collect();
    (
        LineErrorCode::UnknownModel,
        format!(
            "unknown model \"{model}\"{hint}; known models: {}",
            known.join(", ")
        ),
    )
}

fn resolve_mode(
    config: &Map<String, Value>,
    default_mode: Option<Mode>,
    defaults_used: &mut Vec<Text>,
) -> LineResult<Mode> {
    match config.get("service_mode") {
        Some(Value::String(s)) if s == "public" => Ok(Mode::Payg),
        Some(Value::String(s)) if s == "private" => Ok(Mode::Hya),
        None | Some(Value::Null) => Ok(default_service_mode(default_mode, defaults_used)),
        Some(Value::String(s)) if s.is_empty() => {
            Ok(default_service_mode(default_mode, defaults_used))
        }
        Some(other) => invalid(format!(
            "config.service_mode must be \"public\", \"private\" or \"\", got {}",
            show(other)
        )),
    }
}

fn default_service_mode(default_mode: Option<Mode>, defaults_used: &mut Vec<Text>) -> Mode {
    let mode = default_mode.unwrap_or(Mode::Payg);
    defaults_used.push(Text::from_static(match mode {
        Mode::Payg => "config.service_mode=public",
        Mode::Hya => "config.service_mode=private",
    }));
    mode
}

/// True when an input is present and not `null`, `false` or empty.
fn is_set(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

/// JSON text of a value, for messages.
fn show(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn scalar_eq(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => num_eq(a.as_str(), b.as_str()),
        // Workflow tools often carry numbers as text: "10" selects duration 10.
        (Value::Number(a), Value::String(b)) => num_eq(a.as_str(), b),
        // A version sent as a JSON number (3.0) selects the string "3.0" by its digits.
        (Value::String(a), Value::Number(b)) => a == b.as_str(),
        _ => false,
    }
}

/// Numbers compare by value ("10" = "10.0"); the same digits need no parsing.
fn num_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (
        crate::money::parse_decimal(a),
        crate::money::parse_decimal(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn value_matches(want: &Value, got: &Value) -> bool {
    match want {
        Value::Array(options) => options.iter().any(|w| scalar_eq(w, got)),
        w => scalar_eq(w, got),
    }
}

/// The input value an entry sees for a field: the caller's, else the entry's default.
fn effective<'a>(
    entry: &'a Entry,
    input: &'a Map<String, Value>,
    field: &str,
) -> Option<(&'a Value, bool)> {
    match input.get(field) {
        Some(v) if !v.is_null() => Some((v, false)),
        _ => entry.defaults.get(field).map(|d| (d, true)),
    }
}

fn select_entry<'c>(
    catalog: &'c Catalog,
    candidates: &[usize],
    input: &Map<String, Value>,
    defaults_used: &mut Vec<Text>,
) -> LineResult<&'c Entry> {
    let entries = catalog.entries();
    'entries: for entry in candidates.iter().map(|&i| &entries[i]) {
        if !entry.when_present.is_empty()
            && !entry
                .when_present
                .iter()
                .any(|f| is_set(input.get(f.as_str())))
        {
            continue;
        }
        // Defaults are recorded as they are applied and rolled back if the entry does not fit.
        let before = defaults_used.len();
        for (field, want) in &entry.select {
            match effective(entry, input, field) {
                Some((got, from_default)) if value_matches(want, got) => {
                    if from_default {
                        defaults_used.push(entry.default_label(field, || got.clone()));
                    }
                }
                _ => {
                    defaults_used.truncate(before);
                    continue 'entries;
                }
            }
        }
        return Ok(entry);
    }
    let all: Vec<&Entry> = candidates.iter().map(|&i| &entries[i]).collect();
    Err(diagnose_no_match(&all, input))
}

/// Explains why no entry matched: the first selecting field whose value is missing or not
/// allowed, or else the combinations that are priced.
fn diagnose_no_match(candidates: &[&Entry], input: &Map<String, Value>) -> (LineErrorCode, String) {
    let regular: Vec<&Entry> = candidates
        .iter()
        .copied()
        .filter(|e| e.when_present.is_empty())
        .collect();
    // Walk the selecting fields from the most discriminating (e.g. `version`, with many values)
    // to the least, narrowing to the entries the caller's values still fit, so the message
    // names the field to change in the context of the ones that already fit.
    let mut fields: Vec<(&str, usize)> = Vec::new();
    for e in &regular {
        for f in e.select.keys() {
            if !fields.iter().any(|(n, _)| n == f) {
                let mut distinct: Vec<String> = regular
                    .iter()
                    .filter_map(|e| e.select.get(f))
                    .map(show)
                    .collect();
                distinct.sort();
                distinct.dedup();
                fields.push((f, distinct.len()));
            }
        }
    }
    fields.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut remaining = regular.clone();
    let mut fitted: Vec<String> = Vec::new();
    for (field, _) in &fields {
        let relevant: Vec<&Entry> = remaining
            .iter()
            .copied()
            .filter(|e| e.select.contains_key(*field))
            .collect();
        if relevant.is_empty() {
            continue;
        }
        let mut allowed: Vec<String> = Vec::new();
        for e in &relevant {
            let vals = match &e.select[*field] {
                Value::Array(a) => a.clone(),
                v => vec![v.clone()],
            };
            for v in vals {
                let s = show(&v);
                if !allowed.contains(&s) {
                    allowed.push(s);
                }
            }
        }
        let context = if fitted.is_empty() {
            String::new()
        } else {
            format!(" with {}", fitted.join(", "))
        };
        let got = relevant.iter().find_map(|e| effective(e, input, field));
        let Some((value, _)) = got else {
            return (
                LineErrorCode::InvalidInput,
                format!(
                    "input.{field} is required{context}; allowed values: {}",
                    allowed.join(", ")
                ),
            );
        };
        let fitting: Vec<&Entry> = remaining
            .iter()
            .copied()
            .filter(
                |e| match (e.select.get(*field), effective(e, input, field)) {
                    (Some(want), Some((v, _))) => value_matches(want, v),
                    (None, _) => true,
                    (Some(_), None) => false,
                },
            )
            .collect();
        if fitting.is_empty() {
            return (
                LineErrorCode::InvalidInput,
                format!(
                    "input.{field} = {} is not priced{context}; allowed values: {}",
                    show(value),
                    allowed.join(", ")
                ),
            );
        }
        fitted.push(format!("{field}={}", show(value)));
        remaining = fitting;
    }
    let combos: Vec<String> = regular
        .iter()
        .map(|e| {
            let parts: Vec<String> = e
                .select
                .iter()
                .map(|(k, v)| format!("{k}={}", show(v)))
                .collect();
            format!("[{}]", parts.join(", "))
        })
        .collect();
    (
        LineErrorCode::InvalidInput,
        format!(
            "this combination of inputs has no price; priced combinations: {}",
            combos.join(", ")
        ),
    )
}

/// Units per task: `[min, max]`, `max` absent only where the caller must give a hint.
struct Quantity {
    min: Decimal,
    max: Option<Decimal>,
    warning: Option<String>,
}

impl Quantity {
    fn exact(q: u64) -> Self {
        Quantity {
            min: Decimal::from(q),
            max: Some(Decimal::from(q)),
            warning: None,
        }
    }
}

/// Reads a whole number from an input value: a JSON integer or its decimal text.
fn whole_number(v: &Value) -> Option<u64> {
    let text = match v {
        Value::Number(n) => match n.as_u64() {
            Some(u) => return Some(u),
            None => n.as_str(),
        },
        Value::String(s) => s.as_str(),
        _ => return None,
    };
    crate::money::parse_decimal(text)
        .ok()
        .and_then(crate::money::whole)
}

fn ceil_div(n: u64, d: u64) -> u64 {
    n.div_ceil(d)
}

fn quantity(entry: &Entry, task: &TaskSpec, defaults_used: &mut Vec<Text>) -> LineResult<Quantity> {
    let input = &task.input;
    match &entry.quantity {
        QuantityRule::One => Ok(Quantity::exact(1)),
        QuantityRule::Input {
            field,
            min,
            max,
            allowed,
            default,
            per,
            sum_when,
        } => {
            // Only messages need the range; most lines never build it.
            let range = || match allowed {
                Some(a) => a.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                None => format!("{min} to {max}"),
            };
            let multi = sum_when
                .as_ref()
                .filter(|s| matches!(input.get(&s.flag), Some(Value::Bool(true))));
            let value = if let Some(s) = multi {
                let Some(Value::Array(shots)) = input.get(&s.array) else {
                    return invalid(format!(
                        "input.{} is true, so input.{} must be a non-empty list",
                        s.flag, s.array
                    ));
                };
                if shots.is_empty() {
                    return invalid(format!(
                        "input.{} is true, so input.{} must be a non-empty list",
                        s.flag, s.array
                    ));
                }
                let mut total: u64 = 0;
                for (i, shot) in shots.iter().enumerate() {
                    let d = shot.get(&s.field).and_then(whole_number).filter(|d| *d > 0);
                    let Some(d) = d else {
                        return invalid(format!(
                            "input.{}[{i}].{} must be a whole number of seconds > 0",
                            s.array, s.field
                        ));
                    };
                    total = total.saturating_add(d);
                }
                if total < *min || total > *max {
                    return invalid(format!(
                        "the sum of input.{}[].{} must be {}, got {total}",
                        s.array,
                        s.field,
                        range()
                    ));
                }
                total
            } else {
                match input.get(field.as_str()) {
                    Some(v) if !v.is_null() => {
                        let n = whole_number(v).ok_or_else(|| {
                            (
                                LineErrorCode::InvalidInput,
                                format!(
                                    "input.{field} must be a whole number ({}), got {}",
                                    range(),
                                    show(v)
                                ),
                            )
                        })?;
                        let ok = n >= *min
                            && n <= *max
                            && allowed.as_ref().is_none_or(|a| a.contains(&n))
                            && n % per == 0;
                        if !ok {
                            return invalid(format!("input.{field} must be {}, got {n}", range()));
                        }
                        n
                    }
                    _ => match default {
                        Some(d) => {
                            defaults_used.push(entry.default_label(field, || Value::from(*d)));
                            *d
                        }
                        None => {
                            return invalid(format!("input.{field} is required ({})", range()));
                        }
                    },
                }
            };
            Ok(Quantity::exact(value / per))
        }
        QuantityRule::TextBlocks {
            field,
            block,
            max_chars,
        } => {
            let text = match input.get(field.as_str()) {
                Some(Value::String(s)) => s,
                Some(other) => {
                    return invalid(format!(
                        "input.{field} must be a string, got {}",
                        show(other)
                    ));
                }
                None => {
                    return invalid(format!(
                        "input.{field} is required (the text to speak, 1 to {max_chars} characters)"
                    ));
                }
            };
            let chars = text.chars().count() as u64;
            if chars == 0 || chars > *max_chars {
                return invalid(format!(
                    "input.{field} must be 1 to {max_chars} characters, got {chars}"
                ));
            }
            Ok(Quantity::exact(ceil_div(chars, *block)))
        }
        QuantityRule::VideoSeconds { block, min, max } => match &task.hints.video_seconds {
            Some(secs) => {
                let s = secs.0;
                if s <= Decimal::ZERO || s > Decimal::from(MAX_VIDEO_SECONDS) {
                    return invalid(format!(
                        "hints.video_seconds must be > 0 and at most {MAX_VIDEO_SECONDS}, got {secs}"
                    ));
                }
                let blocks = (s / Decimal::from(*block)).ceil();
                let mut q = blocks.max(Decimal::from(*min));
                let mut warning = None;
                if let Some(m) = max {
                    let cap = Decimal::from(ceil_div(*m, *block));
                    if q > cap {
                        q = cap;
                        warning = Some(format!("output is capped at {m} s; billed for {m} s"));
                    }
                }
                Ok(Quantity {
                    min: q,
                    max: Some(q),
                    warning,
                })
            }
            None => match max {
                Some(m) => Ok(Quantity {
                    min: Decimal::from(*min),
                    max: Some(Decimal::from(ceil_div(*m, *block))),
                    warning: Some(format!(
                        "the length is not known: the estimate spans up to the documented {m} s; pass hints.video_seconds for an exact figure"
                    )),
                }),
                None => Err((
                    LineErrorCode::Unbounded,
                    format!(
                        "{} {} is priced per {} of video, which the request does not fix: pass hints.video_seconds",
                        entry.model,
                        entry.task_type,
                        unit_phrase(*block)
                    ),
                )),
            },
        },
        QuantityRule::Frames { max } => match task.hints.frames {
            Some(f) if (1..=MAX_FRAMES).contains(&f) => Ok(Quantity::exact(f)),
            Some(f) => invalid(format!("hints.frames must be 1 to {MAX_FRAMES}, got {f}")),
            None => match max {
                Some(m) => Ok(Quantity {
                    min: Decimal::ONE,
                    max: Some(Decimal::from(*m)),
                    warning: Some(format!(
                        "the frame count is not known: the estimate spans up to the documented {m} frames; pass hints.frames"
                    )),
                }),
                None => Err((
                    LineErrorCode::Unbounded,
                    format!(
                        "{} {} is priced per frame, which the request does not fix: pass hints.frames",
                        entry.model, entry.task_type
                    ),
                )),
            },
        },
        QuantityRule::Megapixels {
            min,
            scale_field,
            scale_default,
        } => {
            let Some(pixels) = hinted_pixels(task)? else {
                return Err((
                    LineErrorCode::Unbounded,
                    format!(
                        "{} {} is priced per megapixel of an image the request does not describe: pass hints.width and hints.height",
                        entry.model, entry.task_type
                    ),
                ));
            };
            let scale = match scale_field {
                Some(f) => match input.get(f.as_str()) {
                    Some(v) if !v.is_null() => {
                        match whole_number(v).filter(|s| (1..=8).contains(s)) {
                            Some(s) => s,
                            None => {
                                return invalid(format!(
                                    "input.{f} must be a whole number 1 to 8, got {}",
                                    show(v)
                                ));
                            }
                        }
                    }
                    _ => {
                        let d = scale_default.unwrap_or(1);
                        defaults_used.push(entry.default_label(f, || Value::from(d)));
                        d
                    }
                },
                None => 1,
            };
            let out = pixels * scale * scale;
            Ok(Quantity::exact(ceil_div(out, MEGAPIXEL).max(*min)))
        }
    }
}

fn unit_phrase(block: u64) -> String {
    if block == 1 {
        "second".to_string()
    } else {
        format!("started {block} s")
    }
}

/// Pixels from `hints.width × hints.height`, when both are given.
fn hinted_pixels(task: &TaskSpec) -> LineResult<Option<u64>> {
    match (task.hints.width, task.hints.height) {
        (Some(w), Some(h)) => checked_pixels(w, h, "hints").map(Some),
        (None, None) => Ok(None),
        _ => invalid("hints.width and hints.height must be given together"),
    }
}

fn checked_pixels(w: u64, h: u64, at: &str) -> LineResult<u64> {
    if !(1..=MAX_PIXELS_SIDE).contains(&w) || !(1..=MAX_PIXELS_SIDE).contains(&h) {
        return invalid(format!(
            "{at}.width and {at}.height must be 1 to {MAX_PIXELS_SIDE} pixels, got {w} x {h}"
        ));
    }
    Ok(w * h)
}

/// Output pixels of an image task: `input.width/height`, `input.size` ("1024*1024" or
/// "1024x1024"), or the hints.
fn output_pixels(task: &TaskSpec) -> LineResult<Option<u64>> {
    let input = &task.input;
    let w = input.get("width").filter(|v| !v.is_null());
    let h = input.get("height").filter(|v| !v.is_null());
    match (w, h) {
        (Some(w), Some(h)) => {
            let (Some(wn), Some(hn)) = (whole_number(w), whole_number(h)) else {
                return invalid(format!(
                    "input.width and input.height must be whole numbers of pixels, got {} x {}",
                    show(w),
                    show(h)
                ));
            };
            return checked_pixels(wn, hn, "input").map(Some);
        }
        (None, None) => {}
        _ => return invalid("input.width and input.height must be given together"),
    }
    if let Some(size) = input.get("size").filter(|v| !v.is_null()) {
        let parsed = size.as_str().and_then(|s| {
            let (a, b) = s.split_once(['*', 'x', 'X', '×'])?;
            Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?))
        });
        let Some((wn, hn)) = parsed else {
            return invalid(format!(
                "input.size must look like \"1024*1024\", got {}",
                show(size)
            ));
        };
        return checked_pixels(wn, hn, "input").map(Some);
    }
    hinted_pixels(task)
}

/// The unit price range: a single price, or the tier the output size selects (all tiers when
/// the size is unknown).
fn unit_prices(entry: &Entry, task: &TaskSpec) -> LineResult<(Decimal, Decimal, Option<String>)> {
    if let Some(p) = entry.price_usd {
        return Ok((p.0, p.0, None));
    }
    let (Some(first), Some(last)) = (entry.tiers.first(), entry.tiers.last()) else {
        return Err((
            LineErrorCode::Unpriced,
            format!("{} {} has no price", entry.model, entry.task_type),
        ));
    };
    match output_pixels(task)? {
        Some(px) => {
            let tier = entry.tiers.iter().find(|t| t.max_pixels.is_none_or(|m| px <= m)).unwrap_or(last);
            Ok((tier.price_usd.0, tier.price_usd.0, None))
        }
        None => Ok((
            first.price_usd.0,
            last.price_usd.0,
            Some("the output size is not known: the estimate spans every size tier; pass input.width and input.height".to_string()),
        )),
    }
}

/// Midjourney's daily relax allowance, spent line by line. It is tracked as an interval: the
/// fewest relax tasks left (for `max`) and the most (for `min`), so an unknown plan or an
/// unknown count of tasks already run widens the estimate instead of guessing.
struct RelaxBudget {
    left_least: u64,
    left_most: u64,
    limit_known: bool,
}

impl RelaxBudget {
    fn new(catalog: &Catalog, plan: Option<PlanId>, used: Option<u64>) -> Self {
        let limit_of = |p: PlanId| {
            catalog
                .plan(p)
                .and_then(|p| p.limits.midjourney_relax_per_day)
        };
        let (lim_lo, lim_hi) = match plan {
            Some(p) => match limit_of(p) {
                Some(l) => (l, l),
                None => (0, u64::MAX),
            },
            None => {
                let known: Vec<u64> = PlanId::ALL.iter().filter_map(|p| limit_of(*p)).collect();
                let unknown_exists = PlanId::ALL.iter().any(|p| limit_of(*p).is_none());
                let lo = known.iter().copied().min().unwrap_or(0);
                let hi = if unknown_exists {
                    u64::MAX
                } else {
                    known.iter().copied().max().unwrap_or(0)
                };
                (lo, hi)
            }
        };
        let (used_lo, used_hi) = match used {
            Some(u) => (u, u),
            None => (0, u64::MAX),
        };
        RelaxBudget {
            left_least: lim_lo.saturating_sub(used_hi),
            left_most: lim_hi.saturating_sub(used_lo),
            limit_known: lim_lo == lim_hi && used.is_some(),
        }
    }

    /// Spends `count` relax tasks; returns the price multipliers (in task-equivalents) for the
    /// line's min and max, and a warning when the limit matters.
    fn charge(&mut self, count: u64, plan: Option<PlanId>) -> (Decimal, Decimal, Option<String>) {
        let within_most = count.min(self.left_most);
        let within_least = count.min(self.left_least);
        self.left_most -= within_most;
        self.left_least -= within_least;
        let equiv =
            |within: u64| Decimal::from(within) + Decimal::from(count - within) * Decimal::TWO;
        let (lo, hi) = (equiv(within_most), equiv(within_least));
        let warning = if self.limit_known {
            let over = count - within_least;
            (over > 0).then(|| {
                format!(
                    "{over} of {count} relax tasks exceed the {} plan's daily relax limit and cost 2x",
                    plan.map(PlanId::as_str).unwrap_or("account's")
                )
            })
        } else if lo != hi {
            Some("relax tasks past the plan's daily relax limit cost 2x: pass plan and relax_used_today for an exact figure".to_string())
        } else {
            None
        };
        (lo, hi, warning)
    }
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Official => "official",
            Confidence::Derived => "derived",
            Confidence::Proxy => "proxy",
            Confidence::ThirdParty => "third-party",
            Confidence::Assumed => "assumed",
            Confidence::Overlay => "overlay",
        }
    }
}
