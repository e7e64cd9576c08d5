//! `piapi-billing-mcp`: the MCP front end of the billing core (issue 3).

pub mod piapi_client;
