//! A generated PiAPI account: a task history whose charges come FROM THE CATALOG.
//!
//! Nothing here names a price or a row id. The generator walks the catalog it is given, builds
//! for each active unit-priced row a request that selects it (its `select` values, an integer
//! quantity input within the row's limits, a text of some blocks), keeps only the requests the
//! estimator prices exactly with that row, and charges each task what the estimate says. Then
//! it raises the unit price of two rows of different models by a quarter (rounded to whole
//! points) and charges their tasks at the new price, so a reconciliation must find exactly
//! those two rows with exactly those prices, whatever catalog the build carries.
//!
//! The account also holds the cases a report must survive: failed and running tasks, a task of
//! a model no catalog knows, a usage in a shape PiAPI does not document, and a task whose view
//! is missing. [`Account::history_items`] and [`Account::task_views`] give PiAPI's JSON shapes
//! for a mock server.

use std::collections::BTreeMap;

use piapi_billing::model::{Entry, QuantityRule, Status};
use piapi_billing::money::is_point_exact;
use piapi_billing::ops::window::rfc3339;
use piapi_billing::{Billing, EstimateArgs, Mode, TaskSpec};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// What kind of task a generated one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Completed and charged from the catalog (or a drifted row's new price).
    Charged,
    /// Failed: nothing consumed.
    Failed,
    /// Still running: its estimate is frozen.
    Running,
    /// Completed, of a model no catalog prices.
    UnknownModel,
    /// Completed, but the history's `usage` is an object PiAPI does not document.
    OddUsage,
    /// Completed and listed, but `GET /api/v1/task/{id}` answers 404.
    NoView,
    /// Completed and listed in points, but the view's `meta.usage.consume` is not a number.
    OddView,
}

/// One generated task.
#[derive(Clone, Debug)]
pub struct Task {
    pub task_id: String,
    pub model: String,
    pub task_type: String,
    pub kind: Kind,
    pub input: Map<String, Value>,
    /// Unix seconds.
    pub created_at: i64,
    /// What the task took (finished) or holds (running), in points.
    pub points: u64,
    /// The row the catalog prices it with, for charged tasks.
    pub entry_id: Option<String>,
}

impl Task {
    pub fn finished(&self) -> bool {
        self.kind != Kind::Running
    }
}

/// A generated account.
#[derive(Clone, Debug)]
pub struct Account {
    pub tasks: Vec<Task>,
    /// The two rows whose real price differs from the catalog's, with the real unit price.
    pub drifted: Vec<(String, Decimal)>,
}

/// A request that the estimator prices exactly with one row, at `quantity` units.
#[derive(Clone, Debug)]
struct Sample {
    entry_id: String,
    model: String,
    task_type: String,
    input: Map<String, Value>,
    quantity: Decimal,
    charge: Decimal,
}

/// Generates `n` tasks created in the `span` seconds before `now`.
pub fn generate(billing: &Billing, n: usize, now: i64, span: i64) -> Account {
    let samples = samples(billing);
    let models: Vec<&str> = {
        let mut m: Vec<&str> = samples.iter().map(|s| s.model.as_str()).collect();
        m.dedup();
        m
    };
    assert!(
        models.len() >= 8,
        "the catalog prices only {} models exactly: {models:?}",
        models.len()
    );
    let drifted = pick_drifted(billing, &samples);
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let created_at = now - 60 - ((i as i64) * 7_919) % (span - 120);
        let kind = match i % 50 {
            7 => Kind::Failed,
            13 => Kind::Running,
            21 if i < 100 => Kind::UnknownModel,
            29 if i < 100 => Kind::OddUsage,
            37 if i < 100 => Kind::NoView,
            41 if i < 100 => Kind::OddView,
            _ => Kind::Charged,
        };
        // Every eleventh task uses one of the drifted rows, so each has several tasks.
        let sample = if i % 11 == 5 {
            let id = &drifted[(i / 11) % 2].0;
            samples
                .iter()
                .filter(|s| &s.entry_id == id)
                .nth(i % 3)
                .or_else(|| samples.iter().find(|s| &s.entry_id == id))
        } else {
            samples.get((i * 7) % samples.len())
        }
        .expect("a sample");
        let charge = match drifted.iter().find(|(id, _)| *id == sample.entry_id) {
            Some((_, price)) => *price * sample.quantity,
            None => sample.charge,
        };
        tasks.push(task(i, kind, sample, charge, created_at));
    }
    Account { tasks, drifted }
}

