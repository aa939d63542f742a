/**
 * The evaluation report (`report.json`), DESIGN.md section 7, and {@link aggregateRuns}, which builds
 * it from per-seed results.
 *
 * Representation: every numeric metric is a {@link Stat} `{ mean, ci95, values }`, whatever the number of
 * seeds: `values` are the per-seed raw values in the order of `seeds` (`null` where a seed has none),
 * `mean` their mean, `ci95` the 95% t-interval [low, high] (`null` with fewer than two finite values, so
 * always `null` for a single seed). Units: accuracies, gaps, agreement, easy-recall, hard-forget,
 * MIA-efficacy, attack accuracy, population success and predictor accuracy in percent (gaps in
 * percentage points); ToW, AUCs and ROC rates are fractions in [0, 1]; activation distance is an L2
 * distance of probability vectors; JS divergence is in nats; seconds are wall seconds; RTE a ratio.
 * `schema/report.schema.json` is the JSON Schema of this type.
 *
 * @module
 */

import type { ForgetScenario } from '../data/forget.js';
import type {
  AlignmentMetrics,
  ComparedSeedResult,
  MethodSeedResult,
  ModelMetrics,
  ModelSeedResult,
  PredictorScatter,
  SeedResult,
} from './evaluate.js';
import { ROC_FPR_GRID } from './rocGrid.js';
import { type Stat, summarize } from './statistics.js';

export type { Stat } from './statistics.js';

/** Format tag of report files. */
export const REPORT_FORMAT = 'tmu-report';
/** Version of the report format (bumped on incompatible changes). */
export const REPORT_VERSION = 1;

/** How the forget set was chosen. */
export interface ReportScenario {
  name: ForgetScenario;
  /** Class index (`subclass`, `class`). */
  class?: number;
  className?: string;
  /** Fraction drawn (`subclass`: of the class's members; `random`: of D). */
  fraction?: number;
}

/** A metric per evaluation set. */
export interface SplitStats {
  forget: Stat;
  retain: Stat;
  test: Stat;
}

/** Δ per set and Δ_MIA (percentage points). */
export interface GapStats extends SplitStats {
  mia: Stat;
}

/** Privacy: the trained attack and the population attack. */
export interface MiaStats {
  /** MIA-efficacy: percent of Df the trained attack calls non-member. */
  efficacy: Stat;
  /** Accuracy of the trained attack on its balanced member/non-member training set (percent). */
  attackAccuracy: Stat;
  /** Population attack (Ye et al. 2022): percent of Df flagged member at FPR ≤ `settings.populationAlpha`. */
  populationSuccess: Stat;
  /** AUC of the population attack's loss score, Df vs T. */
  populationAuc: Stat;
}

/** What is measured of any model on its own. */
export interface ModelReport {
  acc: SplitStats;
  mia: MiaStats;
  /** Wall seconds: training for Mo and Mg (null values when unknown), the method's run for a method. */
  seconds: Stat;
}

/** A trained reference model (Mo, Mg, the second Mg). */
export interface ReferenceModelReport extends ModelReport {
  /** Model digest per seed (null when unknown). */
  digests: (string | null)[];
}

/** Alignment with the gold model Mg. */
export interface AlignmentReport {
  gap: GapStats;
  /** Mean of the four gaps (percentage points; lower is better). */
  avgGap: Stat;
  /** Tug-of-war, in [0, 1] (higher is better). */
  tow: Stat;
  /** Percent of Df where argmax Mu = argmax Mg. */
  agreement: Stat;
  /** Percent of Mg-correct Df samples Mu gets right. */
  easyRecall: Stat;
  /** Percent of Mg-wrong Df samples Mu gets wrong. */
  hardForget: Stat;
  /** Mean over Df of ||softmax(Mu x) − softmax(Mg x)||₂. */
  activationDistance: Stat;
  /** Mean over Df of JS(softmax(Mu x), softmax(Mg x)), nats. */
  jsDivergence: Stat;
}

