#!/usr/bin/env bash
# Session 21's diagnostic (docs/tmu.md, "Session 21"), declared before it ran: the gold model's weakness
# on the class it lost members of (holdout error minus Mo's) and the label-shift estimate of it, for every
# validation gold model in the cache (10% of classes 2, 4, 6 at seeds 3-12; 20% at seeds 3-5). Reads models
# only. Run from the repository root after docs/runs/cache-s21.sh: bash docs/runs/diag-s21.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=runs/cache/fashion-mnist-cnn-e10-nall
out=runs/diag-s21
mkdir -p "$out"
for seed in 3 4 5 6 7 8 9 10 11 12; do
  golds=()
  for gold in "$cache/seed-$seed"/gold-subclass-{2,4,6}-0.{1,2}; do
    [ -f "$gold/model.safetensors" ] && golds+=(--gold "$gold")
  done
  [ ${#golds[@]} -gt 0 ] || continue
  [ -f "$out/validation-seed-$seed.json" ] && [ "$(node -e "console.log(JSON.parse(require('fs').readFileSync('$out/validation-seed-$seed.json','utf8')).requests.length)")" = "$(( ${#golds[@]} / 2 ))" ] && continue
  node bin/with-runtime-env.mjs node dist/bench/tmuHardRate.js --model "$cache/seed-$seed/original" "${golds[@]}" > "$out/validation-seed-$seed.json.tmp" 2> "$out/validation-seed-$seed.log"
  mv "$out/validation-seed-$seed.json.tmp" "$out/validation-seed-$seed.json"
done
node --input-type=module - "$out" <<'JS'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
const dir = process.argv[2];
const rows = [];
for (const file of readdirSync(dir).filter((f) => /^validation-seed-\d+\.json$/.test(f))) {
  const { model, requests } = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  for (const request of requests) for (const c of request.byClass) {
    const e = c.errorPct;
    rows.push({ seed: Number(file.match(/\d+/)[0]), cls: c.class, fraction: Math.round(c.forgottenShare * 10) / 10,
      weakness: e.gold.holdout - e.original.holdout, dfDraw: e.gold.forget - e.gold.holdout, needed: e.gold.forget - e.original.holdout,
      prior: c.priorShift.calibrated.predictedShiftPct, priorRaw: c.priorShift.raw.predictedShiftPct, temperature: c.priorShift.calibrated.temperature });
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs) => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length));
const f = (x) => (x >= 0 ? '+' : '') + x.toFixed(2);
console.log('class fraction n | weakness (± se) | label-shift | slope 0.1 | needed: gold error on Df − Mo holdout error (± se) | mean |needed − estimate| for label-shift, slope 0.1, none');
for (const fraction of [0.1, 0.2]) for (const cls of [2, 4, 6]) {
  const group = rows.filter((r) => r.cls === cls && r.fraction === fraction);
  if (group.length === 0) continue;
  const w = group.map((r) => r.weakness);
  const mae = (estimate) => mean(group.map((r) => Math.abs(r.needed - estimate(r))));
  console.log(`${cls} ${fraction} ${group.length} | ${f(mean(w))} ± ${se(w).toFixed(2)} | ${f(mean(group.map((r) => r.prior)))} | ${f(100 * 0.1 * fraction)} | ${f(mean(group.map((r) => r.needed)))} ± ${se(group.map((r) => r.needed)).toFixed(2)} | ${mae((r) => r.prior).toFixed(2)} ${mae(() => 100 * 0.1 * fraction).toFixed(2)} ${mae(() => 0).toFixed(2)}`);
}
writeFileSync(`${dir}/validation-rows.json`, `${JSON.stringify({ rows }, null, 1)}\n`);
JS
