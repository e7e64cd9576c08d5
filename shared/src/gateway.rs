//! The budget gateway's rules: whether a key may create a task and how much to hold for it,
//! why a refusal happened in terms a program can act on, and how a finished task settles its
//! hold. The HTTP proxy in the MCP server only translates requests into these calls.
//!
//! A hold is what PiAPI will take from the account for the task
//! ([`required_usd`](crate::ops::precheck::required_usd): the full price for a charge-at-creation
//! service, `max(freeze, price)` for freeze-then-settle). The estimate's inputs and prices are
//! kept with the hold as its quote, so a later price change never alters what was held.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::contract::{EstimateArgs, EstimateLine, EstimateResult, LineErrorCode, TaskSpec};
use crate::ledger::{KeySpec, LedgerError, MAX_QUOTE_BYTES};
use crate::money::Usd;
use crate::ops::precheck::required_usd;
use crate::piapi::TaskUsage;
use crate::{Billing, Error};

/// The smallest hold: one PiAPI point. A free task still gets a hold, so that every task made
/// through the gateway has a record that ties it to its key.
pub const MIN_HOLD: Decimal = Decimal::from_parts(1, 0, 0, false, 7);

/// Why a create-task was refused, as the `reason` field of the 402 answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The window's budget has less available than the task needs.
    BudgetExceeded,
    /// The task alone needs more than the key's per-task maximum or its whole budget.
    TaskExceedsBudget,
    ModelNotAllowed,
    /// The catalog cannot price the task, and the key states no cap for such tasks.
    Unpriced,
    /// The catalog cannot bound the task's cost, and the key states no cap for such tasks.
    Unbounded,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BudgetExceeded => "budget_exceeded",
            Reason::TaskExceedsBudget => "task_exceeds_budget",
            Reason::ModelNotAllowed => "model_not_allowed",
            Reason::Unpriced => "unpriced",
            Reason::Unbounded => "unbounded",
        }
    }
}

/// A refusal: the reason, a message saying what to do, and the figures behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub reason: Reason,
    pub message: String,
    /// What the task needs held, when it was priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_usd: Option<Usd>,
    /// How much more the budget would need.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall_usd: Option<Usd>,
    /// True when holds still settling may free enough: the client may retry later.
    pub may_free: bool,
}

/// A task the key may create: what to hold and the quote to keep with the hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Admission {
    pub amount: Usd,
    /// The estimate's inputs and prices as JSON text.
    pub quote: String,
    /// True when the amount is the key's stated cap for an unpriced or unbounded task.
    pub capped: bool,
}

/// What was wrong with a create-task: a refusal (402), or a body that is not a task (400).
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Refused(Refusal),
    Invalid(Error),
}

/// Decides whether `key` may create `task`, and what to hold for it.
pub fn admit(billing: &Billing, key: &KeySpec, task: &TaskSpec) -> Result<Admission, Verdict> {
    if !key.allows_model(&task.model) {
        return Err(refuse(
            Reason::ModelNotAllowed,
            format!(
                "key \"{}\" may not use model \"{}\"; it allows {}",
                key.key_id,
                task.model,
                key.allowed_models.join(", ")
            ),
        ));
    }
    let args = EstimateArgs {
        tasks: vec![task.clone()],
        ..EstimateArgs::default()
    };
    let estimate = billing.estimate_cost(&args).map_err(Verdict::Invalid)?;
    let (amount, capped) = match estimate.errors.first() {
        None => (Usd(required_usd(&estimate).0.max(MIN_HOLD)), false),
        Some(e) => {
            let reason = if e.code == LineErrorCode::Unbounded {
                Reason::Unbounded
            } else {
                Reason::Unpriced
            };
            match key.unpriced_cap_usd {
                Some(cap) => (cap, true),
                None => {
                    let message = format!(
                        "{}; key \"{}\" states no cap for such tasks (create a key with unpriced_cap_usd to allow them)",
                        e.message, key.key_id
                    );
                    return Err(refuse(reason, message));
                }
            }
        }
    };
    check_task_limits(key, amount)?;
    Ok(Admission {
        amount,
        quote: quote(task, &estimate, amount, capped),
        capped,
    })
}

fn refuse(reason: Reason, message: String) -> Verdict {
    Verdict::Refused(Refusal {
        reason,
        message,
        required_usd: None,
        shortfall_usd: None,
        may_free: false,
    })
}

