/**
 * One seed of an evaluation: every metric of every model from their outputs on Df, Dr and T.
 *
 * The caller (the bench) trains or loads Mo and Mg, runs the methods and collects each model's outputs
 * ({@link collectOutputs}); {@link evaluateSeed} turns them into plain numbers (a {@link SeedResult},
 * holding no logits), and {@link aggregateRuns} (report.ts) turns the seeds into the report.
 *
 * @module
 */

import { Random } from '../data/random.js';
import { auroc } from '../train/metrics.js';
import type { ForgetDiagnostics } from '../unlearn/context.js';
import { correctness, setAccuracy } from './accuracy.js';
import { agreement, easyRecall, hardForget } from './agreement.js';
import { relativeTime } from './cost.js';
import { activationDistance, jsDivergence } from './divergence.js';
import { averageGap, type Gaps, gap, tugOfWar } from './gaps.js';
import { miaEfficacy } from './mia.js';
import { checkSameRows, SPLIT_NAMES, type SplitOutputs } from './outputs.js';
import { populationAttack } from './populationAttack.js';
import { predictorQuality } from './predictorQuality.js';
import { argmaxRows, softmaxRows } from './probabilities.js';

/** Options of an evaluation. */
export interface EvaluateOptions {
  /** False-positive budget α of the population attack's success rate (default 0.05). */
  populationAlpha?: number;
  /** Most points of a predictor scatter kept per method (a seeded subsample beyond; default 2000). */
  maxScatterPoints?: number;
}

/** Metrics of one model on its own (no gold model needed). */
export interface ModelMetrics {
  /** acc on Df, Dr (sample), T, in percent. */
  acc: { forget: number; retain: number; test: number };
  mia: {
    /** MIA-efficacy (percent of Df called non-member). */
    efficacy: number;
    /** Accuracy of the trained attack on its balanced training set (percent). */
    attackAccuracy: number;
    /** Population attack success rate on Df at FPR α (percent). */
    populationSuccess: number;
    /** AUC of the population attack's loss score, Df vs T. */
    populationAuc: number;
    /** TPR of the population attack at each FPR of ROC_FPR_GRID (fractions). */
    rocTpr: number[];
  };
}

/** Metrics of a model measured against the gold model Mg. */
export interface AlignmentMetrics {
  /** Δ per set and Δ_MIA, percentage points. */
  gap: Gaps;
  avgGap: number;
  tow: number;
  /** Percent of Df. */
  agreement: number;
  easyRecall: number;
  hardForget: number;
  activationDistance: number;
  jsDivergence: number;
}

/** A method's per-sample easy/hard predictions (its `ForgetDiagnostics`); `bypassed` may be absent. */
export type PredictorDetails = Pick<
  ForgetDiagnostics,
  'ids' | 'features' | 'featureNames' | 'easyProbability' | 'predictedHard'
> & { bypassed?: Uint8Array };

/** One Df sample of the predictor scatter plot. */
export interface ScatterPoint {
  id: string;
  /** Value of the x feature (scaled to [0, 1] by TMU). */
  x: number;
  /** Value of the y feature (or P(easy) when the predictor has one feature). */
  y: number;
  /** P(easy) from the predictor. */
  pEasy: number;
  predictedHard: boolean;
  /** Whether the gold model classifies the sample correctly (the truth the predictor aims at). */
  goldCorrect: boolean;
}

/** The predictor's scatter plot of one method on one seed. */
export interface PredictorScatter {
  method: string;
  seed: number;
  xFeature: string;
  yFeature: string;
  /** Df samples in the plot (all of Df up to maxScatterPoints). */
  shown: number;
  /** |Df| scored. */
  total: number;
  points: ScatterPoint[];
}

/** A model's outputs with provenance. */
export interface ModelRun {
  outputs: SplitOutputs;
  /** Training seconds (the gold model's is the retrain time RTE divides by); null when unknown. */
  seconds?: number | null;
  /** The model's SHA-256 digest, when it has one. */
  digest?: string | null;
}

