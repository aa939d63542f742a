/**
 * Engine benchmark: tmu against PyTorch (Debian's python3-torch, the same libtorch) on the same models,
 * data, batch size, optimizer and thread count, in one run, plus tmu's memory growth over a long
 * training run. See bench/README.md.
 *
 *   npm run bench:engine -- [--json] [--quick] [--threads N] [--rounds R] [--models a,b]
 *                           [--rss-steps FROM,TO] [--no-rss] [--seed S] [--python PATH] [--data-dir DIR]
 *
 * Prints the result on stdout (JSON with --json, a table otherwise); progress goes to stderr (a bar on a
 * terminal, JSON lines otherwise). Exits non-zero with a one-line error on failure.
 *
 * @module
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/index.js';
import { liveTensors } from '../src/tensor/index.js';
import { consoleProgress, type ProgressSink } from '../src/train/progress.js';
import { type Chunk, type EngineRunner, MODEL_NAMES, type ModelName, median, round } from './lib/common.js';
import { PyTorchWorker } from './lib/pytorchWorker.js';
import type { RssResult } from './lib/rssRun.js';
import { MODEL_PAD, type Preloaded, preload, TmuRunner } from './lib/tmuRunner.js';

const USAGE = `usage: npm run bench:engine -- [options]

Trains and infers the same models with tmu and with PyTorch (alternating short timed chunks), and
measures tmu's RSS growth over a long small-cnn training run.

  --json              print the result as one JSON object (default: a table)
  --quick             fewer rounds and a shorter RSS run (finishes in about two minutes)
  --threads N         intra-op threads for both engines (default: available cores)
  --rounds R          alternating rounds per model (default 7, quick 3)
  --chunk-seconds T   length of each timed chunk (default 2, quick 1)
  --models LIST       comma-separated subset of ${MODEL_NAMES.join(', ')}
  --rss-steps A,B     RSS growth between training steps A and B (default 1000,10000; quick 100,1000)
  --no-rss            skip the RSS run (rssGrowthPct is then null)
  --rss-yield N       let the event loop turn every N steps of the RSS run (default 0: a synchronous
                      loop, as tmu's trainer runs; for diagnosing memory held by pending finalizers)
  --seed S            model initialisation seed (default 0)
  --python PATH       interpreter that imports torch (default /usr/bin/python3)
  --data-dir DIR      Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)
  -h, --help          this help`;

/** Untimed steps at the start of each chunk (mode switch, caches) and once per engine and model. */
const CHUNK_WARMUP = 1;
const INITIAL_WARMUP = 5;
const BATCH = 128;

interface Options {
  json: boolean;
  quick: boolean;
  threads: number;
  rounds: number;
  chunkSeconds: number;
  models: ModelName[];
  rssSteps: [number, number] | null;
  rssYield: number;
  seed: number;
  python: string;
  dataDir: string;
}

class UsageError extends Error {}

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      threads: { type: 'string' },
      rounds: { type: 'string' },
      'chunk-seconds': { type: 'string' },
      models: { type: 'string' },
      'rss-steps': { type: 'string' },
      'no-rss': { type: 'boolean', default: false },
      'rss-yield': { type: 'string', default: '0' },
      seed: { type: 'string', default: '0' },
      python: { type: 'string', default: '/usr/bin/python3' },
      'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const quick = values.quick;
  const models = values.models === undefined ? [...MODEL_NAMES] : values.models.split(',').map((name) => name.trim());
  for (const name of models) {
    if (!(MODEL_NAMES as readonly string[]).includes(name))
      throw new UsageError(`unknown model '${name}' (valid: ${MODEL_NAMES.join(', ')})`);
  }
  let rssSteps: [number, number] | null = quick ? [100, 1000] : [1000, 10000];
  const chunkSeconds = Number(values['chunk-seconds'] ?? (quick ? 1 : 2));
  if (!(chunkSeconds > 0 && chunkSeconds <= 600))
    throw new UsageError(`--chunk-seconds must be a number in (0, 600], got '${values['chunk-seconds']}'`);
  if (values['rss-steps'] !== undefined) {
    const parts = values['rss-steps'].split(',');
    if (parts.length !== 2) throw new UsageError(`--rss-steps takes FROM,TO, got '${values['rss-steps']}'`);
    rssSteps = [positiveInt('--rss-steps', parts[0]!), positiveInt('--rss-steps', parts[1]!)];
    if (rssSteps[1] <= rssSteps[0]) throw new UsageError('--rss-steps: TO must be larger than FROM');
  }
  if (values['no-rss']) rssSteps = null;
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
  return {
    json: values.json,
    quick,
    threads: values.threads === undefined ? availableParallelism() : positiveInt('--threads', values.threads),
    rounds: values.rounds === undefined ? (quick ? 3 : 7) : positiveInt('--rounds', values.rounds),
    chunkSeconds,
    models: models as ModelName[],
    rssSteps,
    rssYield: values['rss-yield'] === '0' ? 0 : positiveInt('--rss-yield', values['rss-yield']),
    seed,
    python: values.python,
    dataDir: values['data-dir'],
  };
}

