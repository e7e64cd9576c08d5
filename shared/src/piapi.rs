//! Interpretation of PiAPI's own JSON: the account info and a task's usage (facts §6).
//!
//! This is the pure half of the PiAPI client: the MCP server does the HTTP and hands the parsed
//! bodies here, so the rules for reading PiAPI's shapes live in the core, are tested without a
//! network, and build for wasm32 like the rest of the crate.
//!
//! PiAPI's responses have changed over time and fields come and go, so every reader here accepts
//! a missing field and says which figure it used instead. What it never does is guess: a value
//! that is present but malformed (a negative balance, a fraction of a point, text that is not a
//! number) is an error naming the field, and a response with no balance figure at all is an
//! error naming every field that was looked for.
//!
//! Units. PiAPI reports usage in points, and 1 USD = 10,000,000 points (facts §1). Only
//! `equivalent_in_usd` is documented as dollars. The unit of `credit_pack_info.*_credits`,
//! `wallet.point_*` and the older top-level `credits` is not documented in dollars anywhere in
//! the facts, so all three are read as points: the `point_*` names say so, PiAPI's CLI prints
//! credit-pack figures as large integers beside a separate "≈ $ USD" figure (so they are not
//! dollars), and points are the only other unit PiAPI uses for money. Reading them as points
//! also makes a mistake loud rather than silent: a dollar amount such as `12.5` is not a whole
//! number of points and is refused.

pub mod charges;
pub mod history;

use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Number, Value};

use crate::Billing;
use crate::contract::{
    AccountRef, CheckBalanceResult, Credits, EstimateArgs, EstimateResult, TaskCostResult, TaskSpec,
};
use crate::money::{MAX_SAFE_POINTS, POINTS_PER_USD, Usd, parse_decimal};
use crate::ops;

/// A PiAPI response that does not have the shape facts §6 describes.
///
/// Messages name the JSON path of the offending field and never echo more than a short prefix
/// of the value, so a response that reflected request data back cannot leak it at length.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PiapiShapeError {
    /// JSON path of the field at fault (e.g. `data.wallet.point_remain`); empty for the body.
    pub field: String,
    /// What was wrong, prefixed with the field.
    pub message: String,
    /// The non-success `code` of PiAPI's `{code, message, data}` envelope, when that is what
    /// went wrong: PiAPI can refuse a request inside an HTTP 200.
    pub api_code: Option<i64>,
}

impl PiapiShapeError {
    fn at(field: impl Into<String>, what: impl fmt::Display) -> Self {
        let field = field.into();
        let message = if field.is_empty() {
            format!("PiAPI response: {what}")
        } else {
            format!("PiAPI response field {field}: {what}")
        };
        PiapiShapeError {
            field,
            message,
            api_code: None,
        }
    }
}

/// Where the service name goes in PiAPI's per-service concurrency limits.
const CONCURRENCY_PREFIX: &str = "max_";
const CONCURRENCY_SUFFIX: &str = "_concurrency";
const CONCURRENT_TASKS: &str = "max_concurrent_task_count";
/// How much of a malformed value an error message quotes.
const MAX_VALUE_CHARS: usize = 40;
/// How much of PiAPI's own `message` an error message quotes.
const MAX_MESSAGE_CHARS: usize = 160;

/// Reads `GET /account/info` into the `check_balance` result.
///
/// `body` is the whole response: PiAPI's envelope `{code, message, data: {...}}`, or the bare
/// `data` object. `fetched_at` is the caller's clock reading (RFC 3339, UTC); the core has no
/// clock.
///
/// Precedence, first present field wins:
/// - `available_usd`: `equivalent_in_usd` (USD; PiAPI documents it as "the actually valid
///   balance value in US dollar"); else credit-pack available credits (below); else
///   `wallet.point_remain`; else the older top-level `credits`. The last three are points.
/// - `frozen_usd`: `credit_pack_info.frozen_credits`; else `wallet.point_frozen`; else zero,
///   because an account info without any frozen figure reports nothing frozen.
/// - credit-pack available credits: `available_credits`; else `total_credits − used_credits −
///   frozen_credits`. Subtracting the frozen part too is the conservative reading (PiAPI does
///   not say whether `total` includes it), and a pre-check must not overstate what can be spent.
/// - `credits` (the contract's object): present when `credit_pack_info` gives an available and
///   a used figure; `total` defaults to `available + used + frozen`, `frozen` to zero.
///
/// `available_usd` is what can be spent now. PiAPI deducts a job's quota the moment the job is
/// sent and marks it frozen (facts §4), so every figure above already excludes frozen credits;
/// a pre-check fed from this result takes `available_usd` as the balance and no further frozen
/// amount.
pub fn balance_from_account_info(
    body: &Value,
    fetched_at: &str,
) -> Result<CheckBalanceResult, PiapiShapeError> {
    let (data, at) = unwrap_envelope(body)?;
    let pack = object_field(data, &at, "credit_pack_info")?;
    let wallet = object_field(data, &at, "wallet")?;

    let pack = match pack {
        Some(pack) => Some(credit_pack(pack, &at.child("credit_pack_info"))?),
        None => None,
    };

    let available = if let Some(v) = present(data, "equivalent_in_usd") {
        usd(v, &at.key("equivalent_in_usd"))?
    } else if let Some(points) = pack.as_ref().and_then(|p| p.available) {
        points_to_usd(points)
    } else if let Some(v) = wallet.and_then(|w| present(w, "point_remain")) {
        points_usd(v, &at.child("wallet").key("point_remain"))?
    } else if let Some(v) = present(data, "credits") {
        points_usd(v, &at.key("credits"))?
    } else {
        return Err(PiapiShapeError::at(
            at.path(),
            format!(
                "no balance figure: looked for {p}equivalent_in_usd, \
                 {p}credit_pack_info.available_credits (or total_credits and used_credits), \
                 {p}wallet.point_remain and {p}credits",
                p = at.prefix()
            ),
        ));
    };

    let frozen = if let Some(points) = pack.as_ref().and_then(|p| p.frozen) {
        points_to_usd(points)
    } else if let Some(v) = wallet.and_then(|w| present(w, "point_frozen")) {
        points_usd(v, &at.child("wallet").key("point_frozen"))?
    } else {
        Decimal::ZERO
    };

    Ok(CheckBalanceResult {
        available_usd: Usd(available),
        frozen_usd: Usd(frozen),
        plan: optional_string(data, &at, "plan")?,
        credits: pack.and_then(|p| p.credits),
        account: AccountRef {
            id: first_id(data, &at, &["id", "account_id"])?,
            name: first_id(data, &at, &["name", "account_name"])?,
        },
        concurrency: concurrency(data, &at)?,
        source: "piapi".to_owned(),
        fetched_at: fetched_at.to_owned(),
    })
}

