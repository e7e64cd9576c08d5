#!/usr/bin/env bash
# A throwaway local PostgreSQL 15 for the ledger tests and benchmarks, on loopback only.
#
#   scripts/pg.sh start   start it unless it already runs; print its URL on stdout
#   scripts/pg.sh url     print the URL
#   scripts/pg.sh stop    stop it (the data directory stays, so the next start is fast)
#
# It runs as the `postgres` user when invoked as root (initdb refuses root), trusts local
# connections (it listens on 127.0.0.1 only), and keeps fsync on: the ledger benchmarks measure
# durable commits. Environment: PIAPI_BILLING_PG_PORT (default 54329), PIAPI_BILLING_PG_DIR
# (default /tmp/piapi-billing-pg). Only the URL goes to stdout; progress goes to stderr.
set -euo pipefail

PORT="${PIAPI_BILLING_PG_PORT:-54329}"
BASE="${PIAPI_BILLING_PG_DIR:-/tmp/piapi-billing-pg}"
DATA="$BASE/data"
SOCK="$BASE/socket"
LOG="$BASE/postgres.log"
BIN=/usr/lib/postgresql/15/bin
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

log() { printf 'pg.sh: %s\n' "$*" >&2; }

# Runs a command as the database owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -t 2; }

install() {
  if [ -x "$BIN/postgres" ] && [ -x "$BIN/initdb" ]; then
    return
  fi
  log "installing postgresql-15 (Debian)"
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
  else
    sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
  fi
}

start() {
  install
  if ready; then
    echo "$URL"
    return
  fi
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$BASE" --shell /bin/sh postgres
    mkdir -p "$BASE"
    chown postgres "$BASE"
  else
    mkdir -p "$BASE"
  fi
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initialising a cluster in $DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
  fi
  as_owner mkdir -p "$SOCK"
  log "starting PostgreSQL on 127.0.0.1:$PORT"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCK -c max_connections=200" start >&2
  ready || { log "PostgreSQL did not come up; see $LOG"; tail -n 20 "$LOG" >&2 || true; exit 1; }
  echo "$URL"
}

stop() {
  if [ -s "$DATA/PG_VERSION" ]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
