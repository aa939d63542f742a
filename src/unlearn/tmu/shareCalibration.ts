import type { UnlearnContext } from '../context.js';
import type { TwinProblem } from './twin.js';
import {
  readClassCache,
  type TwinClassMeasurements,
  TwinClassRequest,
  type TwinUpdateSetup,
  writeClassCache,
} from './twinRequest.js';

/** What the twin measured for one class: the update's outcome at each hard share it tried (keyed by offset). */
export interface ClassShareCalibration extends TwinClassMeasurements {
  /** The chosen offset of the class's hard rate (a share of the class's samples; 0: the twin's rate as measured). */
  offset: number;
  /** The class's hard rate as measured on the twin (Mo's error on the class's holdout samples). */
  rate: number;
  /** The share the twin request's split started from, before the offset (see {@link ShareCalibrationRequest.from}). */
  twinRate?: number;
  /** Per offset tried, the share of the class's twin samples marked hard (percent). */
  hard: Record<string, number>;
  /** With a gate ({@link ShareCalibrationRequest.gate}): what it measured at the start offset and whether the walk went on. */
  gate?: ShareCalibrationGate;
}

/** The gate's reading at the start offset (the one nearest 0), in points of accuracy on the class's twin samples. */
export interface ShareCalibrationGate {
  /** Mean over the update seeds of the updated Mt's accuracy minus Mo's. */
  gap: number;
  /** Standard error of that mean: the seeds' sample standard deviation over √seeds. */
  standardError: number;
  /** Whether |gap| exceeded gate × standardError, so that the offset could move. */
  moved: boolean;
}

/** The per-class calibration of the hard share. */
export interface ShareCalibration {
  byClass: Map<number, ClassShareCalibration>;
  /** Classes calibrated now (the others came from the cache). */
  calibrated: number[];
  seconds: number;
}

/** Inputs of {@link calibrateHardShare}. */
export interface ShareCalibrationRequest extends TwinUpdateSetup {
  /** Classes to calibrate (those of Df's scored samples). */
  classes: readonly number[];
  /**
   * What the twin request's split starts from: `holdout-rate`, the class's hard rate r_c as a real
   * request's split does (so the offset also absorbs how far Mo's error on the 300 twin samples of the
   * class falls from r_c, a draw a real request does not share); `twin-error`, Mo's error on the class's
   * twin samples themselves, the twin's exact answer, so that the offset measures the update's yield
   * alone. Default `holdout-rate`.
   */
  from?: 'holdout-rate' | 'twin-error';
  /** Candidate offsets of a class's hard rate, as shares (e.g. -0.02: two points fewer marked hard). */
  offsets: readonly number[];
  /**
   * Updates run per offset, with the update's seed, seed + 1, ...; the offset's outcome is their mean
   * (default 1). At 300 samples a class one update's accuracy moves by about a point with its seed.
   */
  seeds?: number;
  /**
   * Standard errors the gap at the start offset (the one nearest 0) must exceed, over the `seeds`
   * updates, before the walk may move the offset; below it the class keeps the start offset. 0 (the
   * default) walks whatever the gap; above 0 it needs two seeds or more. The update's seed alone moves
   * a class's twin accuracy by about a point, the size of most offsets' effect (docs/tmu.md, session 15).
   */
  gate?: number;
  /** JSON file that caches the result per class (written atomically), or null. */
  cachePath: string | null;
  /** What the cached results were computed for: a mismatch discards them. */
  cacheKey: string;
}

/** The key of an offset in the per-offset records: its value to four decimals, as written. */
function offsetKey(offset: number): string {
  return String(Number(offset.toFixed(4)));
}

