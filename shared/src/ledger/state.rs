//! The ledger as a deterministic state machine: `decide(command, now)` turns a command into an
//! outcome and the events that record it, and `record(event)` is the only way state changes.
//!
//! Deciding and recording are split so that every store works the same way: the embedded log
//! replays events on open, and PostgreSQL loads the few rows a batch touches into a
//! [`Ledger::from_parts`], decides there, and writes the changed rows back. Either way the rules
//! live here once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::command::{Command, Outcome, Release, ReleaseCause, Reservation, Settlement};
use super::error::LedgerError;
use super::event::Event;
use super::hold::{Account, AccountView, Charge, Grant, Hold, HoldState};
use super::ids::{AccountId, GrantId, HoldId, KeyId, TaskId, Timestamp};
use super::keys::{GatewayTask, KeySpec, TaskOpen, VirtualKey};
use crate::money::Usd;

/// A decided command: its outcome and the events to record (none for a retry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub outcome: Outcome,
    pub events: Vec<Event>,
}

impl Applied {
    fn new(outcome: Outcome, events: Vec<Event>) -> Self {
        Applied { outcome, events }
    }

    fn replay(outcome: Outcome) -> Self {
        Applied {
            outcome,
            events: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accounts: BTreeMap<AccountId, Account>,
    holds: HashMap<HoldId, Hold>,
    grants: HashMap<GrantId, Grant>,
    /// Every pending hold, ordered by expiry: the sweep's work list, and the open-holds index.
    pending: BTreeSet<(Timestamp, HoldId)>,
    /// The budget gateway's virtual keys.
    keys: BTreeMap<KeyId, VirtualKey>,
    /// Gateway tasks by their hold, and the holds by PiAPI's task id.
    tasks: HashMap<HoldId, GatewayTask>,
    task_ids: HashMap<TaskId, HoldId>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// A ledger over records loaded from a store (possibly only the ones a batch touches).
    pub fn from_parts(
        accounts: impl IntoIterator<Item = Account>,
        holds: impl IntoIterator<Item = Hold>,
        grants: impl IntoIterator<Item = Grant>,
    ) -> Self {
        let mut ledger = Ledger::new();
        for a in accounts {
            ledger.accounts.insert(a.id.clone(), a);
        }
        for h in holds {
            if h.state == HoldState::Pending {
                ledger.pending.insert((h.expires_at, h.id.clone()));
            }
            ledger.holds.insert(h.id.clone(), h);
        }
        for g in grants {
            ledger.grants.insert(g.grant_id.clone(), g);
        }
        ledger
    }

    /// Adds gateway keys and tasks loaded from a store to a ledger built by [`Self::from_parts`].
    pub fn with_gateway(
        mut self,
        keys: impl IntoIterator<Item = VirtualKey>,
        tasks: impl IntoIterator<Item = GatewayTask>,
    ) -> Self {
        for k in keys {
            self.keys.insert(k.spec.key_id.clone(), k);
        }
        for t in tasks {
            if let Some(id) = &t.task_id {
                self.task_ids.insert(id.clone(), t.hold_id.clone());
            }
            self.tasks.insert(t.hold_id.clone(), t);
        }
        self
    }

    pub fn key(&self, id: &KeyId) -> Option<&VirtualKey> {
        self.keys.get(id)
    }

    pub fn keys(&self) -> impl Iterator<Item = &VirtualKey> {
        self.keys.values()
    }

    /// The gateway task a hold was taken for.
    pub fn task(&self, hold: &HoldId) -> Option<&GatewayTask> {
        self.tasks.get(hold)
    }

    /// The gateway task PiAPI knows as `task_id`.
    pub fn task_by_id(&self, task_id: &TaskId) -> Option<&GatewayTask> {
        self.task_ids.get(task_id).and_then(|h| self.tasks.get(h))
    }

    pub fn tasks(&self) -> impl Iterator<Item = &GatewayTask> {
        self.tasks.values()
    }

    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// The balance of `id`; an account never granted anything reads as all zeros.
    pub fn account_view(&self, id: &AccountId) -> AccountView {
        match self.accounts.get(id) {
            Some(a) => a.view(),
            None => Account::new(id.clone()).view(),
        }
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn hold(&self, id: &HoldId) -> Option<&Hold> {
        self.holds.get(id)
    }

    pub fn holds(&self) -> impl Iterator<Item = &Hold> {
        self.holds.values()
    }

    pub fn grant(&self, id: &GrantId) -> Option<&Grant> {
        self.grants.get(id)
    }

    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.values()
    }

    /// Pending holds, oldest first (the stuck ones on top), optionally of one account.
    pub fn open_holds(&self, account: Option<&AccountId>) -> Vec<&Hold> {
        let mut open: Vec<&Hold> = self
            .pending
            .iter()
            .filter_map(|(_, id)| self.holds.get(id))
            .filter(|h| account.is_none_or(|a| &h.account == a))
            .collect();
        open.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        open
    }

    /// Pending holds whose TTL has run out at `now`, earliest expiry first.
    pub fn due_holds(&self, now: Timestamp) -> impl Iterator<Item = &Hold> {
        self.pending
            .iter()
            .take_while(move |(expires_at, _)| *expires_at <= now)
            .filter_map(|(_, id)| self.holds.get(id))
            .filter(move |h| h.is_due(now))
    }

    /// Decides and records a command.
    pub fn apply(&mut self, command: &Command, now: Timestamp) -> Result<Applied, LedgerError> {
        let applied = self.decide(command, now)?;
        for event in &applied.events {
            self.record(event)?;
        }
        Ok(applied)
    }

    /// Decides a command against the current state without changing it.
    pub fn decide(&self, command: &Command, now: Timestamp) -> Result<Applied, LedgerError> {
        command.validate()?;
        match command {
            Command::Reserve {
                hold_id,
                account,
                amount,
                ttl_ms,
                memo,
            } => self.decide_reserve(hold_id, account, *amount, *ttl_ms, memo, now),
            Command::Settle {
                hold_id,
                amount,
                reference,
            } => self.decide_settle(hold_id, *amount, reference, now),
            Command::Release { hold_id } => self.decide_release(hold_id, now),
            Command::Grant {
                grant_id,
                account,
                amount,
                bonus,
                memo,
            } => self.decide_grant(grant_id, account, *amount, *bonus, memo, now),
            Command::Expire => {
                let mut events = Vec::new();
                let mut holds = Vec::new();
                for h in self.due_holds(now) {
                    events.push(Event::HoldExpired {
                        hold_id: h.id.clone(),
                        at: h.expires_at,
                    });
                    holds.push(expired_release(h, h.expires_at));
                }
                Ok(Applied::new(Outcome::Expired { holds }, events))
            }
            Command::CreateKey { key } => self.decide_create_key(key, now),
            Command::RevokeKey { key_id } => self.decide_revoke_key(key_id, now),
            Command::ReserveTask {
                hold_id,
                account,
                amount,
                ttl_ms,
                task,
            } => self.decide_reserve_task(hold_id, account, *amount, *ttl_ms, task, now),
            Command::AttachTask { hold_id, task_id } => {
                self.decide_attach_task(hold_id, task_id, now)
            }
        }
    }

    fn decide_create_key(&self, spec: &KeySpec, now: Timestamp) -> Result<Applied, LedgerError> {
        if let Some(k) = self.keys.get(&spec.key_id) {
            if &k.spec != spec {
                let diffs = vec![
                    "a different budget, period, reset, models, limits, secret or memo".to_string(),
                ];
                return Err(conflict("key", spec.key_id.as_str(), diffs));
            }
            return Ok(Applied::replay(Outcome::KeyCreated(k.clone())));
        }
        let key = VirtualKey {
            spec: spec.clone(),
            created_at: now,
            revoked_at: None,
        };
        Ok(Applied::new(
            Outcome::KeyCreated(key.clone()),
            vec![Event::KeyCreated { key }],
        ))
    }

    fn decide_revoke_key(&self, key_id: &KeyId, now: Timestamp) -> Result<Applied, LedgerError> {
        let k = self.existing_key(key_id)?;
        if k.revoked_at.is_some() {
            return Ok(Applied::replay(Outcome::KeyRevoked(k.clone())));
        }
        let mut revoked = k.clone();
        revoked.revoked_at = Some(now);
        let event = Event::KeyRevoked {
            key_id: key_id.clone(),
            at: now,
        };
        Ok(Applied::new(Outcome::KeyRevoked(revoked), vec![event]))
    }

    fn existing_key(&self, key_id: &KeyId) -> Result<&VirtualKey, LedgerError> {
        self.keys
            .get(key_id)
            .ok_or_else(|| LedgerError::KeyNotFound {
                key_id: key_id.to_string(),
            })
    }

    /// A gateway hold: the key must be live and `account` its window at `now`; the window's
    /// first reservation grants it the key's budget, in the same command.
    fn decide_reserve_task(
        &self,
        hold_id: &HoldId,
        account: &AccountId,
        amount: Usd,
        ttl_ms: u64,
        task: &TaskOpen,
        now: Timestamp,
    ) -> Result<Applied, LedgerError> {
        let memo = Some(format!("gateway key {}", task.key_id));
        if self.holds.contains_key(hold_id) {
            if self.tasks.get(hold_id).is_none_or(|t| &t.open != task) {
                let diffs = vec!["a different task".to_string()];
                return Err(conflict("hold", hold_id.as_str(), diffs));
            }
            return self.decide_reserve(hold_id, account, amount, ttl_ms, &memo, now);
        }
        let key = self.existing_key(&task.key_id)?;
        if let Some(at) = key.revoked_at {
            return Err(LedgerError::KeyRevoked {
                key_id: task.key_id.to_string(),
                revoked_at: at,
            });
        }
        let expected = key.spec.window_account(now);
        if &expected != account {
            return Err(LedgerError::WindowMoved {
                key_id: task.key_id.to_string(),
                expected: expected.to_string(),
            });
        }
        let grant_id = GrantId::new(account.as_str())?;
        let mut events = Vec::new();
        let mut ledger_view = None;
        if !self.grants.contains_key(&grant_id) {
            let grant = Grant {
                grant_id,
                account: account.clone(),
                amount_usd: key.spec.budget_usd,
                bonus_usd: Usd::ZERO,
                credited_usd: key.spec.budget_usd,
                granted_at: now,
                memo: Some(format!("budget of key {}", task.key_id)),
            };
            let mut with_grant = Ledger::from_parts(self.accounts.get(account).cloned(), [], []);
            with_grant.record(&Event::Granted {
                grant: grant.clone(),
            })?;
            events.push(Event::Granted { grant });
            ledger_view = Some(with_grant);
        }
        let base = ledger_view.as_ref().unwrap_or(self);
        let mut applied = base.decide_reserve(hold_id, account, amount, ttl_ms, &memo, now)?;
        events.append(&mut applied.events);
        events.push(Event::TaskOpened {
            task: GatewayTask {
                hold_id: hold_id.clone(),
                open: task.clone(),
                opened_at: now,
                task_id: None,
                attached_at: None,
            },
        });
        Ok(Applied::new(applied.outcome, events))
    }

    fn decide_attach_task(
        &self,
        hold_id: &HoldId,
        task_id: &TaskId,
        now: Timestamp,
    ) -> Result<Applied, LedgerError> {
        let task = self
            .tasks
            .get(hold_id)
            .ok_or_else(|| LedgerError::HoldNotFound {
                hold_id: hold_id.to_string(),
            })?;
        match (&task.task_id, self.task_ids.get(task_id)) {
            (Some(id), _) if id == task_id => {
                Ok(Applied::replay(Outcome::TaskAttached(task.clone())))
            }
            (Some(id), _) => Err(conflict(
                "hold",
                hold_id.as_str(),
                vec![format!("task \"{id}\" attached before, \"{task_id}\" now")],
            )),
            (None, Some(other)) => Err(conflict(
                "task",
                task_id.as_str(),
                vec![format!("attached to hold \"{other}\" before")],
            )),
            (None, None) => {
                let mut attached = task.clone();
                attached.task_id = Some(task_id.clone());
                attached.attached_at = Some(now);
                let event = Event::TaskAttached {
                    hold_id: hold_id.clone(),
                    task_id: task_id.clone(),
                    at: now,
                };
                Ok(Applied::new(Outcome::TaskAttached(attached), vec![event]))
            }
        }
    }

    fn decide_reserve(
        &self,
        hold_id: &HoldId,
        account: &AccountId,
        amount: Usd,
        ttl_ms: u64,
        memo: &Option<String>,
        now: Timestamp,
    ) -> Result<Applied, LedgerError> {
        if let Some(h) = self.holds.get(hold_id) {
            let mut diffs = Vec::new();
            if &h.account != account {
                diffs.push(format!(
                    "account \"{}\" before, \"{account}\" now",
                    h.account
                ));
            }
            if h.amount != amount {
                diffs.push(format!("amount {} before, {amount} now", h.amount));
            }
            if h.ttl_ms != ttl_ms {
                diffs.push(format!("ttl_ms {} before, {ttl_ms} now", h.ttl_ms));
            }
            if &h.memo != memo {
                diffs.push("a different memo".to_string());
            }
            if !diffs.is_empty() {
                return Err(conflict("hold", hold_id.as_str(), diffs));
            }
            return Ok(Applied::replay(Outcome::Reserved(reservation(h))));
        }
        let available = self
            .accounts
            .get(account)
            .map_or(rust_decimal::Decimal::ZERO, Account::available);
        if amount.0 > available {
            return Err(LedgerError::InsufficientFunds {
                account: account.to_string(),
                requested: amount,
                available: Usd(available),
                shortfall: Usd(amount.0 - available),
            });
        }
        let hold = Hold {
            id: hold_id.clone(),
            account: account.clone(),
            amount,
            created_at: now,
            ttl_ms,
            expires_at: now.plus_millis(ttl_ms),
            memo: memo.clone(),
            state: HoldState::Pending,
            resolved_at: None,
            charge: None,
        };
        let outcome = Outcome::Reserved(reservation(&hold));
        Ok(Applied::new(outcome, vec![Event::HoldReserved { hold }]))
    }

    fn decide_settle(
        &self,
        hold_id: &HoldId,
        amount: Usd,
        reference: &Option<String>,
        now: Timestamp,
    ) -> Result<Applied, LedgerError> {
        let h = self.existing(hold_id)?;
        let charge = Charge {
            amount,
            at: now,
            reference: reference.clone(),
        };
        match (h.state, &h.charge) {
            (HoldState::Pending, _) if h.is_due(now) => {
                let events = vec![
                    Event::HoldExpired {
                        hold_id: h.id.clone(),
                        at: h.expires_at,
                    },
                    Event::LateCharged {
                        hold_id: h.id.clone(),
                        charge: charge.clone(),
                    },
                ];
                Ok(Applied::new(
                    Outcome::Settled(settlement(h, &charge, true)),
                    events,
                ))
            }
            (HoldState::Pending, _) => {
                if amount > h.amount {
                    return Err(LedgerError::InvalidAmount {
                        field: "amount_usd".to_string(),
                        reason: format!(
                            "{amount} exceeds the {} held by \"{hold_id}\"; a hold can be settled for at most its amount",
                            h.amount
                        ),
                    });
                }
                let outcome = Outcome::Settled(settlement(h, &charge, false));
                Ok(Applied::new(
                    outcome,
                    vec![Event::HoldSettled {
                        hold_id: h.id.clone(),
                        charge,
                    }],
                ))
            }
            (HoldState::Expired, None) => {
                let outcome = Outcome::Settled(settlement(h, &charge, true));
                Ok(Applied::new(
                    outcome,
                    vec![Event::LateCharged {
                        hold_id: h.id.clone(),
                        charge,
                    }],
                ))
            }
            (HoldState::Settled | HoldState::Expired, Some(first)) if first.amount == amount => {
                Ok(Applied::replay(Outcome::Settled(settlement(
                    h,
                    first,
                    h.state == HoldState::Expired,
                ))))
            }
            (HoldState::Settled | HoldState::Expired, Some(first)) => Err(already_resolved(
                h,
                format!(
                    "it was charged {} then; a charge of {amount} is refused",
                    first.amount
                ),
            )),
            (HoldState::Settled, None) | (HoldState::Released, _) => Err(already_resolved(
                h,
                "nothing is held any more, so nothing can be charged".to_string(),
            )),
        }
    }

    fn decide_release(&self, hold_id: &HoldId, now: Timestamp) -> Result<Applied, LedgerError> {
        let h = self.existing(hold_id)?;
        match h.state {
            HoldState::Pending if h.is_due(now) => {
                let event = Event::HoldExpired {
                    hold_id: h.id.clone(),
                    at: h.expires_at,
                };
                Ok(Applied::new(
                    Outcome::Released(expired_release(h, h.expires_at)),
                    vec![event],
                ))
            }
            HoldState::Pending => {
                let release = Release {
                    hold_id: h.id.clone(),
                    account: h.account.clone(),
                    released_usd: h.amount,
                    released_at: now,
                    cause: ReleaseCause::Released,
                };
                let event = Event::HoldReleased {
                    hold_id: h.id.clone(),
                    at: now,
                };
                Ok(Applied::new(Outcome::Released(release), vec![event]))
            }
            HoldState::Released | HoldState::Expired => {
                let at = h.resolved_at.unwrap_or(h.expires_at);
                let cause = if h.state == HoldState::Released {
                    ReleaseCause::Released
                } else {
                    ReleaseCause::Expired
                };
                let release = Release {
                    hold_id: h.id.clone(),
                    account: h.account.clone(),
                    released_usd: h.amount,
                    released_at: at,
                    cause,
                };
                Ok(Applied::replay(Outcome::Released(release)))
            }
            HoldState::Settled => Err(already_resolved(
                h,
                "settled holds keep their charge; nothing is left to release".to_string(),
            )),
        }
    }

    fn decide_grant(
        &self,
        grant_id: &GrantId,
        account: &AccountId,
        amount: Usd,
        bonus: Usd,
        memo: &Option<String>,
        now: Timestamp,
    ) -> Result<Applied, LedgerError> {
        if let Some(g) = self.grants.get(grant_id) {
            let mut diffs = Vec::new();
            if &g.account != account {
                diffs.push(format!(
                    "account \"{}\" before, \"{account}\" now",
                    g.account
                ));
            }
            if g.amount_usd != amount {
                diffs.push(format!("amount {} before, {amount} now", g.amount_usd));
            }
            if g.bonus_usd != bonus {
                diffs.push(format!("bonus {} before, {bonus} now", g.bonus_usd));
            }
            if &g.memo != memo {
                diffs.push("a different memo".to_string());
            }
            if !diffs.is_empty() {
                return Err(conflict("grant", grant_id.as_str(), diffs));
            }
            return Ok(Applied::replay(Outcome::Granted(g.clone())));
        }
        let grant = Grant {
            grant_id: grant_id.clone(),
            account: account.clone(),
            amount_usd: amount,
            bonus_usd: bonus,
            credited_usd: Usd(amount.0 + bonus.0),
            granted_at: now,
            memo: memo.clone(),
        };
        Ok(Applied::new(
            Outcome::Granted(grant.clone()),
            vec![Event::Granted { grant }],
        ))
    }

    fn existing(&self, hold_id: &HoldId) -> Result<&Hold, LedgerError> {
        self.holds
            .get(hold_id)
            .ok_or_else(|| LedgerError::HoldNotFound {
                hold_id: hold_id.to_string(),
            })
    }

    /// Applies a recorded event. Refuses an event that does not fit the state (a log that was
    /// not written by this ledger), so a replay never silently diverges.
    pub fn record(&mut self, event: &Event) -> Result<(), LedgerError> {
        match event {
            Event::HoldReserved { hold } => {
                if self.holds.contains_key(&hold.id) {
                    return Err(inconsistent(event, "the hold already exists"));
                }
                let account = self
                    .accounts
                    .entry(hold.account.clone())
                    .or_insert_with(|| Account::new(hold.account.clone()));
                account.pending.0 += hold.amount.0;
                self.pending.insert((hold.expires_at, hold.id.clone()));
                self.holds.insert(hold.id.clone(), hold.clone());
            }
            Event::HoldSettled { hold_id, charge } => {
                let (amount, account) =
                    self.resolve(event, hold_id, HoldState::Settled, charge.at)?;
                let account = self.account_mut(&account);
                account.pending.0 -= amount.0;
                account.posted.0 += charge.amount.0;
                if let Some(h) = self.holds.get_mut(hold_id) {
                    h.charge = Some(charge.clone());
                }
            }
            Event::HoldReleased { hold_id, at } => {
                let (amount, account) = self.resolve(event, hold_id, HoldState::Released, *at)?;
                self.account_mut(&account).pending.0 -= amount.0;
            }
            Event::HoldExpired { hold_id, at } => {
                let (amount, account) = self.resolve(event, hold_id, HoldState::Expired, *at)?;
                self.account_mut(&account).pending.0 -= amount.0;
            }
            Event::LateCharged { hold_id, charge } => {
                let h = self
                    .holds
                    .get_mut(hold_id)
                    .ok_or_else(|| inconsistent(event, "no such hold"))?;
                if h.state != HoldState::Expired || h.charge.is_some() {
                    return Err(inconsistent(
                        event,
                        "the hold is not expired or was already charged",
                    ));
                }
                h.charge = Some(charge.clone());
                let account = h.account.clone();
                let account = self.account_mut(&account);
                account.posted.0 += charge.amount.0;
                account.late.0 += charge.amount.0;
            }
            Event::Granted { grant } => {
                if self.grants.contains_key(&grant.grant_id) {
                    return Err(inconsistent(event, "the grant already exists"));
                }
                self.account_mut(&grant.account).credited.0 += grant.credited_usd.0;
                self.grants.insert(grant.grant_id.clone(), grant.clone());
            }
            Event::KeyCreated { key } => {
                if self.keys.contains_key(&key.spec.key_id) {
                    return Err(inconsistent(event, "the key already exists"));
                }
                self.keys.insert(key.spec.key_id.clone(), key.clone());
            }
            Event::KeyRevoked { key_id, at } => {
                let k = self
                    .keys
                    .get_mut(key_id)
                    .ok_or_else(|| inconsistent(event, "no such key"))?;
                k.revoked_at.get_or_insert(*at);
            }
            Event::TaskOpened { task } => {
                if self.tasks.contains_key(&task.hold_id) {
                    return Err(inconsistent(event, "the task already exists"));
                }
                if let Some(id) = &task.task_id {
                    self.task_ids.insert(id.clone(), task.hold_id.clone());
                }
                self.tasks.insert(task.hold_id.clone(), task.clone());
            }
            Event::TaskAttached {
                hold_id,
                task_id,
                at,
            } => {
                let t = self
                    .tasks
                    .get_mut(hold_id)
                    .ok_or_else(|| inconsistent(event, "no such task"))?;
                if t.task_id.is_some() || self.task_ids.contains_key(task_id) {
                    return Err(inconsistent(event, "a task id is already attached"));
                }
                t.task_id = Some(task_id.clone());
                t.attached_at = Some(*at);
                self.task_ids.insert(task_id.clone(), hold_id.clone());
            }
        }
        Ok(())
    }

    /// Moves a pending hold to `state`, returning its amount and account.
    fn resolve(
        &mut self,
        event: &Event,
        hold_id: &HoldId,
        state: HoldState,
        at: Timestamp,
    ) -> Result<(Usd, AccountId), LedgerError> {
        let h = self
            .holds
            .get_mut(hold_id)
            .ok_or_else(|| inconsistent(event, "no such hold"))?;
        if h.state != HoldState::Pending {
            return Err(inconsistent(event, "the hold is not pending"));
        }
        h.state = state;
        h.resolved_at = Some(at);
        self.pending.remove(&(h.expires_at, h.id.clone()));
        Ok((h.amount, h.account.clone()))
    }

    fn account_mut(&mut self, id: &AccountId) -> &mut Account {
        self.accounts
            .entry(id.clone())
            .or_insert_with(|| Account::new(id.clone()))
    }

    /// Checks every invariant of a complete ledger, naming the first that fails. Used by the
    /// model tests and by stores after a replay.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut sums: BTreeMap<&AccountId, [rust_decimal::Decimal; 4]> = BTreeMap::new();
        for g in self.grants.values() {
            sums.entry(&g.account).or_default()[0] += g.credited_usd.0;
        }
        for h in self.holds.values() {
            let s = sums.entry(&h.account).or_default();
            match h.state {
                HoldState::Pending => s[1] += h.amount.0,
                HoldState::Settled => {
                    let c = h
                        .charge
                        .as_ref()
                        .ok_or(format!("settled hold {} has no charge", h.id))?;
                    if c.amount > h.amount {
                        return Err(format!("hold {} charged more than it held", h.id));
                    }
                    s[2] += c.amount.0;
                }
                HoldState::Expired => {
                    if let Some(c) = &h.charge {
                        s[2] += c.amount.0;
                        s[3] += c.amount.0;
                    }
                }
                HoldState::Released => {}
            }
            let indexed = self.pending.contains(&(h.expires_at, h.id.clone()));
            if indexed != (h.state == HoldState::Pending) {
                return Err(format!(
                    "hold {} is {} but indexed={indexed}",
                    h.id, h.state
                ));
            }
        }
        if self.pending.len()
            != self
                .holds
                .values()
                .filter(|h| h.state == HoldState::Pending)
                .count()
        {
            return Err("the pending index holds unknown holds".to_string());
        }
        for a in self.accounts.values() {
            let [credited, pending, posted, late] = sums.remove(&a.id).unwrap_or_default();
            let found = [a.credited.0, a.pending.0, a.posted.0, a.late.0];
            if found != [credited, pending, posted, late] {
                return Err(format!(
                    "account {}: totals {found:?} differ from its records {:?}",
                    a.id,
                    [credited, pending, posted, late]
                ));
            }
            if a.pending.0 + a.posted.0 - a.late.0 > a.credited.0 {
                return Err(format!(
                    "account {}: pending + posted exceeds credited beyond late charges",
                    a.id
                ));
            }
            if a.credited.0 != a.available() + a.pending.0 + a.posted.0 {
                return Err(format!(
                    "account {}: credited ≠ available + pending + posted",
                    a.id
                ));
            }
        }
        if let Some((id, _)) = sums
            .into_iter()
            .find(|(_, s)| s.iter().any(|d| !d.is_zero()))
        {
            return Err(format!(
                "records of account {id} exist but the account does not"
            ));
        }
        Ok(())
    }
}

fn reservation(h: &Hold) -> Reservation {
    Reservation {
        hold_id: h.id.clone(),
        account: h.account.clone(),
        amount_usd: h.amount,
        created_at: h.created_at,
        expires_at: h.expires_at,
    }
}

fn settlement(h: &Hold, charge: &Charge, late: bool) -> Settlement {
    Settlement {
        hold_id: h.id.clone(),
        account: h.account.clone(),
        held_usd: h.amount,
        charged_usd: charge.amount,
        released_usd: if late {
            Usd::ZERO
        } else {
            Usd(h.amount.0 - charge.amount.0)
        },
        settled_at: charge.at,
        late,
    }
}

fn expired_release(h: &Hold, at: Timestamp) -> Release {
    Release {
        hold_id: h.id.clone(),
        account: h.account.clone(),
        released_usd: h.amount,
        released_at: at,
        cause: ReleaseCause::Expired,
    }
}

fn conflict(kind: &str, id: &str, diffs: Vec<String>) -> LedgerError {
    LedgerError::IdempotencyConflict {
        kind: kind.to_string(),
        id: id.to_string(),
        differences: diffs.join("; "),
    }
}

fn already_resolved(h: &Hold, detail: String) -> LedgerError {
    LedgerError::AlreadyResolved {
        hold_id: h.id.to_string(),
        state: h.state,
        resolved_at: h.resolved_at.unwrap_or(h.expires_at),
        detail,
    }
}

fn inconsistent(event: &Event, why: &str) -> LedgerError {
    let hold = event
        .hold_id()
        .map(|h| format!(" for hold \"{h}\""))
        .unwrap_or_default();
    LedgerError::unusable(format!(
        "the ledger log does not replay: an event{hold} cannot apply ({why})"
    ))
}
