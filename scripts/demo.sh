#!/usr/bin/env bash
# Install into .venv and run the main job on the embedded default store (a demo home under .logcopilot/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export LOGCOPILOT_HOME="${LOGCOPILOT_HOME:-$PWD/.logcopilot}"
.venv/bin/logcopilot ingest src/logcopilot/data/OpenSSH_2k.log --system openssh --format OpenSSH --year 2015
.venv/bin/logcopilot stats