/** A method's run on one seed. */
export interface MethodRun {
  name: string;
  /** Resolved parameters (with defaults). */
  params: Record<string, unknown>;
  /** Wall seconds of the method's request (its one-off preparation excluded). */
  seconds: number;
  /**
   * Seconds the method's prepare step takes to build what it reuses across a model's requests (built
   * once per model, not per request); null for a method without one.
   */
  preparationSeconds?: number | null;
  outputs: SplitOutputs;
  /** The method's summary (UnlearnResult.summary), kept in the report. */
  summary?: Record<string, unknown>;
  /** The method's per-sample diagnostics (UnlearnResult.diagnostics): predictor quality and scatter. */
  predictor?: PredictorDetails | null;
}

/** Everything of one seed. */
export interface SeedInput {
  seed: number;
  original: ModelRun;
  /** Mg, the retrained model; `seconds` is required (RTE). */
  gold: ModelRun & { seconds: number };
  /** A second gold model (retrain with another seed): its gaps to Mg are the noise floor. */
  goldReplica?: ModelRun | null;
  methods: readonly MethodRun[];
  /** How Mo was trained and how well it fits: the context a reader needs to trust the comparison. */
  protocol?: SeedProtocol;
}

/** How the original model of a seed was trained, and how well it fits its members. */
export interface SeedProtocol {
  /** |D|: the members Mo trained on. */
  members: number;
  /** Training-partition images the split was drawn from. */
  trainImages: number;
  epochs: number;
  /** Mo's accuracy (percent) on a sample of its members and on a sample of the holdout H. */
  memberAccuracy: number;
  holdoutAccuracy: number;
}

/** A reference model's numbers on one seed. */
export interface ModelSeedResult {
  metrics: ModelMetrics;
  seconds: number | null;
  digest: string | null;
}

/** A model compared with the gold model, on one seed. */
export interface ComparedSeedResult extends ModelSeedResult {
  alignment: AlignmentMetrics;
}

/** A predictor's quality on one seed, against Mg's correctness on Df (bypassed samples left out). */
export interface PredictorSeedQuality {
  /** Percent of samples where "predicted easy" equals "Mg correct". */
  accuracy: number;
  /** AUROC of P(easy) for Mg-correct samples. */
  auroc: number;
  /**
   * Each input feature on its own: AUROC of the (scaled) feature value for Mg-wrong samples, since every
   * feature grows with difficulty (distance to the class, loss after attack, early-training loss).
   * Tells which feature carries the prediction and which one fails to transfer on a scenario.
   */
  featureAuroc: Record<string, number>;
}

/** A method's numbers on one seed. */
export interface MethodSeedResult extends ComparedSeedResult {
  name: string;
  params: Record<string, unknown>;
  seconds: number;
  /** seconds / seconds(gold). */
  rte: number;
  /** The one-off preparation: its seconds and its RTE (null for a method without one). */
  preparation: { seconds: number; rte: number } | null;
  summary: Record<string, unknown> | null;
  /** Methods with per-sample diagnostics: predictor accuracy (percent) and AUROC against Mg's correctness on Df. */
  predictor: PredictorSeedQuality | null;
  scatter: PredictorScatter | null;
}

/** One seed's numbers: the input of {@link aggregateRuns}. Holds no logits. */
export interface SeedResult {
  seed: number;
  sizes: { forget: number; retain: number; test: number };
  protocol: SeedProtocol | null;
  populationAlpha: number;
  original: ComparedSeedResult;
  gold: ModelSeedResult;
  noiseFloor: ComparedSeedResult | null;
  methods: MethodSeedResult[];
}

