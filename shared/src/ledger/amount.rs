//! What the ledger accepts as an amount: positive (or zero where allowed), whole PiAPI points,
//! and bounded. Below commands and keys, which both check amounts.

use rust_decimal::Decimal;

use super::error::LedgerError;
use crate::money::Usd;

/// The largest single amount the ledger takes: far above any real job or top-up, and far
/// enough below `Decimal`'s range that sums over any number of grants cannot overflow.
pub const MAX_AMOUNT_USD: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Amounts are positive (or zero where allowed), whole PiAPI points (at most seven decimals of
/// a dollar) and bounded.
pub fn check_amount(field: &str, amount: Usd, zero_ok: bool) -> Result<(), LedgerError> {
    let d = amount.0;
    let reason = if d.is_sign_negative() && !d.is_zero() {
        format!("must not be negative, got {amount}")
    } else if d.is_zero() && !zero_ok {
        "must be greater than 0".to_string()
    } else if d.normalize().scale() > 7 {
        format!("must be a whole number of PiAPI points (at most 7 decimals), got {amount}")
    } else if d > MAX_AMOUNT_USD {
        format!("must be at most {}, got {amount}", Usd(MAX_AMOUNT_USD))
    } else {
        return Ok(());
    };
    Err(LedgerError::InvalidAmount {
        field: field.to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Usd {
        Usd(s.parse().unwrap())
    }

    #[test]
    fn amounts_are_positive_point_exact_and_bounded() {
        assert!(check_amount("a", usd("0.0000001"), false).is_ok());
        assert!(check_amount("a", usd("0"), true).is_ok());
        for (bad, zero_ok) in [
            ("0", false),
            ("-1", true),
            ("0.00000001", true),
            ("1000000000.01", true),
        ] {
            let err = check_amount("amount_usd", usd(bad), zero_ok).unwrap_err();
            assert_eq!(err.code(), "invalid_amount");
            assert!(err.to_string().starts_with("amount_usd: "), "{err}");
        }
    }
}
