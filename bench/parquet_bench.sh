#!/usr/bin/env bash
# Parquet writer against DuckDB on the same table (bench/pq_write.c and
# tests/js/pq_bench_duckdb.mjs build it from the same formulas): 10M rows of
# BIGINT, INTEGER, DOUBLE, three VARCHARs of 10 / 10,000 / ~10M distinct
# values, TIMESTAMP, 10% NULLs. Each case is written ROUNDS times (median
# kept): ours, DuckDB COPY with threads=1 and with its default threads, for
# ZSTD and SNAPPY. Prints time and size ratios (ours / DuckDB). Not part of
# the test command.
#   bench/parquet_bench.sh [ROWS] [ROUNDS]     (default 10000000 3)
set -eu
cd "$(dirname "$0")/.."
ROWS=${1:-10000000}
ROUNDS=${2:-3}
make -s build/liblh.a
cc -std=c11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags libzstd snappy) -o build/pq_write bench/pq_write.c \
   build/liblh.a $(pkg-config --libs libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib snappy libzstd liblz4 libbrotlienc libbrotlidec) -lpthread -lm
[ -d tests/js/node_modules/@duckdb/node-api ] || (cd tests/js && npm ci --silent)
dir=$(mktemp -d /tmp/lh-pqbench-XXXXXX)
trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
echo "rows=$ROWS rounds=$ROUNDS commit=$(git rev-parse --short HEAD) $(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-7s %-16s %9s %12s %10s %10s\n" codec writer seconds bytes "time ours/it" "size ours/it"
for codec in zstd snappy; do
  declare -A T B
  for who in ours duck1 duckN; do
    ts=""
    for r in $(seq "$ROUNDS"); do
      case $who in
        ours)  out=$(build/pq_write "$dir/ours.parquet" "$codec" "$ROWS") ;;
        duck1) out=$(cd tests/js && node pq_bench_duckdb.mjs "$dir/duck.parquet" "$codec" 1 "$ROWS") ;;
        duckN) out=$(cd tests/js && node pq_bench_duckdb.mjs "$dir/duck.parquet" "$codec" default "$ROWS") ;;
      esac
      ts="$ts $(echo "$out" | field seconds)"
      B[$who]=$(echo "$out" | field bytes)
    done
    T[$who]=$(echo $ts | tr ' ' '\n' | median)
  done
  for who in ours duck1 duckN; do
    name=$who; [ $who = duck1 ] && name="duckdb threads=1"; [ $who = duckN ] && name="duckdb default"
    printf "%-7s %-16s %9s %12s %10s %10s\n" "$codec" "$name" "${T[$who]}" "${B[$who]}" \
      "$(awk "BEGIN{printf \"%.2f\", ${T[ours]}/${T[$who]}}")" "$(awk "BEGIN{printf \"%.3f\", ${B[ours]}/${B[$who]}}")"
  done
  unset T B
done
