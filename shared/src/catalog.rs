//! The price catalog: data, versioned, with a source and a confidence per entry.
//!
//! The built-in catalog is `catalog/2026-11.json`, compiled into the binary (as Rust data by
//! `build.rs`, or as text in WebAssembly) and loaded once per process.
//! Callers may replace it ([`Catalog::from_json`]) or lay an overlay over it
//! ([`Catalog::with_overlay`]): an overlay patches entries by id or adds new ones, and its name
//! is reported by every estimate made with it, so a negotiated price always wins visibly.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::contract::{ListPricesArgs, ListPricesResult, Mode, PlanId, PriceRow};
use crate::error::Error;

mod read;
use crate::money::{Usd, is_point_exact};
use crate::plans::{AccountFacts, HyaSeat, Plan, UsageMode};
use crate::text::Text;
use crate::topup::TopUpTier;

/// The built-in catalog file: the source of truth, compiled to Rust data by `build.rs` (see
/// [`Catalog::load_builtin`]) and kept here for whoever wants the file itself.
pub const BUILTIN_JSON: &str = include_str!("../catalog/2026-11.json");

/// The built-in catalog as Rust data, generated from [`BUILTIN_JSON`] at build time.
#[cfg(not(target_arch = "wasm32"))]
mod compiled {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde_json::Value;

    use super::{
        CatalogFile, Confidence, Entry, FreezeRule, PriceTier, QuantityRule, Status, SumWhen, Unit,
    };
    use crate::contract::{Mode, PlanId};
    use crate::money::{Dec, Usd};
    use crate::plans::{AccountFacts, HyaSeat, Plan, PlanLimits, SeatStatus, UsageMode};
    use crate::text::Text;
    use crate::topup::TopUpTier;

    include!(concat!(env!("OUT_DIR"), "/builtin_catalog.rs"));
}

/// How sure we are of a figure (facts, preamble). `overlay` marks a price the user supplied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Official,
    Derived,
    Proxy,
    ThirdParty,
    Assumed,
    Overlay,
}

/// Whether a service can be bought today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Discontinued,
    Unpriced,
}

/// What one unit of a price is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, JsonSchema)]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuantityRule {
    /// Always one unit.
    #[default]
    One,
    /// An integer input field (e.g. `duration`, `batch_size`), within limits, divided by
    /// `per` (Kling's 5 s blocks). With `sum_when`, the quantity is instead the sum of
    /// `array[].field` when the flag input is true (Kling 3.0 multi-shot).
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
    },
    /// Characters of a text input, in started blocks.
    TextBlocks {
        field: String,
        block: u64,
        max_chars: u64,
    },
    /// `hints.video_seconds`, in started blocks of `block` seconds. Without the hint the
    /// quantity is `[min, max]` when a maximum is documented, otherwise unbounded.
    VideoSeconds {
        block: u64,
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

/// Kling multi-shot: when `flag` is true, the duration is the sum of `array[].field`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SumWhen {
    pub flag: String,
    pub array: String,
    pub field: String,
}

/// A price that depends on output size (Z-Image): the first tier whose `max_pixels` holds the
/// image applies; the last tier has no maximum.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceTier {
    pub max_pixels: Option<u64>,
    pub price_usd: Usd,
}

/// What PiAPI freezes per task while it runs, when that differs from the price.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeRule {
    pub flat_usd: Usd,
}

/// One priced (or explicitly unpriced) variant of a PiAPI task.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable id; overlays address entries by it.
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
    /// Documented defaults for missing inputs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub defaults: BTreeMap<String, Value>,
    pub unit: Unit,
    #[serde(default)]
    pub quantity: QuantityRule,
    /// PAYG price of one unit; null when unpriced or priced by `tiers`.
    pub price_usd: Option<Usd>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<PriceTier>,
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
    pub source: Text,
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

    fn make_default_labels(&mut self) {
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
}

fn label(field: &str, value: &Value) -> Text {
    match value {
        Value::String(s) => format!("{field}={s}").into(),
        v => format!("{field}={v}").into(),
    }
}

/// The catalog file's shape.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub entries: Vec<Entry>,
    pub plans: Vec<Plan>,
    pub usage_modes: Vec<UsageMode>,
    pub hya_seats: Vec<HyaSeat>,
    pub top_up_tiers: Vec<TopUpTier>,
    pub account_facts: AccountFacts,
}

