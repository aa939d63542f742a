#!/usr/bin/env bash
# Builds what `npm ci` does not: the generated op glue, the native addon (against libtorch) and the
# TypeScript. Incremental: node-gyp and tsc only redo what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
node native/generate.mjs
if [ ! -f native/build/Makefile ] || [ native/binding.gyp -nt native/build/Makefile ] || [ "${LIBTORCH:-}" != "$(cat native/build/.libtorch 2>/dev/null || true)" ]; then
  (cd native && npx --no-install node-gyp configure)
  printf '%s' "${LIBTORCH:-}" > native/build/.libtorch
fi
(cd native && npx --no-install node-gyp build -j "$(nproc)")
npx --no-install tsc -p tsconfig.json
