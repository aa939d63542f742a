#!/usr/bin/env bash
# Session 21: rebuild the validation protocol's model cache (docs/tmu.md, "Before the queue"): Mo and the
# gold models of every target instance (10% of classes 2, 4, 6 at seeds 3-12; 20% at seeds 3-5) and of the
# guards (10% of class 3 and 1% at random, seeds 0-1). Fine-tune is the cheapest method that makes
# `tmu bench` train and cache both models; no TMU runs here, so nothing is judged.
# Run from the repository root: bash docs/runs/cache-s21.sh (resumable: cached models are reused).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=runs/cache-s21
mkdir -p "$out"
bench() { local name=$1; shift; [ -f "$out/$name/summary.md" ] || node bin/tmu.mjs bench --preset paper --methods finetune --no-noise-floor --cache runs/cache --out "$out/$name" --json "$@" > "$out/$name.json" 2> "$out/$name.log"; }
bench x1 --class 2,4,6 --fraction 0.1 --seeds 10 --first-seed 3
bench x2 --class 2,4,6 --fraction 0.2 --seeds 3 --first-seed 3
bench c3 --class 3 --fraction 0.1 --seeds 2 --first-seed 0
bench r1 --scenario random --fraction 0.01 --seeds 2 --first-seed 0
