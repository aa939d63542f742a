/**
 * Evaluation: metrics of unlearned models against the gold (retrained) model, membership-inference
 * attacks, the report (`report.json`, schema/report.schema.json) and its Markdown and HTML renderings.
 * DESIGN.md sections 6 and 7; definitions in docs/metrics.md.
 *
 * @module
 */

export { auroc } from '../train/metrics.js';
export { accuracyPercent, correctness, setAccuracy } from './accuracy.js';
export { agreement, easyRecall, hardForget } from './agreement.js';
export { ATTACK_FEATURES, attackFeatures } from './attackFeatures.js';
export type { SplitIds } from './collect.js';
export { collectOutputs, toSetOutputs } from './collect.js';
export { relativeTime } from './cost.js';
export { activationDistance, jsDivergence } from './divergence.js';
export type {
  AlignmentMetrics,
  ComparedSeedResult,
  EvaluateOptions,
  MethodRun,
  MethodSeedResult,
  ModelMetrics,
  ModelRun,
  ModelSeedResult,
  PredictorDetails,
  PredictorScatter,
  ScatterPoint,
  SeedInput,
  SeedResult,
} from './evaluate.js';
export { compareToGold, evaluateModel, evaluateSeed } from './evaluate.js';
export type { Gaps } from './gaps.js';
export { averageGap, gap, tugOfWar } from './gaps.js';
export { renderHtml } from './html.js';
export type { LogisticRegression, LogisticRegressionOptions } from './logisticRegression.js';
export { fitLogisticRegression, predictLogisticRegression } from './logisticRegression.js';
export { renderMarkdown } from './markdown.js';
export type { MiaInputs, MiaResult } from './mia.js';
export { miaEfficacy } from './mia.js';
export type { SetOutputs, SplitName, SplitOutputs } from './outputs.js';
export { checkSameRows, SPLIT_NAMES } from './outputs.js';
export type { PopulationAttackResult } from './populationAttack.js';
export { lossThreshold, populationAttack } from './populationAttack.js';
export type { PredictorQuality } from './predictorQuality.js';
export { predictorQuality } from './predictorQuality.js';
export { argmaxRows, crossEntropyRows, softmaxRows } from './probabilities.js';
export type {
  AlignmentReport,
  GapStats,
  MethodReport,
  MiaStats,
  ModelReport,
  ReferenceModelReport,
  Report,
  ReportMeta,
  ReportScenario,
  RocSeries,
  SplitStats,
} from './report.js';
export { aggregateRuns, REPORT_FORMAT, REPORT_VERSION } from './report.js';
export { ROC_FPR_GRID } from './rocGrid.js';
export type { Stat } from './statistics.js';
export { confidenceInterval95, mean, sampleStd, studentTQuantile, summarize } from './statistics.js';
export { renderScenarioSummary } from './summary.js';