/** Metrics of a model from its outputs alone. `seed` seeds the MIA attack's balancing subsample. */
export function evaluateModel(outputs: SplitOutputs, seed: number, options: EvaluateOptions = {}): ModelMetrics {
  const mia = miaEfficacy({ members: outputs.retain, nonMembers: outputs.test, target: outputs.forget }, seed);
  const population = populationAttack(outputs.test, outputs.forget, options.populationAlpha ?? 0.05);
  return {
    acc: { forget: setAccuracy(outputs.forget), retain: setAccuracy(outputs.retain), test: setAccuracy(outputs.test) },
    mia: {
      efficacy: mia.efficacy,
      attackAccuracy: mia.attackAccuracy,
      populationSuccess: population.successRate,
      populationAuc: population.auc,
      rocTpr: population.rocTpr,
    },
  };
}

/** Compares a model with the gold model: gaps from their metrics, per-sample alignment on Df. */
export function compareToGold(
  model: { outputs: SplitOutputs; metrics: ModelMetrics },
  gold: { outputs: SplitOutputs; metrics: ModelMetrics },
): AlignmentMetrics {
  const gaps: Gaps = {
    forget: gap(model.metrics.acc.forget, gold.metrics.acc.forget),
    retain: gap(model.metrics.acc.retain, gold.metrics.acc.retain),
    test: gap(model.metrics.acc.test, gold.metrics.acc.test),
    mia: gap(model.metrics.mia.efficacy, gold.metrics.mia.efficacy),
  };
  const f = model.outputs.forget;
  const g = gold.outputs.forget;
  const k = f.numClasses;
  const mine = argmaxRows(f.logits, k);
  const theirs = argmaxRows(g.logits, k);
  const p = softmaxRows(f.logits, k);
  const q = softmaxRows(g.logits, k);
  return {
    gap: gaps,
    avgGap: averageGap(gaps),
    tow: tugOfWar(gaps),
    agreement: agreement(mine, theirs),
    easyRecall: easyRecall(f.labels, mine, theirs),
    hardForget: hardForget(f.labels, mine, theirs),
    activationDistance: activationDistance(p, q, k),
    jsDivergence: jsDivergence(p, q, k),
  };
}

/** Row of each Df sample of the predictor details in the forget outputs (by id when ids are known). */
function predictorRows(details: PredictorDetails, outputs: SplitOutputs, method: string): number[] {
  const n = details.ids.length;
  const forgetIds = outputs.forget.ids;
  if (!forgetIds) {
    if (n !== outputs.forget.labels.length)
      throw new Error(`${method}: predictor details for ${n} samples, Df has ${outputs.forget.labels.length}`);
    return Array.from({ length: n }, (_, i) => i);
  }
  const rowOf = new Map(forgetIds.map((id, i) => [id, i]));
  return details.ids.map((id) => {
    const row = rowOf.get(id);
    if (row === undefined) throw new Error(`${method}: predictor details name ${id}, which is not in Df`);
    return row;
  });
}

/** A seeded subsample of `count` of `n` indices, in increasing order (all of them when count ≥ n). */
function subsample(n: number, count: number, seed: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from(new Random(seed).fork('eval/scatter').permutation(n).subarray(0, count)).sort((a, b) => a - b);
}

/** Predictor quality and scatter plot of a method with predictor details. */
function predictorResult(
  run: MethodRun,
  details: PredictorDetails,
  gold: SplitOutputs,
  seed: number,
  maxPoints: number,
): { quality: PredictorSeedQuality; scatter: PredictorScatter } {
  const rows = predictorRows(details, gold, run.name);
  const goldRight = correctness(gold.forget);
  const goldCorrect = rows.map((row) => goldRight[row]!);
  const include = details.bypassed ? Uint8Array.from(details.bypassed, (b) => (b ? 0 : 1)) : undefined;
  const quality = predictorQuality(details.easyProbability, details.predictedHard, goldCorrect, include);
  const width = details.featureNames.length;
  if (details.features.length !== rows.length * width)
    throw new Error(
      `${run.name}: predictor features hold ${details.features.length} values for ${rows.length} samples of ${width}`,
    );
  const featureAuroc: Record<string, number> = {};
  details.featureNames.forEach((name, column) => {
    const values: number[] = [];
    const wrong: number[] = [];
    rows.forEach((_, i) => {
      if (include && !include[i]) return;
      values.push(details.features[i * width + column]!);
      wrong.push(goldCorrect[i] ? 0 : 1);
    });
    featureAuroc[name] = auroc(values, wrong);
  });
  const twoFeatures = width >= 2;
  const points = subsample(rows.length, maxPoints, seed).map(
    (i): ScatterPoint => ({
      id: details.ids[i]!,
      x: details.features[i * width]!,
      y: twoFeatures ? details.features[i * width + 1]! : details.easyProbability[i]!,
      pEasy: details.easyProbability[i]!,
      predictedHard: details.predictedHard[i]! !== 0,
      goldCorrect: goldCorrect[i]! !== 0,
    }),
  );
  return {
    quality: { accuracy: quality.accuracy, auroc: quality.auroc, featureAuroc },
    scatter: {
      method: run.name,
      seed,
      xFeature: details.featureNames[0] ?? 'feature',
      yFeature: twoFeatures ? details.featureNames[1]! : 'P(easy)',
      shown: points.length,
      total: rows.length,
      points,
    },
  };
}