/// A task view (`GET /api/v1/task/{id}`) as far as money goes: who it was, what it asked for,
/// and what PiAPI froze and took (`meta.usage`).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskView {
    pub task_id: String,
    pub model: Option<String>,
    pub task_type: Option<String>,
    /// Lower-cased.
    pub status: Option<String>,
    pub input: Map<String, Value>,
    /// The task's `config`, or, when the view omits it, the usage mode
    /// `meta.is_using_private_pool` implies.
    pub config: Map<String, Value>,
    pub frozen_points: u64,
    pub consumed_points: u64,
}

impl TaskView {
    /// The request the task ran with, as a one-task estimate line; `None` without a model
    /// and task type.
    pub fn spec(&self) -> Option<TaskSpec> {
        let (model, task_type) = (self.model.as_deref()?, self.task_type.as_deref()?);
        Some(ops::reconcile::task_spec(
            model,
            task_type,
            self.input.clone(),
            self.config.clone(),
        ))
    }

    /// What PiAPI took, in USD.
    pub fn consumed_usd(&self) -> Decimal {
        points_to_usd(self.consumed_points)
    }
}

/// Reads a task view (`GET /api/v1/task/{id}`).
///
/// A task that has no `meta.usage` yet has frozen and consumed nothing: PiAPI adds the usage
/// once it charges. A usage whose `type` is not `"point"` is refused, because no other unit's
/// conversion to dollars is documented. PiAPI's task view often omits `config`; when it does
/// and `meta` says whether the task ran on the user's own pool (`is_using_private_pool`), that
/// decides the usage mode, so a host-your-account task is compared with a zero estimate rather
/// than a pay-as-you-go price.
pub fn task_view(body: &Value) -> Result<TaskView, PiapiShapeError> {
    let (data, at) = unwrap_envelope(body)?;
    let task_id = required_task_id(data, &at)?;
    let input = object_field(data, &at, "input")?
        .cloned()
        .unwrap_or_default();
    let config = object_field(data, &at, "config")?.cloned();

    let meta_at = at.child("meta");
    let meta = object_field(data, &at, "meta")?;
    let (frozen_points, consumed_points) = usage_in(meta, &meta_at)?.unwrap_or((0, 0));
    let private_pool = match meta.and_then(|m| present(m, "is_using_private_pool")) {
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(PiapiShapeError::at(
                meta_at.key("is_using_private_pool"),
                format!("expected true or false, got {}", describe(other)),
            ));
        }
        None => None,
    };
    Ok(TaskView {
        task_id,
        model: optional_string(data, &at, "model")?,
        task_type: optional_string(data, &at, "task_type")?,
        status: optional_string(data, &at, "status")?.map(|s| s.to_ascii_lowercase()),
        input,
        config: config.unwrap_or_else(|| mode_from_pool(private_pool)),
        frozen_points,
        consumed_points,
    })
}

