//! Where a figure comes from and how sure we are of it.

use schemars::JsonSchema;
use serde::Serialize;

use crate::compact::Compact;
use crate::json::FromJson;

/// How sure we are of a figure. `overlay` marks a price the user supplied.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    JsonSchema,
    FromJson,
    Compact,
)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Official,
    Derived,
    Proxy,
    ThirdParty,
    Assumed,
    Overlay,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Official => "official",
            Confidence::Derived => "derived",
            Confidence::Proxy => "proxy",
            Confidence::ThirdParty => "third-party",
            Confidence::Assumed => "assumed",
            Confidence::Overlay => "overlay",
        }
    }
}
