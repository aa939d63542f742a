import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { alignedUpdate, type AlignedUpdateOptions } from './alignedUpdate.js';
import { easyTargets } from './easyTargets.js';
import { argmaxRow, modelOutputs, runnerUpRow } from './outputs.js';
import { confidenceWeights, splitEasyHard, twinHardRate } from './transfer.js';
import type { TwinProblem } from './twin.js';

/** What the twin measured for one class: the agreement with the twin's gold model of each candidate. */
export interface ClassCalibration {
  /** The chosen number of presentations per epoch of a predicted-hard sample of this class. */
  repeat: number;
  /** Percent of the class's twin samples where the updated twin original predicts what Mo predicts, per candidate. */
  agreement: Record<string, number>;
  /** Percent of the class's twin samples the updated twin original classifies correctly, per candidate. */
  accuracy: Record<string, number>;
  /** The same for the twin's gold model (Mo) and for the twin original before the update (Mt). */
  goldAccuracy: number;
  twinAccuracy: number;
  /** Twin samples of the class, and how many of them the predictor marked hard. */
  samples: number;
  hard: number;
  seconds: number;
}

/** The calibration of the update's hard-sample strength, per class. */
export interface RepeatCalibration {
  byClass: Map<number, ClassCalibration>;
  /** Classes calibrated now (the others came from the cache). */
  calibrated: number[];
  seconds: number;
}

/** Inputs of {@link calibrateHardRepeat}. */
export interface CalibrationRequest {
  /** Classes to calibrate (those of Df's predicted-hard samples). */
  classes: readonly number[];
  /** P(easy) of every twin sample (twin.ids order), from the predictor the request uses. */
  twinEasyProbability: Float32Array;
  /** The request's update options; only `hardRepeat` varies (and `easyTargets`, made for the twin samples). */
  update: AlignedUpdateOptions;
  /** With `easyLoss: 'distill'`: the temperature of the easy samples' targets (see easyTargets.ts). */
  easyTemperature?: number | 'holdout';
  /** With `update.forgetWeights`: the power of the confidence weights (see transfer.ts; default 1). */
  splitWeightPower?: number;
  /** Candidate presentations per epoch, ascending; ties go to the smaller. */
  candidates: readonly number[];
  /** JSON file that caches the result per class (written atomically), or null. */
  cachePath: string | null;
  /** What the cached results were computed for: a mismatch discards them. */
  cacheKey: string;
}

interface CacheFile {
  key: string;
  classes: Record<string, ClassCalibration>;
}

