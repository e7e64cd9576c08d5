#!/usr/bin/env bash
# Builds every install path of piapi-billing-mcp into dist/ (git-ignored), from a clean checkout,
# the same way on every run (dist/ is rebuilt from scratch; cargo's cache makes repeats fast):
#
#   dist/bin/<key>/piapi-billing-mcp[.exe]    the binaries, <key> as in mcp-server/npm/platforms.json
#   dist/npm/*.tgz                            the npm launcher `piapi-billing-mcp` + one package per binary
#   dist/piapi-billing-mcp-<version>.mcpb     the MCP Bundle (validated and packed by @anthropic-ai/mcpb)
#   dist/server.json                          the MCP Registry entry, with the bundle's SHA-256
#   dist/crates/*.crate                       every publishable crate, after `cargo publish --dry-run`
#
#   scripts/package.sh [--target TRIPLE]... [--bin-dir DIR] [--skip-crates]
#
# Binaries: the host's comes from $PIAPI_BILLING_MCP_RELEASE_BIN, else target/release (built if
# missing or stale). Each --target TRIPLE is cross-built here (Debian's cross gcc for aarch64
# Linux, musl-tools for x86_64 musl). --bin-dir DIR takes prebuilt binaries laid out as
# DIR/<key>/piapi-billing-mcp[.exe] instead (the release workflow's build matrix).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$ROOT/dist"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="$ROOT/.tools/install-npm"
STAGE="$ROOT/mcp-server/npm/stage.mjs"
MCPB_VERSION="2.1.2"
AJV_VERSION="8.20.0"
AJV_FORMATS_VERSION="3.0.1"

log() { printf 'package: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

targets=()
bin_dir=""
skip_crates=false
while [ $# -gt 0 ]; do
    case "$1" in
        --target) targets+=("${2:?--target needs a Rust target triple}"); shift 2 ;;
        --bin-dir) bin_dir="$(cd "${2:?--bin-dir needs a directory}" && pwd)"; shift 2 ;;
        --skip-crates) skip_crates=true; shift ;;
        *) die "unknown argument $1 (see the header of $0)" ;;
    esac
done

# @anthropic-ai/mcpb packs and validates the bundle; ajv validates server.json in the tests.
ensure_tools() {
    if [ -f "$TOOLS/node_modules/@anthropic-ai/mcpb/package.json" ] &&
        grep -q "\"version\": \"$MCPB_VERSION\"" "$TOOLS/node_modules/@anthropic-ai/mcpb/package.json" &&
        [ -f "$TOOLS/node_modules/ajv-formats/package.json" ]; then
        return
    fi
    log "installing @anthropic-ai/mcpb $MCPB_VERSION and ajv into $TOOLS"
    mkdir -p "$TOOLS"
    [ -f "$TOOLS/package.json" ] || echo '{"name": "piapi-billing-install-tools", "private": true}' > "$TOOLS/package.json"
    (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error \
        "@anthropic-ai/mcpb@$MCPB_VERSION" "ajv@$AJV_VERSION" "ajv-formats@$AJV_FORMATS_VERSION")
}

crate_version() {
    cargo metadata --no-deps --format-version 1 --locked --manifest-path "$ROOT/Cargo.toml" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.log(JSON.parse(s).packages.find(p=>p.name==="piapi-billing-mcp").version)})'
}

# Sets the cross linker and C compiler for a target this Debian machine can build, unless set.
cross_env() {
    case "$1" in
        aarch64-unknown-linux-gnu)
            export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}" ;;
        aarch64-unknown-linux-musl)
            export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER:-aarch64-linux-gnu-gcc}"
            export CC_aarch64_unknown_linux_musl="${CC_aarch64_unknown_linux_musl:-aarch64-linux-gnu-gcc}" ;;
    esac
}

# Runs a cross-built binary's $2.00 Kling estimate, under qemu-user for aarch64 when it is
# installed (Debian's qemu-user; the glibc build also needs libc6-arm64-cross).
smoke_test() {
    local target="$1" bin="$2" runner=()
    case "$target" in
        aarch64-*)
            command -v qemu-aarch64 >/dev/null || { log "qemu-aarch64 not installed: $target not run"; return 0; }
            runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu) ;;
    esac
    echo '{"tasks":[{"model":"kling","task_type":"video_generation","input":{"version":"3.0","mode":"pro","duration":10,"enable_audio":true}}]}' |
        "${runner[@]}" "$bin" estimate - | grep '"total_max_usd": "2.00"' >/dev/null || die "the $target binary does not give the \$2.00 estimate"
}

