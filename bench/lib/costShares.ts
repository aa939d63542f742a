/**
 * Issue 4's cost criteria from measurements taken side by side in one run (bench/tmuCost.ts): a request's
 * seconds and a twin build's seconds as shares of the gold model's training seconds, all timed in the
 * same process under the same load, so the shares do not mix machines' moods.
 *
 * @module
 */

import type { Report } from '../../src/eval/report.js';
import { scenarioKey } from './mergeReports.js';
import { methodSettingsDifferences } from './methodSettings.js';

/** One timed deletion request. */
export interface RequestTiming {
  /** `in-process`: TMU run inside the bench's process; `cli`: a fresh `tmu unlearn` process. */
  process: 'in-process' | 'cli';
  /** The gold epoch after which it ran. */
  afterEpoch: number;
  /** Digest of the gold model trained without this forget set (names the request). */
  goldDigest: string;
  forget: number;
  /** TMU's own per-request seconds: features of Df, transfer and update. */
  perRequestSeconds: number;
  /** Wall-clock seconds: the method call in-process, the whole command for `cli`. */
  wallSeconds: number;
  /**
   * Seconds of TMU's per-class twin calibrations this request paid (`hardRateCalibration=twin`): the first
   * request of a class on an original model calibrates it, later ones reuse the cache. Amortised state
   * like the twin, so it counts with the twin build, not the request.
   */
  calibrationSeconds?: number;
}

/** Everything one run measured. */
export interface CostMeasurements {
  originalDigest: string;
  /** Seconds of each gold training epoch (the gold training's seconds are their sum). */
  goldEpochSeconds: number[];
  twinBuilds: { afterEpoch: number; seconds: number }[];
  requests: RequestTiming[];
}

/** Per forget set (gold model), the requests' mean seconds and their share of the gold training. */
export interface ForgetSetCost {
  goldDigest: string;
  forget: number;
  requests: number;
  perRequestSeconds: number;
  perRequestShare: number;
  /** The same for fresh `tmu unlearn` processes, when the run made any. */
  cli: {
    requests: number;
    perRequestSeconds: number;
    perRequestShare: number;
    wallSeconds: number;
    wallShare: number;
  } | null;
}

