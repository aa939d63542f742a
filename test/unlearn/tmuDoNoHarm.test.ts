/**
 * TMU on an under-fit model (one epoch: its accuracy on its members is about its accuracy on unseen
 * samples), where a gold model would get Df about as wrong as Mo already does: the update only forgets,
 * so it never raises Df's accuracy above Mo's, and when the predicted hard share is no larger than Mo's
 * own error on Df it leaves Mo's predictions on Df as they are.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { Classifier } from '../../src/models/classifier.js';
import { predict } from '../../src/train/predict.js';
import { runMethod } from '../../src/unlearn/run.js';
import type { TmuSummary } from '../../src/unlearn/tmu/tmu.js';
import { tmu } from '../../src/unlearn/tmu/tmu.js';
import { buildFixture, type Fixture, fashionSubset, tempDir } from './support.js';

const work = tempDir('tmu-no-harm-');
const dataDir = fashionSubset(join(work, 'data'));

describe('TMU does no harm on an under-fit model', { timeout: 600_000 }, () => {
  let fixture: Fixture;
  /** The model's predictions on `ids` (default Df) and its accuracy on them, in percent. */
  const on = (model: Classifier, ids: readonly string[] = fixture.ctx.forgetIds) => {
    const result = predict(model, fixture.data.train, ids, { normalize: fixture.ctx.normalize });
    const right = result.predicted.filter((p, i) => p === result.labels[i]).length;
    return { predicted: result.predicted, accuracy: (100 * right) / ids.length };
  };
  before(() => {
    // 20% of class 2 (pullover), forgotten from a small CNN trained for a single epoch.
    fixture = buildFixture(dataDir, { epochs: 1, forgetClass: 2, fraction: 0.2 });
  });
  after(() => fixture?.original.dispose());

  test('the model is under-fit: its accuracy on its members is within a few points of its holdout accuracy', () => {
    const member = on(fixture.original, fixture.split.member).accuracy;
    const holdout = on(fixture.original, fixture.split.holdout).accuracy;
    assert.ok(member - holdout < 5, `member ${member.toFixed(1)}%, holdout ${holdout.toFixed(1)}%`);
  });

  test("the update never raises Df's accuracy above Mo's", () => {
    const result = runMethod(fixture.ctx, tmu, {});
    try {
      const before = on(fixture.original).accuracy;
      const after = on(result.model).accuracy;
      assert.ok(after <= before, `Df accuracy ${before.toFixed(2)}% -> ${after.toFixed(2)}%`);
      const summary = result.summary as unknown as TmuSummary;
      assert.ok(summary.keptWrong > 0, 'Mo misclassifies some of Df, and those are kept wrong');
    } finally {
      result.model.dispose();
    }
  });

  test("when the predicted hard share is no larger than Mo's own error on Df, Mo's predictions on Df stay as they are", () => {
    // A P(easy) threshold of 0.01 predicts almost nothing hard: less than Mo already gets wrong.
    const result = runMethod(fixture.ctx, tmu, { threshold: 0.01 });
    try {
      const summary = result.summary as unknown as TmuSummary;
      assert.equal(summary.hard, summary.keptWrong, 'nothing beyond what Mo already misclassifies is flipped');
      const before = on(fixture.original).predicted;
      const after = on(result.model).predicted;
      const same = after.filter((p, i) => p === before[i]).length;
      assert.ok(same >= 0.98 * before.length, `${same} of ${before.length} Df predictions kept`);
    } finally {
      result.model.dispose();
    }
  });
});