fn task(i: usize, kind: Kind, sample: &Sample, charge: Decimal, created_at: i64) -> Task {
    let points = match kind {
        Kind::Failed => 0,
        _ => to_points(charge),
    };
    let (model, task_type) = match kind {
        Kind::UnknownModel => ("no-such-model".to_owned(), "mystery".to_owned()),
        _ => (sample.model.clone(), sample.task_type.clone()),
    };
    Task {
        task_id: format!("{i:08x}-0000-4000-8000-00000000beef"),
        model,
        task_type,
        kind,
        input: sample.input.clone(),
        created_at,
        points,
        entry_id: (kind == Kind::Charged).then(|| sample.entry_id.clone()),
    }
}

fn to_points(usd: Decimal) -> u64 {
    piapi_billing::money::usd_to_points(usd).expect("a charge in whole points")
}

/// Two rows of different models, priced by one unit price, with tasks of several quantities
/// where the row has them; their real price is a quarter higher, in whole points.
fn pick_drifted(billing: &Billing, samples: &[Sample]) -> Vec<(String, Decimal)> {
    let mut counts: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for s in samples {
        counts.entry(&s.entry_id).or_insert((0, &s.model)).0 += 1;
    }
    let mut ranked: Vec<(&str, usize, &str)> =
        counts.into_iter().map(|(id, (n, m))| (id, n, m)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut picked: Vec<(String, Decimal)> = Vec::new();
    let mut models: Vec<&str> = Vec::new();
    for (id, _, model) in ranked {
        let entry = billing.catalog().entry(id).expect("a sampled row");
        let Some(price) = entry.price_usd else {
            continue;
        };
        let raised = (price.0 * Decimal::new(125, 2)).round_dp(7);
        if models.contains(&model) || raised == price.0 || !is_point_exact(raised) {
            continue;
        }
        models.push(model);
        picked.push((id.to_owned(), raised.normalize()));
        if picked.len() == 2 {
            return picked;
        }
    }
    panic!("the catalog has no two unit-priced rows of different models to drift");
}

/// Every exact sample the catalog allows: up to three quantities per row.
fn samples(billing: &Billing) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut entries: Vec<&Entry> = billing.catalog().entries().iter().collect();
    entries.sort_by(|a, b| a.model.cmp(&b.model).then_with(|| a.id.cmp(&b.id)));
    for entry in entries {
        if entry.status != Status::Active
            || !entry.when_present.is_empty()
            || entry.relax_limit
            || entry.price_usd.is_none_or(|p| p.0 <= Decimal::ZERO)
        {
            continue;
        }
        for input in inputs(entry) {
            if let Some(sample) = exact_sample(billing, entry, input) {
                out.push(sample);
            }
        }
    }
    out
}

