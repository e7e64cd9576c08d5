//! `reconcile_charges`: the account's real charges against the catalog's estimates.
//!
//! Each completed task's own request is priced with the catalog ([`compare`]); a charge outside
//! the estimate is drift. When the task's quantity is known from its input, the charge implies a
//! unit price (`charged / quantity`). [`reconcile`] sums the tasks per catalog row, and a row
//! whose outside tasks all imply the same whole-point unit price gets an overlay patch setting
//! it — so loading the overlay and reconciling again finds no drift. Rows whose outside tasks
//! disagree, or whose price is not one unit price (size tiers, ranges), are reported with a
//! note and left out of the overlay: a guessed correction would be worse than none.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::contract::{
    Batch, ChargeCheck, Hints, ReconcileReport, ReconcileRow, SkippedTask, TaskSpec,
    UnmatchedService,
};
use crate::model::{EntryPatch, Mode, OverlayFile};
use crate::money::{Usd, is_point_exact};
use crate::ops::estimate::estimate;
use crate::ops::window::{Window, rfc3339, utc_date};
use crate::text::Text;

/// The unit price one task's charge implies, or why it implies none.
#[derive(Clone, Debug, PartialEq)]
pub enum Implied {
    Price(Decimal),
    Unknown(String),
}

/// One task's charge against the catalog row that prices its request.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub entry_id: Text,
    pub min: Decimal,
    pub max: Decimal,
    pub charged: Decimal,
    pub inside: bool,
    pub implied: Implied,
}

impl Comparison {
    /// The contract's view of this comparison (`get_task_cost`'s `check`).
    pub fn check(&self) -> ChargeCheck {
        ChargeCheck {
            entry_id: self.entry_id.clone(),
            charged_usd: Usd(self.charged),
            estimated_min_usd: Usd(self.min),
            estimated_max_usd: Usd(self.max),
            inside: self.inside,
            implied_unit_price_usd: match self.implied {
                Implied::Price(p) => Some(Usd(p)),
                Implied::Unknown(_) => None,
            },
        }
    }
}

/// The request a task ran with, as a one-task estimate line.
pub fn task_spec(
    model: &str,
    task_type: &str,
    input: serde_json::Map<String, serde_json::Value>,
    config: serde_json::Map<String, serde_json::Value>,
) -> TaskSpec {
    TaskSpec {
        model: model.to_owned(),
        task_type: task_type.to_owned(),
        input,
        config,
        count: 1,
        hints: Hints::default(),
    }
}

/// Prices `spec` (one task) and compares the estimate with what was `charged` (USD). `Err`
/// says why the catalog cannot price the task (an unknown model, an unpriced row, …).
pub fn compare(catalog: &Catalog, spec: &TaskSpec, charged: Decimal) -> Result<Comparison, String> {
    let batch = Batch {
        tasks: std::slice::from_ref(spec),
        plan: None,
        default_mode: None,
        relax_used_today: None,
    };
    let result = estimate(catalog, batch).map_err(|e| e.message)?;
    let Some(line) = result.lines.first() else {
        return Err(result
            .errors
            .first()
            .map(|e| format!("{}: {}", e.code.as_str(), e.message))
            .unwrap_or_else(|| "the catalog priced no line for this task".to_owned()));
    };
    let (min, max) = (line.min_usd.0, line.max_usd.0);
    let implied = if line.mode == Mode::Hya {
        Implied::Unknown("a host-your-account task is paid by its seat, not per unit".into())
    } else {
        match line.quantity_max {
            Some(q) if q == line.quantity_min && q.0 > Decimal::ZERO => implied_price(charged, q.0),
            _ => Implied::Unknown("the task's input does not fix its quantity".into()),
        }
    };
    Ok(Comparison {
        entry_id: line.entry_id.clone(),
        min,
        max,
        charged,
        inside: min <= charged && charged <= max,
        implied,
    })
}

fn implied_price(charged: Decimal, quantity: Decimal) -> Implied {
    let price = (charged / quantity).normalize();
    if is_point_exact(price) {
        Implied::Price(price)
    } else {
        Implied::Unknown(format!(
            "a charge of {} USD over {} units is not a whole number of points per unit",
            Usd(charged),
            quantity.normalize()
        ))
    }
}

/// A completed task, compared or not.
#[derive(Clone, Debug)]
pub struct CheckedTask {
    pub task_id: String,
    pub model: String,
    pub task_type: String,
    pub charged: Decimal,
    pub outcome: Result<Comparison, String>,
}

/// What the report is made of; the front end fetched it, the core judges it.
#[derive(Clone, Debug)]
pub struct ReconcileInput {
    pub window: Window,
    pub checked: Vec<CheckedTask>,
    pub skipped: Vec<SkippedTask>,
    pub truncated: bool,
}

