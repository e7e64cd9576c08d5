//! Key operations the CLI (`piapi-billing-mcp keys …`) and the MCP tools share: create (the
//! secret is returned once and only its hash is stored), list, revoke, and spend per key.

use std::time::UNIX_EPOCH;

use piapi_billing::ledger::{
    Command, KeyId, KeySpec, KeySpend, LedgerError, Outcome, Period, Timestamp, VirtualKey,
    key_spend,
};
use piapi_billing::money::Usd;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::keys::new_secret;
use crate::clock::{ledger_now, rfc3339};
use crate::ledger::LedgerService;

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyArgs {
    /// The key's name (letters, digits, - _ . : / @; at most 40). It is part of the secret.
    pub key_id: String,
    /// What the key may spend per window (or in all, without a period), in USD.
    pub budget_usd: Usd,
    /// "daily", "weekly" or "monthly"; omit for one budget that never resets.
    #[serde(default)]
    pub period: Option<String>,
    /// When windows start (RFC 3339, e.g. 2026-12-01T00:00:00Z); default now.
    #[serde(default)]
    pub reset_at: Option<String>,
    /// PiAPI models the key may use (exact names); omit for any.
    #[serde(default)]
    pub allowed_models: Option<Vec<String>>,
    /// The largest hold one task may take, in USD.
    #[serde(default)]
    pub max_task_usd: Option<Usd>,
    /// Spend plus holds in a window from which create-task answers carry a warning.
    #[serde(default)]
    pub soft_limit_usd: Option<Usd>,
    /// What to hold for a task the catalog cannot price or bound; omit to refuse such tasks.
    #[serde(default)]
    pub unpriced_cap_usd: Option<Usd>,
    #[serde(default)]
    pub memo: Option<String>,
}

/// A key as listed: everything but the secret's hash.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct KeyView {
    pub key_id: String,
    pub budget_usd: Usd,
    pub period: Option<Period>,
    /// RFC 3339.
    pub reset_at: String,
    pub allowed_models: Vec<String>,
    pub max_task_usd: Option<Usd>,
    pub soft_limit_usd: Option<Usd>,
    pub unpriced_cap_usd: Option<Usd>,
    pub memo: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct CreatedKey {
    /// Send this in x-api-key. Shown once: only its SHA-256 is stored.
    pub secret: String,
    pub key: KeyView,
}

pub fn view(k: &VirtualKey) -> KeyView {
    let s = &k.spec;
    KeyView {
        key_id: s.key_id.to_string(),
        budget_usd: s.budget_usd,
        period: s.period,
        reset_at: rfc3339(s.reset_at),
        allowed_models: s.allowed_models.clone(),
        max_task_usd: s.max_task_usd,
        soft_limit_usd: s.soft_limit_usd,
        unpriced_cap_usd: s.unpriced_cap_usd,
        memo: s.memo.clone(),
        created_at: rfc3339(k.created_at),
        revoked_at: k.revoked_at.map(rfc3339),
    }
}

fn parse_time(field: &str, text: &str) -> Result<Timestamp, String> {
    let at = humantime::parse_rfc3339_weak(text.trim())
        .map_err(|e| format!("{field}: {e}; expected RFC 3339 such as 2026-12-01T00:00:00Z"))?;
    let ms = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| format!("{field}: must not be before 1970"))?
        .as_millis();
    Ok(Timestamp(u64::try_from(ms).unwrap_or(u64::MAX)))
}

/// Creates a key; the answer carries its secret, which is never shown again.
pub async fn create_key(ledger: &LedgerService, args: CreateKeyArgs) -> Result<CreatedKey, String> {
    let key_id = KeyId::new(args.key_id).map_err(|e| e.to_string())?;
    let period = args
        .period
        .as_deref()
        .map(Period::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    let reset_at = match &args.reset_at {
        Some(t) => parse_time("reset_at", t)?,
        None => ledger_now(),
    };
    let (secret, hash) = new_secret(&key_id)?;
    let spec = KeySpec {
        key_id,
        secret_sha256: hash,
        budget_usd: args.budget_usd,
        period,
        reset_at,
        allowed_models: args.allowed_models.unwrap_or_default(),
        max_task_usd: args.max_task_usd,
        soft_limit_usd: args.soft_limit_usd,
        unpriced_cap_usd: args.unpriced_cap_usd,
        memo: args.memo,
    };
    match ledger.submit(Command::CreateKey { key: spec }).await {
        Ok(Outcome::KeyCreated(k)) => Ok(CreatedKey {
            secret,
            key: view(&k),
        }),
        Ok(other) => Err(format!("unexpected ledger outcome {other:?}")),
        Err(LedgerError::IdempotencyConflict { id, .. }) => Err(format!(
            "key_id: \"{id}\" exists already; choose another name (a key's budget never changes: revoke it and create a new one)"
        )),
        Err(e) => Err(e.to_string()),
    }
}

pub async fn list_keys(ledger: &LedgerService) -> Result<Vec<KeyView>, String> {
    let keys = ledger.gateway().keys().await.map_err(|e| e.to_string())?;
    Ok(keys.iter().map(view).collect())
}

pub async fn revoke_key(ledger: &LedgerService, key_id: &str) -> Result<KeyView, String> {
    let key_id = KeyId::new(key_id).map_err(|e| e.to_string())?;
    match ledger.submit(Command::RevokeKey { key_id }).await {
        Ok(Outcome::KeyRevoked(k)) => Ok(view(&k)),
        Ok(other) => Err(format!("unexpected ledger outcome {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Spend of one key, or of every key, in the window `now` falls in.
pub async fn spend(
    ledger: &LedgerService,
    key_id: Option<&str>,
    now: Timestamp,
) -> Result<Vec<KeySpend>, String> {
    fn err(e: impl Into<LedgerError>) -> String {
        e.into().to_string()
    }
    let keys = match key_id {
        Some(id) => {
            let id = KeyId::new(id).map_err(err)?;
            let key = ledger.gateway().key(&id).await.map_err(err)?;
            vec![key.ok_or_else(|| format!("key_id: no key \"{id}\""))?]
        }
        None => ledger.gateway().keys().await.map_err(err)?,
    };
    let mut out = Vec::with_capacity(keys.len());
    for key in &keys {
        let accounts = ledger
            .gateway()
            .key_accounts(&key.spec.key_id)
            .await
            .map_err(err)?;
        out.push(key_spend(key, &accounts, now));
    }
    Ok(out)
}
