import type { UnlearnContext } from '../context.js';
import { twinHardRate } from './transfer.js';
import type { TwinProblem } from './twin.js';
import {
  readClassCache,
  type TwinClassMeasurements,
  TwinClassRequest,
  type TwinUpdateSetup,
  writeClassCache,
} from './twinRequest.js';

/** What the twin measured for one class: the agreement with the twin's gold model of each candidate. */
export interface ClassCalibration extends TwinClassMeasurements {
  /** The chosen number of presentations per epoch of a predicted-hard sample of this class. */
  repeat: number;
  /** How many of the class's twin samples the predictor marked hard. */
  hard: number;
}

/** The calibration of the update's hard-sample strength, per class. */
export interface RepeatCalibration {
  byClass: Map<number, ClassCalibration>;
  /** Classes calibrated now (the others came from the cache). */
  calibrated: number[];
  seconds: number;
}

/** Inputs of {@link calibrateHardRepeat}. */
export interface CalibrationRequest extends TwinUpdateSetup {
  /** Classes to calibrate (those of Df's predicted-hard samples). */
  classes: readonly number[];
  /** Candidate presentations per epoch, ascending; ties go to the smaller. */
  candidates: readonly number[];
  /** JSON file that caches the result per class (written atomically), or null. */
  cachePath: string | null;
  /** What the cached results were computed for: a mismatch discards them. */
  cacheKey: string;
}

/**
 * Chooses, per class, how strongly the aligned update forgets the predicted-hard samples, by running it
 * on the twin problem, whose answer is known. For class c the twin request is "forget Dt_c from Mt": Mt
 * plays the original, Mo the gold model (it never saw Dt), Dt_c is split by the predictor at class c's hard
 * rate and the hard samples take Mt's runner-up class, exactly as a real request's would under Mo. Each
 * candidate number of presentations runs the request's own update; the one whose result predicts what
 * Mo predicts on most of Dt_c is chosen. This is TMU's idea applied to the update: what cannot be
 * measured on the real request (the gold model) is measured on its twin. It depends on Mo, H and the
 * update options only, so it is cached beside the twin per class and paid once per original model.
 */
export function calibrateHardRepeat(
  ctx: UnlearnContext,
  twin: TwinProblem,
  request: CalibrationRequest,
): RepeatCalibration {
  const started = performance.now();
  const candidates = [...request.candidates].sort((a, b) => a - b);
  if (candidates.length === 0 || candidates.some((r) => !Number.isInteger(r) || r < 1))
    throw new RangeError(`calibrateHardRepeat: candidates must be integers >= 1, got ${request.candidates.join(',')}`);
  if (request.twinEasyProbability.length !== twin.ids.length)
    throw new RangeError(
      `calibrateHardRepeat: ${request.twinEasyProbability.length} probabilities for ${twin.ids.length} twin samples`,
    );
  const cached = readClassCache<ClassCalibration>(ctx, request.cachePath, request.cacheKey);
  const byClass = new Map<number, ClassCalibration>();
  const calibrated: number[] = [];
  const overallRate = twinHardRate(twin.generalisation);
  for (const label of [...new Set(request.classes)].sort((a, b) => a - b)) {
    const hit = cached[String(label)];
    if (hit) {
      byClass.set(label, hit);
      continue;
    }
    // A class the twin has no samples of cannot be measured: the smallest candidate.
    if (!twin.labels.includes(label)) {
      byClass.set(label, {
        repeat: candidates[0]!,
        agreement: {},
        accuracy: {},
        goldAccuracy: Number.NaN,
        twinAccuracy: Number.NaN,
        samples: 0,
        hard: 0,
        seconds: 0,
      });
      continue;
    }
    const classStarted = performance.now();
    const twinRequest = new TwinClassRequest(ctx, twin, label, request);
    const rate = twin.hardRateByClass[label];
    const hardRate = rate === undefined || Number.isNaN(rate) ? overallRate : rate;
    const hard = twinRequest.split(hardRate).reduce((sum, flag) => sum + flag, 0);
    const agreement: Record<string, number> = {};
    const accuracy: Record<string, number> = {};
    // With no hard sample the repeat changes nothing: the smallest candidate, without running.
    if (hard > 0) {
      for (const repeat of candidates) {
        const outcome = twinRequest.run(hardRate, repeat);
        agreement[String(repeat)] = outcome.agreement;
        accuracy[String(repeat)] = outcome.accuracy;
      }
    }
    const repeat =
      hard > 0
        ? candidates.reduce((best, r) => (agreement[String(r)]! > agreement[String(best)]! ? r : best), candidates[0]!)
        : candidates[0]!;
    const result: ClassCalibration = {
      repeat,
      agreement,
      accuracy,
      goldAccuracy: twinRequest.goldAccuracy,
      twinAccuracy: twinRequest.twinAccuracy,
      samples: twinRequest.ids.length,
      hard,
      seconds: Number(((performance.now() - classStarted) / 1000).toFixed(3)),
    };
    ctx.progress.log('tmu calibration', { class: label, repeat, hard, agreement: JSON.stringify(agreement) });
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
