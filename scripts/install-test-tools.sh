#!/usr/bin/env bash
# Installs the tools the test suite uses: Debian's Chromium and its
# WebDriver for the browser tests (with apt, as root), and the Python tools
# in a virtual environment under .venv, so the system Python stays untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "The browser tests need Chromium and its driver: sudo apt-get install -y chromium chromium-driver" >&2
    exit 1
  fi
fi
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv 2>/dev/null || { apt-get install -y -qq python3-venv >/dev/null && python3 -m venv .venv; }
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
