#!/usr/bin/env bash
# The stream benchmark (issue 9): our Kafka broker (`lakehouse serve stream`,
# fresh data directory under build/) against dd writing the same bytes to the
# same filesystem, and against librdkafka's mock cluster (bench/kafka-mock.c),
# with bench/kafka_load.c as the client. One run, ROUNDS rounds, medians:
#   1. produce 1 KiB records, acks=1 and acks=all, 1 and 8 partitions, MB/s;
#      references: dd of the same bytes without a sync (acks=1: the broker
#      answers after the write, before any fsync) and with conv=fdatasync
#      (acks=all: the broker answers after the fsync), and the mock;
#   2. produce 100 B records, acks=1, 1 partition, records/s, against the mock;
#   3. consume each acks=1 topic of step 1 from the beginning (page cache);
#   4. end-to-end latency at RATE records/s (1 KiB, 1 partition, linger 0),
#      acks=1 and acks=all, p50/p99/p99.9.
# Each case starts after a sync (untimed).
# stdout: a Markdown table with ratios; stderr: every run as a human line;
# $OUT (default build/stream_bench.jsonl): every run as a JSON line.
#   bash bench/stream_bench.sh          MB=512 N100=2000000 RATE=10000 LAT_SECS=10 ROUNDS=3
# Without the stream role in build/lakehouse the run measures the mock and dd only.
# LAKEHOUSE_BIN=build-asan/lakehouse runs the same load against the sanitizer build.
set -eu
cd "$(dirname "$0")/.."
MB=${MB:-512}
N100=${N100:-2000000}
RATE=${RATE:-10000}
LAT_SECS=${LAT_SECS:-10}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-build/stream_bench.jsonl}
LH=${LAKEHOUSE_BIN:-build/lakehouse} # e.g. build-asan/lakehouse, to run the load under the sanitizers
make -s -j2 bench-kafka
[ -n "${LAKEHOUSE_BIN:-}" ] || make -s -j2 build/lakehouse
LOAD=build/bench/kafka_load
N1K=$((MB * 1024)) # 1 KiB records: MB MiB a run

tmp=$(mktemp -d "$PWD/build/stream-bench-XXXXXX")
ours_pid="" mock_pid=""
stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }
trap 'stop_pid "$ours_pid"; stop_pid "$mock_pid"; rm -rf "$tmp"' EXIT
: >"$OUT"

# CPU seconds (user + system) of a process so far
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# run SERVER_PID CASE kafka_load-args...: one JSON line into $OUT, with the
# case name and the server's CPU seconds added. Every case starts after a
# sync, so no case pays for the writeback of the one before (an fsync on
# ext4 can wait for other files' dirty pages to reach the disk).
run() {
  local pid=$1 case=$2 c0 line
  shift 2
  sync
  c0=$(cpu_of "$pid")
  line=$($LOAD "$@") || echo "stream_bench: failed: kafka_load $*" >&2
  [ -n "$line" ] || return 0
  echo "${line%\}},\"case\":\"$case\",\"server_cpu_s\":$(awk -v a="$c0" -v b="$(cpu_of "$pid")" 'BEGIN { printf "%.3f", b - a }')}" >>"$OUT"
}

# dd_run CASE MB SYNC: dd of MB MiB into the data directory's filesystem, as a JSON line
dd_run() {
  local secs
  sync
  secs=$(dd if=/dev/zero of="$tmp/dd" bs=1M count="$2" ${3:+conv=fdatasync} 2>&1 |
    sed -n 's/.* copied, \([0-9.]*\) s,.*/\1/p')
  rm -f "$tmp/dd"
  awk -v c="$1" -v mb="$2" -v s="$secs" -v sync="${3:-none}" 'BEGIN {
    printf "{\"mode\":\"dd\",\"case\":\"%s\",\"sync\":\"%s\",\"secs\":%s,\"mb_per_s\":%.6g}\n", c, sync, s, mb * 1.048576 / s }' >>"$OUT"
  tail -1 "$OUT" >&2
}

has_stream=0
"$LH" serve --help 2>&1 | grep -q '^  stream ' && has_stream=1
part_flag=""
"$LH" config doc | grep -q -- '--stream-default-partitions' && part_flag=--stream-default-partitions

