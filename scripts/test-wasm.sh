#!/usr/bin/env bash
# Every test of the WASM plugin, on a fresh clone: installs its tools, builds the optimised
# package, then runs
#   1. the crate's unit tests (native);
#   2. wasm-bindgen-test tests inside a real WebAssembly instance in Node;
#   3. the JS tests against the BUILT package (golden vectors, errors, overlays, 10,000 fuzzed
#      inputs, every entry point incl. the single-file build in a bare vm and Deno, the .d.ts
#      under tsc --strict, the workflow examples, the Worker example in workerd, laid out by
#      hand and as wrangler builds it);
#   4. the headless Chromium test of the estimator page (screenshot in tests/artifacts/);
#   5. a tiny app importing the package, built with Vite, webpack 5 and esbuild and run in
#      headless Chromium against every golden vector.
# Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

bash scripts/setup-wasm.sh
bash scripts/build-wasm.sh

echo "== piapi-billing-wasm: unit tests (native)"
cargo test -p piapi-billing-wasm --lib

echo "== piapi-billing-wasm: wasm-bindgen-test in Node"
# No -q: cargo would pass --quiet on to the runner, which rejects it.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$ROOT/.tools/bin/wasm-bindgen-test-runner" \
    cargo test -p piapi-billing-wasm --target wasm32-unknown-unknown --test node

echo "== piapi-billing-wasm: JS tests against the built package, the browser and bundler tests"
node --test wasm-plugin/tests/js/ wasm-plugin/tests/browser/ wasm-plugin/tests/bundlers/
