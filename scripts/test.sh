#!/usr/bin/env bash
# The one command that runs every test of piapi-billing, on a fresh clone or a warm machine.
#
#   scripts/test.sh
#
# It installs what the tests need (idempotent, fast when present), starts a local PostgreSQL
# for the ledger tests, builds the WASM package and the estimate card the MCP server embeds,
# runs the Rust tests of every crate and a short run of every fuzz target, checks that the core
# builds for wasm32, then runs the WASM package tests (Node, headless Chromium, the package
# built by Vite, webpack 5, esbuild and wrangler), the estimate card in a test host (headless
# Chromium) and the MCP external-client tests (Python SDK, conformance suite). Any failure
# stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "setup: toolchain targets and test dependencies"
bash scripts/setup.sh

step "PostgreSQL for the ledger tests"
PIAPI_BILLING_TEST_PG_URL="$(bash scripts/pg.sh start)"
export PIAPI_BILLING_TEST_PG_URL

# Servers started by tests without --ledger keep their default ledger here, not in $HOME.
XDG_DATA_HOME="${XDG_DATA_HOME:-$(mktemp -d)}"
export XDG_DATA_HOME

step "WASM package and the estimate card (embedded by the MCP server built next)"
bash scripts/build-wasm.sh

step "Rust tests (every crate: core, golden vectors, MCP server, ledger, wasm crate on the host)"
cargo test --workspace --locked

step "fuzz targets, a short run each from their committed seeds (scripts/fuzz.sh)"
bash scripts/fuzz.sh 20

step "the billing core builds for wasm32-unknown-unknown"
cargo build --locked -p piapi-billing --target wasm32-unknown-unknown

step "WASM package: build, wasm-bindgen tests, JS tests on the optimised package, browser and bundler tests"
bash scripts/test-wasm.sh

step "the MCP server's estimate card in an MCP Apps test host (headless Chromium)"
SKIP_WASM_BUILD=1 bash scripts/test-app.sh

step "MCP server with clients that are not ours (Python SDK, conformance suite)"
bash scripts/test-mcp-clients.sh
# npx, the MCP Bundle, crates.io, the MCP Registry entry. The install paths are tested on a
# release build without link-time optimisation: it serves the same protocol and builds in a
# third of the time (the release workflow builds what ships, with LTO).
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=0 \
    bash scripts/test-install.sh

step "all test suites passed"
