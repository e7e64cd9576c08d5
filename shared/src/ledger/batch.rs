//! The bookkeeping every store does around the state machine, written once: which records a
//! batch of commands must load before it is decided, deciding the batch, and which records its
//! events changed.
//!
//! A store that keeps the whole ledger in memory (the embedded log) only needs
//! [`decide_batch`]. A store that loads rows per batch (PostgreSQL, or any SQL database) asks
//! [`BatchKeys::of`] what to load and lock, builds a [`Ledger::from_parts`] from those rows,
//! decides, and writes back exactly the rows [`Changes::of`] lists. None of this depends on the
//! database, so it lives here with the rules, and each store keeps only its own I/O.

use std::collections::{BTreeSet, HashSet};

use super::command::{Command, Outcome};
use super::error::LedgerError;
use super::event::Event;
use super::hold::{Account, Grant, Hold};
use super::ids::{AccountId, GrantId, HoldId, KeyId, Timestamp};
use super::keys::{GatewayTask, VirtualKey};
use super::state::Ledger;

/// Per-command results of a batch, in order. A refused command does not fail its batch.
pub type BatchResult = Vec<Result<Outcome, LedgerError>>;

/// The records a batch names, before anything is loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchKeys {
    /// Accounts the commands name directly (reservations and grants).
    pub accounts: BTreeSet<AccountId>,
    /// Accounts a valid grant in the batch may create. A store that locks rows must create
    /// them first, since a row that does not exist cannot be locked.
    pub created_accounts: BTreeSet<AccountId>,
    /// Holds the commands name. A store also needs the accounts these holds belong to, which
    /// only the stored holds tell (a hold's account never changes, so an unlocked read of it
    /// is enough to know what to lock).
    pub holds: BTreeSet<HoldId>,
    pub grants: BTreeSet<GrantId>,
    /// The batch expires due holds: the store must add the pending holds due at `now` to
    /// [`BatchKeys::holds`] (a store may bound how many one sweep takes).
    pub sweeps: bool,
    /// Gateway keys the commands name (created, revoked, or reserved against).
    pub keys: BTreeSet<KeyId>,
    /// Holds whose gateway task records the commands read or change.
    pub tasks: BTreeSet<HoldId>,
}

impl BatchKeys {
    pub fn of(commands: &[Command]) -> Self {
        let mut keys = BatchKeys::default();
        for command in commands {
            if let Some(account) = command.account() {
                keys.accounts.insert(account.clone());
                if matches!(command, Command::Grant { .. }) && command.validate().is_ok() {
                    keys.created_accounts.insert(account.clone());
                }
            }
            if let Some(hold) = command.hold_id() {
                keys.holds.insert(hold.clone());
            }
            if let Some(grant) = command.grant_id() {
                keys.grants.insert(grant.clone());
            }
            keys.sweeps |= matches!(command, Command::Expire);
            keys.add_gateway(command);
        }
        keys
    }
}

impl BatchKeys {
    /// The gateway's part: a task reservation names its key, its task and its window's
    /// budget grant (whose id is the window account's, and which may create that account).
    fn add_gateway(&mut self, command: &Command) {
        match command {
            Command::CreateKey { key } => {
                self.keys.insert(key.key_id.clone());
            }
            Command::RevokeKey { key_id } => {
                self.keys.insert(key_id.clone());
            }
            Command::ReserveTask {
                hold_id,
                account,
                task,
                ..
            } => {
                self.keys.insert(task.key_id.clone());
                self.tasks.insert(hold_id.clone());
                if let Ok(grant) = GrantId::new(account.as_str()) {
                    self.grants.insert(grant);
                    self.created_accounts.insert(account.clone());
                }
            }
            Command::AttachTask { hold_id, .. } => {
                self.tasks.insert(hold_id.clone());
            }
            _ => {}
        }
    }
}

/// A decided batch: one result per command, and the events to make durable (none when every
/// command was a retry or was refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    pub results: BatchResult,
    pub events: Vec<Event>,
}

/// Decides `commands` in order, each against the state the earlier ones left, and records
/// their events in `ledger`. The caller makes `events` durable before answering anyone; if
/// that fails, `ledger` is ahead of the store and must be rebuilt from it.
pub fn decide_batch(ledger: &mut Ledger, commands: &[Command], now: Timestamp) -> Decided {
    let mut events = Vec::new();
    let results = commands
        .iter()
        .map(|command| {
            ledger.apply(command, now).map(|applied| {
                events.extend(applied.events);
                applied.outcome
            })
        })
        .collect();
    Decided { results, events }
}

