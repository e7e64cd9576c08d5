//! Pre-checks (in progress).
use crate::{catalog::Catalog, contract::*, error::Error};
pub fn precheck(_c: &Catalog, _a: &PrecheckArgs) -> Result<PrecheckResult, Error> {
    Err(Error::invalid("", "precheck: not built yet"))
}