/** The cost criteria of issue 4 over one run. */
export interface CostShares {
  originalDigest: string;
  goldTrainingSeconds: number;
  forgetSets: ForgetSetCost[];
  twin: { builds: number; maxSeconds: number; share: number } | null;
  /** The slowest per-class calibration a request paid, and the twin build with it (null: none calibrated). */
  calibration: { maxSeconds: number; share: number; twinWithCalibrationShare: number | null } | null;
  holds: { perRequest5pct: boolean; cliPerRequest5pct: boolean | null; twin50pct: boolean | null };
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Shares of the gold training: per forget set the mean per-request seconds (in-process; fresh processes
 * separately), and the slowest twin build, judged with the slowest calibration a request paid (the
 * amortised state a request's classes need). Throws if the run timed no gold epoch or no in-process request.
 */
export function costShares(measured: CostMeasurements): CostShares {
  if (measured.goldEpochSeconds.length === 0) throw new Error('cost: no gold training epoch was timed');
  const gold = measured.goldEpochSeconds.reduce((a, b) => a + b, 0);
  const inProcess = measured.requests.filter((r) => r.process === 'in-process');
  if (inProcess.length === 0) throw new Error('cost: no in-process request was timed');
  const digests = [...new Set(measured.requests.map((r) => r.goldDigest))];
  const forgetSets = digests.map((goldDigest): ForgetSetCost => {
    const own = inProcess.filter((r) => r.goldDigest === goldDigest);
    const cli = measured.requests.filter((r) => r.goldDigest === goldDigest && r.process === 'cli');
    if (own.length === 0)
      throw new Error(`cost: the forget set of gold model ${goldDigest} has only fresh-process requests`);
    const perRequest = mean(own.map((r) => r.perRequestSeconds));
    const cliPerRequest = cli.length ? mean(cli.map((r) => r.perRequestSeconds)) : Number.NaN;
    const cliWall = cli.length ? mean(cli.map((r) => r.wallSeconds)) : Number.NaN;
    return {
      goldDigest,
      forget: own[0]!.forget,
      requests: own.length,
      perRequestSeconds: perRequest,
      perRequestShare: perRequest / gold,
      cli: cli.length
        ? {
            requests: cli.length,
            perRequestSeconds: cliPerRequest,
            perRequestShare: cliPerRequest / gold,
            wallSeconds: cliWall,
            wallShare: cliWall / gold,
          }
        : null,
    };
  });
  const twinMax = measured.twinBuilds.length ? Math.max(...measured.twinBuilds.map((b) => b.seconds)) : Number.NaN;
  const withCli = forgetSets.filter((f) => f.cli);
  const calibrations = measured.requests.map((r) => r.calibrationSeconds ?? 0).filter((seconds) => seconds > 0);
  const calibrationMax = calibrations.length ? Math.max(...calibrations) : 0;
  return {
    originalDigest: measured.originalDigest,
    goldTrainingSeconds: gold,
    forgetSets,
    twin: measured.twinBuilds.length
      ? { builds: measured.twinBuilds.length, maxSeconds: twinMax, share: twinMax / gold }
      : null,
    calibration: calibrations.length
      ? {
          maxSeconds: calibrationMax,
          share: calibrationMax / gold,
          twinWithCalibrationShare: measured.twinBuilds.length ? (twinMax + calibrationMax) / gold : null,
        }
      : null,
    holds: {
      perRequest5pct: forgetSets.every((f) => f.perRequestShare <= 0.05),
      cliPerRequest5pct: withCli.length ? withCli.every((f) => f.cli!.perRequestShare <= 0.05) : null,
      twin50pct: measured.twinBuilds.length ? twinMax + calibrationMax <= 0.5 * gold : null,
    },
  };
}

/**
 * Schedules a run's work between the gold training's epochs, so every measurement shares the training's
 * load: twin builds after the epochs in `twinAfter`, requests (cycling through the forget sets, each taken
 * in-process, then in a fresh process where `cli` asks for it) after every other epoch but the last.
 */
export function costSchedule(
  epochs: number,
  forgetSets: number,
  options: { twinBuilds: number; cli: boolean },
): {
  afterEpoch: number;
  work: { kind: 'twin' } | { kind: 'request'; forgetSet: number; process: RequestTiming['process'] };
}[] {
  if (!Number.isInteger(epochs) || epochs < 2)
    throw new RangeError(`cost: the gold training needs at least 2 epochs to interleave work, got ${epochs}`);
  if (forgetSets < 1) throw new RangeError('cost: no forget set to time');
  const slots = epochs - 1;
  if (options.twinBuilds < 0 || options.twinBuilds >= slots)
    throw new RangeError(`cost: ${options.twinBuilds} twin builds leave no epoch of ${epochs} for requests`);
  // Twin builds spread over the run, the first one first (requests need a twin).
  const twinAfter = new Set(
    Array.from({ length: options.twinBuilds }, (_, i) => 1 + Math.floor((i * slots) / options.twinBuilds)),
  );
  const schedule: ReturnType<typeof costSchedule> = [];
  let next = 0;
  for (let epoch = 1; epoch < epochs; epoch++) {
    if (twinAfter.has(epoch)) {
      schedule.push({ afterEpoch: epoch, work: { kind: 'twin' } });
      continue;
    }
    const forgetSet = next++ % forgetSets;
    schedule.push({ afterEpoch: epoch, work: { kind: 'request', forgetSet, process: 'in-process' } });
    if (options.cli) schedule.push({ afterEpoch: epoch, work: { kind: 'request', forgetSet, process: 'cli' } });
  }
  return schedule;
}

const roundTo = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** A cost run's shares, with the file they came from. */
export interface CostRun {
  file: string;
  shares: CostShares;
  /**
   * TMU's full settings the run timed (bench/tmuCost.ts records them), or null for a run from before it
   * recorded them, whose settings cannot be checked against the reports it is judged with.
   */
  settings: Record<string, unknown> | null;
}

/**
 * Issue 4's cost criteria for one benchmark scenario, from the cost runs that timed requests on one of its
 * gold models (matched by digest, with the same original model): every forget set's mean request within
 * 5% of its run's gold training, every twin build (with the slowest per-class calibration) within 50%.
 * A run that recorded its settings must have timed TMU as the report ran it (the update's seed aside): a
 * variant's quality judged with the defaults' cost, or the reverse, is refused. Throws if no run covers the
 * scenario, or a covering run timed other settings.
 */
export function costForScenario(
  report: Pick<Report, 'scenario' | 'models' | 'methods'>,
  runs: readonly CostRun[],
): { holds: { perRequest5pct: boolean; twin50pct: boolean | null }; seconds: Record<string, unknown> } {
  const golds = new Set(report.models.gold.digests);
  const originals = new Set(report.models.original.digests);
  const covering = runs.filter(
    (run) => originals.has(run.shares.originalDigest) && run.shares.forgetSets.some((set) => golds.has(set.goldDigest)),
  );
  if (covering.length === 0)
    throw new Error(
      `--cost: no cost run timed requests on a gold model of scenario ${scenarioKey(report)} (gold digests ${[...golds].join(', ')})`,
    );
  const tmu = report.methods.find((method) => method.name === 'tmu');
  if (!tmu) throw new Error(`--cost: scenario ${scenarioKey(report)} has no tmu row to judge the cost of`);
  for (const run of covering) {
    const differences = run.settings ? methodSettingsDifferences('tmu', tmu.params, run.settings) : [];
    if (differences.length > 0)
      throw new Error(
        `--cost ${run.file}: it timed TMU with other settings than scenario ${scenarioKey(report)} ran (${differences.join('; ')})`,
      );
  }
  const sets = covering.flatMap((run) =>
    run.shares.forgetSets.filter((set) => golds.has(set.goldDigest)).map((set) => ({ set })),
  );
  const twins = covering
    .filter((run) => run.shares.twin)
    .map((run) => ({
      ...run.shares.twin!,
      withCalibration: run.shares.calibration?.twinWithCalibrationShare ?? run.shares.twin!.share,
    }));
  const perRequestShares = sets.map(({ set }) => set.perRequestShare);
  const cliShares = sets.filter(({ set }) => set.cli).map(({ set }) => set.cli!.perRequestShare);
  return {
    holds: {
      perRequest5pct: perRequestShares.every((share) => share <= 0.05),
      twin50pct: twins.length ? twins.every((twin) => twin.withCalibration <= 0.5) : null,
    },
    seconds: {
      measured: 'side by side (bench/tmuCost.ts)',
      runs: covering.map((run) => run.file),
      settings: covering.map((run) => (run.settings ? 'checked' : 'not recorded')),
      goldTraining: covering.map((run) => roundTo(run.shares.goldTrainingSeconds)),
      perRequest: sets.map(({ set }) => roundTo(set.perRequestSeconds)),
      perRequestShare: perRequestShares.map((share) => roundTo(share, 4)),
      cliPerRequestShare: cliShares.map((share) => roundTo(share, 4)),
      twinBuilds: twins.map((twin) => roundTo(twin.maxSeconds)),
      twinShare: twins.map((twin) => roundTo(twin.share, 4)),
      twinWithCalibrationShare: twins.map((twin) => roundTo(twin.withCalibration, 4)),
    },
  };
}
