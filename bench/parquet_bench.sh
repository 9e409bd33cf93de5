#!/usr/bin/env bash
# Parquet write and full read, lakehouse against DuckDB, in one run on one
# table (issue 7): ROWS rows of BIGINT, INTEGER, DOUBLE, three VARCHARs of
# 10 / 10,000 / ~ROWS distinct values, TIMESTAMP, 10% NULLs. Builds
# build/pq_write and build/pq_read (optimized), then bench/parquet_bench.mjs
# drives both engines: writes with ZSTD and SNAPPY, full reads of all four
# files by both engines, ROUNDS rounds interleaved, medians. Prints a
# Markdown table on stdout (each run as JSON on stderr). Not part of the
# test command. The files live in a temporary directory (about 150 bytes a
# row at peak).
#   bash bench/parquet_bench.sh [ROWS] [ROUNDS]       (default 10000000 3)
#   ROWS=1000000 ROUNDS=1 bash bench/parquet_bench.sh  (the same)
set -eu
cd "$(dirname "$0")/.."
ROWS=${1:-${ROWS:-10000000}}
ROUNDS=${2:-${ROUNDS:-3}}
make -s -j2 build/liblh.a
pkgs="libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib snappy libzstd liblz4 libbrotlienc libbrotlidec"
for p in pq_write pq_read; do
  cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc $(pkg-config --cflags $pkgs) -o build/$p \
     bench/$p.c build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm
done
[ -d tests/js/node_modules/@duckdb/node-api ] || (cd tests/js && npm ci --silent)
dir=$(mktemp -d /tmp/lh-pqbench-XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo ' (modified)'), $(date -u '+%Y-%m-%d %H:%M UTC')"
node bench/parquet_bench.mjs "$dir" "$ROWS" "$ROUNDS" build "ROWS=$ROWS ROUNDS=$ROUNDS bash bench/parquet_bench.sh"
