/**
 * The running weight average (stochastic weight averaging): the mean of the values the parameters took,
 * written back in place, with its misuse reported.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { SGD, WeightAverage } from '../../src/optim/index.js';
import { noGrad, tensor, tidy } from '../../src/tensor/index.js';

describe('WeightAverage', () => {
  test('copyTo writes the mean of the values added by update, parameter by parameter', () => {
    tidy(() => {
      const w = tensor([1, 2, 3], { shape: [3] }).requiresGrad_();
      const b = tensor([10], { shape: [1] }).requiresGrad_();
      const average = new WeightAverage([w, b]);
      const values = [
        [[1, 2, 3], [10]],
        [[3, 2, 1], [20]],
        [[5, 5, 5], [0]],
      ];
      for (const [wValues, bValues] of values) {
        noGrad(() => {
          w.copy_(tensor(wValues!, { shape: [3] }));
          b.copy_(tensor(bValues!, { shape: [1] }));
        });
        average.update();
      }
      assert.equal(average.count, 3);
      average.copyTo();
      assert.deepEqual(Array.from(w.toTypedArray() as Float32Array), [3, 3, 3]);
      assert.deepEqual(Array.from(b.toTypedArray() as Float32Array), [10]);
      assert.equal(w.requiresGrad, true, 'the parameters stay trainable');
      average.dispose();
    });
  });

  test('averages the iterates of an optimizer: after SGD steps on a constant gradient, the mean of the path', () => {
    tidy(() => {
      const p = tensor([0], { shape: [1] }).requiresGrad_();
      const optimizer = new SGD([p], { lr: 1 });
      const average = new WeightAverage([p]);
      for (let step = 0; step < 4; step++) {
        p.grad = tensor([-1], { shape: [1] });
        optimizer.step();
        average.update();
      }
      // Iterates 1, 2, 3, 4: the mean is 2.5, the last 4.
      assert.deepEqual(Array.from(p.toTypedArray() as Float32Array), [4]);
      average.copyTo();
      assert.deepEqual(Array.from(p.toTypedArray() as Float32Array), [2.5]);
      optimizer.dispose();
      average.dispose();
    });
  });

  test('copying an empty average, or using one after dispose, is an error', () => {
    tidy(() => {
      const p = tensor([1], { shape: [1] }).requiresGrad_();
      const average = new WeightAverage([p]);
      assert.throws(() => average.copyTo(), /nothing was averaged/);
      average.dispose();
      assert.throws(() => average.update(), /after dispose/);
      assert.deepEqual(Array.from(p.toTypedArray() as Float32Array), [1], 'the failed copy left the parameter alone');
    });
  });
});