/** The cached classes, or none when the file is missing, for other inputs, or unreadable (said, then rewritten). */
function readCache(ctx: UnlearnContext, path: string | null, key: string): Record<string, ClassCalibration> {
  if (!path || !existsSync(path)) return {};
  let parsed: CacheFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
  } catch (error) {
    ctx.progress.log('tmu calibration cache unreadable, calibrating again', { path, error: (error as Error).message });
    return {};
  }
  return parsed && parsed.key === key && parsed.classes && typeof parsed.classes === 'object' ? parsed.classes : {};
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
export function calibrateHardRepeat(ctx: UnlearnContext, twin: TwinProblem, request: CalibrationRequest): RepeatCalibration {
  const started = performance.now();
  const candidates = [...request.candidates].sort((a, b) => a - b);
  if (candidates.length === 0 || candidates.some((r) => !Number.isInteger(r) || r < 1)) throw new RangeError(`calibrateHardRepeat: candidates must be integers >= 1, got ${request.candidates.join(',')}`);
  if (request.twinEasyProbability.length !== twin.ids.length) throw new RangeError(`calibrateHardRepeat: ${request.twinEasyProbability.length} probabilities for ${twin.ids.length} twin samples`);
  const cached = readCache(ctx, request.cachePath, request.cacheKey);
  const byClass = new Map<number, ClassCalibration>();
  const calibrated: number[] = [];
  const overallRate = twinHardRate(twin.generalisation);
  // The twin request's retain set: what Mt was trained on besides Dt.
  const twinContext: UnlearnContext = { ...ctx, original: twin.model, retainIds: ctx.split.member };
  for (const label of [...new Set(request.classes)].sort((a, b) => a - b)) {
    const hit = cached[String(label)];
    if (hit) {
      byClass.set(label, hit);
      continue;
    }
    const classStarted = performance.now();
    const rows = twin.ids.map((_, i) => i).filter((i) => twin.labels[i] === label);
    const ids = rows.map((i) => twin.ids[i]!);
    const rate = twin.hardRateByClass[label];
    const hard = splitEasyHard(Float32Array.from(rows, (i) => request.twinEasyProbability[i]!), { kind: 'rate', hardRate: rate === undefined || Number.isNaN(rate) ? overallRate : rate });
    const onTwin = modelOutputs(twin.model, ctx.train, ids, ctx.normalize);
    const onGold = modelOutputs(ctx.original, ctx.train, ids, ctx.normalize);
    const k = onTwin.numClasses;
    const goldPrediction = ids.map((_, i) => argmaxRow(onGold.logits, k, i));
    const easyIds: string[] = [];
    const hardLabels = new Map<string, number>();
    ids.forEach((id, i) => {
      if (!hard[i]) {
        easyIds.push(id);
        return;
      }
      hardLabels.set(id, runnerUpRow(onTwin.logits, k, i, label));
    });
    // The twin's easy samples get targets from the twin's original, as a request's get them from Mo.
    const twinEasyTargets = request.update.easyLoss === 'distill'
      ? easyTargets(onTwin, ids.flatMap((_, i) => (hard[i] ? [] : [i])), request.easyTemperature ?? 'holdout', twin.holdoutConfidenceByClass).targets
      : undefined;
    // The twin's samples weigh as a request's would (forgetWeights is keyed by the request's ids).
    const classProbability = Float32Array.from(rows, (i) => request.twinEasyProbability[i]!);
    const twinWeights = request.update.forgetWeights ? confidenceWeights(classProbability, hard, new Uint8Array(ids.length), request.splitWeightPower ?? 1) : null;
    const agreement: Record<string, number> = {};
    const accuracy: Record<string, number> = {};
    const percentRight = (logits: Float32Array): number => Number(((100 * ids.reduce((sum, _, i) => sum + (argmaxRow(logits, k, i) === label ? 1 : 0), 0)) / ids.length).toFixed(2));
    // With no hard sample the repeat changes nothing: the smallest candidate, without running.
    if (hardLabels.size > 0) {
      for (const repeat of candidates) {
        const model = cloneClassifier(twin.model, ctx.architecture);
        try {
          alignedUpdate({ ...twinContext, forgetIds: ids }, model, easyIds, hardLabels, { ...request.update, hardRepeat: repeat, hardRepeatByClass: undefined, easyTargets: twinEasyTargets, forgetWeights: twinWeights ? new Map(ids.map((id, i) => [id, twinWeights[i]!])) : undefined });
          const after = modelOutputs(model, ctx.train, ids, ctx.normalize);
          const same = goldPrediction.reduce((sum, prediction, i) => sum + (argmaxRow(after.logits, k, i) === prediction ? 1 : 0), 0);
          agreement[String(repeat)] = Number(((100 * same) / ids.length).toFixed(2));
          accuracy[String(repeat)] = percentRight(after.logits);
        } finally {
          model.dispose();
        }
      }
    }
    const repeat = hardLabels.size > 0 ? candidates.reduce((best, r) => (agreement[String(r)]! > agreement[String(best)]! ? r : best), candidates[0]!) : candidates[0]!;
    const result: ClassCalibration = { repeat, agreement, accuracy, goldAccuracy: percentRight(onGold.logits), twinAccuracy: percentRight(onTwin.logits), samples: ids.length, hard: hardLabels.size, seconds: Number(((performance.now() - classStarted) / 1000).toFixed(3)) };
    ctx.progress.log('tmu calibration', { class: label, repeat, hard: hardLabels.size, agreement: JSON.stringify(agreement) });
    byClass.set(label, result);
    calibrated.push(label);
  }
  if (request.cachePath && calibrated.length > 0) {
    const file: CacheFile = { key: request.cacheKey, classes: { ...cached, ...Object.fromEntries([...byClass].map(([label, value]) => [String(label), value])) } };
    const temporary = `${request.cachePath}.tmp-${process.pid}`;
    writeFileSync(temporary, `${JSON.stringify(file)}\n`);
    renameSync(temporary, request.cachePath);
  }
  return { byClass, calibrated, seconds: (performance.now() - started) / 1000 };
}
