//! The gateway's commands on the ledger: budget windows that roll over at their reset time
//! with no job running (time is passed in, so the clock is simply moved), revocation, task
//! ids, and retries.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::*;
use crate::money::Usd;

const DAY: u64 = 86_400_000;
const RESET: u64 = 1_769_860_800_000; // 2026-01-31T12:00:00Z

fn usd(s: &str) -> Usd {
    Usd(Decimal::from_str(s).unwrap())
}

fn spec(period: Option<Period>) -> KeySpec {
    KeySpec {
        key_id: KeyId::new("team-a").unwrap(),
        secret_sha256: "ab".repeat(32),
        budget_usd: usd("10"),
        period,
        reset_at: Timestamp(RESET),
        allowed_models: vec![],
        max_task_usd: None,
        soft_limit_usd: Some(usd("8")),
        unpriced_cap_usd: None,
        memo: None,
    }
}

fn reserve(ledger: &Ledger, id: &str, amount: &str, now: u64) -> Command {
    let key = ledger.key(&KeyId::new("team-a").unwrap()).unwrap();
    Command::ReserveTask {
        hold_id: HoldId::new(id).unwrap(),
        account: key.spec.window_account(Timestamp(now)),
        amount: usd(amount),
        ttl_ms: DAY,
        task: TaskOpen {
            key_id: key.spec.key_id.clone(),
            model: "kling".into(),
            task_type: "video_generation".into(),
            quote: r#"{"held_usd":"1"}"#.into(),
        },
    }
}

fn ledger_with(period: Option<Period>) -> Ledger {
    let mut l = Ledger::new();
    l.apply(&Command::CreateKey { key: spec(period) }, Timestamp(RESET))
        .unwrap();
    l
}

fn spend(l: &Ledger, now: u64) -> KeySpend {
    let key = l.key(&KeyId::new("team-a").unwrap()).unwrap();
    let views: Vec<AccountView> = l.accounts().map(Account::view).collect();
    key_spend(key, &views, Timestamp(now))
}

#[test]
fn a_daily_budget_rolls_over_at_its_reset_time_without_a_job() {
    let mut l = ledger_with(Some(Period::Daily));
    let t0 = RESET + 3_600_000;
    let c = reserve(&l, "h1", "9", t0);
    l.apply(&c, Timestamp(t0)).unwrap();
    let c = reserve(&l, "h2", "2", t0);
    let err = l.apply(&c, Timestamp(t0)).unwrap_err();
    assert_eq!(err.code(), "insufficient_funds");
    assert_eq!(err.shortfall(), Some(usd("1")));
    assert!(spend(&l, t0).over_soft_limit);

    // Nothing runs; the clock moves to one millisecond before the reset: still refused.
    let before = RESET + DAY - 1;
    let c = reserve(&l, "h2", "2", before);
    assert_eq!(
        l.apply(&c, Timestamp(before)).unwrap_err().code(),
        "insufficient_funds"
    );
    // At the reset the spend reads as a new window, and the same task is admitted.
    let s = spend(&l, RESET + DAY);
    assert_eq!(
        (s.spent_usd, s.held_usd, s.available_usd),
        (Usd::ZERO, Usd::ZERO, usd("10"))
    );
    assert_eq!(s.window.start, Timestamp(RESET + DAY));
    let c = reserve(&l, "h2", "2", RESET + DAY);
    l.apply(&c, Timestamp(RESET + DAY)).unwrap();
    l.check_invariants().unwrap();
    // The old window keeps its own hold; lifetime spend sums settled windows.
    l.apply(
        &Command::Settle {
            hold_id: HoldId::new("h1").unwrap(),
            amount: usd("7"),
            reference: None,
        },
        Timestamp(RESET + DAY + 5),
    )
    .unwrap();
    let s = spend(&l, RESET + DAY + 5);
    assert_eq!(
        (s.spent_usd, s.held_usd, s.lifetime_spent_usd),
        (Usd::ZERO, usd("2"), usd("7"))
    );
}

