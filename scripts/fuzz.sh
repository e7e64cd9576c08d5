#!/usr/bin/env bash
# Runs every fuzz target of the repository for a while (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 20: a smoke run, as the test suite does); a real session is
# longer, e.g. `scripts/fuzz.sh 600 json_reader`. Each target starts from its committed corpus
# (DIR/seeds/TARGET: hand-written seeds plus what earlier long runs found, minimised) and grows
# a local one (DIR/corpus/TARGET, not committed); a crash leaves its input in
# DIR/artifacts/TARGET and fails the script. To commit what a long run found:
#   (cd DIR && target/<host>/release/TARGET -merge=1 seeds/TARGET corpus/TARGET)
# adds to seeds/TARGET only the inputs that reach coverage it lacks.
#
# The targets are cargo-fuzz crates (`cargo fuzz run TARGET` works in their directory), but this
# script builds them itself with the flags cargo fuzz passes (coverage instrumentation for the
# target's crates only, through --target), so a fresh machine need not install cargo-fuzz:
# libfuzzer-sys compiles libFuzzer with the system's C++ compiler. The instrumentation needs
# nightly flags, which RUSTC_BOOTSTRAP=1 allows on the stable toolchain.
#
# To add a target: create it under a fuzz/ directory (cargo fuzz layout), commit a few seeds,
# and add a line to TARGETS below.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# "FUZZ_DIR TARGET [libFuzzer options...]", one per line.
TARGETS=(
  "mcp-server/fuzz ledger_log -max_len=65536"
  "mcp-server/fuzz json_reader -max_len=16384"
  "mcp-server/fuzz catalog_reader -max_len=65536"
)

log() { printf 'fuzz.sh: %s\n' "$*" >&2; }

seconds="${1:-20}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

host="$(rustc -vV | sed -n 's/^host: //p')"
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"

# Builds every target of one fuzz crate at once (they share its dependencies).
declare -A built=()
build() {
  local dir="$1"
  [ -n "${built[$dir]:-}" ] && return
  log "building the fuzz targets of $dir"
  (cd "$ROOT/$dir" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" CARGO_PROFILE_RELEASE_DEBUG=0 \
    cargo build --release --locked --bins --target "$host" --target-dir target >&2)
  built[$dir]=1
}

ran=0
for line in "${TARGETS[@]}"; do
  read -r dir target options <<<"$line"
  if [ "$#" -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$target"; then
    continue
  fi
  build "$dir"
  mkdir -p "$ROOT/$dir/corpus/$target" "$ROOT/$dir/artifacts/$target"
  log "$target: ${seconds}s from $dir/seeds/$target"
  # shellcheck disable=SC2086 # options are separate words
  (cd "$ROOT/$dir" && "target/$host/release/$target" "corpus/$target" "seeds/$target" \
    -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" -print_final_stats=1 $options)
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { log "no target matched: $*"; exit 2; }
log "$ran target(s) ran without a failure"
