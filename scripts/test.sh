#!/usr/bin/env bash
# Every test: installs dependencies, builds optimized and ASan+UBSan, runs the
# unit tests on both, replays the fuzz corpora, and runs every integration test
# once against the sanitizer build: three pytest workers (most integration
# tests wait on servers, not the CPU), each taking whole files (module
# fixtures start one server per file); the 30 slowest tests are listed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
start=$(date +%s)
t=$start
lap() { local now; now=$(date +%s); echo "== $1 took $((now - t)) s"; t=$now; }
make -j"$(nproc)" all build/liblh.a
make -j"$(nproc)" asan
lap "builds (optimized + ASan/UBSan)"
echo "== unit tests (optimized)"; make -j"$(nproc)" unit; lap "unit tests (optimized)"
echo "== unit tests (ASan+UBSan)"; make -j"$(nproc)" unit-asan; lap "unit tests (ASan+UBSan)"
echo "== sqllogictest (tests/sql, optimized + ASan/UBSan)"
build/lakehouse sqllogictest tests/sql
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build-asan/lakehouse sqllogictest tests/sql
lap "sqllogictest"
echo "== fuzz corpora"; make -j"$(nproc)" fuzz-replay; lap "fuzz targets build + corpus replay"
echo "== lint"; bash scripts/lint.sh; make -s format-check
echo "== integration tests (ASan+UBSan build)"
export LAKEHOUSE_BIN="$PWD/build-asan/lakehouse"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
/usr/bin/python3 -m pytest tests/integration -p no:cacheprovider --timeout=600 -q -rs \
  -n "${LAKEHOUSE_TEST_WORKERS:-3}" --dist loadfile --durations=30 "$@"
lap "integration tests"
echo "== all tests passed in $(( $(date +%s) - start )) s"
