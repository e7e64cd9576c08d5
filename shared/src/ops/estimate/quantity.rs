//! How many units one task consumes, rule by rule: one function per [`QuantityRule`] kind, so a
//! new pricing shape is one variant in `model::entry` and one function here.
//!
//! A quantity is an interval: exact when the request fixes it, spanning a documented range when
//! it depends on media the estimator cannot see, or unbounded (an error naming the hint that
//! would fix it).

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::values::show;
use super::{LineResult, invalid};
use crate::contract::Hints;
use crate::contract::{LineErrorCode, TaskSpec};
use crate::model::{Entry, Plus, QuantityRule, SecondsHint, SumWhen};
use crate::money::Dec;
use crate::money::{parse_decimal, whole};
use crate::text::Text;

/// Bounds on hints, so that no product can overflow and every figure stays an exact JSON integer.
const MAX_VIDEO_SECONDS: u64 = 86_400;
const MAX_FRAMES: u64 = 10_000_000;
pub(super) const MAX_PIXELS_SIDE: u64 = 65_536;
const MEGAPIXEL: u64 = 1_000_000;

/// Units per task: `[min, max]`, `max` absent only where the caller must give a hint.
pub(super) struct Quantity {
    pub min: Decimal,
    pub max: Option<Decimal>,
    pub warning: Option<String>,
}

impl Quantity {
    fn exact(q: u64) -> Self {
        Quantity {
            min: Decimal::from(q),
            max: Some(Decimal::from(q)),
            warning: None,
        }
    }

    fn spanning(min: u64, max: u64, warning: String) -> Self {
        Quantity {
            min: Decimal::from(min),
            max: Some(Decimal::from(max)),
            warning: Some(warning),
        }
    }
}

/// What a rule reads: the task, and where to record a default it applied.
pub(super) struct Ctx<'a> {
    pub entry: &'a Entry,
    pub task: &'a TaskSpec,
    pub defaults_used: &'a mut Vec<Text>,
}

impl Ctx<'_> {
    fn input(&self) -> &Map<String, Value> {
        &self.task.input
    }

    /// Records that `field` took its documented default `value`.
    fn used_default(&mut self, field: &str, value: u64) {
        let label = self.entry.default_label(field, || Value::from(value));
        self.defaults_used.push(label);
    }

    /// "kling video_generation": the service, for messages.
    fn service(&self) -> String {
        format!("{} {}", self.entry.model, self.entry.task_type)
    }
}

impl QuantityRule {
    /// Units one task of `cx.task` consumes under this rule.
    pub(super) fn quantity(&self, cx: &mut Ctx<'_>) -> LineResult<Quantity> {
        match self {
            QuantityRule::One => Ok(Quantity::exact(1)),
            QuantityRule::Input {
                field,
                min,
                max,
                allowed,
                default,
                per,
                sum_when,
                suffix,
                plus,
            } => {
                let limits = InputLimits {
                    field,
                    min: *min,
                    max: *max,
                    allowed: allowed.as_deref(),
                    default: *default,
                    per: *per,
                    suffix: suffix.as_deref(),
                };
                let q = input_quantity(cx, &limits, sum_when.as_ref())?;
                match plus {
                    Some(plus) => add_input_seconds(cx, q, plus),
                    None => Ok(q),
                }
            }
            QuantityRule::TextBlocks {
                field,
                block,
                max_chars,
            } => text_blocks(cx.input(), field, *block, *max_chars),
            QuantityRule::VideoSeconds {
                block,
                hint,
                min,
                max,
            } => video_seconds(
                cx,
                hint.unwrap_or(SecondsHint::VideoSeconds),
                *block,
                *min,
                *max,
            ),
            QuantityRule::Frames { max } => frames(cx, *max),
            QuantityRule::Megapixels {
                min,
                scale_field,
                scale_default,
            } => megapixels(cx, *min, scale_field.as_deref(), *scale_default),
        }
    }
}

/// The limits of an input-driven quantity.
struct InputLimits<'a> {
    field: &'a str,
    min: u64,
    max: u64,
    allowed: Option<&'a [u64]>,
    default: Option<u64>,
    per: u64,
    suffix: Option<&'a str>,
}

impl InputLimits<'_> {
    /// "5, 10" or "3 to 15", for messages (most lines never build it).
    fn range(&self) -> String {
        match self.allowed {
            Some(a) => a.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            None => format!("{} to {}", self.min, self.max),
        }
    }

    /// The whole number a value gives: a JSON integer, its text, or with a suffix its text
    /// ending in the suffix (`"8s"`).
    fn number(&self, v: &Value) -> Option<u64> {
        match (v, self.suffix) {
            (Value::String(s), Some(suffix)) => match s.strip_suffix(suffix) {
                Some(n) => whole_number(&Value::String(n.to_string())),
                None => whole_number(v),
            },
            _ => whole_number(v),
        }
    }

    fn accepts(&self, n: u64) -> bool {
        n >= self.min
            && n <= self.max
            && self.allowed.is_none_or(|a| a.contains(&n))
            && n.is_multiple_of(self.per)
    }
}

