#!/usr/bin/env bash
# The SQL benchmark (issue 8): the 10 H2O groupby questions and the 22 TPC-H
# queries on our engine beside DuckDB (node, threads=2), SQLite (Debian's
# sqlite3) and, for H2O, ClickHouse 18.16 (Debian's clickhouse-server, started
# here from its own config on free ports in a temporary directory and stopped
# at the end), all on the same generated Parquet data. Prints one Markdown
# table per suite on stdout (per-query times, ratios, geometric means,
# correctness against DuckDB, the command); every run as JSON on stderr.
#
#   bash bench/sql_bench.sh [h2o|tpch|all]                  (default all)
#   H2O_N=1e7 TPCH_SF=1 RUNS=3 TIMEOUT=300 ENGINES=ours,duckdb,sqlite,clickhouse
#   ONLY=1,6 (questions)  DATA_DIR=/tmp/lh-sqlbench-data (generated data, kept)
# Needs: bash bench/install-deps.sh (sqlite3, clickhouse-server) once.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITES=${1:-all}
H2O_N=${H2O_N:-1e7}
TPCH_SF=${TPCH_SF:-1}
export RUNS=${RUNS:-3} TIMEOUT=${TIMEOUT:-300}
ENGINES_SET=${ENGINES:-}
export ENGINES=${ENGINES:-ours,duckdb,sqlite,clickhouse}
DATA_DIR=${DATA_DIR:-/tmp/lh-sqlbench-data}
COMMAND="H2O_N=$H2O_N TPCH_SF=$TPCH_SF RUNS=$RUNS TIMEOUT=$TIMEOUT${LOAD_SLACK:+ LOAD_SLACK=$LOAD_SLACK}${ONLY:+ ONLY=$ONLY}${ENGINES_SET:+ ENGINES=$ENGINES} bash bench/sql_bench.sh $SUITES"

make -s -j2 build/lakehouse build/liblh.a
pkgs="libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib snappy libzstd liblz4 libbrotlienc libbrotlidec"
cc_bench() { # out sources...
  local out=$1
  shift
  cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -Ibench $(pkg-config --cflags $pkgs) \
    -o "build/$out" "$@" bench/gen_out.c build/liblh.a $(pkg-config --libs $pkgs) -lpthread -lm
}
cc_bench h2o_gen bench/h2o_gen.c
cc_bench tpch_gen bench/tpch_gen.c bench/tpch_text.c
[ -d tests/js/node_modules/@duckdb/node-api ] || (cd tests/js && npm ci --silent)

WORK=$(mktemp -d /tmp/lh-sqlbench-XXXXXX)
CH_PID=""
cleanup() {
  if [ -n "$CH_PID" ]; then
    kill "$CH_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$CH_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$CH_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ClickHouse 18.16 from its own config: data, logs and ports of its own
start_clickhouse() {
  command -v clickhouse-server >/dev/null || { echo "sql_bench: no clickhouse-server (bash bench/install-deps.sh); skipping ClickHouse" >&2; return 0; }
  local d=$WORK/clickhouse tcp http
  mkdir -p "$d"
  tcp=$(free_port)
  http=$(free_port)
  cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/server.log</log><errorlog>$d/server.err.log</errorlog><size>100M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$tcp</tcp_port>
  <http_port>$http</http_port>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>1073741824</mark_cache_size>
</yandex>
EOF
  cat >"$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>16000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
  clickhouse-server --config-file="$d/config.xml" >"$d/stdout.log" 2>&1 &
  CH_PID=$!
  for _ in $(seq 100); do
    if clickhouse-client --port "$tcp" --query "SELECT 1" >/dev/null 2>&1; then
      export CH_PORT=$tcp
      echo "sql_bench: ClickHouse $(clickhouse-client --port "$tcp" --query 'SELECT version()') on 127.0.0.1:$tcp (pid $CH_PID)" >&2
      return 0
    fi
    kill -0 "$CH_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "sql_bench: ClickHouse did not start:" >&2
  tail -5 "$d/stdout.log" "$d/server.err.log" >&2 || true
  return 1
}

run_suite() { # suite data scale
  SUITE=$1 DATA=$2 SCALE=$3 WORK=$WORK BIN=$PWD/build/lakehouse COMMAND=$COMMAND \
    node bench/sql_bench.mjs
}

echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo ' (modified)'), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
mkdir -p "$DATA_DIR"
if [ "$SUITES" = all ] || [ "$SUITES" = h2o ]; then
  f=$DATA_DIR/h2o_${H2O_N}_1e2.parquet
  [ -f "$f" ] || { echo "sql_bench: generating $f" >&2; build/h2o_gen "$f.tmp" "$H2O_N" && mv "$f.tmp" "$f"; }
  case ",$ENGINES," in *,clickhouse,*) start_clickhouse ;; esac
  run_suite h2o "$f" "N=$H2O_N, K=100"
fi
if [ "$SUITES" = all ] || [ "$SUITES" = tpch ]; then
  d=$DATA_DIR/tpch_sf$TPCH_SF
  [ -f "$d/lineitem.parquet" ] || { echo "sql_bench: generating $d" >&2; rm -rf "$d.tmp" && build/tpch_gen "$d.tmp" "$TPCH_SF" && rm -rf "$d" && mv "$d.tmp" "$d"; }
  run_suite tpch "$d" "SF=$TPCH_SF"
fi
