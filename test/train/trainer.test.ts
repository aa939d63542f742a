/**
 * The trainer's own argument checks (its numerics are pinned by the CLI training tests and by the twin's
 * replay test, test/unlearn/tmuTwin.test.ts).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageDataset } from '../../src/data/dataset.js';
import { createModel } from '../../src/models/architecture.js';
import { defaultRecipe } from '../../src/train/recipe.js';
import { train } from '../../src/train/trainer.js';

describe('trainer', () => {
  test('stopAfterEpoch outside [1, recipe.epochs] is refused before any step, naming the range', () => {
    const model = createModel({ name: 'mlp', inChannels: 1, numClasses: 10, imageSize: 28 });
    // The checks come before the data is read, so no dataset is needed.
    const dataset = {} as ImageDataset;
    const recipe = { ...defaultRecipe('mlp', false), epochs: 3 };
    try {
      for (const stop of [0, 4, 1.5]) {
        assert.throws(
          () => train({ model, dataset, ids: ['a'], recipe, normalize: { mean: [0], std: [1] }, stopAfterEpoch: stop }),
          new RegExp(`stopAfterEpoch must be an integer in \\[1, 3\\], got ${stop}`),
        );
      }
    } finally {
      model.dispose();
    }
  });
});
