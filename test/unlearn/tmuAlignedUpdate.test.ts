/**
 * TMU's aligned update on a small CNN trained on a tiny real Fashion-MNIST subset: the retain sample and
 * the held forget samples are distilled towards Mo's own outputs (so they hold Mo where it stands), the
 * hard samples move it, each forget sample's weight scales its pull, and bad targets are refused.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { retainIds } from '../../src/data/forget.js';
import type { Classifier } from '../../src/models/classifier.js';
import { cloneClassifier } from '../../src/unlearn/clone.js';
import type { UnlearnContext } from '../../src/unlearn/context.js';
import { type AlignedUpdateOptions, alignedUpdate, type UpdateTargets } from '../../src/unlearn/tmu/alignedUpdate.js';
import { modelOutputs } from '../../src/unlearn/tmu/outputs.js';
import { buildFixture, type Fixture, fashionSubset, tempDir } from './support.js';

const work = tempDir('tmu-aligned-');
const dataDir = fashionSubset(join(work, 'data'));

const OPTIONS: AlignedUpdateOptions = { epochs: 1, lr: 0.01, batchSize: 64, retainMultiple: 1, seed: 0 };

/** The largest absolute difference between the weights of two models. */
function maxWeightChange(a: Classifier, b: Classifier): number {
  const other = b.stateDict();
  let max = 0;
  for (const [name, tensor] of a.stateDict()) {
    const x = tensor.toTypedArray() as Float32Array;
    const y = other.get(name)!.toTypedArray() as Float32Array;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  }
  return max;
}

