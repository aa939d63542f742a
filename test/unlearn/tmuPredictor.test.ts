/**
 * TMU's generalisation-label predictor on its own: one network trained on 80% of the twin and measured
 * on the rest, reproducible from its seed, and its stored weights.
 * The features here are synthetic on purpose: the predictor's contract is about how it is trained and
 * measured, whatever features it is given (the features on real data are tested in tmuFeatures.test.ts).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Random } from '../../src/data/random.js';
import { GeneralisationPredictor, type PredictorOptions, trainPredictor } from '../../src/unlearn/tmu/predictor.js';

const OPTIONS: PredictorOptions = { hidden: [8], lr: 0.01, epochs: 30, seed: 3 };

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

  test('trains one network on 80% of the rows and measures its accuracy and AUROC on the rest', () => {
    const trained = trainPredictor(rows, labels, 2, OPTIONS);
    try {
      assert.deepEqual([trained.trainSamples, trained.heldOutSamples], [320, 80]);
      assert.ok(trained.heldOutAuroc > 0.95, `held-out AUROC ${trained.heldOutAuroc}`);
      assert.ok(trained.heldOutAccuracy > 85, `held-out accuracy ${trained.heldOutAccuracy}`);
    } finally {
      trained.predictor.dispose();
    }
  });

  test('the same seed trains the same predictor; another seed another one', () => {
    const first = trainPredictor(rows, labels, 2, OPTIONS);
    const again = trainPredictor(rows, labels, 2, OPTIONS);
    const other = trainPredictor(rows, labels, 2, { ...OPTIONS, seed: 4 });
    try {
      assert.deepEqual(Array.from(again.predictor.predict(rows)), Array.from(first.predictor.predict(rows)));
      assert.notDeepEqual(Array.from(other.predictor.predict(rows)), Array.from(first.predictor.predict(rows)));
    } finally {
      for (const trained of [first, again, other]) trained.predictor.dispose();
    }
  });

  test('the stored weights load back into the same predictions; weights of another shape are an error', () => {
    const trained = trainPredictor(rows, labels, 2, OPTIONS);
    const loaded = new GeneralisationPredictor(2, [8]);
    const wider = new GeneralisationPredictor(2, [9]);
    try {
      loaded.loadStateDict(trained.predictor.stateDict());
      assert.deepEqual(Array.from(loaded.predict(rows)), Array.from(trained.predictor.predict(rows)));
      assert.throws(() => wider.loadStateDict(trained.predictor.stateDict()), /shape|size/i);
    } finally {
      loaded.dispose();
      wider.dispose();
      trained.predictor.dispose();
    }
  });
});
