/**
 * TMU's per-sample features on hand-made penultimate features and logits, where the right answer is known:
 * the distance feature looks at the sample's own class, the neighbourhood feature at the classes around
 * it, the curriculum feature is the cross-entropy of the early model's logits.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { curriculumFeature, distanceFeature, neighbourhoodFeature } from '../../src/unlearn/tmu/features.js';

/** 2-D features: class 0 around the direction (1, 0), class 1 around (0, 1). */
function reference(): { features: Float32Array; labels: Int32Array } {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 10; i++) {
    const angle = (i - 4.5) * 0.02;
    rows.push([Math.cos(angle), Math.sin(angle)]);
    labels.push(0);
    rows.push([Math.sin(angle), Math.cos(angle)]);
    labels.push(1);
  }
  return { features: Float32Array.from(rows.flat()), labels: Int32Array.from(labels) };
}

describe('TMU features', () => {
  test('neighbourhood is the share of other classes among the k nearest samples', () => {
    // A typical class-0 sample, a class-0 sample lying inside class 1, and one half way between.
    const query = { features: Float32Array.from([1, 0, 0, 1, 1, 1]), labels: Int32Array.from([0, 0, 0]) };
    const values = neighbourhoodFeature(query, reference(), 2, 10);
    assert.equal(values[0], 0);
    assert.equal(values[1], 1);
    assert.ok(values[2]! > 0 && values[2]! < 1, `half way: ${values[2]}`);
    assert.equal(
      neighbourhoodFeature(query, reference(), 2, 20)[0],
      0.5,
      'with k = all 20 samples, half are the other class',
    );
  });

  test('neighbourhood scores every query when there are more queries than one chunk, and an empty reference as fully foreign', () => {
    const n = 1200;
    const query = { features: new Float32Array(n * 2), labels: new Int32Array(n) };
    for (let i = 0; i < n; i++) {
      query.features.set(i % 2 ? [0, 1] : [1, 0], i * 2);
      query.labels[i] = i % 3 === 0 ? 1 : 0;
    }
    const values = neighbourhoodFeature(query, reference(), 2, 5);
    for (let i = 0; i < n; i++) {
      const sitsIn = i % 2;
      assert.equal(values[i], sitsIn === query.labels[i] ? 0 : 1, `query ${i}`);
    }
    const empty = neighbourhoodFeature(query, { features: new Float32Array(0), labels: new Int32Array(0) }, 2, 5);
    assert.equal(empty[0], 1);
  });

  test("distance looks only at the sample's own class: a class-0 sample inside class 1 is far, whatever its neighbours", () => {
    const query = { features: Float32Array.from([1, 0, 0, 1]), labels: Int32Array.from([0, 0]) };
    const values = distanceFeature(query, reference(), 2, 3);
    assert.ok(values[0]! < 0.05, `typical: ${values[0]}`);
    assert.ok(values[1]! > 1.3, `inside the other class: ${values[1]}`);
  });

  test('curriculum is the cross-entropy of the logits at the true label', () => {
    const logits = Float32Array.from([2, 0, 0, 0, 0, 2]);
    const values = curriculumFeature(logits, Int32Array.from([0, 0]), 3);
    const expected = Math.log(Math.exp(2) + 2) - 2;
    assert.ok(Math.abs(values[0]! - expected) < 1e-5);
    assert.ok(Math.abs(values[1]! - (expected + 2)) < 1e-5);
  });
});
