#!/usr/bin/env bash
# The medallion benchmark (issue 11): `lakehouse up` time to ready and idle
# RSS on fresh data directories, then topic -> gold for EVENTS events over
# HOURS hours (demo generate, then ingest, bronze_to_silver, silver_to_gold
# and validate of examples/medallion/, each stage timed on its own) on the
# release build. stdout: a Markdown report; stderr: progress and the
# pipeline as JSON; build/medallion_bench.jsonl: every run as JSON lines.
#   bash bench/medallion_bench.sh              1,000,000 events over 6 hours
#   bash bench/medallion_bench.sh 10000000     10M events
#   bash bench/medallion_bench.sh 100000 3     a smoke run
# More flags after the two (see bench/medallion_bench.py --help), e.g.
# --only pipeline, --starts 20, --keep. Runs under nice -n 10 (the machine is
# shared). After the stages it compares the two statements that parse bronze
# with DuckDB on the same files, and with decompressing them (zstd -dc). Never
# part of the test suite.
set -eu
cd "$(dirname "$0")/.."
make -s -j2 build/lakehouse
# the side-by-side part: DuckDB from tests/js's lock file, the zstd CLI
[ -d tests/js/node_modules/@duckdb/node-api ] || (cd tests/js && npm ci --silent)
command -v zstd >/dev/null || bash bench/install-deps.sh
uptime >&2
events=${1:-1000000}
hours=${2:-6}
shift $(($# < 2 ? $# : 2))
exec nice -n 10 /usr/bin/python3 bench/medallion_bench.py --events "$events" --hours "$hours" "$@"