/**
 * Chooses, per class, the hard share of the aligned update by running the request's own update on the
 * twin problem, whose answer is known. The `rate` rule marks the class's measured hard rate r_c, which
 * is the gold model's error; but how much accuracy the update then takes off depends on the class: a
 * relabelled sample of a class among confusable classes flips kept neighbours with it (docs/tmu.md,
 * session 13: on shirts the update takes off more than it marks, on pullovers about what it marks). For
 * class c the twin request is "forget Dt_c from Mt" (Mo is its gold model); the update runs with the
 * share r_c + offset (or, with `from: 'twin-error'`, Mo's error on Dt_c + offset) for offsets walked from the one nearest 0 towards where the gap closes (larger
 * offsets while the updated Mt still gets more of Dt_c right than Mo, smaller while fewer), stopping at
 * the first whose gap has the other sign. The offset whose accuracy on Dt_c is nearest Mo's is
 * chosen (ties: higher agreement with Mo, then the smaller offset in size); with `seeds` above 1 each
 * offset's accuracy and agreement are means over that many update seeds, and with a `gate` the walk
 * starts only where the gap at the start offset exceeds that many standard errors over them. Like the twin it depends
 * on Mo, H and the update options only, so it is cached beside the twin per class, paid once per
 * original model.
 */
export function calibrateHardShare(
  ctx: UnlearnContext,
  twin: TwinProblem,
  request: ShareCalibrationRequest,
): ShareCalibration {
  const started = performance.now();
  const offsets = [...new Set(request.offsets.map((offset) => Number(offset.toFixed(4))))].sort((a, b) => a - b);
  if (offsets.length === 0 || offsets.some((offset) => !Number.isFinite(offset) || offset <= -1 || offset >= 1)) {
    throw new RangeError(`calibrateHardShare: offsets must be shares in (-1, 1), got ${request.offsets.join(',')}`);
  }
  const seeds = request.seeds ?? 1;
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new RangeError(`calibrateHardShare: seeds must be a positive integer, got ${seeds}`);
  const gate = request.gate ?? 0;
  if (!Number.isFinite(gate) || gate < 0)
    throw new RangeError(`calibrateHardShare: gate must be a number of standard errors >= 0, got ${gate}`);
  if (gate > 0 && seeds < 2)
    throw new RangeError(
      `calibrateHardShare: a gate of ${gate} standard errors needs seeds >= 2 to measure them, got seeds ${seeds}`,
    );
  if (request.twinEasyProbability.length !== twin.ids.length)
    throw new RangeError(
      `calibrateHardShare: ${request.twinEasyProbability.length} probabilities for ${twin.ids.length} twin samples`,
    );
  const cached = readClassCache<ClassShareCalibration>(ctx, request.cachePath, request.cacheKey);
  const byClass = new Map<number, ClassShareCalibration>();
  const calibrated: number[] = [];
  const start = offsets.reduce((best, offset, i) => (Math.abs(offset) < Math.abs(offsets[best]!) ? i : best), 0);
  for (const label of [...new Set(request.classes)].sort((a, b) => a - b)) {
    const hit = cached[String(label)];
    if (hit) {
      byClass.set(label, hit);
      continue;
    }
    const rate = twin.hardRateByClass[label];
    // A class the twin has no samples of cannot be measured: its rate is not moved.
    if (rate === undefined || Number.isNaN(rate) || !twin.labels.includes(label)) {
      byClass.set(label, {
        offset: 0,
        rate: rate ?? Number.NaN,
        accuracy: {},
        agreement: {},
        hard: {},
        goldAccuracy: Number.NaN,
        twinAccuracy: Number.NaN,
        samples: 0,
        seconds: 0,
      });
      continue;
    }
    const classStarted = performance.now();
    const twinRequest = new TwinClassRequest(ctx, twin, label, request);
    const twinRate = request.from === 'twin-error' ? 1 - twinRequest.goldAccuracy / 100 : rate;
    const accuracy: Record<string, number> = {};
    const agreement: Record<string, number> = {};
    const hard: Record<string, number> = {};
    const seedAccuracy: Record<string, number[]> = {};
    const gapAt = (index: number): number => {
      const key = offsetKey(offsets[index]!);
      if (!(key in accuracy)) {
        const outcomes = Array.from({ length: seeds }, (_, s) =>
          twinRequest.run(twinRate + offsets[index]!, request.update.hardRepeat, request.update.seed + s),
        );
        const meanOf = (pick: (outcome: (typeof outcomes)[number]) => number): number =>
          Number((outcomes.reduce((sum, outcome) => sum + pick(outcome), 0) / seeds).toFixed(2));
        seedAccuracy[key] = outcomes.map((outcome) => outcome.accuracy);
        accuracy[key] = meanOf((outcome) => outcome.accuracy);
        agreement[key] = meanOf((outcome) => outcome.agreement);
        hard[key] = outcomes[0]!.hard;
      }
      return accuracy[key]! - twinRequest.goldAccuracy;
    };
    const first = gapAt(start);
    const gateReading =
      gate > 0 ? readGate(seedAccuracy[offsetKey(offsets[start]!)]!, twinRequest.goldAccuracy, gate) : undefined;
    // A positive gap keeps too much of Dt_c: more hard samples; a negative one forgets too much: fewer.
    const direction = gateReading?.moved === false ? 0 : Math.sign(first);
    // At 300 samples a class, one step can leave the accuracy where it was: walk on until the gap changes sign.
    for (let i = start + direction; direction !== 0 && i >= 0 && i < offsets.length; i += direction) {
      if (Math.sign(gapAt(i)) !== direction) break;
    }
    const tried = offsets.filter((offset) => offsetKey(offset) in accuracy);
    const score = (offset: number): [number, number, number] => {
      const key = offsetKey(offset);
      return [Math.abs(accuracy[key]! - twinRequest.goldAccuracy), -agreement[key]!, Math.abs(offset)];
    };
    const offset = tried.reduce((best, candidate) => {
      const [a, b] = [score(candidate), score(best)];
      return a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2]))) ? candidate : best;
    });
    const result: ClassShareCalibration = {
      offset,
      rate: Number(rate.toFixed(4)),
      ...(request.from === 'twin-error' ? { twinRate: Number(twinRate.toFixed(4)) } : {}),
      accuracy,
      agreement,
      hard,
      ...(gateReading ? { gate: gateReading } : {}),
      goldAccuracy: twinRequest.goldAccuracy,
      twinAccuracy: twinRequest.twinAccuracy,
      samples: twinRequest.ids.length,
      seconds: Number(((performance.now() - classStarted) / 1000).toFixed(3)),
    };
    ctx.progress.log('tmu share calibration', {
      class: label,
      offset,
      gold: twinRequest.goldAccuracy,
      accuracy: JSON.stringify(accuracy),
    });
    byClass.set(label, result);
    calibrated.push(label);
  }
  if (request.cachePath && calibrated.length > 0) {
    writeClassCache(request.cachePath, request.cacheKey, {
      ...cached,
      ...Object.fromEntries([...byClass].map(([label, value]) => [String(label), value])),
    });
  }
  return { byClass, calibrated, seconds: (performance.now() - started) / 1000 };
}