/// A task needing more than the per-task maximum, or than the whole budget, can never run.
fn check_task_limits(key: &KeySpec, amount: Usd) -> Result<(), Verdict> {
    let limits = [
        (key.max_task_usd, "per-task maximum"),
        (Some(key.budget_usd), "whole budget"),
    ];
    for (limit, what) in limits {
        if let Some(limit) = limit.filter(|l| amount.0 > l.0) {
            return Err(Verdict::Refused(Refusal {
                reason: Reason::TaskExceedsBudget,
                message: format!(
                    "the task needs {amount} USD held, above key \"{}\"'s {what} of {limit} USD",
                    key.key_id
                ),
                required_usd: Some(amount),
                shortfall_usd: Some(Usd(amount.0 - limit.0)),
                may_free: false,
            }));
        }
    }
    Ok(())
}

/// A reservation the ledger refused for lack of budget, as a refusal. `held_in_window` is
/// what open holds of the window still hold: when they could cover the shortfall, settling
/// them may free enough, and the answer says to retry later.
pub fn budget_refusal(err: &LedgerError, held_in_window: Usd) -> Option<Refusal> {
    let LedgerError::InsufficientFunds {
        requested,
        available,
        shortfall,
        ..
    } = err
    else {
        return None;
    };
    Some(Refusal {
        reason: Reason::BudgetExceeded,
        message: format!(
            "the task needs {requested} USD held and the key's budget window has {available} USD available; short by {shortfall} USD"
        ),
        required_usd: Some(*requested),
        shortfall_usd: Some(*shortfall),
        may_free: held_in_window.0 > Decimal::ZERO,
    })
}

/// The stored quote: the task as sent (its prompt text dropped when the quote would be too
/// large) and every priced line with its unit price, bounds, freeze and charge timing.
fn quote(task: &TaskSpec, estimate: &EstimateResult, amount: Usd, capped: bool) -> String {
    #[derive(Serialize)]
    struct Quote<'a> {
        model: &'a str,
        task_type: &'a str,
        input: &'a Map<String, Value>,
        config: &'a Map<String, Value>,
        catalog_version: &'a str,
        overlay: Option<&'a str>,
        held_usd: Usd,
        capped: bool,
        lines: &'a [EstimateLine],
    }
    let empty = Map::new();
    let mut q = Quote {
        model: &task.model,
        task_type: &task.task_type,
        input: &task.input,
        config: &task.config,
        catalog_version: &estimate.catalog_version,
        overlay: estimate.overlay.as_deref(),
        held_usd: amount,
        capped,
        lines: &estimate.lines,
    };
    let text = serde_json::to_string(&q).unwrap_or_default();
    if text.len() <= MAX_QUOTE_BYTES {
        return text;
    }
    q.input = &empty;
    q.lines = &[];
    serde_json::to_string(&q).unwrap_or_default()
}

/// What to do with a task's hold after seeing its view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// The task is still running: keep the hold.
    Keep,
    /// Charge `charge` (at most the held amount); `overage` is what PiAPI took above the hold,
    /// which the ledger cannot charge to the hold and is reported instead.
    Charge { charge: Usd, overage: Usd },
    /// A definite failure that PiAPI charged nothing for: give the hold back.
    Release,
}

/// Statuses PiAPI uses for a finished task; every other status is still running.
const DONE: &[&str] = &["completed", "success", "succeeded", "finished"];
const FAILED: &[&str] = &["failed", "error", "cancelled", "canceled"];