/// An integer input (a duration, a batch size), or with multi-shot the sum of the shots.
fn input_quantity(
    cx: &mut Ctx<'_>,
    limits: &InputLimits<'_>,
    sum_when: Option<&SumWhen>,
) -> LineResult<Quantity> {
    let multi = sum_when.filter(|s| applies(cx.input(), s));
    let value = match multi {
        Some(s) => shots_total(cx.input(), s, limits)?,
        None => match cx.input().get(limits.field) {
            Some(v) if !v.is_null() => {
                let n = limits.number(v).ok_or_else(|| {
                    let msg = format!(
                        "input.{} must be a whole number ({}), got {}",
                        limits.field,
                        limits.range(),
                        show(v)
                    );
                    (LineErrorCode::InvalidInput, msg)
                })?;
                if !limits.accepts(n) {
                    return invalid(format!(
                        "input.{} must be {}, got {n}",
                        limits.field,
                        limits.range()
                    ));
                }
                n
            }
            _ => match limits.default {
                Some(d) => {
                    cx.used_default(limits.field, d);
                    d
                }
                None => {
                    let (field, range) = (limits.field, limits.range());
                    return invalid(format!("input.{field} is required ({range})"));
                }
            },
        },
    };
    Ok(Quantity::exact(value / limits.per))
}

/// Whether a multi-shot sum applies: its flag is true, or (without a flag) the shots are given.
fn applies(input: &Map<String, Value>, s: &SumWhen) -> bool {
    match &s.flag {
        Some(flag) => matches!(input.get(flag), Some(Value::Bool(true))),
        None => matches!(input.get(&s.array), Some(Value::Array(shots)) if !shots.is_empty()),
    }
}

