#!/usr/bin/env bash
# Parallel ranged reads through one remote object-store handle against our
# own server (bench/objstore_par.c): 1 thread vs 4 threads, same reads, same
# handle; prints the median times and the ratio. Loopback only; the
# temporary data directory and the server are removed on exit.
#   bench/objstore_par.sh [SIZE_MB] [READS] [ROUNDS]     (default 64 256 5)
set -eu
cd "$(dirname "$0")/.."
. bench/lh_up.sh
make -s -j2 build/lakehouse build/liblh.a
pkgs="libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib"
cc -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE -Isrc $(pkg-config --cflags $pkgs) -o build/objstore_par \
   bench/objstore_par.c build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm

dir=$(mktemp -d /tmp/lh-ospar-XXXXXX)
lh_pid=""
cleanup() {
  [ -n "$lh_pid" ] && kill "$lh_pid" 2>/dev/null && wait "$lh_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

AK=benchadmin SK=benchsecret123
lh_up "$dir/lh" "$dir/lakehouse.log" "$AK" "$SK" || true
[ -n "$S3" ] || { echo "objstore_par: lakehouse did not start" >&2; cat "$dir/lakehouse.log" >&2; exit 1; }
echo "# machine: $(nproc) cpu, load at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
build/objstore_par "http://$S3" "$AK" "$SK" "${1:-64}" "${2:-256}" "${3:-5}"
