#!/usr/bin/env bash
# Lint: banned calls (like curl's checksrc) and the allowed include edges
# between folders (docs/architecture.md). Fails on the first kind of breach.
set -eu
cd "$(dirname "$0")/.."
fail=0
srcs=$(find src -name '*.[ch]' | sort)

bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets)\s*\(' $srcs 2>/dev/null || true)
if [ -n "$bad" ]; then echo "lint: banned calls:"; echo "$bad"; fail=1; fi

# Which project headers each folder may include: its own, plus these.
# core <- every service; vector <- parquet <- table <- sql <- query; the object-store
# interface store/objstore.h <- parquet, table, sql, notebook, flow; web includes no
# service (roles contribute routes through their descriptors); cmd and main.c
# may include anything.
allowed() {
  case "$1" in
    core)     echo "core" ;;
    vector)   echo "core vector" ;;
    parquet)  echo "core vector parquet store/objstore.h" ;;
    table)    echo "core vector parquet table store/objstore.h" ;;
    sql)      echo "core vector parquet table sql store/objstore.h" ;;
    query)    echo "core vector table sql query" ;;
    store)    echo "core store" ;;
    stream)   echo "core stream" ;;
    flow)     echo "core flow store/objstore.h" ;;
    notebook) echo "core notebook store/objstore.h" ;;
    web)      echo "core web" ;;
    demo)     echo "core demo" ;;
    cmd|main) echo "*" ;;
    *)        echo "" ;;
  esac
}
for f in $srcs; do
  rel=${f#src/}
  mod=${rel%%/*}
  [ "$mod" = "$rel" ] && mod=main
  ok=$(allowed "$mod")
  [ "$ok" = "*" ] && continue
  if [ -z "$ok" ]; then echo "lint: $f: folder src/$mod/ has no include rule in scripts/lint.sh"; fail=1; continue; fi
  while IFS= read -r inc; do
    hdir=${inc%%/*}
    pass=0
    for a in $ok; do
      if [ "$a" = "$hdir" ] || [ "$a" = "$inc" ]; then pass=1; fi
    done
    if [ $pass = 0 ]; then echo "lint: $f includes \"$inc\": src/$mod/ may include only: $ok"; fail=1; fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
# the object-store interface stays free of the engine
if grep -q '#include "store/engine.h"' src/store/objstore.h; then
  echo "lint: src/store/objstore.h must not include store/engine.h"; fail=1
fi
[ $fail = 0 ] && echo "lint: ok"
exit $fail
