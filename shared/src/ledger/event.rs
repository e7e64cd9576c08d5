//! The ledger's durable record: what happened, as facts that replay to the same state.
//!
//! Stores persist events, not commands: an event needs no decision to replay (the decision was
//! taken once, against the state of its time), so a log written by one version of the rules
//! reads back the same under the next.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::hold::{Charge, Grant, Hold};
use super::ids::{HoldId, KeyId, TaskId, Timestamp};
use super::keys::{GatewayTask, VirtualKey};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A new pending hold (the record carries its identity fields and expiry).
    HoldReserved {
        hold: Hold,
    },
    HoldSettled {
        hold_id: HoldId,
        charge: Charge,
    },
    HoldReleased {
        hold_id: HoldId,
        at: Timestamp,
    },
    /// `at` is the hold's own expiry instant, whenever the sweep noticed it.
    HoldExpired {
        hold_id: HoldId,
        at: Timestamp,
    },
    /// A charge that arrived after its hold had expired.
    LateCharged {
        hold_id: HoldId,
        charge: Charge,
    },
    Granted {
        grant: Grant,
    },
    KeyCreated {
        key: VirtualKey,
    },
    KeyRevoked {
        key_id: KeyId,
        at: Timestamp,
    },
    /// The task a gateway hold was taken for (recorded with its `HoldReserved`).
    TaskOpened {
        task: GatewayTask,
    },
    TaskAttached {
        hold_id: HoldId,
        task_id: TaskId,
        at: Timestamp,
    },
}

impl Event {
    /// The hold whose amount or state the event changes, if any (task events change neither:
    /// see [`Event::task_hold_id`]).
    pub fn hold_id(&self) -> Option<&HoldId> {
        match self {
            Event::HoldReserved { hold } => Some(&hold.id),
            Event::HoldSettled { hold_id, .. }
            | Event::HoldReleased { hold_id, .. }
            | Event::HoldExpired { hold_id, .. }
            | Event::LateCharged { hold_id, .. } => Some(hold_id),
            Event::Granted { .. }
            | Event::KeyCreated { .. }
            | Event::KeyRevoked { .. }
            | Event::TaskOpened { .. }
            | Event::TaskAttached { .. } => None,
        }
    }

    /// The gateway hold whose task record the event changes, if any.
    pub fn task_hold_id(&self) -> Option<&HoldId> {
        match self {
            Event::TaskOpened { task } => Some(&task.hold_id),
            Event::TaskAttached { hold_id, .. } => Some(hold_id),
            _ => None,
        }
    }

    /// The key the event creates or revokes, if any.
    pub fn key_id(&self) -> Option<&KeyId> {
        match self {
            Event::KeyCreated { key } => Some(&key.spec.key_id),
            Event::KeyRevoked { key_id, .. } => Some(key_id),
            _ => None,
        }
    }
}
