#!/usr/bin/env bash
# Every test: installs dependencies, builds optimized and ASan+UBSan, runs the
# unit tests on both, replays the fuzz corpora, and runs every integration test
# once against the sanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
start=$(date +%s)
make -j"$(nproc)" all build/liblh.a
make -j"$(nproc)" asan
echo "== unit tests (optimized)"; make -j"$(nproc)" unit
echo "== unit tests (ASan+UBSan)"; make -j"$(nproc)" unit-asan
echo "== fuzz corpora"; make -j"$(nproc)" fuzz-replay
echo "== lint"; bash scripts/lint.sh
echo "== integration tests (ASan+UBSan build)"
export LAKEHOUSE_BIN="$PWD/build-asan/lakehouse"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
/usr/bin/python3 -m pytest tests/integration -p no:cacheprovider --timeout=600 -q -rs "$@"
echo "== all tests passed in $(( $(date +%s) - start )) s"
