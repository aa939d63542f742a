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
# better-sqlite3 (the ledger) compiles SQLite from its package; npm may skip dependencies' install
# scripts (npm 11 asks for approval), and its prebuilt download needs the internet: build it here if absent.
if [ ! -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  echo "tmu build: compiling better-sqlite3 (SQLite) from source" >&2
  (cd node_modules/better-sqlite3 && npx --no-install node-gyp rebuild --release -j "$(nproc)" >&2)
fi
npx --no-install tsc -p tsconfig.json