#[derive(Default)]
struct RowSum {
    tasks: u64,
    charged: Decimal,
    min: Decimal,
    max: Decimal,
    outside: u64,
    /// Implied unit prices of the outside tasks, with how many tasks imply each.
    implied: BTreeMap<Decimal, u64>,
    unknown: Option<String>,
}

/// Sums the checked tasks per row and per unmatched service, and writes the overlay.
pub fn reconcile(catalog: &Catalog, input: ReconcileInput) -> ReconcileReport {
    let mut rows: BTreeMap<Text, RowSum> = BTreeMap::new();
    let mut unmatched: BTreeMap<(String, String), UnmatchedService> = BTreeMap::new();
    for task in &input.checked {
        match &task.outcome {
            Ok(c) => add_to_row(rows.entry(c.entry_id.clone()).or_default(), c),
            Err(reason) => {
                let u = unmatched
                    .entry((task.model.clone(), task.task_type.clone()))
                    .or_insert_with(|| UnmatchedService {
                        model: task.model.clone(),
                        task_type: task.task_type.clone(),
                        tasks: 0,
                        charged_usd: Usd(Decimal::ZERO),
                        reason: reason.clone(),
                    });
                u.tasks += 1;
                u.charged_usd = Usd(u.charged_usd.0 + task.charged);
            }
        }
    }
    let mut rows: Vec<ReconcileRow> = rows
        .into_iter()
        .map(|(id, sum)| finish_row(catalog, id, sum))
        .collect();
    rows.sort_by(|a, b| {
        (a.outside == 0)
            .cmp(&(b.outside == 0))
            .then_with(|| a.entry_id.cmp(&b.entry_id))
    });
    let mut unmatched: Vec<UnmatchedService> = unmatched.into_values().collect();
    unmatched.sort_by(|a, b| {
        b.charged_usd
            .0
            .cmp(&a.charged_usd.0)
            .then_with(|| a.model.cmp(&b.model))
    });
    let overlay = overlay(&rows, &input);
    ReconcileReport {
        since: rfc3339(input.window.since),
        until: rfc3339(input.window.until),
        catalog_version: catalog.version().to_owned(),
        catalog_overlay: catalog.overlay().map(str::to_owned),
        tasks_checked: input.checked.len() as u64,
        tasks_skipped: input.skipped,
        rows,
        unmatched,
        overlay,
        truncated: input.truncated,
    }
}

fn add_to_row(sum: &mut RowSum, c: &Comparison) {
    sum.tasks += 1;
    sum.charged += c.charged;
    sum.min += c.min;
    sum.max += c.max;
    if c.inside {
        return;
    }
    sum.outside += 1;
    match &c.implied {
        Implied::Price(p) => *sum.implied.entry(*p).or_default() += 1,
        Implied::Unknown(why) => {
            sum.unknown.get_or_insert_with(|| why.clone());
        }
    }
}

fn finish_row(catalog: &Catalog, entry_id: Text, sum: RowSum) -> ReconcileRow {
    let (implied, note) = if sum.outside == 0 {
        (None, None)
    } else if let Some(why) = sum.unknown {
        (None, Some(format!("no unit price implied: {why}")))
    } else if sum.implied.len() > 1 {
        let prices: Vec<String> = sum
            .implied
            .iter()
            .map(|(p, n)| format!("{} ({n} task{})", Usd(*p), if *n == 1 { "" } else { "s" }))
            .collect();
        let note = format!(
            "the outside tasks imply different unit prices: {}",
            prices.join(", ")
        );
        (None, Some(note))
    } else {
        let price = sum.implied.keys().next().copied();
        let single = catalog
            .entry(&entry_id)
            .is_some_and(|e| e.price_usd.is_some());
        let note = (!single).then(|| {
            "the row is not priced by one unit price (size tiers or a range): the overlay leaves \
             it alone; correct it by hand"
                .to_owned()
        });
        (price.map(Usd), note)
    };
    ReconcileRow {
        entry_id,
        tasks: sum.tasks,
        charged_usd: Usd(sum.charged),
        estimated_min_usd: Usd(sum.min),
        estimated_max_usd: Usd(sum.max),
        outside: sum.outside,
        implied_unit_price_usd: implied,
        note,
    }
}

