#!/usr/bin/env bash
# The main job: installs dependencies, builds, and starts every role of the
# platform on its embedded defaults (data in ./lakehouse-data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
make -j"$(nproc)" all
exec build/lakehouse up "$@"
