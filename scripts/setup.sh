#!/usr/bin/env bash
# Installs everything the test suite needs; safe to run again (each step checks first).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
bash scripts/setup-wasm.sh
bash scripts/setup-mcp.sh