/// An overlay setting each drifted row's implied unit price; `None` when no row can be patched.
fn overlay(rows: &[ReconcileRow], input: &ReconcileInput) -> Option<OverlayFile> {
    let entries: Vec<EntryPatch> = rows
        .iter()
        .filter(|r| r.note.is_none())
        .filter_map(|r| {
            let price = r.implied_unit_price_usd?;
            let mut patch = EntryPatch {
                id: r.entry_id.clone(),
                ..EntryPatch::default()
            };
            patch.price_usd = Some(Some(price));
            Some(patch)
        })
        .collect();
    if entries.is_empty() {
        return None;
    }
    let (since, until) = (rfc3339(input.window.since), rfc3339(input.window.until));
    Some(OverlayFile {
        name: format!("reconciled-{}", utc_date(input.window.until)),
        source: Some(format!(
            "reconcile_charges: the account's own charges for {} completed tasks from {since} to {until}",
            input.checked.len()
        )),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::catalog::BUILTIN_JSON;

    /// The built-in catalog's plans and facts with rows of this test's own, so no figure
    /// here depends on what PiAPI charges this month.
    fn catalog() -> Catalog {
        let mut file: Value = serde_json::from_str(BUILTIN_JSON).unwrap();
        let row = |id: &str, model: &str, extra: Value| {
            let mut row = json!({"id": id, "model": model, "task_type": "gen", "variant": id,
                "unit": "task", "price_usd": null, "hya_seat": null, "status": "active",
                "confidence": "official", "source": "test"});
            row.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            row
        };
        file["entries"] = json!([
            row(
                "t.video",
                "tvid",
                json!({"unit": "second", "price_usd": "0.10", "hya_seat": "kling",
                "quantity": {"kind": "input", "field": "duration", "min": 1, "max": 10, "default": 5}})
            ),
            row(
                "t.img.hd",
                "timg",
                json!({"price_usd": "0.02", "select": {"quality": "hd"}})
            ),
            row(
                "t.img.sd",
                "timg",
                json!({"price_usd": "0.01", "select": {"quality": "sd"}})
            ),
            row(
                "t.tiers",
                "ttier",
                json!({"unit": "image", "tiers": [
                {"max_pixels": 1_000_000, "price_usd": "0.002"}, {"max_pixels": null, "price_usd": "0.004"}]})
            ),
        ]);
        Catalog::from_json(&file.to_string()).expect("the test catalog loads")
    }

    fn spec(model: &str, input: Value) -> TaskSpec {
        let Value::Object(input) = input else {
            panic!("an object")
        };
        task_spec(model, "gen", input, Map::new())
    }

    fn usd(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn a_charge_inside_its_estimate_implies_the_catalog_price() {
        let c = compare(
            &catalog(),
            &spec("tvid", json!({"duration": 4})),
            usd("0.40"),
        )
        .unwrap();
        assert_eq!(c.entry_id.as_ref(), "t.video");
        assert_eq!((c.min, c.max, c.inside), (usd("0.40"), usd("0.40"), true));
        assert_eq!(c.implied, Implied::Price(usd("0.1")));
    }

    #[test]
    fn a_charge_outside_implies_its_own_unit_price() {
        let c = compare(
            &catalog(),
            &spec("tvid", json!({"duration": 4})),
            usd("0.60"),
        )
        .unwrap();
        assert!(!c.inside);
        assert_eq!(c.implied, Implied::Price(usd("0.15")));
        let check = c.check();
        assert_eq!(check.implied_unit_price_usd.unwrap().to_string(), "0.15");
        // 0.0000001 USD over 3 seconds is a third of a point per second: no price is implied.
        let c = compare(
            &catalog(),
            &spec("tvid", json!({"duration": 3})),
            usd("0.0000001"),
        )
        .unwrap();
        assert!(
            matches!(c.implied, Implied::Unknown(ref why) if why.contains("whole number of points"))
        );
    }

    #[test]
    fn tasks_the_catalog_cannot_price_say_why() {
        let e = compare(&catalog(), &spec("nope", json!({})), usd("1")).unwrap_err();
        assert!(e.contains("nope"), "{e}");
        let e = compare(&catalog(), &spec("tvid", json!({"duration": 99})), usd("1")).unwrap_err();
        assert!(e.contains("duration"), "{e}");
    }

    #[test]
    fn hya_and_unknown_quantities_imply_no_price() {
        let mut s = spec("tvid", json!({"duration": 4}));
        s.config.insert("service_mode".into(), json!("private"));
        let c = compare(&catalog(), &s, Decimal::ZERO).unwrap();
        assert!(c.inside && matches!(c.implied, Implied::Unknown(ref w) if w.contains("seat")));
        let c = compare(&catalog(), &spec("ttier", json!({})), usd("0.003")).unwrap();
        assert_eq!((c.min, c.max, c.inside), (usd("0.002"), usd("0.004"), true));
        let c = compare(
            &catalog(),
            &spec("ttier", json!({"width": 2000, "height": 2000})),
            usd("0.005"),
        )
        .unwrap();
        assert!(!c.inside);
        assert_eq!(
            c.implied,
            Implied::Price(usd("0.005")),
            "one image at a known size"
        );
    }

    fn checked(
        catalog: &Catalog,
        id: &str,
        model: &str,
        input: Value,
        charged: &str,
    ) -> CheckedTask {
        let charged = usd(charged);
        CheckedTask {
            task_id: id.into(),
            model: model.into(),
            task_type: "gen".into(),
            charged,
            outcome: compare(catalog, &spec(model, input), charged),
        }
    }

    fn input(catalog: &Catalog) -> ReconcileInput {
        let c = catalog;
        ReconcileInput {
            window: Window {
                since: 1_795_000_000,
                until: 1_795_539_600,
            },
            checked: vec![
                // Drifted consistently: 0.15 per second at two durations.
                checked(c, "v1", "tvid", json!({"duration": 2}), "0.30"),
                checked(c, "v2", "tvid", json!({"duration": 6}), "0.90"),
                // Drifted inconsistently: 0.03 and 0.04 per task.
                checked(c, "h1", "timg", json!({"quality": "hd"}), "0.03"),
                checked(c, "h2", "timg", json!({"quality": "hd"}), "0.04"),
                checked(c, "h3", "timg", json!({"quality": "hd"}), "0.02"),
                // As the catalog says.
                checked(c, "s1", "timg", json!({"quality": "sd"}), "0.01"),
                // Tiered, drifted: no single price to patch.
                checked(
                    c,
                    "z1",
                    "ttier",
                    json!({"width": 100, "height": 100}),
                    "0.003",
                ),
                checked(c, "u1", "nope", json!({}), "0.50"),
                checked(c, "u2", "nope", json!({}), "0.25"),
            ],
            skipped: vec![SkippedTask {
                task_id: Some("x".into()),
                reason: "status failed".into(),
            }],
            truncated: false,
        }
    }

    #[test]
    fn rows_sum_their_tasks_and_only_agreeing_single_prices_are_patched() {
        let catalog = catalog();
        let r = reconcile(&catalog, input(&catalog));
        assert_eq!(
            (r.tasks_checked, r.tasks_skipped.len(), r.truncated),
            (9, 1, false)
        );
        let row = |id: &str| {
            r.rows
                .iter()
                .find(|row| row.entry_id.as_ref() == id)
                .unwrap()
        };
        let v = row("t.video");
        assert_eq!(
            (v.tasks, v.outside, v.charged_usd.to_string()),
            (2, 2, "1.20".into())
        );
        assert_eq!(
            (
                v.estimated_min_usd.to_string(),
                v.estimated_max_usd.to_string()
            ),
            ("0.80".into(), "0.80".into())
        );
        assert_eq!(v.implied_unit_price_usd.unwrap().to_string(), "0.15");
        assert_eq!(v.note, None);
        let h = row("t.img.hd");
        assert_eq!((h.tasks, h.outside, h.implied_unit_price_usd), (3, 2, None));
        assert!(
            h.note
                .as_deref()
                .unwrap()
                .contains("0.03 (1 task), 0.04 (1 task)"),
            "{:?}",
            h.note
        );
        assert_eq!(
            (row("t.img.sd").outside, row("t.img.sd").note.clone()),
            (0, None)
        );
        let z = row("t.tiers");
        assert!(z.implied_unit_price_usd.is_some() && z.note.as_deref().unwrap().contains("tiers"));
        let order: Vec<u64> = r.rows.iter().map(|row| row.outside).collect();
        assert!(
            order.windows(2).all(|w| w[0] > 0 || w[1] == 0),
            "drifted rows first: {order:?}"
        );

        let [u] = &r.unmatched[..] else {
            panic!("{:?}", r.unmatched)
        };
        assert_eq!(
            (u.model.as_str(), u.tasks, u.charged_usd.to_string()),
            ("nope", 2, "0.75".into())
        );

        let overlay = r.overlay.unwrap();
        assert_eq!(overlay.name, "reconciled-2026-11-24");
        let ids: Vec<&str> = overlay.entries.iter().map(|p| p.id.as_ref()).collect();
        assert_eq!(ids, ["t.video"], "only the row with one agreed unit price");
        // Laid over the catalog, the overlay makes the drifted row's charges its estimates.
        let corrected = catalog.apply_overlay(overlay).unwrap();
        let again = reconcile(&corrected, input(&corrected));
        let v = again
            .rows
            .iter()
            .find(|row| row.entry_id.as_ref() == "t.video")
            .unwrap();
        assert_eq!(v.outside, 0);
        assert_eq!(
            corrected
                .entry("t.video")
                .unwrap()
                .price_usd
                .unwrap()
                .to_string(),
            "0.15"
        );
    }

    #[test]
    fn nothing_drifted_means_no_overlay() {
        let catalog = catalog();
        let mut input = input(&catalog);
        input.checked.retain(|t| t.task_id == "s1");
        let r = reconcile(&catalog, input);
        assert!(r.overlay.is_none());
        assert!(
            r.rows
                .iter()
                .all(|row| row.outside == 0 && row.note.is_none())
        );
    }
}