# ours_up DIR PARTITIONS: a fresh broker (new topics get PARTITIONS when the
# broker has no CreateTopics); sets ours_pid and OURS
ours_up() {
  mkdir -p "$1"
  "$LH" serve stream --data-dir "$1" --listen-ephemeral ${part_flag:+$part_flag "$2"} >"$1.log" 2>&1 &
  ours_pid=$!
  OURS=""
  for _ in $(seq 300); do
    OURS=$(sed -n 's/.*"kafka": *"\([^"]*\)".*/\1/p' "$1/run/endpoints.json" 2>/dev/null || true)
    [ -n "$OURS" ] && return 0
    sleep 0.1
  done
  echo "stream_bench: the broker did not start; log:" >&2
  cat "$1.log" >&2
  return 1
}

# ours_down DIR: stops the broker; a non-zero exit or a sanitizer report is printed
ours_down() {
  local rc=0
  kill "$ours_pid" 2>/dev/null || true
  wait "$ours_pid" 2>/dev/null || rc=$?
  ours_pid=""
  if [ $rc != 0 ] || grep -qE 'Sanitizer|runtime error' "$1.log"; then
    echo "stream_bench: the broker exited with status $rc; log:" >&2
    tail -40 "$1.log" >&2
  fi
  rm -rf "$1"
}

mock_up() {
  local topics=() r p
  for r in $(seq "$ROUNDS"); do
    for p in 1 8; do topics+=(--topic "r$r-1k-acks1-p$p:$p" --topic "r$r-1k-acksall-p$p:$p"); done
    topics+=(--topic "r$r-100b:1")
  done
  build/bench/kafka-mock "${topics[@]}" >"$tmp/mock.addr" &
  mock_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/mock.addr" ] && break; sleep 0.1; done
  MOCK=$(cat "$tmp/mock.addr")
}

# one round: every case against each peer, interleaved
round() {
  local r=$1 p acks t
  for p in 1 8; do
    if [ $has_stream = 1 ]; then ours_up "$tmp/ours-r$r-p$p" "$p" || exit 1; fi
    for acks in 1 all; do
      t="r$r-1k-acks$acks-p$p"
      [ $has_stream = 1 ] && run "$ours_pid" "produce-1k-acks$acks-p$p" produce -b "$OURS" -t "$t" -p "$p" -a "$acks" -s 1024 -n "$N1K" -L ours
      if [ "$acks" = 1 ]; then dd_run "produce-1k-acks$acks-p$p" "$MB"; else dd_run "produce-1k-acks$acks-p$p" "$MB" fdatasync; fi
      run "$mock_pid" "produce-1k-acks$acks-p$p" produce -b "$MOCK" -t "$t" -a "$acks" -s 1024 -n "$N1K" -L mock
    done
    if [ $has_stream = 1 ]; then
      run "$ours_pid" "consume-1k-p$p" consume -b "$OURS" -t "r$r-1k-acks1-p$p" -n "$N1K" -L ours
      if [ "$p" = 1 ]; then
        run "$ours_pid" "produce-100b-p1" produce -b "$OURS" -t "r$r-100b" -p 1 -a 1 -s 100 -n "$N100" -L ours
        for acks in 1 all; do
          run "$ours_pid" "latency-acks$acks" latency -b "$OURS" -t "r$r-lat-acks$acks" -p 1 -a "$acks" -s 1024 -r "$RATE" -d "$LAT_SECS" -L ours
        done
      fi
      ours_down "$tmp/ours-r$r-p$p"
    fi
  done
  run "$mock_pid" "produce-100b-p1" produce -b "$MOCK" -t "r$r-100b" -a 1 -s 100 -n "$N100" -L mock
}

mock_up
echo "stream_bench: ours $([ $has_stream = 1 ] && echo "$LH serve stream" || echo "absent (no stream role)"), mock $MOCK, data in $tmp ($(df -T "$tmp" | awk 'NR == 2 { print $2 }'))" >&2
load0=$(cut -d' ' -f1 /proc/loadavg)
for r in $(seq "$ROUNDS"); do round "$r"; done
stop_pid "$mock_pid"
mock_pid=""
python3 bench/stream_bench_table.py "$OUT" "MB=$MB N100=$N100 RATE=$RATE LAT_SECS=$LAT_SECS ROUNDS=$ROUNDS bash bench/stream_bench.sh" \
  "$load0 $(cut -d' ' -f1 /proc/loadavg)"
