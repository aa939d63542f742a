/**
 * One method's rows of a benchmark report combined with the other methods' rows of an earlier report of
 * the same runs (bench/tmuAcceptance.ts `--baselines`): when only TMU changed, its new runs are judged
 * against baselines that were not re-run, which is sound only if both reports evaluated the same original
 * and gold models on the same seeds. That is checked, not assumed.
 *
 * @module
 */

import type { Report } from '../../src/eval/report.js';

/** The scenario as a key: name, class and fraction. */
export function scenarioKey(report: Pick<Report, 'scenario'>): string {
  const { name, class: label, fraction } = report.scenario;
  return `${name}/${label ?? '-'}/${fraction ?? '-'}`;
}

/**
 * `report` with `method`'s row kept and every other method's row (and the noise floor, if `report` has
 * none) taken from `baselines`. Throws, naming the difference, unless both reports cover the same
 * scenario and seeds with the same original and gold models.
 */
export function withBaselines(report: Report, baselines: Report, method: string): Report {
  const where = `${scenarioKey(report)}`;
  if (scenarioKey(report) !== scenarioKey(baselines)) throw new Error(`--baselines: scenario ${scenarioKey(baselines)} is not ${where}`);
  if (JSON.stringify(report.seeds) !== JSON.stringify(baselines.seeds)) throw new Error(`--baselines ${where}: seeds ${JSON.stringify(baselines.seeds)} are not ${JSON.stringify(report.seeds)}`);
  for (const model of ['original', 'gold'] as const) {
    const ours = report.models[model].digests;
    const theirs = baselines.models[model].digests;
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) throw new Error(`--baselines ${where}: the ${model} models differ (digests ${JSON.stringify(theirs)} against ${JSON.stringify(ours)})`);
  }
  const own = report.methods.find((m) => m.name === method);
  if (!own) throw new Error(`${where}: no ${method} in the report`);
  const others = baselines.methods.filter((m) => m.name !== method);
  if (others.length === 0) throw new Error(`--baselines ${where}: the report holds no method other than ${method}`);
  return { ...report, noiseFloor: report.noiseFloor ?? baselines.noiseFloor, methods: [own, ...others] };
}
