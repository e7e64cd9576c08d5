//! Converting between the core's records and PostgreSQL rows: amounts as whole points
//! (exact integers), times as epoch milliseconds, and a set of records as column arrays for
//! one `unnest` statement.

use piapi_billing::ledger::{
    Account, AccountId, Charge, Grant, GrantId, Hold, HoldId, HoldState, LedgerError, Timestamp,
};
use piapi_billing::money::{POINTS_PER_USD, Usd};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tokio_postgres::Row;

pub(super) const HOLD_COLUMNS: &str = "id, account, amount_points, created_at_ms, ttl_ms, expires_at_ms, memo, state, \
                                       resolved_at_ms, charge_points, charged_at_ms, charge_reference";
pub(super) const ACCOUNT_COLUMNS: &str =
    "id, credited_points, posted_points, pending_points, late_points";
pub(super) const GRANT_COLUMNS: &str =
    "id, account, amount_points, bonus_points, granted_at_ms, memo";

/// A filter for "`column` is one of the ids in the text array parameter `$param`", as a
/// semi-join on `unnest`: one index probe per id, whatever the table's size, and duplicate ids
/// do not repeat rows. (`column = ANY($n)` on a generic plan may instead walk the whole array
/// for every row a scan visits: 256 ids against 10,000 holds cost 16 ms a batch.)
pub(super) fn id_in(column: &str, param: usize) -> String {
    format!("{column} IN (SELECT unnest(${param}::text[]))")
}

/// The columns of a set of holds, as arrays for `unnest`.
pub(super) struct HoldColumns<'a> {
    pub id: Vec<&'a str>,
    pub account: Vec<&'a str>,
    pub amount: Vec<i64>,
    pub created_at: Vec<i64>,
    pub ttl: Vec<i64>,
    pub expires_at: Vec<i64>,
    pub memo: Vec<Option<&'a str>>,
    pub state: Vec<&'static str>,
    pub resolved_at: Vec<Option<i64>>,
    pub charge: Vec<Option<i64>>,
    pub charged_at: Vec<Option<i64>>,
    pub reference: Vec<Option<&'a str>>,
}

