#!/usr/bin/env bash
# The main job on the embedded default store: install into .venv, ingest the bundled OpenSSH
# sample, build its knowledge base, and answer a question with the value, the LogQL and the
# evidence. The demo store lives under .logcopilot/ (set LOGCOPILOT_HOME to put it elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export LOGCOPILOT_HOME="${LOGCOPILOT_HOME:-$PWD/.logcopilot}"
QUESTION="${1:-Which IP address had the most failed password attempts?}"
.venv/bin/logcopilot ingest src/logcopilot/data/OpenSSH_2k.log --system openssh --year 2015
.venv/bin/logcopilot index --system openssh
.venv/bin/logcopilot ask "$QUESTION" --system openssh
