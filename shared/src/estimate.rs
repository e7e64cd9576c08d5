//! Interval estimates (in progress).
use crate::{catalog::Catalog, contract::*, error::Error};
pub fn estimate(_c: &Catalog, _a: &EstimateArgs) -> Result<EstimateResult, Error> {
    Err(Error::invalid("", "estimate: not built yet"))
}
