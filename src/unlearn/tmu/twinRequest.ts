import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { type AlignedUpdateOptions, alignedUpdate } from './alignedUpdate.js';
import { easyTargets } from './easyTargets.js';
import { argmaxRow, modelOutputs, runnerUpRow } from './outputs.js';
import { confidenceWeights, splitEasyHard } from './transfer.js';
import type { TwinProblem } from './twin.js';

/** How the request's own update is set up, replayed on the twin. */
export interface TwinUpdateSetup {
  /** P(easy) of every twin sample (twin.ids order), from the predictor the request uses. */
  twinEasyProbability: Float32Array;
  /** The request's update options (`easyTargets` and `forgetWeights` are made for the twin samples). */
  update: AlignedUpdateOptions;
  /** With `easyLoss: 'distill'`: the temperature of the easy samples' targets (see easyTargets.ts). */
  easyTemperature?: number | 'holdout';
  /**
   * Whether the twin samples' forget loss is weighted by the predictor's confidence (transfer.ts); when
   * absent, as the request's update is (`update.forgetWeights` given or not).
   */
  splitWeight?: 'uniform' | 'confidence';
  /** With confidence weights: their power (see transfer.ts; default 1). */
  splitWeightPower?: number;
}

/** What one update on a class's twin request did, in percent of the class's twin samples. */
export interface TwinUpdateOutcome {
  /** Twin samples the split marked hard. */
  hard: number;
  /** Where the updated twin original predicts what Mo (the twin's gold model) predicts. */
  agreement: number;
  /** Where the updated twin original is right. */
  accuracy: number;
}

/** What a twin calibration measured for one class, per candidate it ran (keyed by the candidate). */
export interface TwinClassMeasurements {
  /** Percent of the class's twin samples where the updated twin original predicts what Mo predicts. */
  agreement: Record<string, number>;
  /** Percent of the class's twin samples the updated twin original classifies correctly. */
  accuracy: Record<string, number>;
  /** The same for the twin's gold model (Mo) and for the twin original before the update (Mt). */
  goldAccuracy: number;
  twinAccuracy: number;
  /** Twin samples of the class, and the seconds its calibration took. */
  samples: number;
  seconds: number;
}

/**
 * The twin request of one class: "forget Dt_c from Mt", whose gold model is Mo (it never saw Dt). The
 * twin original Mt plays Mo, Dt_c plays Df; the split, the hard samples' runner-up labels, the easy
 * samples' targets and the confidence weights are made exactly as a real request's would be, so that an
 * update option can be measured where the answer is known before it is used where it is not.
 */
export class TwinClassRequest {
  readonly label: number;
  /** The class's twin samples. */
  readonly ids: string[];
  /** Percent of them Mo (the twin's gold model) and Mt (before the update) get right. */
  readonly goldAccuracy: number;
  readonly twinAccuracy: number;
  private readonly probability: Float32Array;
  private readonly onTwin: ReturnType<typeof modelOutputs>;
  private readonly goldPrediction: number[];

  constructor(
    readonly ctx: UnlearnContext,
    readonly twin: TwinProblem,
    label: number,
    private readonly setup: TwinUpdateSetup,
  ) {
    if (setup.twinEasyProbability.length !== twin.ids.length)
      throw new RangeError(
        `twin request: ${setup.twinEasyProbability.length} probabilities for ${twin.ids.length} twin samples`,
      );
    this.label = label;
    const rows = twin.ids.map((_, i) => i).filter((i) => twin.labels[i] === label);
    if (rows.length === 0) throw new RangeError(`twin request: the twin has no samples of class ${label}`);
    this.ids = rows.map((i) => twin.ids[i]!);
    this.probability = Float32Array.from(rows, (i) => setup.twinEasyProbability[i]!);
    this.onTwin = modelOutputs(twin.model, ctx.train, this.ids, ctx.normalize);
    const onGold = modelOutputs(ctx.original, ctx.train, this.ids, ctx.normalize);
    const k = this.onTwin.numClasses;
    this.goldPrediction = this.ids.map((_, i) => argmaxRow(onGold.logits, k, i));
    this.goldAccuracy = this.percentRight(onGold.logits);
    this.twinAccuracy = this.percentRight(this.onTwin.logits);
  }

