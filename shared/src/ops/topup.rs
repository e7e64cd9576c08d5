//! Top-up quotes: a one-time top-up strictly higher than a tier's threshold earns that tier's
//! bonus (exactly the threshold earns nothing), up to the plan's self-serve limit.

use crate::catalog::Catalog;
use crate::contract::{NextTier, QuoteTopUpArgs, SuggestedTopUp, TopUpQuote};
use crate::error::Error;
use crate::model::{PlanId, TopUpTier};
use crate::money::{Dec, Usd, usd_to_points};
use rust_decimal::Decimal;

/// The largest top-up we quote: keeps every figure an exact JavaScript integer of points.
const MAX_QUOTE_USD: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

/// The tier an amount earns, and the next one up.
fn tiers_for(catalog: &Catalog, amount: Decimal) -> (Decimal, Option<&TopUpTier>) {
    let tiers = catalog.top_up_tiers();
    let earned = tiers
        .iter()
        .rev()
        .find(|t| amount > t.above_usd.0)
        .map(|t| t.bonus_pct.0);
    let next = tiers.iter().find(|t| amount <= t.above_usd.0);
    (earned.unwrap_or(Decimal::ZERO), next)
}

fn self_serve_limit(catalog: &Catalog, plan: Option<PlanId>) -> Decimal {
    let facts = catalog.account_facts();
    match plan {
        Some(PlanId::Enterprise) => facts.enterprise_top_up_max_usd.0,
        _ => facts.self_serve_top_up_max_usd.0,
    }
}

pub fn quote(catalog: &Catalog, args: &QuoteTopUpArgs) -> Result<TopUpQuote, Error> {
    let amount = args.amount_usd.0;
    if amount <= Decimal::ZERO {
        return Err(Error::invalid(
            "amount_usd",
            format!("must be greater than 0, got {}", args.amount_usd),
        ));
    }
    if amount.normalize().scale() > 2 {
        return Err(Error::invalid(
            "amount_usd",
            format!(
                "must be whole cents (at most 2 decimals), got {}",
                args.amount_usd
            ),
        ));
    }
    if amount > MAX_QUOTE_USD {
        return Err(Error::invalid(
            "amount_usd",
            format!(
                "must be at most {}, got {}",
                Usd(MAX_QUOTE_USD),
                args.amount_usd
            ),
        ));
    }
    let (pct, next) = tiers_for(catalog, amount);
    let bonus = amount * pct / Decimal::ONE_HUNDRED;
    let credited = amount + bonus;
    let limit = self_serve_limit(catalog, args.plan);
    Ok(TopUpQuote {
        amount_usd: Usd(amount),
        bonus_pct: Dec(pct),
        bonus_usd: Usd(bonus),
        credited_usd: Usd(credited),
        // amount ≤ 1e8 with cents and pct with ≤ 2 decimals keep this within whole safe points.
        credited_points: usd_to_points(credited).ok_or_else(|| {
            Error::invalid(
                "amount_usd",
                "the credited amount is not a whole number of points",
            )
        })?,
        self_serve: amount <= limit,
        self_serve_limit_usd: Usd(limit),
        next_tier: next.map(|t| NextTier {
            above_usd: t.above_usd,
            bonus_pct: t.bonus_pct,
        }),
    })
}

/// The top-up that covers `shortfall`: rounded up to whole dollars, at least one.
pub fn suggest(
    catalog: &Catalog,
    shortfall: Decimal,
    plan: Option<PlanId>,
) -> Option<SuggestedTopUp> {
    if shortfall <= Decimal::ZERO {
        return None;
    }
    let amount = shortfall.ceil().max(Decimal::ONE);
    let (pct, _) = tiers_for(catalog, amount);
    Some(SuggestedTopUp {
        amount_usd: Usd(amount),
        bonus_pct: Dec(pct),
        bonus_usd: Usd(amount * pct / Decimal::ONE_HUNDRED),
        self_serve: amount <= self_serve_limit(catalog, plan),
    })
}
