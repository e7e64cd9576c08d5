//! Test helpers shared by the PiAPI client tests and any test that needs a local PiAPI.

pub mod logs;
pub mod mock_piapi;
