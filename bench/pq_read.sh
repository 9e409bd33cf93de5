#!/usr/bin/env bash
# Parquet full-scan benchmark: DuckDB writes a ROWS-row mixed table (ZSTD and
# SNAPPY), then our reader (bench/pq_read.c) and DuckDB (bench/pq_read.mjs,
# threads=1 and default) read every column of each file; prints best-of-ROUNDS
# times and the ratios. The files live in a temporary directory.
#   bench/pq_read.sh [ROWS] [ROUNDS]      (defaults 10000000 3)
set -eu
cd "$(dirname "$0")/.."
rows=${1:-10000000}
rounds=${2:-3}
make -s build/liblh.a
pkgs="libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib snappy libzstd liblz4 libbrotlienc libbrotlidec"
cc -std=c11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags $pkgs) -o build/pq_read bench/pq_read.c \
   build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm
[ -d tests/js/node_modules ] || (cd tests/js && npm ci --silent)
dir=$(mktemp -d /tmp/lh-pqread-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp bench/pq_read.mjs tests/js/.pq_read_bench.mjs
trap 'rm -rf "$dir" tests/js/.pq_read_bench.mjs' EXIT
duck=$(cd tests/js && node .pq_read_bench.mjs "$dir" "$rows" "$rounds")
echo "duckdb (ms): $duck"
for codec in zstd snappy; do
  ours=$(build/pq_read "$dir/bench_$codec.parquet" "$rounds")
  echo "lakehouse $codec: $ours ($(du -h "$dir/bench_$codec.parquet" | cut -f1))"
  python3 - "$duck" "$ours" "$codec" <<'PY'
import json, sys
d, o, codec = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
for k in ("threads1", "default"):
    print(f"  {codec}: ours {o['ms']:.0f} ms / duckdb {k} {d[codec + '_' + k]:.0f} ms = {o['ms'] / d[codec + '_' + k]:.2f}x")
PY
done
