#!/usr/bin/env bash
# What the npm launcher and the MCP Bundle's entry point add to the server's cold start, beside
# the bare binary, on what scripts/package.sh put in dist/ (run it first):
#
#   mcp-server/benches/install.sh [RUNS]        (hyperfine, Debian package `hyperfine`)
#
# Three commands, each measured for `--version` and for a cold start to the `initialize` reply
# (one request on stdin; the server answers and exits when stdin closes):
#   binary    dist/bin/<host>/piapi-billing-mcp
#   launcher  node <npm install>/node_modules/piapi-billing-mcp/bin/piapi-billing-mcp.js
#             (run with node directly, not through npx's package resolution)
#   bundle    node <unpacked .mcpb>/server/index.js, as a bundle host starts it
# plus `node -e 0`, Node's own start, for reference.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIST="$ROOT/dist"
RUNS="${1:-40}"
command -v hyperfine >/dev/null || { echo "install.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
version="$(node -p "require('$ROOT/mcp-server/npm/launcher/package.json').version")"
key="linux-$(node -p process.arch)"
bin="$DIST/bin/$key/piapi-billing-mcp"
[ -x "$bin" ] || { echo "install.sh: no $bin; run scripts/package.sh first" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && echo '{"private": true}' > package.json &&
    npm install --offline --no-audit --no-fund --loglevel=error \
        "$DIST/npm/piapi-billing-mcp-$version.tgz" "$DIST/npm/piapi-billing-mcp-$key-$version.tgz")
mkdir -p "$WORK/bundle" && (cd "$WORK/bundle" && unzip -q "$DIST/piapi-billing-mcp-$version.mcpb")
launcher="node $WORK/node_modules/piapi-billing-mcp/bin/piapi-billing-mcp.js"
bundle="node $WORK/bundle/server/index.js"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' > "$WORK/init.jsonl"
export XDG_DATA_HOME="$WORK/data" RUST_LOG=warn
unset PIAPI_API_KEY PIAPI_BILLING_LEDGER PIAPI_BILLING_OVERLAY PIAPI_BILLING_CATALOG
# Node parses this whole CA bundle at start-up (about 50 ms of CPU with Node 20 here) before any
# of our code runs, and most machines do not set it: KEEP_NODE_EXTRA_CA_CERTS=1 keeps it.
[ -n "${KEEP_NODE_EXTRA_CA_CERTS:-}" ] || unset NODE_EXTRA_CA_CERTS

echo "node $(node --version), $(nproc) cores; $RUNS runs each"
hyperfine --warmup 5 --runs "$RUNS" --export-markdown "$WORK/version.md" \
    -n 'node -e 0' 'node -e 0' \
    -n 'binary --version' "$bin --version" \
    -n 'launcher --version' "$launcher --version" \
    -n 'bundle --version' "$bundle --version"
hyperfine --warmup 5 --runs "$RUNS" --export-markdown "$WORK/initialize.md" \
    -n 'binary to initialize' "$bin < $WORK/init.jsonl" \
    -n 'launcher to initialize' "$launcher < $WORK/init.jsonl" \
    -n 'bundle to initialize' "$bundle < $WORK/init.jsonl"
cat "$WORK/version.md" "$WORK/initialize.md"
