/**
 * The standing rule for a new TMU default: instances average over update seeds, the target must improve
 * on both means with one of them significant, and the guard must not get significantly worse.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { PairedRun } from '../../bench/lib/pairedRule.js';
import { instanceDifferences, judgeStanding, unitDifferences } from '../../bench/lib/standingRule.js';

/** A pair whose variant differs from a base at (90, 2) by (agreement, avgGap). */
const run = (
  scenario: string,
  seed: number,
  updateSeed: number | null,
  agreement: number,
  avgGap: number,
): PairedRun => ({
  scenario,
  seed,
  updateSeed,
  base: { agreement: 90, avgGap: 2, predictorAuroc: null },
  variant: { agreement: 90 + agreement, avgGap: 2 + avgGap, predictorAuroc: null },
});

const close = (actual: number | null, expected: number): void =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

describe('TMU standing acceptance rule', () => {
  test("an instance's difference is the mean over its update seeds", () => {
    const differences = instanceDifferences([
      run('c4x2', 3, null, 1, -1),
      run('c4x2', 3, 100, 0, 0),
      run('c4x2', 4, null, -1, 1),
    ]);
    assert.equal(differences.length, 2);
    assert.deepEqual(
      differences.map((d) => [d.scenario, d.seed, d.updateSeeds]),
      [
        ['c4x2', 3, 2],
        ['c4x2', 4, 1],
      ],
    );
    close(differences[0]!.agreement, 0.5);
    close(differences[0]!.avgGap, -0.5);
  });

  test('the same update seed twice on one instance is an error, not a double weight', () => {
    assert.throws(
      () => instanceDifferences([run('c6x2', 5, 100, 1, 0), run('c6x2', 5, 100, 2, 0)]),
      /c6x2 seed 5 has update seed 100 twice/,
    );
  });

  test('a consistent gain on the target with a harmless guard is adopted', () => {
    const verdict = judgeStanding(
      [
        run('c4x2', 3, null, 0.5, -0.3),
        run('c4x2', 4, null, 0.6, -0.2),
        run('c6x2', 3, null, 0.4, -0.4),
        run('c3', 0, null, -0.1, 0.05),
        run('c3', 1, null, 0.1, -0.05),
      ],
      ['c4x2', 'c6x2'],
    );
    assert.equal(verdict.target.instances, 3);
    assert.deepEqual(verdict.target.scenarios, ['c4x2', 'c6x2']);
    close(verdict.target.agreement.mean, 0.5);
    close(verdict.target.agreement.standardError, 0.1 / Math.sqrt(3));
    assert.equal(verdict.improvesTarget, true);
    assert.equal(verdict.harmlessOnGuard, true);
    assert.equal(verdict.adopt, true);
  });

  test('a gain within noise on the target is not adopted', () => {
    const verdict = judgeStanding(
      [run('c4x2', 3, null, 1.0, -0.1), run('c4x2', 4, null, -0.8, 0.05), run('c6x2', 3, null, 0.1, -0.1)],
      ['c4x2', 'c6x2'],
    );
    assert.ok(verdict.target.agreement.mean > 0 && verdict.target.avgGap.mean < 0);
    assert.equal(verdict.improvesTarget, false);
    assert.equal(verdict.adopt, false);
  });

  test('a target gain with the Avg.Gap rising is not adopted, however significant the agreement', () => {
    const verdict = judgeStanding([run('c4x2', 3, null, 1, 0.1), run('c4x2', 4, null, 1.1, 0.1)], ['c4x2']);
    assert.equal(verdict.improvesTarget, false);
  });

  test('a significant loss on the guard blocks adoption', () => {
    const verdict = judgeStanding(
      [
        run('c4x2', 3, null, 0.5, -0.3),
        run('c4x2', 4, null, 0.6, -0.2),
        run('r1', 0, null, -0.5, 0),
        run('r1', 1, null, -0.6, 0),
      ],
      ['c4x2'],
    );
    assert.equal(verdict.improvesTarget, true);
    assert.equal(verdict.harmlessOnGuard, false);
    assert.equal(verdict.adopt, false);
  });

  test('target instances that share a unit and a seed count once: their differences are averaged before the standard error', () => {
    const runs = [
      run('c2x1', 3, null, 0.7, -0.5),
      run('c2x2', 3, null, 0.5, -0.3),
      run('c2x1', 4, null, 0.4, -0.2),
      run('c2x2', 4, null, 0.4, -0.4),
      run('c6x1', 3, null, 0.2, 0.1),
      run('c6x2', 3, null, 0.2, 0.1),
    ];
    const unit = (scenario: string): string => `class ${scenario.slice(1, 2)}`;
    const verdict = judgeStanding(runs, ['c2x1', 'c2x2', 'c6x1', 'c6x2'], unit);
    assert.equal(verdict.target.instances, 6);
    assert.equal(verdict.target.units, 3, 'class 2 at seeds 3 and 4, class 6 at seed 3');
    close(verdict.target.agreement.mean, (0.6 + 0.4 + 0.2) / 3);
    close(verdict.target.agreement.standardError, 0.2 / Math.sqrt(3));
    const byInstance = judgeStanding(runs, ['c2x1', 'c2x2', 'c6x1', 'c6x2']);
    assert.equal(byInstance.target.units, 6, 'without units every instance counts');
    assert.ok(
      byInstance.target.agreement.standardError! < verdict.target.agreement.standardError!,
      'pairs that share a Mo no longer narrow the error as if independent',
    );
    const [only, ...rest] = unitDifferences(instanceDifferences(runs.slice(0, 2)), unit);
    assert.equal(rest.length, 0);
    close(only!.agreement, 0.6);
    close(only!.avgGap, -0.4);
  });

  test('without guard scenarios only the target decides; a target of one instance cannot be judged', () => {
    assert.equal(
      judgeStanding([run('c4x2', 3, null, 0.5, -0.3), run('c4x2', 4, null, 0.6, -0.2)], ['c4x2']).guard,
      null,
    );
    assert.throws(
      () => judgeStanding([run('c4x2', 3, null, 0.5, -0.3), run('c3', 0, null, 0, 0)], ['c4x2']),
      /need at least two units, got 1/,
    );
  });
});
