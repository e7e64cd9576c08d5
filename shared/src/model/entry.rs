//! One catalog row and the vocabulary it is written in: units, quantity rules, tiers, freezes,
//! statuses and confidences.
//!
//! These are data, declared once: their JSON reader, overlay patch and compact form are derived
//! from these declarations, and their JSON Schemas (for the MCP tools and the TypeScript
//! declarations) from the same serde attributes.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::compact::Compact;
use crate::json::FromJson;
use crate::model::account::PlanId;
use crate::model::provenance::{Charge, Confidence, Source};
use crate::money::{Dec, Usd};
use crate::text::Text;
use piapi_billing_derive::Patch;

/// Whether a service can be bought today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema, FromJson, Compact)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Discontinued,
    Unpriced,
}

/// What one unit of a price is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema, FromJson, Compact)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// One task, whatever it produces.
    Task,
    /// One second of output (or, for MMAudio, of generated audio).
    Second,
    /// One output image.
    Image,
    /// One song.
    Song,
    /// A started block of five seconds (Kling's 5 s pricing; 10 s is two blocks).
    FiveSeconds,
    /// A started block of 1,000 characters of text.
    Kchar,
    /// A started million pixels.
    Megapixel,
    /// One video frame.
    Frame,
}

/// How many units one task consumes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuantityRule {
    /// Always one unit.
    #[default]
    One,
    /// An integer input field (e.g. `duration`, `batch_size`), within limits, divided by
    /// `per` (Kling's 5 s blocks). With `sum_when`, the quantity is instead the sum of
    /// `array[].field` (Kling 3.0 multi-shot). With `suffix`, a text value may end in it
    /// (Veo's `"8s"`). With `plus`, seconds of input media given as a hint are added
    /// (Seedance omni reference bills input video seconds too).
    Input {
        field: String,
        min: u64,
        max: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        allowed: Option<Vec<u64>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<u64>,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        per: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sum_when: Option<SumWhen>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suffix: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plus: Option<Plus>,
    },
    /// Characters of a text input, in started blocks.
    TextBlocks {
        field: String,
        block: u64,
        max_chars: u64,
    },
    /// Seconds of media the request does not describe, from a hint (`hints.video_seconds`, or
    /// the one `hint` names), in started blocks of `block` seconds. Without the hint the
    /// quantity is `[min, max]` when a maximum is documented, otherwise unbounded.
    VideoSeconds {
        block: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<SecondsHint>,
        min: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// `hints.frames`; unbounded without it unless a maximum is documented.
    Frames {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// Started megapixels of `hints.width × hints.height` (× `scale`² when the input has it),
    /// at least `min`.
    Megapixels {
        min: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale_field: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale_default: Option<u64>,
    },
}

fn one() -> u64 {
    1
}

fn is_one(v: &u64) -> bool {
    *v == 1
}

/// Kling multi-shot: the duration is the sum of `array[].field` when the `flag` input is true,
/// or, without a flag, whenever the array is given and not empty.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct SumWhen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    pub array: String,
    pub field: String,
}

/// A hint that gives seconds of media the request only links to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(rename_all = "snake_case")]
pub enum SecondsHint {
    VideoSeconds,
    AudioSeconds,
    InputVideoSeconds,
}

/// Seconds of input media billed on top of an input quantity: `factor × hint` for each of
/// `factors` (several give an interval, which also spans formulas PiAPI states differently).
/// Without the hint the line spans up to `max` seconds when documented, else it is unbounded.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct Plus {
    pub hint: SecondsHint,
    pub factors: Vec<Dec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// A price PiAPI publishes only as a range: the estimate spans it.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct PriceRange {
    pub min: Usd,
    pub max: Usd,
}

/// A price that depends on output size (Z-Image): the first tier whose `max_pixels` holds the
/// image applies; the last tier has no maximum.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct PriceTier {
    pub max_pixels: Option<u64>,
    pub price_usd: Usd,
}

/// What PiAPI freezes per task while it runs, when that differs from the price.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Compact)]
#[serde(deny_unknown_fields)]
pub struct FreezeRule {
    pub flat_usd: Usd,
}

