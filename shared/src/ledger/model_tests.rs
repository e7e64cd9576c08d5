//! Model-based tests: random command sequences (with retries and time passing) run against the
//! ledger and against a deliberately naive reference model that recomputes every balance from
//! scratch in integer cents. Outcomes, error codes and balances must agree at every step, the
//! invariants must hold, each hold must resolve at most once, a retry must return the first
//! outcome, and the recorded events must replay (through JSON) to the same state.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::money::Usd;

const ACCOUNTS: [&str; 2] = ["a0", "team/a1"];

fn usd_cents(c: i64) -> Usd {
    Usd(Decimal::new(c, 2))
}

fn cents(u: Usd) -> i64 {
    let scaled = u.0 * Decimal::ONE_HUNDRED;
    assert!(scaled.fract().is_zero(), "{u} is not whole cents");
    i64::try_from(scaled.trunc().mantissa() / 10i128.pow(scaled.trunc().scale())).unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    Reserve {
        hold: u8,
        account: u8,
        cents: i64,
        ttl: u64,
        memo: bool,
    },
    Settle {
        hold: u8,
        cents: i64,
    },
    Release {
        hold: u8,
    },
    Grant {
        grant: u8,
        account: u8,
        cents: i64,
        bonus: i64,
    },
    Expire,
    Advance(u64),
    /// Re-issue the n-th earlier command (modulo the history), exactly as it was sent.
    Retry(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u8..6, 0u8..2, 0i64..400, prop_oneof![9 => 1u64..60, 1 => Just(0u64)], any::<bool>())
            .prop_map(|(hold, account, cents, ttl, memo)| Op::Reserve { hold, account, cents, ttl, memo }),
        4 => (0u8..6, 0i64..450).prop_map(|(hold, cents)| Op::Settle { hold, cents }),
        3 => (0u8..6).prop_map(|hold| Op::Release { hold }),
        2 => (0u8..4, 0u8..2, 0i64..800, prop_oneof![3 => Just(0i64), 1 => 0i64..50])
            .prop_map(|(grant, account, cents, bonus)| Op::Grant { grant, account, cents, bonus }),
        1 => Just(Op::Expire),
        3 => (0u64..25).prop_map(Op::Advance),
        3 => any::<usize>().prop_map(Op::Retry),
    ]
}

fn to_command(op: &Op) -> Option<Command> {
    let hold = |h: &u8| HoldId::new(format!("h{h}")).unwrap();
    let account = |a: &u8| AccountId::new(ACCOUNTS[*a as usize]).unwrap();
    Some(match op {
        Op::Reserve {
            hold: h,
            account: a,
            cents,
            ttl,
            memo,
        } => Command::Reserve {
            hold_id: hold(h),
            account: account(a),
            amount: usd_cents(*cents),
            ttl_ms: *ttl,
            memo: memo.then(|| "kling job".to_string()),
        },
        Op::Settle { hold: h, cents } => Command::Settle {
            hold_id: hold(h),
            amount: usd_cents(*cents),
            reference: None,
        },
        Op::Release { hold: h } => Command::Release { hold_id: hold(h) },
        Op::Grant {
            grant,
            account: a,
            cents,
            bonus,
        } => Command::Grant {
            grant_id: GrantId::new(format!("g{grant}")).unwrap(),
            account: account(a),
            amount: usd_cents(*cents),
            bonus: usd_cents(*bonus),
            memo: None,
        },
        Op::Expire => Command::Expire,
        Op::Advance(_) | Op::Retry(_) => return None,
    })
}

/// The reference model: plain records, balances recomputed by summing.
#[derive(Clone, Debug, PartialEq)]
enum MState {
    Pending,
    Settled,
    Released,
    Expired,
}

#[derive(Clone, Debug)]
struct MHold {
    account: String,
    cents: i64,
    ttl: u64,
    memo: Option<String>,
    created: u64,
    expires: u64,
    state: MState,
    resolved: u64,
    charge: Option<(i64, u64)>,
}

