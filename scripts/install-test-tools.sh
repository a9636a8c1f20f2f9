#!/usr/bin/env bash
# Installs the Python tools the test suite uses (in a virtual environment
# under .venv, so the system Python stays untouched).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv 2>/dev/null || { apt-get install -y -qq python3-venv >/dev/null && python3 -m venv .venv; }
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
