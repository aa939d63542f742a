import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { presetFromFlags } from '../../src/cli/commands/bench.js';
import { presetSeeds } from '../../src/eval/presetRun.js';
import { PRESETS } from '../../src/eval/presets.js';

describe('bench seeds', () => {
  it('runs seeds 0..N-1 by default, as the reported protocol always has', () => {
    assert.deepEqual(presetSeeds(PRESETS.paper), [0, 1, 2]);
    assert.deepEqual(presetSeeds(presetFromFlags({ seeds: '2' }, 'paper')), [0, 1]);
  });

  it('--first-seed shifts the seeds to held-out instances of the scenario', () => {
    assert.deepEqual(presetSeeds(presetFromFlags({ seeds: '2', 'first-seed': '3' }, 'paper')), [3, 4]);
    assert.deepEqual(presetSeeds(presetFromFlags({ 'first-seed': '10' }, 'quick')), [10]);
  });

  it('rejects a negative or fractional first seed by flag name', () => {
    assert.throws(
      () => presetFromFlags({ 'first-seed': '-1' }, 'paper'),
      (error: unknown) => error instanceof UsageError && /--first-seed/.test(error.message),
    );
    assert.throws(() => presetFromFlags({ 'first-seed': '1.5' }, 'paper'), /--first-seed must be an integer/);
    assert.throws(() => presetSeeds({ seeds: 2, firstSeed: -3 }), /firstSeed must be a non-negative integer, got -3/);
    assert.throws(() => presetSeeds({ seeds: 0 }), /seeds must be a positive integer/);
  });
});