/// Reads `GET /api/v1/task/{id}` into the `get_task_cost` result: what PiAPI froze and took
/// (`meta.usage`), beside the catalog's estimate of the task's own request and the comparison
/// `reconcile_charges` makes of it ([`ops::reconcile::compare`]).
///
/// The estimate prices one task built from the response's `model`, `task_type`, `input` and
/// `config` (see [`task_view`]). A task that cannot be priced still gets its real charge, with
/// `estimate: null` and the reason.
pub fn task_cost(billing: &Billing, body: &Value) -> Result<TaskCostResult, PiapiShapeError> {
    let view = task_view(body)?;
    let (estimate, estimate_error, check) = match view.spec() {
        Some(spec) => {
            let check = ops::reconcile::compare(billing.catalog(), &spec, view.consumed_usd())
                .ok()
                .map(|c| c.check());
            let (estimate, error) = estimate_one(billing, spec);
            (estimate, error, check)
        }
        None => (
            None,
            Some("the task view names no model and task_type to price".to_owned()),
            None,
        ),
    };
    Ok(TaskCostResult {
        task_id: view.task_id,
        model: view.model,
        task_type: view.task_type,
        status: view.status,
        frozen_usd: Usd(points_to_usd(view.frozen_points)),
        consumed_usd: Usd(points_to_usd(view.consumed_points)),
        frozen_points: view.frozen_points,
        consumed_points: view.consumed_points,
        estimate,
        estimate_error,
        check,
    })
}

/// What a task view says about money and progress, without pricing the task again: the
/// budget gateway settles its holds from this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskUsage {
    pub task_id: String,
    /// Lower case, as PiAPI sent it (`pending`, `processing`, `completed`, `failed`, …).
    pub status: Option<String>,
    /// `(frozen, consume)` points from `meta.usage`; `None` when the view has no usage yet.
    pub usage: Option<(u64, u64)>,
}

/// Reads `GET /api/v1/task/{id}` (or a webhook body carrying the same task object) for its
/// status and `meta.usage`, with the same shape rules as [`task_cost`].
pub fn task_usage(body: &Value) -> Result<TaskUsage, PiapiShapeError> {
    let (data, at) = unwrap_envelope(body)?;
    let task_id = required_task_id(data, &at)?;
    let status = optional_string(data, &at, "status")?.map(|s| s.to_ascii_lowercase());
    let meta_at = at.child("meta");
    let usage = usage_in(object_field(data, &at, "meta")?, &meta_at)?;
    Ok(TaskUsage {
        task_id,
        status,
        usage,
    })
}

/// A task view's `task_id`, which it must carry to be matched with anything.
fn required_task_id(data: &Map<String, Value>, at: &Path) -> Result<String, PiapiShapeError> {
    optional_string(data, at, "task_id")?
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            PiapiShapeError::at(at.key("task_id"), "missing; a task view carries its id")
        })
}

/// `(frozen, consume)` points from `meta.usage` (`meta` read at `meta_at`); `None` when the
/// task has no usage yet.
fn usage_in(
    meta: Option<&Map<String, Value>>,
    meta_at: &Path,
) -> Result<Option<(u64, u64)>, PiapiShapeError> {
    let Some(meta) = meta else {
        return Ok(None);
    };
    object_field(meta, meta_at, "usage")?
        .map(|usage| usage_points(usage, &meta_at.child("usage")))
        .transpose()
}

/// The `config` a task ran with, as far as `meta.is_using_private_pool` tells.
fn mode_from_pool(private_pool: Option<bool>) -> Map<String, Value> {
    let mut config = Map::new();
    if let Some(private) = private_pool {
        let mode = if private { "private" } else { "public" };
        config.insert("service_mode".to_owned(), Value::String(mode.to_owned()));
    }
    config
}

/// Prices one task; a task the catalog cannot price gives the reason instead of an estimate.
fn estimate_one(billing: &Billing, spec: TaskSpec) -> (Option<EstimateResult>, Option<String>) {
    let args = EstimateArgs {
        tasks: vec![spec],
        ..EstimateArgs::default()
    };
    match billing.estimate_cost(&args) {
        Ok(result) if result.lines.is_empty() => {
            let reason = result
                .errors
                .first()
                .map(|e| format!("{}: {}", e.code.as_str(), e.message))
                .unwrap_or_else(|| "the catalog priced no line for this task".to_owned());
            (None, Some(reason))
        }
        Ok(result) => (Some(result), None),
        Err(err) => (None, Some(err.message)),
    }
}

/// `meta.usage`: `{type: "point", frozen, consume}`.
fn usage_points(usage: &Map<String, Value>, at: &Path) -> Result<(u64, u64), PiapiShapeError> {
    match present(usage, "type") {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("point") => {}
        Some(other) => {
            return Err(PiapiShapeError::at(
                at.key("type"),
                format!(
                    "expected \"point\", got {}; no other usage unit has a documented dollar value",
                    describe(other)
                ),
            ));
        }
    }
    let frozen = present(usage, "frozen")
        .map(|v| points(v, &at.key("frozen")))
        .transpose()?;
    let consume = present(usage, "consume")
        .map(|v| points(v, &at.key("consume")))
        .transpose()?;
    Ok((frozen.unwrap_or(0), consume.unwrap_or(0)))
}

/// What `credit_pack_info` says, in points.
struct CreditPack {
    /// Spendable credits: `available_credits`, else `total − used − frozen`.
    available: Option<u64>,
    frozen: Option<u64>,
    /// The contract's object, when the pack gives an available and a used figure.
    credits: Option<Credits>,
}