/** An unlearning method's row. */
export interface MethodReport extends ModelReport, AlignmentReport {
  name: string;
  /** Resolved parameters (of the first seed the method ran on). */
  params: Record<string, unknown>;
  /** seconds / seconds(retrain of the same seed). */
  rte: Stat;
  /**
   * A method with a prepare step: what it builds once per model and reuses for every request (its
   * seconds and RTE), reported apart from the per-request `seconds` and `rte`.
   */
  preparation?: { seconds: Stat; rte: Stat };
  /** A method with per-sample diagnostics: its easy/hard predictions against Mg's correctness on Df. */
  predictor?: {
    accuracy: Stat;
    auroc: Stat;
    /** Each feature's own AUROC for Mg-wrong samples (see PredictorSeedQuality.featureAuroc), by name. */
    featureAuroc: Record<string, Stat>;
  };
  /** The method's summary per seed (null where it did not run or gave none). */
  summaries: (Record<string, unknown> | null)[];
}

/** One curve of the population attack's ROC plot: mean TPR over seeds at each FPR of `plots.miaRoc.fpr`. */
export interface RocSeries {
  name: string;
  role: 'original' | 'gold' | 'noise-floor' | 'method';
  tpr: number[];
  /** Mean AUC over seeds (null when undefined). */
  auc: number | null;
}

/** The report. */
export interface Report {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  dataset: string;
  arch: string;
  scenario: ReportScenario;
  /** Seeds, in the order of every `values` array. */
  seeds: number[];
  /** |Df|, |Dr| (as evaluated: possibly a sample) and |T| per seed. */
  sizes: { forget: number[]; retain: number[]; test: number[] };
  /**
   * How the original model was trained and how well it fits (absent from reports of runs that did not
   * record it). A model whose member accuracy is barely above its holdout accuracy has memorised little,
   * so there is little for any method to forget: `underFit` flags it.
   */
  protocol?: ReportProtocol;
  settings: {
    /** FPR budget of the population attack's success rate. */
    populationAlpha: number;
    /** Confidence level of every `ci95`. */
    confidenceLevel: 0.95;
  };
  models: {
    /** Mo, also compared with Mg (the gaps of doing nothing). */
    original: ReferenceModelReport & AlignmentReport;
    /** Mg, the retrained model every method is measured against. */
    gold: ReferenceModelReport;
  };
  /** A second retrained model (another seed) against Mg: the smallest gaps one can expect. */
  noiseFloor: (ReferenceModelReport & AlignmentReport) | null;
  methods: MethodReport[];
  plots: {
    /** Population-attack ROC curves (Df vs T) of every model: FPR grid and one TPR series per model. */
    miaRoc: { fpr: number[]; series: RocSeries[] };
    /** Predictor scatter of the first seed, per method with predictor details. */
    predictorScatter: PredictorScatter[];
  };
  /** ISO time the report was made. */
  createdAt?: string;
  /** The command that produced it. */
  command?: string;
}

/** The training protocol of the original models, over seeds. */
export interface ReportProtocol {
  /** |D| per seed: the members the original model trained on. */
  members: number[];
  /** Training-partition images the splits were drawn from. */
  trainImages: number;
  epochs: number;
  /** The original model's accuracy on a sample of its members and on a sample of the holdout (percent). */
  memberAccuracy: Stat;
  holdoutAccuracy: Stat;
  /** Member accuracy less than {@link UNDER_FIT_MARGIN} points above holdout accuracy, on average. */
  underFit: boolean;
}

/**
 * Points by which a model's member accuracy must exceed its holdout accuracy not to be flagged under-fit.
 * A small CNN trained for 10 epochs on Fashion-MNIST is 4.5 points above; the smoke test's 3 epochs on
 * 6,000 images, under 2.
 */
