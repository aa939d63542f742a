/**
 * A TMU-only benchmark report judged against the baselines of an earlier report of the same runs
 * (bench/tmuAcceptance.ts --baselines): merged only when scenario, seeds, original and gold models match.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { withBaselines } from '../../bench/lib/mergeReports.js';
import type { Report } from '../../src/eval/report.js';

/** Only the fields the merge reads. */
function report(options: { methods: string[]; original?: string[]; gold?: string[]; seeds?: number[]; cls?: number; floor?: string | null }): Report {
  return {
    scenario: { name: 'subclass', class: options.cls ?? 4, fraction: 0.1 },
    seeds: options.seeds ?? [0, 1],
    models: { original: { digests: options.original ?? ['o0', 'o1'] }, gold: { digests: options.gold ?? ['g0', 'g1'] } },
    noiseFloor: options.floor === undefined ? null : options.floor,
    methods: options.methods.map((name) => ({ name, tag: `${name}@${options.floor ?? 'new'}` })),
  } as unknown as Report;
}

describe('TMU report merged with earlier baselines', () => {
  test("keeps the new report's TMU row and takes every other row and the noise floor from the baselines", () => {
    const merged = withBaselines(report({ methods: ['tmu'] }), report({ methods: ['finetune', 'tmu', 'random-label'], floor: 'floor' }), 'tmu');
    assert.deepEqual(merged.methods.map((m) => `${m.name}:${(m as unknown as { tag: string }).tag}`), ['tmu:tmu@new', 'finetune:finetune@floor', 'random-label:random-label@floor']);
    assert.equal(merged.noiseFloor as unknown, 'floor');
  });

  test('refuses baselines of other models, seeds or scenarios, naming what differs', () => {
    const ours = report({ methods: ['tmu'] });
    assert.throws(() => withBaselines(ours, report({ methods: ['finetune'], original: ['o0', 'x'] }), 'tmu'), /original models differ/);
    assert.throws(() => withBaselines(ours, report({ methods: ['finetune'], gold: ['g0', 'x'] }), 'tmu'), /gold models differ/);
    assert.throws(() => withBaselines(ours, report({ methods: ['finetune'], seeds: [0, 2] }), 'tmu'), /seeds \[0,2\] are not \[0,1\]/);
    assert.throws(() => withBaselines(ours, report({ methods: ['finetune'], cls: 6 }), 'tmu'), /scenario subclass\/6\/0.1 is not subclass\/4\/0.1/);
  });

  test('a report without the method, or baselines without any other method, is an error', () => {
    assert.throws(() => withBaselines(report({ methods: ['finetune'] }), report({ methods: ['finetune'] }), 'tmu'), /no tmu in the report/);
    assert.throws(() => withBaselines(report({ methods: ['tmu'] }), report({ methods: ['tmu'] }), 'tmu'), /no method other than tmu/);
  });
});