/// Kling multi-shot: the sum of `array[].field`, within the limits.
fn shots_total(
    input: &Map<String, Value>,
    s: &SumWhen,
    limits: &InputLimits<'_>,
) -> LineResult<u64> {
    // Only reached when the sum applies: with a flag that is true, without one never empty.
    let not_a_list = || {
        let flag = s.flag.as_deref().unwrap_or_default();
        invalid(format!(
            "input.{flag} is true, so input.{} must be a non-empty list",
            s.array
        ))
    };
    let Some(Value::Array(shots)) = input.get(&s.array) else {
        return not_a_list();
    };
    if shots.is_empty() {
        return not_a_list();
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
    if total < limits.min || total > limits.max {
        return invalid(format!(
            "the sum of input.{}[].{} must be {}, got {total}",
            s.array,
            s.field,
            limits.range()
        ));
    }
    Ok(total)
}

/// Characters of a text input, in started blocks.
fn text_blocks(
    input: &Map<String, Value>,
    field: &str,
    block: u64,
    max_chars: u64,
) -> LineResult<Quantity> {
    let text = match input.get(field) {
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
    if chars == 0 || chars > max_chars {
        return invalid(format!(
            "input.{field} must be 1 to {max_chars} characters, got {chars}"
        ));
    }
    Ok(Quantity::exact(chars.div_ceil(block)))
}

/// Seconds of media from a hint, in started blocks; a documented maximum bounds it when the
/// hint is missing.
fn video_seconds(
    cx: &Ctx<'_>,
    hint: SecondsHint,
    block: u64,
    min: u64,
    max: Option<u64>,
) -> LineResult<Quantity> {
    let name = hint.as_str();
    let Some(secs) = hinted_seconds(&cx.task.hints, hint)? else {
        return match max {
            Some(m) => Ok(Quantity::spanning(
                min,
                m.div_ceil(block),
                format!(
                    "the length is not known: the estimate spans up to the documented {m} s; pass hints.{name} for an exact figure"
                ),
            )),
            None => Err((
                LineErrorCode::Unbounded,
                format!(
                    "{} is priced per {} of {}, which the request does not fix: pass hints.{name}",
                    cx.service(),
                    unit_phrase(block),
                    media(hint)
                ),
            )),
        };
    };
    let mut q = (secs / Decimal::from(block)).ceil().max(Decimal::from(min));
    let mut warning = None;
    if let Some(m) = max {
        let cap = Decimal::from(m.div_ceil(block));
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

/// The seconds a hint gives, checked: more than 0 and at most a day.
fn hinted_seconds(hints: &Hints, hint: SecondsHint) -> LineResult<Option<Decimal>> {
    let value: Option<Dec> = match hint {
        SecondsHint::VideoSeconds => hints.video_seconds,
        SecondsHint::AudioSeconds => hints.audio_seconds,
        SecondsHint::InputVideoSeconds => hints.input_video_seconds,
    };
    match value {
        Some(secs) if secs.0 <= Decimal::ZERO || secs.0 > Decimal::from(MAX_VIDEO_SECONDS) => {
            invalid(format!(
                "hints.{} must be > 0 and at most {MAX_VIDEO_SECONDS}, got {secs}",
                hint.as_str()
            ))
        }
        other => Ok(other.map(|s| s.0)),
    }
}

fn media(hint: SecondsHint) -> &'static str {
    match hint {
        SecondsHint::AudioSeconds => "audio",
        SecondsHint::VideoSeconds | SecondsHint::InputVideoSeconds => "video",
    }
}

/// Adds billed input seconds (`factor × hint`, over every factor) to an input quantity.
fn add_input_seconds(cx: &Ctx<'_>, q: Quantity, plus: &Plus) -> LineResult<Quantity> {
    let (lo_f, hi_f) = factor_range(&plus.factors);
    let (lo_s, hi_s, warning) = match hinted_seconds(&cx.task.hints, plus.hint)? {
        Some(secs) => (secs, secs, None),
        None => match plus.max {
            Some(m) => (
                Decimal::ZERO,
                Decimal::from(m),
                Some(format!(
                    "the input media's length is not known: the estimate spans 0 to the documented {m} s; pass hints.{} for an exact figure",
                    plus.hint.as_str()
                )),
            ),
            None => {
                return Err((
                    LineErrorCode::Unbounded,
                    format!(
                        "{} also bills the seconds of its input {}, which the request does not give: pass hints.{}",
                        cx.service(),
                        media(plus.hint),
                        plus.hint.as_str()
                    ),
                ));
            }
        },
    };
    Ok(Quantity {
        min: q.min + lo_f * lo_s,
        max: q.max.map(|m| m + hi_f * hi_s),
        warning: q.warning.or(warning),
    })
}

fn factor_range(factors: &[Dec]) -> (Decimal, Decimal) {
    let lo = factors.iter().map(|f| f.0).min().unwrap_or(Decimal::ZERO);
    let hi = factors.iter().map(|f| f.0).max().unwrap_or(Decimal::ZERO);
    (lo, hi)
}

fn unit_phrase(block: u64) -> String {
    if block == 1 {
        "second".to_string()
    } else {
        format!("started {block} s")
    }
}

/// Frames from `hints.frames`; a documented maximum bounds it when the hint is missing.
fn frames(cx: &Ctx<'_>, max: Option<u64>) -> LineResult<Quantity> {
    match (cx.task.hints.frames, max) {
        (Some(f), _) if (1..=MAX_FRAMES).contains(&f) => Ok(Quantity::exact(f)),
        (Some(f), _) => invalid(format!("hints.frames must be 1 to {MAX_FRAMES}, got {f}")),
        (None, Some(m)) => Ok(Quantity::spanning(
            1,
            m,
            format!(
                "the frame count is not known: the estimate spans up to the documented {m} frames; pass hints.frames"
            ),
        )),
        (None, None) => Err((
            LineErrorCode::Unbounded,
            format!(
                "{} is priced per frame, which the request does not fix: pass hints.frames",
                cx.service()
            ),
        )),
    }
}

/// Started megapixels of the hinted image, scaled by the input's scale factor, at least `min`.
fn megapixels(
    cx: &mut Ctx<'_>,
    min: u64,
    scale_field: Option<&str>,
    scale_default: Option<u64>,
) -> LineResult<Quantity> {
    let Some(pixels) = hinted_pixels(cx.task)? else {
        return Err((
            LineErrorCode::Unbounded,
            format!(
                "{} is priced per megapixel of an image the request does not describe: pass hints.width and hints.height",
                cx.service()
            ),
        ));
    };
    let scale = match scale_field {
        Some(f) => scale_factor(cx, f, scale_default.unwrap_or(1))?,
        None => 1,
    };
    let out = pixels * scale * scale;
    Ok(Quantity::exact(out.div_ceil(MEGAPIXEL).max(min)))
}

fn scale_factor(cx: &mut Ctx<'_>, field: &str, default: u64) -> LineResult<u64> {
    match cx.input().get(field) {
        Some(v) if !v.is_null() => match whole_number(v).filter(|s| (1..=8).contains(s)) {
            Some(s) => Ok(s),
            None => invalid(format!(
                "input.{field} must be a whole number 1 to 8, got {}",
                show(v)
            )),
        },
        _ => {
            cx.used_default(field, default);
            Ok(default)
        }
    }
}

/// Reads a whole number from an input value: a JSON integer or its decimal text.
pub(super) fn whole_number(v: &Value) -> Option<u64> {
    let text = match v {
        Value::Number(n) => match n.as_u64() {
            Some(u) => return Some(u),
            None => n.as_str(),
        },
        Value::String(s) => s.as_str(),
        _ => return None,
    };
    parse_decimal(text).ok().and_then(whole)
}

/// Pixels from `hints.width × hints.height`, when both are given.
pub(super) fn hinted_pixels(task: &TaskSpec) -> LineResult<Option<u64>> {
    match (task.hints.width, task.hints.height) {
        (Some(w), Some(h)) => checked_pixels(w, h, "hints").map(Some),
        (None, None) => Ok(None),
        _ => invalid("hints.width and hints.height must be given together"),
    }
}

pub(super) fn checked_pixels(w: u64, h: u64, at: &str) -> LineResult<u64> {
    if !(1..=MAX_PIXELS_SIDE).contains(&w) || !(1..=MAX_PIXELS_SIDE).contains(&h) {
        return invalid(format!(
            "{at}.width and {at}.height must be 1 to {MAX_PIXELS_SIDE} pixels, got {w} x {h}"
        ));
    }
    Ok(w * h)
}
