/**
 * The predictor bench's figures (bench/tmuPredictor.ts) on hand-made arrays.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  errorsInRanks,
  exactSplitAgreement,
  extrapolatedShiftPct,
  hardMassPct,
  predictorDump,
} from '../../bench/lib/predictorDiagnostics.js';

describe('predictor diagnostics', () => {
  // Hardest first: index 3 (0.1), 1 (0.2), 4 and 5 tied at 0.5 (index order), 0 (0.9), 2 (0.95).
  const easy = Float32Array.from([0.9, 0.2, 0.95, 0.1, 0.5, 0.5]);
  const goldWrong = Uint8Array.from([0, 1, 0, 1, 0, 1]);

  test("errors in ranks count the gold model's errors among samples ordered hardest first, ties by index, ranks cut to the samples", () => {
    assert.deepEqual(
      errorsInRanks(easy, goldWrong, 0, 2),
      { wrong: 2, samples: 2 },
      'the two hardest are both gold errors',
    );
    assert.deepEqual(
      errorsInRanks(easy, goldWrong, 2, 3),
      { wrong: 0, samples: 1 },
      'of the tie at 0.5, index 4 comes first',
    );
    assert.deepEqual(errorsInRanks(easy, goldWrong, 3, 4), { wrong: 1, samples: 1 });
    assert.deepEqual(errorsInRanks(easy, goldWrong, 4, 10), { wrong: 0, samples: 2 });
    assert.deepEqual(errorsInRanks(easy, goldWrong, -3, 0), { wrong: 0, samples: 0 });
    assert.throws(() => errorsInRanks(easy, goldWrong.slice(1), 0, 1), /6 probabilities for 5 gold flags/);
  });

  test('an exact split keeps the label of easy samples and takes the runner-up for hard ones, scored against the gold prediction', () => {
    const labels = Int32Array.from([2, 2, 2, 2]);
    const runnerUp = Int32Array.from([4, 6, 4, 0]);
    const gold = Int32Array.from([2, 6, 4, 2]);
    assert.equal(
      exactSplitAgreement(Uint8Array.from([0, 1, 0, 1]), labels, runnerUp, gold),
      50,
      'samples 0 and 1 agree; 2 should be hard, 3 easy',
    );
    assert.equal(exactSplitAgreement(Uint8Array.from([0, 1, 1, 0]), labels, runnerUp, gold), 100);
    assert.ok(
      Number.isNaN(exactSplitAgreement(new Uint8Array(0), new Int32Array(0), new Int32Array(0), new Int32Array(0))),
    );
    assert.throws(() => exactSplitAgreement(Uint8Array.from([0]), labels, runnerUp, gold), /1 split flags, 4 labels/);
  });

  test('the hard mass is the mean of 1 - P(easy) in %, over all samples or the rows given', () => {
    assert.ok(Math.abs(hardMassPct(easy) - (100 * (0.1 + 0.8 + 0.05 + 0.9 + 0.5 + 0.5)) / 6) < 1e-5);
    assert.ok(Math.abs(hardMassPct(easy, [1, 3]) - 85) < 1e-5);
    assert.ok(Number.isNaN(hardMassPct(easy, [])));
    assert.throws(() => hardMassPct(easy, [7]), /row 7 has P\(easy\) undefined/);
    assert.throws(() => hardMassPct(Float32Array.from([1.5])), /row 0 has P\(easy\) 1.5/);
  });

  test("the learning curve extrapolates the twin's gain linearly to the share forgotten", () => {
    assert.ok(
      Math.abs(extrapolatedShiftPct(0.12, 0.11, 0.05, 0.1) - 2) < 1e-12,
      'a point bought by 5% more samples costs two points at 10% fewer',
    );
    assert.ok(
      Math.abs(extrapolatedShiftPct(0.11, 0.13, 0.05, 0.1) + 4) < 1e-12,
      'an Mt worse than Mo extrapolates to a negative shift',
    );
    assert.throws(() => extrapolatedShiftPct(0.1, 0.1, 0, 0.1), /the twin added 0 of the class/);
  });

  test("the dump pairs each sample's probability with its labels, rounds probabilities and rates to 5 significant digits, writes a missing rate as null, and refuses misaligned columns", () => {
    const forget = {
      easy: Float32Array.from([0.123456, 0.9]),
      goldPrediction: Int32Array.from([2, 4]),
      labels: Int32Array.from([2, 2]),
      runnerUp: Int32Array.from([4, 6]),
    };
    const twin = { easy: Float32Array.from([0.5]), moRight: Uint8Array.from([1]), labels: Int32Array.from([2]) };
    const dump = predictorDump(forget, twin, [0.1234567, Number.NaN], [10, 0]);
    assert.deepEqual(dump.forget, { easy: [0.12346, 0.9], goldPrediction: [2, 4], labels: [2, 2], runnerUp: [4, 6] });
    assert.deepEqual(dump.twin, { easy: [0.5], moRight: [1], labels: [2] });
    assert.deepEqual(dump.hardRateByClass, [0.12346, null]);
    assert.deepEqual(JSON.parse(JSON.stringify(dump)), dump, 'plain JSON');
    assert.throws(
      () => predictorDump({ ...forget, runnerUp: Int32Array.from([4]) }, twin, [0.1, 0.2], [10, 0]),
      /Df has 2 probabilities, 2 gold predictions, 2 labels, 1 runner-ups/,
    );
    assert.throws(
      () => predictorDump(forget, { ...twin, labels: new Int32Array(0) }, [0.1, 0.2], [10, 0]),
      /the twin has 1 probabilities, 1 correctness flags, 0 labels/,
    );
    assert.throws(() => predictorDump(forget, twin, [0.1], [10, 0]), /1 class rates for 2 classes/);
  });
});