#[derive(Default)]
struct Model {
    holds: BTreeMap<String, MHold>,
    grants: BTreeMap<String, (String, i64, i64, u64)>,
}

/// An outcome reduced to what both sides can state: kind, hold, amounts in cents, instants.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Reserved {
        hold: String,
        cents: i64,
        created: u64,
        expires: u64,
    },
    Settled {
        hold: String,
        held: i64,
        charged: i64,
        released: i64,
        at: u64,
        late: bool,
    },
    Released {
        hold: String,
        cents: i64,
        at: u64,
        expired: bool,
    },
    Granted {
        grant: String,
        credited: i64,
        at: u64,
    },
    Expired(Vec<String>),
}

fn seen(o: &Outcome) -> Seen {
    match o {
        Outcome::Reserved(r) => Seen::Reserved {
            hold: r.hold_id.to_string(),
            cents: cents(r.amount_usd),
            created: r.created_at.0,
            expires: r.expires_at.0,
        },
        Outcome::Settled(s) => Seen::Settled {
            hold: s.hold_id.to_string(),
            held: cents(s.held_usd),
            charged: cents(s.charged_usd),
            released: cents(s.released_usd),
            at: s.settled_at.0,
            late: s.late,
        },
        Outcome::Released(r) => Seen::Released {
            hold: r.hold_id.to_string(),
            cents: cents(r.released_usd),
            at: r.released_at.0,
            expired: r.cause == ReleaseCause::Expired,
        },
        Outcome::Granted(g) => Seen::Granted {
            grant: g.grant_id.to_string(),
            credited: cents(g.credited_usd),
            at: g.granted_at.0,
        },
        Outcome::Expired { holds } => {
            let mut ids: Vec<String> = holds.iter().map(|r| r.hold_id.to_string()).collect();
            ids.sort();
            Seen::Expired(ids)
        }
        other => unreachable!("the model generates no gateway commands: {other:?}"),
    }
}

impl Model {
    fn balances(&self, account: &str) -> (i64, i64, i64) {
        let credited = self
            .grants
            .values()
            .filter(|g| g.0 == account)
            .map(|g| g.1 + g.2)
            .sum();
        let holds = self.holds.values().filter(|h| h.account == account);
        let pending = holds
            .clone()
            .filter(|h| h.state == MState::Pending)
            .map(|h| h.cents)
            .sum();
        let posted = holds.filter_map(|h| h.charge.map(|c| c.0)).sum();
        (credited, pending, posted)
    }

