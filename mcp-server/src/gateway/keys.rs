//! Virtual key secrets: made from the OS's random bytes, shown once, stored only as SHA-256,
//! and checked on every request against the key's record (cached for a second; a revocation
//! is also enforced by the ledger itself when a hold is taken, so the cache cannot let a
//! revoked key spend).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use piapi_billing::ledger::{KeyId, LedgerError, VirtualKey};
use sha2::{Digest, Sha256};

use crate::ledger::LedgerService;

/// Every secret starts with this, so that one pasted in the wrong place is recognisable.
pub const SECRET_PREFIX: &str = "pgw.";

/// How long a key read from the store is trusted before it is read again.
const CACHE_FOR: Duration = Duration::from_secs(1);

/// A new secret for `key_id` and its SHA-256 (hex): `pgw.KEY_ID.64 hex digits`.
pub fn new_secret(key_id: &KeyId) -> Result<(String, String), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes from the OS: {e}"))?;
    let secret = format!("{SECRET_PREFIX}{key_id}.{}", hex(&bytes));
    let hash = sha256_hex(&secret);
    Ok((secret, hash))
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The key id a secret names, or `None` when it is not a gateway secret.
pub fn key_id_of(secret: &str) -> Option<KeyId> {
    let rest = secret.strip_prefix(SECRET_PREFIX)?;
    let (id, _) = rest.rsplit_once('.')?;
    KeyId::new(id).ok()
}

/// Compares two hex digests in time independent of where they differ (hand-rolled: three
/// lines, not worth a dependency).
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Why a request's key was not accepted.
#[derive(Debug)]
pub enum AuthError {
    /// No key, not a gateway key, an unknown key, a wrong secret, or a revoked key: all 401.
    Unauthorized(&'static str),
    /// The store could not be read: 503.
    Store(LedgerError),
}

/// Keys read from the store, by id, with the instant they were read.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<KeyId, (VirtualKey, Instant)>>,
}

impl KeyCache {
    /// The live key the secret belongs to.
    pub async fn authenticate(
        &self,
        ledger: &LedgerService,
        secret: Option<&str>,
    ) -> Result<VirtualKey, AuthError> {
        let secret = secret.ok_or(AuthError::Unauthorized("missing x-api-key"))?;
        let id = key_id_of(secret).ok_or(AuthError::Unauthorized("not a gateway key"))?;
        let key = match self.cached(&id) {
            Some(k) => k,
            None => {
                let k = ledger
                    .gateway()
                    .key(&id)
                    .await
                    .map_err(AuthError::Store)?
                    .ok_or(AuthError::Unauthorized("unknown key"))?;
                self.lock().insert(id, (k.clone(), Instant::now()));
                k
            }
        };
        if !same_digest(&sha256_hex(secret), &key.spec.secret_sha256) {
            return Err(AuthError::Unauthorized("unknown key"));
        }
        if key.revoked_at.is_some() {
            return Err(AuthError::Unauthorized("the key was revoked"));
        }
        Ok(key)
    }

    fn cached(&self, id: &KeyId) -> Option<VirtualKey> {
        let keys = self.lock();
        let (k, at) = keys.get(id)?;
        (at.elapsed() < CACHE_FOR).then(|| k.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<KeyId, (VirtualKey, Instant)>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_name_their_key_and_hash_to_what_is_stored() {
        let id = KeyId::new("team.a-1").unwrap();
        let (secret, hash) = new_secret(&id).unwrap();
        assert!(secret.starts_with("pgw.team.a-1."), "{secret}");
        assert_eq!(key_id_of(&secret), Some(id.clone()));
        assert_eq!(sha256_hex(&secret), hash);
        assert_eq!(hash.len(), 64);
        let (other, _) = new_secret(&id).unwrap();
        assert_ne!(secret, other);
        assert!(same_digest(&hash, &sha256_hex(&secret)));
        assert!(!same_digest(&hash, &sha256_hex(&other)));
        assert_eq!(key_id_of("sk-live-123"), None);
        // SHA-256("abc"), the FIPS 180-2 example.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
