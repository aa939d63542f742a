#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (idempotent), then node's test runner over dist/test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# Formatting and lint (Biome): the code as committed must pass them unchanged.
npx --no-install biome ci --colors=off .
# The compiled tests of the sources that exist (dist/ may still hold a deleted test's output).
mapfile -t files < <(find test -name '*.test.ts' | sort | sed -e 's#^test/#dist/test/#' -e 's#\.ts$#.js#')
exec node bin/with-runtime-env.mjs node --test --test-reporter=spec "${files[@]}"
