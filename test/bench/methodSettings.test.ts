/**
 * Settings comparison of two runs of a method: what the pooled and cost verdicts refuse to mix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  methodSettingsDifferences,
  RUN_ONLY_PARAMS,
  restoreTmuParams,
  settingsDifferences,
} from '../../bench/lib/methodSettings.js';
import { resolveParams } from '../../src/unlearn/params.js';
import { tmu } from '../../src/unlearn/tmu/tmu.js';

describe('settings of two runs', () => {
  test('equal settings, in any key order and with other update seeds, have no difference', () => {
    assert.deepEqual(
      settingsDifferences(
        { features: ['a', 'b'], lr: 0.01, updateSeed: 100 },
        { updateSeed: 101, lr: 0.01, features: ['a', 'b'] },
      ),
      [],
    );
  });

  test('names every differing key with both values, sorted, and a key only one side has as absent', () => {
    assert.deepEqual(settingsDifferences({ lr: 0.01, features: ['a'], slope: 0 }, { lr: 0.02, features: ['a', 'b'] }), [
      'features: ["a"] vs ["a","b"]',
      'lr: 0.01 vs 0.02',
      'slope: 0 vs absent',
    ]);
  });

  test('ignores exactly the keys it is told to, by default the update seed and a forced twin rebuild', () => {
    assert.deepEqual([...RUN_ONLY_PARAMS], ['updateSeed', 'rebuildTwin']);
    assert.deepEqual(settingsDifferences({ rebuildTwin: true }, { rebuildTwin: false }), []);
    assert.deepEqual(settingsDifferences({ updateSeed: 1 }, { updateSeed: 2 }, []), ['updateSeed: 1 vs 2']);
  });

  test("a TMU run recorded before an option existed compares equal to today's run at the value that reproduces it", () => {
    const today = resolveParams(tmu, { updateSeed: 100 }) as Record<string, unknown>;
    const { hardRateShift: _added, ...older } = today;
    assert.deepEqual(
      settingsDifferences(today, older),
      ['hardRateShift: "none" vs absent'],
      'compared as recorded, the missing option shows',
    );
    assert.deepEqual(methodSettingsDifferences('tmu', today, older), []);
    assert.deepEqual(
      methodSettingsDifferences('tmu', { ...today, hardRateShift: 'predictor-mass' }, older),
      ['hardRateShift: "predictor-mass" vs "none"'],
      'an option set away from the old behaviour is still a difference',
    );
  });

  test("an option whose old behaviour is not today's default is restored to the old behaviour, and so differs", () => {
    const today = resolveParams(tmu, {}) as Record<string, unknown>;
    const { scaler: _added, ...older } = today;
    assert.equal(restoreTmuParams(older)?.scaler, 'tukey');
    assert.deepEqual(methodSettingsDifferences('tmu', today, older), ['scaler: "quantile" vs "tukey"']);
  });

  test("settings today's schema refuses, and other methods' settings, are compared as recorded", () => {
    const today = resolveParams(tmu, {}) as Record<string, unknown>;
    assert.equal(restoreTmuParams({ ...today, removedOption: 1 }), null);
    assert.deepEqual(methodSettingsDifferences('tmu', today, { ...today, removedOption: 1 }), [
      'removedOption: absent vs 1',
    ]);
    assert.deepEqual(methodSettingsDifferences('finetune', { epochs: 3 }, {}), ['epochs: 3 vs absent']);
  });
});
