#!/usr/bin/env bash
# Installs what the WASM build and its tests need, and nothing that is already there.
#
# - the wasm32-unknown-unknown Rust target (rustup);
# - wasm-bindgen-cli, pinned to the `wasm-bindgen` crate's version (the two must match exactly),
#   into the project-local .tools/ (no --locked: its lockfile pins a crate the index lacks);
# - wasm-opt from npm `binaryen@132` into .tools/npm (never Debian's binaryen 108, which
#   miscompiles the externref table), with `esbuild` to bundle the MCP server's estimate card,
#   and `typescript`, `deno` and `workerd` for the package tests;
# - Vite, webpack 5, esbuild and wrangler into .tools/bundlers, for the bundler tests;
# - twiggy (the code size profiler) into .tools/bin, only with WASM_SIZE_TOOLS=1
#   (scripts/size-wasm.sh sets it);
# - Debian's chromium + chromium-driver for the browser test (skipped with SKIP_BROWSER=1).
#
# Idempotent and fast when everything is present. Prints the tool paths it checked.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
WASM_BINDGEN_VERSION="0.2.130"
BINARYEN_VERSION="132.0.0"

log() { printf 'setup-wasm: %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

have_bindgen() {
    [ -x "$TOOLS/bin/wasm-bindgen" ] &&
        [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ] &&
        [ -x "$TOOLS/bin/wasm-bindgen-test-runner" ]
}
if ! have_bindgen; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into $TOOLS (about 2 minutes on 2 cores)"
    # A target dir of its own keeps this build from contending with the workspace's locks.
    CARGO_TARGET_DIR="$TOOLS/cargo-target" \
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS" --force
    rm -rf "$TOOLS/cargo-target"
    have_bindgen || { log "wasm-bindgen-cli install did not produce $WASM_BINDGEN_VERSION"; exit 1; }
fi

# npm tools, pinned: wasm-opt (binaryen), esbuild (the estimate card's one script), the
# TypeScript checker for the package's .d.ts, and two runtimes whose npm packages carry their
# binaries: Deno, and workerd (the Cloudflare Workers runtime) to run the Worker example for real.
NPM_TOOLS=("binaryen@132.0.0" "esbuild@0.28.2" "typescript@5.9.3" "deno@2.9.6" "workerd@1.20261117.1")
WASM_OPT="$TOOLS/npm/node_modules/.bin/wasm-opt"
missing=()
for spec in "${NPM_TOOLS[@]}"; do
    name="${spec%@*}" version="${spec##*@}"
    manifest="$TOOLS/npm/node_modules/$name/package.json"
    if [ ! -f "$manifest" ] || ! grep -q "\"version\": \"$version\"" "$manifest"; then
        missing+=("$spec")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing npm tools into $TOOLS/npm: ${missing[*]}"
    mkdir -p "$TOOLS/npm"
    # Each install names every pin, so npm keeps the ones already there.
    npm install --prefix "$TOOLS/npm" --no-save --no-audit --no-fund "${NPM_TOOLS[@]}" >&2
fi
"$WASM_OPT" --version | grep -q "version 132" || { log "wasm-opt is not binaryen 132"; exit 1; }

# The bundlers the package is tested with (wasm-plugin/tests/bundlers, and wrangler's build of
# the Worker example in tests/js/workerd.test.mjs), pinned, in a prefix of their own. Vite 8 (built on Rolldown) needs npm ≥ 11 and Node ≥ 20.19; with an older npm,
# Vite 7 is installed instead. npm 11 does not run install scripts unless approved: esbuild's
# only checks its binary, which comes from its platform package either way.
npm_major="$(npm --version | cut -d. -f1)"
if [ "$npm_major" -ge 11 ]; then VITE="vite@8.4.0"; else VITE="vite@7.3.8"; fi
BUNDLERS=("$VITE" "webpack@5.113.0" "esbuild@0.28.2" "wrangler@4.86.0")
missing=()
for spec in "${BUNDLERS[@]}"; do
    name="${spec%@*}" version="${spec##*@}"
    manifest="$TOOLS/bundlers/node_modules/$name/package.json"
    if [ ! -f "$manifest" ] || ! grep -q "\"version\": \"$version\"" "$manifest"; then
        missing+=("$spec")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing bundlers into $TOOLS/bundlers: ${missing[*]}"
    mkdir -p "$TOOLS/bundlers"
    npm install --prefix "$TOOLS/bundlers" --no-save --no-audit --no-fund "${BUNDLERS[@]}" >&2
fi

if [ "${SKIP_BROWSER:-0}" != "1" ]; then
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        log "installing Debian chromium + chromium-driver"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y chromium chromium-driver >&2; then
            apt-get update >&2
            apt-get install -y chromium chromium-driver >&2
        fi
    fi
fi

TWIGGY_VERSION="0.8.0"
if [ "${WASM_SIZE_TOOLS:-0}" = "1" ] &&
    ! { [ -x "$TOOLS/bin/twiggy" ] && [ "$("$TOOLS/bin/twiggy" --version 2>/dev/null)" = "twiggy-opt $TWIGGY_VERSION" ]; }; then
    log "installing twiggy $TWIGGY_VERSION into $TOOLS (about 3 minutes on 2 cores)"
    CARGO_TARGET_DIR="$TOOLS/cargo-target" \
        cargo install twiggy --version "$TWIGGY_VERSION" --root "$TOOLS" --force
    rm -rf "$TOOLS/cargo-target"
fi

log "wasm-bindgen: $("$TOOLS/bin/wasm-bindgen" --version)"
log "wasm-opt: $("$WASM_OPT" --version)"
[ "${SKIP_BROWSER:-0}" = "1" ] || log "chromium: $(chromium --version 2>/dev/null || echo missing)"
