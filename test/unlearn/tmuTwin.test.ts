/**
 * TMU's twin problem and curriculum model on a small CNN trained on a tiny real Fashion-MNIST subset: what
 * the twin draws and labels, that the same options give the same twin, and where the curriculum model
 * comes from.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createModel } from '../../src/models/architecture.js';
import type { Classifier } from '../../src/models/classifier.js';
import { silentProgress } from '../../src/train/progress.js';
import { initialiseSeed, train } from '../../src/train/trainer.js';
import { PreparationCache } from '../../src/unlearn/cache.js';
import { curriculumModel } from '../../src/unlearn/tmu/curriculum.js';
import { correctness, modelOutputs } from '../../src/unlearn/tmu/outputs.js';
import { buildTwin, errorRateByClass, type TwinOptions } from '../../src/unlearn/tmu/twin.js';
import { buildFixture, type Fixture, fashionSubset, tempDir } from './support.js';

const work = tempDir('tmu-twin-');
const dataDir = fashionSubset(join(work, 'data'));

const OPTIONS: TwinOptions = {
  perClass: 10,
  epochs: 1,
  lr: 0.05,
  retainMultiple: 1,
  pgdEps: 4 / 255,
  pgdSteps: 1,
  neighbours: 3,
  classNeighbours: 5,
  seed: 0,
};

function sameWeights(a: Classifier, b: Classifier): boolean {
  const other = b.stateDict();
  for (const [name, tensor] of a.stateDict()) {
    const x = tensor.toTypedArray();
    const y = other.get(name)!.toTypedArray();
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

describe('TMU twin problem', { timeout: 300_000 }, () => {
  let fixture: Fixture;
  const noCache = () => new PreparationCache(null, null, silentProgress);
  before(() => {
    fixture = buildFixture(dataDir, { epochs: 2, forgetClass: 1, fraction: 0.5 });
  });
  after(() => fixture?.original.dispose());

  test("draws up to perClass holdout samples of every class, labelled by Mo's correctness, with Mo's holdout error per class", () => {
    const curriculum = curriculumModel(fixture.ctx, 2, noCache());
    const twin = buildTwin(fixture.ctx, OPTIONS, curriculum.model);
    try {
      const holdout = new Set(fixture.ctx.holdoutIds);
      assert.ok(
        twin.ids.every((id) => holdout.has(id)),
        'Dt is drawn from the holdout',
      );
      const perClass = new Map<number, number>();
      for (const label of twin.labels) perClass.set(label, (perClass.get(label) ?? 0) + 1);
      assert.equal(perClass.size, 10);
      assert.ok([...perClass.values()].every((count) => count <= OPTIONS.perClass));
      const onTwin = modelOutputs(fixture.original, fixture.data.train, twin.ids, fixture.ctx.normalize);
      assert.deepEqual(Array.from(twin.generalisation), Array.from(correctness(onTwin)), 'g(x) = [Mo(x) = y]');
      const onHoldout = modelOutputs(
        fixture.original,
        fixture.data.train,
        fixture.ctx.holdoutIds,
        fixture.ctx.normalize,
      );
      const expected = errorRateByClass(correctness(onHoldout), onHoldout.labels, 10);
      assert.deepEqual(twin.hardRateByClass, expected);
      for (const name of ['distance', 'adversarial', 'curriculum', 'neighbourhood'] as const)
        assert.equal(twin.features[name].length, twin.ids.length, name);
      assert.equal(
        twin.reference.labels.length,
        fixture.split.member.length,
        "the reference set is Mo's features over D",
      );
    } finally {
      curriculum.model.dispose();
    }
  });

  test('the same options and seed give the same twin; another seed draws another one', () => {
    const curriculum = curriculumModel(fixture.ctx, 2, noCache());
    try {
      const a = buildTwin(fixture.ctx, OPTIONS, curriculum.model);
      const b = buildTwin(fixture.ctx, OPTIONS, curriculum.model);
      const c = buildTwin(fixture.ctx, { ...OPTIONS, seed: 1 }, curriculum.model);
      assert.deepEqual(b.ids, a.ids);
      assert.deepEqual(Array.from(b.features.distance), Array.from(a.features.distance));
      assert.notDeepEqual(c.ids, a.ids);
    } finally {
      curriculum.model.dispose();
    }
  });

  test('the error rate per class counts wrong predictions over each class, NaN for a class without samples', () => {
    const rates = errorRateByClass(Uint8Array.from([1, 0, 1, 1, 0, 0]), [0, 0, 0, 0, 1, 1], 3);
    assert.deepEqual(rates.slice(0, 2), [0.25, 1]);
    assert.ok(Number.isNaN(rates[2]));
  });

  test("the curriculum model is Mo's own run at the epoch asked for: the checkpoint the run kept, or a replay with the same weights", () => {
    // Mo's run as its training would keep it at epoch 1 (of 2).
    initialiseSeed(fixture.recipe.seed);
    const run = createModel(fixture.architecture);
    const checkpoint = join(work, 'curriculum-epoch-1.safetensors');
    train({
      model: run,
      dataset: fixture.data.train,
      ids: fixture.split.member,
      recipe: fixture.recipe,
      normalize: fixture.ctx.normalize,
      curriculum: { epoch: 1, path: checkpoint },
    });
    run.dispose();
    const withCheckpoint = { ...fixture.ctx, curriculum: { path: checkpoint, epoch: 1 } };
    const kept = curriculumModel(withCheckpoint, 1, noCache());
    const replayed = curriculumModel({ ...fixture.ctx, curriculum: null }, 1, noCache());
    // A checkpoint of another epoch is not the model asked for: the run is replayed to its last epoch (capped at 2), which is Mo.
    const capped = curriculumModel(withCheckpoint, 9, noCache());
    try {
      assert.deepEqual([kept.source, replayed.source, capped.source], ['original-run', 'replayed', 'replayed']);
      assert.equal(kept.buildSeconds, 0, 'the kept checkpoint costs nothing');
      assert.deepEqual([kept.epoch, replayed.epoch, capped.epoch], [1, 1, 2]);
      assert.equal(sameWeights(kept.model, replayed.model), true, 'the replay to epoch 1 has the weights the run kept');
      assert.equal(sameWeights(capped.model, fixture.original), true, 'replayed to its last epoch, the run is Mo');
      assert.equal(sameWeights(kept.model, capped.model), false, 'epochs 1 and 2 differ');
    } finally {
      for (const curriculum of [kept, replayed, capped]) curriculum.model.dispose();
    }
  });
});
