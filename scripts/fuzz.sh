#!/usr/bin/env bash
# Runs every fuzz target of the repository for a while (libFuzzer, through cargo fuzz).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 20: a smoke run, as the test suite does); a real session is
# longer, e.g. `scripts/fuzz.sh 600 ledger_log`. Each target starts from its committed seeds
# (DIR/seeds/TARGET) and grows a local corpus (DIR/corpus/TARGET, not committed); a crash leaves
# its input in DIR/artifacts/TARGET and fails the script. cargo-fuzz is installed into .tools/
# when missing; it needs nightly flags, which RUSTC_BOOTSTRAP=1 allows on the stable toolchain.
#
# To add a target: create it under some crate's fuzz/ directory (cargo fuzz layout), commit a
# few seeds, and add a line to TARGETS below.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
CARGO_FUZZ_VERSION="0.13.2"

# "FUZZ_DIR TARGET [libFuzzer options...]", one per line.
TARGETS=(
  "mcp-server/fuzz ledger_log -max_len=65536"
)

log() { printf 'fuzz.sh: %s\n' "$*" >&2; }

seconds="${1:-20}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

if ! [ -x "$TOOLS/bin/cargo-fuzz" ] || ! "$TOOLS/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS (a few minutes on 2 cores)"
  CARGO_TARGET_DIR="$TOOLS/cargo-target" \
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS" --force >&2
  rm -rf "$TOOLS/cargo-target"
fi
export PATH="$TOOLS/bin:$PATH" RUSTC_BOOTSTRAP=1

ran=0
for line in "${TARGETS[@]}"; do
  read -r dir target options <<<"$line"
  if [ "$#" -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$target"; then
    continue
  fi
  mkdir -p "$ROOT/$dir/corpus/$target"
  log "$target: ${seconds}s from $dir/seeds/$target"
  # shellcheck disable=SC2086 # options are separate words
  (cd "$ROOT/$dir" && cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 $options)
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { log "no target matched: $*"; exit 2; }
log "$ran target(s) ran without a failure"
