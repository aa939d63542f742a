#!/usr/bin/env bash
# The main job on a fresh machine: set-up (idempotent), then `tmu demo` on Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/tmu.mjs demo "$@"