#[test]
fn a_stale_window_is_refused_so_the_caller_recomputes_it() {
    let mut l = ledger_with(Some(Period::Weekly));
    let c = reserve(&l, "h1", "1", RESET + 1);
    let err = l.apply(&c, Timestamp(RESET + 7 * DAY)).unwrap_err();
    assert_eq!(err.code(), "window_moved");
    assert!(
        err.to_string()
            .contains(&format!("vk/team-a/{}", RESET + 7 * DAY)),
        "{err}"
    );
}

#[test]
fn revoked_keys_take_no_holds_but_their_holds_settle_and_retries_replay() {
    let mut l = ledger_with(None);
    let c = reserve(&l, "h1", "3", RESET);
    let first = l.apply(&c, Timestamp(RESET)).unwrap();
    assert_eq!(first.events.len(), 3, "grant, hold and task in one command");
    let again = l.apply(&c, Timestamp(RESET + 10)).unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.outcome, first.outcome);

    let revoke = Command::RevokeKey {
        key_id: KeyId::new("team-a").unwrap(),
    };
    l.apply(&revoke, Timestamp(RESET + 20)).unwrap();
    assert!(
        l.apply(&revoke, Timestamp(RESET + 30))
            .unwrap()
            .events
            .is_empty()
    );
    let c2 = reserve(&l, "h2", "1", RESET + 40);
    assert_eq!(
        l.apply(&c2, Timestamp(RESET + 40)).unwrap_err().code(),
        "key_revoked"
    );

    let hold = HoldId::new("h1").unwrap();
    let attach = |id: &str| Command::AttachTask {
        hold_id: hold.clone(),
        task_id: TaskId::new(id).unwrap(),
    };
    l.apply(&attach("task-1"), Timestamp(RESET + 50)).unwrap();
    assert!(
        l.apply(&attach("task-1"), Timestamp(RESET + 60))
            .unwrap()
            .events
            .is_empty()
    );
    assert_eq!(
        l.apply(&attach("task-2"), Timestamp(RESET + 60))
            .unwrap_err()
            .code(),
        "idempotency_conflict"
    );
    let task = l.task_by_id(&TaskId::new("task-1").unwrap()).unwrap();
    assert_eq!(task.hold_id, hold);
    l.apply(
        &Command::Settle {
            hold_id: hold,
            amount: usd("2.5"),
            reference: Some("task-1".into()),
        },
        Timestamp(RESET + 70),
    )
    .unwrap();
    let s = spend(&l, RESET + 70);
    assert_eq!(
        (s.spent_usd, s.available_usd, s.revoked),
        (usd("2.5"), usd("7.5"), true)
    );
    l.check_invariants().unwrap();
}

#[test]
fn a_batch_lists_gateway_rows_for_stores_that_write_rows() {
    let mut before = ledger_with(None);
    let c = reserve(&before, "h0", "1", RESET);
    before.apply(&c, Timestamp(RESET)).unwrap();
    let keys = BatchKeys::of(&[reserve(&before, "h1", "1", RESET)]);
    assert_eq!(keys.keys.len(), 1);
    assert!(keys.tasks.contains(&HoldId::new("h1").unwrap()));
    assert!(keys.grants.iter().any(|g| g.as_str() == "vk/team-a/0"));

    let mut l = before.clone();
    let commands = [
        reserve(&before, "h1", "1", RESET),
        Command::AttachTask {
            hold_id: HoldId::new("h0").unwrap(),
            task_id: TaskId::new("t0").unwrap(),
        },
    ];
    let decided = decide_batch(&mut l, &commands, Timestamp(RESET + 1));
    assert!(decided.results.iter().all(Result::is_ok));
    let loaded_holds = [HoldId::new("h0").unwrap()].into_iter().collect();
    let loaded_accounts = [AccountId::new("vk/team-a/0").unwrap()]
        .into_iter()
        .collect();
    let changes = Changes::of(&l, &decided.events, &loaded_holds, &loaded_accounts).unwrap();
    assert_eq!(changes.new_tasks.len(), 1);
    assert_eq!(
        changes.changed_tasks[0].task_id.as_ref().unwrap().as_str(),
        "t0"
    );
    assert_eq!(changes.new_holds.len(), 1);
    assert!(
        changes.changed_holds.is_empty(),
        "attaching a task id changes no hold"
    );
    assert!(
        changes.new_grants.is_empty(),
        "the window was granted by h0"
    );
}