/** bench/lib/pytorch_worker.py, found from this file (dist/bench/engine.js) or the source tree. */
function workerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, 'lib', 'pytorch_worker.py'),
    resolve(here, '..', '..', 'bench', 'lib', 'pytorch_worker.py'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot find bench/lib/pytorch_worker.py from ${here}`);
}

/** Runs lib/rssRun.js in a child process (same runtime environment); its progress shares our stderr. */
function rssRun(options: Options): Promise<RssResult> {
  const [from, to] = options.rssSteps!;
  const script = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'rssRun.js');
  const args = [
    script,
    String(from),
    String(to),
    String(options.threads),
    String(options.seed),
    options.dataDir,
    String(options.rssYield),
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`the RSS run failed (${signal ?? `exit code ${code}`})`));
        return;
      }
      try {
        resolvePromise(JSON.parse(out.trim().split('\n').pop() ?? '') as RssResult);
      } catch {
        reject(new Error(`the RSS run printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** One round's paired measurements (images per second). */
interface Round {
  order: string;
  tmuTrain: number;
  pytorchTrain: number;
  tmuInfer: number;
  pytorchInfer: number;
  trainRatio: number;
  inferRatio: number;
  trainRatioCpu: number;
  inferRatioCpu: number;
}

interface EngineSummary {
  trainImgPerS: number;
  inferImgPerS: number;
  /** Images per CPU-second (all threads): less sensitive to other processes than wall-clock rates. */
  trainImgPerCpuS: number;
  inferImgPerCpuS: number;
}

interface ModelResult {
  name: ModelName;
  tmu: EngineSummary;
  pytorch: EngineSummary;
  trainRatio: number;
  inferRatio: number;
  trainRatioOfMedians: number;
  inferRatioOfMedians: number;
  trainRatioRange: [number, number];
  inferRatioRange: [number, number];
  /** The same paired medians on images per CPU-second. */
  trainRatioCpu: number;
  inferRatioCpu: number;
  /** Training loss of both engines after the same first steps from the same initialisation. */
  checkLoss: { steps: number; tmu: number; pytorch: number };
  rounds: Round[];
}

const rate = (chunk: Chunk): number => chunk.images / chunk.seconds;
const cpuRate = (chunk: Chunk): number => chunk.images / chunk.cpuSeconds;

function summarise(train: Chunk[], infer: Chunk[]): EngineSummary {
  return {
    trainImgPerS: round(median(train.map(rate))),
    inferImgPerS: round(median(infer.map(rate))),
    trainImgPerCpuS: round(median(train.map(cpuRate))),
    inferImgPerCpuS: round(median(infer.map(cpuRate))),
  };
}

/**
 * Alternates the two engines in short chunks, ABBA-style (the order flips every round, so a load trend
 * favours neither), and pairs each tmu chunk with the adjacent PyTorch chunk of the same kind.
 */
async function compareModel(
  name: ModelName,
  data: Preloaded,
  worker: PyTorchWorker,
  options: Options,
  progress: ProgressSink,
): Promise<ModelResult> {
  const tmu = new TmuRunner(name, data, { threads: options.threads, seed: options.seed, batch: BATCH });
  try {
    const info = await worker.setup({
      model: name,
      threads: options.threads,
      seed: options.seed,
      batch: BATCH,
      dataDir: options.dataDir,
    });
    if (info.samples !== data.x.size(0))
      throw new Error(`PyTorch loaded ${info.samples} samples, tmu ${data.x.size(0)}`);
    const seconds = options.chunkSeconds;
    // Warm-up: first steps allocate and fill caches in both engines. Both have trained the same
    // batches from the same initialisation now, so their losses must agree (a check on the setup).
    const tmuCheck = await tmu.train(0, INITIAL_WARMUP);
    const pytorchCheck = await worker.train(0, INITIAL_WARMUP);
    await tmu.infer(0, INITIAL_WARMUP);
    await worker.infer(0, INITIAL_WARMUP);
    const chunks = {
      tmu: { train: [] as Chunk[], infer: [] as Chunk[] },
      pytorch: { train: [] as Chunk[], infer: [] as Chunk[] },
    };
    const rounds: Round[] = [];
    const task = progress.task(`compare ${name}`, options.rounds, { threads: options.threads });
    const liveBefore = liveTensors();
    for (let r = 0; r < options.rounds; r++) {
      const engines: [EngineRunner, EngineRunner] = r % 2 === 0 ? [tmu, worker] : [worker, tmu];
      const got = new Map<string, { train: Chunk; infer: Chunk }>();
      const train = new Map<string, Chunk>();
      for (const engine of engines) train.set(engine.name, await engine.train(seconds, CHUNK_WARMUP));
      // The second engine of the training pair goes first in the inference pair (A B | B A).
      for (const engine of [...engines].reverse())
        got.set(engine.name, { train: train.get(engine.name)!, infer: await engine.infer(seconds, CHUNK_WARMUP) });
      const t = got.get('tmu')!;
      const p = got.get('pytorch')!;
      for (const [side, result] of [
        ['tmu', t],
        ['pytorch', p],
      ] as const) {
        chunks[side].train.push(result.train);
        chunks[side].infer.push(result.infer);
      }
      const round_: Round = {
        order: engines.map((engine) => engine.name).join('>'),
        tmuTrain: round(rate(t.train)),
        pytorchTrain: round(rate(p.train)),
        tmuInfer: round(rate(t.infer)),
        pytorchInfer: round(rate(p.infer)),
        trainRatio: round(rate(t.train) / rate(p.train)),
        inferRatio: round(rate(t.infer) / rate(p.infer)),
        trainRatioCpu: round(cpuRate(t.train) / cpuRate(p.train)),
        inferRatioCpu: round(cpuRate(t.infer) / cpuRate(p.infer)),
      };
      rounds.push(round_);
      task.tick(1, {
        trainRatio: round_.trainRatio,
        inferRatio: round_.inferRatio,
        tmuTrain: Math.round(round_.tmuTrain),
        ptTrain: Math.round(round_.pytorchTrain),
      });
    }
    const leaked = liveTensors() - liveBefore;
    if (leaked !== 0) throw new Error(`tmu: ${leaked} tensors leaked during the ${name} rounds`);
    const tmuSummary = summarise(chunks.tmu.train, chunks.tmu.infer);
    const pytorchSummary = summarise(chunks.pytorch.train, chunks.pytorch.infer);
    const trainRatios = rounds.map((x) => x.trainRatio);
    const inferRatios = rounds.map((x) => x.inferRatio);
    const result: ModelResult = {
      name,
      tmu: tmuSummary,
      pytorch: pytorchSummary,
      trainRatio: round(median(trainRatios), 3),
      inferRatio: round(median(inferRatios), 3),
      trainRatioOfMedians: round(tmuSummary.trainImgPerS / pytorchSummary.trainImgPerS, 3),
      inferRatioOfMedians: round(tmuSummary.inferImgPerS / pytorchSummary.inferImgPerS, 3),
      trainRatioRange: [Math.min(...trainRatios), Math.max(...trainRatios)],
      inferRatioRange: [Math.min(...inferRatios), Math.max(...inferRatios)],
      trainRatioCpu: round(median(rounds.map((x) => x.trainRatioCpu)), 3),
      inferRatioCpu: round(median(rounds.map((x) => x.inferRatioCpu)), 3),
      checkLoss: { steps: INITIAL_WARMUP + 1, tmu: round(tmuCheck.loss!, 6), pytorch: round(pytorchCheck.loss!, 6) },
      rounds,
    };
    task.done({ trainRatio: result.trainRatio, inferRatio: result.inferRatio });
    return result;
  } finally {
    tmu.dispose();
  }
}

function table(result: Record<string, unknown> & { models: ModelResult[]; rssGrowthPct: number | null }): string {
  const lines = ['model                 engine    train img/s  infer img/s'];
  for (const model of result.models) {
    lines.push(
      `${model.name.padEnd(22)}tmu      ${String(model.tmu.trainImgPerS).padStart(12)} ${String(model.tmu.inferImgPerS).padStart(12)}`,
    );
    lines.push(
      `${''.padEnd(22)}pytorch  ${String(model.pytorch.trainImgPerS).padStart(12)} ${String(model.pytorch.inferImgPerS).padStart(12)}`,
    );
    lines.push(
      `${''.padEnd(22)}ratio    ${String(model.trainRatio).padStart(12)} ${String(model.inferRatio).padStart(12)}`,
    );
  }
  lines.push(`rssGrowthPct ${result.rssGrowthPct ?? 'n/a'} (${JSON.stringify(result.rss)})`);
  lines.push(
    `threads ${String(result.threads)}, quick ${String(result.quick)}, rounds ${String(result.rounds)}; ratios are medians of paired per-round ratios`,
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:engine: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }
  const progress = consoleProgress();
  const started = performance.now();
  const loadStart = loadavg()[0]!;
  // The worker imports torch and loads its data while tmu loads its own; nothing is timed yet.
  const worker = options.models.length > 0 ? new PyTorchWorker(options.python, workerScript()) : null;
  try {
    const dataset = loadDataset('fashion-mnist', { dataDir: options.dataDir }).train;
    progress.log('start', {
      threads: options.threads,
      quick: String(options.quick),
      rounds: options.rounds,
      models: options.models.join(','),
      cpus: cpus().length,
      loadavg1: round(loadStart, 3),
    });
    const models: ModelResult[] = [];
    for (const name of options.models) {
      const data = preload(dataset, MODEL_PAD[name]);
      try {
        models.push(await compareModel(name, data, worker!, options, progress));
      } finally {
        data.dispose();
      }
    }
    // The worker's memory is released before tmu's RSS run.
    await worker?.close();
    const rss = options.rssSteps === null ? null : await rssRun(options);
    const result = {
      models,
      rssGrowthPct: rss?.rssGrowthPct ?? null,
      threads: options.threads,
      quick: options.quick,
      rounds: options.rounds,
      chunkSeconds: options.chunkSeconds,
      batch: BATCH,
      ratioMethod:
        'trainRatio/inferRatio: median over rounds of tmu/pytorch, each round pairing adjacent chunks (ABBA order); engine img/s: median over chunks',
      rss:
        rss === null
          ? null
          : {
              ...rss,
              note: `RSS growth of tmu small-cnn training between step ${rss.fromStep} and step ${rss.toStep}${options.quick ? ' (quick: shorter than the full 1000 -> 10000)' : ''}`,
            },
      torchVersion: worker?.torchVersion ?? null,
      machine: { cpus: cpus().length, loadavg1Start: round(loadStart, 3), loadavg1End: round(loadavg()[0]!, 3) },
      seconds: round((performance.now() - started) / 1000),
    };
    console.log(options.json ? JSON.stringify(result) : table(result));
    return 0;
  } finally {
    if (worker !== null) await worker.close().catch(() => undefined);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench:engine: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
