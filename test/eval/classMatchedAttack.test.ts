/**
 * The class-matched population attack on real models: a gold model trained without a forget set drawn
 * from a hard class cannot tell those samples from the test samples of their class (AUC 0.5 within
 * sampling noise), while the original model, which trained on them, can.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { retainIds, selectForget } from '../../src/data/forget.js';
import { loadDataset } from '../../src/data/registry.js';
import { makeSplit } from '../../src/data/split.js';
import { collectOutputs } from '../../src/eval/collect.js';
import { populationAttack } from '../../src/eval/populationAttack.js';
import { type ArchitectureSpec, createModel } from '../../src/models/architecture.js';
import { defaultRecipe } from '../../src/train/recipe.js';
import { initialiseSeed, train } from '../../src/train/trainer.js';
import { fashionSubset, tempDir } from '../unlearn/support.js';

const work = tempDir('tmu-attack-');
// 12,000 training images: 9,000 members, about 900 of class 6 (shirt, the class models err on most).
const dataDir = fashionSubset(join(work, 'data'), { train: 12_000, test: 10_000 });

describe('class-matched population attack on real models', { timeout: 900_000 }, () => {
  test('the gold model gets an AUC within 0.05 of 0.5 on a Df of over 400 shirts; the original model, which trained on them, more', () => {
    const data = loadDataset('fashion-mnist', { dataDir });
    const split = makeSplit(data.train, data.test, { seed: 0 });
    const forget = selectForget(split, data.train, { scenario: 'subclass', class: 6, fraction: 0.45 }, 0);
    assert.ok(forget.ids.length >= 400, `|Df| = ${forget.ids.length}`);
    const architecture: ArchitectureSpec = { name: 'cnn', inChannels: 1, numClasses: 10, imageSize: 28 };
    const recipe = { ...defaultRecipe('cnn', false), epochs: 6 };
    const normalize = { mean: data.stats.mean, std: data.stats.std };
    const auc = (ids: readonly string[]): number => {
      initialiseSeed(recipe.seed);
      const model = createModel(architecture);
      try {
        train({ model, dataset: data.train, ids, recipe, normalize });
        const outputs = collectOutputs(
          model,
          data,
          { forget: forget.ids, retain: forget.ids.slice(0, 1), test: split.test },
          normalize,
        );
        return populationAttack(outputs.test, outputs.forget).auc;
      } finally {
        model.dispose();
      }
    };
    const gold = auc(retainIds(split, forget.ids));
    assert.ok(Math.abs(gold - 0.5) <= 0.05, `gold model AUC ${gold}`);
    const original = auc(split.member);
    assert.ok(original > gold + 0.03, `original model AUC ${original}, gold ${gold}: training on Df shows`);
  });
});
