#!/usr/bin/env bash
# Builds and runs the embedded store's listing benchmark (bench/list_1m.c)
# against build/liblh.a in a temporary data directory, then removes it.
#   bench/list_1m.sh [NKEYS]      (default 1000000)
set -eu
cd "$(dirname "$0")/.."
make -s build/liblh.a
pkgs="libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib"
cc -std=c11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags $pkgs) -o build/list_1m bench/list_1m.c bench/engine_bulk.c \
   build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm
dir=$(mktemp -d /tmp/lh-list1m-XXXXXX)
trap 'rm -rf "$dir"' EXIT
build/list_1m "$dir" "${1:-1000000}"
du -sh "$dir/store" | sed 's/^/index size: /'