/// How a task view settles a hold of `held`: completed tasks are charged `meta.usage.consume`
/// (the whole hold when the view has no usage at all: PiAPI's charge is then unknown, and the
/// hold is what it could have taken); failed tasks are charged what PiAPI consumed, or
/// released when that is nothing; anything else keeps the hold.
pub fn settle(view: &TaskUsage, held: Usd) -> Settle {
    let status = view.status.as_deref().unwrap_or("");
    let done = DONE.contains(&status);
    let failed = FAILED.contains(&status);
    if !done && !failed {
        return Settle::Keep;
    }
    let consumed = match view.usage {
        Some((_, consume)) => crate::money::points_to_usd(consume as i64),
        None if failed => Decimal::ZERO,
        None => held.0,
    };
    if failed && consumed.is_zero() {
        return Settle::Release;
    }
    let charge = consumed.min(held.0);
    Settle::Charge {
        charge: Usd(charge),
        overage: Usd(consumed - charge),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use serde_json::json;

    use super::*;
    use crate::ledger::{KeyId, Timestamp};

    fn usd(s: &str) -> Usd {
        Usd(Decimal::from_str(s).unwrap())
    }

    fn key() -> KeySpec {
        KeySpec {
            key_id: KeyId::new("k").unwrap(),
            secret_sha256: "0".repeat(64),
            budget_usd: usd("10"),
            period: None,
            reset_at: Timestamp(0),
            allowed_models: vec![],
            max_task_usd: None,
            soft_limit_usd: None,
            unpriced_cap_usd: None,
            memo: None,
        }
    }

    fn task(model: &str, task_type: &str, input: Value) -> TaskSpec {
        TaskSpec {
            model: model.into(),
            task_type: task_type.into(),
            input: input.as_object().cloned().unwrap_or_default(),
            count: 1,
            ..TaskSpec::default()
        }
    }

    fn flux() -> TaskSpec {
        task("Qubico/flux1-dev", "txt2img", json!({"prompt": "a fox"}))
    }

    #[test]
    fn the_hold_is_what_the_core_requires_and_the_quote_keeps_the_prices() {
        let billing = Billing::new();
        let t = flux();
        let est = billing
            .estimate_cost(&EstimateArgs {
                tasks: vec![t.clone()],
                ..EstimateArgs::default()
            })
            .unwrap();
        let a = admit(&billing, &key(), &t).unwrap();
        assert_eq!(a.amount, required_usd(&est));
        assert!(!a.capped);
        let q: Value = serde_json::from_str(&a.quote).unwrap();
        assert_eq!(
            q["lines"][0]["entry_id"],
            json!(est.lines[0].entry_id.to_string())
        );
        assert_eq!(q["input"]["prompt"], "a fox");
    }

    #[test]
    fn refusals_name_their_reason() {
        let billing = Billing::new();
        let mut k = key();
        k.allowed_models = vec!["kling".into()];
        let reason = |r: Result<Admission, Verdict>| match r {
            Err(Verdict::Refused(r)) => r.reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(admit(&billing, &k, &flux())),
            Reason::ModelNotAllowed
        );
        let mut k = key();
        k.max_task_usd = Some(usd("0.0000001"));
        assert_eq!(
            reason(admit(&billing, &k, &flux())),
            Reason::TaskExceedsBudget
        );
        let unknown = task("no-such-model", "txt2img", json!({}));
        assert_eq!(reason(admit(&billing, &key(), &unknown)), Reason::Unpriced);
        let mut k = key();
        k.unpriced_cap_usd = Some(usd("0.5"));
        let a = admit(&billing, &k, &unknown).unwrap();
        assert_eq!((a.amount, a.capped), (usd("0.5"), true));
    }

    #[test]
    fn budget_refusals_say_whether_waiting_can_help() {
        let err = LedgerError::InsufficientFunds {
            account: "vk/k/0".into(),
            requested: usd("2"),
            available: usd("1"),
            shortfall: usd("1"),
        };
        let r = budget_refusal(&err, usd("3")).unwrap();
        assert_eq!((r.reason, r.may_free), (Reason::BudgetExceeded, true));
        assert_eq!(r.shortfall_usd, Some(usd("1")));
        assert!(!budget_refusal(&err, Usd::ZERO).unwrap().may_free);
        assert!(budget_refusal(&LedgerError::storage("x"), Usd::ZERO).is_none());
    }

    #[test]
    fn settlement_follows_status_and_usage() {
        let view = |status: &str, usage: Option<(u64, u64)>| TaskUsage {
            task_id: "t".into(),
            status: Some(status.into()),
            usage,
        };
        let held = usd("2");
        assert_eq!(
            settle(&view("processing", Some((1, 0))), held),
            Settle::Keep
        );
        assert_eq!(
            settle(&view("completed", Some((0, 15_000_000))), held),
            Settle::Charge {
                charge: usd("1.5"),
                overage: Usd::ZERO
            }
        );
        assert_eq!(
            settle(&view("completed", Some((0, 30_000_000))), held),
            Settle::Charge {
                charge: usd("2"),
                overage: usd("1")
            }
        );
        assert_eq!(
            settle(&view("failed", Some((10, 0))), held),
            Settle::Release
        );
        assert_eq!(settle(&view("failed", None), held), Settle::Release);
        assert_eq!(
            settle(&view("completed", None), held),
            Settle::Charge {
                charge: held,
                overage: Usd::ZERO
            }
        );
        assert_eq!(
            settle(&view("failed", Some((0, 5_000_000))), held),
            Settle::Charge {
                charge: usd("0.5"),
                overage: Usd::ZERO
            }
        );
    }
}