/// The records a decided batch changed, each listed once, as the store must write them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes<'a> {
    /// Holds that did not exist before the batch, in their state after it.
    pub new_holds: Vec<&'a Hold>,
    /// Holds that existed before the batch and changed state or charge.
    pub changed_holds: Vec<&'a Hold>,
    pub new_grants: Vec<&'a Grant>,
    /// Every account whose totals moved, in id order (the order rows are locked in).
    pub accounts: Vec<&'a Account>,
    /// Gateway keys created by the batch, and keys revoked by it (existing before).
    pub new_keys: Vec<&'a VirtualKey>,
    pub changed_keys: Vec<&'a VirtualKey>,
    /// Gateway tasks opened by the batch (in their state after it), and tasks that existed
    /// before and had their task id attached.
    pub new_tasks: Vec<&'a GatewayTask>,
    pub changed_tasks: Vec<&'a GatewayTask>,
}

impl<'a> Changes<'a> {
    /// What `events` changed in `ledger` (the state after the batch). `loaded_holds` are the
    /// holds that existed before the batch; `loaded_accounts` the accounts the store loaded
    /// (and locked). An event touching an account that was not loaded is refused: writing it
    /// back would overwrite totals the store never read.
    pub fn of(
        ledger: &'a Ledger,
        events: &'a [Event],
        loaded_holds: &HashSet<HoldId>,
        loaded_accounts: &BTreeSet<AccountId>,
    ) -> Result<Self, LedgerError> {
        let mut changes = Changes::default();
        let mut seen: HashSet<&HoldId> = HashSet::new();
        let mut accounts: BTreeSet<&AccountId> = BTreeSet::new();
        changes.gateway(ledger, events)?;
        for event in events {
            if let Event::Granted { grant } = event {
                changes.new_grants.push(grant);
                accounts.insert(&grant.account);
            }
            let Some(id) = event.hold_id() else { continue };
            let Some(hold) = ledger.hold(id) else {
                return Err(LedgerError::storage(format!(
                    "hold \"{id}\" has an event but is not in the batch's ledger"
                )));
            };
            accounts.insert(&hold.account);
            if seen.insert(id) {
                if loaded_holds.contains(id) {
                    changes.changed_holds.push(hold);
                } else {
                    changes.new_holds.push(hold);
                }
            }
        }
        for id in accounts {
            if !loaded_accounts.contains(id) {
                return Err(LedgerError::storage(format!(
                    "account \"{id}\" changed without being loaded and locked"
                )));
            }
            if let Some(account) = ledger.account(id) {
                changes.accounts.push(account);
            }
        }
        Ok(changes)
    }