/** Checks every model of a seed was evaluated on the same rows as the gold model. */
function checkRows(input: SeedInput): void {
  const models: [string, SplitOutputs][] = [
    ['original', input.original.outputs],
    ...(input.goldReplica ? [['gold replica', input.goldReplica.outputs] as [string, SplitOutputs]] : []),
    ...input.methods.map((m) => [m.name, m.outputs] as [string, SplitOutputs]),
  ];
  for (const [name, outputs] of models) {
    for (const split of SPLIT_NAMES)
      checkSameRows(outputs[split], input.gold.outputs[split], `seed ${input.seed}, ${name} vs gold on ${split}`);
  }
  const names = new Set<string>();
  for (const method of input.methods) {
    if (names.has(method.name)) throw new Error(`seed ${input.seed}: method ${method.name} appears twice`);
    names.add(method.name);
  }
}

/**
 * Every metric of one seed. All models' outputs must cover the same rows (checked).
 *
 * @throws Error when outputs differ in rows, labels or ids, or a method name repeats
 */
export function evaluateSeed(input: SeedInput, options: EvaluateOptions = {}): SeedResult {
  checkRows(input);
  const seed = input.seed;
  const maxPoints = options.maxScatterPoints ?? 2000;
  const goldMetrics = evaluateModel(input.gold.outputs, seed, options);
  const gold = { outputs: input.gold.outputs, metrics: goldMetrics };
  const compared = (run: ModelRun): ComparedSeedResult => {
    const metrics = evaluateModel(run.outputs, seed, options);
    return {
      metrics,
      seconds: run.seconds ?? null,
      digest: run.digest ?? null,
      alignment: compareToGold({ outputs: run.outputs, metrics }, gold),
    };
  };
  const methods = input.methods.map((run): MethodSeedResult => {
    const base = compared(run);
    const predictor = run.predictor ? predictorResult(run, run.predictor, input.gold.outputs, seed, maxPoints) : null;
    return {
      ...base,
      name: run.name,
      params: run.params,
      seconds: run.seconds,
      rte: relativeTime(run.seconds, input.gold.seconds),
      preparation:
        run.preparationSeconds === undefined || run.preparationSeconds === null
          ? null
          : { seconds: run.preparationSeconds, rte: relativeTime(run.preparationSeconds, input.gold.seconds) },
      summary: run.summary ?? null,
      predictor: predictor?.quality ?? null,
      scatter: predictor?.scatter ?? null,
    };
  });
  return {
    seed,
    sizes: {
      forget: input.gold.outputs.forget.labels.length,
      retain: input.gold.outputs.retain.labels.length,
      test: input.gold.outputs.test.labels.length,
    },
    protocol: input.protocol ?? null,
    populationAlpha: options.populationAlpha ?? 0.05,
    original: compared(input.original),
    gold: { metrics: goldMetrics, seconds: input.gold.seconds, digest: input.gold.digest ?? null },
    noiseFloor: input.goldReplica ? compared(input.goldReplica) : null,
    methods,
  };
}
