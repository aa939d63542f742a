/**
 * The validation comparison of a TMU variant with the defaults: pairing per seed and the two rules.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { judge, type PairedRun, pairRuns } from '../../bench/lib/pairedRule.js';
import type { MethodReport } from '../../src/eval/report.js';

const stat = (values: (number | null)[]) => ({ mean: null, ci95: null, values });
/** Only the fields the pairing reads. */
const report = (agreement: (number | null)[], avgGap: (number | null)[], auroc?: (number | null)[]): MethodReport =>
  ({
    agreement: stat(agreement),
    avgGap: stat(avgGap),
    ...(auroc ? { predictor: { auroc: stat(auroc) } } : {}),
  }) as unknown as MethodReport;

const run = (base: [number, number, number?], variant: [number, number, number?]): PairedRun => ({
  scenario: 's',
  seed: 0,
  updateSeed: null,
  base: { agreement: base[0], avgGap: base[1], predictorAuroc: base[2] ?? null },
  variant: { agreement: variant[0], avgGap: variant[1], predictorAuroc: variant[2] ?? null },
});

describe('TMU validation comparison', () => {
  test('runs are paired by seed, leaving out seeds either arm lacks', () => {
    const runs = pairRuns('c3', [0, 1, 2], report([94, 95, null], [1, 2, 3]), report([94.5, 94, 93], [0.5, 2.5, 3]));
    assert.deepEqual(runs, [
      {
        scenario: 'c3',
        seed: 0,
        updateSeed: null,
        base: { agreement: 94, avgGap: 1, predictorAuroc: null },
        variant: { agreement: 94.5, avgGap: 0.5, predictorAuroc: null },
      },
      {
        scenario: 'c3',
        seed: 1,
        updateSeed: null,
        base: { agreement: 95, avgGap: 2, predictorAuroc: null },
        variant: { agreement: 94, avgGap: 2.5, predictorAuroc: null },
      },
    ]);
  });

  test("pairs carry the reports' own seeds and the update seed they share", () => {
    const runs = pairRuns('c4x2', [3, 4], report([90, 91], [2, 3]), report([91, 92], [1, 2]), 100);
    assert.deepEqual(
      runs.map((r) => [r.seed, r.updateSeed]),
      [
        [3, 100],
        [4, 100],
      ],
    );
    assert.throws(
      () => pairRuns('c4x2', [3, 4, 5], report([90, 91], [2, 3]), report([91, 92], [1, 2])),
      /c4x2: 3 seeds but 2 base and 2 variant values/,
    );
  });

  test("the predictor's AUROC is paired too, and counted over the pairs where both arms report it", () => {
    const runs = pairRuns('r5', [0, 1], report([94, 95], [1, 2], [0.95, 0.96]), report([94, 95], [1, 2], [0.97, 0.96]));
    assert.deepEqual(
      runs.map((r) => [r.base.predictorAuroc, r.variant.predictorAuroc]),
      [
        [0.95, 0.97],
        [0.96, 0.96],
      ],
    );
    const verdict = judge([...runs, run([94, 1], [94, 1])]);
    assert.equal(verdict.predictorAuroc!.runs, 2);
    assert.equal(verdict.predictorAuroc!.higher, 1, 'an equal AUROC is not higher');
    assert.ok(Math.abs(verdict.predictorAuroc!.mean.variant - 0.965) < 1e-12);
    assert.equal(judge([run([94, 1], [94, 1])]).predictorAuroc, null);
  });

  test('the paired rule needs agreement at least as high on three quarters of the pairs and a lower mean Avg.Gap', () => {
    const better = [
      run([94, 1], [94, 0.9]),
      run([94, 1], [94.2, 1]),
      run([94, 1], [94.1, 1.1]),
      run([94, 1], [93, 0.5]),
    ];
    const verdict = judge(better);
    assert.equal(verdict.agreementAtLeastAsHigh, 3);
    assert.equal(verdict.avgGapLower, 2);
    assert.equal(verdict.rules.paired, true);
    assert.equal(
      judge(better.slice(0, 3).concat(run([94, 1], [93, 0.5]), run([94, 1], [93, 0.5]))).rules.paired,
      false,
      '3 of 5 is under three quarters',
    );
    assert.equal(judge([run([94, 1], [94, 1])]).rules.paired, false, 'an equal Avg.Gap is not lower');
  });

  test('the non-inferiority rule allows 0.1 pp less agreement and 0.1 more Avg.Gap on the means, no more', () => {
    assert.equal(judge([run([94, 1], [93.95, 1.05])]).rules.nonInferior, true);
    assert.equal(judge([run([94, 1], [93.8, 0.5])]).rules.nonInferior, false);
    assert.equal(judge([run([94, 1], [95, 1.2])]).rules.nonInferior, false);
    assert.throws(() => judge([]), /no paired runs/);
  });
});
