/**
 * TMU's generalisation-label predictor on its own: one network trained on 80% of the twin and measured
 * on the rest, or cross-fitted members measured out of fold and averaged, and its stored weights.
 * The features here are synthetic on purpose: the predictor's contract is about how it is trained and
 * measured, whatever features it is given (the features on real data are tested in tmuFeatures.test.ts).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Random } from '../../src/data/random.js';
import { GeneralisationPredictor, type PredictorOptions, trainPredictor } from '../../src/unlearn/tmu/predictor.js';

const OPTIONS: PredictorOptions = { hidden: [8], lr: 0.01, epochs: 30, batchSize: 64, heldOutFraction: 0.2, seed: 3 };

/** n rows of two features; the label (easy) is 1 where the first feature plus a little noise exceeds 0.3. */
function problem(n: number): { rows: Float32Array; labels: Uint8Array } {
  const random = new Random(11);
  const rows = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    rows[2 * i] = random.nextFloat();
    rows[2 * i + 1] = random.nextFloat();
    labels[i] = rows[2 * i]! + 0.1 * (random.nextFloat() - 0.5) > 0.3 ? 1 : 0;
  }
  return { rows, labels };
}

describe('TMU generalisation-label predictor', () => {
  const { rows, labels } = problem(400);

  test('one fold trains one network on 1 - heldOutFraction of the rows and measures it on the rest', () => {
    const trained = trainPredictor(rows, labels, 2, OPTIONS);
    try {
      assert.equal(trained.predictor.networks.length, 1);
      assert.deepEqual([trained.trainSamples, trained.heldOutSamples], [320, 80]);
      assert.ok(trained.heldOutAuroc > 0.95, `held-out AUROC ${trained.heldOutAuroc}`);
    } finally {
      trained.predictor.dispose();
    }
  });

  test("F folds train F members, measure every row out of fold, and predict the members' mean", () => {
    const trained = trainPredictor(rows, labels, 2, { ...OPTIONS, folds: 4 });
    try {
      const { predictor } = trained;
      assert.equal(predictor.networks.length, 4);
      assert.deepEqual([trained.trainSamples, trained.heldOutSamples], [400, 400]);
      assert.ok(trained.heldOutAuroc > 0.95, `out-of-fold AUROC ${trained.heldOutAuroc}`);
      const sample = rows.subarray(0, 20);
      const memberMeans = new Float32Array(10);
      for (const network of predictor.networks) {
        const single = new GeneralisationPredictor(2, [8]);
        single.loadStateDict(network.stateDict());
        single.predict(sample).forEach((p, i) => {
          memberMeans[i]! += p / 4;
        });
        single.dispose();
      }
      predictor
        .predict(sample)
        .forEach((p, i) => {
          assert.ok(Math.abs(p - memberMeans[i]!) < 1e-6, `row ${i}: ${p} against the members' mean ${memberMeans[i]}`);
        });
      const distinct = new Set(
        predictor.networks.map(
          (network) => (network.stateDict().values().next().value!.toTypedArray() as Float32Array)[0],
        ),
      );
      assert.equal(distinct.size, 4, 'each member starts from its own initialisation');
    } finally {
      trained.predictor.dispose();
    }
  });

  test('the stored weights load back into the same predictions; another member count or a stray weight is an error', () => {
    const trained = trainPredictor(rows, labels, 2, { ...OPTIONS, folds: 3 });
    const state = trained.predictor.stateDict();
    const loaded = new GeneralisationPredictor(2, [8], 3);
    try {
      loaded.loadStateDict(state);
      assert.deepEqual(Array.from(loaded.predict(rows)), Array.from(trained.predictor.predict(rows)));
      const two = new GeneralisationPredictor(2, [8], 2);
      assert.throws(() => two.loadStateDict(state), /unexpected weight '2\./);
      two.dispose();
      const four = new GeneralisationPredictor(2, [8], 4);
      assert.throws(() => four.loadStateDict(state), /3\.|missing/i);
      four.dispose();
    } finally {
      loaded.dispose();
      trained.predictor.dispose();
    }
  });

  test('a bad fold count, or too few rows for the folds, is refused by name', () => {
    assert.throws(
      () => trainPredictor(rows, labels, 2, { ...OPTIONS, folds: 0 }),
      /folds must be an integer >= 1, got 0/,
    );
    assert.throws(() => trainPredictor(rows, labels, 2, { ...OPTIONS, folds: 1.5 }), /folds must be an integer/);
    assert.throws(
      () => trainPredictor(rows.subarray(0, 10), labels.subarray(0, 5), 2, { ...OPTIONS, folds: 3 }),
      /3 folds need at least 6 twin samples, got 5/,
    );
    assert.throws(() => new GeneralisationPredictor(2, [8], 0), /members must be an integer >= 1/);
  });
});
