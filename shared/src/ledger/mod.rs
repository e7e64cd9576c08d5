//! The hold ledger (issue 5): filled in by the ledger work.