stage_binaries() {
    mkdir -p "$DIST/bin"
    if [ -n "$bin_dir" ]; then
        cp -R "$bin_dir"/. "$DIST/bin/"
    else
        local host key bin
        host="$(rustc -vV | sed -n 's/^host: //p')"
        key="$(node "$STAGE" host-key "$host")"
        [ -n "$key" ] || die "no prebuilt platform for the host $host in mcp-server/npm/platforms.json"
        bin="${PIAPI_BILLING_MCP_RELEASE_BIN:-}"
        if [ -z "$bin" ]; then
            (cd "$ROOT" && cargo build --quiet --release --locked -p piapi-billing-mcp)
            bin="$TARGET_DIR/release/piapi-billing-mcp"
        fi
        mkdir -p "$DIST/bin/$key" && cp "$bin" "$DIST/bin/$key/"
    fi
    local target key
    for target in "${targets[@]}"; do
        key="$(node "$STAGE" host-key "$target")"
        [ -n "$key" ] || die "--target $target is not in mcp-server/npm/platforms.json"
        log "building $target"
        cross_env "$target"
        (cd "$ROOT" && cargo build --quiet --release --locked -p piapi-billing-mcp --target "$target")
        smoke_test "$target" "$TARGET_DIR/$target/release/piapi-billing-mcp"
        mkdir -p "$DIST/bin/$key" && cp "$TARGET_DIR/$target/release/piapi-billing-mcp" "$DIST/bin/$key/"
    done
    chmod 755 "$DIST"/bin/*/piapi-billing-mcp* 2>/dev/null || true
    log "binaries: $(cd "$DIST/bin" && echo *)"
}

pack_npm() {
    local version="$1" key dir
    mkdir -p "$DIST/npm" "$DIST/.stage/npm"
    for key in $(cd "$DIST/bin" && echo *); do
        dir="$DIST/.stage/npm/$key"
        mkdir -p "$dir/bin"
        cp "$DIST/bin/$key"/piapi-billing-mcp* "$dir/bin/"
        node "$STAGE" npm-platform "$key" "$version" "$dir"
        (cd "$dir" && npm pack --silent --pack-destination "$DIST/npm" >/dev/null)
    done
    dir="$DIST/.stage/npm/launcher"
    cp -R "$ROOT/mcp-server/npm/launcher" "$dir"
    (cd "$dir" && npm pack --silent --pack-destination "$DIST/npm" >/dev/null)
    log "npm: $(cd "$DIST/npm" && echo *.tgz)"
}

pack_mcpb() {
    local version="$1" dir="$DIST/.stage/mcpb" oses="" dirs="" key bundle sha
    mkdir -p "$dir/server/bin"
    cp "$ROOT/mcp-server/mcpb/server/index.js" "$dir/server/"
    cp "$ROOT/mcp-server/npm/launcher/lib/launch.js" "$dir/server/"
    while read -r key bundle; do
        mkdir -p "$dir/server/bin/$bundle"
        cp "$DIST/bin/$key"/piapi-billing-mcp* "$dir/server/bin/$bundle/"
        oses="$oses,${bundle%-*}"
        dirs="$dirs $bundle"
    done < <(node "$STAGE" mcpb-dirs "$DIST/bin")
    node "$STAGE" mcpb-manifest "$ROOT/mcp-server/mcpb/manifest.json" "$dir/manifest.json" "$oses"
    local mcpb="$TOOLS/node_modules/.bin/mcpb"
    "$mcpb" validate "$dir/manifest.json" >/dev/null || { "$mcpb" validate "$dir/manifest.json"; die "the bundle manifest is invalid"; }
    "$mcpb" pack "$dir" "$DIST/piapi-billing-mcp-$version.mcpb" >/dev/null
    sha="$(sha256sum "$DIST/piapi-billing-mcp-$version.mcpb" | cut -d' ' -f1)"
    node "$STAGE" server-json "$ROOT/server.json" "$DIST/server.json" "$sha"
    log "bundle: piapi-billing-mcp-$version.mcpb (server/bin/:$dirs; sha256 $sha)"
}

# The dry-run verifies each crate against the others through a temporary registry under
# target/package/, and cargo extracts that registry's crates into
# $CARGO_HOME/registry/src/-<hash of the registry's path>/<name>-<version>/. An extraction that
# already exists is reused as is, so a clone at a path that packaged an older commit (a CI
# machine's fixed checkout) would verify this commit's core against last run's derive crate.
# Only our own crates' extractions under those temporary registries (the "-" prefix; crates.io's
# start with "index.") are removed; nothing downloaded is touched.
forget_extracted_crates() {
    local home="${CARGO_HOME:-$HOME/.cargo}" crate
    for crate in "$@"; do
        rm -rf "$home"/registry/src/-*/"$crate"
    done
}

# Every crate `cargo publish --workspace` takes (those not marked publish = false), as
# NAME-VERSION, so a crate added to the workspace is packaged without touching this script.
publishable_crates() {
    cargo metadata --no-deps --format-version 1 --locked --manifest-path "$ROOT/Cargo.toml" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const p of JSON.parse(s).packages)if(p.publish===null)console.log(`${p.name}-${p.version}`)})'
}

pack_crates() {
    local crates crate dir
    mapfile -t crates < <(publishable_crates)
    [ "${#crates[@]}" -gt 0 ] || die "cargo metadata named no publishable crate"
    forget_extracted_crates "${crates[@]}"
    log "cargo publish --workspace --dry-run"
    (cd "$ROOT" && cargo publish --workspace --dry-run --locked --allow-dirty --quiet)
    mkdir -p "$DIST/crates"
    for crate in "${crates[@]}"; do
        # `cargo publish` of several crates leaves them in package/tmp-crate/ (cargo 1.90+).
        for dir in "$TARGET_DIR/package/tmp-crate" "$TARGET_DIR/package"; do
            if [ -f "$dir/$crate.crate" ]; then cp "$dir/$crate.crate" "$DIST/crates/"; continue 2; fi
        done
        die "cargo publish --dry-run left no $crate.crate"
    done
    log "crates: $(cd "$DIST/crates" && echo *.crate)"
}

ensure_tools
version="$(crate_version)"
rm -rf "$DIST"
stage_binaries
pack_npm "$version"
pack_mcpb "$version"
$skip_crates || pack_crates
rm -rf "$DIST/.stage"
log "dist/ holds piapi-billing-mcp $version"