export const UNDER_FIT_MARGIN = 2;

/** What the report says besides the runs. */
export interface ReportMeta {
  dataset: string;
  arch: string;
  scenario: ReportScenario;
  createdAt?: string;
  command?: string;
}

type Maybe<T> = T | null | undefined;

function stat<T>(items: readonly Maybe<T>[], read: (item: T) => number | null): Stat {
  return summarize(items.map((item) => (item == null ? null : read(item))));
}

function modelReport(items: readonly Maybe<{ metrics: ModelMetrics; seconds: number | null }>[]): ModelReport {
  const m = (read: (metrics: ModelMetrics) => number): Stat => stat(items, (item) => read(item.metrics));
  return {
    acc: { forget: m((x) => x.acc.forget), retain: m((x) => x.acc.retain), test: m((x) => x.acc.test) },
    mia: {
      efficacy: m((x) => x.mia.efficacy),
      attackAccuracy: m((x) => x.mia.attackAccuracy),
      populationSuccess: m((x) => x.mia.populationSuccess),
      populationAuc: m((x) => x.mia.populationAuc),
    },
    seconds: stat(items, (item) => item.seconds),
  };
}

function referenceReport(items: readonly Maybe<ModelSeedResult>[]): ReferenceModelReport {
  return { ...modelReport(items), digests: items.map((item) => item?.digest ?? null) };
}

function alignmentReport(items: readonly Maybe<{ alignment: AlignmentMetrics }>[]): AlignmentReport {
  const a = (read: (alignment: AlignmentMetrics) => number): Stat => stat(items, (item) => read(item.alignment));
  return {
    gap: {
      forget: a((x) => x.gap.forget),
      retain: a((x) => x.gap.retain),
      test: a((x) => x.gap.test),
      mia: a((x) => x.gap.mia),
    },
    avgGap: a((x) => x.avgGap),
    tow: a((x) => x.tow),
    agreement: a((x) => x.agreement),
    easyRecall: a((x) => x.easyRecall),
    hardForget: a((x) => x.hardForget),
    activationDistance: a((x) => x.activationDistance),
    jsDivergence: a((x) => x.jsDivergence),
  };
}

function compared(items: readonly Maybe<ComparedSeedResult>[]): ReferenceModelReport & AlignmentReport {
  return { ...referenceReport(items), ...alignmentReport(items) };
}

function methodReport(name: string, items: readonly Maybe<MethodSeedResult>[]): MethodReport {
  const first = items.find((item): item is MethodSeedResult => item != null)!;
  const withPredictor = items.some((item) => item?.predictor);
  return {
    name,
    params: first.params,
    ...modelReport(items),
    ...alignmentReport(items),
    rte: stat(items, (item) => item.rte),
    ...(items.some((item) => item?.preparation)
      ? {
          preparation: {
            seconds: stat(items, (item) => item.preparation?.seconds ?? null),
            rte: stat(items, (item) => item.preparation?.rte ?? null),
          },
        }
      : {}),
    ...(withPredictor
      ? {
          predictor: {
            accuracy: stat(items, (item) => item.predictor?.accuracy ?? null),
            auroc: stat(items, (item) => item.predictor?.auroc ?? null),
            featureAuroc: Object.fromEntries(
              [...new Set(items.flatMap((item) => Object.keys(item?.predictor?.featureAuroc ?? {})))].map((name) => [
                name,
                stat(items, (item) => item.predictor?.featureAuroc[name] ?? null),
              ]),
            ),
          },
        }
      : {}),
    summaries: items.map((item) => item?.summary ?? null),
  };
}

function rocSeries(
  name: string,
  role: RocSeries['role'],
  items: readonly Maybe<{ metrics: ModelMetrics }>[],
): RocSeries {
  const present = items.filter((item): item is { metrics: ModelMetrics } => item != null);
  const tpr = ROC_FPR_GRID.map(
    (_, g) => present.reduce((sum, item) => sum + item.metrics.mia.rocTpr[g]!, 0) / present.length,
  );
  return { name, role, tpr, auc: stat(items, (item) => item.metrics.mia.populationAuc).mean };
}