    /// The keys and tasks `events` created or changed. A key or task created in the batch is
    /// new, whatever happened to it later in the same batch.
    fn gateway(&mut self, ledger: &'a Ledger, events: &'a [Event]) -> Result<(), LedgerError> {
        let created_keys: HashSet<&KeyId> = events
            .iter()
            .filter_map(|e| match e {
                Event::KeyCreated { key } => Some(&key.spec.key_id),
                _ => None,
            })
            .collect();
        let opened: HashSet<&HoldId> = events
            .iter()
            .filter_map(|e| match e {
                Event::TaskOpened { task } => Some(&task.hold_id),
                _ => None,
            })
            .collect();
        let mut seen_keys = HashSet::new();
        for id in events.iter().filter_map(Event::key_id) {
            let key = ledger.key(id).ok_or_else(|| {
                LedgerError::storage(format!("key \"{id}\" has an event but is not in the batch"))
            })?;
            if seen_keys.insert(id) {
                let list = if created_keys.contains(id) {
                    &mut self.new_keys
                } else {
                    &mut self.changed_keys
                };
                list.push(key);
            }
        }
        let mut seen_tasks = HashSet::new();
        for id in events.iter().filter_map(Event::task_hold_id) {
            let task = ledger.task(id).ok_or_else(|| {
                LedgerError::storage(format!(
                    "task of hold \"{id}\" has an event but is not in the batch"
                ))
            })?;
            if seen_tasks.insert(id) {
                let list = if opened.contains(id) {
                    &mut self.new_tasks
                } else {
                    &mut self.changed_tasks
                };
                list.push(task);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use super::*;
    use crate::ledger::HoldState;
    use crate::money::Usd;

    fn usd(s: &str) -> Usd {
        Usd(Decimal::from_str(s).unwrap())
    }
    fn acct(s: &str) -> AccountId {
        AccountId::new(s).unwrap()
    }
    fn hold(s: &str) -> HoldId {
        HoldId::new(s).unwrap()
    }
    fn grant(id: &str, account: &str, amount: &str) -> Command {
        Command::Grant {
            grant_id: GrantId::new(id).unwrap(),
            account: acct(account),
            amount: usd(amount),
            bonus: Usd::ZERO,
            memo: None,
        }
    }
    fn reserve(id: &str, account: &str, amount: &str) -> Command {
        Command::Reserve {
            hold_id: hold(id),
            account: acct(account),
            amount: usd(amount),
            ttl_ms: 60_000,
            memo: None,
        }
    }
    fn settle(id: &str, amount: &str) -> Command {
        Command::Settle {
            hold_id: hold(id),
            amount: usd(amount),
            reference: None,
        }
    }

    #[test]
    fn keys_name_every_record_a_batch_touches() {
        let keys = BatchKeys::of(&[
            grant("g1", "a", "5"),
            grant("g-bad", "c", "0"),
            reserve("h1", "b", "1"),
            settle("h0", "1"),
            Command::Release {
                hold_id: hold("h2"),
            },
        ]);
        assert_eq!(
            keys.accounts,
            [acct("a"), acct("b"), acct("c")].into_iter().collect()
        );
        // A grant that validation refuses creates nothing.
        assert_eq!(keys.created_accounts, [acct("a")].into_iter().collect());
        assert_eq!(
            keys.holds,
            [hold("h0"), hold("h1"), hold("h2")].into_iter().collect()
        );
        assert_eq!(keys.grants.len(), 2);
        assert!(!keys.sweeps);
        assert!(BatchKeys::of(&[Command::Expire]).sweeps);
    }

    #[test]
    fn a_batch_is_decided_in_order_and_its_changes_listed_once() {
        let mut before = Ledger::new();
        decide_batch(
            &mut before,
            &[grant("g0", "a", "10"), reserve("old", "a", "2")],
            Timestamp(1),
        );
        let loaded_holds: HashSet<HoldId> = [hold("old")].into_iter().collect();
        let mut ledger = before.clone();
        let decided = decide_batch(
            &mut ledger,
            &[
                reserve("new", "a", "3"),
                settle("new", "1"),
                settle("old", "2"),
                reserve("too-big", "a", "100"),
                grant("g1", "b", "1"),
            ],
            Timestamp(2),
        );
        let codes: Vec<_> = decided
            .results
            .iter()
            .map(|r| r.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code()))
            .collect();
        assert_eq!(codes, ["ok", "ok", "ok", "insufficient_funds", "ok"]);
        assert_eq!(decided.events.len(), 4);

        let loaded: BTreeSet<AccountId> = [acct("a"), acct("b")].into_iter().collect();
        let changes = Changes::of(&ledger, &decided.events, &loaded_holds, &loaded).unwrap();
        let ids = |hs: &[&Hold]| hs.iter().map(|h| h.id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(&changes.new_holds), ["new"]);
        assert_eq!(changes.new_holds[0].state, HoldState::Settled);
        assert_eq!(ids(&changes.changed_holds), ["old"]);
        assert_eq!(changes.new_grants.len(), 1);
        let accounts: Vec<_> = changes.accounts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(accounts, ["a", "b"]);
        assert_eq!(changes.accounts[0].posted, usd("3"));

        let only_a: BTreeSet<AccountId> = [acct("a")].into_iter().collect();
        let err = Changes::of(&ledger, &decided.events, &loaded_holds, &only_a).unwrap_err();
        assert!(err.to_string().contains("\"b\""), "{err}");
    }

    #[test]
    fn a_batch_of_retries_has_no_events() {
        let mut ledger = Ledger::new();
        let commands = [grant("g", "a", "1"), reserve("h", "a", "1")];
        assert_eq!(
            decide_batch(&mut ledger, &commands, Timestamp(1))
                .events
                .len(),
            2
        );
        let again = decide_batch(&mut ledger, &commands, Timestamp(2));
        assert!(again.events.is_empty());
        assert!(again.results.iter().all(Result::is_ok));
    }
}
