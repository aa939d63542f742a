#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (idempotent), then node's test runner over dist/test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
exec node bin/with-runtime-env.mjs node --test --test-reporter=spec "${files[@]}"