describe('TMU aligned update', { timeout: 300_000 }, () => {
  let fixture: Fixture;
  /** The fixture's context with these forget ids. */
  let forgetting: (ids: readonly string[]) => UnlearnContext;
  /** Mo's own logits on the ids: targets that hold Mo where it stands. */
  let moTargets: (ids: readonly string[]) => Map<string, Float32Array>;
  const labelOf = (id: string): number => fixture.data.train.labels[fixture.data.train.indexOf(id)]!;
  before(() => {
    fixture = buildFixture(dataDir, { epochs: 3, forgetClass: 1, fraction: 0.5 });
    forgetting = (ids) => ({ ...fixture.ctx, forgetIds: ids, retainIds: retainIds(fixture.split, ids) });
    moTargets = (ids) => {
      const outputs = modelOutputs(fixture.original, fixture.data.train, ids, fixture.ctx.normalize);
      const k = outputs.numClasses;
      return new Map(ids.map((id, i) => [id, outputs.logits.slice(i * k, (i + 1) * k)]));
    };
  });
  after(() => fixture?.original.dispose());

  /** Runs the update from a copy of Mo and returns how far its weights moved. */
  const moved = (ctx: UnlearnContext, targets: UpdateTargets, options: Partial<AlignedUpdateOptions> = {}): number => {
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      alignedUpdate(ctx, model, targets, { ...OPTIONS, ...options });
      return maxWeightChange(model, fixture.original);
    } finally {
      model.dispose();
    }
  };

  test("held samples distilled at Mo's own outputs, with the retain sample, barely move the weights; fitted to wrong labels they move them", () => {
    const ids = fixture.ctx.forgetIds.slice(0, 40);
    const held = moved(forgetting(ids), { held: moTargets(ids), hardLabels: new Map(), weights: new Map() });
    const relabelled = moved(forgetting(ids), {
      held: new Map(),
      hardLabels: new Map(ids.map((id) => [id, (labelOf(id) + 1) % 10])),
      weights: new Map(),
    });
    assert.ok(held < relabelled / 10, `held at Mo: ${held}; relabelled: ${relabelled}`);
  });

  test('hard samples fitted to a wrong label move the model, in proportion to their weight: at weight 0 they do not', () => {
    const ids = fixture.ctx.forgetIds.slice(0, 20);
    const hardLabels = new Map(ids.map((id) => [id, (labelOf(id) + 1) % 10]));
    const at = (weight: number): number =>
      moved(forgetting(ids), { held: new Map(), hardLabels, weights: new Map(ids.map((id) => [id, weight])) });
    const silenced = at(0);
    const weighed = at(1);
    assert.ok(
      silenced < weighed / 10,
      `hard samples at weight 0 moved a weight by ${silenced}, at weight 1 by ${weighed}`,
    );
  });

  test("with TMU's update settings, the hard samples end misclassified and the held ones mostly keep Mo's prediction", () => {
    const ids = fixture.ctx.forgetIds.slice(0, 60);
    const before = modelOutputs(fixture.original, fixture.data.train, ids, fixture.ctx.normalize);
    const k = before.numClasses;
    const prediction = (outputs: typeof before, i: number): number => {
      let best = 0;
      for (let j = 1; j < k; j++) if (outputs.logits[i * k + j]! > outputs.logits[i * k + best]!) best = j;
      return best;
    };
    // The hard ones are the tenth Mo is least sure of, as a predictor ranks them.
    const margin = (i: number): number => {
      const label = before.labels[i]!;
      let other = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < k; j++) if (j !== label) other = Math.max(other, before.logits[i * k + j]!);
      return before.logits[i * k + label]! - other;
    };
    const order = ids.map((_, i) => i).sort((a, b) => margin(a) - margin(b));
    const hard = new Set(order.slice(0, 6).map((i) => ids[i]!));
    const hardLabels = new Map([...hard].map((id) => [id, (labelOf(id) + 1) % 10]));
    const heldIds = ids.filter((id) => !hard.has(id));
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      alignedUpdate(
        forgetting(ids),
        model,
        { held: moTargets(heldIds), hardLabels, weights: new Map() },
        { epochs: 3, lr: 0.003, batchSize: 64, retainMultiple: 5, seed: 0 },
      );
      const after = modelOutputs(model, fixture.data.train, ids, fixture.ctx.normalize);
      const wrongHard = ids.filter((id, i) => hard.has(id) && prediction(after, i) !== labelOf(id)).length;
      const keptHeld = ids.filter((id, i) => !hard.has(id) && prediction(after, i) === prediction(before, i)).length;
      assert.equal(wrongHard, hard.size, `${wrongHard} of ${hard.size} hard samples misclassified`);
      assert.ok(
        keptHeld >= 0.6 * heldIds.length,
        `${keptHeld} of ${heldIds.length} held samples kept their prediction`,
      );
    } finally {
      model.dispose();
    }
  });

  test('a forget sample neither held nor relabelled, and a negative or non-finite weight, are refused by name', () => {
    const ids = fixture.ctx.forgetIds.slice(0, 4);
    const model = cloneClassifier(fixture.original, fixture.architecture);
    try {
      assert.throws(
        () =>
          alignedUpdate(
            forgetting(ids),
            model,
            { held: moTargets(ids.slice(1)), hardLabels: new Map(), weights: new Map() },
            OPTIONS,
          ),
        new RegExp(`forget sample ${ids[0]} is neither held nor given a wrong label`),
      );
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(
          () =>
            alignedUpdate(
              forgetting(ids),
              model,
              { held: moTargets(ids), hardLabels: new Map(), weights: new Map([[ids[0]!, bad]]) },
              OPTIONS,
            ),
          new RegExp(`the weight of ${ids[0]} must be finite and >= 0`),
        );
      }
    } finally {
      model.dispose();
    }
  });

  test('the retain sample holds retainMultiple x |Df| samples of Dr, or all of Dr with 0', () => {
    const ids = fixture.ctx.forgetIds.slice(0, 10);
    const ctx = forgetting(ids);
    const run = (retainMultiple: number) => {
      const model = cloneClassifier(fixture.original, fixture.architecture);
      try {
        return alignedUpdate(
          ctx,
          model,
          { held: moTargets(ids), hardLabels: new Map(), weights: new Map() },
          {
            ...OPTIONS,
            retainMultiple,
          },
        );
      } finally {
        model.dispose();
      }
    };
    assert.equal(run(3).retainUsed, 30);
    assert.equal(run(0).retainUsed, ctx.retainIds.length);
    assert.equal(run(0).retainFraction, 1);
  });
});
