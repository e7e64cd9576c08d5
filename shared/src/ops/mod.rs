//! The operations: everything the core computes from a catalog and a caller's arguments.
//!
//! Each module answers one tool (or a part every tool shares, such as [`precheck::required_usd`]);
//! none does I/O or reads a clock. [`crate::tools`] names them for front ends that dispatch by
//! name, and [`crate::Billing`] offers them as typed methods.

pub mod estimate;
pub mod inputs;
pub mod plans;
pub mod precheck;
pub mod prices;
pub mod reconcile;
pub mod report;
pub mod spend;
pub mod topup;
pub mod window;
