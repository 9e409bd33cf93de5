#!/usr/bin/env bash
# Installs every Debian and npm package that the build, the tests and the main
# job need. Idempotent; runs as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  # build
  build-essential pkg-config clang libclang-rt-14-dev clang-format-14
  libuv1-dev libjansson-dev libyaml-dev libsqlite3-dev libssl-dev
  libcurl4-openssl-dev zlib1g-dev libpcre2-dev libedit-dev libutf8proc-dev
  # parquet page codecs (src/parquet/codec.c)
  libsnappy-dev libzstd-dev liblz4-dev libbrotli-dev
  # the Kafka client library (lakehouse topic, bench/kafka_load.c, bench/kafka-mock.c)
  librdkafka-dev
  # tests: real clients
  python3 python3-pytest python3-pytest-timeout python3-pytest-xdist python3-boto3 python3-requests
  awscli s3cmd rclone curl prometheus openssl sqlite3 zstd
  kcat python3-kafka python3-confluent-kafka
  # tests: DAG examples against docs/dag.schema.json (tests/integration/test_dag_validate.py)
  python3-yaml python3-jsonschema
  nodejs npm
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from a newer Node.js install; do not pull Debian's npm over it
if command -v npm >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = npm ] || [ "$p" = nodejs ] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for the JavaScript S3 client test, from the lock file
if [ -f tests/js/package-lock.json ]; then
  (cd tests/js && { [ -d node_modules ] && npm ls --silent >/dev/null 2>&1; } || npm ci --no-audit --no-fund --loglevel=error)
fi