    fn apply(&mut self, cmd: &Command, now: u64) -> Result<Seen, &'static str> {
        match cmd {
            Command::Reserve {
                hold_id,
                account,
                amount,
                ttl_ms,
                memo,
            } => {
                let c = cents(*amount);
                if c == 0 {
                    return Err("invalid_amount");
                }
                if *ttl_ms == 0 {
                    return Err("invalid_ttl");
                }
                if let Some(h) = self.holds.get(hold_id.as_str()) {
                    if h.account != account.as_str()
                        || h.cents != c
                        || h.ttl != *ttl_ms
                        || &h.memo != memo
                    {
                        return Err("idempotency_conflict");
                    }
                    return Ok(Seen::Reserved {
                        hold: hold_id.to_string(),
                        cents: c,
                        created: h.created,
                        expires: h.expires,
                    });
                }
                let (credited, pending, posted) = self.balances(account.as_str());
                if c > credited - pending - posted {
                    return Err("insufficient_funds");
                }
                self.holds.insert(
                    hold_id.to_string(),
                    MHold {
                        account: account.to_string(),
                        cents: c,
                        ttl: *ttl_ms,
                        memo: memo.clone(),
                        created: now,
                        expires: now + ttl_ms,
                        state: MState::Pending,
                        resolved: 0,
                        charge: None,
                    },
                );
                Ok(Seen::Reserved {
                    hold: hold_id.to_string(),
                    cents: c,
                    created: now,
                    expires: now + ttl_ms,
                })
            }
            Command::Settle {
                hold_id, amount, ..
            } => {
                let c = cents(*amount);
                let id = hold_id.to_string();
                let h = self.holds.get_mut(&id).ok_or("hold_not_found")?;
                if h.state == MState::Pending && now >= h.expires {
                    h.state = MState::Expired;
                    h.resolved = h.expires;
                }
                let late = h.state == MState::Expired;
                match (&h.state, h.charge) {
                    (MState::Pending, _) if c > h.cents => Err("invalid_amount"),
                    (MState::Pending, _) => {
                        h.state = MState::Settled;
                        h.resolved = now;
                        h.charge = Some((c, now));
                        Ok(Seen::Settled {
                            hold: id,
                            held: h.cents,
                            charged: c,
                            released: h.cents - c,
                            at: now,
                            late,
                        })
                    }
                    (MState::Expired, None) => {
                        h.charge = Some((c, now));
                        Ok(Seen::Settled {
                            hold: id,
                            held: h.cents,
                            charged: c,
                            released: 0,
                            at: now,
                            late,
                        })
                    }
                    (_, Some((first, at))) if first == c => Ok(Seen::Settled {
                        hold: id,
                        held: h.cents,
                        charged: c,
                        released: if late { 0 } else { h.cents - c },
                        at,
                        late,
                    }),
                    _ => Err("already_resolved"),
                }
            }
            Command::Release { hold_id } => {
                let id = hold_id.to_string();
                let h = self.holds.get_mut(&id).ok_or("hold_not_found")?;
                if h.state == MState::Pending && now >= h.expires {
                    h.state = MState::Expired;
                    h.resolved = h.expires;
                } else if h.state == MState::Pending {
                    h.state = MState::Released;
                    h.resolved = now;
                }
                match h.state {
                    MState::Settled => Err("already_resolved"),
                    _ => Ok(Seen::Released {
                        hold: id,
                        cents: h.cents,
                        at: h.resolved,
                        expired: h.state == MState::Expired,
                    }),
                }
            }
            Command::Grant {
                grant_id,
                account,
                amount,
                bonus,
                ..
            } => {
                let (c, b) = (cents(*amount), cents(*bonus));
                if c == 0 {
                    return Err("invalid_amount");
                }
                if let Some(g) = self.grants.get(grant_id.as_str()) {
                    if g.0 != account.as_str() || g.1 != c || g.2 != b {
                        return Err("idempotency_conflict");
                    }
                    return Ok(Seen::Granted {
                        grant: grant_id.to_string(),
                        credited: c + b,
                        at: g.3,
                    });
                }
                self.grants
                    .insert(grant_id.to_string(), (account.to_string(), c, b, now));
                Ok(Seen::Granted {
                    grant: grant_id.to_string(),
                    credited: c + b,
                    at: now,
                })
            }
            Command::Expire => {
                let mut ids = Vec::new();
                for (id, h) in self.holds.iter_mut() {
                    if h.state == MState::Pending && now >= h.expires {
                        h.state = MState::Expired;
                        h.resolved = h.expires;
                        ids.push(id.clone());
                    }
                }
                Ok(Seen::Expired(ids))
            }
            other => unreachable!("the model generates no gateway commands: {other:?}"),
        }
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut ledger = Ledger::new();
    let mut model = Model::default();
    let mut now = 1_000u64;
    let mut history: Vec<Command> = Vec::new();
    let mut first_ok: HashMap<String, Outcome> = HashMap::new();
    let mut log: Vec<Event> = Vec::new();
    let mut resolutions: HashMap<HoldId, (u32, u32)> = HashMap::new();

