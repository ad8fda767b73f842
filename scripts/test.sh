#!/usr/bin/env bash
# Install everything the project needs into .venv (from scratch on a fresh machine) and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
