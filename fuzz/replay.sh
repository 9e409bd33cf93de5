#!/usr/bin/env bash
# Replays each fuzz target's seed corpus (fuzz/corpus/<name>/) once.
set -eu
for bin in "$@"; do
  name=$(basename "$bin" _fuzz)
  dir=fuzz/corpus/$name
  [ -d "$dir" ] || { echo "fuzz: no corpus for $name"; exit 1; }
  "$bin" -runs=0 "$dir" >/dev/null 2>&1 || { echo "fuzz: $name failed on its corpus"; "$bin" -runs=0 "$dir"; exit 1; }
  echo "fuzz: $name corpus ($(ls "$dir" | wc -l) inputs) ok"
done
