#!/usr/bin/env bash
# Installs what the benchmarks in bench/ need beyond scripts/install-deps.sh:
# nginx-light (the reference HTTP server for GETs), wrk (the small-request
# load generator), and the SQL benchmark's peers sqlite3 and ClickHouse 18.16
# (clickhouse-server, clickhouse-client; bench/sql_bench.sh starts its own
# server from its own config, never the package's service), the zstd CLI
# (the medallion benchmark's floor) and GNU time (bench/ab_cpu.sh). Idempotent;
# runs as root or through sudo.
set -euo pipefail

PKGS=(nginx-light wrk curl openssl python3 sqlite3 clickhouse-server clickhouse-client zstd time)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# the benchmark starts its own nginx on 127.0.0.1:<free port>; stop the
# package's system service if the install started one on :80
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $SUDO systemctl stop nginx || true
fi
# and ClickHouse's, which would listen on 9000 and 8123 (our ports)
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet clickhouse-server 2>/dev/null; then
  $SUDO systemctl stop clickhouse-server || true
  $SUDO systemctl disable clickhouse-server 2>/dev/null || true
fi