/// An overlay's change to one entry: `id` names it, and every other field given replaces the
/// entry's. An id the catalog does not have adds an entry, which then needs every field a
/// catalog row needs. `null` is a value here (`"hya_seat": null` removes the seat), so the
/// nullable fields are doubly optional: absent, or given (possibly as null).
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    pub id: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<BTreeMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_present: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<BTreeMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<QuantityRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<Option<Usd>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<PriceTier>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hya_seat: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hya_only_inputs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze: Option<Option<FreezeRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_plan: Option<Option<PlanId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relax_limit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_unit_confidence: Option<Option<Confidence>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Text>,
}

impl EntryPatch {
    /// True when the patch changes what the entry costs.
    pub fn touches_price(&self) -> bool {
        self.price_usd.is_some() || self.tiers.is_some()
    }

    /// The entry with the patch's fields laid over it.
    pub fn apply(self, base: &Entry) -> Entry {
        let base = base.clone();
        Entry {
            id: self.id,
            model: self.model.unwrap_or(base.model),
            task_type: self.task_type.unwrap_or(base.task_type),
            variant: self.variant.unwrap_or(base.variant),
            select: self.select.unwrap_or(base.select),
            when_present: self.when_present.unwrap_or(base.when_present),
            defaults: self.defaults.unwrap_or(base.defaults),
            unit: self.unit.unwrap_or(base.unit),
            quantity: self.quantity.unwrap_or(base.quantity),
            price_usd: self.price_usd.unwrap_or(base.price_usd),
            tiers: self.tiers.unwrap_or(base.tiers),
            hya_seat: self.hya_seat.unwrap_or(base.hya_seat),
            hya_only_inputs: self.hya_only_inputs.unwrap_or(base.hya_only_inputs),
            freeze: self.freeze.unwrap_or(base.freeze),
            requires_plan: self.requires_plan.unwrap_or(base.requires_plan),
            relax_limit: self.relax_limit.unwrap_or(base.relax_limit),
            status: self.status.unwrap_or(base.status),
            confidence: self.confidence.unwrap_or(base.confidence),
            multi_unit_confidence: self
                .multi_unit_confidence
                .unwrap_or(base.multi_unit_confidence),
            warning: self.warning.unwrap_or(base.warning),
            source: self.source.unwrap_or(base.source),
            notes: self.notes.unwrap_or(base.notes),
            default_labels: BTreeMap::new(),
        }
    }

    /// A whole entry, when the patch gives every field a catalog row requires; `missing`
    /// words the error for the first one it lacks.
    pub fn complete(self, missing: impl Fn(&str) -> Error) -> Result<Entry, Error> {
        let need = |v: Option<Text>, f: &str| v.ok_or_else(|| missing(f));
        Ok(Entry {
            id: self.id,
            model: need(self.model, "model")?,
            task_type: need(self.task_type, "task_type")?,
            variant: need(self.variant, "variant")?,
            select: self.select.unwrap_or_default(),
            when_present: self.when_present.unwrap_or_default(),
            defaults: self.defaults.unwrap_or_default(),
            unit: self.unit.ok_or_else(|| missing("unit"))?,
            quantity: self.quantity.unwrap_or_default(),
            price_usd: self.price_usd.flatten(),
            tiers: self.tiers.unwrap_or_default(),
            hya_seat: self.hya_seat.flatten(),
            hya_only_inputs: self.hya_only_inputs.unwrap_or_default(),
            freeze: self.freeze.flatten(),
            requires_plan: self.requires_plan.flatten(),
            relax_limit: self.relax_limit.unwrap_or_default(),
            status: self.status.ok_or_else(|| missing("status"))?,
            confidence: self.confidence.ok_or_else(|| missing("confidence"))?,
            multi_unit_confidence: self.multi_unit_confidence.flatten(),
            warning: self.warning.flatten(),
            source: need(self.source, "source")?,
            notes: self.notes.unwrap_or_default(),
            default_labels: BTreeMap::new(),
        })
    }
}

/// A user's price overlay: entries patched by id (any subset of fields) or added whole.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayFile {
    /// Reported as `overlay` by every estimate made with it.
    pub name: String,
    /// Where the overlay's prices come from (a contract, an invoice); defaults to the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub entries: Vec<EntryPatch>,
}

/// A map keyed by catalog names (models, task types, entry ids).
type NameMap<V> = HashMap<Text, V, BuildNameHasher>;
type BuildNameHasher = std::hash::BuildHasherDefault<NameHasher>;