fn credit_pack(pack: &Map<String, Value>, at: &Path) -> Result<CreditPack, PiapiShapeError> {
    let read = |key: &str| {
        present(pack, key)
            .map(|v| points(v, &at.key(key)))
            .transpose()
    };
    let available = read("available_credits")?;
    let used = read("used_credits")?;
    let total = read("total_credits")?;
    let frozen = read("frozen_credits")?;

    let available = match (available, total, used) {
        (Some(a), _, _) => Some(a),
        (None, Some(t), Some(u)) => {
            let f = frozen.unwrap_or(0);
            let rest = t.checked_sub(u).and_then(|rest| rest.checked_sub(f)).ok_or_else(|| {
                PiapiShapeError::at(
                    at.key("total_credits"),
                    format!("total_credits {t} is less than used_credits {u} plus frozen_credits {f}"),
                )
            })?;
            Some(rest)
        }
        _ => None,
    };
    let credits = match (available, used) {
        (Some(available), Some(used)) => {
            let f = frozen.unwrap_or(0);
            let total = match total {
                Some(t) => t,
                None => available
                    .checked_add(used)
                    .and_then(|s| s.checked_add(f))
                    .filter(|s| *s <= MAX_SAFE_POINTS)
                    .ok_or_else(|| {
                        PiapiShapeError::at(at.path(), "credit figures add up past 2^53 points")
                    })?,
            };
            Some(Credits {
                available: Usd(points_to_usd(available)),
                used: Usd(points_to_usd(used)),
                total: Usd(points_to_usd(total)),
                frozen: Usd(points_to_usd(f)),
            })
        }
        _ => None,
    };
    Ok(CreditPack {
        available,
        frozen,
        credits,
    })
}

/// `max_concurrent_task_count` and every `max_<service>_concurrency`, as whole numbers.
fn concurrency(
    data: &Map<String, Value>,
    at: &Path,
) -> Result<Map<String, Value>, PiapiShapeError> {
    let mut out = Map::new();
    for (key, value) in data {
        let is_limit = key == CONCURRENT_TASKS
            || (key.len() > CONCURRENCY_PREFIX.len() + CONCURRENCY_SUFFIX.len()
                && key.starts_with(CONCURRENCY_PREFIX)
                && key.ends_with(CONCURRENCY_SUFFIX));
        if !is_limit || value.is_null() {
            continue;
        }
        let n = whole(value, &at.key(key))?;
        out.insert(key.clone(), Value::Number(Number::from(n)));
    }
    Ok(out)
}

/// The first of `keys` that is present, as text: PiAPI sends ids as numbers in new responses
/// and as strings in older ones.
fn first_id(
    data: &Map<String, Value>,
    at: &Path,
    keys: &[&str],
) -> Result<Option<String>, PiapiShapeError> {
    for key in keys {
        match present(data, key) {
            None => continue,
            Some(Value::String(s)) => return Ok(Some(s.clone())),
            Some(Value::Number(n)) => return Ok(Some(n.to_string())),
            Some(other) => {
                return Err(PiapiShapeError::at(
                    at.key(key),
                    format!("expected a string or a number, got {}", describe(other)),
                ));
            }
        }
    }
    Ok(None)
}

/// Finds the payload: the `data` of PiAPI's envelope, or the body itself when it is bare.
fn unwrap_envelope(body: &Value) -> Result<(&Map<String, Value>, Path), PiapiShapeError> {
    let Value::Object(top) = body else {
        return Err(PiapiShapeError::at(
            "",
            format!("expected a JSON object, got {}", describe(body)),
        ));
    };
    if !top.contains_key("data") {
        return Ok((top, Path::root()));
    }
    if let Some(code) = present(top, "code") {
        let code = code.as_i64().ok_or_else(|| {
            PiapiShapeError::at(
                "code",
                format!("expected an integer, got {}", describe(code)),
            )
        })?;
        // 200 is the documented success; 0 is accepted too because some PiAPI endpoints use it.
        if !(code == 0 || (200..300).contains(&code)) {
            let said = match present(top, "message") {
                Some(Value::String(m)) => format!(": {}", clip(m, MAX_MESSAGE_CHARS)),
                _ => String::new(),
            };
            return Err(PiapiShapeError {
                field: "code".to_owned(),
                message: format!("PiAPI refused the request with code {code}{said}"),
                api_code: Some(code),
            });
        }
    }
    match &top["data"] {
        Value::Object(data) => Ok((data, Path::root().child("data"))),
        other => Err(PiapiShapeError::at(
            "data",
            format!("expected an object, got {}", describe(other)),
        )),
    }
}

/// A field's value, with JSON null read as absent (PiAPI sends both for "not set").
fn present<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn object_field<'a>(
    map: &'a Map<String, Value>,
    at: &Path,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, PiapiShapeError> {
    match present(map, key) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(PiapiShapeError::at(
            at.key(key),
            format!("expected an object, got {}", describe(other)),
        )),
    }
}

fn optional_string(
    map: &Map<String, Value>,
    at: &Path,
    key: &str,
) -> Result<Option<String>, PiapiShapeError> {
    match present(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PiapiShapeError::at(
            at.key(key),
            format!("expected a string, got {}", describe(other)),
        )),
    }
}

