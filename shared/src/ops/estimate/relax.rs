//! Midjourney's relax allowance: past the plan's daily relax limit a relax task costs twice
//! its price, so a batch spends the allowance line by line.

use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::model::PlanId;

/// Midjourney's daily relax allowance, spent line by line. It is tracked as an interval: the
/// fewest relax tasks left (for `max`) and the most (for `min`), so an unknown plan or an
/// unknown count of tasks already run widens the estimate instead of guessing.
pub(super) struct RelaxBudget {
    left_least: u64,
    left_most: u64,
    limit_known: bool,
}

impl RelaxBudget {
    pub(super) fn new(catalog: &Catalog, plan: Option<PlanId>, used: Option<u64>) -> Self {
        let limit_of = |p: PlanId| {
            catalog
                .plan(p)
                .and_then(|p| p.limits.midjourney_relax_per_day)
        };
        let (lim_lo, lim_hi) = match plan {
            Some(p) => match limit_of(p) {
                Some(l) => (l, l),
                None => (0, u64::MAX),
            },
            None => {
                let known: Vec<u64> = PlanId::ALL.iter().filter_map(|p| limit_of(*p)).collect();
                let unknown_exists = PlanId::ALL.iter().any(|p| limit_of(*p).is_none());
                let lo = known.iter().copied().min().unwrap_or(0);
                let hi = if unknown_exists {
                    u64::MAX
                } else {
                    known.iter().copied().max().unwrap_or(0)
                };
                (lo, hi)
            }
        };
        let (used_lo, used_hi) = match used {
            Some(u) => (u, u),
            None => (0, u64::MAX),
        };
        RelaxBudget {
            left_least: lim_lo.saturating_sub(used_hi),
            left_most: lim_hi.saturating_sub(used_lo),
            limit_known: lim_lo == lim_hi && used.is_some(),
        }
    }

    /// Spends `count` relax tasks; returns the price multipliers (in task-equivalents) for the
    /// line's min and max, and a warning when the limit matters.
    pub(super) fn charge(
        &mut self,
        count: u64,
        plan: Option<PlanId>,
    ) -> (Decimal, Decimal, Option<String>) {
        let within_most = count.min(self.left_most);
        let within_least = count.min(self.left_least);
        self.left_most -= within_most;
        self.left_least -= within_least;
        let equiv =
            |within: u64| Decimal::from(within) + Decimal::from(count - within) * Decimal::TWO;
        let (lo, hi) = (equiv(within_most), equiv(within_least));
        let warning = if self.limit_known {
            let over = count - within_least;
            (over > 0).then(|| {
                format!(
                    "{over} of {count} relax tasks exceed the {} plan's daily relax limit and cost 2x",
                    plan.map(PlanId::as_str).unwrap_or("account's")
                )
            })
        } else if lo != hi {
            Some("relax tasks past the plan's daily relax limit cost 2x: pass plan and relax_used_today for an exact figure".to_string())
        } else {
            None
        };
        (lo, hi, warning)
    }
}
