//! Pre-checks: can this account submit this batch now?
//!
//! PiAPI takes a job's quota when the job is sent, so what matters is the most a job can cost
//! or what PiAPI freezes for it, whichever is larger, against what is not already frozen
//! (facts §4): `available = balance − frozen`, `required = Σ max(max_usd, freeze_usd)`.

use rust_decimal::Decimal;

use crate::catalog::{Catalog, Status};
use crate::contract::{Blocker, BlockerCode, Decision, Mode, PrecheckArgs, PrecheckResult};
use crate::error::Error;
use crate::estimate::estimate;
use crate::money::{Usd, is_point_exact};
use crate::plans::plan_allows;
use crate::topup;

pub fn precheck(catalog: &Catalog, args: &PrecheckArgs) -> Result<PrecheckResult, Error> {
    let balance = args.balance_usd.ok_or_else(|| {
        Error::invalid(
            "balance_usd",
            "is required: pass the account balance in USD (the MCP server fetches it from PiAPI when PIAPI_API_KEY is set)",
        )
    })?;
    let frozen = args.frozen_usd.unwrap_or(Usd::ZERO);
    for (field, v) in [("balance_usd", balance), ("frozen_usd", frozen)] {
        if v.0.is_sign_negative() && !v.0.is_zero() {
            return Err(Error::invalid(
                field,
                format!("must not be negative, got {v}"),
            ));
        }
        if !is_point_exact(v.0) || v.0 > Decimal::from(1_000_000_000u64) {
            return Err(Error::invalid(
                field,
                format!("must be at most 1000000000 with at most 7 decimals (one point), got {v}"),
            ));
        }
    }
    let seats = args.hya_seats.as_ref().map(|s| {
        s.iter()
            .map(|x| x.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
    });
    let est = estimate(catalog, &args.estimate_args())?;

    let mut blockers = Vec::new();
    for e in &est.errors {
        blockers.push(Blocker {
            index: Some(e.index),
            code: e.code.into(),
            message: e.message.clone(),
        });
    }
    let mut required = Decimal::ZERO;
    for line in &est.lines {
        required += line.max_usd.0.max(line.freeze_usd.0);
        let Some(entry) = catalog.entry(&line.entry_id) else {
            continue;
        };
        if entry.status == Status::Discontinued {
            blockers.push(Blocker {
                index: Some(line.index),
                code: BlockerCode::ServiceDiscontinued,
                message: format!(
                    "PiAPI has discontinued {} ({}); tasks cannot be submitted",
                    entry.model, entry.variant
                ),
            });
        }
        if let (Some(need), Some(plan)) = (entry.requires_plan, args.plan)
            && !plan_allows(plan, need)
        {
            blockers.push(Blocker {
                index: Some(line.index),
                code: BlockerCode::PlanRequired,
                message: format!(
                    "{} {} needs the {} plan or higher; the account is on {}",
                    entry.model,
                    entry.task_type,
                    need.as_str(),
                    plan.as_str()
                ),
            });
        }
        if line.mode == Mode::Hya
            && let (Some(seat), Some(seats)) = (&line.seat, &seats)
            && !seats.contains(&seat.to_ascii_lowercase())
        {
            blockers.push(Blocker {
                index: Some(line.index),
                code: BlockerCode::SeatRequired,
                message: format!(
                    "host-your-account {} needs an active \"{seat}\" seat; hya_seats has: {}",
                    entry.model,
                    if seats.is_empty() {
                        "none".to_string()
                    } else {
                        seats.join(", ")
                    }
                ),
            });
        }
    }

    let available = balance.0 - frozen.0;
    let shortfall = (required - available).max(Decimal::ZERO);
    let short = shortfall > Decimal::ZERO;
    if short {
        blockers.push(Blocker {
            index: None,
            code: BlockerCode::InsufficientCredits,
            message: format!(
                "the batch needs up to {} USD but only {} USD is available (balance {} − frozen {}); short by {} USD",
                Usd(required),
                Usd(available),
                balance,
                frozen,
                Usd(shortfall)
            ),
        });
    }
    let blocked = blockers
        .iter()
        .any(|b| b.code != BlockerCode::InsufficientCredits);
    let decision = if blocked {
        Decision::Blocked
    } else if short {
        Decision::InsufficientCredits
    } else {
        Decision::Ok
    };
    Ok(PrecheckResult {
        ok: decision == Decision::Ok,
        decision,
        available_usd: Usd(available),
        required_usd: Usd(required),
        shortfall_usd: Usd(shortfall),
        blockers,
        suggested_top_up: topup::suggest(catalog, shortfall, args.plan),
        estimate: est,
    })
}
