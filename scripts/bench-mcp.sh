#!/usr/bin/env bash
# Benchmarks the piapi-billing-mcp release binary: stdio figures from mcp-server/benches/stdio.py,
# then HTTP requests per second for estimate_cost with wrk (Debian's package, installed if
# missing) on loopback. Not part of CI; the figures go to BENCHMARKS.md.
#
#   scripts/bench-mcp.sh [--quick] [--instructions]
#
# --quick runs fewer iterations; --instructions adds callgrind instruction counts per call
# (valgrind; minutes), which stay comparable between builds on a busy machine.
#
# The server runs without a PiAPI key and with the credit ledger off (PIAPI_BILLING_LEDGER=off
# unless set), so the figures are the billing tools' own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf 'bench-mcp: %s\n' "$*" >&2; }

(cd "$ROOT" && cargo build --quiet --release -p piapi-billing-mcp --bin piapi-billing-mcp)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/piapi-billing-mcp"
DURATION=20s
for arg in "$@"; do [ "$arg" = "--quick" ] && DURATION=5s; done

python3 "$ROOT/mcp-server/benches/stdio.py" "$BIN" "$@"

if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
env -u PIAPI_API_KEY RUST_LOG=warn PIAPI_BILLING_LEDGER="${PIAPI_BILLING_LEDGER:-off}" \
    "$BIN" --http 127.0.0.1:0 2>"$WORK/server.log" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
    URL="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log" | head -n1)"
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { log "server did not start"; cat "$WORK/server.log" >&2; exit 1; }
for connections in 8 64; do
    log "wrk: estimate_cost, 1 thread, $connections connections, $DURATION against $URL (server and wrk share the 2 cores)"
    wrk -t1 -c"$connections" -d"$DURATION" --latency -s "$ROOT/mcp-server/benches/estimate_cost.lua" "$URL" |
        grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|requests in'
done