/**
 * Whether the seeds' gaps (accuracy minus Mo's, in points) at the start offset stand out of their own
 * noise: |mean| > gate × standard error of the mean. Seeds that all agree on a non-zero gap have no
 * spread, and pass.
 */
function readGate(seedAccuracy: readonly number[], goldAccuracy: number, gate: number): ShareCalibrationGate {
  const gaps = seedAccuracy.map((value) => value - goldAccuracy);
  const n = gaps.length;
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / n;
  const variance = gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / (n - 1);
  const standardError = Math.sqrt(variance / n);
  return {
    gap: Number(mean.toFixed(4)),
    standardError: Number(standardError.toFixed(4)),
    moved: Math.abs(mean) > gate * standardError,
  };
}

/**
 * The class hard rates with each calibrated class's offset added, clamped to [0, 1]; classes without a
 * calibration or a rate keep theirs.
 */
export function offsetRates(
  hardRateByClass: readonly number[],
  calibration: ReadonlyMap<number, Pick<ClassShareCalibration, 'offset'>>,
): number[] {
  return hardRateByClass.map((rate, label) => {
    const entry = calibration.get(label);
    return entry === undefined || Number.isNaN(rate) ? rate : Math.min(1, Math.max(0, rate + entry.offset));
  });
}