/// An exact decimal from a JSON number (read from its digits) or a decimal string.
fn decimal(v: &Value, field: &str) -> Result<Decimal, PiapiShapeError> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            return Err(PiapiShapeError::at(
                field,
                format!(
                    "expected a number or a decimal string, got {}",
                    describe(other)
                ),
            ));
        }
    };
    parse_decimal(text.trim())
        .map_err(|_| PiapiShapeError::at(field, format!("{} is not a decimal number", describe(v))))
}

/// A dollar amount: exact and not negative.
fn usd(v: &Value, field: &str) -> Result<Decimal, PiapiShapeError> {
    let d = decimal(v, field)?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(PiapiShapeError::at(
            field,
            format!("a balance cannot be negative, got {}", describe(v)),
        ));
    }
    Ok(d.normalize())
}

/// A whole, non-negative count that a JavaScript consumer reads exactly.
fn whole(v: &Value, field: &str) -> Result<u64, PiapiShapeError> {
    let d = decimal(v, field)?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(PiapiShapeError::at(
            field,
            format!("cannot be negative, got {}", describe(v)),
        ));
    }
    if !d.fract().is_zero() {
        return Err(PiapiShapeError::at(
            field,
            format!("expected a whole number, got {}", describe(v)),
        ));
    }
    d.trunc()
        .to_u64()
        .filter(|n| *n <= MAX_SAFE_POINTS)
        .ok_or_else(|| {
            PiapiShapeError::at(field, format!("{} is larger than 2^53 − 1", describe(v)))
        })
}

/// Points: whole and non-negative (1 USD = 10,000,000 points).
fn points(v: &Value, field: &str) -> Result<u64, PiapiShapeError> {
    whole(v, field).map_err(|mut e| {
        e.message
            .push_str(" (points are whole numbers; 1 USD = 10,000,000 points)");
        e
    })
}

fn points_usd(v: &Value, field: &str) -> Result<Decimal, PiapiShapeError> {
    points(v, field).map(points_to_usd)
}

fn points_to_usd(points: u64) -> Decimal {
    (Decimal::from(points) / Decimal::from(POINTS_PER_USD)).normalize()
}

