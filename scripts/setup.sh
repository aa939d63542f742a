#!/usr/bin/env bash
# Installs everything tmu needs on a fresh Debian machine, idempotently: Debian packages (libtorch,
# OpenBLAS, Fashion-MNIST; with --test also PyTorch and scikit-learn for cross-checks, Chromium for
# browser tests, and Redis and PostgreSQL, which the scale-out tests start privately on loopback),
# npm dependencies, then the native addon and the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libopenblas0-pthread dataset-fashion-mnist)
if [ "${1:-}" = "--test" ]; then
  packages+=(python3-torch python3-torchvision python3-numpy python3-sklearn chromium redis-server postgresql)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "tmu setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "tmu setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last install.
mkdir -p .stamps
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat .stamps/npm-ci 2>/dev/null || true)" != "$lock_hash" ]; then
  echo "tmu setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > .stamps/npm-ci
fi

bash scripts/build.sh > .stamps/build.log 2>&1 || { cat .stamps/build.log >&2; echo "tmu setup: build failed (log above)" >&2; exit 1; }
