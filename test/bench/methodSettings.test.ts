/**
 * Settings comparison of two runs of a method: what the pooled and cost verdicts refuse to mix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RUN_ONLY_PARAMS, settingsDifferences } from '../../bench/lib/methodSettings.js';

describe('settings of two runs', () => {
  test('equal settings, in any key order and with other update seeds, have no difference', () => {
    assert.deepEqual(settingsDifferences({ features: ['a', 'b'], lr: 0.01, updateSeed: 100 }, { updateSeed: 101, lr: 0.01, features: ['a', 'b'] }), []);
  });

  test('names every differing key with both values, sorted, and a key only one side has as absent', () => {
    assert.deepEqual(settingsDifferences({ lr: 0.01, features: ['a'], slope: 0 }, { lr: 0.02, features: ['a', 'b'] }), [
      'features: ["a"] vs ["a","b"]', 'lr: 0.01 vs 0.02', 'slope: 0 vs absent',
    ]);
  });

  test('ignores exactly the keys it is told to, by default the update seed and a forced twin rebuild', () => {
    assert.deepEqual([...RUN_ONLY_PARAMS], ['updateSeed', 'rebuildTwin']);
    assert.deepEqual(settingsDifferences({ rebuildTwin: true }, { rebuildTwin: false }), []);
    assert.deepEqual(settingsDifferences({ updateSeed: 1 }, { updateSeed: 2 }, []), ['updateSeed: 1 vs 2']);
  });
});