/// One priced (or explicitly unpriced) variant of a PiAPI task.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema, FromJson, Patch, Compact)]
#[serde(deny_unknown_fields)]
#[patch(name = "EntryPatch")]
pub struct Entry {
    /// Stable id; overlays address entries by it.
    #[patch(key)]
    pub id: Text,
    pub model: Text,
    pub task_type: Text,
    /// Human label of the variant ("3.0 pro, audio on").
    pub variant: Text,
    /// Input fields that select this variant: a scalar, or a list of accepted scalars.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub select: BTreeMap<String, Value>,
    /// The entry applies only when one of these inputs is present (features such as Kling
    /// elements that change the price whatever the version). Checked before `select`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when_present: Vec<String>,
    /// The entry applies only when none of these inputs is set (a request that leaves out a
    /// field PiAPI publishes no default for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when_absent: Vec<String>,
    /// Documented defaults for missing inputs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub defaults: BTreeMap<String, Value>,
    pub unit: Unit,
    #[serde(default)]
    pub quantity: QuantityRule,
    /// PAYG price of one unit; null when unpriced or priced by `tiers` or a range.
    pub price_usd: Option<Usd>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<PriceTier>,
    /// The unit price when PiAPI publishes only a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_range_usd: Option<PriceRange>,
    /// The HYA seat that runs this service; null when the service is pay-as-you-go only.
    pub hya_seat: Option<String>,
    /// Inputs PiAPI accepts only on HYA tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hya_only_inputs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze: Option<FreezeRule>,
    /// The lowest plan allowed to run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_plan: Option<PlanId>,
    /// Midjourney relax: past the plan's daily relax limit a task costs twice the price.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub relax_limit: bool,
    pub status: Status,
    pub confidence: Confidence,
    /// Confidence of a task that takes more than one unit, when that is weaker than the unit
    /// price's (Kling 10 s = 2 × 5 s is assumed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_unit_confidence: Option<Confidence>,
    /// A caution repeated on every line this entry prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The primary source of the price (a URL or a page's name).
    pub source: Text,
    /// Every published source of the price, with the figure it gives and when it was seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// When PiAPI takes the money: at creation, or frozen while running and settled on completion.
    #[serde(default)]
    pub charge: Charge,
    /// The date (`YYYY-MM-DD`) the price was last confirmed against a published source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<String>,
    #[serde(default)]
    pub notes: Text,
    /// `field=value` labels of this entry's defaults, made once at load so that reporting a
    /// default on every estimate line costs a reference count, not an allocation.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) default_labels: BTreeMap<String, Text>,
}

impl Entry {
    /// The `field=value` label of a default this entry applied.
    /// `value` is only built when the label was not made at load (a select default that is
    /// not among `defaults`), so the common case allocates nothing.
    pub fn default_label(&self, field: &str, value: impl FnOnce() -> Value) -> Text {
        match self.default_labels.get(field) {
            Some(label) => label.clone(),
            None => label(field, &value()),
        }
    }

    /// Makes the labels [`Entry::default_label`] hands out; the catalog calls it at load.
    pub(crate) fn make_default_labels(&mut self) {
        let mut labels: BTreeMap<String, Text> = self
            .defaults
            .iter()
            .map(|(k, v)| (k.clone(), label(k, v)))
            .collect();
        match &self.quantity {
            QuantityRule::Input {
                field,
                default: Some(d),
                ..
            } => {
                labels.insert(field.clone(), label(field, &Value::from(*d)));
            }
            QuantityRule::Megapixels {
                scale_field: Some(f),
                scale_default: Some(d),
                ..
            } => {
                labels.insert(f.clone(), label(f, &Value::from(*d)));
            }
            _ => {}
        }
        self.default_labels = labels;
    }

    /// The prices this entry quotes: its unit price, every tier's, its range's ends, and every
    /// figure its sources give.
    pub fn prices(&self) -> impl Iterator<Item = Usd> + '_ {
        let range = self.price_range_usd.iter().flat_map(|r| [r.min, r.max]);
        self.price_usd
            .iter()
            .copied()
            .chain(self.tiers.iter().map(|t| t.price_usd))
            .chain(range)
            .chain(self.sources.iter().filter_map(|s| s.figure))
    }

    /// The figures PiAPI's sources give for the unit price, when they disagree: the estimate of
    /// a `conflicting` row spans them.
    pub fn conflicting_figures(&self) -> impl Iterator<Item = (&Source, Usd)> + '_ {
        let conflicting = self.confidence == Confidence::Conflicting;
        self.sources
            .iter()
            .filter(move |_| conflicting)
            .filter_map(|s| Some((s, s.figure?)))
    }
}

fn label(field: &str, value: &Value) -> Text {
    match value {
        Value::String(s) => format!("{field}={s}").into(),
        v => format!("{field}={v}").into(),
    }
}

impl EntryPatch {
    /// True when the patch changes what the entry costs.
    pub fn touches_price(&self) -> bool {
        self.price_usd.is_some() || self.tiers.is_some()
    }
}
