#!/usr/bin/env bash
# PostgreSQL 15's server programs (initdb, pg_ctl) and redis-server for `make loadtest`, which
# starts its own cluster and Redis (loadtest/README.md). Installs them with apt when running as
# root; otherwise says what is missing and fails.
set -euo pipefail
pg_bin="${LOADTEST_PG_BIN:-/usr/lib/postgresql/15/bin}"
need=()
[ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ] || need+=(postgresql-15 postgresql-contrib)
command -v redis-server >/dev/null || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${need[*]} for the load test…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "The load test needs: ${need[*]} (apt-get install ${need[*]}), or LOADTEST_PG_BIN=<folder of initdb>." >&2
  exit 1
fi
