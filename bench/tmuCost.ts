/**
 * TMU's cost against the gold model's training, measured side by side in one run (issue 4: a request
 * <= 5% of a gold training, the twin build <= 50%). `tmu bench` reuses cached gold models, so the gold
 * seconds in its reports were timed in another run, under another load; this bench trains a gold model
 * (Mo's recipe, seed and architecture, without the first forget set) in its own process and does TMU's
 * work between the training's epochs: twin builds and deletion requests, each request taken in-process
 * and, with `--cli`, as a fresh `tmu unlearn` process (what one command-line request costs, warm-up
 * included). The gold model itself is discarded; Mo's own folder is not touched (the twin is built in a
 * copy of it).
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuCost.js --model MO_DIR --gold GOLD_DIR [--gold GOLD_DIR ...]
 *     [--twin-builds 2] [--cli] [--json] [--out FILE] [--param k=v ...]
 *
 * Each GOLD_DIR is a model trained with Mo's recipe without one forget set (its excluded ids are the
 * request), e.g. the `gold-*` folders of `tmu bench --cache DIR`. Prints one JSON object: the timings and
 * the shares (bench/lib/costShares.ts); `--out` also writes it, for `tmuAcceptance --cost`. `--param` sets
 * TMU's parameters (as `tmu unlearn --param` does; default: TMU's defaults) for the twin builds and every
 * request, in-process and command-line alike, so a declared variant's cost is measured the same way.
 *
 * @module
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeTextAtomic } from '../src/data/files.js';
import { createModel } from '../src/models/architecture.js';
import { getNumThreads } from '../src/tensor/index.js';
import { loadModel, MODEL_FILES, readExcludedIds } from '../src/train/modelStore.js';
import { consoleProgress } from '../src/train/progress.js';
import { initialiseSeed, train } from '../src/train/trainer.js';
import { parseParamPairs, resolveParams } from '../src/unlearn/params.js';
import { buildContext, prepareOriginal, runMethod } from '../src/unlearn/run.js';
import { tmu, twinOptions } from '../src/unlearn/tmu/tmu.js';
import { disposeTwin, loadOrBuildTwin } from '../src/unlearn/tmu/twin.js';
import { type CostMeasurements, costSchedule, costShares, type RequestTiming } from './lib/costShares.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    gold: { type: 'string', multiple: true },
    'twin-builds': { type: 'string', default: '2' },
    cli: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    param: { type: 'string', multiple: true },
  },
});
if (!args.model || !args.gold?.length)
  throw new Error(
    'usage: tmuCost --model MO_DIR --gold GOLD_DIR [--gold GOLD_DIR ...] [--twin-builds N] [--cli] [--json] [--out FILE] [--param k=v ...]',
  );
const paramPairs = args.param ?? [];
const rawParams = parseParamPairs(paramPairs);
// Resolved once up front, so a bad parameter fails before the gold training starts.
const tmuParams = resolveParams(tmu, rawParams);
const twinBuilds = Number(args['twin-builds']);
if (!Number.isInteger(twinBuilds) || twinBuilds < 1)
  throw new Error(`--twin-builds must be an integer >= 1, got ${args['twin-builds']}`);
const progress = consoleProgress({ json: args.json });

// Mo's weights, sidecar, split and curriculum checkpoint, copied: the twin builds write beside the copy.
const work = mkdtempSync(join(tmpdir(), 'tmu-cost-'));
const copy = join(work, 'original');
mkdirSync(copy);
for (const file of [MODEL_FILES.weights, MODEL_FILES.sidecar, MODEL_FILES.split, MODEL_FILES.curriculum]) {
  if (existsSync(join(args.model, file))) copyFileSync(join(args.model, file), join(copy, file));
}

try {
  const original = prepareOriginal(copy);
  const sidecar = original.loaded.sidecar;
  if (!sidecar.recipe) throw new Error(`${args.model}: the model has no training recipe in its sidecar`);
  const requests = args.gold.map((goldDir, index) => {
    const gold = loadModel(goldDir);
    gold.model.dispose();
    if (!gold.sidecar.excluded) throw new Error(`${goldDir}: not a gold model (it excludes no samples)`);
    if (gold.sidecar.split.digest !== sidecar.split.digest)
      throw new Error(`${goldDir}: trained on another split than ${args.model}`);
    if (JSON.stringify(gold.sidecar.recipe) !== JSON.stringify(sidecar.recipe))
      throw new Error(`${goldDir}: trained with another recipe than ${args.model}`);
    const ids = readExcludedIds(goldDir, gold.sidecar);
    const forgetFile = join(work, `forget-${index}.json`);
    writeFileSync(forgetFile, JSON.stringify({ ids }));
    return { goldDir, goldDigest: gold.sidecar.digest, ids, forgetFile };
  });
  const seed = sidecar.recipe.seed;
  const recipe = sidecar.recipe;
  const measured: CostMeasurements = {
    originalDigest: sidecar.digest,
    goldEpochSeconds: [],
    twinBuilds: [],
    requests: [],
  };
  const schedule = costSchedule(recipe.epochs, requests.length, { twinBuilds, cli: args.cli });
  progress.log('tmu cost', {
    model: args.model,
    forgetSets: requests.length,
    epochs: recipe.epochs,
    threads: getNumThreads(),
    work: schedule.length,
  });

  // TMU's per-class calibrations (paid by a class's first request, then cached), timed apart from the request.
  const calibrationOf = (summary: Record<string, unknown>): number => {
    const seconds = summary.seconds as Record<string, number> | undefined;
    return (seconds?.shareCalibration ?? 0) + (seconds?.calibration ?? 0);
  };
  const request = (index: number, processKind: RequestTiming['process'], afterEpoch: number): void => {
    const { ids, goldDigest, forgetFile } = requests[index]!;
    if (processKind === 'in-process') {
      const ctx = buildContext(original, ids, { seed, progress });
      const result = runMethod(ctx, tmu, rawParams);
      result.model.dispose();
      const perRequestSeconds = Number(result.summary.perRequestSeconds);
      const calibrationSeconds = calibrationOf(result.summary);
      measured.requests.push({
        process: 'in-process',
        afterEpoch,
        goldDigest,
        forget: ids.length,
        perRequestSeconds,
        wallSeconds: result.seconds,
        calibrationSeconds,
      });
      progress.log('tmu cost request', {
        afterEpoch,
        process: 'in-process',
        forget: ids.length,
        perRequestSeconds,
        calibrationSeconds,
        wallSeconds: Number(result.seconds.toFixed(3)),
      });
      return;
    }
    const out = join(work, `unlearned-${measured.requests.length}`);
    const started = performance.now();
    const child = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'tmu.mjs'),
        'unlearn',
        '--model',
        copy,
        '--forget',
        forgetFile,
        '--method',
        'tmu',
        '--seed',
        String(seed),
        '--out',
        out,
        '--json',
        ...paramPairs.flatMap((pair) => ['--param', pair]),
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const wallSeconds = (performance.now() - started) / 1000;
    if (child.status !== 0) throw new Error(`tmu unlearn exited with ${child.status}: ${child.stderr.slice(-2000)}`);
    const printed = JSON.parse(child.stdout) as {
      summary: { perRequestSeconds: number; seconds?: Record<string, number> };
    };
    rmSync(out, { recursive: true, force: true });
    measured.requests.push({
      process: 'cli',
      afterEpoch,
      goldDigest,
      forget: ids.length,
      perRequestSeconds: printed.summary.perRequestSeconds,
      wallSeconds,
      calibrationSeconds: calibrationOf(printed.summary),
    });
    progress.log('tmu cost request', {
      afterEpoch,
      process: 'cli',
      forget: ids.length,
      perRequestSeconds: printed.summary.perRequestSeconds,
      wallSeconds: Number(wallSeconds.toFixed(3)),
    });
  };
  const buildTwin = (afterEpoch: number): void => {
    const ctx = buildContext(original, requests[0]!.ids, { seed, progress });
    const started = performance.now();
    const twin = loadOrBuildTwin(ctx, twinOptions(tmuParams, seed), true);
    const seconds = (performance.now() - started) / 1000;
    disposeTwin(twin);
    measured.twinBuilds.push({ afterEpoch, seconds });
    progress.log('tmu cost twin', { afterEpoch, seconds: Number(seconds.toFixed(3)) });
  };

  // The gold model of the first forget set, trained as `tmu bench` trains it; the work runs between epochs.
  const excluded = new Set(requests[0]!.ids);
  initialiseSeed(recipe.seed);
  const goldModel = createModel(sidecar.architecture);
  try {
    train({
      model: goldModel,
      dataset: original.data.train,
      ids: original.loaded.split.member.filter((id) => !excluded.has(id)),
      recipe,
      normalize: sidecar.dataset.normalize,
      progress,
      onEpochEnd: (epoch, log) => {
        measured.goldEpochSeconds.push(log.seconds!);
        for (const { afterEpoch, work: item } of schedule) {
          if (afterEpoch !== epoch) continue;
          if (item.kind === 'twin') buildTwin(epoch);
          else request(item.forgetSet, item.process, epoch);
        }
      },
    });
  } finally {
    goldModel.dispose();
  }
  original.loaded.model.dispose();

  const shares = costShares(measured);
  const result = {
    model: args.model,
    params: rawParams,
    settings: tmuParams,
    golds: requests.map((r) => ({ dir: r.goldDir, digest: r.goldDigest, forget: r.ids.length })),
    threads: getNumThreads(),
    measured,
    shares,
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeTextAtomic(args.out, text);
  }
  process.stdout.write(text);
} finally {
  rmSync(work, { recursive: true, force: true });
}