impl<'a> HoldColumns<'a> {
    pub(super) fn of(holds: &[&'a Hold]) -> Result<Self, LedgerError> {
        Ok(HoldColumns {
            id: holds.iter().map(|h| h.id.as_str()).collect(),
            account: holds.iter().map(|h| h.account.as_str()).collect(),
            amount: holds
                .iter()
                .map(|h| points(h.amount))
                .collect::<Result<_, _>>()?,
            created_at: holds.iter().map(|h| db_time(h.created_at)).collect(),
            ttl: holds
                .iter()
                .map(|h| i64::try_from(h.ttl_ms).unwrap_or(i64::MAX))
                .collect(),
            expires_at: holds.iter().map(|h| db_time(h.expires_at)).collect(),
            memo: holds.iter().map(|h| h.memo.as_deref()).collect(),
            state: holds.iter().map(|h| h.state.as_str()).collect(),
            resolved_at: holds.iter().map(|h| h.resolved_at.map(db_time)).collect(),
            charge: holds
                .iter()
                .map(|h| h.charge.as_ref().map(|c| points(c.amount)).transpose())
                .collect::<Result<_, _>>()?,
            charged_at: holds
                .iter()
                .map(|h| h.charge.as_ref().map(|c| db_time(c.at)))
                .collect(),
            reference: holds
                .iter()
                .map(|h| h.charge.as_ref().and_then(|c| c.reference.as_deref()))
                .collect(),
        })
    }
}

pub(super) fn points(usd: Usd) -> Result<i64, LedgerError> {
    (usd.0 * Decimal::from(POINTS_PER_USD))
        .to_i64()
        .ok_or_else(|| LedgerError::storage(format!("{usd} USD does not fit the points column")))
}

pub(super) fn from_points(points: i64) -> Usd {
    Usd(Decimal::new(points, 7).normalize())
}

pub(super) fn db_time(t: Timestamp) -> i64 {
    i64::try_from(t.millis()).unwrap_or(i64::MAX)
}

pub(super) fn from_db_time(ms: i64) -> Timestamp {
    Timestamp(u64::try_from(ms).unwrap_or(0))
}

pub(super) fn bad_row(what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::storage(format!("a stored {what} is invalid: {e}"))
}

pub(super) fn account_from_row(r: &Row) -> Result<Account, LedgerError> {
    Ok(Account {
        id: AccountId::new(r.get::<_, String>("id")).map_err(|e| bad_row("account", e))?,
        credited: from_points(r.get("credited_points")),
        posted: from_points(r.get("posted_points")),
        pending: from_points(r.get("pending_points")),
        late: from_points(r.get("late_points")),
    })
}

pub(super) fn hold_from_row(r: &Row) -> Result<Hold, LedgerError> {
    let state = match r.get::<_, &str>("state") {
        "pending" => HoldState::Pending,
        "settled" => HoldState::Settled,
        "released" => HoldState::Released,
        "expired" => HoldState::Expired,
        other => return Err(bad_row("hold", format!("unknown state {other:?}"))),
    };
    let charge = match (
        r.get::<_, Option<i64>>("charge_points"),
        r.get::<_, Option<i64>>("charged_at_ms"),
    ) {
        (Some(p), Some(at)) => Some(Charge {
            amount: from_points(p),
            at: from_db_time(at),
            reference: r.get("charge_reference"),
        }),
        _ => None,
    };
    Ok(Hold {
        id: HoldId::new(r.get::<_, String>("id")).map_err(|e| bad_row("hold", e))?,
        account: AccountId::new(r.get::<_, String>("account")).map_err(|e| bad_row("hold", e))?,
        amount: from_points(r.get("amount_points")),
        created_at: from_db_time(r.get("created_at_ms")),
        ttl_ms: u64::try_from(r.get::<_, i64>("ttl_ms")).map_err(|e| bad_row("hold", e))?,
        expires_at: from_db_time(r.get("expires_at_ms")),
        memo: r.get("memo"),
        state,
        resolved_at: r.get::<_, Option<i64>>("resolved_at_ms").map(from_db_time),
        charge,
    })
}

pub(super) fn grant_from_row(r: &Row) -> Result<Grant, LedgerError> {
    let amount = from_points(r.get("amount_points"));
    let bonus = from_points(r.get("bonus_points"));
    Ok(Grant {
        grant_id: GrantId::new(r.get::<_, String>("id")).map_err(|e| bad_row("grant", e))?,
        account: AccountId::new(r.get::<_, String>("account")).map_err(|e| bad_row("grant", e))?,
        amount_usd: amount,
        bonus_usd: bonus,
        credited_usd: Usd(amount.0 + bonus.0),
        granted_at: from_db_time(r.get("granted_at_ms")),
        memo: r.get("memo"),
    })
}

/// The columns of a set of accounts, as arrays for `unnest`.
pub(super) struct AccountColumns<'a> {
    pub id: Vec<&'a str>,
    pub credited: Vec<i64>,
    pub posted: Vec<i64>,
    pub pending: Vec<i64>,
    pub late: Vec<i64>,
}

impl<'a> AccountColumns<'a> {
    pub(super) fn of(accounts: &[&'a Account]) -> Result<Self, LedgerError> {
        let column = |f: fn(&Account) -> Usd| {
            accounts
                .iter()
                .map(|a| points(f(a)))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(AccountColumns {
            id: accounts.iter().map(|a| a.id.as_str()).collect(),
            credited: column(|a| a.credited)?,
            posted: column(|a| a.posted)?,
            pending: column(|a| a.pending)?,
            late: column(|a| a.late)?,
        })
    }
}

/// The columns of a set of grants, as arrays for `unnest`.
pub(super) struct GrantColumns<'a> {
    pub id: Vec<&'a str>,
    pub account: Vec<&'a str>,
    pub amount: Vec<i64>,
    pub bonus: Vec<i64>,
    pub at: Vec<i64>,
    pub memo: Vec<Option<&'a str>>,
}

impl<'a> GrantColumns<'a> {
    pub(super) fn of(grants: &[&'a Grant]) -> Result<Self, LedgerError> {
        Ok(GrantColumns {
            id: grants.iter().map(|g| g.grant_id.as_str()).collect(),
            account: grants.iter().map(|g| g.account.as_str()).collect(),
            amount: grants
                .iter()
                .map(|g| points(g.amount_usd))
                .collect::<Result<_, _>>()?,
            bonus: grants
                .iter()
                .map(|g| points(g.bonus_usd))
                .collect::<Result<_, _>>()?,
            at: grants.iter().map(|g| db_time(g.granted_at)).collect(),
            memo: grants.iter().map(|g| g.memo.as_deref()).collect(),
        })
    }
}
