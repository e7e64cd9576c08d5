//! Names and instants the ledger is keyed by.
//!
//! Ids are chosen by clients (TigerBeetle's "reliable submission": generate the id, persist it,
//! then send), so they are validated text rather than generated numbers. The ledger never reads
//! a clock: every instant is a [`Timestamp`] handed in by the caller.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// Milliseconds since the Unix epoch on the ledger's clock.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub fn millis(self) -> u64 {
        self.0
    }

    /// `self + ms`, saturating: an expiry beyond the end of time never wraps into the past.
    pub fn plus_millis(self, ms: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// Characters allowed in ids: enough for UUIDs, PiAPI task ids and `team/agent` names, and
/// nothing that needs quoting in a log line, a URL or SQL.
fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/' | '@')
}

/// An id that is not one: which field, and why. The ledger reports it as
/// `LedgerError::InvalidId`; ids do not depend on the ledger's error type, which names them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct IdError {
    pub field: &'static str,
    pub reason: String,
}

fn validate(field: &'static str, text: &str, max: usize) -> Result<(), IdError> {
    let reason = if text.is_empty() {
        "must not be empty".to_string()
    } else if text.len() > max {
        format!("must be at most {max} characters, got {}", text.len())
    } else if let Some(c) = text.chars().find(|c| !valid_char(*c)) {
        format!("contains {c:?}; allowed are letters, digits and - _ . : / @")
    } else {
        return Ok(());
    };
    Err(IdError { field, reason })
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            /// Validates `text` as an id, naming the field on refusal.
            pub fn new(text: impl Into<String>) -> Result<Self, IdError> {
                let text = text.into();
                validate($field, &text, Self::MAX_LEN)?;
                Ok(Self(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::new(text).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A named account: an agent, a workflow, a team.
    AccountId,
    "account",
    64
);

id_type!(
    /// A client-chosen hold id, unique forever within a ledger.
    HoldId,
    "hold_id",
    128
);

id_type!(
    /// A client-chosen grant (top-up) id, unique forever within a ledger.
    GrantId,
    "grant_id",
    128
);

id_type!(
    /// A virtual key of the budget gateway: the public half of the key a client sends.
    KeyId,
    "key_id",
    40
);

id_type!(
    /// A task id PiAPI returned for a task created through the gateway.
    TaskId,
    "task_id",
    128
);

impl AccountId {
    /// The account used when a caller names none.
    pub fn default_account() -> AccountId {
        AccountId("default".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated_with_the_field_named() {
        assert!(HoldId::new("job-42/kling:3.0@a_b").is_ok());
        let err = HoldId::new("").unwrap_err();
        assert_eq!(err.field, "hold_id");
        assert!(err.to_string().contains("hold_id"), "{err}");
        let err = AccountId::new("team one").unwrap_err();
        assert!(err.to_string().contains("' '"), "{err}");
        assert!(AccountId::new("x".repeat(65)).is_err());
        assert!(serde_json::from_str::<GrantId>("\"bad id\"").is_err());
    }

    #[test]
    fn time_arithmetic_saturates() {
        assert_eq!(Timestamp(u64::MAX - 1).plus_millis(10), Timestamp(u64::MAX));
        assert_eq!(Timestamp(5).since(Timestamp(9)), 0);
        assert_eq!(Timestamp(9).since(Timestamp(5)), 4);
    }
}
