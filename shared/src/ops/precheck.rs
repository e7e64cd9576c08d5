//! Pre-checks: can this account submit this batch now?
//!
//! PiAPI takes a job's quota when the job is sent, so what matters is what each job must have
//! available at submission, [`required_usd`], against what the account has not already frozen.
//! The same amount sizes a ledger hold, so a hold and a pre-check can never disagree.

use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::contract::{
    Blocker, BlockerCode, Decision, EstimateLine, EstimateResult, PrecheckArgs, PrecheckResult,
};
use crate::error::Error;
use crate::model::{Mode, Status};
use crate::money::{Usd, is_point_exact};
use crate::ops::{estimate::estimate, topup};

/// What an account can spend, as the caller knows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Funds {
    /// The caller's balance and what running tasks have frozen of it.
    Balance { balance: Usd, frozen: Usd },
    /// What PiAPI reports: available credit, with the frozen amount beside it.
    Available { available: Usd, frozen: Usd },
}

impl Funds {
    /// The funds the arguments give (`balance_usd`, `frozen_usd`), checked; `None` when the
    /// caller gave no balance.
    pub fn from_args(args: &PrecheckArgs) -> Result<Option<Funds>, Error> {
        let Some(balance) = args.balance_usd else {
            return Ok(None);
        };
        let frozen = args.frozen_usd.unwrap_or(Usd::ZERO);
        for (field, v) in [("balance_usd", balance), ("frozen_usd", frozen)] {
            check_amount(field, v)?;
        }
        Ok(Some(Funds::Balance { balance, frozen }))
    }

    /// What can be spent now.
    pub fn available(&self) -> Decimal {
        match *self {
            Funds::Balance { balance, frozen } => balance.0 - frozen.0,
            Funds::Available { available, .. } => available.0,
        }
    }

    /// How the available figure came about, for messages.
    fn describe(&self) -> String {
        match self {
            Funds::Balance { balance, frozen } => format!("balance {balance} − frozen {frozen}"),
            Funds::Available { frozen, .. } => {
                format!("{frozen} USD more is frozen by running tasks")
            }
        }
    }
}

fn check_amount(field: &str, v: Usd) -> Result<(), Error> {
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
    Ok(())
}

/// What a priced line needs available when its tasks are sent: the most it can cost, or what
/// PiAPI freezes for it while it runs, whichever is larger.
pub fn line_required_usd(line: &EstimateLine) -> Decimal {
    line.max_usd.0.max(line.freeze_usd.0)
}

/// What a batch needs available: the sum over its priced lines. A ledger hold for the batch
/// is this amount.
pub fn required_usd(estimate: &EstimateResult) -> Usd {
    Usd(estimate.lines.iter().map(line_required_usd).sum())
}

/// `precheck_credits` with the funds the arguments give; `balance_usd` is then required.
pub fn precheck(catalog: &Catalog, args: &PrecheckArgs) -> Result<PrecheckResult, Error> {
    let funds = Funds::from_args(args)?.ok_or_else(|| {
        Error::invalid(
            "balance_usd",
            "is required: pass the account balance in USD (the MCP server fetches it from PiAPI when PIAPI_API_KEY is set)",
        )
    })?;
    precheck_with(catalog, args, funds)
}

/// `precheck_credits` against `funds` (the arguments' own, or what PiAPI reported).
pub fn precheck_with(
    catalog: &Catalog,
    args: &PrecheckArgs,
    funds: Funds,
) -> Result<PrecheckResult, Error> {
    let est = estimate(catalog, args.batch())?;
    let mut blockers: Vec<Blocker> = est
        .errors
        .iter()
        .map(|e| Blocker {
            index: Some(e.index),
            code: e.code.into(),
            message: e.message.clone(),
        })
        .collect();
    let seats = args.hya_seats.as_ref().map(|s| {
        s.iter()
            .map(|x| x.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
    });
    for line in &est.lines {
        if let Some(entry) = catalog.entry(&line.entry_id) {
            line_blockers(entry, line, args, seats.as_deref(), &mut blockers);
        }
    }
    let required = required_usd(&est).0;
    let available = funds.available();
    let shortfall = (required - available).max(Decimal::ZERO);
    let short = shortfall > Decimal::ZERO;
    if short {
        blockers.push(Blocker {
            index: None,
            code: BlockerCode::InsufficientCredits,
            message: format!(
                "the batch needs up to {} USD but only {} USD is available ({}); short by {} USD",
                Usd(required),
                Usd(available),
                funds.describe(),
                Usd(shortfall)
            ),
        });
    }
    let decision = if blockers
        .iter()
        .any(|b| b.code != BlockerCode::InsufficientCredits)
    {
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

/// What stops one priced line: a discontinued service, a plan gate, a missing seat.
fn line_blockers(
    entry: &crate::model::Entry,
    line: &EstimateLine,
    args: &PrecheckArgs,
    seats: Option<&[String]>,
    blockers: &mut Vec<Blocker>,
) {
    let mut block = |code, message| {
        blockers.push(Blocker {
            index: Some(line.index),
            code,
            message,
        })
    };
    if entry.status == Status::Discontinued {
        block(
            BlockerCode::ServiceDiscontinued,
            format!(
                "PiAPI has discontinued {} ({}); tasks cannot be submitted",
                entry.model, entry.variant
            ),
        );
    }
    if let (Some(need), Some(plan)) = (entry.requires_plan, args.plan)
        && !plan.allows(need)
    {
        block(
            BlockerCode::PlanRequired,
            format!(
                "{} {} needs the {} plan or higher; the account is on {}",
                entry.model,
                entry.task_type,
                need.as_str(),
                plan.as_str()
            ),
        );
    }
    // A seat is never assumed: PiAPI refuses a host-your-account task without one, so a seat the
    // caller did not confirm blocks the line.
    if line.mode == Mode::Hya
        && let Some(seat) = &line.seat
        && !seats.is_some_and(|s| s.contains(&seat.to_ascii_lowercase()))
    {
        let listed = match seats {
            None => "hya_seats was not given".to_string(),
            Some([]) => "hya_seats is empty".to_string(),
            Some(seats) => format!("hya_seats has: {}", seats.join(", ")),
        };
        block(
            BlockerCode::SeatRequired,
            format!(
                "host-your-account {} needs an active \"{seat}\" seat and {listed}: check the seat is active in PiAPI's workspace (Billing, host your account), then pass hya_seats: [\"{seat}\"]; or send the task with config.service_mode \"public\" to pay from credits",
                entry.model
            ),
        );
    }
}