/// A value for an error message: its JSON type, and a short prefix of scalars.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => clip(&n.to_string(), MAX_VALUE_CHARS),
        Value::String(s) => format!("\"{}\"", clip(s, MAX_VALUE_CHARS)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// At most `max` characters of text from PiAPI, so messages stay short and cannot carry a
/// reflected request at length.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// A JSON path under construction, for error messages.
#[derive(Clone, Debug)]
struct Path(String);

impl Path {
    fn root() -> Self {
        Path(String::new())
    }

    fn child(&self, key: &str) -> Path {
        Path(self.key(key))
    }

    fn key(&self, key: &str) -> String {
        if self.0.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.0)
        }
    }

    fn path(&self) -> String {
        self.0.clone()
    }

    /// The path as a prefix for sibling names: `"data."` or `""`.
    fn prefix(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!("{}.", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const AT: &str = "2026-11-24T17:00:00Z";

    fn balance(body: Value) -> CheckBalanceResult {
        balance_from_account_info(&body, AT).unwrap()
    }

    fn balance_err(body: Value) -> PiapiShapeError {
        balance_from_account_info(&body, AT).unwrap_err()
    }

    fn text(json_text: &str) -> Value {
        serde_json::from_str(json_text).unwrap()
    }

    /// The current shape, as `GET /account/info` answers it (facts §6).
    fn new_shape() -> Value {
        text(
            r#"{"code": 200, "message": "success", "data": {
                "id": 48213, "name": "acme-studio", "plan": "creator", "type": "user",
                "is_enable": true, "equivalent_in_usd": 12.3456789,
                "credit_pack_info": {
                    "available_credits": 123456789, "used_credits": 66543211,
                    "total_credits": 200000000, "frozen_credits": 10000000,
                    "expired_credits": 0, "inactive_credits": 0, "credit_packs_count": 1,
                    "credit_packs": [{"id": 7, "active": true, "capacity": 200000000,
                                      "expired_at": "2027-05-01T00:00:00Z"}]
                },
                "max_concurrent_task_count": 10, "max_kling_concurrency": 5,
                "max_flux_concurrency": "3", "max_image_toolkit_concurrency": 2,
                "is_using_private_kling_pool": false
            }}"#,
        )
    }

    #[test]
    fn new_shape_reads_dollars_credits_account_and_limits() {
        let r = balance(new_shape());
        assert_eq!(r.available_usd.to_string(), "12.3456789");
        assert_eq!(r.frozen_usd.to_string(), "1.00");
        let c = r.credits.unwrap();
        assert_eq!(
            [c.available, c.used, c.total, c.frozen].map(|u| u.to_string()),
            ["12.3456789", "6.6543211", "20.00", "1.00"]
        );
        assert_eq!(r.account.id.as_deref(), Some("48213"));
        assert_eq!(r.account.name.as_deref(), Some("acme-studio"));
        assert_eq!(r.plan.as_deref(), Some("creator"));
        assert_eq!(
            Value::Object(r.concurrency),
            json!({"max_concurrent_task_count": 10, "max_kling_concurrency": 5,
                   "max_flux_concurrency": 3, "max_image_toolkit_concurrency": 2})
        );
        assert_eq!(r.source, "piapi");
        assert_eq!(r.fetched_at, AT);
    }

    #[test]
    fn legacy_wallet_points_are_divided_by_ten_million() {
        let r = balance(json!({"code": 200, "message": "success", "data": {
            "id": "u-1", "name": "old-timer",
            "wallet": {"point_remain": "45000000", "point_frozen": 2000000, "point_used": 1000,
                       "auto_recharge_enabled": false}
        }}));
        assert_eq!(r.available_usd.to_string(), "4.50");
        assert_eq!(r.frozen_usd.to_string(), "0.20");
        assert_eq!(r.credits, None);
        assert_eq!(r.plan, None);
        assert!(r.concurrency.is_empty());
    }

    #[test]
    fn older_bare_shape_with_top_level_credits() {
        let r =
            balance(json!({"account_name": "first", "account_id": "acc_9", "credits": 5000000}));
        assert_eq!(r.available_usd.to_string(), "0.50");
        assert_eq!(r.frozen_usd.to_string(), "0.00");
        assert_eq!(
            r.account,
            AccountRef {
                id: Some("acc_9".into()),
                name: Some("first".into())
            }
        );
    }

    #[test]
    fn equivalent_in_usd_wins_and_nulls_count_as_missing() {
        let r = balance(json!({"data": {"equivalent_in_usd": "3.25",
                                       "wallet": {"point_remain": 1, "point_frozen": 5}}}));
        assert_eq!(r.available_usd.to_string(), "3.25");
        assert_eq!(r.frozen_usd.to_string(), "0.0000005");

        let r = balance(
            json!({"data": {"equivalent_in_usd": null, "credit_pack_info": null,
                                       "wallet": {"point_remain": 7000000}}}),
        );
        assert_eq!(r.available_usd.to_string(), "0.70");
    }

    #[test]
    fn money_is_exact_from_json_number_digits() {
        let r = balance(text(r#"{"data": {"equivalent_in_usd": 0.1}}"#));
        assert_eq!(r.available_usd.0 + Decimal::new(2, 1), Decimal::new(3, 1));
        let r = balance(text(
            r#"{"data": {"equivalent_in_usd": 123456789.123456789}}"#,
        ));
        assert_eq!(r.available_usd.to_string(), "123456789.123456789");
    }

    #[test]
    fn credit_pack_without_available_subtracts_used_and_frozen() {
        let r = balance(json!({"data": {"credit_pack_info": {
            "total_credits": 200000000, "used_credits": 50000000, "frozen_credits": 10000000}}}));
        assert_eq!(r.available_usd.to_string(), "14.00");
        assert_eq!(r.credits.unwrap().total.to_string(), "20.00");

        let r = balance(json!({"data": {"credit_pack_info": {
            "available_credits": 30000000, "used_credits": 10000000}}}));
        let c = r.credits.unwrap();
        assert_eq!(
            (c.total.to_string(), c.frozen.to_string()),
            ("4.00".into(), "0.00".into())
        );
    }

    #[test]
    fn credit_pack_with_only_an_available_figure_still_gives_the_balance() {
        let r = balance(json!({"data": {"credit_pack_info": {"available_credits": 2500000}}}));
        assert_eq!(r.available_usd.to_string(), "0.25");
        assert_eq!(
            r.credits, None,
            "without a used figure the credits object is not filled in"
        );
    }

    #[test]
    fn frozen_falls_back_from_the_credit_pack_to_the_wallet() {
        let r = balance(json!({"data": {
            "equivalent_in_usd": "5",
            "credit_pack_info": {"available_credits": 50000000, "used_credits": 0},
            "wallet": {"point_remain": 1, "point_frozen": 3000000}
        }}));
        assert_eq!(r.frozen_usd.to_string(), "0.30");
        assert_eq!(r.credits.unwrap().frozen.to_string(), "0.00");

        let r = balance(json!({"data": {
            "credit_pack_info": {"available_credits": 50000000, "frozen_credits": 1000000},
            "wallet": {"point_remain": 1, "point_frozen": 3000000}
        }}));
        assert_eq!(r.available_usd.to_string(), "5.00");
        assert_eq!(r.frozen_usd.to_string(), "0.10");
    }

    #[test]
    fn inconsistent_credit_pack_is_refused() {
        let e = balance_err(json!({"data": {"credit_pack_info": {
            "total_credits": 10, "used_credits": 8, "frozen_credits": 5}}}));
        assert_eq!(e.field, "data.credit_pack_info.total_credits");
        assert!(
            e.message
                .contains("less than used_credits 8 plus frozen_credits 5"),
            "{e}"
        );
    }

    #[test]
    fn no_balance_figure_names_every_field_looked_for() {
        let e = balance_err(json!({"code": 200, "data": {"id": 1, "name": "x", "plan": "free"}}));
        for f in [
            "data.equivalent_in_usd",
            "data.credit_pack_info.available_credits",
            "data.wallet.point_remain",
            "data.credits",
        ] {
            assert!(e.message.contains(f), "{f} missing from: {e}");
        }
    }

    #[test]
    fn negative_and_garbage_values_are_refused_with_the_field() {
        let cases = [
            (
                json!({"equivalent_in_usd": "-1.00"}),
                "equivalent_in_usd",
                "cannot be negative",
            ),
            (
                json!({"equivalent_in_usd": "12,50"}),
                "equivalent_in_usd",
                "is not a decimal number",
            ),
            (
                json!({"equivalent_in_usd": true}),
                "equivalent_in_usd",
                "expected a number or a decimal string",
            ),
            (
                json!({"wallet": {"point_remain": "12.5"}}),
                "wallet.point_remain",
                "whole number",
            ),
            (
                json!({"wallet": {"point_remain": -3}}),
                "wallet.point_remain",
                "cannot be negative",
            ),
            (json!({"wallet": "lots"}), "wallet", "expected an object"),
            (json!({"credits": 1e300}), "credits", "not a decimal number"),
            (
                json!({"credits": 9007199254740992u64}),
                "credits",
                "larger than 2^53 − 1",
            ),
            (
                json!({"equivalent_in_usd": 1, "plan": 3}),
                "plan",
                "expected a string",
            ),
            (
                json!({"equivalent_in_usd": 1, "max_kling_concurrency": -1}),
                "max_kling_concurrency",
                "negative",
            ),
            (
                json!({"equivalent_in_usd": 1, "id": [1]}),
                "id",
                "expected a string or a number",
            ),
        ];
        for (data, field, says) in cases {
            let e = balance_err(json!({"code": 200, "data": data}));
            assert_eq!(e.field, format!("data.{field}"), "{e}");
            assert!(e.message.contains(says), "{e} should say {says}");
            assert!(
                e.message
                    .starts_with(&format!("PiAPI response field data.{field}:")),
                "{e}"
            );
        }
    }

    #[test]
    fn long_garbage_is_clipped_in_messages() {
        let long = "x".repeat(500);
        let e = balance_err(json!({"data": {"equivalent_in_usd": long}}));
        assert!(e.message.len() < 200, "{e}");
    }

    #[test]
    fn envelope_refusals_and_non_objects_are_errors() {
        let e = balance_err(json!({"code": 401, "message": "Invalid API key", "data": null}));
        assert_eq!(e.api_code, Some(401));
        assert!(e.message.contains("code 401: Invalid API key"), "{e}");

        let e = balance_err(json!({"code": 200, "message": "success", "data": null}));
        assert_eq!((e.field.as_str(), e.api_code), ("data", None));

        assert!(
            balance_err(json!([1, 2]))
                .message
                .contains("expected a JSON object, got an array")
        );
        assert!(
            balance_err(json!({"code": "ok", "data": {}}))
                .message
                .contains("expected an integer")
        );
    }

    /// Kling 3.0 pro, 10 s with audio, completed: PiAPI froze a flat $1 and took $2.
    fn kling_task(usage: Value) -> Value {
        json!({"code": 200, "message": "success", "data": {
            "task_id": "0f4a7c52-3f1e-4b6e-9a55-7f2b0b8a9d10", "model": "kling",
            "task_type": "video_generation", "status": "Completed",
            "input": {"prompt": "a red fox in snow", "version": "3.0", "mode": "pro",
                      "duration": 10, "enable_audio": true},
            "output": {"video_url": "https://example.invalid/v.mp4"},
            "meta": {"created_at": "2026-11-24T16:58:00Z", "usage": usage,
                     "is_using_private_pool": false},
            "error": {"code": 0, "message": ""}
        }})
    }

    #[test]
    fn task_usage_is_read_in_points_and_dollars() {
        let body = kling_task(json!({"type": "point", "frozen": 10000000, "consume": 20000000}));
        let r = task_cost(&Billing::new(), &body).unwrap();
        assert_eq!(r.task_id, "0f4a7c52-3f1e-4b6e-9a55-7f2b0b8a9d10");
        assert_eq!(
            (r.model.as_deref(), r.task_type.as_deref()),
            (Some("kling"), Some("video_generation"))
        );
        assert_eq!(r.status.as_deref(), Some("completed"));
        assert_eq!(
            (r.frozen_points, r.consumed_points),
            (10_000_000, 20_000_000)
        );
        assert_eq!(
            (r.frozen_usd.to_string(), r.consumed_usd.to_string()),
            ("1.00".into(), "2.00".into())
        );
    }

    #[test]
    fn task_estimate_is_the_catalog_price_of_its_own_input() {
        let body =
            kling_task(json!({"type": "point", "frozen": "10000000", "consume": "20000000"}));
        let r = task_cost(&Billing::new(), &body).unwrap();
        assert_eq!(r.estimate_error, None);
        let e = r.estimate.unwrap();
        assert_eq!(e.total_max_usd.to_string(), "2.00");
        assert_eq!(e.total_max_points, r.consumed_points);
    }

    #[test]
    fn task_cost_checks_the_charge_as_reconcile_does() {
        let body = kling_task(json!({"type": "point", "frozen": 0, "consume": 20000000}));
        let r = task_cost(&Billing::new(), &body).unwrap();
        let line = r.estimate.as_ref().unwrap().lines[0].clone();
        let check = r.check.expect("a priced task is checked");
        assert_eq!(check.entry_id, line.entry_id);
        assert_eq!(
            check.inside,
            line.min_usd.0 <= r.consumed_usd.0 && r.consumed_usd.0 <= line.max_usd.0
        );
        assert_eq!(
            (check.estimated_min_usd, check.estimated_max_usd),
            (line.min_usd, line.max_usd)
        );

        // Charged twice the estimate: outside, at twice the unit price.
        let doubled = line.max_usd.0 * Decimal::from(2u8) * Decimal::from(POINTS_PER_USD);
        let body =
            kling_task(json!({"type": "point", "frozen": 0, "consume": doubled.to_string()}));
        let check = task_cost(&Billing::new(), &body).unwrap().check.unwrap();
        assert!(!check.inside);
        assert_eq!(
            check.implied_unit_price_usd.unwrap().0,
            line.unit_price_usd.0 * Decimal::from(2u8)
        );
    }

    #[test]
    fn task_without_usage_has_charged_nothing_yet() {
        let mut body = kling_task(Value::Null);
        body["data"]["status"] = json!("PENDING");
        let r = task_cost(&Billing::new(), &body).unwrap();
        assert_eq!(r.status.as_deref(), Some("pending"));
        assert_eq!((r.frozen_points, r.consumed_points), (0, 0));
        assert_eq!(r.consumed_usd.to_string(), "0.00");
    }

    #[test]
    fn task_without_model_keeps_the_charge_and_explains_the_missing_estimate() {
        let r = task_cost(
            &Billing::new(),
            &json!({"data": {"task_id": "t1", "status": "failed",
            "meta": {"usage": {"type": "point", "frozen": 2000000, "consume": 0}}}}),
        )
        .unwrap();
        assert_eq!(r.frozen_usd.to_string(), "0.20");
        assert_eq!(r.estimate, None);
        assert!(r.estimate_error.unwrap().contains("no model"));
    }

    #[test]
    fn task_usage_garbage_is_refused_with_the_field() {
        let cases = [
            (
                json!({"type": "credit", "frozen": 1, "consume": 1}),
                "data.meta.usage.type",
                "expected \"point\"",
            ),
            (
                json!({"type": "point", "frozen": 1, "consume": -20000000}),
                "data.meta.usage.consume",
                "negative",
            ),
            (
                json!({"type": "point", "frozen": "1.5", "consume": 0}),
                "data.meta.usage.frozen",
                "whole number",
            ),
            (
                json!({"type": "point", "frozen": "lots", "consume": 0}),
                "data.meta.usage.frozen",
                "not a decimal",
            ),
            (json!("point"), "data.meta.usage", "expected an object"),
        ];
        for (usage, field, says) in cases {
            let e = task_cost(&Billing::new(), &kling_task(usage)).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert!(e.message.contains(says), "{e} should say {says}");
        }
    }

    #[test]
    fn task_view_needs_its_id() {
        let e = task_cost(&Billing::new(), &json!({"data": {"model": "kling"}})).unwrap_err();
        assert_eq!(e.field, "data.task_id");
        let e = task_cost(
            &Billing::new(),
            &json!({"code": 404, "message": "task not found", "data": null}),
        )
        .unwrap_err();
        assert_eq!(e.api_code, Some(404));
    }

    #[test]
    fn private_pool_decides_the_mode_when_config_is_absent() {
        let mut body = kling_task(json!({"type": "point", "frozen": 0, "consume": 0}));
        body["data"]["meta"]["is_using_private_pool"] = json!(true);
        let r = task_cost(&Billing::new(), &body).unwrap();
        let e = r
            .estimate
            .expect("a host-your-account Kling task is priced at zero");
        assert_eq!(e.total_max_usd.to_string(), "0.00");

        body["data"]["meta"]["is_using_private_pool"] = json!("yes");
        let err = task_cost(&Billing::new(), &body).unwrap_err();
        assert_eq!(err.field, "data.meta.is_using_private_pool");
    }

    #[test]
    fn pool_flag_sets_service_mode_only_when_known() {
        assert_eq!(
            Value::Object(mode_from_pool(Some(true))),
            json!({"service_mode": "private"})
        );
        assert_eq!(
            Value::Object(mode_from_pool(Some(false))),
            json!({"service_mode": "public"})
        );
        assert!(mode_from_pool(None).is_empty());
    }

    #[test]
    fn unpriceable_task_reports_why() {
        let body = json!({"data": {"task_id": "t2", "model": "no-such-model", "task_type": "x",
                                   "meta": {"usage": {"type": "point", "frozen": 0, "consume": 0}}}});
        let r = task_cost(&Billing::new(), &body).unwrap();
        assert_eq!(r.estimate, None);
        assert!(r.estimate_error.is_some_and(|m| !m.is_empty()));
    }
}
