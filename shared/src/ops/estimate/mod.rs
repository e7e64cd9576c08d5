//! Interval estimates: what a batch of PiAPI tasks costs, as `[min, max]`.
//!
//! A price is exact when the request fixes every quantity; where a quantity depends on media
//! the estimator cannot see (a video's length, an image's size) the caller's hints fix it, a
//! documented maximum bounds it, or the line is reported `unbounded` with the hint that would
//! fix it. Nothing is ever guessed: a line that cannot be priced is left out of the totals and
//! listed in `errors` with its reason.
//!
//! A line goes through [`select`] (mode and catalog entry), [`quantity`] (units per task),
//! [`price`] (unit price or size tier) and [`relax`] (Midjourney's daily allowance);
//! [`diagnose`] words what went wrong.

mod diagnose;
mod price;
mod quantity;
mod relax;
mod select;
mod values;

use rust_decimal::Decimal;

use self::quantity::{Ctx, Quantity};
use self::relax::RelaxBudget;
use self::select::{resolve_mode, select_entry};
use self::values::is_set;
use crate::catalog::Catalog;
use crate::contract::{Batch, EstimateLine, EstimateResult, LineError, LineErrorCode, TaskSpec};
use crate::error::Error;
use crate::model::{Charge, Entry, Mode, Status};
use crate::money::{Dec, Usd, usd_to_points};
use crate::text::Text;

/// Most lines one call may carry.
pub const MAX_LINES: usize = 1_000;
/// Most tasks one line may stand for.
pub const MAX_COUNT: u64 = 10_000;

type LineResult<T> = Result<T, (LineErrorCode, String)>;

fn invalid<T>(msg: impl Into<String>) -> LineResult<T> {
    Err((LineErrorCode::InvalidInput, msg.into()))
}

