#!/usr/bin/env bash
# Builds the optimised npm package in wasm-plugin/pkg/ (see wasm-plugin/README.md) and the
# MCP server's estimate card.
#
#   cargo (profile wasm-release) → wasm-bindgen (web, nodejs and no-modules glue over one
#   module) → wasm-opt -Os (npm binaryen 132) → package entry points and the single-file build
#   → a load-and-call smoke test of every entry (what caught binaryen 108's bad table export)
#   → the estimate card, one HTML document with the module inside (wasm-plugin/app/, bundled
#   by esbuild) at mcp-server/ui/estimate.html, which the server embeds when it is next built.
#
# Installs its tools first (scripts/setup-wasm.sh; the browser only for the tests).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/wasm-plugin/pkg"
TOOLS="$ROOT/.tools"
NAME="piapi_billing_wasm"

SKIP_BROWSER=1 bash "$ROOT/scripts/setup-wasm.sh"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
log() { printf 'build-wasm: %s\n' "$*" >&2; }

log "cargo build (wasm-release)"
cargo build --profile wasm-release --target wasm32-unknown-unknown -p piapi-billing-wasm
RAW="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/$NAME.wasm"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for target in web nodejs no-modules; do
    "$TOOLS/bin/wasm-bindgen" --target "$target" --no-typescript --out-dir "$WORK/$target" "$RAW"
done
# All three glues must drive the same module, so the package ships (and optimises) one.
cmp -s "$WORK/web/${NAME}_bg.wasm" "$WORK/nodejs/${NAME}_bg.wasm"
cmp -s "$WORK/web/${NAME}_bg.wasm" "$WORK/no-modules/${NAME}_bg.wasm"

# -Os with functions of one caller inlined only up to 16 bytes (-ocimfs; binaryen's default
# inlines them whatever their size): inlining big single-use functions into their callers made
# the module smaller but compress worse, +12 KB gzip -9 over no wasm-opt at all (docs/perf-log.md,
# "Size, step by step").
log "wasm-opt -Os -ocimfs 16"
"$TOOLS/npm/node_modules/.bin/wasm-opt" -Os -ocimfs 16 --strip-debug --strip-producers \
    "$WORK/web/${NAME}_bg.wasm" -o "$PKG/${NAME}_bg.wasm"

# ES module glue (browsers, Node ESM, Deno, Workers, bundlers); the CommonJS entry node.cjs
# (the nodejs glue and the API in one file) and the single-file build are assembled.
cp "$WORK/web/$NAME.js" "$PKG/$NAME.js"
rm -f "$PKG/$NAME.cjs" "$PKG/api.cjs" # the separate CommonJS files of earlier builds
node "$ROOT/wasm-plugin/tools/assemble.mjs" --pkg "$PKG" \
    --nodejs-glue "$WORK/nodejs/$NAME.js" --no-modules-glue "$WORK/no-modules/$NAME.js"

log "smoke test of every entry point"
node "$ROOT/wasm-plugin/tools/smoke.mjs" "$PKG"

log "estimate card for the MCP server"
node "$ROOT/wasm-plugin/tools/assemble-app.mjs" --pkg "$PKG" --node-modules "$TOOLS/npm/node_modules" \
    --out "$ROOT/mcp-server/ui/estimate.html"

wasm_bytes=$(wc -c <"$PKG/${NAME}_bg.wasm")
gz_bytes=$(cat "$PKG/${NAME}_bg.wasm" "$PKG/node.cjs" | gzip -9 | wc -c)
log "done: $PKG (${NAME}_bg.wasm $wasm_bytes bytes; wasm + Node entry JS gzip -9: $gz_bytes bytes)"
