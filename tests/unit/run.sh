#!/usr/bin/env bash
# Runs each unit-test binary given; prints a total "N passed, N failed".
set -u
pass=0; fail=0; bad=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  if [ $rc -ne 0 ]; then bad=1; printf '%s\n' "$out" | grep -v '^ok  '; echo "FAILED: $t"; fi
done
echo "unit: $pass passed, $fail failed"
exit $bad
