#!/usr/bin/env bash
# The orchestrator benchmark (issue 10): a fan-out of FANOUT no-op shell
# tasks, a chain of CHAIN, and DAGS DAG files of TASKS tasks, each on a fresh
# `lakehouse up` (release build) with flow.parallelism PAR, beside the same
# supervisor processes spawned from a tight loop (bench/flow_spawn.c).
# stdout: a Markdown table; stderr: progress and every scenario as JSON;
# build/flow_bench.jsonl: the same JSON lines. Takes about 6-10 minutes on 2 cores.
#   bash bench/flow_bench.sh        PAR=64 FANOUT=10000 CHAIN=2000 DAGS=1000 TASKS=10
# ONLY=fanout,chain,many picks scenarios. Never part of the test suite.
set -eu
cd "$(dirname "$0")/.."
make -s -j2 bench-flow
uptime >&2
exec /usr/bin/python3 bench/flow_bench.py --par "${PAR:-64}" --fanout "${FANOUT:-10000}" \
  --chain "${CHAIN:-2000}" --dags "${DAGS:-1000}" --tasks "${TASKS:-10}" \
  --only "${ONLY:-fanout,chain,many}"
