//! The `piapi-billing-mcp` binary; everything lives in the library so tests can reach it.

fn main() -> std::process::ExitCode {
    piapi_billing_mcp::cli::main()
}