    for op in ops {
        let cmd = match op {
            Op::Advance(d) => {
                now += d;
                continue;
            }
            Op::Retry(n) if history.is_empty() => continue,
            Op::Retry(n) => history[n % history.len()].clone(),
            other => match to_command(other) {
                Some(c) => c,
                None => continue,
            },
        };
        history.push(cmd.clone());
        let got = ledger.apply(&cmd, Timestamp(now));
        let want = model.apply(&cmd, now);
        match (&got, &want) {
            (Ok(applied), Ok(w)) => {
                prop_assert_eq!(&seen(&applied.outcome), w, "{:?}", cmd);
                log.extend(applied.events.iter().cloned());
                for e in &applied.events {
                    let (resolved, late) = resolutions
                        .entry(
                            e.hold_id()
                                .cloned()
                                .unwrap_or_else(|| HoldId::new("grant").unwrap()),
                        )
                        .or_default();
                    match e {
                        Event::HoldSettled { .. }
                        | Event::HoldReleased { .. }
                        | Event::HoldExpired { .. } => *resolved += 1,
                        Event::LateCharged { .. } => *late += 1,
                        _ => {}
                    }
                    prop_assert!(*resolved <= 1 && *late <= 1, "hold resolved twice: {:?}", e);
                }
                if cmd != Command::Expire {
                    let key = serde_json::to_string(&cmd).unwrap();
                    match first_ok.get(&key) {
                        Some(first) => {
                            prop_assert_eq!(first, &applied.outcome, "retry changed the outcome")
                        }
                        None => {
                            first_ok.insert(key, applied.outcome.clone());
                        }
                    }
                }
            }
            (Err(e), Err(code)) => prop_assert_eq!(e.code(), *code, "{:?}: {}", cmd, e),
            _ => prop_assert!(false, "{:?}: ledger {:?}, model {:?}", cmd, got, want),
        }
        if let Err(e) = ledger.check_invariants() {
            prop_assert!(false, "after {:?}: {}", cmd, e);
        }
        for name in ACCOUNTS {
            let id = AccountId::new(name).unwrap();
            let v = ledger.account_view(&id);
            let (credited, pending, posted) = model.balances(name);
            prop_assert_eq!(
                (
                    cents(v.credited_usd),
                    cents(v.pending_usd),
                    cents(v.posted_usd)
                ),
                (credited, pending, posted),
                "balances of {} after {:?}",
                name,
                cmd
            );
            prop_assert_eq!(
                v.credited_usd.0,
                v.available_usd.0 + v.pending_usd.0 + v.posted_usd.0
            );
        }
    }

