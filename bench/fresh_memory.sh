#!/usr/bin/env bash
# What a page fault costs on this machine (bench/fresh_memory.c): the first
# write to MIB MiB (default 1024) a process maps, with 4 KiB and with huge
# pages, cold (freed 5 s before) and warm (freed a moment before by another
# process), against a memset of the same memory once mapped. ~30 s.
#   bash bench/fresh_memory.sh [MIB]
set -eu
cd "$(dirname "$0")/.."
mkdir -p build/bench
cc -std=c11 -O2 -Wall -Wextra -Werror -o build/bench/fresh_memory bench/fresh_memory.c
build/bench/fresh_memory "${1:-1024}"
