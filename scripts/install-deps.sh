#!/usr/bin/env bash
# Installs the system packages Meent needs to build and test, when missing.
# As root it installs them with apt; otherwise it prints the command to run.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   plus what the test suite needs
set -euo pipefail

packages=(libsqlite3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev python3 python3-pip)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(curl)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Meent needs these system packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "Swift 6.1 or newer is needed (swift is not on PATH)." >&2
  exit 1
fi
