#!/usr/bin/env bash
# The MCP server's estimate card (an MCP App) end to end: headless Chromium runs a test host built
# on the official MCP Apps host side (@modelcontextprotocol/ext-apps AppBridge) against the real
# binary over streamable HTTP (mcp-server/tests/browser/card.test.mjs). Screenshots of the card
# (light, dark, narrow) are kept in tests/artifacts/.
#
# Installs what it needs (scripts/setup-wasm.sh: chromium, esbuild; scripts/setup-mcp.sh: the
# host side), builds the card (scripts/build-wasm.sh; SKIP_WASM_BUILD=1 when the caller just
# built it) and then the server, which embeds it. Uses $PIAPI_BILLING_MCP_BIN when set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

bash scripts/setup-wasm.sh
bash scripts/setup-mcp.sh
[ "${SKIP_WASM_BUILD:-0}" = "1" ] || bash scripts/build-wasm.sh
[ -f mcp-server/ui/estimate.html ] || { echo "test-app: no card at mcp-server/ui/estimate.html" >&2; exit 1; }

BIN="${PIAPI_BILLING_MCP_BIN:-}"
if [ -z "$BIN" ]; then
    cargo build --quiet --locked -p piapi-billing-mcp --bin piapi-billing-mcp
    BIN="$CARGO_TARGET_DIR/debug/piapi-billing-mcp"
fi

echo "== piapi-billing-mcp: the estimate card in headless Chromium"
PIAPI_BILLING_MCP_BIN="$BIN" \
    APP_NODE_MODULES="$ROOT/.tools/app-npm/node_modules" \
    ESBUILD_NODE_MODULES="$ROOT/.tools/npm/node_modules" \
    node --test mcp-server/tests/browser/
