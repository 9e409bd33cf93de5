#!/usr/bin/env bash
# Long fuzzing runs (not part of the test command, which only replays the seed
# corpora). Usage: fuzz/run.sh [seconds-per-target] [target...]
# Each target starts from a scratch copy of its seed corpus, so generated inputs
# never land in the repository; crashes are written to fuzz/crashes/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}; shift || true
make -j"$(nproc)" fuzz >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.c; do targets+=("$(basename "$f" _fuzz.c)"); done
fi
for t in "${targets[@]}"; do
  work=$(mktemp -d); mkdir -p "fuzz/crashes/$t"
  cp -r "fuzz/corpus/$t/." "$work/"
  echo "fuzz: $t for ${secs}s"
  ./build-fuzz/"${t}_fuzz" -max_total_time="$secs" -max_len=65536 \
      -artifact_prefix="fuzz/crashes/$t/" "$work" 2>&1 | tail -3
  rm -rf "$work"
done
