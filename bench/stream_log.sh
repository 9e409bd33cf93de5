#!/usr/bin/env bash
# Builds and runs the partition log benchmark (bench/stream_log.c) against
# build/liblh.a in a temporary directory on the disk of the working tree,
# next to dd writing the same bytes with one fdatasync (the physical limit)
# and dd writing 16 KiB blocks with a sync each (the acks=all limit).
#   bench/stream_log.sh [MB]      (default 256)
set -eu
cd "$(dirname "$0")/.."
make -s build/liblh.a
pkgs="zlib snappy libzstd liblz4 openssl"
cc -std=c11 -O2 -D_GNU_SOURCE -Isrc -Itests/unit $(pkg-config --cflags $pkgs) -o build/stream_log \
   bench/stream_log.c build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm
mb=${1:-256}
dir=$(mktemp -d "$PWD/build/stream-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
build/stream_log "$dir" "$mb"
rm -rf "$dir"/p*
dd if=/dev/zero of="$dir/dd" bs=16k count=$((mb * 64)) conv=fdatasync 2>&1 | tail -1 | sed 's/^/dd: /'
# the acks=all reference: one 16 KiB write + fdatasync at a time (dsync), as many as in 2 s of appends
dd if=/dev/zero of="$dir/dd_sync" bs=16k count=600 oflag=dsync 2>&1 | tail -1 | sed 's/^/dd_dsync (600 x 16 KiB): /'