  /** Hard flags of the class's twin samples at a hard share (the `rate` rule: lowest P(easy) first). */
  split(hardRate: number): Uint8Array {
    return splitEasyHard(this.probability, { kind: 'rate', hardRate: Math.min(1, Math.max(0, hardRate)) });
  }

  /**
   * Runs the request's update on a copy of Mt with this split and hard-sample repeat, and measures it.
   * `seed` replaces the update's seed (retain sample, batch order, noise), for repeated measurements.
   */
  run(hardRate: number, hardRepeat: number, seed: number = this.setup.update.seed): TwinUpdateOutcome {
    const { ctx, twin, setup, ids, label } = this;
    const hard = this.split(hardRate);
    const k = this.onTwin.numClasses;
    const easyIds: string[] = [];
    const hardLabels = new Map<string, number>();
    ids.forEach((id, i) => {
      if (hard[i]) hardLabels.set(id, runnerUpRow(this.onTwin.logits, k, i, label));
      else easyIds.push(id);
    });
    // The twin's easy samples get targets from the twin's original, as a request's get them from Mo.
    const twinEasyTargets =
      setup.update.easyLoss === 'distill'
        ? easyTargets(
            this.onTwin,
            ids.flatMap((_, i) => (hard[i] ? [] : [i])),
            setup.easyTemperature ?? 'holdout',
            twin.holdoutConfidenceByClass,
          ).targets
        : undefined;
    // The twin's samples weigh as a request's would (forgetWeights is keyed by the request's ids).
    const weighed = setup.splitWeight ? setup.splitWeight === 'confidence' : setup.update.forgetWeights !== undefined;
    const weights = weighed
      ? confidenceWeights(this.probability, hard, new Uint8Array(ids.length), setup.splitWeightPower ?? 1)
      : null;
    // The twin request's retain set: what Mt was trained on besides Dt.
    const twinContext: UnlearnContext = { ...ctx, original: twin.model, retainIds: ctx.split.member, forgetIds: ids };
    const model = cloneClassifier(twin.model, ctx.architecture);
    try {
      alignedUpdate(twinContext, model, easyIds, hardLabels, {
        ...setup.update,
        seed,
        hardRepeat,
        hardRepeatByClass: undefined,
        easyTargets: twinEasyTargets,
        forgetWeights: weights ? new Map(ids.map((id, i) => [id, weights[i]!])) : undefined,
      });
      const after = modelOutputs(model, ctx.train, ids, ctx.normalize);
      const same = this.goldPrediction.reduce(
        (sum, prediction, i) => sum + (argmaxRow(after.logits, k, i) === prediction ? 1 : 0),
        0,
      );
      return {
        hard: percent(hardLabels.size, ids.length),
        agreement: percent(same, ids.length),
        accuracy: this.percentRight(after.logits),
      };
    } finally {
      model.dispose();
    }
  }

  private percentRight(logits: Float32Array): number {
    const k = this.onTwin.numClasses;
    return percent(
      this.ids.reduce((sum, _, i) => sum + (argmaxRow(logits, k, i) === this.label ? 1 : 0), 0),
      this.ids.length,
    );
  }
}

function percent(count: number, total: number): number {
  return Number(((100 * count) / total).toFixed(2));
}

interface ClassCacheFile<T> {
  key: string;
  classes: Record<string, T>;
}

/**
 * Per-class results cached beside the twin: those stored for `key`, or none when the file is missing,
 * was written for other inputs, or is unreadable (said, then rewritten by {@link writeClassCache}).
 */
export function readClassCache<T>(ctx: UnlearnContext, path: string | null, key: string): Record<string, T> {
  if (!path || !existsSync(path)) return {};
  let parsed: ClassCacheFile<T>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as ClassCacheFile<T>;
  } catch (error) {
    ctx.progress.log('tmu calibration cache unreadable, calibrating again', { path, error: (error as Error).message });
    return {};
  }
  return parsed && parsed.key === key && parsed.classes && typeof parsed.classes === 'object' ? parsed.classes : {};
}

/** Writes the per-class results atomically (temporary file, then rename). */
export function writeClassCache<T>(path: string, key: string, classes: Record<string, T>): void {
  const file: ClassCacheFile<T> = { key, classes };
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(file)}\n`);
  renameSync(temporary, path);
}
