/**
 * TMU's adversarial feature on a small CNN trained on real Fashion-MNIST: what the attack may and may not
 * change (nothing at radius 0; more at a larger radius), that batching the samples does not change a
 * sample's value, and that the model comes back as it was given.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { softmax, tensor, tidy } from '../../src/tensor/index.js';
import { adversarialFeature } from '../../src/unlearn/tmu/features.js';
import { modelOutputs } from '../../src/unlearn/tmu/outputs.js';
import { buildFixture, type Fixture, fashionSubset, snapshot, tempDir } from './support.js';

const mean = (values: Float32Array): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('TMU adversarial feature', () => {
  let fixture: Fixture;
  let ids: string[];
  before(() => {
    fixture = buildFixture(fashionSubset(tempDir('tmu-adversarial-')), { epochs: 2, forgetClass: 6, fraction: 0.5 });
    ids = fixture.split.member.slice(0, 100);
  });

  const attack = (eps: number, batchSize?: number): Float32Array =>
    adversarialFeature(fixture.original, fixture.data.train, ids, fixture.ctx.normalize, {
      eps,
      steps: 5,
      stepSize: eps / 3,
      batchSize,
    });

  test('at radius 0 the input cannot move, so the feature is the entropy of the clean prediction', () => {
    const logits = modelOutputs(fixture.original, fixture.data.train, ids, fixture.ctx.normalize).logits;
    const probabilities = tidy(
      () => softmax(tensor(logits, { shape: [ids.length, 10] }), 1).toTypedArray() as Float32Array,
    );
    const feature = attack(0);
    for (let i = 0; i < ids.length; i++) {
      let entropy = 0;
      for (let j = 0; j < 10; j++) {
        const p = probabilities[i * 10 + j]!;
        if (p > 0) entropy -= p * Math.log(p);
      }
      assert.ok(
        Math.abs(feature[i]! - entropy) < 1e-4,
        `sample ${i}: feature ${feature[i]} against entropy ${entropy}`,
      );
    }
  });

  test('a larger radius moves the prediction further', () => {
    const small = mean(attack(1 / 255));
    const large = mean(attack(16 / 255));
    assert.ok(large > small + 0.05, `mean feature ${large} at 16/255 against ${small} at 1/255`);
  });

  test("a sample's value does not depend on how the samples are batched", () => {
    const whole = attack(4 / 255, ids.length);
    for (const batchSize of [1, 16, 64]) {
      const batched = attack(4 / 255, batchSize);
      // Other batch sizes take other kernels; a gradient within rounding of 0 may flip one pixel's step.
      for (let i = 0; i < ids.length; i++) {
        assert.ok(
          Math.abs(batched[i]! - whole[i]!) < 1e-3,
          `batch ${batchSize}, sample ${i}: ${batched[i]} against ${whole[i]}`,
        );
      }
    }
  });

  test('the model keeps its weights, its gradients and its training mode', () => {
    fixture.original.train(true);
    const gradients = (): (number[] | null)[] =>
      fixture.original.parameters().map((parameter) => {
        const gradient = parameter.grad;
        return gradient === null ? null : Array.from(gradient.toTypedArray() as Float32Array);
      });
    const weightsBefore = snapshot(fixture.original);
    const gradientsBefore = gradients();
    attack(4 / 255);
    assert.equal(fixture.original.training, true);
    assert.deepEqual(snapshot(fixture.original), weightsBefore);
    assert.deepEqual(gradients(), gradientsBefore);
  });
});