    // The events, written out and read back, rebuild exactly the same ledger.
    let text: Vec<String> = log
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    let mut replayed = Ledger::new();
    for line in &text {
        let event: Event = serde_json::from_str(line).unwrap();
        replayed
            .record(&event)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    let mut a: Vec<&Hold> = ledger.holds().collect();
    let mut b: Vec<&Hold> = replayed.holds().collect();
    a.sort_by(|x, y| x.id.cmp(&y.id));
    b.sort_by(|x, y| x.id.cmp(&y.id));
    prop_assert_eq!(a, b);
    prop_assert_eq!(
        ledger.accounts().collect::<Vec<_>>(),
        replayed.accounts().collect::<Vec<_>>()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn ledger_agrees_with_the_reference_model(ops in proptest::collection::vec(op(), 1..120)) {
        run(&ops)?;
    }
}

fn id(s: &str) -> HoldId {
    HoldId::new(s).unwrap()
}

fn acct() -> AccountId {
    AccountId::default_account()
}

fn funded(cents: i64) -> Ledger {
    let mut l = Ledger::new();
    let grant = Command::Grant {
        grant_id: GrantId::new("g").unwrap(),
        account: acct(),
        amount: usd_cents(cents),
        bonus: Usd::ZERO,
        memo: None,
    };
    l.apply(&grant, Timestamp(0)).unwrap();
    l
}

fn reserve(hold: &str, c: i64, ttl_ms: u64) -> Command {
    Command::Reserve {
        hold_id: id(hold),
        account: acct(),
        amount: usd_cents(c),
        ttl_ms,
        memo: None,
    }
}

#[test]
fn two_reservations_cannot_both_take_the_last_six_dollars() {
    let mut l = funded(600);
    l.apply(&reserve("a", 500, 60_000), Timestamp(1)).unwrap();
    let err = l
        .apply(&reserve("b", 500, 60_000), Timestamp(1))
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_funds");
    assert_eq!(err.shortfall(), Some(usd_cents(400)));
    assert!(err.to_string().contains("short by 4.00 USD"), "{err}");
}

#[test]
fn settling_less_than_held_releases_the_rest() {
    let mut l = funded(1000);
    l.apply(&reserve("a", 500, 60_000), Timestamp(1)).unwrap();
    let settle = Command::Settle {
        hold_id: id("a"),
        amount: usd_cents(320),
        reference: Some("task-1".into()),
    };
    let out = l.apply(&settle, Timestamp(2)).unwrap().outcome;
    let Outcome::Settled(s) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        (s.charged_usd, s.released_usd, s.late),
        (usd_cents(320), usd_cents(180), false)
    );
    let v = l.account_view(&acct());
    assert_eq!(
        (v.posted_usd, v.pending_usd, v.available_usd),
        (usd_cents(320), Usd::ZERO, usd_cents(680))
    );
    let too_much = Command::Settle {
        hold_id: id("a"),
        amount: usd_cents(321),
        reference: None,
    };
    assert_eq!(
        l.apply(&too_much, Timestamp(3)).unwrap_err().code(),
        "already_resolved"
    );
}

#[test]
fn an_expired_hold_takes_a_late_charge_instead_of_losing_it() {
    let mut l = funded(500);
    l.apply(&reserve("a", 500, 1_000), Timestamp(0)).unwrap();
    let swept = l.apply(&Command::Expire, Timestamp(1_000)).unwrap().outcome;
    assert!(
        matches!(&swept, Outcome::Expired { holds } if holds.len() == 1),
        "{swept:?}"
    );
    l.apply(&reserve("b", 500, 1_000), Timestamp(1_001))
        .unwrap();
    let late = Command::Settle {
        hold_id: id("a"),
        amount: usd_cents(200),
        reference: None,
    };
    let Outcome::Settled(s) = l.apply(&late, Timestamp(1_002)).unwrap().outcome else {
        panic!()
    };
    assert!(s.late);
    let v = l.account_view(&acct());
    assert_eq!(
        (v.late_charged_usd, v.available_usd),
        (usd_cents(200), usd_cents(-200))
    );
    assert_eq!(
        l.apply(&reserve("c", 1, 1_000), Timestamp(1_003))
            .unwrap_err()
            .code(),
        "insufficient_funds"
    );
    l.check_invariants().unwrap();
}

#[test]
fn the_same_id_with_different_fields_is_a_conflict_forever() {
    let mut l = funded(1000);
    l.apply(&reserve("a", 100, 60_000), Timestamp(0)).unwrap();
    l.apply(&Command::Release { hold_id: id("a") }, Timestamp(1))
        .unwrap();
    let err = l
        .apply(&reserve("a", 200, 60_000), Timestamp(10_000_000))
        .unwrap_err();
    assert_eq!(err.code(), "idempotency_conflict");
    assert!(
        err.to_string().contains("amount 1.00 before, 2.00 now"),
        "{err}"
    );
    let again = l
        .apply(&reserve("a", 100, 60_000), Timestamp(10_000_000))
        .unwrap();
    assert!(again.events.is_empty());
    assert!(matches!(again.outcome, Outcome::Reserved(r) if r.created_at == Timestamp(0)));
}

#[test]
fn open_holds_list_oldest_first() {
    let mut l = funded(1000);
    l.apply(&reserve("young", 100, 10_000), Timestamp(50))
        .unwrap();
    l.apply(&reserve("old", 100, 90_000), Timestamp(10))
        .unwrap();
    l.apply(&reserve("done", 100, 90_000), Timestamp(5))
        .unwrap();
    l.apply(
        &Command::Release {
            hold_id: id("done"),
        },
        Timestamp(60),
    )
    .unwrap();
    let ids: Vec<&str> = l.open_holds(None).iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["old", "young"]);
}
