#!/usr/bin/env bash
# Builds bench/flow_launch.c against build/liblh.a and measures how fast the
# executor starts task tries, through the launcher and by uv_spawn of
# `lakehouse task-run`, in a temporary folder it then removes.
#   bench/flow_launch.sh [N] [PAR] [RSS_MB]   (defaults 1000 tries, 1 in flight, no heap)
set -eu
cd "$(dirname "$0")/.."
make -s -j2 build/lakehouse
cc -std=c11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags libuv) -o build/flow_launch \
   bench/flow_launch.c build/liblh.a $(pkg-config --libs libuv jansson) -lpthread -lm
dir=$(mktemp -d /tmp/lh-flowlaunch-XXXXXX)
trap 'rm -rf "$dir"' EXIT
n=${1:-1000}
par=${2:-1}
rss=${3:-0}
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in spawn launcher; do
    mkdir -p "$dir/$mode"
    build/flow_launch "$mode" "$PWD/build/lakehouse" "$n" "$par" "$dir/$mode" "$rss"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