/// FNV-1a over the name's bytes. The keys are the catalog's own short names, fixed when the
/// catalog loads, so there is no flooding to defend against and SipHash's cost (a tenth of
/// building the index) buys nothing; lookups by a caller's model name only probe.
#[derive(Clone, Copy)]
struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A loaded, validated catalog with its lookup index.
#[derive(Clone, Debug)]
pub struct Catalog {
    file: CatalogFile,
    overlay: Option<String>,
    /// model → task_type → entry indices, in file order.
    index: NameMap<NameMap<Vec<usize>>>,
    /// model → its task types, sorted, for error messages.
    task_types: BTreeMap<Text, Vec<Text>>,
    /// entry id → index.
    by_id: NameMap<usize>,
}

impl Catalog {
    /// The compiled-in catalog, parsed on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The file is validated by the test suite; a broken build cannot reach users.
            Catalog::load_builtin().unwrap_or_else(|e| panic!("built-in catalog: {e}"))
        })
    }

    /// Loads a whole catalog file, replacing the built-in one.
    pub fn from_json(text: &str) -> Result<Catalog, Error> {
        let file: CatalogFile = Error::parse_str(text)
            .map_err(|e| Error::catalog(format!("catalog: {}", e.message)))?;
        Catalog::from_file(file, None)
    }

    /// Loads the built-in catalog afresh; [`Catalog::builtin`] does this once per process.
    ///
    /// Natively it is built from its compiled form (see `build.rs`), parsing nothing. In
    /// WebAssembly the JSON text is read instead (strings borrowed): there the builder function
    /// compresses worse than the text it replaces and the module's size is what counts, while
    /// the reader is in the module anyway for overlays. A test holds both to the same catalog.
    pub fn load_builtin() -> Result<Catalog, Error> {
        #[cfg(not(target_arch = "wasm32"))]
        let file = compiled::builtin_file();
        #[cfg(target_arch = "wasm32")]
        let file: CatalogFile = crate::json::from_static_str(BUILTIN_JSON)
            .map_err(|e| Error::catalog(format!("catalog: {}", e.message)))?;
        Catalog::from_file(file, None)
    }

    /// Loads a catalog compiled into the program; its strings are borrowed, not copied.
    pub fn from_static_json(text: &'static str) -> Result<Catalog, Error> {
        let file: CatalogFile = crate::json::from_static_str(text)
            .map_err(|e| Error::catalog(format!("catalog: {}", e.message)))?;
        Catalog::from_file(file, None)
    }

    pub fn from_file(mut file: CatalogFile, overlay: Option<String>) -> Result<Catalog, Error> {
        validate(&file)?;
        for e in &mut file.entries {
            e.make_default_labels();
        }
        let mut index: NameMap<NameMap<Vec<usize>>> = NameMap::default();
        let mut task_types: BTreeMap<Text, Vec<Text>> = BTreeMap::new();
        for (i, e) in file.entries.iter().enumerate() {
            index
                .entry(e.model.clone())
                .or_default()
                .entry(e.task_type.clone())
                .or_default()
                .push(i);
            let tts = task_types.entry(e.model.clone()).or_default();
            if !tts.iter().any(|t| **t == *e.task_type) {
                tts.push(e.task_type.clone());
            }
        }
        for tts in task_types.values_mut() {
            tts.sort();
        }
        let by_id = file
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(Catalog {
            file,
            overlay,
            index,
            task_types,
            by_id,
        })
    }

    /// Lays a user's overlay (JSON text of an [`OverlayFile`]) over this catalog.
    pub fn with_overlay(&self, text: &str) -> Result<Catalog, Error> {
        let overlay: OverlayFile = Error::parse_str(text)
            .map_err(|e| Error::catalog(format!("overlay: {}", e.message)))?;
        self.apply_overlay(overlay)
    }

    pub fn apply_overlay(&self, overlay: OverlayFile) -> Result<Catalog, Error> {
        if overlay.name.trim().is_empty() {
            return Err(Error::catalog("overlay: name must not be empty"));
        }
        let source = overlay
            .source
            .clone()
            .unwrap_or_else(|| format!("overlay {}", overlay.name));
        let mut file = self.file.clone();
        for (i, mut patch) in overlay.entries.into_iter().enumerate() {
            // A changed price that does not name its own provenance is the overlay's.
            if patch.touches_price() {
                patch.confidence.get_or_insert(Confidence::Overlay);
                patch
                    .source
                    .get_or_insert_with(|| Text::from(source.as_str()));
            }
            match file.entries.iter().position(|e| e.id == patch.id) {
                Some(pos) => file.entries[pos] = patch.apply(&file.entries[pos]),
                None => {
                    let id = patch.id.clone();
                    let entry = patch.complete(|field| {
                        Error::catalog(format!(
                            "overlay: entries[{i}] (id \"{id}\") is a new entry: missing field `{field}`"
                        ))
                    })?;
                    file.entries.push(entry);
                }
            }
        }
        let name = match &self.overlay {
            Some(prev) => format!("{prev}+{}", overlay.name),
            None => overlay.name,
        };
        Catalog::from_file(file, Some(name))
    }

    pub fn version(&self) -> &str {
        &self.file.version
    }

    /// The overlay that was applied, if any.
    pub fn overlay(&self) -> Option<&str> {
        self.overlay.as_deref()
    }

    pub fn file(&self) -> &CatalogFile {
        &self.file
    }

    pub fn entries(&self) -> &[Entry] {
        &self.file.entries
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.file.entries[i])
    }

    /// Indices (into [`Catalog::entries`]) of the entries for a model and task type, in file
    /// order; the estimator walks these without collecting them.
    pub fn candidate_entries(&self, model: &str, task_type: &str) -> &[usize] {
        self.index
            .get(model)
            .and_then(|tasks| tasks.get(task_type))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Entries for a model and task type, in file order.
    pub fn candidates(&self, model: &str, task_type: &str) -> impl Iterator<Item = &Entry> {
        self.candidate_entries(model, task_type)
            .iter()
            .map(|&i| &self.file.entries[i])
    }

    pub fn has_model(&self, model: &str) -> bool {
        self.task_types.contains_key(model)
    }

    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.task_types.keys().map(|m| &**m)
    }

    pub fn task_types(&self, model: &str) -> &[Text] {
        self.task_types.get(model).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn plan(&self, id: PlanId) -> Option<&Plan> {
        self.file.plans.iter().find(|p| p.id == id)
    }
}

