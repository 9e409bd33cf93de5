#!/usr/bin/env bash
# Bans calls we never want in the tree (like curl's checksrc).
set -eu
cd "$(dirname "$0")/.."
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets)\s*\(' src/*.c src/*/*.c 2>/dev/null || true)
if [ -n "$bad" ]; then echo "lint: banned calls:"; echo "$bad"; exit 1; fi
echo "lint: ok"