function protocolOf(runs: readonly SeedResult[]): { protocol?: ReportProtocol } {
  const protocols = runs.map((run) => run.protocol);
  if (protocols.some((p) => p === null)) return {};
  const all = protocols as NonNullable<SeedResult['protocol']>[];
  const memberAccuracy = summarize(all.map((p) => p.memberAccuracy));
  const holdoutAccuracy = summarize(all.map((p) => p.holdoutAccuracy));
  return {
    protocol: {
      members: all.map((p) => p.members),
      trainImages: all[0]!.trainImages,
      epochs: all[0]!.epochs,
      memberAccuracy,
      holdoutAccuracy,
      underFit: memberAccuracy.mean! - holdoutAccuracy.mean! < UNDER_FIT_MARGIN,
    },
  };
}

/**
 * Builds the report from per-seed results ({@link evaluateSeed}): every metric as a {@link Stat} over the
 * seeds; methods in order of first appearance (a method missing on a seed has `null` there); the ROC
 * curves averaged over seeds; the predictor scatter of the first seed each method has one.
 *
 * @throws Error for no runs, repeated seeds, or runs made with different population-attack α
 */
export function aggregateRuns(runs: readonly SeedResult[], meta: ReportMeta): Report {
  if (runs.length === 0) throw new Error('aggregateRuns: no runs');
  const seeds = runs.map((run) => run.seed);
  if (new Set(seeds).size !== seeds.length) throw new Error(`aggregateRuns: repeated seeds (${seeds.join(', ')})`);
  const alpha = runs[0]!.populationAlpha;
  if (runs.some((run) => run.populationAlpha !== alpha))
    throw new Error('aggregateRuns: runs made with different population-attack alpha');
  const names: string[] = [];
  for (const run of runs) for (const method of run.methods) if (!names.includes(method.name)) names.push(method.name);
  const perMethod = (name: string): (MethodSeedResult | null)[] =>
    runs.map((run) => run.methods.find((m) => m.name === name) ?? null);
  const noise = runs.map((run) => run.noiseFloor);
  const hasNoise = noise.some((n) => n !== null);
  const scatter: PredictorScatter[] = [];
  for (const name of names) {
    const first = perMethod(name).find((m) => m?.scatter);
    if (first?.scatter) scatter.push(first.scatter);
  }
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    dataset: meta.dataset,
    arch: meta.arch,
    scenario: meta.scenario,
    seeds,
    sizes: {
      forget: runs.map((r) => r.sizes.forget),
      retain: runs.map((r) => r.sizes.retain),
      test: runs.map((r) => r.sizes.test),
    },
    ...protocolOf(runs),
    settings: { populationAlpha: alpha, confidenceLevel: 0.95 },
    models: {
      original: compared(runs.map((run) => run.original)),
      gold: referenceReport(runs.map((run) => run.gold)),
    },
    noiseFloor: hasNoise ? compared(noise) : null,
    methods: names.map((name) => methodReport(name, perMethod(name))),
    plots: {
      miaRoc: {
        fpr: [...ROC_FPR_GRID],
        series: [
          rocSeries(
            'original',
            'original',
            runs.map((run) => run.original),
          ),
          rocSeries(
            'gold (retrain)',
            'gold',
            runs.map((run) => run.gold),
          ),
          ...(hasNoise ? [rocSeries('second retrain', 'noise-floor', noise)] : []),
          ...names.map((name) => rocSeries(name, 'method', perMethod(name))),
        ],
      },
      predictorScatter: scatter,
    },
    ...(meta.createdAt ? { createdAt: meta.createdAt } : {}),
    ...(meta.command ? { command: meta.command } : {}),
  };
}