/// Checks what serde cannot: unique ids, prices that are whole points, a price wherever the
/// status says the entry is sold, and none where it says it is not.
fn validate(file: &CatalogFile) -> Result<(), Error> {
    if file.version.trim().is_empty() {
        return Err(Error::catalog("catalog: version must not be empty"));
    }
    let mut ids = std::collections::HashSet::with_capacity_and_hasher(
        file.entries.len(),
        BuildNameHasher::default(),
    );
    for e in &file.entries {
        let at = |msg: String| Error::catalog(format!("catalog entry \"{}\": {msg}", e.id));
        if !ids.insert(&*e.id) {
            return Err(at("duplicate id".into()));
        }
        let prices = || {
            e.price_usd
                .iter()
                .map(|p| p.0)
                .chain(e.tiers.iter().map(|t| t.price_usd.0))
        };
        for p in prices() {
            if p.is_sign_negative() {
                return Err(at(format!("price {p} is negative")));
            }
            if !is_point_exact(p) {
                return Err(at(format!(
                    "price {p} is finer than one point (0.0000001 USD)"
                )));
            }
        }
        match e.status {
            Status::Unpriced if prices().next().is_some() => {
                return Err(at(
                    "an unpriced entry must have no price_usd and no tiers".into()
                ));
            }
            Status::Unpriced if e.notes.trim().is_empty() => {
                return Err(at("an unpriced entry must say why in notes".into()));
            }
            Status::Active | Status::Discontinued if prices().next().is_none() => {
                return Err(at("a sold entry needs price_usd or tiers".into()));
            }
            _ => {}
        }
        if e.price_usd.is_some() && !e.tiers.is_empty() {
            return Err(at("give price_usd or tiers, not both".into()));
        }
        if let Some((last, rest)) = e.tiers.split_last() {
            if last.max_pixels.is_some() || rest.iter().any(|t| t.max_pixels.is_none()) {
                return Err(at(
                    "only the last tier may (and must) have max_pixels null".into()
                ));
            }
            if rest.windows(2).any(|w| w[0].max_pixels >= w[1].max_pixels) {
                return Err(at("tiers must be in increasing max_pixels".into()));
            }
        }
        for v in e.select.values() {
            let ok = match v {
                Value::Array(a) => !a.is_empty() && a.iter().all(is_scalar),
                v => is_scalar(v),
            };
            if !ok {
                return Err(at(
                    "select values must be scalars or non-empty lists of scalars".into(),
                ));
            }
        }
        if let Some(f) = &e.freeze
            && (!is_point_exact(f.flat_usd.0) || f.flat_usd.0.is_sign_negative())
        {
            return Err(at(
                "freeze.flat_usd must be a non-negative whole number of points".into(),
            ));
        }
        if let QuantityRule::Input {
            min,
            max,
            allowed,
            default,
            per,
            ..
        } = &e.quantity
        {
            if min > max || *per == 0 {
                return Err(at("quantity: min must be ≤ max and per > 0".into()));
            }
            let all_ok = |v: u64| v >= *min && v <= *max && v.is_multiple_of(*per);
            if let Some(d) = default
                && (!all_ok(*d) || allowed.as_ref().is_some_and(|a| !a.contains(d)))
            {
                return Err(at("quantity: default is outside the limits".into()));
            }
        }
    }
    let mut tiers = file
        .top_up_tiers
        .iter()
        .map(|t| t.above_usd.0)
        .collect::<Vec<_>>();
    let sorted = tiers.windows(2).all(|w| w[0] < w[1]);
    tiers.clear();
    if !sorted {
        return Err(Error::catalog(
            "catalog: top_up_tiers must be in increasing above_usd",
        ));
    }
    for p in PlanId::ALL {
        if !file.plans.iter().any(|plan| plan.id == p) {
            return Err(Error::catalog(format!(
                "catalog: plan \"{}\" is missing",
                p.as_str()
            )));
        }
    }
    Ok(())
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// `list_prices`: the catalog's rows, filtered.
pub fn list_prices(catalog: &Catalog, args: &ListPricesArgs) -> Result<ListPricesResult, Error> {
    if let Some(m) = &args.model
        && !catalog.has_model(m)
    {
        let known: Vec<&str> = catalog.models().collect();
        return Err(Error::invalid(
            "model",
            format!("unknown model \"{m}\"; known models: {}", known.join(", ")),
        ));
    }
    if let Some(t) = &args.task_type {
        let known: Vec<&str> = match &args.model {
            Some(m) => catalog.task_types(m).iter().map(|t| &**t).collect(),
            None => {
                let mut all: Vec<&str> = catalog.entries().iter().map(|e| &*e.task_type).collect();
                all.sort_unstable();
                all.dedup();
                all
            }
        };
        if !known.contains(&t.as_str()) {
            return Err(Error::invalid(
                "task_type",
                format!("unknown task_type \"{t}\"; known: {}", known.join(", ")),
            ));
        }
    }
    let query = args.query.as_ref().map(|q| q.to_ascii_lowercase());
    let entries = catalog
        .entries()
        .iter()
        .filter(|e| args.model.as_ref().is_none_or(|m| *e.model == **m))
        .filter(|e| args.task_type.as_ref().is_none_or(|t| *e.task_type == **t))
        .filter(|e| {
            query.as_ref().is_none_or(|q| {
                [&e.model, &e.task_type, &e.variant, &e.id]
                    .iter()
                    .any(|s| s.to_ascii_lowercase().contains(q.as_str()))
            })
        })
        .map(|e| PriceRow {
            id: e.id.clone(),
            model: e.model.clone(),
            task_type: e.task_type.clone(),
            variant: e.variant.clone(),
            unit: e.unit,
            price_usd: e.price_usd,
            tiers: e.tiers.clone(),
            mode: Mode::Payg,
            hya_seat: e.hya_seat.clone(),
            confidence: e.confidence,
            source: e.source.clone(),
            status: e.status,
            notes: e.notes.clone(),
        })
        .collect();
    Ok(ListPricesResult {
        catalog_version: catalog.version().to_string(),
        overlay: catalog.overlay().map(str::to_string),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_is_versioned() {
        let c = Catalog::from_json(BUILTIN_JSON).expect("built-in catalog parses");
        assert_eq!(c.version(), "2026-11");
        assert!(c.overlay().is_none());
        assert!(c.entries().len() >= 100);
    }

    /// The compiled catalog is the file, field for field, as the JSON reader reads it.
    #[test]
    fn the_compiled_catalog_is_the_json_file() {
        let compiled = Catalog::load_builtin().expect("valid");
        let read = Catalog::from_static_json(BUILTIN_JSON).expect("parses");
        assert_eq!(compiled.entries(), read.entries());
        let (a, b) = (compiled.file(), read.file());
        assert_eq!(a.version, b.version);
        assert_eq!(a.description, b.description);
        assert_eq!(a.plans, b.plans);
        assert_eq!(a.usage_modes, b.usage_modes);
        assert_eq!(a.hya_seats, b.hya_seats);
        assert_eq!(a.top_up_tiers, b.top_up_tiers);
        assert_eq!(a.account_facts, b.account_facts);
        // Decimals compare by value; the written form must also match (scale included).
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap()
        );
    }

    #[test]
    fn the_built_in_catalog_reads_the_same_borrowed_or_copied() {
        let borrowed = Catalog::from_static_json(BUILTIN_JSON).expect("parses");
        let copied = Catalog::from_json(BUILTIN_JSON).expect("parses");
        assert_eq!(borrowed.entries(), copied.entries());
        assert_eq!(borrowed.file().plans, copied.file().plans);
    }
}