/// Prices every line of the batch.
pub fn estimate(catalog: &Catalog, batch: Batch<'_>) -> Result<EstimateResult, Error> {
    check_line_count(batch.tasks.len())?;
    // Built on first use: most batches have no Midjourney relax line.
    let mut relax: Option<RelaxBudget> = None;
    let mut lines = Vec::with_capacity(batch.tasks.len());
    let mut errors = Vec::new();
    for (index, task) in batch.tasks.iter().enumerate() {
        match price_line(catalog, batch, task, index, &mut relax) {
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

/// What one line costs: `[min, max]` for the line, and what PiAPI freezes for it.
struct Amounts {
    min: Decimal,
    max: Decimal,
    unit_price: Decimal,
    freeze: Decimal,
}

fn price_line(
    catalog: &Catalog,
    batch: Batch<'_>,
    task: &TaskSpec,
    index: usize,
    relax: &mut Option<RelaxBudget>,
) -> LineResult<EstimateLine> {
    let Some(count) = u64::try_from(task.count)
        .ok()
        .filter(|c| (1..=MAX_COUNT).contains(c))
    else {
        return invalid(format!(
            "count must be 1 to {MAX_COUNT}, got {}",
            task.count
        ));
    };
    let candidates = catalog.candidate_entries(&task.model, &task.task_type);
    if candidates.is_empty() {
        return Err(diagnose::unknown_service(
            catalog,
            &task.model,
            &task.task_type,
        ));
    }
    let mut defaults_used = Vec::with_capacity(4);
    let mode = resolve_mode(&task.config, batch.default_mode, &mut defaults_used)?;
    let entry = select_entry(catalog, candidates, &task.input, &mut defaults_used)?;
    check_priced(entry)?;
    check_mode(entry, mode, task)?;
    let mut warnings = Vec::new();
    let (q_min, q_max) = quantity(entry, task, mode, &mut defaults_used, &mut warnings)?;
    let (p_min, p_max, tier_warning) = price::unit_prices(entry, task)?;
    warnings.extend(tier_warning);
    entry_warnings(entry, batch, &mut warnings);
    let amounts = match mode {
        Mode::Hya => Amounts {
            min: Decimal::ZERO,
            max: Decimal::ZERO,
            unit_price: Decimal::ZERO,
            freeze: Decimal::ZERO,
        },
        Mode::Payg => {
            let q_max =
                q_max.ok_or((LineErrorCode::Unbounded, "unbounded quantity".to_string()))?;
            let (lo_tasks, hi_tasks) =
                tasks_charged(catalog, batch, entry, count, relax, &mut warnings);
            let max = q_max * p_max * hi_tasks;
            let freeze = match (entry.charge, &entry.freeze) {
                // Consumed at creation: nothing is frozen.
                (Charge::AtCreation, _) => Decimal::ZERO,
                (Charge::OnCompletion, Some(rule)) => rule.flat_usd.0 * Decimal::from(count),
                (Charge::OnCompletion, None) => max,
            };
            Amounts {
                min: q_min * p_min * lo_tasks,
                max,
                unit_price: p_max,
                freeze,
            }
        }
    };
    if usd_to_points(amounts.max.max(amounts.freeze)).is_none() {
        return invalid(format!(
            "this line's cost ({} USD) is beyond what JSON carries exactly in points; lower count",
            Usd(amounts.max)
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
        count,
        unit: entry.unit,
        quantity_min: Dec(q_min),
        quantity_max: q_max.map(Dec),
        unit_price_usd: Usd(amounts.unit_price),
        min_usd: Usd(amounts.min),
        max_usd: Usd(amounts.max),
        freeze_usd: Usd(amounts.freeze),
        charge: entry.charge,
        seat: (mode == Mode::Hya)
            .then(|| entry.hya_seat.clone())
            .flatten(),
        confidence,
        source: entry.source.clone(),
        status: entry.status,
        defaults_used,
        warnings,
    })
}

fn check_priced(entry: &Entry) -> LineResult<()> {
    if entry.status != Status::Unpriced {
        return Ok(());
    }
    Err((
        LineErrorCode::Unpriced,
        format!(
            "{} {} ({}) is unpriced: {}",
            entry.model, entry.task_type, entry.variant, entry.notes
        ),
    ))
}

/// Refuses a mode the service does not offer, or an input the mode does not accept.
fn check_mode(entry: &Entry, mode: Mode, task: &TaskSpec) -> LineResult<()> {
    match mode {
        Mode::Hya if entry.hya_seat.is_none() => Err((
            LineErrorCode::ModeNotSupported,
            format!(
                "{} is pay-as-you-go only: config.service_mode \"private\" (host-your-account) is not available; use \"public\"",
                entry.model
            ),
        )),
        Mode::Payg => match entry
            .hya_only_inputs
            .iter()
            .find(|f| is_set(task.input.get(f.as_str())))
        {
            Some(f) => Err((
                LineErrorCode::ModeNotSupported,
                format!(
                    "input.{f} is available only in host-your-account mode (config.service_mode \"private\")"
                ),
            )),
            None => Ok(()),
        },
        Mode::Hya => Ok(()),
    }
}

/// Units per task as `(min, max)`. A seat pays nothing per task, so an unknown quantity does
/// not matter in host-your-account mode.
fn quantity(
    entry: &Entry,
    task: &TaskSpec,
    mode: Mode,
    defaults_used: &mut Vec<Text>,
    warnings: &mut Vec<String>,
) -> LineResult<(Decimal, Option<Decimal>)> {
    let mut cx = Ctx {
        entry,
        task,
        defaults_used,
    };
    match (entry.quantity.quantity(&mut cx), mode) {
        (Ok(Quantity { min, max, warning }), _) => {
            warnings.extend(warning);
            Ok((min, max))
        }
        (Err((LineErrorCode::Unbounded, _)), Mode::Hya) => Ok((Decimal::ONE, None)),
        (Err(e), _) => Err(e),
    }
}

/// Cautions that hold for every line the entry prices: its own warning, a discontinued
/// service, a plan the account may not have.
fn entry_warnings(entry: &Entry, batch: Batch<'_>, warnings: &mut Vec<String>) {
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
        match batch.plan {
            Some(plan) if !plan.allows(required) => warnings.push(format!(
                "needs the {} plan or higher; the account is on {}",
                required.as_str(),
                plan.as_str()
            )),
            None => warnings.push(format!("needs the {} plan or higher", required.as_str())),
            Some(_) => {}
        }
    }
}

/// How many tasks' worth of price the line's `[min, max]` carries: the count, or with
/// Midjourney relax the count with over-limit tasks doubled.
fn tasks_charged(
    catalog: &Catalog,
    batch: Batch<'_>,
    entry: &Entry,
    count: u64,
    relax: &mut Option<RelaxBudget>,
    warnings: &mut Vec<String>,
) -> (Decimal, Decimal) {
    if !entry.relax_limit {
        return (Decimal::from(count), Decimal::from(count));
    }
    let budget =
        relax.get_or_insert_with(|| RelaxBudget::new(catalog, batch.plan, batch.relax_used_today));
    let (lo, hi, w) = budget.charge(count, batch.plan);
    warnings.extend(w);
    (lo, hi)
}