/// Requests that should select `entry`, one per quantity tried.
fn inputs(entry: &Entry) -> Vec<Map<String, Value>> {
    let mut base = Map::new();
    for (field, want) in &entry.select {
        let value = match want {
            Value::Array(options) => options.first().cloned().unwrap_or(Value::Null),
            v => v.clone(),
        };
        base.insert(field.clone(), value);
    }
    let with = |field: &str, v: Value| {
        let mut input = base.clone();
        input.insert(field.to_owned(), v);
        input
    };
    match &entry.quantity {
        QuantityRule::One => vec![base.clone()],
        QuantityRule::Input {
            field,
            min,
            max,
            allowed,
            per,
            ..
        } => {
            let values: Vec<u64> = match allowed {
                Some(a) => a.iter().copied().take(3).collect(),
                None => {
                    let ok: Vec<u64> = (*min..=*max).filter(|v| v % per == 0).collect();
                    let picks = [ok.first(), ok.get(ok.len() / 2), ok.last()];
                    let mut v: Vec<u64> = picks.into_iter().flatten().copied().collect();
                    v.dedup();
                    v
                }
            };
            values.into_iter().map(|v| with(field, json!(v))).collect()
        }
        QuantityRule::TextBlocks { field, block, .. } => [1, 3]
            .into_iter()
            .map(|blocks| with(field, json!("x".repeat((*block * blocks - 1) as usize))))
            .collect(),
        _ => Vec::new(),
    }
}

/// The sample, when the estimator prices `input` with `entry` at one exact amount.
fn exact_sample(billing: &Billing, entry: &Entry, input: Map<String, Value>) -> Option<Sample> {
    let spec = TaskSpec {
        model: entry.model.to_string(),
        task_type: entry.task_type.to_string(),
        input: input.clone(),
        config: Map::from_iter([("service_mode".to_owned(), json!("public"))]),
        count: 1,
        hints: Default::default(),
    };
    let args = EstimateArgs {
        tasks: vec![spec],
        ..EstimateArgs::default()
    };
    let result = billing.estimate_cost(&args).ok()?;
    let line = result.lines.first()?;
    let exact = line.entry_id.as_ref() == entry.id.as_ref()
        && line.mode == Mode::Payg
        && line.min_usd == line.max_usd
        && line.max_usd.0 > Decimal::ZERO
        && line.quantity_max == Some(line.quantity_min);
    exact.then(|| Sample {
        entry_id: entry.id.to_string(),
        model: entry.model.to_string(),
        task_type: entry.task_type.to_string(),
        input,
        quantity: line.quantity_min.0,
        charge: line.max_usd.0,
    })
}

impl Account {
    /// The history items, newest first, in PiAPI's documented shape.
    pub fn history_items(&self) -> Vec<Value> {
        let mut tasks: Vec<&Task> = self.tasks.iter().collect();
        tasks.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.task_id.cmp(&b.task_id))
        });
        tasks.into_iter().map(history_item).collect()
    }

    /// Task views by id (`data` of `GET /api/v1/task/{id}`); a `NoView` task has none.
    pub fn task_views(&self) -> BTreeMap<String, Value> {
        self.tasks
            .iter()
            .filter(|t| t.kind != Kind::NoView)
            .map(|t| (t.task_id.clone(), task_view(t)))
            .collect()
    }
}

fn status(kind: Kind) -> &'static str {
    match kind {
        Kind::Failed => "failed",
        Kind::Running => "processing",
        _ => "completed",
    }
}

fn history_item(t: &Task) -> Value {
    let usage = match t.kind {
        Kind::OddUsage => json!({"amount": t.points}),
        _ => json!(t.points),
    };
    json!({
        "task_id": t.task_id, "task_model": t.model, "action": t.task_type,
        "status": status(t.kind), "service_mode": "public", "usage": usage,
        "usage_type": "point", "created_at": rfc3339(t.created_at), "detail": null
    })
}

fn task_view(t: &Task) -> Value {
    let usage = match t.kind {
        Kind::OddUsage | Kind::OddView => json!({"type": "point", "frozen": 0, "consume": "a lot"}),
        Kind::Running => json!({"type": "point", "frozen": t.points, "consume": 0}),
        _ => json!({"type": "point", "frozen": t.points, "consume": t.points}),
    };
    json!({
        "task_id": t.task_id, "model": t.model, "task_type": t.task_type,
        "status": status(t.kind), "input": t.input, "config": {"service_mode": "public"},
        "output": {}, "meta": {"created_at": rfc3339(t.created_at), "usage": usage,
                              "is_using_private_pool": false},
        "error": {"code": 0, "message": ""}
    })
}
